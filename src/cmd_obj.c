/*
 * cmd_obj.c: mpeek obj EXPR|ADDR: one MicroPython object, decoded from the
 * board's memory (objdec.h), with the board's qstr pools (qstr.h).
 *
 * An EXPR is evaluated on the board only for id(EXPR); everything else
 * comes from memory read through the verified reader behind the read
 * guard (bmem.h) and is decoded on the host.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmem.h"
#include "board.h"
#include "buf.h"
#include "cmd.h"
#include "fmt.h"
#include "heapmap.h"
#include "image.h"
#include "objdec.h"
#include "qstr.h"
#include "rmap.h"
#include "rrepl.h"
#include "session.h"

/* What the arguments gave, kept between parse and run. */
static struct {
    const char *expr;      /* NULL: an address or object word was given */
    uint32_t word;
    unsigned depth, items;
    int json;
} g_obj;

static int parse_count(const char *opt, const char *v, unsigned max,
                       unsigned *out, struct rc_msg *msg)
{
    char *end;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    if (errno != 0 || end == v || *end != 0 || v[0] == '-' || n > max) {
        return rc_set(msg, RC_ARG, "%s takes a number from 0 to %u, not '%s'",
                      opt, max, v);
    }
    *out = (unsigned)n;
    return RC_OK;
}

/* An expression the board evaluates: one line of printable text. */
static int check_expr(const char *e, struct rc_msg *msg)
{
    if (e[0] == 0) {
        return rc_set(msg, RC_ARG, "obj takes a name, an expression or an "
                      "address, e.g. 'mpeek obj x' or 'mpeek obj 0x20001230'");
    }
    for (const unsigned char *p = (const unsigned char *)e; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            return rc_set(msg, RC_ARG, "the expression must be one line of "
                          "text (it holds control character 0x%02x)", *p);
        }
    }
    return RC_OK;
}

static int parse(struct cmd_args *a, struct session *s, struct rc_msg *msg)
{
    int rc;
    memset(&g_obj, 0, sizeof g_obj);
    g_obj.depth = OBJDEC_DEFAULT_DEPTH;
    g_obj.items = OBJDEC_DEFAULT_ITEMS;
    if (a->depth != NULL &&
        (rc = parse_count("--depth", a->depth, OBJDEC_MAX_DEPTH, &g_obj.depth, msg)) < 0) {
        return rc;
    }
    if (a->max_items != NULL &&
        (rc = parse_count("--max-items", a->max_items, OBJDEC_MAX_ITEMS, &g_obj.items,
                          msg)) < 0) {
        return rc;
    }
    if (a->nrest > 1) {
        return rc_set(msg, RC_ARG, "obj takes one EXPR or ADDR (quote an "
                      "expression with spaces: mpeek obj 'x[0]')");
    }
    const char *target = a->nrest == 1 ? a->rest[0] : NULL;
    if (target == NULL) {
        return check_expr("", msg);
    }
    if (a->format == NULL || strcmp(a->format, "text") == 0) {
        g_obj.json = 0;
    } else if (strcmp(a->format, "json") == 0) {
        g_obj.json = 1;
    } else {
        return rc_set(msg, RC_ARG, "obj --format takes text or json, not '%s'",
                      a->format);
    }
    uint64_t v;
    struct rc_msg m;
    if (fmt_parse_u64(target, "ADDR", &v, &m) == RC_OK) {
        if (v > 0xffffffffULL) {
            return rc_set(msg, RC_ARG, "%s is not a 32-bit address or object word",
                          target);
        }
        g_obj.word = (uint32_t)v;
    } else {
        if ((rc = check_expr(target, msg)) < 0) {
            return rc;
        }
        g_obj.expr = target;
    }
    (void)s;
    return RC_OK;
}

/* id(EXPR) on the board, and whether floats are words (representation C:
 * id(0.5) has the tag 0b10). */
