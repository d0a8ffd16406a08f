/*
 * tui_int.h: what the explorer's files share (tui.c and tui_*.c); not a
 * public interface.
 *
 * The explorer is always in one mode: the plain hex view, a box of text
 * (help, legend, explain), a panel (regions, symbols, frozen modules), a
 * prompt on the status line (goto, search, save, overwrite), or waiting
 * for a mark's letter.  A mode is a small ops struct, as tmux's window
 * modes are: what it draws over the hex rows and how it takes a key.
 * Every key goes to the current mode and to it alone; a mode hands over
 * by setting t->mode (tui_set_mode).  The hex rows, the info line and the
 * status line are drawn in every mode (a prompt takes the status line).
 *
 * The plain view's keys are one table (tui_keys.c): key, the name and
 * words the help box shows, handler.  The help box is made from it.
 */
#ifndef MPEEK_TUI_INT_H
#define MPEEK_TUI_INT_H

#include <stddef.h>
#include <stdint.h>

#include "heapmap.h"
#include "dispane.h"
#include "heappic.h"
#include "image.h"
#include "objdec.h"
#include "objhl.h"
#include "tui.h"
#include "view.h"

struct tui;
struct frozen_mod;
struct frozen_notes;

#define TUI_KEY_ESC 27
#define TUI_CTRL(c) ((c) & 0x1f)

/* A mode of the explorer. */
struct tui_mode {
    /* A prompt's label on the status line (the input follows it); NULL:
     * not a prompt.  Keys in a prompt leave the status message and a
     * search or comparison in progress alone; in any other mode a key
     * clears the message and stops them first. */
    const char *prompt;
    /* Draw over the hex rows (a box, a panel); NULL: nothing. */
    void (*draw)(struct tui *t);
    /* Take one key (a curses key code). */
    void (*key)(struct tui *t, int ch);
};

/* The modes (tui_keys.c, tui_box.c, tui_panel.c, tui_prompt.c). */
extern const struct tui_mode tui_mode_view;        /* the plain hex view */
extern const struct tui_mode tui_mode_mark_set;    /* 'm': waiting for a-z */
extern const struct tui_mode tui_mode_mark_jump;   /* '\'': waiting for a-z */
extern const struct tui_mode tui_mode_help;
extern const struct tui_mode tui_mode_legend;
extern const struct tui_mode tui_mode_explain;
extern const struct tui_mode tui_mode_regions;     /* the region panel */
extern const struct tui_mode tui_mode_symbols;     /* the symbol list */
extern const struct tui_mode tui_mode_frozen;      /* the frozen panel */
extern const struct tui_mode tui_mode_goto;
extern const struct tui_mode tui_mode_search;
extern const struct tui_mode tui_mode_save;        /* the file name to save to */
extern const struct tui_mode tui_mode_confirm;     /* overwrite it? y/n */
extern const struct tui_mode tui_mode_python;      /* '!': a line of Python */
extern const struct tui_mode tui_mode_heap;        /* 'H': the heap picture */
extern const struct tui_mode tui_mode_object;      /* 'O': the object panel */
extern const struct tui_mode tui_mode_dis;         /* 'D': the disassembly pane */

#define TUI_KEY_MAX 8

/* A line of the plain view's key table: the keys, what the help box shows
 * for them, and their handler (which gets the key pressed).  A line with
 * no name is described by the line above it (KEY_RESIZE's, not a key a
 * user presses, by none); the help box shows every other line, in order:
 * the name in a column, then help, a '\n' in help going on in the next
 * line of the box.  A key is on one line only (test_tui_keys checks). */
struct tui_key {
    const char *name;
    const char *help;
    void (*fn)(struct tui *t, int ch);
    int keys[TUI_KEY_MAX]; /* the key codes; 0 ends them when fewer */
};

/* A symbol of one of the images, for the symbol list. */
struct tui_sym {
    const struct image_sym *sym;
    size_t img;
};

#define TUI_BOX_LINES 64

#define TUI_OBJ_LINES 300

struct qstr_tab;
struct frozen_mem;
struct rc_msg;

