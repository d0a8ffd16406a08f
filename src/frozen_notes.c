/*
 * frozen_notes.c: decoding a frozen bytecode module for the explorer's
 * notes line (see frozen_notes.h).
 *
 * One struct ann carries the work: the image and byte source, the qstr
 * pools found through the image's symbols, the module's qstr table, and
 * the raw-code structs already visited (so shared children and cycles are
 * decoded once).  A piece that cannot be read or decoded is left out; only
 * a read that fails for another reason than "not there" (the board went
 * away) is an error.  Notes are capped at MAX_NOTES.
 */
#include "frozen_notes.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bc.h"
#include "frozen_int.h"
#include "image.h"

#define MAX_POOLS 8
#define MAX_NOTES 20000u
#define MAX_VISIT 1024u
#define MAX_QTAB 65536u

struct qpool {
    uint32_t total_prev;
    uint32_t len;
    uint32_t lengths;   /* address of the length array */
    uint32_t qstrs;     /* address of the pointer array */
    unsigned lwidth;    /* 1 or 2 bytes per length; 0 unknown */
};

struct ann {
    const struct image *img;
    const struct frozen_mem *mem;
    struct rc_msg *msg;
    struct frozen_notes *out;
    size_t cap;
    struct qpool pools[MAX_POOLS];
    size_t npools;
    uint16_t *qtab;     /* the module's qstr table */
    size_t nq;
    uint32_t visited[MAX_VISIT];
    size_t nvisited;
    int v123;           /* proto_fun layout (v1.23+), else raw_code (v1.19-v1.22) */
    int fatal;          /* a read failed for a reason other than "not there" */
};

__attribute__((format(printf, 4, 5)))
static int note(struct ann *a, uint32_t addr, uint32_t len, const char *fmt, ...)
{
    if (a->out->count >= MAX_NOTES) {
        return RC_OK;
    }
    if (a->out->count == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 32;
        struct frozen_note *n = realloc(a->out->n, nc * sizeof *n);
        if (n == NULL) {
            return rc_set(a->msg, RC_NOMEM, "out of memory");
        }
        a->out->n = n;
        a->cap = nc;
    }
    struct frozen_note *n = &a->out->n[a->out->count++];
    n->addr = addr;
    n->len = len;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(n->text, sizeof n->text, fmt, ap);
    va_end(ap);
    return RC_OK;
}

/* Read for annotation: 1 when read, 0 when not there (skip it). */
static int aread(struct ann *a, uint32_t addr, uint32_t len, uint8_t *out)
{
    struct rc_msg m;
    int rc = frozen_read(a->mem, addr, len, out, &m);
    if (rc == RC_OK) {
        return 1;
    }
    if (!soft_fail(rc) && !a->fatal) {
        a->fatal = rc;
        if (a->msg != NULL) {
            *a->msg = m;
        }
    }
    return 0;
}

static void load_pools(struct ann *a)
{
    const struct image_sym *s = frozen_sym_named(a->img, "mp_qstr_frozen_const_pool");
    if (s == NULL) {
        s = frozen_sym_named(a->img, "mp_qstr_const_pool");
    }
    while (s != NULL && a->npools < MAX_POOLS) {
        uint8_t h[24];
        if (s->size < 20 || !aread(a, s->addr, 24 <= s->size ? 24 : 20, h)) {
            return;
        }
        struct qpool *q = &a->pools[a->npools];
        q->len = le32(h + 12);
        if (q->len > s->size / 4) {
            return;
        }
        uint32_t hdr = s->size - 4 * q->len;
        if (hdr != 20 && hdr != 24) {
            return; /* not the v1.19+ layout we know */
        }
        q->total_prev = le32(h + 4) & 0x7fffffffu;
        q->lengths = le32(h + hdr - 4);
        q->qstrs = s->addr + hdr;
        q->lwidth = 0;
        const struct image_sym *ls = frozen_sym_starting(a->img, q->lengths, "");
        if (ls != NULL && q->len > 0 && (ls->size == q->len || ls->size == 2 * q->len)) {
            q->lwidth = ls->size / q->len;
        }
        a->npools++;
        uint32_t prev = le32(h);
        if (prev == 0) {
            return;
        }
        s = frozen_sym_starting(a->img, prev, "");
    }
}

