/*
 * session.h: what a command runs against — the board attached, the images
 * loaded, the region map built — and the clean leave.
 *
 * main() fills in the options, then session_open() builds what the
 * command's table entry (cmd.h) says it needs: the images, the link to the
 * board (unless offline), the region map.  session_leave() gives the board
 * back as it was found (see session.c for the signals).
 */
#ifndef MPEEK_SESSION_H
#define MPEEK_SESSION_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "board.h"
#include "discover.h"
#include "image.h"
#include "ldscript.h"
#include "mread.h"
#include "profile.h"
#include "rc.h"
#include "rmap.h"
#include "serial.h"
#include "snapshot.h"

#define SESSION_MAX_LIST 32

struct session {
    /* Options (main.c). */
    const char *port;
    unsigned needs;  /* CMD_* of the command: what session_attach builds */
    char hint[600]; /* what an image says of its board, for the explorer */
    struct serial_opts sopts;
    int timeout_ms;
    const char *log_path;
    FILE *log;
    const char *method;
    unsigned chunk; /* 0 = sized to the board's heap */
    int progress; /* -1 auto, 0 off, 1 on */
    char emu_cmd[1024];
    int port_given;
    int offline;
    int unsafe;
    int tui_running; /* the explorer has the terminal: notes go to --log only */
    int no_cache; /* --no-cache, MPEEK_NO_CACHE: no attach cache (attcache.h)
                     or qstr cache (qcache.h) read or written */
    const char *board;
    const char *theme;
    int no_color;
    int refresh_ms;
    char port_label[256]; /* the port's name, kept over reconnects */
    const char *ld[SESSION_MAX_LIST];
    size_t nld;
    const char *ld_path[SESSION_MAX_LIST];
    size_t nld_path;
    const char *ld_defsym[SESSION_MAX_LIST];
    size_t nld_defsym;
    const char *image_path[SESSION_MAX_LIST];
    size_t nimage;
    int have_base;
    uint32_t base;
    /* The command's one read, known before attaching (read ADDR LEN): sent
     * right behind the warm probe where that is safe (mread_prefetch). */
    int first_read;
    uint32_t first_addr, first_len;

    /* What session_open builds. */
    struct image *img[SESSION_MAX_LIST];
    struct serial *serial;
    struct rrepl *rrepl;
    struct board_info info;
    struct mread *reader;
    struct profile_set profiles;
    struct ldscript *ldscript;
    struct rmap *map;
    struct discover_info disc;
    /* A snapshot among the images (at most one): with no board, its
     * regions, heap map and board info are the session's. */
    struct snapshot *snap;
    char snap_path[1024];

    /* Set by a signal: stop what is being done. */
    volatile sig_atomic_t *cancel;
};

/* Defaults: port auto, timeout 3 s, progress auto. */
void session_init(struct session *s);

/* Add a value of a repeatable option (at most SESSION_MAX_LIST). */
int session_list_add(const char **list, size_t *n, const char *v,
                     const char *what, struct rc_msg *msg);
/* FILE of open/verify goes before any --image. */
int session_image_first(struct session *s, const char *path,
                        struct rc_msg *msg);

/* Build what needs (CMD_* of cmd.h) asks for: the images are loaded, the
 * signal handlers set and the board attached (unless s->offline), the map
 * built.  Either way session_close() (offline) or session_leave() (online)
 * follows. */
int session_load_images(struct session *s, struct rc_msg *msg);
void session_free_images(struct session *s);
int session_open_log(struct session *s, struct rc_msg *msg);
void session_signals(void);
int session_attach(struct session *s, unsigned needs, struct rc_msg *msg);
int session_build_map(struct session *s, struct rc_msg *msg);

/* Give the board back and say how it was left: the command ended with rc
 * and msg; returns the rc to exit with (msg updated). */
int session_leave(struct session *s, int rc, struct rc_msg *msg);
/* Free the map and images (after session_leave, or offline). */
void session_close(struct session *s);

/* The explorer's way back to a board that went away (worker.h). */
int session_reconnect(void *ctx, struct rc_msg *msg);

/* Is any image a snapshot (by its first bytes; before loading)? */
int session_has_snapshot(const struct session *s);

/* The first image with symbols (an ELF that was not stripped), else the
 * first image, else NULL. */
const struct image *session_symbol_image(const struct session *s);

/* Signals received, and the first one (0 when none). */
int session_signal_count(void);
int session_first_signal(void);

#endif