struct tui {
    const struct tui_opts *o;
    const struct tui_mode *mode;
    struct pcache *cache;
    struct worker *worker;
    int wake[2];
    struct view_space *space;
    struct theme *theme;
    unsigned bpr_choice;  /* 0: fit the terminal */
    unsigned group;
    int rows, cols;
    uint32_t cursor;
    uint64_t top;
    size_t panel_sel;     /* the region panel's selected line */
    char input[128];      /* a prompt's input */
    size_t ninput;
    char message[600];
    int message_error;
    struct view_pattern pat;
    int have_pat;
    int searching;        /* a search in progress */
    int search_dir;
    uint32_t search_pos;
    uint32_t search_from; /* where it began (wrapping stops there) */
    int search_wrapped;
    int64_t search_t0;
    int have_hit;         /* the last match, highlighted whole */
    uint32_t hit_addr;
    size_t hit_len;
    int quit;
    /* live watch */
    int watch;
    int64_t last_refresh;
    /* marks (a-z) */
    uint32_t marks[26];
    unsigned marks_set;
    /* jump history */
    uint32_t back[64], fwd[64];
    int nback, nfwd;
    /* a box of text lines (help, legend, explain): scrolls, takes every
     * key until q or Esc closes it */
    char box_title[64];
    char box[TUI_BOX_LINES][160];
    int box_role[TUI_BOX_LINES]; /* >= 0: a legend line, a sample in that role */
    int nbox;
    int box_top;
    /* selection and export */
    int sel;              /* 1: selecting from sel_a, 2: range chosen */
    uint32_t sel_a, sel_b;
    int exporting;        /* waiting for the range's bytes */
    unsigned reconnects;
    char save_path[256];
    /* firmware images */
    int image_only;       /* no board: the bytes are the images' */
    struct view_range *ranges;  /* where the images hold bytes, merged */
    size_t nranges;
    const char **names;   /* regions and symbols, sorted: goto completion */
    size_t nnames;
    struct view_tab tab;
    char tab_hint[64];
    /* the symbol list */
    struct tui_sym *syms; /* every image's symbols by address */
    size_t nsyms;
    size_t *sym_idx;      /* the ones the filter lets through */
    size_t nsym_idx;
    size_t spanel_sel;
    char sfilter[64];
    /* frozen modules */
    size_t fpanel_sel;
    struct frozen_notes *notes; /* per module, computed when first needed */
    unsigned char *notes_done;
    /* comparing the board with the images */
    int diff;
    int diffing;          /* 1: comparing, 2: waiting for bytes */
    int diff_dir;
    uint32_t diff_pos;
    uint32_t diff_asked;  /* the page last asked for while comparing */
    int diff_have_asked;
    struct view_diff_stats dstats;
    /* the board's Python (tui_py.c): what waits for its result */
    int py_pending;       /* a TUI_PY_* or 0 */
    char py_line[128];
    /* the data inspector (I): 3 lines above the status line */
    int inspect;
    int have_lay;         /* 1 lay is known, 0 not yet, -1 cannot be */
    struct objdec_layout lay;
    /* the heap picture (H) and the heap map read again since the start */
    struct heapmap heap_own;
    int have_heap_own;
    struct heappic pic;
    int have_pic;
    size_t pic_sel;
    unsigned pic_width;
    int64_t heap_read_at; /* when the heap map was last asked for */
    /* the object panel (O) */
    int obj_state;        /* 0 closed, 1 decoding (waiting for bytes), 2 shown */
    uint32_t obj_word;
    struct qstr_tab *obj_qtab;
    char obj_lines[TUI_OBJ_LINES][160];
    uint32_t obj_target[TUI_OBJ_LINES]; /* where Enter on a line goes; 0 none */
    unsigned char obj_is_obj[TUI_OBJ_LINES]; /* an object there, or raw memory */
    int nobj_lines;
    int obj_sel;
    /* where the panel's object sits: outlined on the hex rows while the
     * panel is open, the selected line's part highlighted */
    struct objhl obj_hl;
    /* the disassembly pane (D): the frozen module decoded last (-1 none),
     * or why it was not; where the cursor is in it (tui_dis_sync) */
    int dis_on;           /* the pane is open */
    struct bc_prog *dis_prog;
    long dis_mod;
    char dis_err[600];
    struct qstr_tab *dis_qtab;
    int dis_qtab_tried;
    int dis_where;        /* enum dispane_where */
    size_t dis_fun, dis_insn;
    char dis_why[1400];    /* what the cursor is on when not an instruction */
    struct dispane_hl dis_hl;
    /* the function on the heap decoded last (from its object at dis_hword),
     * the heap object tried last (dis_hstate 1 a function, 0 waiting for
     * bytes, -1 not: why in dis_herr) */
    struct bc_prog *dis_hprog;
    uint32_t dis_hword, dis_htried;
    int dis_hstate;
    char dis_herr[600];
    /* the board's bytecode function type (id(type(lambda: 0))): state 0
     * not asked, 1 asked, 2 known, -1 not to be had */
    uint32_t dis_bctype;
    int dis_bctype_state;
    /* the program the cursor is in (dis_prog or dis_hprog, NULL none),
     * its qstr names; on a function object: where Enter goes */
    struct bc_prog *dis_cur;
    struct qstr_tab *dis_cur_qtab;
    int dis_on_fun;
    uint32_t dis_fun_to;
};

