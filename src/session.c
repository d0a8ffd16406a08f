/*
 * session.c: attaching to the board, building the map, and leaving the
 * board as it was found.
 *
 * Signals: the first SIGINT, SIGTERM or SIGHUP stops the command; mpeek
 * then gives the board back (stops its helper, deletes it, leaves the raw
 * REPL).  A second signal does not stop that clean-up, a third abandons it;
 * it is bounded in time anyway.  What mpeek prints at the end says what the
 * clean-up achieved, and the exit status is 128 + the first signal's
 * number (130, 143, 129).  The only globals are the signal flags the
 * handlers set.
 *
 * What is fetched: each command's entry says what it needs (cmd.h).  The
 * board is attached only for CMD_BOARD; the map is built for CMD_MAP, and
 * for CMD_GUARD unless --unsafe (then nothing checks the range against
 * it).  Building the map always asks the port's own queries the profile
 * names (discover_port: flash and RAM sizes, filesystems, partitions);
 * the GC heap map (mem_info(1)) only for CMD_HEAP, or when no profile
 * matches the board (then the heap areas may be the only RAM the map
 * knows, and a read there must still pass the guard); the module list
 * (help('modules')) only for CMD_MODULES.  A plain read inside memory the
 * profile knows thus costs no mem_info(1) and no help('modules').
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attcache.h"
#include "clock.h"
#include "cmd.h"
#include "emu.h"
#include "fmt.h"
#include "mapsrc.h"
#include "heapmap.h"
#include "rrepl.h"
#include "session.h"

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

/* "emu" is the emulated micro:bit: QEMU with Debian's firmware. */
static int resolve_emu(struct session *s, struct rc_msg *msg)
{
    if (strcmp(s->port, "emu") != 0) {
        return RC_OK;
    }
    int rc = emu_port_spec(NULL, NULL, s->emu_cmd, sizeof s->emu_cmd, msg);
    if (rc < 0) {
        return rc;
    }
    s->port = s->emu_cmd;
    if (s->timeout_ms < 5000) {
        /* The emulator may still be booting when we first knock. */
        s->timeout_ms = 5000;
    }
    return RC_OK;
}

/* board_prefetch's hooks: the command's one read, behind the probe. */
static int prefetch_send(void *ctx, const char *gate, struct rc_msg *msg)
{
    struct session *s = ctx;
    return mread_prefetch(s->reader, s->first_addr, s->first_len, gate, msg);
}

static int prefetch_drop(void *ctx, struct rc_msg *msg)
{
    struct session *s = ctx;
    return mread_prefetch_drop(s->reader, msg);
}

static int build_map(struct session *s, const struct board_info *bi, int io,
                     struct rc_msg *msg);
static void session_free_map(struct session *s);

/* May the command's read go right behind the warm probe, before the board
 * has said anything?  Only where the map the command will check it
 * against is known without asking the board (the profile the cache's
 * board chooses has no discovery, which could narrow it), and that map
 * lets it be read with byte loads; --unsafe lets every range be read. */
static int may_read_ahead(struct session *s, const struct board_warm *warm)
{
    struct board_info bi;
    if (!s->first_read || !board_warm_info(warm, &bi)) {
        return 0;
    }
    if (s->unsafe) {
        return 1;
    }
    struct rc_msg m;
    int ok = build_map(s, &bi, 0, &m) == RC_OK;
    int word = 0;
    ok = ok && rmap_check_read(s->map, s->first_addr, s->first_len, &word, &m) == RC_OK &&
         !word;
    session_free_map(s);
    return ok;
}

/* A small read of a board the attach cache knows (and may_read_ahead
 * allows), done before any probe by code that needs no helper and checks
 * the board's identity itself (board_warm_read_code): attaching and
 * reading are then one round trip.
 * RC_OK: read (s->info is the cache's); RC_UNSUPP: not such a read, or it
 * read nothing but the board may still be the cache's; RC_NOTFOUND: the
 * board is another (the board is back in the raw REPL either way); else an
 * rc of the link. */
