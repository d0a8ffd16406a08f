/*
 * tui_dis.c: the disassembly pane ('D'): where the cursor is inside a
 * frozen module's bytecode, the instructions around it (address, bytes,
 * name, argument as mpeek dis lists them), the current one highlighted
 * and its bytes outlined on the hex rows (dispane.h, with the instruction
 * a jump goes to).  j / k (arrows) go to the next / previous instruction
 * and move the cursor; Enter follows a jump, or MAKE_FUNCTION to the
 * child's code ('[' comes back: the explorer's history); q, D or Esc
 * close it.  Other keys are the plain view's: the pane follows the cursor.
 *
 * The pane's header carries the frozen-module notes line (the note under
 * the cursor), which the info line shows while the pane is closed.
 *
 * Frozen modules are decoded from the firmware's ELF (the frozen set the
 * explorer has, bcmod.h: v1.19+ frozen_module_* tables), once per module;
 * their bytes are in flash, so the image's bytes are the board's.  Qstr
 * text comes from the image's pools.  Anything else under the cursor is
 * said to be what it is ("not bytecode: ..."), never guessed at.
 */
#include "tui_int.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bc.h"
#include "bc_fmt.h"
#include "bcmod.h"
#include "bmem.h"
#include "buf.h"
#include "dispane.h"
#include "frozen.h"
#include "fmt.h"
#include "frozen_notes.h"
#include "heapmap.h"
#include "image.h"
#include "qstr.h"
#include "theme.h"
#include "theme_curses.h"
#include "worker.h"

/* The ELF the frozen modules were found in. */
static const struct image *elf_of(const struct tui *t)
{
    const struct image *elf = t->o->frozen_image;
    for (size_t k = 0; k < t->o->nimages && elf == NULL; k++) {
        if (t->o->images[k]->kind == IMAGE_ELF) {
            elf = t->o->images[k];
        }
    }
    return elf;
}

/* The exact length of a frozen function's bytes: its fun_data_* symbol. */
static uint32_t len_of(void *ctx, uint32_t addr, int *exact)
{
    const struct image *img = ctx;
    const struct image_sym *sy = image_sym_at(img, addr);
    *exact = 0;
    if (sy != NULL && sy->addr == addr && sy->size > 0 &&
        strncmp(sy->name, "fun_data_", 9) == 0) {
        *exact = 1;
        return sy->size;
    }
    return 0;
}

static int name_qstr(void *ctx, uint32_t q, char *buf, size_t size)
{
    struct rc_msg m;
    return ctx != NULL && qstr_text(ctx, q, buf, size, &m) == RC_OK;
}

static void unload(struct tui *t)
{
    if (t->dis_prog != NULL) {
        bc_prog_free(t->dis_prog);
        free(t->dis_prog);
        t->dis_prog = NULL;
    }
    t->dis_mod = -1;
    t->dis_err[0] = 0;
}

/* Decode frozen module i into t->dis_prog (or say why not in dis_err). */
static void load_module(struct tui *t, size_t i)
{
    unload(t);
    t->dis_mod = (long)i;
    const struct frozen_mod *mod = &t->o->frozen->mods[i];
    const struct image *elf = elf_of(t);
    if (mod->source) {
        snprintf(t->dis_err, sizeof t->dis_err, "%s is frozen as source text (compiled "
                 "only when imported)", mod->name);
        return;
    }
    if (elf == NULL) {
        snprintf(t->dis_err, sizeof t->dis_err, "decoding %s needs the firmware's ELF "
                 "(--image FILE)", mod->name);
        return;
    }
    int major = 0, minor = 0;
    if (sscanf(t->o->version ? t->o->version : "", "%d.%d", &major, &minor) != 2 &&
        !bcmod_image_version(elf, &major, &minor)) {
        snprintf(t->dis_err, sizeof t->dis_err, "the MicroPython version is not known "
                 "(the bytecode format depends on it)");
        return;
    }
    if (major != 1 || minor < 19) {
        snprintf(t->dis_err, sizeof t->dis_err, "frozen bytecode of MicroPython %d.%d is "
                 "not decoded by the pane (1.19 and newer)", major, minor);
        return;
    }
    struct frozen_mem mem;
    frozen_mem_image(&mem, elf);
    struct rc_msg msg = {{0}};
    if (t->dis_qtab == NULL && !t->dis_qtab_tried) {
        struct qstr_where w;
        memset(&w, 0, sizeof w);
        w.img = elf;
        w.version = (uint32_t)(major * 10000 + minor * 100);
        bmem_qstr_where(&w, t->o->map, t->o->unsafe);
        t->dis_qtab_tried = 1;
        if (qstr_tab_new(&t->dis_qtab, &mem, &w, &msg) != RC_OK) {
            t->dis_qtab = NULL;
        }
    }
    struct bc_src src;
    memset(&src, 0, sizeof src);
    src.mem = &mem;
    src.fmt = BC_FMT_V6;
    src.proto_fun = minor >= 23;
    src.len_of = len_of;
    src.ctx = (void *)elf;
    src.max_len = 1024;
    uint32_t root = 0;
    int rc = bcmod_tables(elf, &mem, minor, mod, &src, &root, &msg);
    struct bc_prog *p = calloc(1, sizeof *p);
    if (rc == RC_OK && p == NULL) {
        rc = rc_set(&msg, RC_NOMEM, "out of memory");
    }
    if (rc == RC_OK) {
        rc = bc_load_proto(&src, root, p, &msg);
    }
    if (rc != RC_OK) {
        snprintf(t->dis_err, sizeof t->dis_err, "%s", msg.text);
        if (p != NULL) {
            bc_prog_free(p);
            free(p);
        }
        return;
    }
    t->dis_prog = p;
}

