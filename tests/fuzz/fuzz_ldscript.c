/*
 * fuzz_ldscript.c: GNU ld linker scripts on arbitrary text, with two
 * defsyms and INCLUDEs served from memory: "self.ld" is the input itself
 * (so loops happen), "inc.ld" a fixed MEMORY fragment, anything else is
 * missing.  Nothing may crash, hang or leak, and the results must be
 * consistent with each other.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ldscript.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
    const uint8_t *data;
    size_t size;
};

static int fuzz_read(void *ctx, const char *path, char **text_out,
                     size_t *len_out)
{
    static const char inc[] =
        "MEMORY { INC (rx) : ORIGIN = 0x1000, LENGTH = 4K }\n"
        "_inc_end = ORIGIN(INC) + LENGTH(INC);\n";
    const struct input *in = ctx;
    const char *base = strrchr(path, '/');
    const char *text;
    size_t len;
    base = base != NULL ? base + 1 : path;
    if (strcmp(base, "self.ld") == 0) {
        text = (const char *)in->data;
        len = in->size;
    } else if (strcmp(base, "inc.ld") == 0) {
        text = inc;
        len = sizeof inc - 1;
    } else {
        return RC_NOTFOUND;
    }
    char *buf = malloc(len + 1);
    if (buf == NULL) {
        return RC_NOMEM;
    }
    if (len > 0) {
        memcpy(buf, text, len);
    }
    *text_out = buf;
    *len_out = len;
    return RC_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const defs[] = {"_estack_reserve=8",
                                       "__micropy_flash_size__=2M"};
    static const char *const dirs[] = {"virt"};
    struct ldscript_opts opts = {dirs, 1, defs, 2};
    struct input in = {data, size};
    struct ldscript_reader rd = {fuzz_read, &in};
    struct ldscript *ld;
    struct rc_msg msg;

    if (ldscript_new(&opts, &ld) != RC_OK) {
        abort();
    }
    ldscript_set_reader(ld, &rd);
    int rc = ldscript_load_text(ld, "fuzz.ld", (const char *)data, size,
                                &msg);
    if (rc != RC_OK && rc != RC_PARSE) {
        abort();
    }
    for (size_t i = 0; i < ldscript_region_count(ld); i++) {
        const struct ldscript_region *r = ldscript_region(ld, i);
        if (r == NULL || r->name == NULL || r->file == NULL ||
            memchr(r->attrs, '\0', sizeof r->attrs) == NULL ||
            ldscript_find_region(ld, r->name) != r) {
            abort();
        }
    }
    for (size_t i = 0; i < ldscript_symbol_count(ld); i++) {
        const struct ldscript_symbol *s = ldscript_symbol(ld, i);
        if (s == NULL || s->name == NULL || s->file == NULL ||
            ldscript_find_symbol(ld, s->name) != s ||
            (!s->known && s->value != 0)) {
            abort();
        }
    }
    for (size_t i = 0; i < ldscript_alias_count(ld); i++) {
        const char *a, *t;
        ldscript_alias(ld, i, &a, &t);
        if (a == NULL || t == NULL ||
            ldscript_find_region(ld, a) != ldscript_find_region(ld, t)) {
            abort();
        }
    }
    for (size_t i = 0; i < ldscript_diag_count(ld); i++) {
        const char *d = ldscript_diag(ld, i);
        if (d == NULL || strstr(d, ": ") == NULL) {
            abort();
        }
    }
    ldscript_free(ld);
    return 0;
}
