/*
 * fuzz_frozen.c: frozen_find and frozen_annotate on a hand-built image
 * whose bytes and symbols come from the input:
 *
 *   byte 0            bits 0-6: number of symbols (at most 64);
 *                     bit 7: "big": then byte 1 is R
 *   5 bytes each      name index into names[], address (u16 LE), size (u16 LE)
 *   the rest          the image's bytes, at address 0
 *
 * A big input repeats its last symbol R * 8 more times, each copy 4 bytes
 * after the one before (so symbols of up to 64 KiB overlap by the
 * hundred), and tiles its bytes over 128 KiB so they can all be read:
 * walks through overlapping big objects must stay within frozen_find's
 * budget, never run for long.
 *
 * Whatever the tables and pointers say (cycles, pointers into the middle
 * of symbols or into another module's symbols), nothing may be read out of
 * bounds, and what is found must survive the manifest round trip.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "frozen.h"
#include "frozen_manifest.h"
#include "frozen_notes.h"
#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {
    "mp_frozen_names", "mp_frozen_str_sizes", "mp_frozen_str_content",
    "mp_frozen_mpy_content", "mp_frozen_str_names", "mp_frozen_mpy_names",
    "mp_frozen_sizes", "mp_frozen_content", "mp_qstr_frozen_const_pool",
    "mp_qstr_const_pool", "mp_qstr_frozen_const_lengths", "mp_qstr_const_lengths",
    "mp_type_str", "mp_type_tuple", "mp_type_bytes",
    "frozen_module_hello", "const_qstr_table_data_hello", "const_obj_table_data_hello",
    "const_obj_hello_0", "const_obj_hello_1", "const_obj_hello_1_0",
    "proto_fun_hello__lt_module_gt_", "children_hello__lt_module_gt_",
    "fun_data_hello__lt_module_gt_", "fun_data_hello_greet",
    "frozen_module_pkg___init__", "const_qstr_table_data_pkg___init__",
    "proto_fun_pkg___init____lt_module_gt_", "children_pkg___init____lt_module_gt_",
    "fun_data_pkg___init____lt_module_gt_", "proto_fun_pkg___init___make",
    "children_pkg___init___make", "fun_data_pkg___init___make",
    "fun_data_pkg___init___make_inner",
    "frozen_module_hello_world", "const_qstr_table_data_hello_world",
    "const_obj_table_data_hello_world", "const_obj_hello_world_0",
    "fun_data_hello_world__lt_module_gt_",
    "raw_code_hello__lt_module_gt_", "raw_code_hello_greet", "children_hello_greet",
    "const_table_data_hello__lt_module_gt_", "fun_data_hello_greet_prelude",
    "raw_code_pkg___init____lt_module_gt_",
    /* hello.world and its leaf x: names that also fit module hello_world. */
    "proto_fun_hello_world", "children_hello_world", "fun_data_hello_world",
    "fun_data_hello_world_x", "const_obj_hello_world_1", "fun_data_hello_world_greet",
};
#define NNAMES (sizeof names / sizeof names[0])

static int cmp_sym(const void *a, const void *b)
{
    const struct image_sym *x = a, *y = b;
    if (x->addr != y->addr) {
        return x->addr < y->addr ? -1 : 1;
    }
    return strcmp(x->name, y->name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    size_t nsyms = (data[0] & 0x7f) % 65;
    int big = (data[0] & 0x80) != 0;
    size_t head = 1 + (size_t)big;
    if (size < head + 5 * nsyms) {
        return 0;
    }
    size_t copies = big && nsyms > 0 ? (size_t)data[1] * 8 : 0;
    struct image_sym *syms = malloc((nsyms + copies + 1) * sizeof *syms);
    if (syms == NULL) {
        return 0;
    }
    for (size_t i = 0; i < nsyms; i++) {
        const uint8_t *p = data + head + 5 * i;
        syms[i].name = names[p[0] % NNAMES];
        syms[i].addr = (uint32_t)(p[1] | p[2] << 8);
        syms[i].size = (uint32_t)(p[3] | p[4] << 8);
        syms[i].type = IMAGE_SYM_OBJECT;
        syms[i].global = 1;
    }
    for (size_t i = 0; i < copies; i++) {
        syms[nsyms + i] = syms[nsyms - 1];
        syms[nsyms + i].addr += 4 * (uint32_t)(i + 1);
    }
    nsyms += copies;
    qsort(syms, nsyms, sizeof syms[0], cmp_sym);
    size_t off = head + 5 * (nsyms - copies);
    /* A copy of exactly the image's bytes, so ASan sees any overrun. */
    size_t in = size - off;
    size_t len = big && in > 0 ? (size_t)128 << 10 : in;
    uint8_t *bytes = malloc(len ? len : 1);
    if (bytes == NULL) {
        free(syms);
        return 0;
    }
    for (size_t at = 0; at < len; at += in) {
        memcpy(bytes + at, data + off, len - at < in ? len - at : in);
    }
    struct image_seg seg = {0, (uint32_t)len, bytes};
    struct image img;
    memset(&img, 0, sizeof img);
    strcpy(img.path, "fuzz.elf");
    img.kind = IMAGE_ELF;
    img.segs = &seg;
    img.nsegs = len > 0;
    img.syms = syms;
    img.nsyms = nsyms;

    struct frozen_mem mem;
    struct frozen_set set;
    struct rc_msg msg;
    frozen_mem_image(&mem, &img);
    if (frozen_find(&img, &mem, &set, &msg) == RC_OK) {
        for (size_t i = 0; i < set.n; i++) {
            struct frozen_notes notes;
            if (frozen_annotate(&img, &mem, &set.mods[i], &notes, &msg) == RC_OK) {
                /* At most 512 lookups a module, spread over the notes. */
                size_t step = notes.count / 512 + 1;
                for (size_t k = 0; k < notes.count; k += step) {
                    const struct frozen_note *hit = frozen_note_at(&notes, notes.n[k].addr);
                    if ((hit == NULL && notes.n[k].len > 0) ||
                        (hit != NULL && hit->len > notes.n[k].len && notes.n[k].len > 0)) {
                        abort(); /* not found, or not the innermost */
                    }
                }
                frozen_notes_free(&notes);
            }
            if (set.mods[i].nranges > 0 &&
                frozen_at(&set, set.mods[i].ranges[0].addr) == NULL) {
                abort();
            }
        }
        for (int f = FROZEN_FMT_TABLE; f <= FROZEN_FMT_JSON; f++) {
            struct buf out, cmp;
            struct frozen_manifest m;
            int differs = -1;
            buf_init(&out);
            buf_init(&cmp);
            if (frozen_format(&set, (enum frozen_format)f, &out) != RC_OK ||
                frozen_manifest_parse(buf_str(&out), out.len, "m", &m, &msg) != RC_OK) {
                /* Names repeat in a firmware; a manifest cannot hold that. */
                if (strstr(msg.text, "listed twice") == NULL) {
                    abort();
                }
            } else {
                frozen_compare(&set, &m, &cmp, &differs);
                if (differs != 0) {
                    abort();
                }
                frozen_manifest_free(&m);
            }
            buf_fini(&out);
            buf_fini(&cmp);
        }
        frozen_set_free(&set);
    } else if (set.n != 0 || set.mods != NULL) {
        abort();
    }
    free(bytes);
    free(syms);
    return 0;
}