/* The function's simple name. */
static void fun_name(const struct tui *t, const struct bc_fun *f, char *out, size_t size)
{
    if (!f->have_names || !name_qstr(t->dis_cur_qtab, f->simple_name, out, size)) {
        snprintf(out, size, "function at 0x%08x", (unsigned)f->fun_data);
    }
}

/* What a heap function's bytes are read with: the heap map (lengths) and
 * the object decoder (the old formats' argument names). */
struct heap_src {
    const struct heapmap *h;
    const struct objdec_layout *lay;
    const struct frozen_mem *mem;
    const struct objdec_qstr_ops *qs;
};

/* The extent of the heap block at addr: the rest of it (an upper bound:
 * its trailing zero bytes are padding), as mpeek dis reads it. */
static uint32_t heap_len_of(void *ctx, uint32_t addr, int *exact)
{
    const struct heap_src *hs = ctx;
    const struct heapmap *h = hs->h;
    struct heapmap_hit hit;
    *exact = 0;
    if (h != NULL && heapmap_lookup(h, addr, &hit) == RC_OK && hit.state != HEAPMAP_FREE &&
        !hit.orphan) {
        uint64_t end = (uint64_t)hit.head_addr + (uint64_t)hit.obj_blocks * h->block_size;
        if (end > addr) {
            return (uint32_t)(end - addr);
        }
    }
    return 0;
}

static int heap_qstr_of_obj(void *ctx, uint32_t w, uint32_t *q)
{
    const struct heap_src *hs = ctx;
    return bcmod_qstr_of_obj(hs->lay, hs->mem, hs->qs, w, q);
}

static void heap_unload(struct tui *t)
{
    if (t->dis_hprog != NULL) {
        bc_prog_free(t->dis_hprog);
        free(t->dis_hprog);
        t->dis_hprog = NULL;
    }
    t->dis_hword = 0;
}

/* The bytecode function type's address, asked of the board once
 * (id(type(lambda: 0)), as mpeek dis @EXPR does): 1 known (*type), 0
 * asked (the answer comes through tui_dis_bctype), -1 cannot be (no
 * board). */
static int bc_type_of(struct tui *t, uint32_t *type)
{
    if (t->dis_bctype_state == 2) {
        *type = t->dis_bctype;
        return 1;
    }
    if (t->dis_bctype_state < 0 || t->worker == NULL) {
        return -1;
    }
    if (t->dis_bctype_state == 0 && t->py_pending == 0 &&
        worker_exec(t->worker, "print('t=%d'%id(type(lambda:0)))") == RC_OK) {
        t->py_pending = TUI_PY_BCTYPE;
        t->dis_bctype_state = 1;
    }
    return 0;
}

void tui_dis_bctype(struct tui *t, int rc, const char *out)
{
    char v[32];
    long long w;
    if (rc == RC_OK && fmt_kv(out, "t", v, sizeof v, NULL) &&
        (w = strtoll(v, NULL, 10)) > 0 && w <= 0xffffffffLL && (w & 3) == 0) {
        t->dis_bctype = (uint32_t)w;
        t->dis_bctype_state = 2;
    } else {
        t->dis_bctype_state = -1;
    }
}

