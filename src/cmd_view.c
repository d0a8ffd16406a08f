/*
 * cmd_view.c: mpeek view [ADDR] and mpeek open FILE [ADDR]: the explorer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bmem.h"
#include "cmd.h"
#include "fmt.h"
#include "frozen.h"
#include "frozen_manifest.h"
#include "frozen_notes.h"
#include "image.h"
#include "serial.h"
#include "ownheap_board.h"
#include "session.h"
#include "tui.h"

/* view's and open's ADDR: a number, or else (a letter, '_', '.' or an
 * operator in it) a goto expression the explorer reads once the map and
 * the symbols are known: "ram", "gc-heap+0x40", "main". */
static int view_start_arg(const char *text, uint64_t *addr, const char **expr,
                          struct rc_msg *msg)
{
    *expr = NULL;
    if (fmt_parse_u64(text, "ADDR", addr, msg) == RC_OK) {
        return fmt_check_range(*addr, 1, msg);
    }
    if (strpbrk(text, "ghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ_.$+-") != NULL) {
        *expr = text;
        return RC_OK;
    }
    return RC_ARG; /* msg says why the number is wrong */
}
/* The explorer, on the board (s->rrepl set) or on the images alone. */
/* The object panel's qstr pools: the session's search, with its cache. */
static int view_qstr_tab(void *ctx, const struct frozen_mem *mem,
                         const struct qstr_where *w, struct qstr_tab **tab,
                         struct rc_msg *msg)
{
    return bmem_qstr_tab(ctx, mem, w, tab, msg);
}

static int run(struct session *s, struct cmd_args *a, struct rc_msg *msg)
{
    int have_start = a->have_start;
    uint32_t start = (uint32_t)a->addr;
    const char *start_expr = a->start_expr;
    if (s->rrepl != NULL) {
        snprintf(s->port_label, sizeof s->port_label, "%s", serial_name(s->serial));
    }
    struct frozen_set frozen;
    memset(&frozen, 0, sizeof frozen);
    const struct image *simg = session_symbol_image(s);
    if (simg != NULL && simg->nsyms > 0) {
        struct frozen_mem mem;
        struct rc_msg fm;
        frozen_mem_image(&mem, simg);
        if (frozen_find(simg, &mem, &frozen, &fm) < 0) {
            frozen_set_free(&frozen);
            memset(&frozen, 0, sizeof frozen);
        }
    }
    if (s->rrepl == NULL && s->nimage > 0) {
        snprintf(s->port_label, sizeof s->port_label, "%.200s (no board)",
                 s->img[0]->path);
    }
    /* mpeek's own helper on the heap is drawn as mpeek's (a failure only
     * leaves it unmarked). */
    struct rc_msg om;
    if (ownheap_session(s, 1, NULL, &om) < 0) {
        char e[CMD_ESC_MAX];
        cmd_outf(stderr, "mpeek: %s\n", cmd_esc(om.text, e));
    }
    s->tui_running = 1;
    struct tui_opts to = {
        .rrepl = s->rrepl,
        .reader = s->reader,
        .map = s->map,
        .heap = s->disc.have_heap ? &s->disc.heap : NULL,
        .ld = s->ldscript,
        .port_name = s->port_label,
        .theme = s->theme,
        .no_color = s->no_color,
        .unsafe = s->unsafe,
        .have_start = have_start,
        .start = start,
        .start_expr = start_expr,
        .refresh_ms = s->refresh_ms,
        .reconnect = {s->rrepl != NULL ? session_reconnect : NULL, s},
        .cancel = s->cancel,
        .images = (const struct image *const *)s->img,
        .nimages = s->nimage,
        .frozen = &frozen,
        .frozen_image = simg,
        .hint = s->hint,
        .version = s->info.version,
        .repr_c = s->info.repr_c,
        .qstr_tab = view_qstr_tab,
        .qstr_ctx = s,
    };
    int rc = tui_run(&to, msg);
    s->tui_running = 0;
    frozen_set_free(&frozen);
    return rc;
}

static int parse_view(struct cmd_args *a, struct session *s, struct rc_msg *msg)
{
    (void)s;
    int rc;
    if (a->nrest > 1) {
        return rc_set(msg, RC_ARG, "view takes at most one ADDR");
    }
    if (a->nrest == 1 &&
        (rc = view_start_arg(a->rest[0], &a->addr, &a->start_expr, msg)) < 0) {
        return rc;
    }
    a->have_start = a->nrest == 1 && a->start_expr == NULL;
    return RC_OK;
}

static int parse_open(struct cmd_args *a, struct session *s, struct rc_msg *msg)
{
    int rc;
    if (a->nrest < 1 || a->nrest > 2) {
        return rc_set(msg, RC_ARG, "open takes FILE and an optional ADDR, "
                      "e.g. 'mpeek open firmware.elf'");
    }
    if (a->nrest == 2 &&
        (rc = view_start_arg(a->rest[1], &a->addr, &a->start_expr, msg)) < 0) {
        return rc;
    }
    a->have_start = a->nrest == 2 && a->start_expr == NULL;
    if ((rc = session_image_first(s, a->rest[0], msg)) < 0) {
        return rc;
    }
    s->offline = 1;
    if (access(a->rest[0], R_OK) != 0) {
        return rc_set(msg, errno == ENOENT ? RC_NOTFOUND : RC_IO,
                      "cannot read %s: %s", a->rest[0], strerror(errno));
    }
    return RC_OK;
}

const struct cmd_entry cmd_view_entry = {
    .name = "view",
    .usage = "  view [ADDR]               the explorer: a scrollable, coloured hex view\n"
             "                            (the default in a terminal)\n",
    .needs = CMD_BOARD | CMD_MAP | CMD_HEAP | CMD_TTY,
    .offline = 1,
    .scripts = "info, regions or read",
    .offline_needs_image = "the explorer without a board needs an image: "
                           "mpeek open FILE",
    .parse = parse_view,
    .run = run,
};

/* The explorer on a firmware image alone: always offline. */
const struct cmd_entry cmd_open_entry = {
    .name = "open",
    .usage = "  open FILE [ADDR]          the explorer on a firmware image alone, no board\n",
    .needs = CMD_MAP | CMD_TTY,
    .offline = 1,
    .scripts = "regions --image FILE or frozen --image FILE",
    .parse = parse_open,
    .run = run,
};