/* The text of qstr id q, quoted and escaped, or 0 when unknown. */
static int qstr_text(struct ann *a, uint32_t q, char *out, size_t size, int quote)
{
    for (size_t i = 0; i < a->npools; i++) {
        const struct qpool *p = &a->pools[i];
        if (q < p->total_prev || q - p->total_prev >= p->len) {
            continue;
        }
        uint32_t idx = q - p->total_prev;
        uint8_t w[4];
        if (!aread(a, p->qstrs + 4 * idx, 4, w)) {
            return 0;
        }
        uint32_t sa = le32(w);
        uint8_t s[64];
        size_t n = 0, want = 48;
        int trunc = 0;
        if (p->lwidth != 0) {
            uint8_t l[2] = {0, 0};
            if (!aread(a, p->lengths + p->lwidth * idx, p->lwidth, l)) {
                return 0;
            }
            size_t ql = p->lwidth == 1 ? l[0] : le16(l);
            n = ql > want ? want : ql;
            trunc = ql > want;
            if (!aread(a, sa, (uint32_t)n, s)) {
                return 0;
            }
        } else {
            while (n < want) {
                if (!aread(a, sa + (uint32_t)n, 1, s + n)) {
                    return 0;
                }
                if (s[n] == 0) {
                    break;
                }
                n++;
            }
            trunc = n == want;
        }
        size_t o = 0;
        if (quote) {
            out[o++] = '\'';
        }
        for (size_t k = 0; k < n && o + 8 < size; k++) {
            if (s[k] < 0x20 || s[k] >= 0x7f || s[k] == '\'' || s[k] == '\\') {
                o += (size_t)snprintf(out + o, size - o, "\\x%02x", s[k]);
            } else {
                out[o++] = (char)s[k];
            }
        }
        if (trunc && o + 4 < size) {
            memcpy(out + o, "...", 3);
            o += 3;
        }
        if (quote) {
            out[o++] = '\'';
        }
        out[o] = 0;
        return 1;
    }
    return 0;
}

/* A qstr-table index as text: the string, or "[i]". */
static void qidx_text(struct ann *a, uint32_t i, char *out, size_t size)
{
    if (i >= a->nq || !qstr_text(a, a->qtab[i], out, size, 0)) {
        snprintf(out, size, "[%u]", i);
    }
}

/* The v1.19+ (.mpy v6) bytecode prelude of fun_data at addr, decoded by
 * bc_prelude_decode (bc.h), shared with mpeek dis. */
static int decode_prelude(struct ann *a, uint32_t addr)
{
    const struct image_sym *fs = frozen_sym_starting(a->img, addr, "fun_data_");
    if (fs == NULL) {
        return RC_OK; /* its length is not known for sure */
    }
    uint8_t b[512];
    size_t n = fs->size < sizeof b ? fs->size : sizeof b;
    if (!aread(a, addr, (uint32_t)n, b)) {
        return RC_OK;
    }
    /* The prelude as mpeek dis decodes it (bc.h). */
    struct bc_prelude pr;
    struct rc_msg pm;
    if (bc_prelude_decode(b, n, &pr, &pm) != RC_OK) {
        return RC_OK;
    }
    uint32_t A = pr.n_pos_args, K = pr.n_kwonly_args, I = pr.n_info, C = pr.n_cell;
    size_t sig_len = pr.size_at, pos = pr.info_at;
    int rc = note(a, addr, (uint32_t)sig_len,
                  "prelude n_state=%u n_exc_stack=%u scope_flags=0x%02x n_pos_args=%u n_kwonly=%u n_def_pos=%u",
                  pr.n_state, pr.n_exc_stack, pr.scope_flags, A, K, pr.n_def_pos_args);
    if (rc == RC_OK) {
        rc = note(a, addr + (uint32_t)sig_len, (uint32_t)(pos - sig_len),
                  "prelude size n_info=%u n_cell=%u", I, C);
    }
    size_t src = pos;
    if (rc != RC_OK || (uint64_t)src + I + C > fs->size) {
        return rc;
    }
    size_t info_end = pr.closure_at;
    char text[160], one[64];
    size_t tl = 0;
    /* The simple name's bytes: up to where the argument names start (the
     * var-uint of names[0]). */
    size_t p = src;
    uint32_t q;
    if (!bc_vuint(b, info_end < n ? info_end : n, &p, &q)) {
        return RC_OK;
    }
    qidx_text(a, pr.names[0], one, sizeof one);
    rc = note(a, addr + (uint32_t)src, (uint32_t)(p - src), "simple_name %s", one);
    size_t args_at = p;
    text[0] = 0;
    for (uint32_t k = 1; rc == RC_OK && k < pr.nnames; k++) {
        qidx_text(a, pr.names[k], one, sizeof one);
        int w = snprintf(text + tl, sizeof text - tl, "%s%s", k > 1 ? ", " : "", one);
        if (w > 0) {
            tl = tl + (size_t)w < sizeof text ? tl + (size_t)w : sizeof text - 1;
        }
    }
    p = pr.lines_at;
    if (rc == RC_OK && pr.nnames > 1) {
        rc = note(a, addr + (uint32_t)args_at, (uint32_t)(p - args_at),
                  "arg names: %s", text);
    }
    if (rc == RC_OK && info_end > p) {
        rc = note(a, addr + (uint32_t)p, (uint32_t)(info_end - p), "line info %zu bytes",
                  info_end - p);
    }
    if (rc == RC_OK && C > 0) {
        rc = note(a, addr + (uint32_t)info_end, C, "closure %u cell%s", C,
                  C == 1 ? "" : "s");
    }
    size_t code = info_end + C;
    if (rc == RC_OK && code < fs->size) {
        rc = note(a, addr + (uint32_t)code, fs->size - (uint32_t)code,
                  "bytecode %u bytes", fs->size - (uint32_t)code);
    }
    return rc;
}

