/*
 * cmd_dis.c: mpeek dis TARGET: MicroPython bytecode, instruction by
 * instruction (bc.h decodes, bc_fmt.h lists).
 *
 * TARGET: a frozen module as mpeek frozen names it (the .py may be left
 * out), MODULE.FUNC[.FUNC...] for one function of it (and what it holds),
 * @EXPR for a function object on the board (evaluated only for id()), or
 * the address of a raw-code struct or function object.  The bytes are
 * read through bmem: the board's own when one is attached (what runs),
 * else the image's or the snapshot's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bc.h"
#include "bc_fmt.h"
#include "bcmod.h"
#include "bmem.h"
#include "board.h"
#include "buf.h"
#include "cmd.h"
#include "fmt.h"
#include "frozen.h"
#include "heapmap.h"
#include "image.h"
#include "nativedis.h"
#include "objdec.h"
#include "qstr.h"
#include "rrepl.h"
#include "session.h"

static struct {
    const char *target;
    const char *expr;     /* @EXPR */
    uint32_t addr;        /* an address was given */
    int have_addr;
    int json;
} g_dis;

static int parse(struct cmd_args *a, struct session *s, struct rc_msg *msg)
{
    memset(&g_dis, 0, sizeof g_dis);
    if (a->nrest != 1 || a->rest[0][0] == 0) {
        return rc_set(msg, RC_ARG, "dis takes one TARGET: a frozen module "
                      "(mpeek frozen lists them), MODULE.FUNC, @EXPR or an address, "
                      "e.g. 'mpeek dis frozen_const' or 'mpeek dis @f'");
    }
    const char *t = a->rest[0];
    for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            return rc_set(msg, RC_ARG, "the target must be one line of text (it holds "
                          "control character 0x%02x)", *p);
        }
    }
    if (a->format == NULL || strcmp(a->format, "text") == 0) {
        g_dis.json = 0;
    } else if (strcmp(a->format, "json") == 0) {
        g_dis.json = 1;
    } else {
        return rc_set(msg, RC_ARG, "dis --format takes text or json, not '%s'", a->format);
    }
    g_dis.target = t;
    uint64_t v;
    struct rc_msg m;
    if (t[0] == '@') {
        if (t[1] == 0) {
            return rc_set(msg, RC_ARG, "@ takes an expression the board evaluates: "
                          "'mpeek dis @f'");
        }
        g_dis.expr = t + 1;
    } else if (fmt_parse_u64(t, "ADDR", &v, &m) == RC_OK) {
        if (v > 0xffffffffULL) {
            return rc_set(msg, RC_ARG, "%s is not a 32-bit address", t);
        }
        g_dis.addr = (uint32_t)v;
        g_dis.have_addr = 1;
    }
    if (!s->port_given && s->nimage > 0) {
        s->offline = 1;
    }
    if (s->offline && g_dis.expr != NULL) {
        return rc_set(msg, RC_ARG, "@%s needs a board to evaluate it (without a board "
                      "give a frozen module or an address)", g_dis.expr);
    }
    return RC_OK;
}

/* --- names for the listing -------------------------------------------- */

struct names_ctx {
    struct qstr_tab *tab;
    const struct objdec_layout *lay;
    const struct frozen_mem *mem;
    struct objdec_qstr_ops qs;
};

static int name_qstr(void *ctx, uint32_t q, char *buf, size_t size)
{
    struct names_ctx *c = ctx;
    struct rc_msg m;
    return c->tab != NULL && qstr_text(c->tab, q, buf, size, &m) == RC_OK;
}

static int name_obj(void *ctx, uint32_t w, char **text)
{
    struct names_ctx *c = ctx;
    struct rc_msg m;
    struct objdec_obj *o = NULL;
    struct objdec_limits lim = {OBJDEC_DEFAULT_DEPTH, OBJDEC_DEFAULT_ITEMS};
    *text = NULL;
    if (c->lay == NULL || c->tab == NULL) {
        return 0;
    }
    if (objdec_decode(c->lay, c->mem, &c->qs, w, &lim, &o, &m) != RC_OK) {
        *text = strdup(m.text);
        return 0;
    }
    int ok = objdec_repr(o, c->lay, text, &m) == RC_OK;
    objdec_free(o);
    return ok;
}

/* --- where lengths come from ------------------------------------------ */

