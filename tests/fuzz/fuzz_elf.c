/*
 * fuzz_elf.c: ELF loading (image_load_mem) on arbitrary bytes.  Inputs
 * that do not start with the ELF magic get it put in front, so every
 * input reaches the ELF reader.  A loaded image must keep image.h's
 * invariants; abort() otherwise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ARM mapping symbols ($a, $t, $d, $x and "$t.anything") are left out. */
static int is_mapping(const char *s)
{
    return s[0] == '$' && s[1] != 0 && strchr("atdx", s[1]) != NULL &&
           (s[2] == 0 || s[2] == '.');
}

static void check(const struct image *img)
{
    uint64_t total = 0;
    for (size_t i = 0; i < img->nsegs; i++) {
        const struct image_seg *s = &img->segs[i];
        if (s->len == 0 || (uint64_t)s->addr + s->len > 0x100000000ULL ||
            s->data == NULL) {
            abort();
        }
        if (i > 0 && (uint64_t)img->segs[i - 1].addr + img->segs[i - 1].len >=
                         s->addr) {
            abort(); /* sorted, disjoint, adjacent ones merged */
        }
        uint8_t v;
        if (!image_byte(img, s->addr + s->len - 1, &v) ||
            v != s->data[s->len - 1]) {
            abort();
        }
        total += s->len;
    }
    if (total != image_size(img)) {
        abort();
    }
    for (size_t i = 0; i < img->nsects; i++) {
        const struct image_sect *s = &img->sects[i];
        if (memchr(s->name, 0, sizeof s->name) == NULL || s->size == 0 ||
            (uint64_t)s->addr + s->size > 0x100000000ULL ||
            (uint64_t)s->load + s->size > 0x100000000ULL) {
            abort();
        }
    }
    for (size_t i = 0; i < img->nsyms; i++) {
        const struct image_sym *s = &img->syms[i];
        if (s->name == NULL || s->name[0] == 0 || is_mapping(s->name) ||
            (uint64_t)s->addr + s->size > 0x100000000ULL) {
            abort();
        }
        if (i > 0 && (img->syms[i - 1].addr > s->addr ||
                      (img->syms[i - 1].addr == s->addr &&
                       strcmp(img->syms[i - 1].name, s->name) > 0))) {
            abort();
        }
        const struct image_sym *f = image_sym_find(img, s->name);
        if (f == NULL || strcmp(f->name, s->name) != 0 ||
            (s->global && !f->global)) {
            abort();
        }
        if (s->size > 0) {
            const struct image_sym *at = image_sym_at(img, s->addr);
            if (at == NULL || at->size > s->size) {
                abort(); /* s covers its own start: the answer is no bigger */
            }
        }
        if (image_sym_lower(img, s->addr) > i) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = NULL;
    const uint8_t *in = data;
    if (size < 4 || memcmp(data, "\x7f" "ELF", 4) != 0) {
        buf = malloc(size + 4);
        if (buf == NULL) {
            return 0;
        }
        memcpy(buf, "\x7f" "ELF", 4);
        if (size > 0) {
            memcpy(buf + 4, data, size);
        }
        in = buf;
        size += 4;
    }
    struct image *img = NULL;
    struct rc_msg msg;
    int rc = image_load_mem(in, size, "fuzz.elf", 0, 0, &img, &msg);
    if (rc == RC_OK) {
        if (img == NULL || img->kind != IMAGE_ELF) {
            abort();
        }
        check(img);
    } else if (img != NULL || rc != RC_PARSE ||
               strncmp(msg.text, "fuzz.elf: ", 10) != 0 ||
               strchr(msg.text, '\n') != NULL) {
        abort(); /* RC_NOMEM cannot happen at these sizes */
    }
    image_free(img);
    free(buf);
    return 0;
}