/* Decode the function object at head (a heap block's head) with what it
 * points at, as mpeek dis ADDR does: 1 done (t->dis_hprog), 0 while
 * bytes (or the board's answers) are still coming, -1 not a function
 * with bytecode (why in t->dis_herr).  Formats: v1.19+ and v1.9-v1.11
 * (bc.h); v1.12-v1.18 needs the ELF to tell its variant and has no
 * object layouts here: mpeek dis lists those. */
static int heap_fun(struct tui *t, uint32_t head)
{
    t->dis_herr[0] = 0;
    int major = 0, minor = 0;
    if (sscanf(t->o->version ? t->o->version : "", "%d.%d", &major, &minor) != 2 ||
        major != 1 || minor < 9 || (minor >= 12 && minor <= 18)) {
        snprintf(t->dis_herr, sizeof t->dis_herr, "the pane decodes heap bytecode of "
                 "MicroPython 1.9 to 1.11 and 1.19 and newer (this board: %s; mpeek dis "
                 "ADDR lists 1.12 to 1.18)",
                 t->o->version && t->o->version[0] ? t->o->version : "version not known");
        return -1;
    }
    int old = minor <= 11;
    /* Which objects are bytecode functions: the ELF's mp_type_fun_* say
     * it, else the board's id(type(lambda: 0)). */
    const struct image *img = NULL;
    for (size_t i = 0; i < t->o->nimages && img == NULL; i++) {
        if (t->o->images[i] != NULL && image_sym_find(t->o->images[i], "mp_type_fun_bc")) {
            img = t->o->images[i];
        }
    }
    if (t->have_lay == 0) {
        tui_py_layout(t);
        if (t->have_lay == 0) {
            snprintf(t->dis_herr, sizeof t->dis_herr, "asking the board for its object "
                     "layout...");
            return 0;
        }
    }
    if (t->have_lay < 0) {
        snprintf(t->dis_herr, sizeof t->dis_herr, "the object layout of this board is "
                 "not known");
        return -1;
    }
    uint32_t bc_type = 0;
    if (img == NULL) {
        int k = bc_type_of(t, &bc_type);
        if (k == 0) {
            snprintf(t->dis_herr, sizeof t->dis_herr, "asking the board for its bytecode "
                     "function type...");
            return 0;
        }
        if (k < 0) {
            snprintf(t->dis_herr, sizeof t->dis_herr, "which objects are bytecode "
                     "functions is told by the board (type(lambda: 0)) or by the "
                     "firmware's ELF (mp_type_fun_bc): %s",
                     t->worker == NULL ? "give the ELF with --image" :
                     "the board did not say");
            return -1;
        }
    }
    struct tui_mem om = {t, 0, 0};
    struct frozen_mem mem = {tui_mem_read, &om};
    struct rc_msg msg = {{0}};
    int q = tui_obj_qtab(t, &mem, &om, &msg);
    if (q == 0) {
        snprintf(t->dis_herr, sizeof t->dis_herr, "reading the qstr pools...");
        return 0;
    }
    struct objdec_qstr_ops qs = {qstr_text, t->obj_qtab};
    struct heap_src hs = {tui_heapmap(t), &t->lay, &mem, &qs};
    struct bc_src src;
    memset(&src, 0, sizeof src);
    src.mem = &mem;
    src.fmt = !old ? BC_FMT_V6 : t->lay.persistent_code ? BC_FMT_OLD_PC : BC_FMT_OLD;
    src.proto_fun = minor >= 23;
    src.len_of = heap_len_of;
    src.qstr_of_obj = old ? heap_qstr_of_obj : NULL;
    src.ctx = &hs;
    src.max_len = 1024;
    uint32_t bytecode = 0, children = 0;
    int kind = 0;
    int rc = bcmod_fun_object(bc_type, &t->lay, &mem, &qs, img, head, &src, &bytecode,
                              &children, &kind, &msg);
    if (om.missing) {
        snprintf(t->dis_herr, sizeof t->dis_herr, "reading 0x%08x...", (unsigned)om.at);
        return 0;
    }
    if (rc != RC_OK) {
        snprintf(t->dis_herr, sizeof t->dis_herr, "%s", msg.text);
        return -1;
    }
    struct bc_prog *p = calloc(1, sizeof *p);
    if (p == NULL) {
        snprintf(t->dis_herr, sizeof t->dis_herr, "out of memory");
        return -1;
    }
    rc = bc_load(&src, bytecode, bytecode, children, kind, p, &msg);
    if (om.missing || rc != RC_OK) {
        bc_prog_free(p);
        free(p);
        snprintf(t->dis_herr, sizeof t->dis_herr, "%s", msg.text);
        if (om.missing) {
            snprintf(t->dis_herr, sizeof t->dis_herr, "reading 0x%08x...", (unsigned)om.at);
        }
        return om.missing ? 0 : -1;
    }
    heap_unload(t);
    t->dis_hprog = p;
    t->dis_hword = head;
    return 1;
}

