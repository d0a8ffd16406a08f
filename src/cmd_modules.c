/*
 * cmd_modules.c: mpeek modules: what each module in sys.modules, and
 * __main__, holds on the GC heap (modcost.h), and what freezing the ones
 * loaded into RAM would give back.
 *
 * The board is asked only for object ids (sys.modules and __main__), its
 * qstr_info counts and its heap map (mem_info(1)), in one snippet run
 * after mpeek's reader is in place; the dict, the modules and every heap
 * block are read through the verified reader (bmem.h) and decoded on the
 * host (objdec.h).  mpeek's own helper globals in __main__ (named with
 * the session's prefix) are left out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmem.h"
#include "board.h"
#include "buf.h"
#include "cmd.h"
#include "fmt.h"
#include "frozen.h"
#include "heapmap.h"
#include "image.h"
#include "modcost.h"
#include "objdec.h"
#include "qstr.h"
#include "rrepl.h"
#include "session.h"

/* What the decoders need, for the walk's callbacks. */
struct ctx {
    const struct objdec_layout *lay;
    const struct frozen_mem *mem;
    struct objdec_qstr_ops qs;
};

static int parse(struct cmd_args *a, struct session *s, struct rc_msg *msg)
{
    (void)s;
    if (a->nrest != 0) {
        return rc_set(msg, RC_ARG, "modules takes no arguments (mpeek modules "
                      "[--format table|csv|json] [--image ELF])");
    }
    int v;
    int rc = cmd_parse_tcj(a->format, a->name, &v, msg);
    if (rc < 0) {
        return rc;
    }
    a->ffmt = v == 0 ? FROZEN_FMT_TABLE : v == 1 ? FROZEN_FMT_CSV : FROZEN_FMT_JSON;
    return RC_OK;
}

static enum modcost_obj classify(void *vctx, uint32_t addr)
{
    struct ctx *c = vctx;
    struct objdec_obj *o = NULL;
    struct objdec_limits lim = {0, 0};
    struct rc_msg m;
    if (objdec_decode(c->lay, c->mem, &c->qs, addr, &lim, &o, &m) != RC_OK) {
        return MODCOST_OBJ_NONE;
    }
    enum modcost_obj k;
    switch (o->kind) {
    case OBJDEC_FUNCTION:
        k = MODCOST_OBJ_FUN_BC;
        break;
    case OBJDEC_CLOSURE:
    case OBJDEC_BOUND_METH:
    case OBJDEC_GENERATOR:
        k = MODCOST_OBJ_FUNLIKE;
        break;
    case OBJDEC_MODULE:
        k = MODCOST_OBJ_MODULE;
        break;
    default:
        k = o->addr == addr ? MODCOST_OBJ_OTHER : MODCOST_OBJ_NONE;
        break;
    }
    objdec_free(o);
    return k;
}

static int key_text(void *vctx, uint32_t word, char *buf, size_t size)
{
    struct ctx *c = vctx;
    struct objdec_obj *o = NULL;
    struct objdec_limits lim = {0, 4};
    struct rc_msg m;
    int ok = 0;
    if (objdec_decode(c->lay, c->mem, &c->qs, word, &lim, &o, &m) == RC_OK &&
        (o->kind == OBJDEC_QSTR || o->kind == OBJDEC_STR) && o->text != NULL) {
        snprintf(buf, size, "%s", o->text);
        ok = 1;
    }
    objdec_free(o);
    return ok;
}

/* One snippet: the ids, qstr_info and mem_info(1), as the heap is now
 * (the reader's helper in place). */
static int ask_board(struct session *s, uint32_t *sysmod, uint32_t *main_mod,
                     struct heapmap *h, struct qstr_where *w, struct rc_msg *msg)
{
    struct buf out;
    buf_init(&out);
    int rc = rrepl_exec_own(s->rrepl,
                            "print('m=%d\\nx=%d'%((lambda s:id(s.modules) if "
                            "hasattr(s,'modules') else 0)(__import__('sys')),"
                            "id(__import__('__main__'))));"
                            "__import__('micropython').qstr_info();"
                            "__import__('micropython').mem_info(1)",
                            &out, msg);
    char v1[32], v2[32];
    if (rc == RC_OK && (!fmt_kv(buf_str(&out), "m", v1, sizeof v1, NULL) ||
                        !fmt_kv(buf_str(&out), "x", v2, sizeof v2, NULL))) {
        rc = rc_set(msg, RC_PROTO, "the board did not say the ids of sys.modules "
                    "and __main__");
    }
    if (rc == RC_OK) {
        *sysmod = (uint32_t)strtoll(v1, NULL, 10);
        *main_mod = (uint32_t)strtoll(v2, NULL, 10);
        rc = heapmap_parse(buf_str(&out), out.len, s->disc.heap.block_size, h, msg);
        if (rc < 0) {
            rc_prefix(msg, rc, "the board's heap map (mem_info(1))");
        } else if (h->nareas == 0) {
            rc = rc_set(msg, RC_UNSUPP, "the board's mem_info(1) printed no "
                        "allocation table, which modules needs");
        }
    }
    const char *q = rc == RC_OK ? strstr(buf_str(&out), "n_pool=") : NULL;
    long np, nq;
    if (q != NULL && sscanf(q, "n_pool=%ld, n_qstr=%ld", &np, &nq) == 2 && np >= 0 &&
        np < 100000 && nq >= 0 && nq < 10000000) {
        w->n_pool = (int32_t)np;
        w->n_qstr = (int32_t)nq;
    }
    buf_fini(&out);
    return rc;
}