static int board_id(struct session *s, const char *expr, uint32_t *word,
                    int *repr_c, struct rc_msg *msg)
{
    struct buf out;
    buf_init(&out);
    int rc = bmem_eval_id(s, expr, "print('f=%d'%(id(0.5)&3))", word, &out, msg);
    char f[8];
    if (rc == RC_OK && !fmt_kv(buf_str(&out), "f", f, sizeof f, NULL)) {
        rc = rc_set(msg, RC_PROTO, "the board did not say how it stores floats");
    }
    if (rc == RC_OK) {
        *repr_c = strcmp(f, "2") == 0;
    }
    buf_fini(&out);
    return rc;
}

/* Where the object at addr lives: a heap object's blocks, or a region. */
static void lives(struct session *s, const struct objdec_obj *o, char *out,
                  size_t size)
{
    if (o->addr == 0) {
        snprintf(out, size, "immediate (the value is in the word itself)");
        return;
    }
    struct heapmap_hit hit;
    if (s->disc.have_heap && heapmap_lookup(&s->disc.heap, o->addr, &hit) == RC_OK &&
        hit.state != HEAPMAP_FREE && !hit.orphan) {
        unsigned bs = s->disc.heap.block_size;
        uint32_t first = (hit.head_addr - s->disc.heap.areas[hit.area].pool_start) / bs;
        char blocks[40];
        if (hit.obj_blocks == 1) {
            snprintf(blocks, sizeof blocks, "block %u", (unsigned)first);
        } else {
            snprintf(blocks, sizeof blocks, "blocks %u-%u", (unsigned)first,
                     (unsigned)(first + hit.obj_blocks - 1));
        }
        snprintf(out, size, "GC heap, %s (%u bytes at 0x%08x)%s", blocks,
                 (unsigned)(hit.obj_blocks * bs), (unsigned)hit.head_addr,
                 hit.head_addr == o->addr ? "" : ", not at its head");
        return;
    }
    const struct rmap_region *r = s->map != NULL ? rmap_lookup_inner(s->map, o->addr) : NULL;
    if (r != NULL) {
        snprintf(out, size, "%s (%s at 0x%08x)", rmap_kind_name(r->kind), r->name,
                 (unsigned)r->start);
    } else {
        snprintf(out, size, "no known region");
    }
}

/* The qstr pools: through the ELF's symbols if one was given, else found
 * in the flash and RAM the map vouches for. */
/* The heap map and the live qstr pools' count (qstr_info) as they are
 * now, mpeek's helper in place (a new qstr pool may have come with its
 * name): for telling the live qstr pools from freed ones.  0 when it
 * cannot be had (then the session's map serves). */
static int heap_now(struct session *s, const struct frozen_mem *mem, struct heapmap *h,
                    struct qstr_where *w)
{
    if (s->rrepl == NULL || !s->disc.have_heap || s->disc.heap.nareas == 0) {
        return 0;
    }
    uint8_t b;
    struct rc_msg m;
    if (mem->read(mem->ctx, s->disc.heap.areas[0].pool_start, 1, &b, &m) != RC_OK) {
        return 0; /* the helper is installed by the first read */
    }
    struct buf out;
    buf_init(&out);
    int ok = rrepl_exec_own(s->rrepl, "__import__('micropython').qstr_info();"
                            "__import__('micropython').mem_info(1)", &out, &m) == RC_OK &&
             heapmap_parse(buf_str(&out), out.len, s->disc.heap.block_size, h, &m) == RC_OK;
    const char *q = ok ? strstr(buf_str(&out), "n_pool=") : NULL;
    long np, nq;
    if (q != NULL && sscanf(q, "n_pool=%ld, n_qstr=%ld", &np, &nq) == 2 && np >= 0 &&
        np < 100000 && nq >= 0 && nq < 10000000) {
        w->n_pool = (int32_t)np;
        w->n_qstr = (int32_t)nq;
    }
    buf_fini(&out);
    return ok;
}