struct len_ctx {
    const struct image *img;
    struct session *s;
    struct names_ctx *nc;
};

/* The qstr of a qstr object word (old formats' argument names). */
static int qstr_of_obj(void *ctx, uint32_t w, uint32_t *q)
{
    struct len_ctx *c = ctx;
    if (c->nc != NULL && c->nc->lay == NULL && c->s->info.repr_c != 1) {
        /* No object layouts (1.13-1.18): a qstr object of representation
         * A, the 32-bit ports' (py/obj.h: xxxx...xx10). */
        if ((w & 3) != 2) {
            return 0;
        }
        *q = w >> 2;
        return 1;
    }
    return c->nc != NULL && bcmod_qstr_of_obj(c->nc->lay, c->nc->mem, &c->nc->qs, w, q);
}

static uint32_t len_of(void *ctx, uint32_t addr, int *exact)
{
    struct len_ctx *c = ctx;
    *exact = 0;
    if (c->img != NULL) {
        const struct image_sym *sy = image_sym_at(c->img, addr);
        if (sy != NULL && sy->addr == addr && sy->size > 0 &&
            strncmp(sy->name, "fun_data_", 9) == 0) {
            *exact = 1;
            return sy->size;
        }
    }
    struct heapmap_hit hit;
    if (c->s->disc.have_heap && heapmap_lookup(&c->s->disc.heap, addr, &hit) == RC_OK &&
        hit.state != HEAPMAP_FREE && !hit.orphan) {
        uint64_t end = (uint64_t)hit.head_addr +
                       (uint64_t)hit.obj_blocks * c->s->disc.heap.block_size;
        if (end > addr) {
            return (uint32_t)(end - addr);
        }
    }
    return 0;
}

/* MicroPython's version: the board's, else the image's banner text
 * ("MicroPython v1.29.0"). */
static int version_of(struct session *s, const struct image *img, int *major, int *minor)
{
    if (sscanf(s->info.version, "%d.%d", major, minor) == 2) {
        return 1;
    }
    return bcmod_image_version(img, major, minor);
}

/* Without a banner: the bytecode family from the ELF's symbols (the
 * frozen-module tables mpy-tool writes, micropython-wire.md section 9):
 * frozen_module_* structs are v1.19+ (proto_fun_* v1.23+, raw_code_* v1.19
 * to v1.22); mp_frozen_mpy_content beside one mp_frozen_names list and no
 * frozen_module_* is v1.18.  1 with the lowest version of the family, 0
 * with why not in why (mp_frozen_mpy_names is v1.8 to v1.17, two bytecode
 * families the symbols do not tell apart). */
static int version_from_syms(const struct image *img, int *major, int *minor, char *why,
                             size_t wsize)
{
    int fm = 0, pf = 0, rcs = 0;
    for (size_t i = 0; img != NULL && i < img->nsyms; i++) {
        const char *n = img->syms[i].name;
        fm |= strncmp(n, "frozen_module_", 14) == 0;
        pf |= strncmp(n, "proto_fun_", 10) == 0;
        rcs |= strncmp(n, "raw_code_", 9) == 0;
    }
    *major = 1;
    if (fm && pf) {
        *minor = 23;
        return 1;
    }
    if (fm && rcs) {
        *minor = 19;
        return 1;
    }
    if (img != NULL && image_sym_find(img, "mp_frozen_mpy_content") != NULL &&
        image_sym_find(img, "mp_frozen_names") != NULL &&
        image_sym_find(img, "mp_frozen_mpy_names") == NULL && !fm) {
        *minor = 18;
        return 1;
    }
    if (img != NULL && image_sym_find(img, "mp_frozen_mpy_names") != NULL) {
        snprintf(why, wsize, " (its frozen tables, mp_frozen_mpy_names, are those of "
                 "1.8 to 1.17, which have two bytecode formats)");
    } else {
        snprintf(why, wsize, " (nor frozen-module symbols that tell it)");
    }
    return 0;
}

static int load_qstrs(struct session *s, const struct frozen_mem *mem, const struct image *img,
                      uint32_t version, struct qstr_tab **tab, struct rc_msg *msg)
{
    struct qstr_where w;
    memset(&w, 0, sizeof w);
    if (s->disc.have_heap) {
        w.in_use = heapmap_head_at;
        w.in_use_ctx = &s->disc.heap;
    }
    w.img = img;
    w.version = version;
    bmem_qstr_where(&w, s->map, s->unsafe);
    int rc = bmem_qstr_tab(s, mem, &w, tab, msg);
    if (rc < 0) {
        return rc_prefix(msg, rc, "the qstr pools");
    }
    return RC_OK;
}