/* "foo" matches the frozen rows "foo.py", "foo.mpy", "foo/__init__.py". */
static void frozen_match(const struct frozen_set *set, const char *name, char *out,
                         size_t size)
{
    out[0] = 0;
    char path[160];
    snprintf(path, sizeof path, "%s", name);
    for (char *p = path; *p; p++) {
        if (*p == '.') {
            *p = '/';
        }
    }
    size_t n = strlen(path);
    for (size_t i = 0; set != NULL && i < set->n; i++) {
        const char *f = set->mods[i].name;
        if (strncmp(f, path, n) != 0) {
            continue;
        }
        if (strcmp(f + n, ".py") == 0 || strcmp(f + n, ".mpy") == 0 ||
            strcmp(f + n, "/__init__.py") == 0 || strcmp(f + n, "/__init__.mpy") == 0) {
            snprintf(out, size, "%s", f);
            return;
        }
    }
}

/* A dict of modules: every key a name, every value a module object. */
static int modules_dict(const struct objdec_obj *d, uint32_t dict_type)
{
    if (d->kind != OBJDEC_DICT || d->type_addr != dict_type || d->items_cut) {
        return 0;
    }
    for (size_t i = 0; i + 1 < d->nitems; i += 2) {
        if ((d->items[i]->kind != OBJDEC_QSTR && d->items[i]->kind != OBJDEC_STR) ||
            d->items[i + 1]->kind != OBJDEC_MODULE) {
            return 0;
        }
    }
    return 1;
}

/*
 * Without sys.modules (MICROPY_PY_SYS_MODULES off, as on the micro:bit),
 * the loaded-modules dict is found where py/mpstate.h (v1.9 to v1.12)
 * puts it in mp_state_vm_t: mp_loaded_modules_dict, mp_pending_exception,
 * [cur_exception with MICROPY_PY_SYS_EXC_INFO], dict_main; that is 20 or
 * 24 bytes before __main__'s globals.  A candidate counts only when it
 * decodes as a dict of the same type whose values are all modules, and
 * exactly one may: else the list is left out (and the note says so).
 */
static int find_loaded(const struct objdec_layout *lay, const struct ctx *c,
                       uint32_t dict_main, struct objdec_obj **out, uint32_t *addr)
{
    *out = NULL;
    struct objdec_obj *dm = NULL;
    struct objdec_limits lim0 = {0, 0};
    struct rc_msg m;
    if (lay->family != OBJDEC_FAMILY_OLD ||
        objdec_decode(lay, c->mem, &c->qs, dict_main, &lim0, &dm, &m) != RC_OK) {
        return 0;
    }
    uint32_t dict_type = dm->kind == OBJDEC_DICT ? dm->type_addr : 0;
    objdec_free(dm);
    int found = 0;
    static const uint32_t offs[] = {20, 24};
    for (size_t i = 0; dict_type != 0 && i < 2; i++) {
        struct objdec_obj *d = NULL;
        struct objdec_limits lim = {1, OBJDEC_MAX_ITEMS};
        if (objdec_decode(lay, c->mem, &c->qs, dict_main - offs[i], &lim, &d, &m) == RC_OK &&
            modules_dict(d, dict_type)) {
            found++;
            objdec_free(*out);
            *out = d;
            *addr = dict_main - offs[i];
        } else {
            objdec_free(d);
        }
    }
    if (found != 1) {
        objdec_free(*out);
        *out = NULL;
    }
    return found == 1;
}

