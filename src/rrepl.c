/*
 * rrepl.c: the raw-REPL engine (see rrepl.h).
 *
 * All reads go through one input buffer (r->in) so that bytes read ahead
 * while looking for a marker are never lost: callers that parse an answer
 * themselves (the memory reader) peek and consume from the same buffer.
 *
 * Answer framing of one command in the raw REPL:
 *     plain raw:  "OK" stdout "\x04" traceback "\x04" ">"
 *     raw-paste:  (credits "\x01"...) "\x04" stdout "\x04" traceback "\x04" ">"
 *
 * Memory stays bounded whatever the board sends: an answer is cut off at
 * its size limit, and waits for a marker keep only a short tail.
 */
#include "rrepl.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "serial.h"

#define RAW_BANNER "raw REPL; CTRL-B to exit\r\n>"
#define PASTE_THRESHOLD 96 /* shorter code goes in plain raw mode */
#define NAME_PREFIX "_mpk"
#define DEFAULT_REPLY (1u << 20) /* an answer nobody sized */
#define KEEP_TAIL 4096           /* bytes kept while looking for a marker */
#define ENTER_QUICK_MS 300       /* silence without the raw banner: the slow recipe */
#define ENTER_QUICK_CAP_MS 1500  /* ... or this long while output flows */

struct rrepl {
    struct rrepl_io io;
    struct rrepl_opts opts;
    struct buf in;     /* received, not yet consumed */
    struct buf seen;   /* what attaching saw, for messages */
    int raw_paste;     /* -1 unknown, 0 no, 1 yes */
    int pending;       /* commands sent, answers not yet ended */
    int begun;         /* the oldest pending answer passed its "OK" */
    int in_raw;        /* we believe the board is in the raw REPL */
    int entered;       /* the raw REPL was entered on this link */
    int slice_bytes;
    int slice_pause_ms;
    int slices_set;    /* rrepl_set_slices was called */
    int empty_paste;   /* the answer to an empty raw-paste is still due */
    int handshake_due; /* the raw-paste request went out with the switch */
    unsigned long long bytes_in;
    /* the answer being read: its bounds */
    int ans_active;
    size_t ans_got, ans_limit, ans_want;
    int64_t ans_deadline;
    int ans_secs;
    /* the next answer's expectation (rrepl_expect) */
    int exp_set;
    size_t exp_bytes;
    int exp_work_ms;
    int64_t hard_deadline; /* rrepl_set_deadline; 0 none */
    char names[16];    /* "_mpk1a2b" */
    int names_claimed;
    /* A command that defines names behind the board's own check of the
     * prefix (and sets the marker global <prefix>m to nonce) was sent, and
     * its answer has not said whether they were free. */
    int names_maybe;
    int marker;        /* the marker global may exist (names_maybe was set) */
    uint32_t nonce;
    struct buf leave_code; /* rrepl_on_leave: run on the way out */
    int leave_sent;        /* rrepl_leave_early: \r Ctrl-B is on its way */
    unsigned name_seq;     /* rrepl_renew_names: the next in the sequence */
};

static ssize_t rrepl_serial_read(void *ctx, void *buf, size_t len,
                                 int timeout_ms, struct rc_msg *msg)
{
    return serial_read(ctx, buf, len, timeout_ms, msg);
}

static int rrepl_serial_write(void *ctx, const void *buf, size_t len,
                              int timeout_ms, struct rc_msg *msg)
{
    return serial_write(ctx, buf, len, timeout_ms, msg);
}

void rrepl_io_serial(struct rrepl_io *io, struct serial *s)
{
    io->read = rrepl_serial_read;
    io->write = rrepl_serial_write;
    io->ctx = s;
    io->name = serial_name(s);
}

int rrepl_new(const struct rrepl_io *io, const struct rrepl_opts *opts,
              struct rrepl **out)
{
    *out = NULL;
    struct rrepl *r = calloc(1, sizeof *r);
    if (r == NULL) {
        return RC_NOMEM;
    }
    r->io = *io;
    r->opts = *opts;
    if (r->opts.timeout_ms <= 0) {
        r->opts.timeout_ms = 3000;
    }
    buf_init(&r->in);
    buf_init(&r->seen);
    buf_init(&r->leave_code);
    r->raw_paste = -1;
    r->slice_bytes = 32;
    r->slice_pause_ms = 10;
    rrepl_renew_names(r);
    *out = r;
    return RC_OK;
}

void rrepl_renew_names(struct rrepl *r)
{
    /* The same names every session (the board checks they are free, and
     * the next in the sequence is taken when not): a name is a qstr, and
     * qstrs are never freed, so a new name per session would grow the
     * board's qstr pools a little every time.  The marker's nonce is what
     * tells this session's names from another's. */
    static unsigned salt;
    unsigned v = (unsigned)getpid() * 2654435761u ^
                 (unsigned)clock_ms() * 40503u ^ (++salt * 0x9e37u) ^
                 (unsigned)(((uintptr_t)r) >> 4);
    snprintf(r->names, sizeof r->names, NAME_PREFIX "%04x",
             (0x7e10u + r->name_seq++) & 0xffffu);
    r->names_claimed = 0;
    r->names_maybe = 0;
    r->marker = 0;
    r->nonce = (v * 2246822519u) ^ (unsigned)clock_ms() ^ 0x5bd1e995u;
}

void rrepl_names_maybe(struct rrepl *r)
{
    r->names_maybe = 1;
    r->marker = 1;
}

void rrepl_marker(const struct rrepl *r, char *buf, size_t size)
{
    snprintf(buf, size, NAME_PREFIX "m=%lu", (unsigned long)r->nonce);
}

void rrepl_marker_check(const struct rrepl *r, char *buf, size_t size)
{
    snprintf(buf, size, "globals().get('" NAME_PREFIX "m')==%lu", (unsigned long)r->nonce);
}

