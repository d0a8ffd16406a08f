/*
 * tui_prompt.c: the prompts on the status line (goto, search, the file to
 * save the selection to, whether to overwrite it) and saving.
 *
 * A prompt is a mode: it takes every key until Enter or Esc.  Its keys
 * leave the status message and a search in progress alone (tui_int.h).
 * Saving reads what the selection lacks first, and writes only verified
 * bytes: the file is replaced whole, or left as it was.
 */
#include "tui_int.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"
#include "ofile.h"
#include "view.h"
#include "worker.h"

/* ---- saving ------------------------------------------------------------- */

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Write the selection once every byte of it is verified. */
static void save_now(struct tui *t)
{
    uint64_t n = (uint64_t)t->sel_b - t->sel_a + 1;
    struct ofile of;
    struct rc_msg om;
    if (ofile_open(&of, t->save_path, &om) < 0) {
        tui_say(t, 1, "%s", om.text);
        t->exporting = 0;
        return;
    }
    FILE *f = of.f; /* the file is replaced whole, or left as it was */
    int xxd = ends_with(t->save_path, ".hex") || ends_with(t->save_path, ".txt");
    int bad = 0;
    uint8_t row[16];
    for (uint64_t off = 0; off < n && !bad; off += 16) {
        size_t k = n - off < 16 ? (size_t)(n - off) : 16;
        for (size_t i = 0; i < k; i++) {
            row[i] = 0;
            tui_provide(t, t->sel_a + (uint32_t)(off + i), &row[i]);
        }
        if (xxd) {
            char line[100];
            size_t l = fmt_xxd_line(t->sel_a + (uint32_t)off, row, k, line);
            bad = fwrite(line, 1, l, f) != l;
        } else {
            bad = fwrite(row, 1, k, f) != k;
        }
    }
    bad = ofile_commit(&of, &om) < 0;
    t->exporting = 0;
    t->sel = 0;
    if (bad) {
        tui_say(t, 1, "%s", om.text);
    } else {
        tui_say(t, 0, "saved %llu bytes 0x%08x-0x%08llx to %s%s", (unsigned long long)n,
                (unsigned)t->sel_a, (unsigned long long)t->sel_b + 1, t->save_path,
                xxd ? " (xxd dump)" : "");
    }
}

/* Saving: read what is missing first; the loop calls this until done. */
void tui_export_step(struct tui *t)
{
    uint64_t n = (uint64_t)t->sel_b - t->sel_a + 1;
    for (uint64_t off = 0; off < n; off++) {
        uint8_t v;
        int st = tui_provide(t, t->sel_a + (uint32_t)off, &v);
        if (st == VIEW_BYTE_OK) {
            continue;
        }
        if (st == VIEW_BYTE_UNREAD && t->worker != NULL) {
            uint32_t a = t->sel_a + (uint32_t)off;
            worker_request(t->worker, a, (uint32_t)(n - off < 0x10000 ? n - off : 0x10000), 1, 0);
            tui_say(t, 0, "reading the range to save... 0x%08x (Esc stops)", (unsigned)a);
            return;
        }
        tui_say(t, 1, "0x%08x is %s: only verified bytes are saved",
                (unsigned)(t->sel_a + off),
                st == VIEW_BYTE_BAD ? "bad (failed verification)"
                : st == VIEW_BYTE_STALE ? "stale"
                : st == VIEW_BYTE_ABSENT ? "in no image" : "not readable");
        t->exporting = 0;
        return;
    }
    save_now(t);
}

/* ---- the prompts ------------------------------------------------------ */

void tui_prompt_open(struct tui *t, const struct tui_mode *m)
{
    tui_set_mode(t, m);
    t->ninput = 0;
    t->input[0] = 0;
}

void tui_prompt_status(struct tui *t, int y)
{
    char line[400];
    snprintf(line, sizeof line, "%s%s", t->mode->prompt, t->input);
    int at = (int)strlen(line) < t->cols ? (int)strlen(line) : t->cols - 1;
    if (t->mode == &tui_mode_goto && t->tab_hint[0]) {
        size_t l = strlen(line);
        snprintf(line + l, sizeof line - l, "   %s", t->tab_hint);
    }
    mvaddnstr(y, 0, line, t->cols);
    move(y, at);
}

/* The keys every prompt shares: Esc or Ctrl-C cancels (cancel says what
 * else that undoes), Enter gives the input to done (the prompt closed
 * first), Backspace and printable characters edit it. */
