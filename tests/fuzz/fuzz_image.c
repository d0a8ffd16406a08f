/*
 * fuzz_image.c: image loading by content (ELF, Intel HEX, raw binary) and
 * every lookup on the result.  The first 4 bytes are the base address
 * (little-endian); its lowest bit says whether a base is given.  A loaded
 * image must keep image.h's invariants and the lookups must agree with
 * plain scans; abort() otherwise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* image_sym_at by scanning: smallest, then latest start, then global,
 * then first. */
static const struct image_sym *sym_at_ref(const struct image *img,
                                          uint32_t addr)
{
    const struct image_sym *best = NULL;
    for (size_t i = 0; i < img->nsyms; i++) {
        const struct image_sym *s = &img->syms[i];
        if (s->size == 0 || addr < s->addr ||
            (uint64_t)addr >= (uint64_t)s->addr + s->size) {
            continue;
        }
        if (best == NULL || s->size < best->size ||
            (s->size == best->size &&
             (s->addr > best->addr ||
              (s->addr == best->addr && s->global > best->global)))) {
            best = s;
        }
    }
    return best;
}

static void check_addr(const struct image *img, uint32_t a)
{
    if (image_sym_at(img, a) != sym_at_ref(img, a)) {
        abort();
    }
    size_t lo = image_sym_lower(img, a);
    if (lo > img->nsyms || (lo < img->nsyms && img->syms[lo].addr < a) ||
        (lo > 0 && img->syms[lo - 1].addr >= a)) {
        abort();
    }
    /* image_byte and image_copy agree on a window around a. */
    uint8_t win[24], want[24];
    uint32_t start = a >= 8 ? a - 8 : 0;
    memset(win, 0xA5, sizeof win);
    memset(want, 0xA5, sizeof want);
    size_t held = 0;
    for (uint32_t k = 0; k < sizeof want; k++) {
        uint64_t x = (uint64_t)start + k;
        if (x < 0x100000000ULL && image_byte(img, (uint32_t)x, &want[k])) {
            held++;
        }
    }
    if (image_copy(img, start, sizeof win, win) != held ||
        memcmp(win, want, sizeof win) != 0) {
        abort();
    }
}

static void check(const struct image *img)
{
    if (memchr(img->path, 0, sizeof img->path) == NULL) {
        abort();
    }
    uint64_t total = 0;
    for (size_t i = 0; i < img->nsegs; i++) {
        const struct image_seg *s = &img->segs[i];
        if (s->len == 0 || (uint64_t)s->addr + s->len > 0x100000000ULL ||
            s->data == NULL) {
            abort();
        }
        if (i > 0 && (uint64_t)img->segs[i - 1].addr + img->segs[i - 1].len >
                         s->addr) {
            abort();
        }
        total += s->len;
        if (i < 64) {
            check_addr(img, s->addr);
            check_addr(img, s->addr + s->len - 1);
            check_addr(img, (uint32_t)(s->addr + (uint64_t)s->len / 2));
        }
    }
    if (total != image_size(img)) {
        abort();
    }
    if (img->kind != IMAGE_ELF && (img->nsects != 0 || img->nsyms != 0)) {
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
        if (s->name == NULL || s->name[0] == 0 ||
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
        if (i < 64) {
            check_addr(img, s->addr);
            if (s->size > 0) {
                check_addr(img, (uint32_t)(s->addr + (uint64_t)s->size - 1));
                check_addr(img, (uint32_t)(s->addr + (uint64_t)s->size));
            }
            if (s->addr > 0) {
                check_addr(img, s->addr - 1);
            }
        }
    }
    check_addr(img, 0);
    check_addr(img, 0xffffffff);
    if (image_sym_find(img, "") != NULL) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4) {
        return 0;
    }
    uint32_t base = (uint32_t)data[0] | (uint32_t)data[1] << 8 |
                    (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24;
    struct image *img = NULL;
    struct rc_msg msg;
    int rc = image_load_mem(data + 4, size - 4, "fuzz.img", base, base & 1,
                            &img, &msg);
    if (rc == RC_OK) {
        if (img == NULL) {
            abort();
        }
        check(img);
    } else if (img != NULL || strncmp(msg.text, "fuzz.img", 8) != 0 ||
               strchr(msg.text, '\n') != NULL ||
               (rc != RC_PARSE && rc != RC_ARG)) {
        abort();
    }
    image_free(img);
    return 0;
}