static int load_qstrs(struct session *s, const struct frozen_mem *mem,
                      uint32_t version, struct qstr_tab **tab, struct rc_msg *msg)
{
    struct qstr_where w;
    memset(&w, 0, sizeof w);
    struct heapmap now;
    int have_now = session_symbol_image(s) == NULL && heap_now(s, mem, &now, &w);
    if (have_now) {
        w.in_use = heapmap_head_at;
        w.in_use_ctx = &now;
    } else if (s->disc.have_heap) {
        w.in_use = heapmap_head_at;
        w.in_use_ctx = &s->disc.heap;
    }
    w.img = session_symbol_image(s);
    w.version = version;
    bmem_qstr_where(&w, s->map, s->unsafe);
    int rc = bmem_qstr_tab(s, mem, &w, tab, msg);
    if (have_now) {
        heapmap_fini(&now);
    }
    if (rc < 0) {
        return rc_prefix(msg, rc, "the board's qstr pools");
    }
    return RC_OK;
}

static void print_fields(const struct objdec_obj *o)
{
    if (o->nfields > 0) {
        cmd_outf(stdout, "fields:\n");
    }
    for (size_t i = 0; i < o->nfields; i++) {
        const struct objdec_field *f = &o->fields[i];
        if (f->is_ptr) {
            cmd_outf(stdout, "  %s -> 0x%08x\n", f->name, (unsigned)f->value);
        } else {
            cmd_outf(stdout, "  %s: %u (0x%x)\n", f->name, (unsigned)f->value,
                     (unsigned)f->value);
        }
    }
}

/* The children one per line: index (or key), raw word, type, value. */
static void print_items(const struct objdec_obj *o, const struct objdec_layout *lay)
{
    if (o->nitems == 0) {
        return;
    }
    int dict = o->kind == OBJDEC_DICT;
    cmd_outf(stdout, "%s:\n", dict ? "entries" : "items");
    for (size_t i = 0; i < o->nitems; i += dict ? 2 : 1) {
        const struct objdec_obj *c = o->items[i];
        char *v = NULL;
        struct rc_msg m;
        if (objdec_repr(c, lay, &v, &m) != RC_OK) {
            v = NULL;
        }
        char e[CMD_ESC_MAX];
        if (dict && i + 1 < o->nitems) {
            const struct objdec_obj *val = o->items[i + 1];
            char *vv = NULL;
            if (objdec_repr(val, lay, &vv, &m) != RC_OK) {
                vv = NULL;
            }
            char e2[CMD_ESC_MAX];
            cmd_outf(stdout, "  0x%08x: 0x%08x  %s: %s\n", (unsigned)c->word,
                     (unsigned)val->word, cmd_esc(v ? v : "?", e), cmd_esc(vv ? vv : "?", e2));
            free(vv);
        } else if (c->kind == OBJDEC_CUT) {
            cmd_outf(stdout, "  [%zu] 0x%08x  ...\n", i, (unsigned)c->word);
        } else {
            cmd_outf(stdout, "  [%zu] 0x%08x  %s%s %s\n", i, (unsigned)c->word,
                     c->addr != 0 ? "-> " : "", c->type_name, cmd_esc(v ? v : "?", e));
        }
        free(v);
    }
    if (o->items_cut) {
        cmd_outf(stdout, "  ... (%zu in all; --max-items shows more)\n", o->total);
    }
}