/* The module object word o (decoded) as a root and a row. */
static int add_root(const struct objdec_obj *o, const char *name, int skip,
                    struct modcost_root *roots, struct modcost_row *rows, size_t *n,
                    struct rc_msg *msg)
{
    if (o->kind != OBJDEC_MODULE || o->nfields < 1) {
        return rc_set(msg, RC_PARSE, "sys.modules['%s'] at 0x%08x is a %s, not a "
                      "module", name, (unsigned)o->word, o->type_name);
    }
    uint32_t globals = 0;
    for (size_t i = 0; i < o->nfields; i++) {
        if (strcmp(o->fields[i].name, "globals") == 0) {
            globals = o->fields[i].value;
        }
    }
    memset(&rows[*n], 0, sizeof rows[*n]);
    snprintf(rows[*n].name, sizeof rows[*n].name, "%s", name);
    if (o->file != NULL) {
        snprintf(rows[*n].file, sizeof rows[*n].file, "%s", o->file);
    }
    roots[*n].module = o->addr;
    roots[*n].globals = globals;
    roots[*n].skip = skip;
    (*n)++;
    return RC_OK;
}

static int run(struct session *s, struct cmd_args *a, struct rc_msg *msg)
{
    int major = 0, minor = 0;
    if (sscanf(s->info.version, "%d.%d", &major, &minor) != 2) {
        return rc_set(msg, RC_UNSUPP, "the board did not say its MicroPython "
                      "version, which the object layouts depend on");
    }
    if (!s->disc.have_heap || s->disc.heap.block_size == 0) {
        return rc_set(msg, RC_UNSUPP, "the board gave no heap map (mem_info(1)), "
                      "which modules walks");
    }
    int rc = RC_OK;
    if (s->info.repr_c < 0 && (rc = board_repr_c(s->rrepl, &s->info, msg)) < 0) {
        return rc;
    }
    struct objdec_layout lay;
    if ((rc = bmem_layout(s, major, minor, s->info.repr_c, &lay, msg)) < 0) {
        return rc;
    }
    const struct image *img = session_symbol_image(s);
    struct bmem *bm;
    if (bmem_new(s, &bm) < 0) {
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    struct frozen_mem mem;
    bmem_mem(bm, &mem);
    /* The first read puts the reader's helper in place; then the heap as
     * it is with it. */
    uint8_t byte;
    rc = mem.read(mem.ctx, s->disc.heap.areas[0].pool_start, 1, &byte, msg);
    struct heapmap heap;
    heapmap_init(&heap);
    struct qstr_where w;
    memset(&w, 0, sizeof w);
    uint32_t sysmod = 0, main_mod = 0;
    if (rc == RC_OK) {
        rc = ask_board(s, &sysmod, &main_mod, &heap, &w, msg);
    }
    for (size_t i = 0; rc == RC_OK && i < heap.nareas; i++) {
        rc = bmem_prefetch(bm, heap.areas[i].pool_start,
                           heap.areas[i].nblocks * heap.block_size);
        if (rc == RC_CANCEL) {
            rc = rc_set(msg, RC_CANCEL, "interrupted");
        }
    }
    struct qstr_tab *tab = NULL;
    if (rc == RC_OK) {
        w.in_use = heapmap_head_at;
        w.in_use_ctx = &heap;
        w.img = img;
        w.version = (uint32_t)(major * 10000 + minor * 100);
        bmem_qstr_where(&w, s->map, s->unsafe);
        if ((rc = bmem_qstr_tab(s, &mem, &w, &tab, msg)) < 0) {
            rc_prefix(msg, rc, "the board's qstr pools");
        }
    }
    struct ctx c = {&lay, &mem, {qstr_text, tab}};
    struct objdec_obj *dict = NULL, *mainobj = NULL;
    struct objdec_limits lim0 = {0, 0};
    if (rc == RC_OK &&
        (rc = objdec_decode(&lay, &mem, &c.qs, main_mod, &lim0, &mainobj, msg)) < 0) {
        rc_prefix(msg, rc, "__main__ (0x%08x)", (unsigned)main_mod);
    }
    if (rc == RC_OK && (mainobj->kind != OBJDEC_MODULE || mainobj->nfields < 1)) {
        rc = rc_set(msg, RC_PARSE, "__main__ at 0x%08x decodes as a %s, not a module",
                    (unsigned)main_mod, mainobj->type_name);
    }
    const char *note = NULL;
    struct objdec_limits lim = {1, OBJDEC_MAX_ITEMS};
    if (rc == RC_OK && sysmod == 0) {
        if (find_loaded(&lay, &c, mainobj->fields[0].value, &dict, &sysmod)) {
            note = "this firmware has no sys.modules; its loaded modules were found in "
                   "the VM state before __main__'s globals (py/mpstate.h)";
        } else {
            note = "this firmware has no sys.modules and its loaded-modules dict was not "
                   "found: __main__ only";
        }
    } else if (rc == RC_OK &&
               (rc = objdec_decode(&lay, &mem, &c.qs, sysmod, &lim, &dict, msg)) < 0) {
        rc_prefix(msg, rc, "sys.modules (0x%08x)", (unsigned)sysmod);
    }
    if (rc == RC_OK && dict != NULL && dict->kind != OBJDEC_DICT) {
        rc = rc_set(msg, RC_PARSE, "sys.modules at 0x%08x decodes as a %s, not a dict",
                    (unsigned)sysmod, dict->type_name);
    }
    if (rc == RC_OK && dict != NULL && dict->items_cut) {
        rc = rc_set(msg, RC_UNSUPP, "sys.modules holds more than %u modules",
                    OBJDEC_MAX_ITEMS);
    }
    size_t cap = rc == RC_OK && dict != NULL ? dict->nitems / 2 + 1 : 0;
    struct modcost_root *roots = calloc(cap + 1, sizeof *roots);
    struct modcost_row *rows = calloc(cap + 1, sizeof *rows);
    size_t n = 0;
    if (rc == RC_OK && (roots == NULL || rows == NULL)) {
        rc = rc_set(msg, RC_NOMEM, "out of memory");
    }
    if (rc == RC_OK) {
        rc = add_root(mainobj, "__main__", 1, roots, rows, &n, msg);
    }
    for (size_t i = 0; rc == RC_OK && dict != NULL && i + 1 < dict->nitems; i += 2) {
        const struct objdec_obj *k = dict->items[i], *v = dict->items[i + 1];
        const char *name = k->text != NULL ? k->text : "?";
        if (v->addr == mainobj->addr) {
            continue; /* __main__ itself, already first */
        }
        rc = add_root(v, name, 0, roots, rows, &n, msg);
    }
    /* sys.modules and its table are walked into by no module. */
    uint32_t stop[2] = {sysmod, 0};
    if (rc == RC_OK && sysmod != 0) {
        uint8_t d[16];
        struct rc_msg m;
        if (mem.read(mem.ctx, sysmod + 12, 4, d, &m) == RC_OK) {
            stop[1] = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 |
                      (uint32_t)d[3] << 24;
        }
    }
    struct frozen_set fset;
    memset(&fset, 0, sizeof fset);
    int have_frozen = 0;
    if (rc == RC_OK && img != NULL) {
        struct frozen_mem imem;
        frozen_mem_image(&imem, img);
        struct rc_msg m;
        have_frozen = frozen_find(img, &imem, &fset, &m) == RC_OK;
    }
    struct modcost_result res;
    memset(&res, 0, sizeof res);
    if (rc == RC_OK) {
        struct modcost_ops ops = {classify, key_text, &c};
        struct modcost_in in = {
            &heap, &mem, &ops,
            lay.family == OBJDEC_FAMILY_OLD ? MODCOST_FAMILY_OLD : MODCOST_FAMILY_SLOTS,
            roots, n, stop, 2, rrepl_names(s->rrepl)};
        rc = modcost_measure(&in, &res, msg);
    }
    struct buf out;
    buf_init(&out);
    if (rc == RC_OK) {
        unsigned skipped = 0;
        for (size_t i = 0; i < n; i++) {
            rows[i].cost = res.mods[i];
            skipped += res.mods[i].skipped;
            if (have_frozen) {
                frozen_match(&fset, rows[i].name, rows[i].frozen_as,
                             sizeof rows[i].frozen_as);
            }
            rows[i].where = modcost_where_of(rows[i].name, rows[i].file,
                                             rows[i].frozen_as, &rows[i].cost);
        }
        struct modcost_report rep = {rows, n, res.shared, res.used_bytes,
                                     res.unattributed_bytes, skipped, note,
                                     heap.gc_used};
        int fmt = a->ffmt == FROZEN_FMT_TABLE ? 0 : a->ffmt == FROZEN_FMT_CSV ? 1 : 2;
        rc = modcost_format(&rep, fmt, &out);
        if (rc == RC_OK) {
            rc = buf_check(&out, msg, "the module report");
        }
        if (rc == RC_OK) {
            cmd_put_text(stdout, buf_str(&out), out.len);
        }
    }
    buf_fini(&out);
    modcost_result_fini(&res);
    frozen_set_free(&fset);
    free(roots);
    free(rows);
    objdec_free(dict);
    objdec_free(mainobj);
    qstr_tab_free(tab);
    heapmap_fini(&heap);
    bmem_free(bm);
    return rc < 0 ? rc : cmd_flush(msg);
}

const struct cmd_entry cmd_modules_entry = {
    .name = "modules",
    .usage = "  modules                   what each module (sys.modules and __main__)\n"
             "                            holds on the heap: bytecode, raw code, const\n"
             "                            tables and objects, functions, globals; and\n"
             "                            what freezing the RAM-loaded ones would save\n"
             "       --format table|csv|json\n"
             "       --image ELF          match frozen modules to `mpeek frozen` rows\n",
    .needs = CMD_BOARD | CMD_MAP | CMD_GUARD | CMD_HEAP,
    .parse = parse,
    .run = run,
};
