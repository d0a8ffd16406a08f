/*
 * bcmod.c: a frozen module's tables and the firmware's version, from the
 * ELF (see bcmod.h).
 */
#include "bcmod.h"

#include <stdio.h>
#include <string.h>

#include "image.h"

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

static int read_words(const struct frozen_mem *mem, uint32_t addr, uint32_t *w, size_t n,
                      struct rc_msg *msg)
{
    uint8_t b[32];
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
    int rc = read_words(mem, fm->addr, fw, 3, msg);
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