static const char *kind_name(unsigned k)
{
    switch (k) {
    case 2:
        return "bytecode";
    case 3:
        return "native";
    case 4:
        return "viper";
    case 5:
        return "asm";
    }
    return "unknown";
}

static int walk(struct ann *a, uint32_t ptr, unsigned depth)
{
    if (depth > 32 || a->nvisited >= MAX_VISIT) {
        return RC_OK;
    }
    for (size_t i = 0; i < a->nvisited; i++) {
        if (a->visited[i] == ptr) {
            return RC_OK;
        }
    }
    a->visited[a->nvisited++] = ptr;
    uint8_t w[12];
    if (!aread(a, ptr, 8, w)) {
        return RC_OK;
    }
    uint32_t fun, children = 0;
    unsigned kind;
    int rc = RC_OK;
    if (a->v123 && w[0] == 0 && w[1] == 0) {
        if (!aread(a, ptr, 12, w)) {
            return RC_OK;
        }
        kind = w[2];
        fun = le32(w + 4);
        children = le32(w + 8);
        rc = note(a, ptr, 12,
                  "raw code: kind %s, generator %u, fun_data 0x%08x, children 0x%08x",
                  kind_name(kind), w[3], fun, children);
    } else if (a->v123) {
        kind = 2; /* proto_fun points straight at bytecode */
        fun = ptr;
    } else {
        const struct image_sym *rs = frozen_sym_starting(a->img, ptr, "raw_code_");
        if (rs == NULL) {
            return RC_OK;
        }
        uint32_t w0 = le32(w);
        kind = w0 & 7;
        fun = le32(w + 4);
        if (rs->size == 12 && aread(a, ptr, 12, w)) {
            children = le32(w + 8);
            rc = note(a, ptr, 12,
                      "raw code: kind %s, scope_flags 0x%02x, n_pos_args %u, fun_data 0x%08x, children 0x%08x",
                      kind_name(kind), (w0 >> 3) & 0x7f, (w0 >> 10) & 0x7ff, fun, children);
        } else {
            rc = note(a, ptr, 8,
                      "raw code: kind %s, scope_flags 0x%02x, n_pos_args %u, fun_data 0x%08x",
                      kind_name(kind), (w0 >> 3) & 0x7f, (w0 >> 10) & 0x7ff, fun);
        }
    }
    if (rc == RC_OK && kind == 2) {
        rc = decode_prelude(a, fun);
    }
    if (rc != RC_OK || children == 0) {
        return rc;
    }
    const struct image_sym *cs = frozen_sym_starting(a->img, children, "children_");
    if (cs == NULL) {
        return RC_OK;
    }
    uint32_t nc = cs->size / 4;
    if (nc > 256) {
        nc = 256;
    }
    uint8_t cb[1024];
    if (nc == 0 || !aread(a, children, 4 * nc, cb)) {
        return RC_OK;
    }
    rc = note(a, children, 4 * nc, "children: %u", nc);
    for (uint32_t i = 0; rc == RC_OK && i < nc; i++) {
        uint32_t c = le32(cb + 4 * i);
        const struct image_sym *t = frozen_sym_covering(a->img, c);
        if (t == NULL || t->addr != c) {
            continue;
        }
        size_t tl = strlen(t->name);
        if (has_prefix(t->name, "proto_fun_") || has_prefix(t->name, "raw_code_") ||
            (has_prefix(t->name, "fun_data_") &&
             !(tl > 8 && strcmp(t->name + tl - 8, "_prelude") == 0))) {
            rc = walk(a, c, depth + 1);
        }
    }
    return rc;
}