static int run(struct session *s, struct cmd_args *a, struct rc_msg *msg)
{
    (void)a;
    int major = 0, minor = 0, repr_c = 0;
    if (sscanf(s->info.version, "%d.%d", &major, &minor) != 2) {
        return rc_set(msg, RC_UNSUPP, "the board did not say its MicroPython "
                      "version, which the object layouts depend on");
    }
    uint32_t word = g_obj.word;
    int rc = RC_OK;
    if (s->rrepl == NULL) {
        /* Offline: what was recorded of the board (a snapshot). */
        if (g_obj.expr != NULL) {
            return rc_set(msg, RC_ARG, "without a board, obj takes an address or "
                          "object word, not an expression");
        }
        repr_c = s->info.repr_c;
    } else if (g_obj.expr != NULL) {
        rc = board_id(s, g_obj.expr, &word, &repr_c, msg);
    } else {
        /* No expression: still ask how floats are stored, once. */
        if (s->info.repr_c < 0) {
            rc = board_repr_c(s->rrepl, &s->info, msg);
        }
        repr_c = s->info.repr_c;
    }
    if (rc < 0) {
        return rc;
    }
    if (repr_c < 0) {
        return rc_set(msg, RC_UNSUPP, "how this board stores floats is not known "
                      "(record the snapshot with a newer mpeek)");
    }
    s->info.repr_c = repr_c;
    struct objdec_layout lay;
    if ((rc = bmem_layout(s, major, minor, repr_c, &lay, msg)) < 0) {
        return rc;
    }
    struct bmem *bm;
    if (bmem_new(s, &bm) < 0) {
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    struct frozen_mem mem;
    bmem_mem(bm, &mem);
    struct qstr_tab *tab = NULL;
    struct objdec_obj *o = NULL;
    char *text = NULL;
    rc = load_qstrs(s, &mem, (uint32_t)(major * 10000 + minor * 100), &tab, msg);
    if (rc == RC_OK) {
        struct objdec_qstr_ops qs = {qstr_text, tab};
        struct objdec_limits lim = {g_obj.depth, g_obj.items};
        rc = objdec_decode(&lay, &mem, &qs, word, &lim, &o, msg);
        if (rc < 0) {
            rc_prefix(msg, rc, "the object 0x%08x", (unsigned)word);
        }
    }
    char where[200] = "";
    if (rc == RC_OK) {
        lives(s, o, where, sizeof where);
        rc = g_obj.json ? objdec_json(o, &lay, &text, msg)
                        : objdec_repr(o, &lay, &text, msg);
    }
    if (rc == RC_OK && g_obj.json) {
        struct buf j;
        buf_init(&j);
        buf_printf(&j, "{\"word\": %u, \"lives\": ", (unsigned)word);
        fmt_json_str(&j, where);
        buf_addstr(&j, ", \"qstr_pools\": ");
        fmt_json_str(&j, qstr_layout(tab));
        buf_printf(&j, ", \"object\": %s}\n", text);
        rc = buf_check(&j, msg, "the object");
        if (rc == RC_OK) {
            cmd_put_text(stdout, buf_str(&j), j.len);
        }
        buf_fini(&j);
    } else if (rc == RC_OK) {
        if (o->type_addr != 0) {
            cmd_outf(stdout, "type: %s (type object at 0x%08x)\n", o->type_name,
                     (unsigned)o->type_addr);
        } else {
            cmd_outf(stdout, "type: %s\n", o->type_name);
        }
        if (o->addr != 0) {
            cmd_outf(stdout, "address: 0x%08x\n", (unsigned)o->addr);
        } else {
            cmd_outf(stdout, "word: 0x%08x\n", (unsigned)o->word);
        }
        cmd_outf(stdout, "lives: %s\n", where);
        print_fields(o);
        print_items(o, &lay);
        cmd_outf(stdout, "value: %s\n", text);
        if (!o->exact) {
            cmd_outf(stdout, "note: this type's own print is not modelled; the "
                     "value is its generic form\n");
        }
    }
    free(text);
    objdec_free(o);
    qstr_tab_free(tab);
    bmem_free(bm);
    return rc < 0 ? rc : cmd_flush(msg);
}

const struct cmd_entry cmd_obj_entry = {
    .name = "obj",
    .usage = "  obj EXPR|ADDR             one MicroPython object decoded from memory: type,\n"
             "                            where it lives, its fields, its value as repr()\n"
             "                            prints it (EXPR is evaluated only for id())\n"
             "       --depth N            levels of objects followed (default 4)\n"
             "       --max-items N        items shown per container (default 64)\n"
             "       --format text|json\n",
    .needs = CMD_BOARD | CMD_MAP | CMD_GUARD | CMD_HEAP | CMD_DEPTH,
    .offline = 1, .offline_needs_image = "without a board, obj needs a snapshot: mpeek snapshot FILE records one; give it with --image FILE",
    .parse = parse,
    .run = run,
};
