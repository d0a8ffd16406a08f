/*
 * main.c: the mpeek command line.
 *
 *   mpeek [OPTIONS] info
 *   mpeek [OPTIONS] read ADDR LEN [-o FILE] [--format bin|hex]
 *   mpeek ports
 *
 * main() builds one struct app (port, engine, board, reader) and passes it
 * down; the only globals are the signal flags the handlers set.
 *
 * Signals: the first SIGINT, SIGTERM or SIGHUP stops the command; mpeek
 * then gives the board back (stops its helper, deletes it, leaves the raw
 * REPL).  A second signal does not stop that clean-up, a third abandons it;
 * it is bounded in time anyway.  What mpeek prints at the end says what the
 * clean-up achieved, and the exit status is 128 + the first signal's
 * number (130, 143, 129).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board.h"
#include "discover.h"
#include "frozen.h"
#include "frozen_manifest.h"
#include "frozen_notes.h"
#include "fscan.h"
#include "image.h"
#include "ldscript.h"
#include "mapsrc.h"
#include "profile.h"
#include "rmap.h"
#include "tui.h"
#include "clock.h"
#include "pcache.h"
#include "emu.h"
#include "fmt.h"
#include "mread.h"
#include "ofile.h"
#include "rrepl.h"
#include "serial.h"
#include "verify.h"

#define MPEEK_VERSION "0.2.0"
#define MAX_LIST 32

static volatile sig_atomic_t g_cancel;   /* stop what is being done */
static volatile sig_atomic_t g_signals;  /* signals received */
static volatile sig_atomic_t g_signo;    /* the first one */
static volatile sig_atomic_t g_cleaning; /* giving the board back */

#define ABANDON_SIGNALS 3 /* the signal that abandons the clean-up */

static void on_signal(int sig)
{
    if (g_signals == 0) {
        g_signo = sig;
    }
    if (g_signals < 1000) {
        g_signals++;
    }
    if (!g_cleaning || g_signals >= ABANDON_SIGNALS) {
        g_cancel = 1;
    }
}

/*
 * Output of text that may hold text from outside (a board's strings, names
 * in files and images): control characters and bytes that are not UTF-8
 * are shown escaped ("\x1b"), never sent to the terminal as they are.
 * Newlines are kept: they come from the formats.  Fields that must stay on
 * one line are escaped whole with esc() first.
 */
static int put_text(FILE *f, const char *s, size_t n)
{
    struct buf b;
    buf_init(&b);
    int rc = fmt_escape_buf(&b, s, n, "\n");
    int bad = rc != RC_OK || fwrite(b.data, 1, b.len, f) != b.len;
    buf_fini(&b);
    return bad ? -1 : 0;
}