static const char pop[] = "[globals().pop(k) for k in list(globals()) "
                          "if k[:8]=='" NAME_PREFIX "']";

const char *rrepl_cleanup_all(void)
{
    return pop;
}

int rrepl_cleanup_code(const struct rrepl *r, char *buf, size_t size)
{
    if (r->names_claimed) {
        snprintf(buf, size, "%s", pop);
    } else if (r->names_maybe) {
        /* Only if the marker holds this session's nonce: else the names
         * were the board's own (the check found them taken). */
        char check[80];
        rrepl_marker_check(r, check, sizeof check);
        snprintf(buf, size, "if %s:%s", check, pop);
    } else {
        if (size > 0) {
            buf[0] = 0;
        }
        return 0;
    }
    return 1;
}

const char *rrepl_names(const struct rrepl *r)
{
    return r->names;
}

void rrepl_claim_names(struct rrepl *r)
{
    r->names_claimed = 1;
    r->names_maybe = 0;
}

void rrepl_names_released(struct rrepl *r)
{
    r->names_claimed = 0;
    r->names_maybe = 0;
    r->marker = 0;
}

int rrepl_names_claimed(const struct rrepl *r)
{
    return r->names_claimed;
}

int rrepl_entered(const struct rrepl *r)
{
    return r->entered;
}

void rrepl_expect(struct rrepl *r, size_t bytes, int work_ms)
{
    r->exp_set = 1;
    r->exp_bytes = bytes;
    r->exp_work_ms = work_ms > 0 ? work_ms : 0;
}

void rrepl_set_deadline(struct rrepl *r, int64_t at_ms)
{
    r->hard_deadline = at_ms;
}

/* The oldest pending answer starts: fix its bounds. */
static void ans_start(struct rrepl *r)
{
    if (r->ans_active) {
        return;
    }
    int64_t t = r->opts.timeout_ms;
    int64_t ms;
    if (r->exp_set) {
        int64_t baud = r->opts.baud > 0 ? r->opts.baud : 115200;
        r->ans_want = r->exp_bytes;
        r->ans_limit = r->exp_bytes + r->exp_bytes / 8 + 4096;
        ms = 2 * t + r->exp_work_ms + (int64_t)r->exp_bytes * 40000 / baud;
    } else {
        r->ans_want = 0;
        r->ans_limit = DEFAULT_REPLY;
        ms = 3 * t + 5000;
    }
    r->ans_active = 1;
    r->ans_got = 0;
    r->ans_deadline = clock_ms() + ms;
    r->ans_secs = (int)((ms + 999) / 1000);
    r->exp_set = 0;
}

static void ans_stop(struct rrepl *r)
{
    r->ans_active = 0;
}

void rrepl_free(struct rrepl *r)
{
    if (r == NULL) {
        return;
    }
    buf_fini(&r->in);
    buf_fini(&r->seen);
    buf_fini(&r->leave_code);
    free(r);
}

void rrepl_set_io(struct rrepl *r, const struct rrepl_io *io)
{
    r->io = *io;
    buf_clear(&r->in);
    r->pending = 0;
    r->begun = 0;
    r->in_raw = 0;
    r->empty_paste = 0;
    r->handshake_due = 0;
    ans_stop(r);
}

void rrepl_set_slices(struct rrepl *r, int bytes, int pause_ms)
{
    r->slice_bytes = bytes > 0 ? bytes : 32;
    r->slice_pause_ms = pause_ms >= 0 ? pause_ms : 0;
    r->slices_set = 1;
}

int rrepl_check_link(struct rrepl *r, struct rc_msg *msg)
{
    /* A few milliseconds so that a hang-up is polled for, not just a read
     * of nothing. */
    int rc = rrepl_fill(r, 5, msg);
    return rc == RC_CLOSED ? RC_CLOSED : RC_OK;
}

int rrepl_timeout(const struct rrepl *r)
{
    return r->opts.timeout_ms;
}

unsigned long long rrepl_bytes_in(const struct rrepl *r)
{
    return r->bytes_in;
}

int rrepl_has_raw_paste(const struct rrepl *r)
{
    return r->raw_paste;
}

const char *rrepl_seen(const struct rrepl *r)
{
    return buf_str(&r->seen);
}

int rrepl_pending(const struct rrepl *r)
{
    return r->pending;
}

const unsigned char *rrepl_peek(const struct rrepl *r, size_t *len)
{
    *len = r->in.len;
    return r->in.data;
}

void rrepl_consume(struct rrepl *r, size_t n)
{
    buf_consume(&r->in, n);
    if (r->ans_active) {
        r->ans_got += n;
    }
}

/* ---- wire log ---------------------------------------------------------- */

static void rrepl_log(struct rrepl *r, const char *dir, const void *p,
                      size_t n)
{
    if (r->opts.log == NULL || n == 0) {
        return;
    }
    const unsigned char *s = p;
    fprintf(r->opts.log, "%lld %s %zu ", (long long)clock_ms(), dir, n);
    size_t shown = n > 400 ? 400 : n;
    for (size_t i = 0; i < shown; i++) {
        if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\') {
            fputc(s[i], r->opts.log);
        } else {
            fprintf(r->opts.log, "\\x%02x", s[i]);
        }
    }
    if (shown < n) {
        fputs("...", r->opts.log);
    }
    fputc('\n', r->opts.log);
    fflush(r->opts.log);
}

/* ---- low-level I/O ------------------------------------------------------ */

static int rrepl_cancelled(const struct rrepl *r)
{
    return r->opts.cancel != NULL && *r->opts.cancel;
}

static int rrepl_write(struct rrepl *r, const void *p, size_t n,
                       struct rc_msg *msg)
{
    if (rrepl_cancelled(r)) {
        return rc_set(msg, RC_CANCEL, "interrupted");
    }
    rrepl_log(r, ">", p, n);
    return r->io.write(r->io.ctx, p, n, r->opts.timeout_ms, msg);
}

