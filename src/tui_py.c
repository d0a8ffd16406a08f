/*
 * tui_py.c: the board's own Python from the explorer.
 *
 *   !          one line of Python, run on the board as typed; what it
 *              printed (and its traceback) shows in a box, and the rows on
 *              screen are read again, since the line may have changed them.
 *   :@EXPR     (or @) go to the object EXPR names: the board is asked only
 *              for id(EXPR); an immediate object (a small int, a qstr,
 *              None...) has no address, and the status line says what it is.
 *
 * The line runs on the worker's thread (worker_exec), between reads; the
 * loop collects its result with tui_py_step.
 */
#include "tui_int.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "view.h"
#include "worker.h"

static int start(struct tui *t, const char *code, int kind, const char *line)
{
    if (t->worker == NULL) {
        tui_say(t, 1, "%s needs a board (this is an image alone)",
                kind == TUI_PY_RUN ? "!" : "@");
        return -1;
    }
    int rc = t->py_pending != 0 ? RC_BUSY : worker_exec(t->worker, code);
    if (rc == RC_BUSY) {
        tui_say(t, 1, "the board is still running the last line");
        return -1;
    }
    if (rc < 0) {
        tui_say(t, 1, "out of memory");
        return -1;
    }
    t->py_pending = kind;
    snprintf(t->py_line, sizeof t->py_line, "%s", line);
    tui_say(t, 0, "running on the board: %s (Esc does not stop it)", line);
    return 0;
}

/* The prompt's printable input: a line as typed. */
static void python_done(struct tui *t)
{
    if (t->input[0] == 0) {
        return;
    }
    start(t, t->input, TUI_PY_RUN, t->input);
}

void tui_py_goto(struct tui *t, const char *expr)
{
    while (*expr == ' ') {
        expr++;
    }
    if (*expr == 0) {
        tui_say(t, 1, "@ takes a name or an expression: @x, @x[2], @sys.modules");
        return;
    }
    char code[sizeof t->input + 64];
    snprintf(code, sizeof code, "print('id=%%d'%%id((%s)))", expr);
    start(t, code, TUI_PY_GOTO, expr);
}

static void python_key(struct tui *t, int ch)
{
    tui_prompt_key(t, ch, python_done, NULL);
}

const struct tui_mode tui_mode_python = {"python (runs on the board)>>> ", NULL, python_key};

/* Lines of text into the box, escaped, split at newlines. */
static void box_text(struct tui *t, const char *prefix, const struct buf *b)
{
    const char *p = b->data ? (const char *)b->data : "";
    size_t n = b->len;
    while (n > 0) {
        const char *nl = memchr(p, '\n', n);
        size_t l = nl ? (size_t)(nl - p) : n;
        size_t shown = l > 0 && p[l - 1] == '\r' ? l - 1 : l;
        char esc[400];
        fmt_escape(p, shown < 120 ? shown : 120, "", esc, sizeof esc);
        tui_box_add(t, "%s%s", prefix, esc);
        p += l + (nl ? 1 : 0);
        n -= l + (nl ? 1 : 0);
    }
}

/* The object word of an immediate, said in words. */
static void say_immediate(struct tui *t, uint32_t w)
{
    if (w & 1) {
        tui_say(t, 0, "%s is the small int %ld: immediate, in the word 0x%08x itself",
                t->py_line, (long)((int32_t)w >> 1), (unsigned)w);
    } else {
        tui_say(t, 0, "%s is an immediate object (word 0x%08x: a qstr, None, True or "
                "False, or an inline float), with no address", t->py_line, (unsigned)w);
    }
}

/* The layout from the version and the float storage. */
static void set_layout(struct tui *t, int repr_c)
{
    int major = 0, minor = 0;
    struct rc_msg msg;
    const char *v = t->o->version != NULL ? t->o->version : "";
    if (repr_c < 0 || sscanf(v, "%d.%d", &major, &minor) != 2 ||
        objdec_layout_for(&t->lay, major, minor, repr_c ? OBJDEC_REPR_C : OBJDEC_REPR_A,
                          &msg) != RC_OK) {
        t->have_lay = -1;
        return;
    }
    t->have_lay = 1;
}

void tui_py_layout(struct tui *t)
{
    if (t->have_lay != 0) {
        return;
    }
    if (t->o->repr_c >= 0 || t->worker == NULL) {
        set_layout(t, t->o->repr_c);
        return;
    }
    if (t->py_pending == 0 && worker_exec(t->worker, "print('f=%d'%(id(0.5)&3))") == RC_OK) {
        t->py_pending = TUI_PY_REPR;
    }
}

void tui_py_step(struct tui *t)
{
    struct worker_exec_res res;
    if (t->py_pending == 0 || t->worker == NULL || !worker_exec_result(t->worker, &res)) {
        return;
    }
    int kind = t->py_pending;
    t->py_pending = 0;
    if (kind == TUI_PY_HEAP) {
        tui_heap_answer(t, res.rc, buf_str(&res.out));
    } else if (kind == TUI_PY_BCTYPE) {
        tui_dis_bctype(t, res.rc, buf_str(&res.out));
    } else if (kind == TUI_PY_REPR) {
        char f[8];
        set_layout(t, res.rc == RC_OK && fmt_kv(buf_str(&res.out), "f", f, sizeof f, NULL)
                          ? strcmp(f, "2") == 0 : -1);
    } else if (kind == TUI_PY_GOTO) {
        char v[32];
        if (res.rc == RC_OK && fmt_kv(buf_str(&res.out), "id", v, sizeof v, NULL)) {
            uint32_t w = (uint32_t)strtoll(v, NULL, 10);
            if ((w & 3) == 0 && w != 0) {
                tui_jump_to(t, w);
                tui_say(t, 0, "%s: the object at 0x%08x", t->py_line, (unsigned)w);
            } else {
                say_immediate(t, w);
            }
        } else {
            char esc[300];
            tui_say(t, 1, "@%s: %s", fmt_esc(t->py_line, esc, sizeof esc),
                    res.rc == RC_OK ? "the board did not say its id" : res.msg);
        }
    } else {
        char title[64];
        char esc[200];
        snprintf(title, sizeof title, "! %.50s", fmt_esc(t->py_line, esc, sizeof esc));
        tui_box_open(t, &tui_mode_explain, title);
        box_text(t, "", &res.out);
        box_text(t, "", &res.err);
        if (res.rc < 0 && res.rc != RC_DEVICE && res.rc != RC_DEVMEM) {
            tui_box_add(t, "%s", res.msg);
        }
        if (res.out.len == 0 && res.err.len == 0 && res.rc == RC_OK) {
            tui_box_add(t, "(it printed nothing)");
        }
        /* The line may have changed memory: read the rows on screen and
         * the heap map again. */
        if (t->o->heap != NULL) {
            tui_heap_reread(t);
        }
        struct view_row r;
        uint64_t nrows = view_row_count(t->space);
        for (int y = 0; y < tui_view_height(t) && t->top + (uint64_t)y < nrows; y++) {
            if (view_row_at(t->space, t->top + (uint64_t)y, &r) == RC_OK && !r.gap) {
                worker_refresh(t->worker, r.addr, (uint32_t)(r.end - r.addr));
            }
        }
    }
    buf_fini(&res.out);
    buf_fini(&res.err);
}