__attribute__((format(printf, 2, 3)))
static void outf(FILE *f, const char *fmt, ...)
{
    char small[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    if ((size_t)n < sizeof small) {
        put_text(f, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (big == NULL) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    put_text(f, big, (size_t)n);
    free(big);
}

/* One field of outside text, escaped whole (newlines too). */
#define ESC_MAX 2048
static const char *esc(const char *s, char out[ESC_MAX])
{
    return fmt_esc(s, out, ESC_MAX);
}

struct app {
    const char *port;
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
    const char *board;
    const char *theme;
    int no_color;
    int refresh_ms;
    char port_label[256]; /* the port's name, kept over reconnects */
    const char *ld[MAX_LIST];
    size_t nld;
    const char *ld_path[MAX_LIST];
    size_t nld_path;
    const char *ld_defsym[MAX_LIST];
    size_t nld_defsym;
    const char *image_path[MAX_LIST];
    size_t nimage;
    int have_base;
    uint32_t base;
    struct image *img[MAX_LIST];

    struct serial *serial;
    struct rrepl *rrepl;
    struct board_info info;
    struct mread *reader;
    struct profile_set profiles;
    struct ldscript *ldscript;
    struct rmap *map;
    struct discover_info disc;
};

static void usage(FILE *f)
{
    fputs(
        "usage: mpeek [OPTIONS] COMMAND [ARGS]\n"
        "\n"
        "Look inside the memory of a running MicroPython board.\n"
        "\n"
        "commands:\n"
        "  view [ADDR]               the explorer: a scrollable, coloured hex view\n"
        "                            (the default in a terminal)\n"
        "  info                      what the board is and how mpeek reads it\n"
        "  regions                   the memory map: board, linker script, profile\n"
        "       --format table|csv|json\n"
        "  read ADDR LEN             read memory (ADDR, LEN: 0x.., decimal, K/M)\n"
        "       -o, --output FILE    write the bytes to FILE (raw binary)\n"
        "       --format bin|hex     bin: raw bytes; hex: xxd-style dump\n"
        "  where ADDR                what is at ADDR: regions, heap object\n"
        "  heap                      the GC heap: objects and blocks per kind\n"
        "  ports                     list serial ports\n"
        "  open FILE [ADDR]          the explorer on a firmware image alone, no board\n"
        "  verify IMAGE              does the board hold the image's bytes? (exit 0:\n"
        "                            all equal, 3: some differ, 1: error)\n"
        "  frozen                    frozen modules: name, address, size, sha256\n"
        "                            (from --image ELF, else from the board)\n"
        "       --format table|csv|json\n"
        "       --compare MANIFEST   same/changed/added/removed against a saved\n"
        "                            manifest (exit 3 when anything changed)\n"
        "\n"
        "options:\n"
        "  -p, --port PORT    auto (default), a device path, id:SERIAL, a0/u0/c0,\n"
        "                     tcp:HOST:PORT, execpty:COMMAND, or emu (start the\n"
        "                     emulated BBC micro:bit in QEMU)\n"
        "  -b, --baud N       baud rate (default 115200)\n"
        "      --dtr on|off   DTR line level (default on: keeps ESP boards running)\n"
        "      --rts on|off   RTS line level (default on)\n"
        "  -t, --timeout S    seconds of silence before giving up (default 3)\n"
        "      --ld FILE      the firmware's GNU ld linker script (repeatable)\n"
        "      --ld-path DIR  where INCLUDEs in linker scripts are found (repeatable)\n"
        "      --ld-defsym NAME=VALUE  a symbol as ld --defsym gives it (repeatable)\n"
        "      --board NAME   use this built-in board profile (see 'mpeek regions\n"
        "                     --board list')\n"
        "      --image FILE   a firmware image: ELF, Intel HEX, UF2, or a raw binary\n"
        "                     with --base (or FILE@ADDR); repeatable\n"
        "      --base ADDR    where raw binary images start\n"
        "      --offline      no board: the map from --ld, --board and --image only\n"
        "      --unsafe       read outside the regions known to be mapped\n"
        "      --theme NAME   explorer colours: default, light, high-contrast, mono,\n"
        "                     or your own in ~/.config/mpeek/themes\n"
        "      --no-color     monochrome explorer (also when NO_COLOR is set)\n"
        "      --refresh MS   live watch period in the explorer (default 500)\n"
        "      --method M     auto (default), bin, b64, hex or words\n"
        "      --chunk N      bytes per verified chunk (default: sized to the\n"
        "                     board's free heap; a MemoryError halves it)\n"
        "      --no-progress  no progress bar\n"
        "      --log FILE     write a log of every byte on the wire to FILE\n"
        "  -h, --help         this help\n"
        "  -V, --version      print the version\n",
        f);
}

/* --format for the table-like commands: 0 table (also when not given),
 * 1 csv, 2 json. */
static int parse_tcj(const char *format, const char *cmd, int *out,
                     struct rc_msg *msg)
{
    static const char *const names[] = {"table", "csv", "json"};
    for (int i = 0; i < 3; i++) {
        if (format == NULL || strcmp(format, names[i]) == 0) {
            *out = i;
            return RC_OK;
        }
    }
    return rc_set(msg, RC_ARG, "--format takes table, csv or json for %s, "
                  "not '%s'", cmd, format);
}

static int parse_line(const char *v, const char *what, int *out,
                      struct rc_msg *msg)
{
    if (strcmp(v, "on") == 0 || strcmp(v, "1") == 0) {
        *out = SERIAL_LINE_ON;
    } else if (strcmp(v, "off") == 0 || strcmp(v, "0") == 0) {
        *out = SERIAL_LINE_OFF;
    } else if (strcmp(v, "keep") == 0) {
        *out = SERIAL_LINE_KEEP;
    } else {
        return rc_set(msg, RC_ARG, "--%s takes on, off or keep, not '%s'",
                      what, v);
    }
    return RC_OK;
}

/* "emu" is the emulated micro:bit: QEMU with Debian's firmware. */
static int resolve_emu(struct app *app, struct rc_msg *msg)
{
    if (strcmp(app->port, "emu") != 0) {
        return RC_OK;
    }
    int rc = emu_port_spec(NULL, NULL, app->emu_cmd, sizeof app->emu_cmd, msg);
    if (rc < 0) {
        return rc;
    }
    app->port = app->emu_cmd;
    if (app->timeout_ms < 5000) {
        /* The emulator may still be booting when we first knock. */
        app->timeout_ms = 5000;
    }
    return RC_OK;
}

static int app_connect(struct app *app, struct rc_msg *msg)
{
    int rc = resolve_emu(app, msg);
    if (rc < 0) {
        return rc;
    }
    app->sopts.cancel = &g_cancel;
    rc = serial_open(app->port, &app->sopts, &app->serial, msg);
    if (rc < 0) {
        return rc;
    }
    struct rrepl_io io;
    rrepl_io_serial(&io, app->serial);
    struct rrepl_opts ro = {
        .timeout_ms = app->timeout_ms,
        .cancel = &g_cancel,
        .log = app->log,
        .baud = app->sopts.baud,
    };
    if (rrepl_new(&io, &ro, &app->rrepl) != RC_OK) {
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    rc = rrepl_enter(app->rrepl, msg);
    if (rc < 0) {
        return rc;
    }
    rc = board_probe(app->rrepl, &app->info, msg);
    if (rc < 0) {
        return rc_prefix(msg, rc, "asking the board what it is");
    }
    if (app->method != NULL) {
        rc = board_force_method(&app->info, app->method, msg);
        if (rc < 0) {
            return rc;
        }
    }
    if (app->chunk > 0) {
        app->info.method.chunk = app->chunk;
    }
    if (mread_new(app->rrepl, &app->info, &app->reader) != RC_OK) {
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    return RC_OK;
}

enum gave_back {
    GAVE_NOTHING,  /* no board was reached, or the link is gone */
    GAVE_CLEAN,    /* at its friendly prompt, mpeek's names deleted */
    GAVE_UNKNOWN,  /* it did not answer: state unknown (what says more) */
};

/* Give the board back in the friendly REPL and close everything.  failure
 * is the rc the command ended with.  A board that does not answer within
 * the clean-up's time (or when a third signal abandons it) is sent the
 * keys that restore it once it runs again, and what says how it may be
 * left and how to restore it. */
static enum gave_back app_disconnect(struct app *app, int failure,
                                     char *what, size_t whatsize)
{
    struct rc_msg msg;
    enum gave_back gave = GAVE_NOTHING;
    what[0] = 0;
    /* A signal may have got us here: clean up all the same; only the
     * third signal stops that (on_signal). */
    g_cleaning = 1;
    g_cancel = g_signals >= ABANDON_SIGNALS;
    struct rrepl *r = app->rrepl;
    if (r != NULL && failure != RC_CLOSED) {
        int t = rrepl_timeout(r);
        rrepl_set_deadline(r, clock_ms() + 2 * (int64_t)t + 5000);
        int rc = RC_OK;
        if (rrepl_pending(r) > 0 || failure == RC_CANCEL ||
            failure == RC_PROTO || failure == RC_VERIFY ||
            failure == RC_TIMEOUT) {
            rc = rrepl_resync(r, &msg);
        }
        if (rc == RC_OK) {
            rc = board_uninstall(r, &msg);
        }
        if (rc == RC_OK || rc == RC_DEVICE) {
            rc = rrepl_leave(r, &msg);
        }
        if (rc == RC_OK) {
            gave = GAVE_CLEAN;
        } else if (rc != RC_CLOSED) {
            /* Maybe only stalled (even when attaching failed: the keys
             * that enter the raw REPL were sent): what we sent runs when
             * it wakes up, so end that with the way back (even when
             * abandoning). */
            g_cancel = 0;
            rrepl_abandon(r);
        }
        if (gave != GAVE_CLEAN && rc != RC_CLOSED &&
            (rrepl_entered(r) || failure == RC_CANCEL)) {
            gave = GAVE_UNKNOWN;
            const char *why = g_signals >= ABANDON_SIGNALS
                ? "the clean-up was abandoned" : "it did not answer";
            char helper[64] = "", del[64] = "";
            if (rrepl_names_claimed(r)) {
                snprintf(helper, sizeof helper, " with mpeek's helper %s",
                         rrepl_names(r));
                snprintf(del, sizeof del, ", then type del %s", rrepl_names(r));
            }
            snprintf(what, whatsize, "%s, so the state of the board on %s is "
                     "unknown: it may be in the raw REPL%s; mpeek sent the "
                     "keys that restore it once it runs again; else reset it "
                     "(or press Ctrl-C, Ctrl-B in a terminal%s)", why,
                     serial_name(app->serial), helper, del);
        }
        rrepl_set_deadline(r, 0);
    }
    mread_free(app->reader);
    app->reader = NULL;
    rrepl_free(app->rrepl);
    app->rrepl = NULL;
    serial_close(app->serial);
    app->serial = NULL;
    g_cleaning = 0;
    return gave;
}

/* Load every --image: FILE, or FILE@ADDR for a raw binary at ADDR. */
static int app_load_images(struct app *app, struct rc_msg *msg)
{
    for (size_t i = 0; i < app->nimage; i++) {
        const char *spec = app->image_path[i];
        char path[1024];
        uint32_t base = app->base;
        int have_base = app->have_base;
        snprintf(path, sizeof path, "%s", spec);
        const char *at = strrchr(spec, '@');
        if (at != NULL && at != spec && access(spec, F_OK) != 0) {
            uint64_t v;
            struct rc_msg m2;
            if (fmt_parse_u64(at + 1, "ADDR", &v, &m2) == RC_OK &&
                v <= 0xffffffffULL) {
                snprintf(path, sizeof path, "%.*s", (int)(at - spec), spec);
                base = (uint32_t)v;
                have_base = 1;
            }
        }
        int rc = image_load(path, base, have_base, &app->img[i], msg);
        if (rc < 0) {
            return rc;
        }
        if (have_base && app->img[i]->kind != IMAGE_BIN) {
            outf(stderr, "mpeek: warning: %s is %s file with its own "
                    "addresses; the base address 0x%08x is not used\n", path,
                    app->img[i]->kind == IMAGE_ELF ? "an ELF"
                    : app->img[i]->kind == IMAGE_UF2 ? "a UF2" : "an Intel HEX",
                    (unsigned)base);
        }
    }
    return RC_OK;
}

/* FILE of open/verify goes before any --image. */
static int image_first(struct app *app, const char *path, struct rc_msg *msg)
{
    if (app->nimage == MAX_LIST) {
        return rc_set(msg, RC_ARG, "too many images (at most %d)", MAX_LIST);
    }
    memmove(app->image_path + 1, app->image_path,
            app->nimage * sizeof app->image_path[0]);
    app->image_path[0] = path;
    app->nimage++;
    return RC_OK;
}

static void app_free_images(struct app *app)
{
    for (size_t i = 0; i < app->nimage; i++) {
        image_free(app->img[i]);
        app->img[i] = NULL;
    }
}

/* The first image with symbols (an ELF that was not stripped), else the
 * first image, else NULL. */
static const struct image *app_symbol_image(const struct app *app)
{
    for (size_t i = 0; i < app->nimage; i++) {
        if (app->img[i] != NULL && app->img[i]->nsyms > 0) {
            return app->img[i];
        }
    }
    return app->nimage > 0 ? app->img[0] : NULL;
}

/* Board memory for the frozen-module walk: guarded by the map, read in
 * whole 256-byte pages where the map allows, kept in a page cache. */
struct board_mem {
    struct app *app;
    struct pcache *cache;
};

/* A verified piece read for the walk: into the cache (ctx). */
static void mem_chunk(void *ctx, uint32_t addr, const uint8_t *data, size_t len)
{
    pcache_put(ctx, addr, data, len);
}

static int board_mem_read(void *ctx, uint32_t addr, uint32_t len, uint8_t *out,
                          struct rc_msg *msg)
{
    struct board_mem *bm = ctx;
    struct app *app = bm->app;
    if (len == 0) {
        return RC_OK;
    }
    if ((uint64_t)addr + len > 0x100000000ULL) {
        return rc_set(msg, RC_ARG, "0x%08x+%u runs past the address space",
                      (unsigned)addr, (unsigned)len);
    }
    if (!pcache_have(bm->cache, addr, len)) {
        uint32_t a = addr & ~(PCACHE_PAGE - 1);
        uint64_t e = ((uint64_t)addr + len + PCACHE_PAGE - 1) & ~(uint64_t)(PCACHE_PAGE - 1);
        int word_only = 0;
        if (app->unsafe || rmap_check_read(app->map, a, e - a, &word_only, NULL) == RC_OK) {
            /* whole pages */
        } else {
            a = addr;
            e = (uint64_t)addr + len;
            if (rmap_check_read(app->map, a, e - a, &word_only, msg) < 0) {
                return rc_prefix(msg, RC_ARG, "not reading the board");
            }
        }
        struct mread_cb cb = {mem_chunk, NULL, bm->cache};
        int rc = word_only ? mread_read_words(app->reader, a, (uint32_t)(e - a), &cb, msg)
                           : mread_read(app->reader, a, (uint32_t)(e - a), &cb, msg);
        if (rc < 0) {
            return rc;
        }
    }
    for (uint32_t i = 0; i < len; i++) {
        if (pcache_get(bm->cache, addr + i, &out[i], NULL) != PCACHE_OK) {
            return rc_set(msg, RC_VERIFY, "0x%08x was not read", (unsigned)(addr + i));
        }
    }
    return RC_OK;
}

static const char *yesno(int v)
{
    return v > 0 ? "yes" : "no";
}

static int cmd_info(struct app *app, struct rc_msg *msg)
{
    struct board_info *in = &app->info;
    int rc = board_install(app->rrepl, in, msg);
    if (rc < 0) {
        return rc;
    }
    char buf[256];
    outf(stdout, "port: %s\n", serial_name(app->serial));
    outf(stdout, "implementation: %s\n", in->impl);
    outf(stdout, "version: %s\n", in->version);
    if (in->firmware[0]) {
        outf(stdout, "firmware: %s\n", in->firmware);
    }
    outf(stdout, "machine: %s\n", in->machine[0] ? in->machine : "unknown");
    outf(stdout, "platform: %s\n", in->platform);
    outf(stdout, "raw-paste: %s\n", yesno(rrepl_has_raw_paste(app->rrepl)));
    buf[0] = 0;
    if (in->uctypes) {
        strcat(buf, "uctypes.bytes_at, ");
    }
    if (in->mem8) {
        strcat(buf, "machine.mem8, ");
    }
    if (in->mem16) {
        strcat(buf, "machine.mem16, ");
    }
    if (in->mem32) {
        strcat(buf, "machine.mem32, ");
    }
    if (buf[0]) {
        buf[strlen(buf) - 2] = 0;
    } else {
        strcpy(buf, "none");
    }
    outf(stdout, "memory access: %s\n", buf);
    buf[0] = 0;
    if (in->binary_clean == 1) {
        strcat(buf, in->stdout_buffer ? "binary (sys.stdout.buffer, 8-bit clean), "
                                      : "binary (microbit.uart, 8-bit clean), ");
    } else if (in->binary_clean == 0) {
        strcat(buf, "binary writer present but the line is not 8-bit clean, ");
    }
    if (in->b64) {
        strcat(buf, "binascii base64, ");
    }
    if (in->hexlify) {
        strcat(buf, "binascii hex, ");
    }
    strcat(buf, "plain print");
    outf(stdout, "encodings: %s\n", buf);
    outf(stdout, "hashlib.sha256: %s\n", yesno(in->sha256));
    outf(stdout, "free heap: %ld bytes\n", in->free_heap);
    if (in->helper_heap >= 0) {
        outf(stdout, "helper heap: %ld bytes\n", in->helper_heap);
    }
    outf(stdout, "read method: %s\n", board_method_name(&in->method, buf, sizeof buf));
    outf(stdout, "chunk size: %u bytes\n", in->method.chunk);
    return fflush(stdout) == 0 ? RC_OK
                               : rc_set(msg, RC_IO, "writing to stdout: %s",
                                        strerror(errno));
}

struct read_ctx {
    uint8_t *data;
    uint32_t base;
    int show;
    int64_t start;
    int64_t last;
};

static void read_chunk(void *ctx, uint32_t addr, const uint8_t *data,
                       size_t len)
{
    struct read_ctx *rc = ctx;
    memcpy(rc->data + (addr - rc->base), data, len);
}

static void read_progress(void *ctx, uint64_t done, uint64_t total)
{
    struct read_ctx *rc = ctx;
    int64_t now = clock_ms();
    if (!rc->show || now - rc->start < 500 || (now - rc->last < 100 && done < total)) {
        return;
    }
    rc->last = now;
    char line[100];
    fmt_progress(done, total, (double)(now - rc->start) / 1000.0, line,
                 sizeof line);
    fprintf(stderr, "\r%s", line);
    if (done >= total) {
        fputs("\r\033[K", stderr);
    }
}

static int write_all(FILE *f, const void *p, size_t n)
{
    return fwrite(p, 1, n, f) == n ? 0 : -1;
}

static int cmd_read(struct app *app, uint32_t addr, uint32_t len,
                    const char *out_path, int hex, struct rc_msg *msg)
{
    struct read_ctx ctx = {0};
    ctx.data = malloc(len);
    if (ctx.data == NULL) {
        return rc_set(msg, RC_NOMEM, "cannot hold %u bytes in memory",
                      (unsigned)len);
    }
    ctx.base = addr;
    ctx.show = app->progress > 0 || (app->progress < 0 && isatty(2));
    ctx.start = ctx.last = clock_ms();
    struct mread_cb cb = {read_chunk, read_progress, &ctx};
    int rc = mread_read(app->reader, addr, len, &cb, msg);
    if (ctx.show && clock_ms() - ctx.start >= 500) {
        fputs("\r\033[K", stderr);
    }
    if (rc < 0) {
        free(ctx.data);
        return rc;
    }
    FILE *f = stdout;
    struct ofile of = {0};
    if (out_path != NULL && strcmp(out_path, "-") != 0) {
        if ((rc = ofile_open(&of, out_path, msg)) < 0) {
            free(ctx.data);
            return rc;
        }
        f = of.f;
    }
    int bad = 0;
    if (hex) {
        char line[100];
        for (uint64_t off = 0; off < len && !bad && !g_cancel; off += 16) {
            size_t n = len - off < 16 ? (size_t)(len - off) : 16;
            size_t l = fmt_xxd_line((uint32_t)(addr + off), ctx.data + off, n,
                                    line);
            bad = write_all(f, line, l);
        }
    } else {
        bad = write_all(f, ctx.data, len);
    }
    free(ctx.data);
    if (f != stdout) {
        /* FILE is replaced whole, or left as it was. */
        if (g_cancel) {
            ofile_abort(&of);
            return rc_set(msg, RC_CANCEL, "interrupted: %s is left as it was",
                          out_path);
        }
        return ofile_commit(&of, msg);
    }
    bad |= fflush(f) != 0;
    if (bad) {
        return rc_set(msg, RC_IO, "writing stdout: %s", strerror(errno));
    }
    return RC_OK;
}

static int cmd_ports(struct rc_msg *msg)
{
    struct serial_port_info *ports = NULL;
    size_t n = 0;
    int rc = serial_list_ports(&ports, &n, msg);
    if (rc < 0) {
        return rc;
    }
    if (n == 0) {
        outf(stdout, "no serial ports found (use --port emu for the emulated "
               "micro:bit)\n");
    }
    for (size_t i = 0; i < n; i++) {
        const struct serial_port_info *p = &ports[i];
        if (p->usb) {
            outf(stdout, "%-28s %04x:%04x  serial=%s  %s%s%s%s\n", p->path, p->vid,
                   p->pid, p->serial[0] ? p->serial : "-", p->manufacturer,
                   p->manufacturer[0] ? " " : "",
                   p->product[0] ? p->product : p->description,
                   p->micropython ? "  [micropython]" : "");
        } else {
            outf(stdout, "%-28s %s\n", p->path, p->description);
        }
    }
    free(ports);
    return RC_OK;
}

static int list_add(const char **list, size_t *n, const char *v,
                    const char *what, struct rc_msg *msg)
{
    if (*n == MAX_LIST) {
        return rc_set(msg, RC_ARG, "too many %s options (at most %d)", what,
                      MAX_LIST);
    }
    list[(*n)++] = v;
    return RC_OK;
}

static void print_profile_names(const struct profile_set *set, FILE *f)
{
    for (size_t i = 0; i < set->n; i++) {
        outf(f, "%-18s %s\n", set->p[i].name, set->p[i].description);
    }
}

/* Build the region map: profile, linker scripts, and (when connected) what
 * the board reports. */
static int app_build_map(struct app *app, int connected, struct rc_msg *msg)
{
    int rc = rmap_new(&app->map);
    if (rc < 0) {
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    char dir[512];
    struct rc_msg pm = {{0}};
    profile_default_dir(dir, sizeof dir);
    int prc = profile_load_dir(dir, &app->profiles, &pm);
    if (prc == RC_PARSE || prc == RC_IO) {
        char e[ESC_MAX];
        outf(stderr, "mpeek: warning: %s (that profile is skipped)\n", esc(pm.text, e));
    }
    const struct profile *prof = NULL;
    if (app->board != NULL) {
        if (prc == RC_NOTFOUND) {
            return rc_set(msg, RC_NOTFOUND, "%s", pm.text);
        }
        prof = profile_find(&app->profiles, app->board);
        if (prof == NULL) {
            char names[300] = "";
            for (size_t i = 0; i < app->profiles.n; i++) {
                size_t l = strlen(names);
                snprintf(names + l, sizeof names - l, "%s%s", i ? ", " : "",
                         app->profiles.p[i].name);
            }
            return rc_set(msg, RC_ARG, "no board profile '%s' (known: %s)",
                          app->board, names);
        }
    } else if (connected) {
        prof = profile_choose(&app->profiles, app->info.platform,
                              app->info.machine);
    }
    if (prof != NULL) {
        discover_add_profile(app->map, prof);
        rmap_note(app->map, "profile %s: %s", prof->name, prof->description);
    } else if (prc == RC_NOTFOUND) {
        rmap_note(app->map, "%s", pm.text);
    } else if (connected) {
        rmap_note(app->map, "no built-in profile matches this board (platform "
                  "'%s', machine '%s'): name one with --board, or give the "
                  "firmware's linker script with --ld", app->info.platform,
                  app->info.machine);
    }
    if (app->nld > 0) {
        struct ldscript_opts lo = {
            .search_dirs = app->ld_path,
            .nsearch = app->nld_path,
            .defsyms = app->ld_defsym,
            .ndefsyms = app->nld_defsym,
        };
        rc = ldscript_new(&lo, &app->ldscript);
        if (rc < 0) {
            return rc_set(msg, rc, "bad --ld-defsym: give NAME=VALUE, e.g. "
                          "--ld-defsym _estack_reserve=8");
        }
        for (size_t i = 0; i < app->nld; i++) {
            rc = ldscript_load(app->ldscript, app->ld[i], msg);
            if (rc < 0) {
                return rc;
            }
        }
        for (size_t i = 0; i < ldscript_diag_count(app->ldscript); i++) {
            char e[ESC_MAX];
            outf(stderr, "mpeek: %s\n", esc(ldscript_diag(app->ldscript, i), e));
        }
        mapsrc_add_ld(app->map, app->ldscript);
    }
    for (size_t i = 0; i < app->nimage; i++) {
        mapsrc_add_image(app->map, app->img[i]);
        /* No board's map: does the image say which board it is for? */
        char names[200];
        size_t nb = prof == NULL && !connected && app->nld == 0
                        ? mapsrc_image_boards(&app->profiles, app->img[i], names,
                                              sizeof names)
                        : 0;
        if (nb > 0 && app->hint[0] == 0) {
            const char *base = strrchr(app->img[i]->path, '/');
            base = base ? base + 1 : app->img[i]->path;
            char first[64];
            snprintf(first, sizeof first, "%.*s", (int)strcspn(names, ","), names);
            if (nb == 1) {
                snprintf(app->hint, sizeof app->hint, "%.80s looks like an image for "
                         "the board %s: --board %s adds its memory map", base, names,
                         first);
            } else {
                snprintf(app->hint, sizeof app->hint, "%.80s looks like an image for "
                         "the boards %s: --board %s (or another of them) adds the "
                         "board's memory map", base, names, first);
            }
            rmap_note(app->map, "%s", app->hint);
        }
    }
    if (connected) {
        discover_info_init(&app->disc);
        rc = discover_run(app->rrepl, prof, app->map, &app->disc, msg);
        if (rc < 0) {
            return rc_prefix(msg, rc, "asking the board about its memory");
        }
    }
    rmap_finish(app->map);
    return RC_OK;
}

/* The worker's way back to a board that went away: reopen the same port
 * (by USB serial number when known), re-enter the raw REPL.  Runs on the
 * worker thread while the explorer owns the link. */
static int app_reconnect(void *ctx, struct rc_msg *msg)
{
    struct app *app = ctx;
    char spec[300];
    const char *usb = serial_usb_serial(app->serial);
    if (strncmp(app->port, "execpty:", 8) == 0) {
        return rc_set(msg, RC_UNSUPP, "an emulator that stopped is not restarted");
    }
    if (usb != NULL && usb[0] != 0) {
        snprintf(spec, sizeof spec, "id:%s", usb);
    } else if (strcmp(app->port, "auto") == 0) {
        snprintf(spec, sizeof spec, "%s", serial_name(app->serial));
    } else {
        snprintf(spec, sizeof spec, "%s", app->port);
    }
    struct serial *s = NULL;
    int rc = serial_open(spec, &app->sopts, &s, msg);
    if (rc < 0) {
        return rc;
    }
    struct rrepl_io io, old;
    rrepl_io_serial(&old, app->serial);
    rrepl_io_serial(&io, s);
    rrepl_set_io(app->rrepl, &io);
    rc = rrepl_enter(app->rrepl, msg);
    if (rc < 0) {
        rrepl_set_io(app->rrepl, &old);
        serial_close(s);
        return rc;
    }
    serial_close(app->serial);
    app->serial = s;
    return RC_OK;
}

static void app_free_map(struct app *app)
{
    rmap_free(app->map);
    app->map = NULL;
    ldscript_free(app->ldscript);
    app->ldscript = NULL;
    profile_set_fini(&app->profiles);
    discover_info_fini(&app->disc);
}

/* The frozen module holding addr, and what its bytes there are (from the
 * image's own bytes). */
static void where_frozen(struct app *app, uint32_t addr)
{
    const struct image *img = app_symbol_image(app);
    if (img == NULL || img->nsyms == 0) {
        return;
    }
    struct frozen_mem mem;
    struct frozen_set set;
    struct rc_msg m;
    memset(&set, 0, sizeof set);
    frozen_mem_image(&mem, img);
    if (frozen_find(img, &mem, &set, &m) != RC_OK) {
        outf(stdout, "frozen modules: not known (%s)\n", m.text);
    } else {
        const struct frozen_mod *mod = frozen_at(&set, addr);
        if (mod != NULL) {
            outf(stdout, "frozen module: %s (%s, %u bytes, top level at 0x%08x)\n",
                   mod->name, mod->source ? "source" : "bytecode",
                   (unsigned)mod->size, (unsigned)mod->addr);
            struct frozen_notes notes;
            memset(&notes, 0, sizeof notes);
            if (!mod->source &&
                frozen_annotate(img, &mem, mod, &notes, &m) == RC_OK) {
                const struct frozen_note *n = frozen_note_at(&notes, addr);
                if (n != NULL) {
                    outf(stdout, "  0x%08x+%u: %s\n", (unsigned)n->addr,
                           (unsigned)n->len, n->text);
                }
            }
            frozen_notes_free(&notes);
        }
    }
    frozen_set_free(&set);
}

/* What is at addr: the chain of regions holding it, and the heap object. */
static int cmd_where(struct app *app, uint32_t addr, struct rc_msg *msg)
{
    const struct rmap_region *r = rmap_lookup_inner(app->map, addr);
    if (r == NULL) {
        outf(stdout, "0x%08x: in no known region (unmapped as far as mpeek knows)\n",
               (unsigned)addr);
    }
    int first = 1;
    while (r != NULL) {
        char size[24];
        fmt_size(r->end - r->start, size, sizeof size);
        outf(stdout, "%s%s +0x%x: %s, %s, from the %s (0x%08x-0x%08llx, %s)%s%s\n",
               first ? "" : "  in ", r->name, (unsigned)(addr - r->start),
               rmap_kind_name(r->kind), rmap_access_name(r->access),
               rmap_source_name(r->source), (unsigned)r->start,
               (unsigned long long)r->end, size, r->notes[0] ? ": " : "",
               r->notes);
        first = 0;
        r = r->parent >= 0 ? rmap_get(app->map, (size_t)r->parent) : NULL;
    }
    for (size_t i = 0; i < app->nimage; i++) {
        const struct image_sym *sy = image_sym_at(app->img[i], addr);
        if (sy != NULL) {
            outf(stdout, "symbol: %s+0x%x (%u bytes at 0x%08x) in %s\n", sy->name,
                   (unsigned)(addr - sy->addr), (unsigned)sy->size,
                   (unsigned)sy->addr, app->img[i]->path);
            break;
        }
    }
    where_frozen(app, addr);
    struct heapmap_hit hit;
    if (app->disc.have_heap && heapmap_lookup(&app->disc.heap, addr, &hit) == RC_OK) {
        unsigned bs = app->disc.heap.block_size;
        if (hit.state == HEAPMAP_FREE) {
            outf(stdout, "heap: block %u is free (a free run of %u blocks from 0x%08x)\n",
                   (unsigned)hit.block, (unsigned)hit.obj_blocks,
                   (unsigned)hit.head_addr);
        } else if (hit.orphan) {
            outf(stdout, "heap: block %u is a tail with no head before it\n",
                   (unsigned)hit.block);
        } else {
            outf(stdout, "heap: block %u: %s of a %u-block %s (%u bytes) at 0x%08x, "
                   "offset %u\n", (unsigned)hit.block,
                   hit.block_addr == hit.head_addr ? "head" : "tail",
                   (unsigned)hit.obj_blocks, heapmap_kind_name(hit.kind),
                   (unsigned)(hit.obj_blocks * bs), (unsigned)hit.head_addr,
                   (unsigned)(addr - hit.head_addr));
        }
    }
    return fflush(stdout) == 0 ? RC_OK
                               : rc_set(msg, RC_IO, "writing to stdout: %s",
                                        strerror(errno));
}

/* The GC heap as mem_info(1) describes it: totals and objects per kind. */
static int cmd_heap(struct app *app, struct rc_msg *msg)
{
    if (!app->disc.have_heap) {
        return rc_set(msg, RC_UNSUPP, "the board's micropython.mem_info(1) "
                      "gave no allocation table");
    }
    const struct heapmap *h = &app->disc.heap;
    struct heapmap_stats st;
    heapmap_stats(h, &st);
    char line[300];
    heapmap_summary(h, line, sizeof line);
    outf(stdout, "%s\n", line);
    for (size_t i = 0; i < h->nareas; i++) {
        outf(stdout, "area %zu: 0x%08x-0x%08llx, %u blocks of %u bytes\n", i + 1,
               (unsigned)h->areas[i].pool_start,
               (unsigned long long)h->areas[i].pool_start +
                   (unsigned long long)h->areas[i].nblocks * h->block_size,
               (unsigned)h->areas[i].nblocks, (unsigned)h->block_size);
    }
    outf(stdout, "%-10s %8s %8s %10s\n", "kind", "objects", "blocks", "bytes");
    for (int k = 0; k < HEAPMAP_K_COUNT; k++) {
        if (st.kind_blocks[k] == 0 && st.kind_objects[k] == 0) {
            continue;
        }
        outf(stdout, "%-10s %8llu %8llu %10llu\n", heapmap_kind_name((enum heapmap_kind)k),
               (unsigned long long)st.kind_objects[k],
               (unsigned long long)st.kind_blocks[k],
               (unsigned long long)(st.kind_blocks[k] * h->block_size));
    }
    if (h->stack_used >= 0) {
        outf(stdout, "stack: %ld bytes in use", h->stack_used);
        if (h->stack_limit > 0) {
            outf(stdout, " of %ld", h->stack_limit);
        }
        outf(stdout, "\n");
    }
    if (h->nwarnings > 0) {
        outf(stdout, "note: %s\n", h->warning);
    }
    return fflush(stdout) == 0 ? RC_OK
                               : rc_set(msg, RC_IO, "writing to stdout: %s",
                                        strerror(errno));
}

static int cmd_regions(struct app *app, enum rmap_format fmt,
                       struct rc_msg *msg)
{
    struct buf out;
    buf_init(&out);
    rmap_format(app->map, fmt, &out);
    if (fmt == RMAP_FMT_TABLE) {
        if (app->disc.have_heap) {
            buf_printf(&out, "gc heap: %ld bytes, %ld used, %ld free",
                       app->disc.heap.gc_total, app->disc.heap.gc_used,
                       app->disc.heap.gc_free);
            buf_addstr(&out, "\n");
        }
        if (app->disc.nmodules > 0) {
            buf_printf(&out, "modules (help('modules')): %s\n", app->disc.modules);
        }
        if (app->ldscript != NULL) {
            size_t provided = 0;
            for (size_t i = 0; i < ldscript_symbol_count(app->ldscript); i++) {
                const struct ldscript_symbol *sy = ldscript_symbol(app->ldscript, i);
                if (sy->provide) {
                    provided++;
                    continue;
                }
                if (sy->known) {
                    buf_printf(&out, "symbol %-28s 0x%08llx  %s:%u\n", sy->name,
                               (unsigned long long)sy->value,
                               sy->file ? sy->file : "?", sy->line);
                }
            }
            if (provided > 0) {
                buf_printf(&out, "(%zu PROVIDEd symbols not shown)\n", provided);
            }
        }
    }
    int bad = put_text(stdout, buf_str(&out), out.len) != 0 || fflush(stdout) != 0;
    buf_fini(&out);
    return bad ? rc_set(msg, RC_IO, "writing to stdout: %s", strerror(errno))
               : RC_OK;
}

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

/* The explorer, on the board (app->rrepl set) or on the images alone. */
static int app_view(struct app *app, int have_start, uint32_t start,
                    const char *start_expr, struct rc_msg *msg)
{
    struct frozen_set frozen;
    memset(&frozen, 0, sizeof frozen);
    const struct image *simg = app_symbol_image(app);
    if (simg != NULL && simg->nsyms > 0) {
        struct frozen_mem mem;
        struct rc_msg fm;
        frozen_mem_image(&mem, simg);
        if (frozen_find(simg, &mem, &frozen, &fm) < 0) {
            frozen_set_free(&frozen);
            memset(&frozen, 0, sizeof frozen);
        }
    }
    if (app->rrepl == NULL && app->nimage > 0) {
        snprintf(app->port_label, sizeof app->port_label, "%.200s (no board)",
                 app->img[0]->path);
    }
    struct tui_opts to = {
        .rrepl = app->rrepl,
        .reader = app->reader,
        .map = app->map,
        .heap = app->disc.have_heap ? &app->disc.heap : NULL,
        .ld = app->ldscript,
        .port_name = app->port_label,
        .theme = app->theme,
        .no_color = app->no_color,
        .unsafe = app->unsafe,
        .have_start = have_start,
        .start = start,
        .start_expr = start_expr,
        .refresh_ms = app->refresh_ms,
        .reconnect = {app->rrepl != NULL ? app_reconnect : NULL, app},
        .cancel = &g_cancel,
        .images = (const struct image *const *)app->img,
        .nimages = app->nimage,
        .frozen = &frozen,
        .frozen_image = simg,
        .hint = app->hint,
    };
    int rc = tui_run(&to, msg);
    frozen_set_free(&frozen);
    return rc;
}

/* No image: look for frozen-module names in the board's flash (fscan.h). */
static int cmd_frozen_scan(struct app *app, enum frozen_format fmt,
                           const char *compare, int *differs,
                           struct rc_msg *msg)
{
    (void)differs;
    if (compare != NULL) {
        return rc_set(msg, RC_ARG, "comparing frozen modules needs their "
                      "digests: give the firmware's ELF with --image FILE");
    }
    if (app->disc.nmodules == 0) {
        return rc_set(msg, RC_UNSUPP, "the board lists no modules "
                      "(help('modules')); give the firmware's ELF with "
                      "--image FILE");
    }
    struct fscan_result all;
    memset(&all, 0, sizeof all);
    size_t cap = 0;
    char where[256] = "";
    uint64_t scanned = 0;
    int rc = RC_OK;
    uint64_t covered = 0; /* end of the last flash region looked in */
    for (size_t i = 0; i < rmap_count(app->map) && rc == RC_OK; i++) {
        const struct rmap_region *r = rmap_get(app->map, i);
        int word_only = 0;
        /* Flash the board or a profile vouches for, readable, and not
         * inside one already looked in (the map is in address order,
         * parents first). */
        if (r->kind != RMAP_K_FLASH || r->end <= covered ||
            r->source == RMAP_S_LD || r->source == RMAP_S_IMAGE ||
            rmap_check_read(app->map, r->start, r->end - r->start, &word_only,
                            NULL) != RC_OK) {
            continue;
        }
        covered = r->end;
        uint64_t n = r->end - r->start;
        if (n > (4u << 20)) {
            outf(stderr, "mpeek: %s is %llu KiB; looking at its first 4 MiB "
                    "only (give the ELF with --image for the whole story)\n",
                    r->name, (unsigned long long)(n >> 10));
            n = 4u << 20;
        }
        struct read_ctx ctx = {0};
        ctx.data = malloc((size_t)n);
        if (ctx.data == NULL) {
            rc = rc_set(msg, RC_NOMEM, "out of memory");
            break;
        }
        ctx.base = r->start;
        ctx.show = app->progress > 0 || (app->progress < 0 && isatty(2));
        ctx.start = ctx.last = clock_ms();
        struct mread_cb cb = {read_chunk, read_progress, &ctx};
        rc = word_only ? mread_read_words(app->reader, r->start, (uint32_t)n, &cb, msg)
                       : mread_read(app->reader, r->start, (uint32_t)n, &cb, msg);
        if (ctx.show && clock_ms() - ctx.start >= 500) {
            fputs("\r\033[K", stderr);
        }
        if (rc == RC_OK) {
            struct fscan_result one;
            rc = fscan_names(ctx.data, (size_t)n, r->start, app->disc.modules, &one);
            for (size_t k = 0; rc == RC_OK && k < one.n; k++) {
                if (all.n == cap) {
                    cap = cap ? cap * 2 : 16;
                    struct fscan_name *nn = realloc(all.names, cap * sizeof *nn);
                    if (nn == NULL) {
                        rc = rc_set(msg, RC_NOMEM, "out of memory");
                        break;
                    }
                    all.names = nn;
                }
                all.names[all.n++] = one.names[k];
            }
            all.ntables += one.ntables;
            fscan_free(&one);
            size_t l = strlen(where);
            snprintf(where + l, sizeof where - l, "%s%s 0x%08x-0x%08llx",
                     l ? ", " : "", r->name, (unsigned)r->start,
                     (unsigned long long)(r->start + n - 1));
            scanned += n;
        }
        free(ctx.data);
    }
    if (rc == RC_OK && scanned == 0) {
        rc = rc_set(msg, RC_UNSUPP, "no readable flash in the memory map to "
                    "look in; name the board with --board, or give the "
                    "firmware's ELF with --image FILE");
    }
    if (rc == RC_OK) {
        if (all.n == 0) {
            if (fmt == FROZEN_FMT_TABLE) {
                outf(stdout, "no frozen modules: none of the %d modules the board "
                       "lists (help('modules')) is stored as a frozen module "
                       "name in its flash (%s); they are built into the "
                       "firmware\n", app->disc.nmodules, where);
                if (app->disc.modules_dropped > 0) {
                    outf(stdout, "(%d more names were too many to look for: give "
                           "the firmware's ELF with --image to be sure)\n",
                           app->disc.modules_dropped);
                }
            } else if (fmt == FROZEN_FMT_CSV) {
                outf(stdout, "name,address,size,sha256\n");
            } else {
                outf(stdout, "[]\n");
            }
        } else {
            /* Names only: addresses, sizes and digests need symbols. */
            if (fmt == FROZEN_FMT_TABLE) {
                outf(stdout, "%zu frozen module%s named in the board's flash (name "
                       "table%s at", all.n, all.n == 1 ? "" : "s",
                       all.ntables == 1 ? "" : "s");
                for (size_t k = 0; k < all.n; k++) {
                    if (k == 0 || all.names[k].addr != all.names[k - 1].addr +
                                      strlen(all.names[k - 1].name) + 1) {
                        outf(stdout, " 0x%08x", (unsigned)all.names[k].addr);
                    }
                }
                outf(stdout, "):\n");
                for (size_t k = 0; k < all.n; k++) {
                    outf(stdout, "  %s\n", all.names[k].name);
                }
                outf(stdout, "their addresses, sizes and SHA-256 digests need the "
                       "firmware's symbols: mpeek frozen --image firmware.elf\n");
            } else {
                rc = rc_set(msg, RC_UNSUPP, "the board names %zu frozen "
                            "modules, but their addresses, sizes and digests "
                            "need the firmware's symbols: give its ELF with "
                            "--image FILE", all.n);
            }
        }
        if (rc == RC_OK && fflush(stdout) != 0) {
            rc = rc_set(msg, RC_IO, "writing to stdout: %s", strerror(errno));
        }
    }
    fscan_free(&all);
    return rc;
}

/* Board versus image: exit status 3 (in *differs) when a part differs. */
static int cmd_verify(struct app *app, const struct image *img, int *differs,
                      struct rc_msg *msg)
{
    struct verify_report rep;
    if (verify_plan(img, &rep) < 0) {
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    if (rep.n == 0) {
        verify_report_free(&rep);
        return rc_set(msg, RC_ARG, "%s holds no bytes to compare", img->path);
    }
    struct read_ctx ctx = {0};
    ctx.show = app->progress > 0 || (app->progress < 0 && isatty(2));
    ctx.start = ctx.last = clock_ms();
    struct verify_progress prog = {read_progress, &ctx};
    int rc = verify_run(app->rrepl, app->reader, &app->info,
                        app->unsafe ? NULL : app->map, img, &rep, &prog, msg);
    if (ctx.show && clock_ms() - ctx.start >= 500) {
        fputs("\r\033[K", stderr);
    }
    if (rc == RC_OK) {
        struct buf out;
        buf_init(&out);
        int all_equal = 0;
        verify_format(&rep, img->path, &out, &all_equal);
        *differs = !all_equal;
        if (put_text(stdout, buf_str(&out), out.len) != 0 || fflush(stdout) != 0) {
            rc = rc_set(msg, RC_IO, "writing to stdout: %s", strerror(errno));
        }
        buf_fini(&out);
    }
    verify_report_free(&rep);
    return rc;
}

static int read_text_file(const char *path, struct buf *out, struct rc_msg *msg)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return rc_set(msg, errno == ENOENT ? RC_NOTFOUND : RC_IO,
                      "cannot read %s: %s", path, strerror(errno));
    }
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
        if (buf_add(out, tmp, n) < 0 || out->len > (64u << 20)) {
            fclose(f);
            return rc_set(msg, RC_ARG, "%s: too big for a manifest", path);
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        return rc_set(msg, RC_IO, "cannot read %s: %s", path, strerror(errno));
    }
    return RC_OK;
}

/* Read the span of the image's frozen-module objects from the board in one
 * stream (with a progress bar), so the walk finds them in the cache
 * instead of asking for them page by page.  Best effort: where this fails,
 * the walk reads what it needs itself and reports what goes wrong. */
struct prefetch_ctx {
    struct read_ctx progress;
    struct pcache *cache;
};

static void prefetch_chunk(void *ctx, uint32_t addr, const uint8_t *data,
                           size_t len)
{
    struct prefetch_ctx *p = ctx;
    mem_chunk(p->cache, addr, data, len);
}

static void prefetch_progress(void *ctx, uint64_t done, uint64_t total)
{
    struct prefetch_ctx *p = ctx;
    read_progress(&p->progress, done, total);
}

static int board_mem_prefetch(struct board_mem *bm, const struct image *img)
{
    static const char *const prefixes[] = {
        "mp_frozen_", "frozen_module_", "proto_fun_", "raw_code_", "fun_data_",
        "children_", "const_qstr_table_data_", "const_obj_", "const_table_data_",
        "mp_qstr_frozen_const_",
    };
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t i = 0; i < img->nsyms; i++) {
        const struct image_sym *sy = &img->syms[i];
        if (sy->size == 0) {
            continue;
        }
        for (size_t k = 0; k < sizeof prefixes / sizeof prefixes[0]; k++) {
            if (strncmp(sy->name, prefixes[k], strlen(prefixes[k])) == 0) {
                if (sy->addr < lo) {
                    lo = sy->addr;
                }
                if ((uint64_t)sy->addr + sy->size > hi) {
                    hi = (uint64_t)sy->addr + sy->size;
                }
                break;
            }
        }
    }
    lo &= ~(uint64_t)(PCACHE_PAGE - 1);
    hi = (hi + PCACHE_PAGE - 1) & ~(uint64_t)(PCACHE_PAGE - 1);
    int word_only = 0;
    if (lo >= hi || hi - lo > (1u << 20) || hi > 0x100000000ULL ||
        (!bm->app->unsafe &&
         rmap_check_read(bm->app->map, (uint32_t)lo, hi - lo, &word_only, NULL) != RC_OK)) {
        return RC_OK;
    }
    struct prefetch_ctx p;
    memset(&p, 0, sizeof p);
    p.cache = bm->cache;
    p.progress.show = bm->app->progress > 0 || (bm->app->progress < 0 && isatty(2));
    p.progress.start = p.progress.last = clock_ms();
    struct mread_cb cb = {prefetch_chunk, prefetch_progress, &p};
    struct rc_msg m;
    int rc = word_only ? mread_read_words(bm->app->reader, (uint32_t)lo,
                                          (uint32_t)(hi - lo), &cb, &m)
                       : mread_read(bm->app->reader, (uint32_t)lo,
                                    (uint32_t)(hi - lo), &cb, &m);
    if (p.progress.show && clock_ms() - p.progress.start >= 500) {
        fputs("\r\033[K", stderr);
    }
    return rc == RC_CANCEL ? RC_CANCEL : RC_OK;
}

/* The frozen modules: from the ELF image's bytes, or (from_board) the same
 * addresses read from the board. */
static int cmd_frozen(struct app *app, enum frozen_format fmt,
                      const char *compare, int from_board, int *differs,
                      struct rc_msg *msg)
{
    const struct image *img = app_symbol_image(app);
    struct frozen_mem mem;
    struct board_mem bm = {app, NULL};
    if (from_board) {
        if (pcache_new(&bm.cache) < 0) {
            return rc_set(msg, RC_NOMEM, "out of memory");
        }
        mem.read = board_mem_read;
        mem.ctx = &bm;
        if (img != NULL && board_mem_prefetch(&bm, img) == RC_CANCEL) {
            pcache_free(bm.cache);
            return rc_set(msg, RC_CANCEL, "interrupted");
        }
    } else {
        frozen_mem_image(&mem, img);
    }
    struct frozen_set set;
    memset(&set, 0, sizeof set);
    int rc = frozen_find(img, &mem, &set, msg);
    if (rc < 0 && from_board) {
        rc_prefix(msg, rc, "the board's frozen tables (at the addresses %s "
                  "gives)", img->path);
    }
    struct buf out;
    buf_init(&out);
    if (rc == RC_OK && compare != NULL) {
        struct buf text;
        buf_init(&text);
        struct frozen_manifest old;
        memset(&old, 0, sizeof old);
        rc = read_text_file(compare, &text, msg);
        if (rc == RC_OK) {
            rc = frozen_manifest_parse(buf_str(&text), text.len, compare, &old,
                                       msg);
        }
        if (rc == RC_OK) {
            rc = frozen_compare(&set, &old, &out, differs);
        }
        frozen_manifest_free(&old);
        buf_fini(&text);
    } else if (rc == RC_OK) {
        if (set.n == 0 && fmt == FROZEN_FMT_TABLE) {
            buf_printf(&out, "%s: no frozen modules (the firmware has no "
                       "frozen-module tables)\n", img->path);
        } else {
            rc = frozen_format(&set, fmt, &out);
        }
    }
    if (rc == RC_OK &&
        (put_text(stdout, buf_str(&out), out.len) != 0 || fflush(stdout) != 0)) {
        rc = rc_set(msg, RC_IO, "writing to stdout: %s", strerror(errno));
    }
    buf_fini(&out);
    frozen_set_free(&set);
    pcache_free(bm.cache);
    return rc;
}

int main(int argc, char **argv)
{
    struct app app;
    memset(&app, 0, sizeof app);
    serial_opts_init(&app.sopts);
    app.port = "auto";
    app.timeout_ms = 3000;
    app.progress = -1;
    const char *out_path = NULL;
    const char *format = NULL;
    const char *compare = NULL;
    int differs = 0;
    struct rc_msg msg = {{0}};
    int rc = RC_OK;

    enum {
        O_DTR = 256, O_RTS, O_METHOD, O_NOPROG, O_LOG, O_FORMAT, O_CHUNK,
        O_LD, O_LDPATH, O_DEFSYM, O_BOARD, O_OFFLINE, O_UNSAFE, O_THEME,
        O_NOCOLOR, O_REFRESH, O_IMAGE, O_BASE, O_COMPARE
    };
    static const struct option longopts[] = {
        {"port", required_argument, NULL, 'p'},
        {"baud", required_argument, NULL, 'b'},
        {"dtr", required_argument, NULL, O_DTR},
        {"rts", required_argument, NULL, O_RTS},
        {"timeout", required_argument, NULL, 't'},
        {"method", required_argument, NULL, O_METHOD},
        {"chunk", required_argument, NULL, O_CHUNK},
        {"no-progress", no_argument, NULL, O_NOPROG},
        {"log", required_argument, NULL, O_LOG},
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, O_FORMAT},
        {"ld", required_argument, NULL, O_LD},
        {"ld-path", required_argument, NULL, O_LDPATH},
        {"ld-defsym", required_argument, NULL, O_DEFSYM},
        {"board", required_argument, NULL, O_BOARD},
        {"offline", no_argument, NULL, O_OFFLINE},
        {"unsafe", no_argument, NULL, O_UNSAFE},
        {"theme", required_argument, NULL, O_THEME},
        {"no-color", no_argument, NULL, O_NOCOLOR},
        {"refresh", required_argument, NULL, O_REFRESH},
        {"image", required_argument, NULL, O_IMAGE},
        {"base", required_argument, NULL, O_BASE},
        {"compare", required_argument, NULL, O_COMPARE},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":p:b:t:o:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'p':
            app.port = optarg;
            app.port_given = 1;
            break;
        case 'b': {
            uint64_t v;
            if ((rc = fmt_parse_u64(optarg, "--baud", &v, &msg)) < 0) {
                goto fail;
            }
            if (v < 300 || v > 12000000) {
                rc = rc_set(&msg, RC_ARG, "--baud %s is out of range "
                            "(300 to 12000000)", optarg);
                goto fail;
            }
            app.sopts.baud = (int)v;
            break;
        }
        case O_DTR:
            if ((rc = parse_line(optarg, "dtr", &app.sopts.dtr, &msg)) < 0) {
                goto fail;
            }
            break;
        case O_RTS:
            if ((rc = parse_line(optarg, "rts", &app.sopts.rts, &msg)) < 0) {
                goto fail;
            }
            break;
        case 't': {
            char *end;
            double secs = strtod(optarg, &end);
            if (end == optarg || *end != 0 || secs < 0.1 || secs > 3600) {
                rc = rc_set(&msg, RC_ARG, "--timeout takes seconds between "
                            "0.1 and 3600, not '%s'", optarg);
                goto fail;
            }
            app.timeout_ms = (int)(secs * 1000);
            break;
        }
        case O_METHOD:
            app.method = optarg;
            break;
        case O_CHUNK: {
            uint64_t v;
            if ((rc = fmt_parse_u64(optarg, "--chunk", &v, &msg)) < 0) {
                goto fail;
            }
            if (v < 64 || v > 65536 || v % 4 != 0) {
                rc = rc_set(&msg, RC_ARG, "--chunk %s: give a multiple of 4 "
                            "from 64 to 64K", optarg);
                goto fail;
            }
            app.chunk = (unsigned)v;
            break;
        }
        case O_NOPROG:
            app.progress = 0;
            break;
        case O_LOG:
            app.log_path = optarg;
            break;
        case 'o':
            out_path = optarg;
            break;
        case O_FORMAT:
            format = optarg;
            break;
        case O_LD:
            if ((rc = list_add(app.ld, &app.nld, optarg, "--ld", &msg)) < 0) {
                goto fail;
            }
            break;
        case O_LDPATH:
            if ((rc = list_add(app.ld_path, &app.nld_path, optarg, "--ld-path",
                               &msg)) < 0) {
                goto fail;
            }
            break;
        case O_DEFSYM:
            if (strchr(optarg, '=') == NULL || optarg[0] == '=') {
                rc = rc_set(&msg, RC_ARG, "--ld-defsym takes NAME=VALUE, not "
                            "'%s'", optarg);
                goto fail;
            }
            if ((rc = list_add(app.ld_defsym, &app.nld_defsym, optarg,
                               "--ld-defsym", &msg)) < 0) {
                goto fail;
            }
            break;
        case O_BOARD:
            app.board = optarg;
            break;
        case O_OFFLINE:
            app.offline = 1;
            break;
        case O_UNSAFE:
            app.unsafe = 1;
            break;
        case O_THEME:
            app.theme = optarg;
            break;
        case O_NOCOLOR:
            app.no_color = 1;
            break;
        case O_REFRESH: {
            uint64_t v;
            if ((rc = fmt_parse_u64(optarg, "--refresh", &v, &msg)) < 0) {
                goto fail;
            }
            if (v < 50 || v > 60000) {
                rc = rc_set(&msg, RC_ARG, "--refresh takes milliseconds from "
                            "50 to 60000, not '%s'", optarg);
                goto fail;
            }
            app.refresh_ms = (int)v;
            break;
        }
        case O_IMAGE:
            if ((rc = list_add(app.image_path, &app.nimage, optarg, "--image",
                               &msg)) < 0) {
                goto fail;
            }
            break;
        case O_BASE: {
            uint64_t v;
            if ((rc = fmt_parse_u64(optarg, "--base", &v, &msg)) < 0) {
                goto fail;
            }
            if (v > 0xffffffffULL) {
                rc = rc_set(&msg, RC_ARG, "--base %s is past the 32-bit "
                            "address space", optarg);
                goto fail;
            }
            app.base = (uint32_t)v;
            app.have_base = 1;
            break;
        }
        case O_COMPARE:
            compare = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            outf(stdout, "mpeek %s\n", MPEEK_VERSION);
            return 0;
        case ':':
            rc = rc_set(&msg, RC_ARG, "%s needs a value (see mpeek --help)",
                        argv[optind - 1]);
            goto fail;
        default:
            rc = rc_set(&msg, RC_ARG, "unknown option '%s' (see mpeek --help)",
                        argv[optind - 1]);
            goto fail;
        }
    }
    const char *cmd = optind < argc ? argv[optind++]
                    : isatty(STDOUT_FILENO) && isatty(STDIN_FILENO) ? "view" : "info";
    {
        const char *nc = getenv("NO_COLOR");
        if (nc != NULL && nc[0] != 0) {
            app.no_color = 1;
        }
    }
    char **rest = argv + optind;
    int nrest = argc - optind;

    /* Validate everything before touching the board. */
    uint64_t addr = 0, len = 0;
    const char *start_expr = NULL; /* view's or open's ADDR when not a number */
    int hex = 0;
    enum rmap_format mfmt = RMAP_FMT_TABLE;
    enum frozen_format ffmt = FROZEN_FMT_TABLE;
    if (strcmp(cmd, "ports") == 0) {
        if (nrest != 0) {
            rc = rc_set(&msg, RC_ARG, "ports takes no arguments");
            goto fail;
        }
        rc = cmd_ports(&msg);
        if (rc < 0) {
            goto fail;
        }
        return 0;
    } else if (strcmp(cmd, "read") == 0) {
        if (nrest != 2) {
            rc = rc_set(&msg, RC_ARG, "read takes ADDR and LEN, e.g. "
                        "'mpeek read 0x20000000 256'");
            goto fail;
        }
        if ((rc = fmt_parse_u64(rest[0], "ADDR", &addr, &msg)) < 0 ||
            (rc = fmt_parse_u64(rest[1], "LEN", &len, &msg)) < 0 ||
            (rc = fmt_check_range(addr, len, &msg)) < 0) {
            goto fail;
        }
        if (format == NULL) {
            hex = out_path == NULL;
        } else if (strcmp(format, "hex") == 0) {
            hex = 1;
        } else if (strcmp(format, "bin") != 0) {
            rc = rc_set(&msg, RC_ARG, "--format takes bin or hex, not '%s'",
                        format);
            goto fail;
        }
    } else if (strcmp(cmd, "regions") == 0) {
        if (nrest != 0) {
            rc = rc_set(&msg, RC_ARG, "regions takes no arguments (options "
                        "such as --ld FILE go before or after it)");
            goto fail;
        }
        int v;
        if ((rc = parse_tcj(format, cmd, &v, &msg)) < 0) {
            goto fail;
        }
        mfmt = v == 0 ? RMAP_FMT_TABLE : v == 1 ? RMAP_FMT_CSV : RMAP_FMT_JSON;
        if (app.board != NULL && strcmp(app.board, "list") == 0) {
            char dir[512];
            profile_default_dir(dir, sizeof dir);
            if ((rc = profile_load_dir(dir, &app.profiles, &msg)) < 0 &&
                app.profiles.n == 0) {
                profile_set_fini(&app.profiles);
                goto fail;
            }
            print_profile_names(&app.profiles, stdout);
            profile_set_fini(&app.profiles);
            return 0;
        }
        /* No port named, but a linker script, a board or an image: offline. */
        if (!app.port_given && (app.nld > 0 || app.board != NULL || app.nimage > 0)) {
            app.offline = 1;
        }
    } else if (strcmp(cmd, "where") == 0) {
        if (nrest != 1) {
            rc = rc_set(&msg, RC_ARG, "where takes one ADDR, e.g. 'mpeek where "
                        "0x20001000'");
            goto fail;
        }
        if ((rc = fmt_parse_u64(rest[0], "ADDR", &addr, &msg)) < 0 ||
            (rc = fmt_check_range(addr, 1, &msg)) < 0) {
            goto fail;
        }
        /* An image and no port: what the image says about ADDR. */
        if (!app.port_given && app.nimage > 0) {
            app.offline = 1;
        }
    } else if (strcmp(cmd, "view") == 0) {
        if (nrest > 1) {
            rc = rc_set(&msg, RC_ARG, "view takes at most one ADDR");
            goto fail;
        }
        if (nrest == 1 && (rc = view_start_arg(rest[0], &addr, &start_expr, &msg)) < 0) {
            goto fail;
        }
        len = nrest == 1 && start_expr == NULL; /* 1: a start address was given */
        if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
            rc = rc_set(&msg, RC_ARG, "the explorer needs a terminal; for "
                        "scripts use info, regions or read");
            goto fail;
        }
    } else if (strcmp(cmd, "open") == 0) {
        if (nrest < 1 || nrest > 2) {
            rc = rc_set(&msg, RC_ARG, "open takes FILE and an optional ADDR, "
                        "e.g. 'mpeek open firmware.elf'");
            goto fail;
        }
        if (nrest == 2 && (rc = view_start_arg(rest[1], &addr, &start_expr, &msg)) < 0) {
            goto fail;
        }
        len = nrest == 2 && start_expr == NULL;
        if ((rc = image_first(&app, rest[0], &msg)) < 0) {
            goto fail;
        }
        app.offline = 1;
        cmd = "view";
        if (access(rest[0], R_OK) != 0) {
            rc = rc_set(&msg, errno == ENOENT ? RC_NOTFOUND : RC_IO,
                        "cannot read %s: %s", rest[0], strerror(errno));
            goto fail;
        }
        if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
            rc = rc_set(&msg, RC_ARG, "the explorer needs a terminal; for "
                        "scripts use regions --image FILE or frozen --image FILE");
            goto fail;
        }
    } else if (strcmp(cmd, "verify") == 0) {
        if (nrest != 1) {
            rc = rc_set(&msg, RC_ARG, "verify takes one IMAGE, e.g. 'mpeek verify "
                        "firmware.hex' (ELF, Intel HEX, UF2, or a raw binary with --base)");
            goto fail;
        }
        if ((rc = image_first(&app, rest[0], &msg)) < 0) {
            goto fail;
        }
    } else if (strcmp(cmd, "frozen") == 0) {
        if (nrest != 0) {
            rc = rc_set(&msg, RC_ARG, "frozen takes no arguments (give the "
                        "firmware's ELF with --image FILE)");
            goto fail;
        }
        int v;
        if ((rc = parse_tcj(format, cmd, &v, &msg)) < 0) {
            goto fail;
        }
        ffmt = v == 0 ? FROZEN_FMT_TABLE : v == 1 ? FROZEN_FMT_CSV : FROZEN_FMT_JSON;
        if (compare != NULL && access(compare, R_OK) != 0) {
            rc = rc_set(&msg, RC_NOTFOUND, "cannot read the manifest %s: %s "
                        "(make one with 'mpeek frozen --format csv > FILE')",
                        compare, strerror(errno));
            goto fail;
        }
        /* An image and no port: the image alone. */
        if (!app.port_given && app.nimage > 0) {
            app.offline = 1;
        }
        if (app.offline && app.nimage == 0) {
            rc = rc_set(&msg, RC_ARG, "frozen --offline needs the firmware's "
                        "ELF: --image FILE");
            goto fail;
        }
    } else if (strcmp(cmd, "info") == 0 || strcmp(cmd, "heap") == 0) {
        if (nrest != 0) {
            rc = rc_set(&msg, RC_ARG, "%s takes no arguments", cmd);
            goto fail;
        }
    } else {
        rc = rc_set(&msg, RC_ARG, "unknown command '%s' (try view, info, "
                    "regions, read, where, heap, frozen, verify, open or ports; "
                    "see mpeek --help)", cmd);
        goto fail;
    }
    if (compare != NULL && format != NULL) {
        rc = rc_set(&msg, RC_ARG, "--compare prints a comparison, not a "
                    "manifest: leave out --format %s", format);
        goto fail;
    }
    if (compare != NULL && strcmp(cmd, "frozen") != 0) {
        rc = rc_set(&msg, RC_ARG, "--compare only goes with frozen");
        goto fail;
    }
    if (app.offline && strcmp(cmd, "view") == 0 && app.nimage == 0) {
        rc = rc_set(&msg, RC_ARG, "the explorer without a board needs an "
                    "image: mpeek open FILE");
        goto fail;
    }
    if (app.offline && strcmp(cmd, "regions") != 0 && strcmp(cmd, "view") != 0 &&
        strcmp(cmd, "frozen") != 0 && strcmp(cmd, "where") != 0) {
        rc = rc_set(&msg, RC_ARG, "--offline goes with regions, where, frozen "
                    "and open (view) only: %s needs the board", cmd);
        goto fail;
    }
    for (size_t i = 0; i < app.nld; i++) {
        if (access(app.ld[i], R_OK) != 0) {
            rc = rc_set(&msg, RC_NOTFOUND, "cannot read the linker script %s: "
                        "%s", app.ld[i], strerror(errno));
            goto fail;
        }
    }
    if (app.method != NULL && strcmp(app.method, "auto") != 0 &&
        strcmp(app.method, "bin") != 0 && strcmp(app.method, "b64") != 0 &&
        strcmp(app.method, "hex") != 0 && strcmp(app.method, "words") != 0) {
        rc = rc_set(&msg, RC_ARG, "--method takes auto, bin, b64, hex or "
                    "words, not '%s'", app.method);
        goto fail;
    }
    rc = app_load_images(&app, &msg);
    if (rc < 0) {
        app_free_images(&app);
        goto fail;
    }
    if (app.offline) {
        rc = app_build_map(&app, 0, &msg);
        if (rc == RC_OK && strcmp(cmd, "regions") == 0) {
            rc = cmd_regions(&app, mfmt, &msg);
        } else if (rc == RC_OK && strcmp(cmd, "frozen") == 0) {
            rc = cmd_frozen(&app, ffmt, compare, 0, &differs, &msg);
        } else if (rc == RC_OK && strcmp(cmd, "where") == 0) {
            rc = cmd_where(&app, (uint32_t)addr, &msg);
        } else if (rc == RC_OK) {
            rc = app_view(&app, len == 1, (uint32_t)addr, start_expr, &msg);
        }
        app_free_map(&app);
        app_free_images(&app);
        if (rc < 0) {
            goto fail;
        }
        return differs ? 3 : 0;
    }
    if (app.log_path != NULL) {
        app.log = fopen(app.log_path, "a");
        if (app.log == NULL) {
            rc = rc_set(&msg, RC_IO, "cannot open log %s: %s", app.log_path,
                        strerror(errno));
            goto fail;
        }
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* One handler at a time: it counts the signals. */
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaddset(&sa.sa_mask, SIGHUP);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* A file size limit makes a write fail (EFBIG) instead of killing. */
    signal(SIGXFSZ, SIG_IGN);

    rc = app_connect(&app, &msg);
    if (rc == RC_OK && strcmp(cmd, "info") == 0) {
        rc = cmd_info(&app, &msg);
    } else if (rc == RC_OK && strcmp(cmd, "regions") == 0) {
        rc = app_build_map(&app, 1, &msg);
        if (rc == RC_OK) {
            rc = cmd_regions(&app, mfmt, &msg);
        }
    } else if (rc == RC_OK && strcmp(cmd, "where") == 0) {
        rc = app_build_map(&app, 1, &msg);
        if (rc == RC_OK) {
            rc = cmd_where(&app, (uint32_t)addr, &msg);
        }
    } else if (rc == RC_OK && strcmp(cmd, "view") == 0) {
        rc = app_build_map(&app, 1, &msg);
        snprintf(app.port_label, sizeof app.port_label, "%s", serial_name(app.serial));
        if (rc == RC_OK) {
            rc = app_view(&app, len == 1, (uint32_t)addr, start_expr, &msg);
        }
    } else if (rc == RC_OK && strcmp(cmd, "verify") == 0) {
        rc = app_build_map(&app, 1, &msg);
        if (rc == RC_OK) {
            rc = cmd_verify(&app, app.img[0], &differs, &msg);
        }
    } else if (rc == RC_OK && strcmp(cmd, "frozen") == 0) {
        rc = app_build_map(&app, 1, &msg);
        if (rc == RC_OK && app.nimage > 0) {
            rc = cmd_frozen(&app, ffmt, compare, 1, &differs, &msg);
        } else if (rc == RC_OK) {
            rc = cmd_frozen_scan(&app, ffmt, compare, &differs, &msg);
        }
    } else if (rc == RC_OK && strcmp(cmd, "heap") == 0) {
        rc = app_build_map(&app, 1, &msg);
        if (rc == RC_OK) {
            rc = cmd_heap(&app, &msg);
        }
    } else if (rc == RC_OK) {
        int word_only = 0;
        if (!app.unsafe) {
            rc = app_build_map(&app, 1, &msg);
            if (rc == RC_OK) {
                rc = rmap_check_read(app.map, (uint32_t)addr, len, &word_only,
                                     &msg);
            }
        }
        if (rc == RC_OK && word_only && app.method == NULL) {
            /* The instruction bus takes aligned 32-bit loads only. */
            rc = board_force_method(&app.info, "words", &msg);
            if (rc == RC_OK && app.chunk > 0) {
                app.info.method.chunk = app.chunk;
            }
        }
        if (rc == RC_OK) {
            rc = cmd_read(&app, (uint32_t)addr, (uint32_t)len, out_path, hex,
                          &msg);
        }
    }
    if (rc == RC_CANCEL || g_signals > 0) {
        rc = RC_CANCEL;
    }
    char what[sizeof msg.text];
    enum gave_back gave = app_disconnect(&app, rc, what, sizeof what);
    if (g_signals > 0) {
        const char *how = g_signo == SIGTERM ? "terminated"
                        : g_signo == SIGHUP ? "hung up" : "interrupted";
        rc = RC_CANCEL;
        if (gave == GAVE_CLEAN) {
            rc_set(&msg, RC_CANCEL, "%s; the board was left in its friendly "
                   "REPL", how);
        } else if (gave == GAVE_UNKNOWN) {
            rc_set(&msg, RC_CANCEL, "%s; %s", how, what);
        } else {
            rc_set(&msg, RC_CANCEL, "%s", how);
        }
    } else if (gave == GAVE_UNKNOWN && rc < 0) {
        char first[sizeof msg.text];
        snprintf(first, sizeof first, "%s", msg.text);
        rc_set(&msg, rc, "%.200s; %s", first, what);
    } else if (gave == GAVE_UNKNOWN) {
        outf(stderr, "mpeek: warning: leaving the board: %s\n", what);
    }
    app_free_map(&app);
    app_free_images(&app);
    if (app.log != NULL) {
        fclose(app.log);
    }
    if (rc < 0) {
        goto fail;
    }
    return differs ? 3 : 0;
fail:
    char e[ESC_MAX];
    outf(stderr, "mpeek: %s\n", msg.text[0] ? esc(msg.text, e) : rc_name(rc));
    if (g_signals > 0) {
        return 128 + g_signo;
    }
    return rc == RC_CANCEL ? 130 : 1;
}
