/*
 * fuzz_manifest.c: frozen-module manifests (table, CSV, JSON) on arbitrary
 * text; what parses must compare "same" with itself and survive a round
 * trip through every output format.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "frozen_manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_or_abort(const struct frozen_set *set,
                          const struct frozen_manifest *m)
{
    struct buf out;
    int differs = -1;
    buf_init(&out);
    if (frozen_compare(set, m, &out, &differs) != RC_OK || differs != 0) {
        abort();
    }
    buf_fini(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct frozen_manifest m;
    struct rc_msg msg;
    if (frozen_manifest_parse((const char *)data, size, "fuzz", &m, &msg) != RC_OK) {
        if (m.e != NULL || m.n != 0 || strncmp(msg.text, "fuzz:", 5) != 0) {
            abort();
        }
        return 0;
    }
    struct frozen_set set = {NULL, 0, "fuzz"};
    set.mods = calloc(m.n ? m.n : 1, sizeof *set.mods);
    if (set.mods == NULL) {
        frozen_manifest_free(&m);
        return 0;
    }
    set.n = m.n;
    for (size_t i = 0; i < m.n; i++) {
        memcpy(set.mods[i].name, m.e[i].name, sizeof set.mods[i].name);
        set.mods[i].size = m.e[i].size;
        memcpy(set.mods[i].sha256, m.e[i].sha256, 32);
    }
    same_or_abort(&set, &m);
    for (int f = FROZEN_FMT_TABLE; f <= FROZEN_FMT_JSON; f++) {
        struct buf out;
        struct frozen_manifest back;
        buf_init(&out);
        if (frozen_format(&set, (enum frozen_format)f, &out) != RC_OK ||
            frozen_manifest_parse(buf_str(&out), out.len, "back", &back, &msg) != RC_OK ||
            back.n != m.n) {
            abort();
        }
        same_or_abort(&set, &back);
        frozen_manifest_free(&back);
        buf_fini(&out);
    }
    free(set.mods);
    frozen_manifest_free(&m);
    return 0;
}