#define TUI_PY_RUN 1
#define TUI_PY_GOTO 2
#define TUI_PY_REPR 3   /* how the board stores floats, for the layout */
#define TUI_PY_HEAP 4   /* mem_info(1) again, for the heap picture */
#define TUI_PY_BCTYPE 5 /* the bytecode function type, for the pane */
#define TUI_INSPECT_LINES 3

/* ---- tui.c: the model, the view, the loop ---- */

/* Switch to mode m (it takes the next key). */
void tui_set_mode(struct tui *t, const struct tui_mode *m);
/* The byte at addr as the view shows it (a VIEW_BYTE_* state). */
int tui_provide(void *ctx, uint32_t addr, uint8_t *value);
/* The goto prompt's names: linker-script symbols, then the images'. */
int tui_symbol(void *ctx, const char *name, uint32_t *value);
/* The first image holding addr (its byte in *value, its index in
 * *index_out; either may be NULL), or NULL. */
const struct image *tui_image_at(const struct tui *t, uint32_t addr, uint8_t *value,
                                 size_t *index_out);
/* The symbol naming addr ("name+0x4", "~name+0x40" or ""), and the sized
 * one covering it in *sym_out (may be NULL). */
void tui_cursor_symbol(const struct tui *t, uint32_t addr, char *out, size_t size,
                       const struct image_sym **sym_out);
/* The last part of a path. */
const char *tui_base_name(const char *path);
/* "func", "obj" or "-". */
const char *tui_sym_type_name(enum image_symtype type);
size_t tui_nfrozen(const struct tui *t);
/* The frozen module holding addr (its index in *index_out), or NULL. */
const struct frozen_mod *tui_module_at(const struct tui *t, uint32_t addr,
                                       size_t *index_out);