/* id(EXPR) on the board; *bc_type the address of the bytecode function
 * type (id(type(lambda: 0))), *setslice 1 if set and slice are built in. */
static int board_id(struct session *s, const char *expr, uint32_t *word, uint32_t *bc_type,
                    int *setslice, struct rc_msg *msg)
{
    struct buf out;
    buf_init(&out);
    int rc = bmem_eval_id(s, expr,
                          "print('t=%d\\nb=%d'%(id(type(lambda:0)),len([n for n in "
                          "('set','slice') if n in dir(__import__('builtins'))])))",
                          word, &out, msg);
    char t[32], bs[8];
    if (rc == RC_OK && (!fmt_kv(buf_str(&out), "t", t, sizeof t, NULL) ||
                        !fmt_kv(buf_str(&out), "b", bs, sizeof bs, NULL))) {
        rc = rc_set(msg, RC_PROTO, "the board did not say its bytecode function type");
    }
    if (rc == RC_OK) {
        *bc_type = (uint32_t)strtoll(t, NULL, 10);
        *setslice = strcmp(bs, "2") == 0;
    }
    buf_fini(&out);
    return rc;
}

/* The frozen module TARGET names, and in *rest what follows it
 * (FUNC.FUNC...), or NULL. */
static const struct frozen_mod *find_mod(const struct frozen_set *set, const char *t,
                                         const char **rest)
{
    char want[3][300];
    size_t tl = strlen(t);
    *rest = NULL;
    /* The whole text first, then the text before each dot, the last first
     * (frozen_const.py is a module; unittest.TestCase a function in one). */
    for (size_t n = tl; n > 0; n--) {
        if (n != tl && t[n] != '.') {
            continue;
        }
        if (n >= 280) {
            continue;
        }
        snprintf(want[0], sizeof want[0], "%.*s", (int)n, t);
        snprintf(want[1], sizeof want[1], "%.*s.py", (int)n, t);
        snprintf(want[2], sizeof want[2], "%.*s/__init__.py", (int)n, t);
        for (size_t w = 0; w < 3; w++) {
            for (size_t i = 0; i < set->n; i++) {
                if (strcmp(set->mods[i].name, want[w]) == 0) {
                    *rest = n == tl || t[n + 1] == 0 ? NULL : t + n + 1;
                    return &set->mods[i];
                }
            }
        }
    }
    return NULL;
}

/* The subtree [*from, *to) of the function path "a.b" (simple names from
 * the module's top level down). */
static int find_path(const struct bc_prog *p, const char *path, struct names_ctx *nc,
                     size_t *from, size_t *to)
{
    size_t cur = 0;
    const char *s = path;
    while (*s) {
        const char *dot = strchr(s, '.');
        size_t n = dot ? (size_t)(dot - s) : strlen(s);
        int found = -1;
        for (size_t i = cur + 1; i < p->n && p->f[i].depth > p->f[cur].depth; i++) {
            char t[200];
            if (p->f[i].parent == (int)cur && p->f[i].have_names &&
                name_qstr(nc, p->f[i].simple_name, t, sizeof t) && strlen(t) == n &&
                memcmp(t, s, n) == 0) {
                found = (int)i;
                break;
            }
        }
        if (found < 0) {
            return 0;
        }
        cur = (size_t)found;
        s = dot ? dot + 1 : s + n;
    }
    *from = cur;
    size_t e = cur + 1;
    while (e < p->n && p->f[e].depth > p->f[cur].depth) {
        e++;
    }
    *to = e;
    return 1;
}

/* The raw code of frozen module mod of 1.12-1.18: its entry of
 * mp_frozen_mpy_content (raw-code pointers, in the order of the bytecode
 * modules' names). */