/* Where the cursor is in prog p: dis_where, dis_fun, dis_insn, the
 * outline, and dis_why when not an instruction.  what: the module's name,
 * or "heap". */
static void locate_in(struct tui *t, struct bc_prog *p, struct qstr_tab *qtab,
                      const char *what)
{
    size_t fun = 0, insn = 0;
    t->dis_cur = p;
    t->dis_cur_qtab = qtab;
    t->dis_where = (int)dispane_locate(p, t->cursor, &fun, &insn);
    t->dis_fun = fun;
    t->dis_insn = insn;
    char name[96];
    const struct bc_fun *f = t->dis_where != DISPANE_NONE ? &p->f[fun] : NULL;
    if (f != NULL) {
        fun_name(t, f, name, sizeof name);
    }
    switch (t->dis_where) {
    case DISPANE_INSN:
        dispane_outline(p, fun, insn, &t->dis_hl);
        break;
    case DISPANE_PRELUDE:
        snprintf(t->dis_why, sizeof t->dis_why, "not an instruction: the prelude of %s "
                 "(j goes to its first instruction)", name);
        break;
    case DISPANE_TAIL:
        snprintf(t->dis_why, sizeof t->dis_why, "not an instruction: past the last one "
                 "of %s%s%s", name, f->err[0] ? ": " : "", f->err);
        break;
    case DISPANE_MACHINE:
        snprintf(t->dis_why, sizeof t->dis_why, "not bytecode: %s is %s machine code "
                 "(mpeek dis lists it)", name, bc_kind_name(f->kind));
        break;
    default:
        snprintf(t->dis_why, sizeof t->dis_why, "not bytecode: %s data outside its "
                 "functions' bytecode", what);
        break;
    }
}

/* Where the cursor is: t->dis_where, dis_fun, dis_insn in t->dis_cur,
 * the outline and t->dis_why (what it is when not an instruction). */
void tui_dis_sync(struct tui *t)
{
    t->dis_hl.n = 0;
    t->dis_where = DISPANE_NONE;
    t->dis_why[0] = 0;
    t->dis_cur = NULL;
    t->dis_on_fun = 0;
    size_t i = 0, fun, insn;
    const struct frozen_mod *m = tui_module_at(t, t->cursor, &i);
    if (m != NULL) {
        if (t->dis_mod != (long)i) {
            load_module(t, i);
        }
        if (t->dis_prog == NULL) {
            snprintf(t->dis_why, sizeof t->dis_why, "not bytecode: %s", t->dis_err);
            return;
        }
        locate_in(t, t->dis_prog, t->dis_qtab, m->name);
        return;
    }
    /* A heap function decoded before, holding the cursor. */
    if (t->dis_hprog != NULL &&
        dispane_locate(t->dis_hprog, t->cursor, &fun, &insn) != DISPANE_NONE) {
        locate_in(t, t->dis_hprog, t->obj_qtab, "heap");
        return;
    }
    struct heapmap_hit hit;
    const struct heapmap *h = tui_heapmap(t);
    if (h == NULL || heapmap_lookup(h, t->cursor, &hit) != RC_OK ||
        hit.state == HEAPMAP_FREE || hit.orphan) {
        snprintf(t->dis_why, sizeof t->dis_why, "not bytecode: 0x%08x is in no frozen "
                 "module%s nor heap object", (unsigned)t->cursor,
                 tui_nfrozen(t) == 0 ? " (none known: give the firmware's ELF)" : "");
        return;
    }
    /* The heap object at the cursor: a function object? (decoded once;
     * what it is not is remembered) */
    int r = 1;
    if (t->dis_hword != hit.head_addr) {
        if (t->dis_htried != hit.head_addr || t->dis_hstate == 0) {
            t->dis_htried = hit.head_addr;
            r = heap_fun(t, hit.head_addr);
            t->dis_hstate = r;
        } else {
            r = t->dis_hstate;
        }
    }
    if (r == 1 && t->dis_hprog != NULL && t->dis_hword == hit.head_addr) {
        if (dispane_locate(t->dis_hprog, t->cursor, &fun, &insn) != DISPANE_NONE) {
            locate_in(t, t->dis_hprog, t->obj_qtab, "heap");
            return;
        }
        const struct bc_fun *f = &t->dis_hprog->f[0];
        char name[96];
        t->dis_cur = t->dis_hprog;
        t->dis_cur_qtab = t->obj_qtab;
        if (f->have_names) {
            fun_name(t, f, name, sizeof name);
        } else {
            /* machine code keeps no name where mpeek can find it */
            snprintf(name, sizeof name, "a %s function", bc_kind_name(f->kind));
        }
        t->dis_on_fun = 1;
        t->dis_fun_to = f->ninsns > 0 ? f->fun_data + f->insns[0].off : f->fun_data;
        snprintf(t->dis_why, sizeof t->dis_why, "the function object of %s: its %s at "
                 "0x%08x (Enter goes there)", name,
                 f->kind == BC_KIND_BYTECODE ? "bytecode" : "machine code",
                 (unsigned)f->fun_data);
        return;
    }
    snprintf(t->dis_why, sizeof t->dis_why, "%s: a %s heap block at 0x%08x%s%s%s",
             r == 0 ? "decoding" : "not bytecode", heapmap_kind_name(hit.kind),
             (unsigned)hit.head_addr, r == 0 ? ", " : " (", t->dis_herr,
             r == 0 ? "" : "; bytecode on the heap is found from its function object: "
             "the cursor on it, e.g. :@f)");
}

