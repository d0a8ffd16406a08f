/*
 * bcmod.c: a frozen module's tables and the firmware's version, from the
 * ELF (see bcmod.h).
 */
#include "bcmod.h"

#include <stdio.h>
#include <string.h>

#include "image.h"
#include "objdec.h"

int bcmod_image_version(const struct image *img, int *major, int *minor)
{
    static const char pat[] = "MicroPython v";
    for (size_t i = 0; img != NULL && i < img->nsegs; i++) {
        const struct image_seg *g = &img->segs[i];
        for (size_t k = 0; g->data != NULL && k + sizeof pat + 4 < g->len; k++) {
            if (memcmp(g->data + k, pat, sizeof pat - 1) == 0) {
                char v[16];
                size_t n = 0;
                const uint8_t *p = g->data + k + sizeof pat - 1;
                while (n + 1 < sizeof v && k + sizeof pat - 1 + n < g->len &&
                       ((p[n] >= '0' && p[n] <= '9') || p[n] == '.')) {
                    v[n] = (char)p[n];
                    n++;
                }
                v[n] = 0;
                if (sscanf(v, "%d.%d", major, minor) == 2) {
                    return 1;
                }
            }
        }
    }
    return 0;
}

int bcmod_read_words(const struct frozen_mem *mem, uint32_t addr, uint32_t *w, size_t n,
                      struct rc_msg *msg)
{
    uint8_t b[32];
    if (n > sizeof b / 4) {
        return rc_set(msg, RC_ARG, "bcmod_read_words: %zu words", n);
    }
    int rc = mem->read(mem->ctx, addr, (uint32_t)(4 * n), b, msg);
    for (size_t i = 0; rc == RC_OK && i < n; i++) {
        w[i] = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 |
               (uint32_t)b[4 * i + 2] << 16 | (uint32_t)b[4 * i + 3] << 24;
    }
    return rc;
}

/* The tables of frozen module mod (mp_frozen_module_t, v1.19+: constants
 * {qstr_table, obj_table}, then proto_fun) into src, its root in *root. */
