/*
 * fuzz_snapshot.c: snapshot files (snapshot.h) from arbitrary bytes.
 * Each input is parsed as it is (the header, length and digest checks),
 * then again with the magic, version, length and digest made right, so
 * the section parser behind the digest sees the rest of the bytes.  A
 * parsed snapshot must keep snapshot.h's invariants, encode again, and
 * read back the same; its memory must make an image.  abort() otherwise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "recdec.h"
#include "snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct snapshot *s)
{
    for (size_t i = 0; i < s->nregions; i++) {
        const struct rmap_region *r = &s->regions[i];
        if (r->end <= r->start || r->end > 0x100000000ULL ||
            memchr(r->name, 0, sizeof r->name) == NULL ||
            memchr(r->notes, 0, sizeof r->notes) == NULL) {
            abort();
        }
    }
    for (size_t i = 0; i < s->nmem; i++) {
        const struct snapshot_mem *m = &s->mem[i];
        if (m->len == 0 || (uint64_t)m->addr + m->len > 0x100000000ULL ||
            (i > 0 && (uint64_t)s->mem[i - 1].addr + s->mem[i - 1].len > m->addr)) {
            abort();
        }
        volatile uint8_t x = m->data[0];
        x = m->data[m->len - 1];
        (void)x;
    }
    for (size_t i = 0; i < s->nnotes; i++) {
        (void)strlen(s->notes[i]);
    }
    if (s->heap_text != NULL && s->heap_len > 0) {
        volatile char c = s->heap_text[s->heap_len - 1];
        (void)c;
    }
    /* write it again and read it back */
    struct buf b;
    buf_init(&b);
    struct rc_msg msg;
    struct snapshot *t = NULL;
    if (snapshot_encode(s, &b, &msg) != RC_OK ||
        snapshot_parse(b.data, b.len, "again", &t, &msg) != RC_OK ||
        t->nmem != s->nmem || t->nregions != s->nregions || t->nnotes != s->nnotes ||
        t->heap_len != s->heap_len || t->info.repr_c != s->info.repr_c ||
        strcmp(t->info.firmware, s->info.firmware) != 0) {
        abort();
    }
    for (size_t i = 0; i < s->nmem; i++) {
        if (t->mem[i].addr != s->mem[i].addr || t->mem[i].len != s->mem[i].len ||
            memcmp(t->mem[i].data, s->mem[i].data, s->mem[i].len) != 0) {
            abort();
        }
    }
    snapshot_free(t);
    buf_fini(&b);
    struct image_seg *segs = calloc(s->nmem ? s->nmem : 1, sizeof *segs);
    if (segs == NULL) {
        return;
    }
    for (size_t i = 0; i < s->nmem; i++) {
        segs[i] = (struct image_seg){s->mem[i].addr, s->mem[i].len, s->mem[i].data};
    }
    struct image *img = NULL;
    int rc = image_from_segs("f", IMAGE_SNAP, segs, s->nmem, &img, &msg);
    if (rc != RC_OK && rc != RC_NOMEM && rc != RC_PARSE) {
        abort();
    }
    if (rc == RC_PARSE && strstr(msg.text, "256 MiB") == NULL) {
        abort(); /* the parser's blocks are disjoint and in range */
    }
    image_free(img);
    free(segs);
}

static void one(const uint8_t *d, size_t n)
{
    struct snapshot *s = NULL;
    struct rc_msg msg;
    msg.text[0] = 0;
    int rc = snapshot_parse(d, n, "fuzz", &s, &msg);
    if (rc != RC_OK) {
        if (s != NULL || msg.text[0] == 0 || strchr(msg.text, '\n') != NULL) {
            abort();
        }
        return;
    }
    check(s);
    snapshot_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    one(data, size);
    if (size < SNAPSHOT_HEADER + SNAPSHOT_DIGEST) {
        return 0;
    }
    uint8_t *d = malloc(size);
    if (d == NULL) {
        return 0;
    }
    memcpy(d, data, size);
    memcpy(d, SNAPSHOT_MAGIC, SNAPSHOT_MAGIC_LEN);
    d[8] = SNAPSHOT_VERSION;
    d[9] = d[10] = d[11] = 0;
    for (int i = 0; i < 8; i++) {
        d[16 + i] = (uint8_t)((uint64_t)size >> (8 * i));
    }
    recdec_sha256(d, size - SNAPSHOT_DIGEST, d + size - SNAPSHOT_DIGEST);
    one(d, size);
    free(d);
    return 0;
}