int tui_dis_rows(const struct tui *t)
{
    if (!t->dis_on) {
        return 0;
    }
    int p = (t->rows - 1) / 2;
    return p > 12 ? 12 : p < 3 ? 0 : p;
}

void tui_dis_open(struct tui *t)
{
    t->dis_on = 1;
    tui_set_mode(t, &tui_mode_dis);
    tui_relayout(t);
}

void tui_dis_fini(struct tui *t)
{
    unload(t);
    heap_unload(t);
    qstr_tab_free(t->dis_qtab);
    t->dis_qtab = NULL;
}

static void close_pane(struct tui *t)
{
    t->dis_on = 0;
    tui_set_mode(t, &tui_mode_view);
    tui_relayout(t);
}

/* One instruction's line. */
static void insn_line(struct tui *t, const struct bc_fun *f, size_t k, char *out, size_t size)
{
    const struct bc_insn *in = &f->insns[k];
    char hex[16] = "";
    size_t o = 0;
    for (unsigned b = 0; b < in->len && b < 4 && in->off + b < f->len; b++) {
        o += (size_t)snprintf(hex + o, sizeof hex - o, "%02x", f->bytes[in->off + b]);
    }
    if (in->len > 4 && o + 2 < sizeof hex) {
        snprintf(hex + o, sizeof hex - o, "..");
    }
    struct buf b;
    buf_init(&b);
    struct bc_names nm = {name_qstr, NULL, t->dis_cur_qtab};
    bc_fmt_insn(t->dis_cur, f, in, &nm, &b);
    snprintf(out, size, "%c 0x%08x  %-10s %s", k == t->dis_insn ? '>' : ' ',
             (unsigned)(f->fun_data + in->off), hex, buf_failed(&b) ? "?" : buf_str(&b));
    buf_fini(&b);
}