int bcmod_tables(const struct image *img, const struct frozen_mem *mem, int minor,
                 const struct frozen_mod *mod, struct bc_src *src, uint32_t *root,
                 struct rc_msg *msg)
{
    char esc[160], sn[200];
    size_t k = 0;
    for (const char *p = mod->name; *p && k + 1 < sizeof esc; p++) {
        if (strcmp(p, ".py") == 0 || strcmp(p, ".mpy") == 0) {
            break;
        }
        char c = *p;
        esc[k++] = (char)(((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9')) ? c : '_');
    }
    esc[k] = 0;
    snprintf(sn, sizeof sn, "frozen_module_%s", esc);
    const struct image_sym *fm = image_sym_find(img, sn);
    if (fm == NULL || fm->size < 12) {
        return rc_set(msg, RC_UNSUPP, "%s: no %s symbol of 12 bytes (frozen before "
                      "MicroPython 1.19?): not decoded", mod->name, sn);
    }
    uint32_t fw[3];
    int rc = bcmod_read_words(mem, fm->addr, fw, 3, msg);
    if (rc != RC_OK) {
        return rc_prefix(msg, rc, "%s", sn);
    }
    src->qstr_table = fw[0];
    src->obj_table = fw[1];
    snprintf(sn, sizeof sn, "const_qstr_table_data_%s", esc);
    const struct image_sym *q = image_sym_find(img, sn);
    if (q != NULL && q->addr == fw[0]) {
        src->nqstr = q->size / 2;
    }
    snprintf(sn, sizeof sn, "const_obj_table_data_%s", esc);
    q = image_sym_find(img, sn);
    if (q != NULL && q->addr == fw[1]) {
        src->nobj = q->size / 4;
    }
    /* v1.23+ names the structs proto_fun_*, before raw_code_*. */
    src->proto_fun = minor >= 23;
    for (size_t i = 0; i < img->nsyms; i++) {
        if (strncmp(img->syms[i].name, "raw_code_", 9) == 0) {
            src->proto_fun = 0;
            break;
        }
        if (strncmp(img->syms[i].name, "proto_fun_", 10) == 0) {
            src->proto_fun = 1;
            break;
        }
    }
    *root = fw[2];
    return RC_OK;
}

/* A function object at word (following closures and bound methods): its
 * module context's tables, children and bytecode. */
int bcmod_fun_object(uint32_t bc_type, const struct objdec_layout *lay,
                     const struct frozen_mem *mem, const struct objdec_qstr_ops *qs,
                     const struct image *img, uint32_t word, struct bc_src *src,
                     uint32_t *bytecode, uint32_t *children, int *kind, struct rc_msg *msg)
{
    for (int hop = 0; hop < 4; hop++) {
        struct objdec_obj *o = NULL;
        struct objdec_limits lim = {0, 1};
        int rc = objdec_decode(lay, mem, qs, word, &lim, &o, msg);
        if (rc != RC_OK) {
            return rc_prefix(msg, rc, "the object 0x%08x", word);
        }
        enum objdec_kind k = o->kind;
        char tn[128];
        snprintf(tn, sizeof tn, "%s", o->type_name);
        uint32_t type_addr = o->type_addr, a = o->addr, next = 0;
        if (k == OBJDEC_CLOSURE || k == OBJDEC_BOUND_METH) {
            next = o->fields[0].value;
        }
        objdec_free(o);
        if (next != 0) {
            word = next;
            continue;
        }
        if (k != OBJDEC_FUNCTION) {
            return rc_set(msg, RC_ARG, "0x%08x is of type %s, not a function", word, tn);
        }
        *kind = BC_KIND_BYTECODE;
        if (img != NULL && image_sym_find(img, "mp_type_fun_bc") != NULL) {
            static const struct {
                const char *sym;
                int kind;
            } types[] = {
                {"mp_type_fun_bc", BC_KIND_BYTECODE}, {"mp_type_fun_native", BC_KIND_NATIVE},
                {"mp_type_fun_viper", BC_KIND_VIPER}, {"mp_type_fun_asm", BC_KIND_ASM},
            };
            int known = 0;
            for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
                const struct image_sym *sy = image_sym_find(img, types[i].sym);
                if (sy != NULL && sy->addr == type_addr) {
                    *kind = types[i].kind;
                    known = 1;
                }
            }
            if (!known) {
                return rc_set(msg, RC_ARG, "0x%08x is a built-in function (its type at "
                              "0x%08x is not mp_type_fun_bc): it has no bytecode", word,
                              type_addr);
            }
        }
        /* A bytecode function's second word is its module context, whose
         * second word is the module's globals dict (v1.9-v1.11: the dict
         * itself); a built-in's is its C code (an odd Thumb address). */
        uint32_t w[4], ctx[4];
        if ((rc = bcmod_read_words(mem, a, w, 4, msg)) != RC_OK) {
            return rc_prefix(msg, rc, "the function object 0x%08x", a);
        }
        struct objdec_obj *go = NULL;
        struct rc_msg m;
        int old = lay->family == OBJDEC_FAMILY_OLD;
        if (old) {
            ctx[1] = w[1];
        }
        int is_ctx = (w[1] & 3) == 0 &&
                     (old || bcmod_read_words(mem, w[1], ctx, 4, &m) == RC_OK) &&
                     objdec_decode(lay, mem, qs, ctx[1], &lim, &go, &m) == RC_OK &&
                     go->kind == OBJDEC_DICT;
        objdec_free(go);
        if (bc_type != 0 && type_addr != bc_type && *kind == BC_KIND_BYTECODE &&
            (img == NULL || image_sym_find(img, "mp_type_fun_bc") == NULL)) {
            /* Not of the bytecode function's type: a native function
             * (mp_obj_fun_bc_t, its globals/context, then the machine code),
             * viper or asm_thumb (mp_obj_fun_viper_t/_asm_t: base, n_args,
             * fun_data, type_sig), or a built-in. */
            if (is_ctx) {
                *kind = BC_KIND_NATIVE;
            } else if (w[1] < 256 && (w[2] & 1) == 0) {
                *kind = BC_KIND_VIPER_OR_ASM; /* the same object */
            } else {
                is_ctx = 0;
            }
            if (is_ctx || *kind == BC_KIND_VIPER_OR_ASM) {
                *bytecode = old || *kind == BC_KIND_VIPER_OR_ASM ? w[2] : w[3];
                *children = 0;
                return RC_OK;
            }
        }
        if (!is_ctx) {
            return rc_set(msg, RC_ARG, "0x%08x is a built-in function (its second word "
                          "0x%08x is no module context): it has no bytecode", word, w[1]);
        }
        if (old) {
            /* v1.9-v1.11 mp_obj_fun_bc_t: base, globals, bytecode,
             * const_table. */
            *bytecode = w[2];
            *children = w[3];
            return RC_OK;
        }
        /* mp_module_context_t: module {base, globals}, constants
         * {qstr_table, obj_table} (py/bc.h v1.19+). */
        src->qstr_table = ctx[2];
        src->obj_table = ctx[3];
        *children = w[2];
        *bytecode = w[3];
        return RC_OK;
    }
    return rc_set(msg, RC_ARG, "0x%08x: closures or bound methods nested too deep", word);
}

int bcmod_qstr_of_obj(const struct objdec_layout *lay, const struct frozen_mem *mem,
                      const struct objdec_qstr_ops *qs, uint32_t w, uint32_t *q)
{
    struct objdec_obj *o = NULL;
    struct objdec_limits lim = {0, 1};
    struct rc_msg m;
    if (lay == NULL || objdec_decode(lay, mem, qs, w, &lim, &o, &m) != RC_OK) {
        return 0;
    }
    int ok = o->kind == OBJDEC_QSTR && o->nfields > 0;
    if (ok) {
        *q = o->fields[0].value;
    }
    objdec_free(o);
    return ok;
}