static void obj_text(struct ann *a, uint32_t addr, uint32_t size, char *out,
                     size_t osize)
{
    uint8_t w[16];
    out[0] = 0;
    if (size < 4 || !aread(a, addr, size >= 16 ? 16 : 4, w)) {
        return;
    }
    const struct image_sym *t = frozen_sym_starting(a->img, le32(w), "mp_type_");
    if (t == NULL) {
        return;
    }
    if ((strcmp(t->name, "mp_type_str") == 0 || strcmp(t->name, "mp_type_bytes") == 0) &&
        size >= 16) {
        uint32_t len = le32(w + 8), data = le32(w + 12);
        uint8_t s[40];
        uint32_t n = len < sizeof s ? len : (uint32_t)sizeof s;
        if (!aread(a, data, n, s)) {
            snprintf(out, osize, "%s object, %u bytes", t->name + 8, len);
            return;
        }
        size_t o = (size_t)snprintf(out, osize, "%s '", t->name + 8);
        for (uint32_t k = 0; k < n && o + 8 < osize; k++) {
            if (s[k] < 0x20 || s[k] >= 0x7f || s[k] == '\'' || s[k] == '\\') {
                o += (size_t)snprintf(out + o, osize - o, "\\x%02x", s[k]);
            } else {
                out[o++] = (char)s[k];
            }
        }
        snprintf(out + o, osize - o, "%s' (%u bytes)", len > n ? "..." : "", len);
        return;
    }
    if (strcmp(t->name, "mp_type_tuple") == 0 && size >= 8) {
        snprintf(out, osize, "tuple of %u", le32(w + 4));
        return;
    }
    snprintf(out, osize, "%s object", t->name + 8);
}

static int cmp_note(const void *x, const void *y)
{
    const struct frozen_note *a = x, *b = y;
    if (a->addr != b->addr) {
        return a->addr < b->addr ? -1 : 1;
    }
    return a->len > b->len ? -1 : a->len < b->len;
}

