/*
 * tui.h: the explorer, a full-screen hex view of the board's memory.
 *
 * The curses layer over the view model (view.h), the theme (theme.h), the
 * page cache (pcache.h) and the reading thread (worker.h).  Keys are always
 * answered at once: the screen is drawn only from the cache, and reads
 * happen on the worker thread, visible rows first.
 */
#ifndef MPEEK_TUI_H
#define MPEEK_TUI_H

#include <signal.h>
#include <stdint.h>

#include "rc.h"
#include "worker.h"

struct rrepl;
struct mread;
struct rmap;
struct heapmap;
struct ldscript;
struct image;
struct frozen_set;

struct frozen_mem;
struct qstr_where;
struct qstr_tab;

struct tui_opts {
    struct rrepl *rrepl;          /* NULL: no board (nothing is read) */
    struct mread *reader;
    const struct rmap *map;
    const struct heapmap *heap;   /* may be NULL */
    const struct ldscript *ld;    /* symbols for the goto prompt, may be NULL */
    const char *port_name;
    const char *theme;            /* NULL: "default" */
    int no_color;                 /* --no-color or NO_COLOR */
    int unsafe;                   /* read outside the known map */
    int have_start;
    uint32_t start;               /* first cursor address */
    const char *start_expr;       /* or this, read as the goto prompt reads it
                                   * (a region, a symbol, REGION+OFF); NULL:
                                   * none.  Wins over have_start. */
    int refresh_ms;               /* live watch period (0: 500) */
    struct worker_reconnect reconnect; /* fn NULL: no reconnecting */
    /* Firmware images (--image, mpeek open), in the order given; an
     * address takes its byte and symbols from the first image holding it.
     * With no board (rrepl NULL) the view shows the images' bytes; with a
     * board, 'd' compares the board's bytes with them. */
    const struct image *const *images;
    size_t nimages;
    /* Frozen modules of the first ELF image (may be NULL or empty): the
     * frozen panel, and the bytecode notes beside the bytes. */
    const struct frozen_set *frozen;
    const struct image *frozen_image; /* the image frozen was found in
                                       * (NULL: the first ELF image) */
    volatile sig_atomic_t *cancel;
    const char *hint;             /* shown on the status line at the start
                                   * (until a key), may be NULL */
    /* The board's MicroPython version ("1.29.0", "" unknown) and how it
     * stores floats (repr_c 1/0, -1 not known: asked of the board when the
     * inspector first needs it): the object layout of the inspector. */
    const char *version;
    int repr_c;
    /* How the object panel finds the qstr pools (NULL: qstr_tab_new): the
     * session's, with its qstr cache (bmem_qstr_tab). */
    int (*qstr_tab)(void *ctx, const struct frozen_mem *mem,
                    const struct qstr_where *w, struct qstr_tab **tab,
                    struct rc_msg *msg);
    void *qstr_ctx;
};

/* Run until the user quits or *cancel is set.  The terminal is restored
 * before it returns; the link is the caller's again. */
int tui_run(const struct tui_opts *opts, struct rc_msg *msg);

#endif