static int mod_raw_code_v5(const struct image *img, const struct frozen_mem *mem,
                           const struct frozen_set *set, const struct frozen_mod *mod,
                           uint32_t *root, struct rc_msg *msg)
{
    const struct image_sym *c = image_sym_find(img, "mp_frozen_mpy_content");
    uint32_t k = 0;
    for (size_t i = 0; i < set->n && &set->mods[i] != mod; i++) {
        k += !set->mods[i].source;
    }
    if (c == NULL || (c->size != 0 && c->size < 4 * (k + 1))) {
        return rc_set(msg, RC_UNSUPP, "%s: no mp_frozen_mpy_content entry for it: not "
                      "decoded", mod->name);
    }
    int rc = bcmod_read_words(mem, c->addr + 4 * k, root, 1, msg);
    return rc == RC_OK ? RC_OK : rc_prefix(msg, rc, "mp_frozen_mpy_content");
}

static int run(struct session *s, struct cmd_args *a, struct rc_msg *msg)
{
    (void)a;
    const struct image *img = session_symbol_image(s);
    int major = 0, minor = 0;
    char why[160] = "";
    int by_syms = 0;
    if (!version_of(s, img, &major, &minor) &&
        !(by_syms = version_from_syms(img, &major, &minor, why, sizeof why))) {
        return rc_set(msg, RC_UNSUPP, "the MicroPython version is not known (the board "
                      "did not say it and the image has no banner%s), and the bytecode "
                      "format depends on it", why);
    }
    int old = major == 1 && minor >= 9 && minor <= 11;
    int v5 = major == 1 && minor >= 12 && minor <= 18;
    if (major != 1 || minor < 9) {
        return rc_set(msg, RC_UNSUPP, "MicroPython %d.%d: its bytecode format is not "
                      "decoded (dis knows 1.9 to the newest)", major, minor);
    }
    /* v1.12-v1.18: MICROPY_PERSISTENT_CODE is on with .mpy import
     * (mp_raw_code_load) or frozen bytecode (mp_frozen_mpy_content), and
     * changes the format; only the ELF's symbols say it. */
    int v5_pc = img != NULL && (image_sym_find(img, "mp_raw_code_load") != NULL ||
                                image_sym_find(img, "mp_frozen_mpy_content") != NULL);
    if (v5 && (img == NULL || img->nsyms == 0)) {
        return rc_set(msg, RC_UNSUPP, "MicroPython %d.%d: its bytecode format depends on "
                      "MICROPY_PERSISTENT_CODE, which only the firmware's ELF tells: give "
                      "it with --image FILE", major, minor);
    }
    struct bmem *bm;
    if (bmem_new(s, &bm) < 0) {
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    struct frozen_mem mem;
    bmem_mem(bm, &mem);
    struct frozen_set set;
    memset(&set, 0, sizeof set);
    struct qstr_tab *tab = NULL;
    struct bc_prog prog;
    memset(&prog, 0, sizeof prog);
    struct len_ctx lc = {img, s, NULL};
    struct bc_src src;
    memset(&src, 0, sizeof src);
    src.mem = &mem;
    src.fmt = old ? BC_FMT_OLD : v5 ? (v5_pc ? BC_FMT_V5_PC : BC_FMT_V5) : BC_FMT_V6;
    src.proto_fun = minor >= 23;
    src.len_of = len_of;
    src.ctx = &lc;
    src.max_len = 1024;
    /* Native code's calls are named by the version's table (v1.9-v1.11's
     * depends on set and slice, asked of the board below). */
    src.native_table = minor >= 12 ? NATIVEDIS_TABLE_V112 : NATIVEDIS_TABLE_NONE;
    struct buf out;
    buf_init(&out);
    size_t from = 0, to = 0;
    char qnote[sizeof msg->text] = "";
    /* A version told by the symbols is a family's lowest: the qstr pools
     * are then found without one. */
    int rc = load_qstrs(s, &mem, img, by_syms ? 0 : (uint32_t)(major * 10000 + minor * 100),
                        &tab, msg);
    if (rc != RC_OK && rc != RC_NOMEM && s->offline) {
        /* An image need not hold qstr pools that read (a test image, one
         * with no symbols): the listing goes on with qstr numbers, and
         * says why. */
        snprintf(qnote, sizeof qnote, "%s", msg->text);
        tab = NULL;
        rc = RC_OK;
    }

    /* Constants: how floats are stored, asked of the board once (as obj
     * does); without a board the snapshot's answer, else representation A
     * (the ELF's constants are objects either way; only a float in the
     * word would differ). */
    if (rc == RC_OK && s->rrepl != NULL && s->info.repr_c < 0) {
        rc = board_repr_c(s->rrepl, &s->info, msg);
    }
    struct objdec_layout lay;
    int have_lay = 0;
    if (rc == RC_OK) {
        int repr_c = s->info.repr_c == 1;
        struct rc_msg m;
        have_lay = objdec_layout_for(&lay, major, minor, repr_c ? OBJDEC_REPR_C : OBJDEC_REPR_A,
                                     &m) == RC_OK;
    }
    struct names_ctx nc = {tab, have_lay ? &lay : NULL, &mem, {qstr_text, tab}};
    if (have_lay && old && lay.persistent_code) {
        src.fmt = BC_FMT_OLD_PC;
    }
    if (old || v5) {
        lc.nc = &nc;
        src.qstr_of_obj = qstr_of_obj;
    }
    const char *path = NULL;
    if (rc == RC_OK && (g_dis.expr != NULL || g_dis.have_addr)) {
        uint32_t word = g_dis.addr, bytecode = 0, children = 0, bc_type = 0;
        int kind = 0, setslice = 0;
        if (g_dis.expr != NULL) {
            rc = board_id(s, g_dis.expr, &word, &bc_type, &setslice, msg);
        }
        if (old && setslice) {
            src.native_table = NATIVEDIS_TABLE_V19;
        }
        uint8_t h[2];
        if (rc == RC_OK && v5 && !have_lay) {
            /* 1.13-1.18: no object layouts, but the function object's own
             * (mp_obj_fun_bc_t) is known; its type is the board's
             * id(type(lambda: 0)) or the ELF's mp_type_fun_bc. */
            const struct image_sym *ft = img != NULL ? image_sym_find(img, "mp_type_fun_bc")
                                                     : NULL;
            if (bc_type == 0 && ft != NULL) {
                bc_type = ft->addr;
            }
            if (bc_type == 0) {
                rc = rc_set(msg, RC_UNSUPP, "MicroPython %d.%d: the bytecode function "
                            "type is not known (no board, no mp_type_fun_bc symbol)",
                            major, minor);
            } else {
                rc = bc_fun_object_v5(&mem, word, bc_type, &bytecode, &children, msg);
            }
            uint32_t rw[3];
            struct rc_msg m2;
            if (rc == RC_OK) {
                rc = bc_load(&src, bytecode, bytecode, children, BC_KIND_BYTECODE, &prog, msg);
            } else if (rc == RC_ARG && g_dis.have_addr &&
                       bcmod_read_words(&mem, word, rw, 3, &m2) == RC_OK &&
                       (rw[0] & 7) >= BC_KIND_BYTECODE && (rw[0] & 7) <= BC_KIND_ASM &&
                       rw[0] < (1u << 21) && rw[1] != 0) {
                /* An address of a raw code (py/emitglue.h of 1.12-1.18:
                 * kind:3 scope_flags:7 n_pos_args:11, fun_data,
                 * const_table), as MAKE_FUNCTION shows them. */
                src.proto_fun = 0;
                rc = bc_load_proto(&src, word, &prog, msg);
            }
        } else if (rc == RC_OK && !have_lay) {
            rc = rc_set(msg, RC_UNSUPP, "objects of MicroPython %d.%d are not decoded",
                        major, minor);
        }
        const struct frozen_mod *in_mod = NULL;
        uint32_t root;
        if (v5 && !have_lay) {
            /* loaded above */
        } else if (rc == RC_OK && g_dis.have_addr && img != NULL &&
            frozen_find(img, &mem, &set, msg) == RC_OK &&
            (in_mod = frozen_at(&set, word)) != NULL && !in_mod->source &&
            bcmod_tables(img, &mem, minor, in_mod, &src, &root, msg) == RC_OK) {
            /* In a frozen module: a raw code, or a bytecode proto_fun. */
            rc = bc_load_proto(&src, word, &prog, msg);
        } else if (rc == RC_OK && g_dis.have_addr &&
                   mem.read(mem.ctx, word, 2, h, msg) == RC_OK && src.proto_fun &&
                   h[0] == 0 && h[1] == 0) {
            /* A raw-code struct of no frozen module: its module's tables
             * are not known (names show as [index]). */
            rc = bc_load_proto(&src, word, &prog, msg);
        } else if (rc == RC_OK) {
            rc = bcmod_fun_object(bc_type, &lay, &mem, &nc.qs, img, word, &src, &bytecode,
                                  &children, &kind, msg);
            if (rc == RC_OK) {
                rc = bc_load(&src, bytecode, bytecode, children, kind, &prog, msg);
            }
        }
        to = prog.n;
    } else if (rc == RC_OK) {
        if (img == NULL) {
            rc = rc_set(msg, RC_ARG, "finding frozen module %s needs the firmware's ELF: "
                        "--image FILE", g_dis.target);
        } else {
            rc = frozen_find(img, &mem, &set, msg);
        }
        const struct frozen_mod *mod = NULL;
        if (rc == RC_OK && (mod = find_mod(&set, g_dis.target, &path)) == NULL) {
            char e[CMD_ESC_MAX];
            rc = rc_set(msg, RC_NOTFOUND, "no frozen module %s in %s (mpeek frozen lists "
                        "them)", cmd_esc(g_dis.target, e), img->path);
        }
        if (rc == RC_OK && mod->source) {
            rc = rc_set(msg, RC_UNSUPP, "%s is frozen as source text: it has no bytecode "
                        "until imported", mod->name);
        }
        uint32_t root = 0;
        if (rc == RC_OK && v5) {
            rc = mod_raw_code_v5(img, &mem, &set, mod, &root, msg);
            src.proto_fun = 0;
        } else if (rc == RC_OK) {
            rc = bcmod_tables(img, &mem, minor, mod, &src, &root, msg);
        }
        if (rc == RC_OK) {
            rc = bc_load_proto(&src, root, &prog, msg);
            if (rc < 0) {
                rc_prefix(msg, rc, "%s", mod->name);
            }
        }
        to = prog.n;
        if (rc == RC_OK && path != NULL && !find_path(&prog, path, &nc, &from, &to)) {
            char e[CMD_ESC_MAX];
            rc = rc_set(msg, RC_NOTFOUND, "%s has no function %s (its functions are "
                        "listed by 'mpeek dis %s')", mod->name, cmd_esc(path, e), mod->name);
        }
    }
    if (rc == RC_OK) {
        struct bc_prog view = prog;
        view.f = prog.f + from;
        view.n = to - from;
        /* Parent and child indices are the whole program's: list the
         * range with them shifted. */
        for (size_t i = from; i < to; i++) {
            prog.f[i].parent = prog.f[i].parent >= (int)from ? prog.f[i].parent - (int)from : -1;
            for (size_t k = 0; k < prog.f[i].ninsns; k++) {
                int c = prog.f[i].insns[k].child;
                prog.f[i].insns[k].child = c >= (int)from && c < (int)to ? c - (int)from : -1;
            }
        }
        struct bc_names nm = {name_qstr, name_obj, &nc};
        rc = g_dis.json ? bc_fmt_json(&view, &nm, &out) : bc_fmt_text(&view, &nm, &out);
        if (rc != RC_OK) {
            rc = rc_set(msg, RC_NOMEM, "out of memory");
        }
    }
    if (rc == RC_OK) {
        rc = buf_check(&out, msg, "the listing");
    }
    if (rc == RC_OK && cmd_put_text(stdout, buf_str(&out), out.len) != 0) {
        rc = rc_set(msg, RC_IO, "writing to stdout: %s", strerror(errno));
    }
    if (rc == RC_OK && qnote[0]) {
        fprintf(stderr, "mpeek: dis: qstrs are shown as numbers: %s\n", qnote);
    }
    buf_fini(&out);
    bc_prog_free(&prog);
    frozen_set_free(&set);
    qstr_tab_free(tab);
    bmem_free(bm);
    return rc < 0 ? rc : cmd_flush(msg);
}

const struct cmd_entry cmd_dis_entry = {
    .name = "dis",
    .usage = "  dis TARGET                MicroPython bytecode, instruction by instruction:\n"
             "                            a frozen module (MODULE, MODULE.FUNC), @EXPR (a\n"
             "                            function on the board) or an ADDR\n"
             "       --format text|json\n",
    .needs = CMD_BOARD | CMD_MAP | CMD_GUARD | CMD_HEAP,
    .offline = 1,
    .offline_needs_image = "without a board, dis needs the firmware's ELF or a snapshot: "
                           "--image FILE",
    .parse = parse,
    .run = run,
};