void tui_prompt_key(struct tui *t, int ch, void (*done)(struct tui *t),
                    void (*cancel)(struct tui *t))
{
    view_tab_reset(&t->tab);
    t->tab_hint[0] = 0;
    if (ch == TUI_KEY_ESC || ch == TUI_CTRL('c')) {
        tui_set_mode(t, &tui_mode_view);
        if (cancel != NULL) {
            cancel(t);
        }
    } else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
        tui_set_mode(t, &tui_mode_view);
        done(t);
    } else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
        if (t->ninput > 0) {
            t->input[--t->ninput] = 0;
        }
    } else if (ch >= 0x20 && ch < 0x7f && t->ninput + 1 < sizeof t->input) {
        t->input[t->ninput++] = (char)ch;
        t->input[t->ninput] = 0;
    }
}

/* The selection is not saved after all. */
static void unselect(struct tui *t)
{
    t->sel = 0;
}

/* goto: an address, a region, a symbol, REGION+OFF, . +/-; Tab completes. */
static void goto_done(struct tui *t)
{
    struct rc_msg msg = {{0}};
    if (t->input[0] == '@') {
        tui_py_goto(t, t->input + 1);
        return;
    }
    uint32_t addr;
    struct view_symbols syms = {tui_symbol, t};
    if (view_parse_goto(t->input, t->o->map, &syms, t->cursor, &addr, &msg) == RC_OK) {
        tui_jump_to(t, addr);
        t->message[0] = 0;
    } else {
        tui_say(t, 1, "%s", msg.text);
    }
}

static void goto_key(struct tui *t, int ch)
{
    if (ch == '\t' || ch == KEY_BTAB) {
        size_t n = view_tab_complete(t->names, t->nnames, &t->tab, t->input,
                                     sizeof t->input, ch == KEY_BTAB ? -1 : 1);
        t->ninput = strlen(t->input);
        if (n == 0) {
            snprintf(t->tab_hint, sizeof t->tab_hint, "[no name starts so]");
        } else if (n == 1) {
            t->tab_hint[0] = 0;
        } else {
            snprintf(t->tab_hint, sizeof t->tab_hint, "[%zu matches%s]", n,
                     t->tab.cycling ? ": Tab for the next" : "");
        }
        return;
    }
    tui_prompt_key(t, ch, goto_done, NULL);
}

/* search: hex bytes, "text", or plain text; from the cursor on. */
static void search_done(struct tui *t)
{
    struct rc_msg msg = {{0}};
    int ok = view_parse_search(t->input, &t->pat, &msg) == RC_OK;
    if (!ok && strchr(t->input, '"') == NULL && t->input[0] != 0) {
        /* Not bytes and no quotes: the text as typed ("hello"). */
        char q[2 * sizeof t->input + 3];
        size_t n = 0;
        q[n++] = '"';
        for (const char *c = t->input; *c != 0; c++) {
            if (*c == '\\') {
                q[n++] = '\\';
            }
            q[n++] = *c;
        }
        q[n++] = '"';
        q[n] = 0;
        ok = view_parse_search(q, &t->pat, &msg) == RC_OK;
    }
    if (ok) {
        t->have_pat = 1;
        t->have_hit = 0;
        tui_start_search(t, 1, 0);
    } else {
        tui_say(t, 1, "%s", msg.text);
    }
}

static void search_key(struct tui *t, int ch)
{
    tui_prompt_key(t, ch, search_done, NULL);
}

/* save: the file the selection goes to; an existing one is asked about. */
static void save_done(struct tui *t)
{
    if (t->input[0] == 0) {
        tui_say(t, 1, "no file named; nothing saved");
        return;
    }
    snprintf(t->save_path, sizeof t->save_path, "%s", t->input);
    if (access(t->save_path, F_OK) == 0) {
        tui_prompt_open(t, &tui_mode_confirm);
        return;
    }
    t->exporting = 1;
}

static void save_key(struct tui *t, int ch)
{
    tui_prompt_key(t, ch, save_done, unselect);
}

/* The file exists: one key answers, y writes, anything else keeps it;
 * Esc or Ctrl-C cancels the save. */
static void confirm_key(struct tui *t, int ch)
{
    view_tab_reset(&t->tab);
    t->tab_hint[0] = 0;
    if (ch == TUI_KEY_ESC || ch == TUI_CTRL('c')) {
        tui_set_mode(t, &tui_mode_view);
        unselect(t);
        return;
    }
    if (ch == KEY_RESIZE) {
        return;
    }
    tui_set_mode(t, &tui_mode_view);
    if (ch == 'y' || ch == 'Y') {
        t->exporting = 1;
    } else {
        tui_say(t, 0, "not saved: %s exists", t->save_path);
        t->sel = 0;
    }
}

const struct tui_mode tui_mode_goto = {"goto: ", NULL, goto_key};
const struct tui_mode tui_mode_search = {"search: ", NULL, search_key};
const struct tui_mode tui_mode_save = {"save to (.hex or .txt: xxd dump; else raw): ", NULL,
                                       save_key};
const struct tui_mode tui_mode_confirm = {"the file exists; overwrite it? (y/n) ", NULL,
                                          confirm_key};