void tui_dis_draw(struct tui *t)
{
    int h = tui_dis_rows(t);
    if (h < 3) {
        return;
    }
    tui_dis_sync(t);
    int y0 = tui_view_height(t);
    int w = t->cols;
    char head[600], name[96] = "";
    size_t mi = 0;
    const struct frozen_mod *m = tui_module_at(t, t->cursor, &mi);
    const struct frozen_notes *ns = m != NULL ? tui_module_notes(t, mi) : NULL;
    const struct frozen_note *n = ns != NULL ? frozen_note_at(ns, t->cursor) : NULL;
    if (t->dis_where != DISPANE_NONE && t->dis_cur != NULL) {
        fun_name(t, &t->dis_cur->f[t->dis_fun], name, sizeof name);
    }
    const char *where = m != NULL ? m->name : t->dis_cur != NULL ? "(heap)" : "";
    snprintf(head, sizeof head, " bytecode%s%s%s%s", where[0] ? " " : "", where,
             name[0] ? " " : "", name);
    size_t len = strlen(head);
    if (n != NULL) {
        snprintf(head + len, sizeof head - len, " | +0x%x: %s",
                 (unsigned)(t->cursor - n->addr), n->text);
    }
    len = strlen(head);
    snprintf(head + len, sizeof head - len, " | j k Enter [ q ");
    attrset(theme_attr(t->theme, THEME_R_HELP));
    mvhline(y0, 0, ACS_HLINE, w);
    mvaddnstr(y0, 0, head, w);
    int rows = h - 1;
    char line[400];
    const struct bc_fun *f = t->dis_where == DISPANE_INSN ? &t->dis_cur->f[t->dis_fun] : NULL;
    size_t first = 0;
    if (f != NULL) {
        size_t above = (size_t)(rows - 1) / 2;
        first = t->dis_insn > above ? t->dis_insn - above : 0;
        if (f->ninsns > (size_t)rows && first + (size_t)rows > f->ninsns) {
            first = f->ninsns - (size_t)rows;
        }
    }
    for (int i = 0; i < rows; i++) {
        size_t k = first + (size_t)i;
        int cur = f != NULL && k == t->dis_insn;
        attrset(theme_attr(t->theme, cur ? THEME_R_PANEL_SELECTED : THEME_R_PANEL));
        move(y0 + 1 + i, 0);
        clrtoeol();
        if (f != NULL && k < f->ninsns) {
            insn_line(t, f, k, line, sizeof line);
            mvaddnstr(y0 + 1 + i, 1, line, w - 2);
        } else if (f == NULL && i == 0) {
            mvaddnstr(y0 + 1, 1, t->dis_why, w - 2);
        }
    }
    attrset(A_NORMAL);
}

/* j / k: the next (dir 1) or previous (-1) instruction. */
static void step(struct tui *t, int dir, int ch)
{
    tui_dis_sync(t);
    const struct bc_prog *p = t->dis_cur;
    if (t->dis_where == DISPANE_INSN) {
        const struct bc_fun *f = &p->f[t->dis_fun];
        if ((dir > 0 && t->dis_insn + 1 >= f->ninsns) || (dir < 0 && t->dis_insn == 0)) {
            tui_say(t, 0, "the %s instruction of the function", dir > 0 ? "last" : "first");
            return;
        }
        tui_move_to(t, dispane_insn_addr(p, t->dis_fun, t->dis_insn + (dir > 0 ? 1 : (size_t)-1)));
        return;
    }
    if (t->dis_where == DISPANE_PRELUDE && dir > 0 && p->f[t->dis_fun].ninsns > 0) {
        tui_move_to(t, dispane_insn_addr(p, t->dis_fun, 0));
        return;
    }
    if (t->dis_where == DISPANE_TAIL && dir < 0 && p->f[t->dis_fun].ninsns > 0) {
        tui_move_to(t, dispane_insn_addr(p, t->dis_fun, p->f[t->dis_fun].ninsns - 1));
        return;
    }
    tui_mode_view.key(t, ch); /* not in bytecode: the cursor moves by rows */
}

static void dis_key(struct tui *t, int ch)
{
    switch (ch) {
    case KEY_DOWN: case 'j':
        step(t, 1, ch);
        break;
    case KEY_UP: case 'k':
        step(t, -1, ch);
        break;
    case '\n': case '\r': case KEY_ENTER: {
        tui_dis_sync(t);
        struct rc_msg msg = {{0}};
        uint32_t to;
        if (t->dis_on_fun) {
            tui_jump_to(t, t->dis_fun_to);
        } else if (t->dis_where != DISPANE_INSN) {
            tui_say(t, 1, "%s", t->dis_why);
        } else if (dispane_follow(t->dis_cur, t->dis_fun, t->dis_insn, &to, &msg) == RC_OK) {
            tui_jump_to(t, to);
        } else {
            tui_say(t, 1, "%s", msg.text);
        }
        break;
    }
    case 'q': case 'D': case TUI_KEY_ESC: case TUI_CTRL('c'):
        close_pane(t);
        break;
    default:
        /* '[', ']', h l, goto, ...: the plain view's keys (a prompt or
         * a box they open comes back to the pane) */
        tui_mode_view.key(t, ch);
        break;
    }
}

/* The pane is drawn by tui_dis_draw while it is on, under a box or a
 * prompt it opened. */
const struct tui_mode tui_mode_dis = {NULL, NULL, dis_key};