/* The bytecode notes of frozen module i (decoded on first use), or NULL. */
const struct frozen_notes *tui_module_notes(struct tui *t, size_t i);
/* The status line's message (error: in the error colour). */
void tui_say(struct tui *t, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The rows of hex the screen shows. */
int tui_view_height(const struct tui *t);
/* The rows a list panel shows below its header line. */
int tui_list_height(const struct tui *t);
/* Fit the rows to the terminal's size (after a resize, B or =). */
void tui_relayout(struct tui *t);
/* The cursor to addr, scrolling as little as needed. */
void tui_move_to(struct tui *t, uint32_t addr);
/* A jump (goto, search, Tab, panel): remembered for '[', the target near
 * the top unless already on screen. */
void tui_jump_to(struct tui *t, uint32_t addr);
/* Search for the pattern from the cursor (step 1: from the next byte),
 * dir 1 forwards, -1 backwards, wrapping round once. */
void tui_start_search(struct tui *t, int dir, int step);
/* The next (dir 1) or previous (-1) byte differing from the images. */
void tui_start_diff(struct tui *t, int dir);

/* ---- tui_heap.c: the heap picture ---- */

/* The heap map: read again since the start (H, r), else the session's. */
const struct heapmap *tui_heapmap(const struct tui *t);
/* 'H': open the picture. */
void tui_heap_open(struct tui *t);
/* The answer of mem_info(1) (a TUI_PY_HEAP line): the new heap map. */
void tui_heap_answer(struct tui *t, int rc, const char *text);
/* Ask the board for mem_info(1) again (a TUI_PY_HEAP line). */
void tui_heap_reread(struct tui *t);
/* The loop: live watch reads the heap again while the picture shows. */
void tui_heap_step(struct tui *t);
/* Free what the picture holds. */
void tui_heap_fini(struct tui *t);

/* '[': back to where the last jump came from. */
void tui_back(struct tui *t);

/* ---- tui_obj.c: the object panel ---- */

/* Memory for the decoders (a struct frozen_mem's ctx with tui_mem_read):
 * what the explorer holds; a missing byte is remembered (missing, at),
 * asked of the worker, and fails the read. */
struct tui_mem {
    struct tui *t;
    int missing;
    uint32_t at;
};
int tui_mem_read(void *ctx, uint32_t addr, uint32_t len, uint8_t *out, struct rc_msg *msg);
/* The qstr pools (t->obj_qtab, found once per session through
 * tui_opts.qstr_tab): 1 there, 0 while bytes are coming (om->missing),
 * -1 when not (said on the status line). */
int tui_obj_qtab(struct tui *t, const struct frozen_mem *mem, struct tui_mem *om,
                 struct rc_msg *msg);

/* 'O': decode the object under the cursor into the panel. */
void tui_obj_open(struct tui *t);
/* The loop: go on decoding as bytes arrive. */
void tui_obj_step(struct tui *t);
void tui_obj_fini(struct tui *t);

/* ---- tui_dis.c: the disassembly pane ---- */

/* 'D': open the pane. */
void tui_dis_open(struct tui *t);
/* The pane's rows (header included) while it is open, else 0. */
int tui_dis_rows(const struct tui *t);
/* Where the cursor is in the bytecode, its outline (t->dis_*). */
void tui_dis_sync(struct tui *t);
/* Draw the pane (while it is on) below the hex rows. */
void tui_dis_draw(struct tui *t);
void tui_dis_fini(struct tui *t);
/* The board's answer to the pane's question for its bytecode function
 * type (TUI_PY_BCTYPE): rc and what it printed. */
void tui_dis_bctype(struct tui *t, int rc, const char *out);

/* ---- tui_py.c: the board's Python ---- */

/* The inspector's object layout: known, or asked of the board. */
void tui_py_layout(struct tui *t);
/* '@EXPR' (in goto): jump to the object EXPR names (asks for its id). */
void tui_py_goto(struct tui *t, const char *expr);
/* The loop: collect a finished line's result. */
void tui_py_step(struct tui *t);

/* ---- tui_box.c: boxes of text ---- */

/* Open an empty box in mode m (help, legend, explain) with title. */
void tui_box_open(struct tui *t, const struct tui_mode *m, const char *title);
/* Add a line to the box (cut at its width; lines past the box's room are
 * dropped). */
void tui_box_add(struct tui *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 'L': the legend of colours. */
void tui_legend_open(struct tui *t);
/* 'i': the byte under the cursor explained. */
void tui_explain_open(struct tui *t);

/* ---- tui_keys.c: the plain view's keys ---- */

/* The key table, and its length. */
extern const struct tui_key tui_keys[];
extern const size_t tui_nkeys;
/* '?': the help box, made from the key table. */
void tui_help_open(struct tui *t);

/* ---- tui_panel.c: the panels ---- */

/* Fill the symbol list's lines from the filter (selecting the first). */
void tui_sym_filter(struct tui *t);
/* 'p', 'S', 'F': open the panel at the cursor's region, symbol, module. */
void tui_regions_open(struct tui *t);
void tui_symbols_open(struct tui *t);
void tui_frozen_open(struct tui *t);

/* ---- tui_prompt.c: the prompts, saving ---- */

/* The keys every prompt shares: Esc or Ctrl-C cancels (then cancel, may
 * be NULL), Enter closes the prompt and calls done, others edit. */
void tui_prompt_key(struct tui *t, int ch, void (*done)(struct tui *t),
                    void (*cancel)(struct tui *t));
/* Open prompt m with an empty input. */
void tui_prompt_open(struct tui *t, const struct tui_mode *m);
/* Draw the prompt and its input on status line y. */
void tui_prompt_status(struct tui *t, int y);
/* Saving the selection: read what is missing, then write the file; the
 * loop calls it while t->exporting. */
void tui_export_step(struct tui *t);

#endif