int frozen_annotate(const struct image *img, const struct frozen_mem *mem,
                    const struct frozen_mod *mod, struct frozen_notes *out,
                    struct rc_msg *msg)
{
    out->n = NULL;
    out->count = 0;
    if (img == NULL || mem == NULL || mod == NULL) {
        return rc_set(msg, RC_ARG, "frozen_annotate: nothing to annotate");
    }
    if (mod->source) {
        return RC_OK;
    }
    struct ann *a = calloc(1, sizeof *a);
    if (a == NULL) {
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    a->img = img;
    a->mem = mem;
    a->msg = msg;
    a->out = out;
    int rc = RC_OK;
    char esc[FROZEN_MAX_NAME + 1], sn[FROZEN_MAX_NAME + 40];
    frozen_escape_name(mod->name, esc, sizeof esc);
    snprintf(sn, sizeof sn, "frozen_module_%s", esc);
    const struct image_sym *fm = frozen_sym_named(img, sn);
    uint8_t w[12];
    if (fm == NULL || fm->size < 12 || !aread(a, fm->addr, 12, w)) {
        /* Before v1.19 (or unknown): name the module's symbols only. */
        for (size_t i = 0; rc == RC_OK && i < mod->nranges; i++) {
            const struct image_sym *s = frozen_sym_starting(img, mod->ranges[i].addr, "");
            if (s != NULL && s->size == mod->ranges[i].len) {
                rc = note(a, s->addr, s->size, "%s", s->name);
            }
        }
        goto done;
    }
    a->v123 = frozen_any_sym_prefix(img, "proto_fun_") || !frozen_any_sym_prefix(img, "raw_code_");
    load_pools(a);
    uint32_t qt = le32(w), ot = le32(w + 4), pf = le32(w + 8);
    rc = note(a, fm->addr, 12,
              "frozen module: qstr_table 0x%08x, obj_table 0x%08x, %s 0x%08x",
              qt, ot, a->v123 ? "proto_fun" : "raw_code", pf);

    snprintf(sn, sizeof sn, "const_qstr_table_data_%s", esc);
    const struct image_sym *qs = frozen_sym_named(img, sn);
    if (rc == RC_OK && qs != NULL && qs->addr == qt && qs->size >= 2 &&
        qs->size / 2 <= MAX_QTAB) {
        size_t nq = qs->size / 2;
        uint8_t *qb = malloc(qs->size);
        a->qtab = malloc(nq * sizeof *a->qtab);
        if (qb == NULL || a->qtab == NULL) {
            free(qb);
            rc = rc_set(msg, RC_NOMEM, "out of memory");
            goto done;
        }
        if (aread(a, qt, qs->size, qb)) {
            a->nq = nq;
            for (size_t i = 0; i < nq; i++) {
                a->qtab[i] = le16(qb + 2 * i);
            }
        }
        free(qb);
        for (size_t i = 0; rc == RC_OK && i < a->nq; i++) {
            char t[120];
            if (qstr_text(a, a->qtab[i], t, sizeof t, 1)) {
                rc = note(a, qt + 2 * (uint32_t)i, 2, "qstr table [%zu] = %s", i, t);
            } else {
                rc = note(a, qt + 2 * (uint32_t)i, 2, "qstr table [%zu] = qstr %u", i,
                          a->qtab[i]);
            }
        }
    }

    snprintf(sn, sizeof sn, "const_obj_table_data_%s", esc);
    const struct image_sym *os = frozen_sym_named(img, sn);
    if (rc == RC_OK && os != NULL && os->addr == ot && os->size >= 4) {
        uint32_t no = os->size / 4;
        if (no > 4096) {
            no = 4096;
        }
        uint8_t *ob = malloc(4 * (size_t)no);
        if (ob == NULL) {
            rc = rc_set(msg, RC_NOMEM, "out of memory");
            goto done;
        }
        if (aread(a, ot, 4 * no, ob)) {
            for (uint32_t i = 0; rc == RC_OK && i < no; i++) {
                uint32_t v = le32(ob + 4 * i);
                const struct image_sym *t = frozen_sym_starting(img, v, "");
                if (t != NULL) {
                    rc = note(a, ot + 4 * i, 4, "obj table [%u] = %s", i, t->name);
                } else {
                    rc = note(a, ot + 4 * i, 4, "obj table [%u] = 0x%08x", i, v);
                }
            }
        }
        free(ob);
    }
    /* The module's constant objects. */
    for (size_t i = 0; rc == RC_OK && i < mod->nranges; i++) {
        const struct image_sym *s = frozen_sym_starting(img, mod->ranges[i].addr, "const_obj_");
        if (s != NULL && !has_prefix(s->name, "const_obj_table_data_")) {
            char t[120];
            obj_text(a, s->addr, s->size, t, sizeof t);
            rc = note(a, s->addr, s->size, "%s%s%s", s->name, t[0] ? ": " : "", t);
        }
    }
    if (rc == RC_OK) {
        rc = walk(a, pf, 0);
    }
done:
    if (rc == RC_OK && a->fatal) {
        rc = a->fatal;
    }
    free(a->qtab);
    free(a);
    if (rc != RC_OK) {
        frozen_notes_free(out);
        return rc;
    }
    if (out->count > 1) {
        qsort(out->n, out->count, sizeof *out->n, cmp_note);
    }
    out->maxlen = 0;
    for (size_t i = 0; i < out->count; i++) {
        if (out->n[i].len > out->maxlen) {
            out->maxlen = out->n[i].len;
        }
    }
    return RC_OK;
}

void frozen_notes_free(struct frozen_notes *notes)
{
    if (notes == NULL) {
        return;
    }
    free(notes->n);
    notes->n = NULL;
    notes->count = 0;
}

const struct frozen_note *frozen_note_at(const struct frozen_notes *notes,
                                         uint32_t addr)
{
    const struct frozen_note *best = NULL;
    if (notes == NULL || notes->count == 0) {
        return NULL;
    }
    size_t from = 0, to = notes->count;
    if (notes->maxlen > 0) {
        /* Address order: only notes starting in (addr - maxlen, addr] can
         * hold addr. */
        size_t lo = 0, hi = notes->count;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (notes->n[mid].addr <= addr) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        to = lo;
        uint32_t first = addr >= notes->maxlen ? addr - notes->maxlen + 1 : 0;
        lo = 0;
        hi = to;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (notes->n[mid].addr < first) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        from = lo;
    }
    for (size_t i = from; i < to; i++) {
        const struct frozen_note *n = &notes->n[i];
        if (addr >= n->addr && (uint64_t)addr < (uint64_t)n->addr + n->len &&
            (best == NULL || n->len < best->len)) {
            best = n;
        }
    }
    return best;
}