static int read_before_probe(struct session *s, const struct board_warm *warm,
                             struct rc_msg *msg)
{
    struct board_info bi;
    if (!s->first_read || s->first_len > BOARD_WARM_READ_MAX || !board_warm_info(warm, &bi)) {
        return RC_UNSUPP;
    }
    struct buf code;
    buf_init(&code);
    int rc = board_warm_read_code(warm, &bi, s->first_addr, s->first_len, &code);
    if (rc == RC_OK && (rc = rrepl_detect_raw_paste(s->rrepl, msg)) >= 0) {
        s->info = bi;
        s->info.raw_paste = rc;
        rrepl_note(s->rrepl, "the read, with the board's identity checked, before any probe");
        rc = mread_read_ahead(s->reader, buf_str(&code), s->first_addr, s->first_len, msg);
        if (rc == RC_NOTFOUND) {
            rrepl_note(s->rrepl, "it read nothing: another board or firmware; probing");
        } else if (rc == RC_UNSUPP) {
            rrepl_note(s->rrepl, "it read nothing: probing");
        }
    }
    buf_fini(&code);
    return rc;
}

static int session_connect(struct session *s, struct rc_msg *msg)
{
    int rc = resolve_emu(s, msg);
    if (rc < 0) {
        return rc;
    }
    s->sopts.cancel = &g_cancel;
    rc = serial_open(s->port, &s->sopts, &s->serial, msg);
    if (rc < 0) {
        return rc;
    }
    struct rrepl_io io;
    rrepl_io_serial(&io, s->serial);
    struct rrepl_opts ro = {
        .timeout_ms = s->timeout_ms,
        .cancel = &g_cancel,
        .log = s->log,
        .baud = s->sopts.baud,
    };
    if (rrepl_new(&io, &ro, &s->rrepl) != RC_OK) {
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    rc = rrepl_enter(s->rrepl, msg);
    if (rc < 0) {
        return rc;
    }
    /* What the last full probe of this port learnt: the board checks it
     * is still the same before anything is defined (board_probe_warm). */
    struct board_warm warm, learnt;
    struct rc_msg cm;
    int cached = !s->no_cache && s->method == NULL && !(s->needs & CMD_PROBE) &&
                 attcache_load(s->port, &warm, &cm) == RC_OK;
    if (mread_new(s->rrepl, &s->info, &s->reader) != RC_OK) {
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    /* May the command's read go ahead of the board's answers? */
    int ahead = cached && s->chunk == 0 && may_read_ahead(s, &warm);
    if (ahead) {
        rc = read_before_probe(s, &warm, msg);
        if (rc == RC_OK) {
            return RC_OK;
        }
        if (rc != RC_UNSUPP && rc != RC_NOTFOUND) {
            return rc_prefix(msg, rc, "reading before the probe");
        }
        /* RC_NOTFOUND: its check found another board or firmware, which
         * the warm probe would not match either: the full probe.  Else
         * (not tried, an error on the board, a digest that failed) the
         * warm probe says more. */
        cached = ahead = rc == RC_UNSUPP;
    }
    struct board_prefetch pf = {prefetch_send, prefetch_drop, s, 0};
    int used = 0;
    rc = board_probe_warm(s->rrepl, &s->info, cached ? &warm : NULL, &used,
                          &learnt, ahead ? &pf : NULL, msg);
    if (rc < 0) {
        return rc_prefix(msg, rc, "asking the board what it is");
    }
    if (!used && learnt.ident[0] && !s->no_cache) {
        attcache_save(s->port, &learnt, &cm);
    }
    if (s->method != NULL) {
        rc = board_force_method(&s->info, s->method, msg);
        if (rc < 0) {
            return rc;
        }
    }
    if (s->chunk > 0) {
        s->info.method.chunk = s->chunk;
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
static enum gave_back session_disconnect(struct session *s, int failure,
                                     char *what, size_t whatsize)
{
    struct rc_msg msg;
    enum gave_back gave = GAVE_NOTHING;
    what[0] = 0;
    /* A signal may have got us here: clean up all the same; only the
     * third signal stops that (on_signal). */
    g_cleaning = 1;
    g_cancel = g_signals >= ABANDON_SIGNALS;
    struct rrepl *r = s->rrepl;
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
                     serial_name(s->serial), helper, del);
        }
        rrepl_set_deadline(r, 0);
    }
    mread_free(s->reader);
    s->reader = NULL;
    rrepl_free(s->rrepl);
    s->rrepl = NULL;
    serial_close(s->serial);
    s->serial = NULL;
    g_cleaning = 0;
    return gave;
}

/* A snapshot: kept in s->snap, its memory as an image. */
static int load_snapshot(struct session *s, const char *path,
                         struct image **out, struct rc_msg *msg)
{
    *out = NULL;
    if (s->snap != NULL) {
        return rc_set(msg, RC_ARG, "%s: one snapshot at a time (%s is one too)",
                      path, s->snap_path);
    }
    struct snapshot *snap;
    int rc = snapshot_load(path, &snap, msg);
    if (rc < 0) {
        return rc;
    }
    struct image_seg *segs = calloc(snap->nmem ? snap->nmem : 1, sizeof *segs);
    if (segs == NULL) {
        snapshot_free(snap);
        return rc_set(msg, RC_NOMEM, "%s: out of memory", path);
    }
    for (size_t i = 0; i < snap->nmem; i++) {
        segs[i] = (struct image_seg){snap->mem[i].addr, snap->mem[i].len,
                                     snap->mem[i].data};
    }
    rc = image_from_segs(path, IMAGE_SNAP, segs, snap->nmem, out, msg);
    free(segs);
    if (rc < 0) {
        snapshot_free(snap);
        return rc;
    }
    s->snap = snap;
    snprintf(s->snap_path, sizeof s->snap_path, "%s", path);
    return RC_OK;
}

int session_has_snapshot(const struct session *s)
{
    for (size_t i = 0; i < s->nimage; i++) {
        const char *spec = s->image_path[i];
        if (snapshot_file_is(spec)) {
            return 1;
        }
    }
    return 0;
}

/* No board: the snapshot's map, heap map and board info are the
 * session's, as the board reported them when it was recorded. */
static void apply_snapshot(struct session *s)
{
    const struct snapshot *sn = s->snap;
    char when[40];
    snapshot_time_text(sn->info.recorded, when, sizeof when);
    for (size_t i = 0; i < sn->nregions; i++) {
        rmap_add(s->map, &sn->regions[i]);
    }
    rmap_note(s->map, "snapshot %.200s: recorded %s from %.100s (%s %s on %s); "
              "the map, the heap and the bytes as they were then", s->snap_path,
              when, sn->info.port, sn->info.impl, sn->info.version,
              sn->info.machine[0] ? sn->info.machine : sn->info.platform);
    for (size_t i = 0; i < sn->nnotes; i++) {
        rmap_note(s->map, "%s", sn->notes[i]);
    }
    discover_info_init(&s->disc);
    if (sn->heap_text != NULL) {
        struct rc_msg m;
        if (heapmap_parse(sn->heap_text, sn->heap_len, sn->block_size,
                          &s->disc.heap, &m) == RC_OK) {
            s->disc.have_heap = 1;
        } else {
            rmap_note(s->map, "the snapshot's mem_info(1) could not be read: %s",
                      m.text);
        }
    }
    struct board_info *in = &s->info;
    snprintf(in->impl, sizeof in->impl, "%s", sn->info.impl);
    snprintf(in->version, sizeof in->version, "%s", sn->info.version);
    snprintf(in->firmware, sizeof in->firmware, "%s", sn->info.firmware);
    snprintf(in->machine, sizeof in->machine, "%s", sn->info.machine);
    snprintf(in->platform, sizeof in->platform, "%s", sn->info.platform);
    in->repr_c = sn->info.repr_c;
}

/* Load every --image: FILE, or FILE@ADDR for a raw binary at ADDR. */
int session_load_images(struct session *s, struct rc_msg *msg)
{
    for (size_t i = 0; i < s->nimage; i++) {
        const char *spec = s->image_path[i];
        char path[1024];
        uint32_t base = s->base;
        int have_base = s->have_base;
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
        int rc = snapshot_file_is(path)
                     ? load_snapshot(s, path, &s->img[i], msg)
                     : image_load(path, base, have_base, &s->img[i], msg);
        if (rc < 0) {
            return rc;
        }
        if (have_base && s->img[i]->kind != IMAGE_BIN) {
            cmd_outf(stderr, "mpeek: warning: %s is %s file with its own "
                    "addresses; the base address 0x%08x is not used\n", path,
                    s->img[i]->kind == IMAGE_ELF ? "an ELF"
                    : s->img[i]->kind == IMAGE_UF2 ? "a UF2"
                    : s->img[i]->kind == IMAGE_SNAP ? "an mpeek snapshot"
                    : "an Intel HEX", (unsigned)base);
        }
    }
    return RC_OK;
}

/* FILE of open/verify goes before any --image. */
int session_image_first(struct session *s, const char *path,
                        struct rc_msg *msg)
{
    if (s->nimage == SESSION_MAX_LIST) {
        return rc_set(msg, RC_ARG, "too many images (at most %d)", SESSION_MAX_LIST);
    }
    memmove(s->image_path + 1, s->image_path,
            s->nimage * sizeof s->image_path[0]);
    s->image_path[0] = path;
    s->nimage++;
    return RC_OK;
}

void session_free_images(struct session *s)
{
    for (size_t i = 0; i < s->nimage; i++) {
        image_free(s->img[i]);
        s->img[i] = NULL;
    }
    snapshot_free(s->snap);
    s->snap = NULL;
}

/* The first image with symbols (an ELF that was not stripped), else the
 * first image, else NULL. */
const struct image *session_symbol_image(const struct session *s)
{
    for (size_t i = 0; i < s->nimage; i++) {
        if (s->img[i] != NULL && s->img[i]->nsyms > 0) {
            return s->img[i];
        }
    }
    return s->nimage > 0 ? s->img[0] : NULL;
}

int session_list_add(const char **list, size_t *n, const char *v,
                     const char *what, struct rc_msg *msg)
{
    if (*n == SESSION_MAX_LIST) {
        return rc_set(msg, RC_ARG, "too many %s options (at most %d)", what,
                      SESSION_MAX_LIST);
    }
    list[(*n)++] = v;
    return RC_OK;
}

/* Build the region map: profile, linker scripts, and (when connected) what
 * the board reports. */
int session_build_map(struct session *s, struct rc_msg *msg)
{
    return build_map(s, s->rrepl != NULL ? &s->info : NULL, 1, msg);
}

/* The map of the board bi describes (NULL: none attached).  io 0: without
 * a word to the board or the terminal (RC_UNSUPP when the map would need
 * the board's answers). */
static int build_map(struct session *s, const struct board_info *bi, int io,
                     struct rc_msg *msg)
{
    int connected = bi != NULL;
    int rc = rmap_new(&s->map);
    if (rc < 0) {
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    char dir[512];
    struct rc_msg pm = {{0}};
    profile_default_dir(dir, sizeof dir);
    int prc = profile_load_dir(dir, &s->profiles, &pm);
    if (io && (prc == RC_PARSE || prc == RC_IO)) {
        char e[CMD_ESC_MAX];
        cmd_outf(stderr, "mpeek: warning: %s (that profile is skipped)\n", cmd_esc(pm.text, e));
    }
    const struct profile *prof = NULL;
    if (s->board != NULL) {
        if (prc == RC_NOTFOUND) {
            return rc_set(msg, RC_NOTFOUND, "%s", pm.text);
        }
        prof = profile_find(&s->profiles, s->board);
        if (prof == NULL) {
            char names[300] = "";
            for (size_t i = 0; i < s->profiles.n; i++) {
                size_t l = strlen(names);
                snprintf(names + l, sizeof names - l, "%s%s", i ? ", " : "",
                         s->profiles.p[i].name);
            }
            return rc_set(msg, RC_ARG, "no board profile '%s' (known: %s)",
                          s->board, names);
        }
    } else if (connected) {
        prof = profile_choose(&s->profiles, bi->platform, bi->machine);
    }
    if (prof != NULL) {
        discover_add_profile(s->map, prof);
        rmap_note(s->map, "profile %s: %s", prof->name, prof->description);
    } else if (prc == RC_NOTFOUND) {
        rmap_note(s->map, "%s", pm.text);
    } else if (connected) {
        rmap_note(s->map, "no built-in profile matches this board (platform "
                  "'%s', machine '%s'): name one with --board, or give the "
                  "firmware's linker script with --ld", bi->platform, bi->machine);
    }
    if (s->nld > 0) {
        struct ldscript_opts lo = {
            .search_dirs = s->ld_path,
            .nsearch = s->nld_path,
            .defsyms = s->ld_defsym,
            .ndefsyms = s->nld_defsym,
        };
        rc = ldscript_new(&lo, &s->ldscript);
        if (rc < 0) {
            return rc_set(msg, rc, "bad --ld-defsym: give NAME=VALUE, e.g. "
                          "--ld-defsym _estack_reserve=8");
        }
        for (size_t i = 0; i < s->nld; i++) {
            rc = ldscript_load(s->ldscript, s->ld[i], msg);
            if (rc < 0) {
                return rc;
            }
        }
        for (size_t i = 0; io && i < ldscript_diag_count(s->ldscript); i++) {
            char e[CMD_ESC_MAX];
            cmd_outf(stderr, "mpeek: %s\n", cmd_esc(ldscript_diag(s->ldscript, i), e));
        }
        mapsrc_add_ld(s->map, s->ldscript);
    }
    if (!connected && s->snap != NULL) {
        apply_snapshot(s);
    }
    for (size_t i = 0; i < s->nimage; i++) {
        if (s->img[i]->kind == IMAGE_SNAP) {
            continue; /* its regions are the board's own */
        }
        mapsrc_add_image(s->map, s->img[i]);
        /* No board's map: does the image say which board it is for? */
        char names[200];
        size_t nb = prof == NULL && !connected && s->nld == 0
                        ? mapsrc_image_boards(&s->profiles, s->img[i], names,
                                              sizeof names)
                        : 0;
        if (nb > 0 && s->hint[0] == 0) {
            const char *base = strrchr(s->img[i]->path, '/');
            base = base ? base + 1 : s->img[i]->path;
            char first[64];
            snprintf(first, sizeof first, "%.*s", (int)strcspn(names, ","), names);
            if (nb == 1) {
                snprintf(s->hint, sizeof s->hint, "%.80s looks like an image for "
                         "the board %s: --board %s adds its memory map", base, names,
                         first);
            } else {
                snprintf(s->hint, sizeof s->hint, "%.80s looks like an image for "
                         "the boards %s: --board %s (or another of them) adds the "
                         "board's memory map", base, names, first);
            }
            rmap_note(s->map, "%s", s->hint);
        }
    }
    if (connected && !io) {
        /* Only the board's answers could tell more. */
        if ((s->needs & (CMD_HEAP | CMD_MODULES)) || prof == NULL || prof->ndiscover > 0) {
            return rc_set(msg, RC_UNSUPP, "the map needs the board's answers");
        }
    } else if (connected) {
        discover_info_init(&s->disc);
        rc = RC_OK;
        if ((s->needs & CMD_HEAP) || prof == NULL) {
            rc = discover_heap(s->rrepl, prof, s->map, &s->disc, msg);
        }
        if (rc == RC_OK && (s->needs & CMD_MODULES)) {
            rc = discover_modules(s->rrepl, &s->disc, msg);
        }
        if (rc == RC_OK) {
            rc = discover_port(s->rrepl, prof, s->map, msg);
        }
        if (rc < 0) {
            return rc_prefix(msg, rc, "asking the board about its memory");
        }
    }
    rmap_finish(s->map);
    if (s->reader != NULL && io) {
        /* The read policy: the reader guards and chooses loads by it. */
        mread_set_map(s->reader, s->map, s->unsafe);
    }
    return RC_OK;
}

/* The worker's way back to a board that went away: reopen the same port
 * (by USB serial number when known), re-enter the raw REPL.  Runs on the
 * worker thread while the explorer owns the link. */
int session_reconnect(void *ctx, struct rc_msg *msg)
{
    struct session *s = ctx;
    char spec[300];
    const char *usb = serial_usb_serial(s->serial);
    if (strncmp(s->port, "execpty:", 8) == 0) {
        return rc_set(msg, RC_UNSUPP, "an emulator that stopped is not restarted");
    }
    if (usb != NULL && usb[0] != 0) {
        snprintf(spec, sizeof spec, "id:%s", usb);
    } else if (strcmp(s->port, "auto") == 0) {
        snprintf(spec, sizeof spec, "%s", serial_name(s->serial));
    } else {
        snprintf(spec, sizeof spec, "%s", s->port);
    }
    struct serial *ns = NULL;
    int rc = serial_open(spec, &s->sopts, &ns, msg);
    if (rc < 0) {
        return rc;
    }
    struct rrepl_io io, old;
    rrepl_io_serial(&old, s->serial);
    rrepl_io_serial(&io, ns);
    rrepl_set_io(s->rrepl, &io);
    rc = rrepl_enter(s->rrepl, msg);
    if (rc < 0) {
        rrepl_set_io(s->rrepl, &old);
        serial_close(ns);
        return rc;
    }
    serial_close(s->serial);
    s->serial = ns;
    return RC_OK;
}

static void session_free_map(struct session *s)
{
    rmap_free(s->map);
    s->map = NULL;
    ldscript_free(s->ldscript);
    s->ldscript = NULL;
    profile_set_fini(&s->profiles);
    discover_info_fini(&s->disc);
}

void session_init(struct session *s)
{
    memset(s, 0, sizeof *s);
    serial_opts_init(&s->sopts);
    s->port = "auto";
    s->timeout_ms = 3000;
    s->progress = -1;
    s->cancel = &g_cancel;
}

int session_open_log(struct session *s, struct rc_msg *msg)
{
    if (s->log_path != NULL) {
        s->log = fopen(s->log_path, "a");
        if (s->log == NULL) {
            return rc_set(msg, RC_IO, "cannot open log %s: %s", s->log_path,
                          strerror(errno));
        }
    }
    return RC_OK;
}

void session_signals(void)
{
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
}

int session_attach(struct session *s, unsigned needs, struct rc_msg *msg)
{
    s->needs = needs;
    int rc = session_connect(s, msg);
    if (rc == RC_OK &&
        ((needs & CMD_MAP) || ((needs & CMD_GUARD) && !s->unsafe))) {
        rc = session_build_map(s, msg);
    }
    return rc;
}

int session_leave(struct session *s, int rc, struct rc_msg *msg)
{
    if (rc == RC_CANCEL || g_signals > 0) {
        rc = RC_CANCEL;
    }
    char what[sizeof msg->text];
    enum gave_back gave = session_disconnect(s, rc, what, sizeof what);
    if (g_signals > 0) {
        const char *how = g_signo == SIGTERM ? "terminated"
                        : g_signo == SIGHUP ? "hung up" : "interrupted";
        rc = RC_CANCEL;
        if (gave == GAVE_CLEAN) {
            rc_set(msg, RC_CANCEL, "%s; the board was left in its friendly "
                   "REPL", how);
        } else if (gave == GAVE_UNKNOWN) {
            rc_set(msg, RC_CANCEL, "%s; %s", how, what);
        } else {
            rc_set(msg, RC_CANCEL, "%s", how);
        }
    } else if (gave == GAVE_UNKNOWN && rc < 0) {
        char first[sizeof msg->text];
        snprintf(first, sizeof first, "%s", msg->text);
        rc_set(msg, rc, "%.200s; %s", first, what);
    } else if (gave == GAVE_UNKNOWN) {
        cmd_outf(stderr, "mpeek: warning: leaving the board: %s\n", what);
    }
    return rc;
}

void session_close(struct session *s)
{
    session_free_map(s);
    session_free_images(s);
    if (s->log != NULL) {
        fclose(s->log);
        s->log = NULL;
    }
}

int session_signal_count(void)
{
    return g_signals;
}

int session_first_signal(void)
{
    return g_signo;
}