static void rrepl_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int rrepl_fill(struct rrepl *r, int timeout_ms, struct rc_msg *msg)
{
    unsigned char tmp[4096];
    if (rrepl_cancelled(r)) {
        return rc_set(msg, RC_CANCEL, "interrupted");
    }
    if (r->ans_active && r->ans_got > r->ans_limit) {
        if (r->ans_want > 0) {
            return rc_set(msg, RC_PROTO,
                          "the board on %s sent more than %zu bytes for an "
                          "answer of about %zu; it does not stop: reset it",
                          r->io.name, r->ans_limit, r->ans_want);
        }
        return rc_set(msg, RC_PROTO,
                      "the board on %s sent more than %zu bytes for one "
                      "answer; it does not stop: reset it", r->io.name,
                      r->ans_limit);
    }
    int wait = timeout_ms;
    int capped = 0; /* 1 answer deadline, 2 hard deadline */
    if (r->ans_active) {
        int left = clock_left(r->ans_deadline);
        if (left <= wait) {
            wait = left;
            capped = 1;
        }
    }
    if (r->hard_deadline != 0) {
        int left = clock_left(r->hard_deadline);
        if (left <= wait) {
            wait = left;
            capped = 2;
        }
    }
    ssize_t n = wait > 0 || timeout_ms == 0
        ? r->io.read(r->io.ctx, tmp, sizeof tmp, wait, msg) : 0;
    if (n < 0) {
        return (int)n;
    }
    if (n == 0 && capped == 1 && wait < timeout_ms) {
        return rc_set(msg, RC_TIMEOUT,
                      "the board on %s did not finish its answer within %d s "
                      "(%zu bytes came); it is too slow or keeps sending: "
                      "check --baud, or reset it", r->io.name, r->ans_secs,
                      r->ans_got);
    }
    if (n == 0 && capped == 2 && wait < timeout_ms) {
        return rc_set(msg, RC_TIMEOUT, "gave up waiting for the board on %s",
                      r->io.name);
    }
    if (n == 0) {
        return rc_set(msg, RC_TIMEOUT,
                      "the board on %s stopped answering (no reply for %d ms)",
                      r->io.name, timeout_ms);
    }
    rrepl_log(r, "<", tmp, (size_t)n);
    r->bytes_in += (unsigned long long)n;
    if (buf_add(&r->in, tmp, (size_t)n) != RC_OK) {
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    return (int)n;
}

/* Read and discard until the line has been quiet for quiet_ms (at most
 * max_ms in all).  Returns 1 if anything arrived, 0 if not, < 0 on error. */
static int rrepl_drain(struct rrepl *r, int quiet_ms, int max_ms,
                       struct rc_msg *msg)
{
    int64_t end = clock_ms() + max_ms;
    int any = 0;
    for (;;) {
        int left = clock_left(end);
        if (left == 0) {
            break;
        }
        int rc = rrepl_fill(r, left < quiet_ms ? left : quiet_ms, msg);
        if (rc == RC_TIMEOUT) {
            break;
        }
        if (rc < 0) {
            return rc;
        }
        any = 1;
        if (r->seen.len < 4096) {
            buf_add(&r->seen, r->in.data, r->in.len);
        }
        buf_clear(&r->in);
    }
    return any;
}

static const unsigned char *find_bytes(const unsigned char *hay, size_t n,
                                       const char *needle)
{
    size_t m = strlen(needle);
    if (m == 0 || n < m) {
        return NULL;
    }
    for (size_t i = 0; i + m <= n; i++) {
        if (hay[i] == (unsigned char)needle[0] && memcmp(hay + i, needle, m) == 0) {
            return hay + i;
        }
    }
    return NULL;
}

/* Read until the input ends with suffix; everything up to and including it
 * is consumed.  Waits at most timeout_ms in all. */
static int rrepl_wait_suffix(struct rrepl *r, const char *suffix,
                             int timeout_ms, struct rc_msg *msg)
{
    int64_t end = clock_ms() + timeout_ms;
    for (;;) {
        const unsigned char *at = find_bytes(r->in.data, r->in.len, suffix);
        if (at != NULL) {
            size_t upto = (size_t)(at - r->in.data) + strlen(suffix);
            if (r->seen.len < 4096) {
                buf_add(&r->seen, r->in.data, upto);
            }
            buf_consume(&r->in, upto);
            return RC_OK;
        }
        /* Not there yet: keep only a tail that may hold its start. */
        size_t m = strlen(suffix);
        if (r->in.len > KEEP_TAIL + m) {
            size_t drop = r->in.len - (m - 1);
            if (r->seen.len < 4096) {
                buf_add(&r->seen, r->in.data,
                        drop < 4096 - r->seen.len ? drop : 4096 - r->seen.len);
            }
            buf_consume(&r->in, drop);
        }
        int left = clock_left(end);
        if (left == 0) {
            return rc_set(msg, RC_TIMEOUT, "timed out waiting for the board");
        }
        int rc = rrepl_fill(r, left, msg);
        if (rc < 0) {
            return rc;
        }
    }
}

/* A printable excerpt of bytes for error messages. */
static void excerpt(const unsigned char *p, size_t n, char *out, size_t size)
{
    size_t o = 0;
    size_t start = n > 60 ? n - 60 : 0;
    for (size_t i = start; i < n && o + 5 < size; i++) {
        unsigned char c = p[i];
        if (c >= 0x20 && c < 0x7f) {
            out[o++] = (char)c;
        } else if (c == '\r' || c == '\n') {
            out[o++] = ' ';
        } else {
            o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
        }
    }
    out[o < size ? o : size - 1] = 0;
}

/* ---- attach and detach -------------------------------------------------- */

static int rrepl_send_plain(struct rrepl *r, const char *code, size_t len,
                            struct rc_msg *msg);
static int rrepl_rename(const struct rrepl *r, const char *code,
                        struct buf *out);
static int rrepl_settle(struct rrepl *r, struct rc_msg *msg);
static int rrepl_resolve(struct rrepl *r, struct rc_msg *msg);

static int rrepl_try_enter(struct rrepl *r, int timeout_ms, struct rc_msg *msg)
{
    int rc = rrepl_write(r, "\r\x01", 2, msg);
    if (rc < 0) {
        return rc;
    }
    return rrepl_wait_suffix(r, RAW_BANNER, timeout_ms, msg);
}

int rrepl_enter(struct rrepl *r, struct rc_msg *msg)
{
    int rc;
    buf_clear(&r->seen);
    buf_clear(&r->in);
    r->pending = 0;
    r->begun = 0;
    r->empty_paste = 0;
    ans_stop(r);
    /* The quick way, for a board idle at a prompt (or a program that
     * stops at once): Ctrl-C, then at once \r Ctrl-A, and wait for the
     * raw banner, not for a clock.  Ctrl-C first, so that a half-typed
     * line is dropped, not submitted by the \r. */
    /* Not knowing yet whether the firmware has raw-paste, ask at once
     * behind the switch (harmless on old firmware: the request's \x01
     * just restarts the raw REPL); the reply is read before anything else
     * is sent (rrepl_resolve). */
    r->handshake_due = 0;
    int ask = r->raw_paste == -1;
    rc = rrepl_write(r, "\x03\r\x01\x05" "A\x01", ask ? 6 : 3, msg);
    if (rc < 0) {
        return rc;
    }
    /* Wait while the board talks (an interrupted program's last output
     * and traceback come first), up to a cap; silence without the banner
     * means the keys did not take. */
    int first = r->opts.timeout_ms / 2 > 500 ? r->opts.timeout_ms / 2 : 500;
    int64_t quick_end = clock_ms() + first + ENTER_QUICK_CAP_MS;
    unsigned long long start_in = r->bytes_in;
    for (;;) {
        unsigned long long before = r->bytes_in;
        /* Some boards (an emulator just opened) are slow to say anything
         * at all: wait for the first byte as long as the slow recipe
         * would, then only while the line is busy. */
        rc = rrepl_wait_suffix(r, RAW_BANNER,
                               r->bytes_in == start_in ? first : ENTER_QUICK_MS,
                               msg);
        if (rc != RC_TIMEOUT || r->bytes_in == before ||
            clock_left(quick_end) == 0) {
            break;
        }
    }
    if (rc == RC_OK) {
        r->in_raw = 1;
        r->entered = 1;
        r->handshake_due = ask;
        /* Its reply follows the banner at once: take it (and end the
         * empty paste, whose answer is read later), so the board stands
         * at the raw prompt. */
        rc = rrepl_resolve(r, msg);
        return rc < 0 ? rc : RC_OK;
    }
    if (rc != RC_TIMEOUT) {
        return rc;
    }
    /* No banner promptly: a program still runs (or ignored the keys, or
     * read them).  Interrupt it, then let its output settle; repeat while
     * output keeps flowing (a program printing in a loop). */
    for (int i = 0; i < 3; i++) {
        rc = rrepl_write(r, "\x03", 1, msg);
        if (rc < 0) {
            return rc;
        }
        rc = rrepl_drain(r, 150, 600, msg);
        if (rc < 0) {
            return rc;
        }
        if (rc == 0) {
            break; /* quiet: nothing (or nothing more) is running */
        }
    }
    int per_try = r->opts.timeout_ms / 2 > 500 ? r->opts.timeout_ms / 2 : 500;
    rc = rrepl_try_enter(r, per_try, msg);
    if (rc == RC_TIMEOUT) {
        /* Maybe a raw-paste or paste mode was left half done, or the board
         * was still booting: Ctrl-C again, Ctrl-B, then try once more. */
        rc = rrepl_write(r, "\x03\x02\x03", 3, msg);
        if (rc < 0) {
            return rc;
        }
        if ((rc = rrepl_drain(r, 150, 600, msg)) < 0) {
            return rc;
        }
        rc = rrepl_try_enter(r, per_try, msg);
    }
    if (rc == RC_TIMEOUT) {
        char ex[128];
        buf_add(&r->seen, r->in.data, r->in.len);
        if (r->seen.len == 0) {
            return rc_set(msg, RC_TIMEOUT,
                          "no answer from %s within %d ms: is a MicroPython "
                          "board on this port, and is it running? (check "
                          "--port and --baud, or reset the board)",
                          r->io.name, r->opts.timeout_ms);
        }
        excerpt(r->seen.data, r->seen.len, ex, sizeof ex);
        return rc_set(msg, RC_PROTO,
                      "%s does not answer like a MicroPython REPL (it sent "
                      "\"%s\"); check --port and --baud", r->io.name, ex);
    }
    if (rc < 0) {
        return rc;
    }
    /* The keys of the quick try may still be read late (a program that
     * took long to stop) and restart the raw REPL once more: let the line
     * go quiet, and if it spoke, enter again so the last banner is ours. */
    for (int i = 0; i < 3; i++) {
        int stale = r->in.len > 0;
        if (stale && r->seen.len < 4096) {
            buf_add(&r->seen, r->in.data, r->in.len);
        }
        buf_clear(&r->in);
        if ((rc = rrepl_drain(r, 150, 1000, msg)) < 0) {
            return rc;
        }
        if (rc == 0 && !stale) {
            break;
        }
        if ((rc = rrepl_try_enter(r, per_try, msg)) < 0) {
            return rc;
        }
    }
    r->in_raw = 1;
    r->entered = 1;
    return RC_OK;
}

int rrepl_resync(struct rrepl *r, struct rc_msg *msg)
{
    int rc;
    /* Interrupt our own command (and any pipelined one queued behind it). */
    for (int i = 0; i < 2; i++) {
        rc = rrepl_write(r, "\x03", 1, msg);
        if (rc < 0) {
            return rc;
        }
        rc = rrepl_drain(r, 200, 1500, msg);
        if (rc < 0) {
            return rc;
        }
    }
    r->pending = 0;
    r->begun = 0;
    r->empty_paste = 0;
    r->handshake_due = 0;
    r->leave_sent = 0;
    ans_stop(r);
    buf_clear(&r->in);
    int per_try = r->opts.timeout_ms;
    rc = rrepl_try_enter(r, per_try, msg);
    if (rc == RC_TIMEOUT) {
        return rc_set(msg, RC_TIMEOUT,
                      "the board on %s stopped answering; it may have "
                      "faulted (an unmapped address hangs some boards): "
                      "reset it and try again", r->io.name);
    }
    if (rc == RC_OK) {
        r->in_raw = 1;
        r->entered = 1;
    }
    return rc;
}

void rrepl_abandon(struct rrepl *r)
{
    char code[200];
    struct buf keys;
    buf_init(&keys);
    if (r->names_claimed) {
        /* Short: the keys go unpaced to a board that may hold only 64
         * bytes of input (the micro:bit's 1.9.2) while it recovers; the
         * helper is what a stopped read leaves. */
        if (r->marker) {
            snprintf(code, sizeof code, "del %s,%sm", r->names, r->names);
        } else {
            snprintf(code, sizeof code, "del %s", r->names);
        }
        buf_addstr(&keys, "\x03\x03\r\x01");
        buf_addstr(&keys, code);
        buf_addstr(&keys, "\x04\r\x02");
    } else if (rrepl_cleanup_code(r, code, sizeof code)) {
        /* Ctrl-C twice stops whatever runs (the helper, a request queued
         * behind it); the raw REPL then deletes mpeek's names; Ctrl-B
         * leaves. */
        buf_addstr(&keys, "\x03\x03\r\x01");
        rrepl_rename(r, code, &keys);
        buf_addstr(&keys, "\x04\r\x02");
    } else {
        buf_addstr(&keys, "\x03\x03\r\x02");
    }
    if (!buf_failed(&keys)) {
        rrepl_log(r, ">", buf_str(&keys), keys.len);
        struct rc_msg m;
        (void)r->io.write(r->io.ctx, buf_str(&keys), keys.len, 500, &m);
    }
    buf_fini(&keys);
    buf_clear(&r->leave_code);
    r->handshake_due = 0;
    r->empty_paste = 0;
    r->pending = 0;
    r->begun = 0;
    r->in_raw = 0;
    ans_stop(r);
    buf_clear(&r->in);
}

/* After \r Ctrl-B: the friendly REPL's prompt. */
static int rrepl_await_friendly(struct rrepl *r, struct rc_msg *msg)
{
    r->in_raw = 0;
    int t = r->opts.timeout_ms < 2000 ? r->opts.timeout_ms : 2000;
    int rc = rrepl_wait_suffix(r, ">>> ", t, msg);
    if (rc == RC_TIMEOUT) {
        return rc_set(msg, RC_TIMEOUT,
                      "the board on %s did not show its '>>> ' prompt after "
                      "leaving the raw REPL", r->io.name);
    }
    return rc;
}

int rrepl_leave_early(struct rrepl *r, struct rc_msg *msg)
{
    /* (The empty paste's answer is taken before a command's that was
     * sent after it: with one pending it is no obstacle.) */
    if (!r->in_raw || r->leave_code.len > 0 || (r->empty_paste && r->pending == 0)) {
        return 0; /* leaving as usual */
    }
    int rc = rrepl_write(r, "\r\x02", 2, msg);
    if (rc < 0) {
        return rc;
    }
    r->leave_sent = 1;
    return 1;
}

int rrepl_leave(struct rrepl *r, struct rc_msg *msg)
{
    int rc;
    if (r->leave_sent && r->pending == 0) {
        /* \r Ctrl-B went out behind the last command; what came after its
         * raw prompt is the start of the banner (kept in r->in). */
        r->leave_sent = 0;
        return rrepl_await_friendly(r, msg);
    }
    if (r->pending > 0) {
        rc = rrepl_resync(r, msg);
        if (rc < 0) {
            return rc;
        }
    }
    if ((rc = rrepl_resolve(r, msg)) < 0) {
        return rc;
    }
    if (!r->empty_paste) {
        buf_clear(&r->in);
    }
    int queued = 0;
    if (r->leave_code.len > 0 && r->in_raw) {
        /* The last command and Ctrl-B in one go: the board runs the
         * command, then reads the \r Ctrl-B waiting behind it. */
        rc = rrepl_send_plain(r, buf_str(&r->leave_code), r->leave_code.len,
                              msg);
        buf_clear(&r->leave_code);
        if (rc < 0) {
            return rc;
        }
        queued = 1;
    }
    buf_clear(&r->leave_code);
    rc = rrepl_write(r, "\r\x02", 2, msg);
    if (rc < 0) {
        return rc;
    }
    if (queued) {
        rc = rrepl_end(r, NULL, NULL, msg);
        if (rc < 0 && rc != RC_DEVICE && rc != RC_DEVMEM) {
            return rc;
        }
    } else if ((rc = rrepl_settle(r, msg)) < 0) {
        return rc;
    }
    return rrepl_await_friendly(r, msg);
}

int rrepl_on_leave(struct rrepl *r, const char *code, struct rc_msg *msg)
{
    buf_clear(&r->leave_code);
    if (rrepl_rename(r, code, &r->leave_code) != RC_OK ||
        buf_failed(&r->leave_code)) {
        buf_clear(&r->leave_code);
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    return RC_OK;
}

/* Code queued for leaving goes out first when another command is sent
 * instead (it is then an ordinary pipelined command). */
static int rrepl_flush_leave(struct rrepl *r, struct rc_msg *msg)
{
    if (r->leave_code.len == 0) {
        return RC_OK;
    }
    int rc = rrepl_send_plain(r, buf_str(&r->leave_code), r->leave_code.len,
                              msg);
    buf_clear(&r->leave_code);
    return rc;
}

/* ---- running code ------------------------------------------------------- */

/* Plain raw mode: send code in slices, then Ctrl-D.  Never sends an empty
 * command (a bare Ctrl-D at the raw prompt soft-resets the board). */
static int rrepl_send_plain(struct rrepl *r, const char *code, size_t len,
                            struct rc_msg *msg)
{
    int rrc = rrepl_resolve(r, msg);
    if (rrc < 0) {
        return rrc;
    }
    if (len == 0) {
        code = "pass";
        len = 4;
    }
    size_t slice = (size_t)r->slice_bytes;
    if (r->raw_paste == 1 && !r->slices_set) {
        /* Firmware with raw-paste (v1.14 on) reads standard raw mode in
         * 256-byte slices as pyboard.py and mpremote send them; the small
         * slices are for the micro:bit's 64-byte receive ring. */
        slice = 256;
    }
    for (size_t off = 0; off < len; off += slice) {
        size_t n = len - off < slice ? len - off : slice;
        int rc = rrepl_write(r, code + off, n, msg);
        if (rc < 0) {
            return rc;
        }
        if (off + n < len && r->slice_pause_ms > 0) {
            rrepl_sleep_ms(r->slice_pause_ms);
        }
    }
    int rc = rrepl_write(r, "\x04", 1, msg);
    if (rc < 0) {
        return rc;
    }
    r->pending++;
    return RC_OK;
}

/* code with every "_mpk" turned into the session's prefix. */
static int rrepl_rename(const struct rrepl *r, const char *code,
                        struct buf *out)
{
    size_t pl = strlen(NAME_PREFIX);
    const char *p = code;
    const char *at;
    while ((at = strstr(p, NAME_PREFIX)) != NULL) {
        if (buf_add(out, p, (size_t)(at - p)) != RC_OK ||
            buf_addstr(out, r->names) != RC_OK) {
            return RC_NOMEM;
        }
        p = at + pl;
    }
    if (buf_addstr(out, p) != RC_OK) {
        return RC_NOMEM;
    }
    buf_str(out);
    return RC_OK;
}

int rrepl_send(struct rrepl *r, const char *code, struct rc_msg *msg)
{
    if (!r->in_raw) {
        return rc_set(msg, RC_ARG, "not in the raw REPL");
    }
    int rc = rrepl_flush_leave(r, msg);
    if (rc < 0) {
        return rc;
    }
    struct buf c;
    buf_init(&c);
    rc = rrepl_rename(r, code, &c);
    if (rc == RC_OK) {
        rc = rrepl_send_plain(r, buf_str(&c), c.len, msg);
    } else {
        rc = rc_set(msg, RC_NOMEM, "out of memory");
    }
    buf_fini(&c);
    return rc;
}

/* Take exactly n bytes from the input, waiting as needed. */
static int rrepl_take(struct rrepl *r, unsigned char *out, size_t n,
                      struct rc_msg *msg)
{
    while (r->in.len < n) {
        int rc = rrepl_fill(r, r->opts.timeout_ms, msg);
        if (rc < 0) {
            return rc;
        }
    }
    memcpy(out, r->in.data, n);
    buf_consume(&r->in, n);
    return RC_OK;
}

/* Read the answer to the empty raw-paste of rrepl_detect_raw_paste (its
 * receipt, two empty segments and the prompt) before any other. */
static int rrepl_settle(struct rrepl *r, struct rc_msg *msg)
{
    if (!r->empty_paste) {
        return RC_OK;
    }
    r->empty_paste = 0;
    return rrepl_wait_suffix(r, "\x04>", r->opts.timeout_ms, msg);
}

/* Try the raw-paste handshake.  Returns 1 if active (window in *window),
 * 0 if the firmware has no raw-paste (state restored to the raw prompt). */
static int rrepl_paste_handshake(struct rrepl *r, unsigned *window,
                                 struct rc_msg *msg)
{
    unsigned char rep[2];
    int rc = rrepl_settle(r, msg);
    if (rc < 0) {
        return rc;
    }
    if (r->handshake_due) {
        r->handshake_due = 0; /* sent with the switch */
    } else if ((rc = rrepl_write(r, "\x05" "A\x01", 3, msg)) < 0) {
        return rc;
    }
    if ((rc = rrepl_take(r, rep, 2, msg)) < 0) {
        return rc;
    }
    if (rep[0] == 'R' && rep[1] == 1) {
        unsigned char w[3];
        if ((rc = rrepl_take(r, w, 3, msg)) < 0) {
            return rc;
        }
        *window = (unsigned)w[0] | ((unsigned)w[1] << 8);
        if (*window == 0 || w[2] != 1) {
            /* A mangled reply (a link that is not 8-bit clean turns 0x80
             * into 0x00): end the empty paste and do without raw-paste. */
            if ((rc = rrepl_write(r, "\x04", 1, msg)) < 0 ||
                (rc = rrepl_wait_suffix(r, "\x04>", r->opts.timeout_ms, msg)) < 0) {
                return rc;
            }
            r->raw_paste = 0;
            return 0;
        }
        r->raw_paste = 1;
        return 1;
    }
    if (rep[0] == 'R' && rep[1] == 0) {
        /* Not understood: the board prints '>' and stays in raw mode. */
        r->raw_paste = 0;
        if ((rc = rrepl_wait_suffix(r, ">", r->opts.timeout_ms, msg)) < 0) {
            return rc;
        }
        return 0;
    }
    if (rep[0] == 'r' && rep[1] == 'a') {
        /* Old firmware: \x05A went into the line, \x01 restarted the raw
         * REPL (clearing the line) and printed its banner again. */
        r->raw_paste = 0;
        if ((rc = rrepl_wait_suffix(r, "w REPL; CTRL-B to exit\r\n>",
                                    r->opts.timeout_ms, msg)) < 0) {
            return rc;
        }
        return 0;
    }
    return rc_set(msg, RC_PROTO,
                  "unexpected reply 0x%02x 0x%02x to the raw-paste request "
                  "from %s", rep[0], rep[1], r->io.name);
}

/* Send code through raw-paste with the device's window flow control, up to
 * the device's receipt (the \x04 that says all data was taken). */
static int rrepl_paste_data(struct rrepl *r, const char *code, size_t len,
                            unsigned window, struct rc_msg *msg)
{
    /* The window-size reply and the \x01 after it each grant a window. */
    size_t remaining = 2 * (size_t)window;
    size_t off = 0;
    /* Credits beyond what the code can use mean the board is not doing
     * raw-paste (or is streaming \x01). */
    size_t credits = 0, max_credits = len / window + 8;
    int rc;
    while (off < len) {
        /* Collect credits: block while we have none, else take what
         * already arrived (one look, so a stream cannot hold us here). */
        int looked = 0;
        for (;;) {
            if (r->in.len > 0) {
                unsigned char c = r->in.data[0];
                buf_consume(&r->in, 1);
                if (c == 0x01) {
                    remaining += window;
                    if (++credits > max_credits) {
                        return rc_set(msg, RC_PROTO, "the board on %s sent "
                                      "more raw-paste credits than the "
                                      "code needs", r->io.name);
                    }
                } else if (c == 0x04) {
                    /* The device wants to stop (e.g. a compile error). */
                    rc = rrepl_write(r, "\x04", 1, msg);
                    if (rc < 0) {
                        return rc;
                    }
                    r->pending++;
                    r->begun = 1;
                    ans_start(r);
                    return RC_OK;
                } else {
                    return rc_set(msg, RC_PROTO,
                                  "unexpected byte 0x%02x from %s during "
                                  "raw-paste", c, r->io.name);
                }
                continue;
            }
            if (remaining > 0) {
                if (looked) {
                    break;
                }
                looked = 1;
                /* Non-blocking look for more credits. */
                rc = rrepl_fill(r, 0, msg);
                if (rc == RC_TIMEOUT) {
                    break;
                }
                if (rc < 0) {
                    return rc;
                }
                continue;
            }
            rc = rrepl_fill(r, r->opts.timeout_ms, msg);
            if (rc < 0) {
                return rc;
            }
        }
        size_t n = len - off < remaining ? len - off : remaining;
        rc = rrepl_write(r, code + off, n, msg);
        if (rc < 0) {
            return rc;
        }
        off += n;
        remaining -= n;
    }
    rc = rrepl_write(r, "\x04", 1, msg);
    if (rc < 0) {
        return rc;
    }
    /* Read up to the receipt, skipping late credits. */
    for (;;) {
        unsigned char c;
        if ((rc = rrepl_take(r, &c, 1, msg)) < 0) {
            return rc;
        }
        if (c == 0x04) {
            break;
        }
        if (c != 0x01) {
            return rc_set(msg, RC_PROTO,
                          "unexpected byte 0x%02x from %s after raw-paste",
                          c, r->io.name);
        }
        if (++credits > max_credits) {
            return rc_set(msg, RC_PROTO, "the board on %s sent more raw-paste "
                          "credits than the code needs", r->io.name);
        }
    }
    r->pending++;
    r->begun = 1; /* raw-paste answers have no "OK" */
    ans_start(r);
    return RC_OK;
}

int rrepl_begin(struct rrepl *r, struct rc_msg *msg)
{
    if (r->pending <= 0) {
        return rc_set(msg, RC_ARG, "no command pending");
    }
    if (r->begun) {
        return RC_OK;
    }
    int src = rrepl_settle(r, msg);
    if (src < 0) {
        return src;
    }
    ans_start(r);
    int64_t end = clock_ms() + r->opts.timeout_ms;
    while (r->in.len < 2) {
        int left = clock_left(end);
        int rc = rrepl_fill(r, left > 0 ? left : 1, msg);
        if (rc < 0) {
            return rc;
        }
    }
    if (r->in.data[0] == 'O' && r->in.data[1] == 'K') {
        buf_consume(&r->in, 2);
        r->begun = 1;
        return RC_OK;
    }
    /* Something else: collect a little more to say what it was. */
    (void)rrepl_fill(r, 200, NULL);
    char ex[128];
    excerpt(r->in.data, r->in.len, ex, sizeof ex);
    if (find_bytes(r->in.data, r->in.len, "soft reboot") != NULL ||
        find_bytes(r->in.data, r->in.len, "raw REPL; CTRL-B") != NULL) {
        return rc_set(msg, RC_PROTO, "the board on %s reset (it sent \"%s\")",
                      r->io.name, ex);
    }
    return rc_set(msg, RC_PROTO,
                  "expected OK from the board on %s, got \"%s\"", r->io.name,
                  ex);
}

void rrepl_traceback_summary(const char *err, char *line, size_t size)
{
    /* The last non-empty line. */
    const char *end = err + strlen(err);
    while (end > err && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ')) {
        end--;
    }
    const char *start = end;
    while (start > err && start[-1] != '\n') {
        start--;
    }
    size_t n = (size_t)(end - start);
    if (n >= size) {
        n = size - 1;
    }
    memcpy(line, start, n);
    line[n] = 0;
}

int rrepl_end(struct rrepl *r, struct buf *out, struct buf *err,
              struct rc_msg *msg)
{
    int rc;
    if (!r->begun && (rc = rrepl_begin(r, msg)) < 0) {
        return rc;
    }
    int stage = 0; /* 0 stdout, 1 traceback, 2 prompt */
    struct buf tb;
    buf_init(&tb);
    for (;;) {
        size_t i = 0;
        while (i < r->in.len && stage < 2) {
            unsigned char c = r->in.data[i++];
            if (c == 0x04) {
                stage++;
            } else if (stage == 0) {
                if (out != NULL) {
                    buf_add(out, &c, 1);
                }
            } else {
                buf_add(&tb, &c, 1);
            }
        }
        if (stage == 2 && i < r->in.len) {
            unsigned char c = r->in.data[i++];
            buf_consume(&r->in, i);
            if (c != '>') {
                buf_fini(&tb);
                return rc_set(msg, RC_PROTO,
                              "expected the raw prompt from %s, got 0x%02x",
                              r->io.name, c);
            }
            break;
        }
        buf_consume(&r->in, i);
        r->ans_got += i;
        rc = rrepl_fill(r, r->opts.timeout_ms, msg);
        if (rc < 0) {
            buf_fini(&tb);
            return rc;
        }
    }
    r->pending--;
    r->begun = 0;
    ans_stop(r);
    if (err != NULL) {
        buf_add(err, tb.data, tb.len);
    }
    rc = RC_OK;
    if (buf_failed(&tb) || (out != NULL && buf_failed(out)) ||
        (err != NULL && buf_failed(err))) {
        /* the answer was read whole, but not kept: never take it as given */
        rc = rc_set(msg, RC_NOMEM, "out of memory keeping the board's answer");
    } else if (tb.len > 0) {
        char line[300];
        rrepl_traceback_summary(buf_str(&tb), line, sizeof line);
        rc = strncmp(line, "MemoryError", 11) == 0 ? RC_DEVMEM : RC_DEVICE;
        rc_set(msg, rc, "the board raised %s", line);
    }
    buf_fini(&tb);
    return rc;
}

/* The raw-paste request sent with the switch: take its reply (and end
 * the empty paste) before anything else goes out. */
static int rrepl_resolve(struct rrepl *r, struct rc_msg *msg)
{
    if (!r->handshake_due) {
        return RC_OK;
    }
    int rc = rrepl_detect_raw_paste(r, msg);
    return rc < 0 ? rc : RC_OK;
}

int rrepl_detect_raw_paste(struct rrepl *r, struct rc_msg *msg)
{
    int rc;
    if (r->raw_paste != -1 && !r->handshake_due) {
        return r->raw_paste;
    }
    if (!r->in_raw || r->pending > 0) {
        return rc_set(msg, RC_ARG, "not at the raw prompt");
    }
    unsigned window = 0;
    rc = rrepl_paste_handshake(r, &window, msg);
    if (rc == 1) {
        /* End the empty paste (the board runs nothing, no reset); its
         * answer is read before the next one, so a command may follow at
         * once. */
        if ((rc = rrepl_write(r, "\x04", 1, msg)) < 0) {
            return rc;
        }
        r->empty_paste = 1;
        return 1;
    }
    return rc;
}

static int rrepl_exec_named(struct rrepl *r, const char *code, int rename,
                            struct buf *out, struct buf *err,
                            struct rc_msg *msg);

int rrepl_exec(struct rrepl *r, const char *code, struct buf *out,
               struct buf *err, struct rc_msg *msg)
{
    return rrepl_exec_named(r, code, 1, out, err, msg);
}

int rrepl_input_lost(int rc, const struct rc_msg *msg)
{
    static const char *const lost[] = {"SyntaxError", "IndentationError", "NameError",
                                       "AttributeError"};
    int garbled = 0;
    for (size_t i = 0; rc == RC_DEVICE && i < sizeof lost / sizeof lost[0]; i++) {
        garbled |= strstr(msg->text, lost[i]) != NULL;
    }
    return garbled;
}

void rrepl_note(struct rrepl *r, const char *what)
{
    rrepl_log(r, "!", what, strlen(what));
}

int rrepl_exec_own(struct rrepl *r, const char *code, struct buf *out,
                   struct rc_msg *msg)
{
    int rc = RC_OK;
    for (int tries = 0; tries < 3; tries++) {
        if (out != NULL) {
            buf_clear(out);
        }
        rc = rrepl_exec(r, code, out, NULL, msg);
        if (!rrepl_input_lost(rc, msg)) {
            break;
        }
        rrepl_note(r, "input garbled; sending it again");
    }
    return rc;
}

int rrepl_exec_as_is(struct rrepl *r, const char *code, struct buf *out,
                     struct buf *err, struct rc_msg *msg)
{
    return rrepl_exec_named(r, code, 0, out, err, msg);
}

static int rrepl_exec_named(struct rrepl *r, const char *code, int rename,
                            struct buf *out, struct buf *err,
                            struct rc_msg *msg)
{
    int rc;
    if (!r->in_raw) {
        return rc_set(msg, RC_ARG, "not in the raw REPL");
    }
    if ((rc = rrepl_flush_leave(r, msg)) < 0) {
        return rc;
    }
    /* Finish what is still pending first. */
    while (r->pending > 0) {
        rc = rrepl_end(r, NULL, NULL, msg);
        if (rc < 0 && rc != RC_DEVICE && rc != RC_DEVMEM) {
            return rc;
        }
    }
    struct buf named;
    buf_init(&named);
    if ((rename ? rrepl_rename(r, code, &named) : buf_addstr(&named, code)) != RC_OK ||
        buf_failed(&named)) {
        buf_fini(&named);
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    code = buf_str(&named);
    size_t len = named.len;
    if (len >= PASTE_THRESHOLD && r->raw_paste != 0) {
        unsigned window = 0;
        rc = rrepl_paste_handshake(r, &window, msg);
        if (rc == 1) {
            rc = rrepl_paste_data(r, code, len, window, msg);
        } else if (rc == 0) {
            rc = rrepl_send_plain(r, code, len, msg);
        }
    } else {
        rc = rrepl_send_plain(r, code, len, msg);
    }
    buf_fini(&named);
    if (rc < 0) {
        return rc;
    }
    return rrepl_end(r, out, err, msg);
}
