/*
 * cmd.h: the commands, one table entry each (src/cmd.c), one file each
 * (src/cmd_NAME.c), as tmux's cmd-*.c.
 *
 * An entry says what the command needs (CMD_* flags: the session builds
 * only that, session.h), whether it works without a board, how it reads
 * its arguments and what it runs.  A new command is one new file plus one
 * line in the table.
 */
#ifndef MPEEK_CMD_H
#define MPEEK_CMD_H

#include <stdint.h>
#include <stdio.h>

#include "frozen.h"
#include "frozen_manifest.h"
#include "rc.h"
#include "rmap.h"

struct session;

#define MPEEK_VERSION "0.2.0"

/* What a command needs. */
#define CMD_BOARD   0x01u /* the link to the board (unless offline) */
#define CMD_MAP     0x02u /* the region map */
#define CMD_GUARD   0x04u /* the map, only to refuse reads outside the
                           * known memory: not built with --unsafe */
/* The next two say what the command uses of what building the map asks
 * the board; session.c says what is fetched today. */
#define CMD_HEAP    0x08u /* the GC heap map (mem_info(1)) */
#define CMD_MODULES 0x10u /* the board's module list (help('modules')) */
#define CMD_TTY     0x20u /* a terminal */
#define CMD_COMPARE 0x40u /* takes --compare */
#define CMD_DEPTH   0x80u /* takes --depth and --max-items */
#define CMD_PICTURE 0x100u /* takes --map (the heap picture) */
#define CMD_PROBE   0x200u /* reports what the board has: probed in full,
                            * never from the attach cache (attcache.h) */

/* What the command line gave, for the parse and run functions. */
struct cmd_args {
    const char *name;       /* the command as typed */
    char **rest;            /* its arguments */
    int nrest;
    const char *out_path;   /* -o */
    const char *format;     /* --format */
    const char *compare;    /* --compare */
    const char *depth;      /* --depth */
    const char *max_items;  /* --max-items */
    int picture;            /* --map */

    /* Parsed. */
    uint64_t addr, len;
    int have_start;         /* view/open: a start address was given */
    const char *start_expr; /* view/open: ADDR when not a number */
    int hex;                /* read --format hex */
    enum rmap_format mfmt;
    enum frozen_format ffmt;
    int differs;            /* set by run: exit status 3 */
};

/* parse's answer when it did the whole command itself. */
#define CMD_DONE 1

struct cmd_entry {
    const char *name;
    const char *usage;      /* its lines of mpeek --help */
    unsigned needs;         /* CMD_* */
    int offline;            /* works without a board */
    /* Why a terminal is needed: "for scripts use ..." (CMD_TTY). */
    const char *scripts;
    /* Offline without an image: this error (NULL: allowed). */
    const char *offline_needs_image;
    /* Check and read the arguments (before anything is opened); may set
     * s->offline, add images.  RC_OK, CMD_DONE, or an error. */
    int (*parse)(struct cmd_args *a, struct session *s, struct rc_msg *msg);
    int (*run)(struct session *s, struct cmd_args *a, struct rc_msg *msg);
};

/* The table, in the order of mpeek --help; NULL-terminated. */
extern const struct cmd_entry *const cmd_table[];
const struct cmd_entry *cmd_find(const char *name);
/* The names of the entries with all of the needs bits (and offline when
 * offline_only), in table order, as "a, b or c" (last_sep " or " or
 * " and "), into out. */
const char *cmd_names(unsigned needs, int offline_only, const char *last_sep,
                      char *out, size_t size);

/* The entries, one per file. */
extern const struct cmd_entry cmd_view_entry, cmd_info_entry,
    cmd_regions_entry, cmd_read_entry, cmd_where_entry, cmd_heap_entry,
    cmd_ports_entry, cmd_open_entry, cmd_verify_entry, cmd_frozen_entry,
    cmd_obj_entry, cmd_snapshot_entry, cmd_modules_entry,
    cmd_dis_entry;

/*
 * Output of text that may hold text from outside (a board's strings, names
 * in files and images): control characters and bytes that are not UTF-8
 * are shown escaped ("\x1b"), never sent to the terminal as they are.
 * Newlines are kept: they come from the formats.  Fields that must stay on
 * one line are escaped whole with cmd_esc() first.
 */
int cmd_put_text(FILE *f, const char *s, size_t n);
void cmd_outf(FILE *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#define CMD_ESC_MAX 2048
const char *cmd_esc(const char *s, char out[CMD_ESC_MAX]);
/* fflush(stdout), or RC_IO. */
int cmd_flush(struct rc_msg *msg);

/* A range read into memory, with a progress bar on stderr. */
struct cmd_read_ctx {
    uint8_t *data;
    uint32_t base;
    int show;
    int64_t start;
    int64_t last;
};
/* Start: the bar shows when s->progress says so (auto: stderr a tty). */
void cmd_read_start(struct cmd_read_ctx *c, const struct session *s);
/* The bar, cleared when it was shown. */
void cmd_read_end(const struct cmd_read_ctx *c);
void cmd_read_chunk(void *ctx, uint32_t addr, const uint8_t *data, size_t len);
void cmd_read_progress(void *ctx, uint64_t done, uint64_t total);

/* --format for the table-like commands: 0 table (also when not given),
 * 1 csv, 2 json. */
int cmd_parse_tcj(const char *format, const char *cmd, int *out,
                  struct rc_msg *msg);

#endif
