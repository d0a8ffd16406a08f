/*
 * rrepl.h: the raw-REPL engine.
 *
 * Drives a MicroPython REPL over a byte transport (wire spec: MicroPython's
 * pyexec.c behaviour, see README "How it talks to the board"):
 *   - attach without disturbing the board: Ctrl-C (never Ctrl-D in the
 *     friendly REPL), then Ctrl-A into the raw REPL;
 *   - run code in the plain raw REPL, or in raw-paste mode with its window
 *     flow control where the firmware has it (detected once, cached);
 *   - split what a command prints from the traceback it raised;
 *   - pipeline small commands: several may be sent before the first answer
 *     is read; answers are then taken in order with rrepl_begin/rrepl_end;
 *   - give the board back in the friendly REPL (rrepl_leave).
 *
 * Invariants: after rrepl_enter() and after each rrepl_end() the engine
 * stands at the raw prompt ('>' consumed) unless commands are still
 * pending.  The engine never sends a bare Ctrl-D at the raw prompt (that
 * would soft-reset the board) and never Ctrl-D in the friendly REPL.
 *
 * Every wait is bounded by opts.timeout_ms of silence and aborts with
 * RC_CANCEL when *opts.cancel becomes non-zero.  Each answer is also
 * bounded by size and by a total deadline (rrepl_expect), so a board that
 * streams without end, or trickles, cannot hold the engine or grow its
 * memory; rrepl_set_deadline caps every wait (for the clean-up).
 *
 * Names on the board: every "_mpk" in code sent is replaced with the
 * session's own prefix ("_mpk" and four hex digits, rrepl_names), so the
 * globals mpeek creates are its own; the board code checks first that no
 * global of the board already starts with it (rrepl_claim_names).
 */
#ifndef MPEEK_RREPL_H
#define MPEEK_RREPL_H

#include <signal.h>
#include <stdio.h>
#include <sys/types.h>

#include "buf.h"
#include "rc.h"

struct serial;

/* The transport as the engine sees it (a struct serial, or a test fake). */
struct rrepl_io {
    /* > 0 bytes read, 0 timeout, < 0 rc (RC_CLOSED, RC_CANCEL, RC_IO). */
    ssize_t (*read)(void *ctx, void *buf, size_t len, int timeout_ms,
                    struct rc_msg *msg);
    /* RC_OK or a negative rc. */
    int (*write)(void *ctx, const void *buf, size_t len, int timeout_ms,
                 struct rc_msg *msg);
    void *ctx;
    const char *name; /* port name for messages */
};

/* Fill io so that the engine talks through an open serial port. */
void rrepl_io_serial(struct rrepl_io *io, struct serial *s);

struct rrepl_opts {
    int timeout_ms;                /* longest silence accepted; 0 = 3000 */
    volatile sig_atomic_t *cancel; /* may be NULL */
    FILE *log;                     /* wire log (-v), may be NULL */
    int baud;                      /* line speed for answer deadlines; 0 = 115200 */
};

struct rrepl;

int rrepl_new(const struct rrepl_io *io, const struct rrepl_opts *opts,
              struct rrepl **out);
void rrepl_free(struct rrepl *r);

/* Switch to another transport (after reconnecting); what was buffered
 * from the old one is dropped and the engine must rrepl_enter again. */
void rrepl_set_io(struct rrepl *r, const struct rrepl_io *io);

/*
 * Interrupt whatever runs and enter the raw REPL: Ctrl-C and Ctrl-A at
 * once (with the raw-paste request the first time), waiting for the raw
 * banner rather than a clock; the repeated Ctrl-C recipe only when the
 * banner does not come while the board talks.  Fails with RC_TIMEOUT
 * (nothing answered) or RC_PROTO (something answered, but not a
 * MicroPython REPL); msg names the port and what was seen.
 */
int rrepl_enter(struct rrepl *r, struct rc_msg *msg);

/*
 * Back to a known state after a failed command: interrupt, drop pending
 * answers, re-enter the raw REPL.
 */
int rrepl_resync(struct rrepl *r, struct rc_msg *msg);

/* The last command was just sent (rrepl_send): send \r Ctrl-B behind it
 * now, so that the board leaves the raw REPL as soon as it has answered,
 * without waiting for mpeek.  Take that command's answer as usual; then
 * rrepl_leave only waits for the '>>> ' prompt.  A rrepl_resync in
 * between takes the board back into the raw REPL (and forgets this).
 * 1 when sent; 0 (nothing sent) when leaving has code to run first. */
int rrepl_leave_early(struct rrepl *r, struct rc_msg *msg);

/*
 * Leave the raw REPL for the friendly REPL and wait (briefly) for its
 * prompt.  Harmless when the link is already gone.
 */
int rrepl_leave(struct rrepl *r, struct rc_msg *msg);

/*
 * Queue a small command to run on the way out: rrepl_leave sends it and
 * Ctrl-B together and reads its answer and the friendly prompt in one
 * round trip (an exception it raises does not stop the leaving).  Any
 * other command sent before rrepl_leave sends it first instead.
 */
int rrepl_on_leave(struct rrepl *r, const char *code, struct rc_msg *msg);

/* 1 if the firmware has raw-paste mode, 0 if not, -1 not known yet. */
int rrepl_has_raw_paste(const struct rrepl *r);

/* Bytes of the board's banner/boot output seen while attaching. */
const char *rrepl_seen(const struct rrepl *r);

/*
 * Run code and wait for it to finish.  Output goes to out, the traceback
 * (if any) to err (either may be NULL).  Large code uses raw-paste where
 * available.  A traceback gives RC_DEVICE (RC_DEVMEM for MemoryError) with
 * its last line in msg.
 */
int rrepl_exec(struct rrepl *r, const char *code, struct buf *out,
               struct buf *err, struct rc_msg *msg);
/* Whether a command of mpeek's own failed as code does whose bytes were
 * lost on the way in (SyntaxError, IndentationError, NameError,
 * AttributeError): worth sending again. */
int rrepl_input_lost(int rc, const struct rc_msg *msg);

/* A line of mpeek's own in the --log (marked "!"). */
void rrepl_note(struct rrepl *r, const char *what);

/* mpeek's own code, which compiles and runs on every board it is sent to:
 * a SyntaxError, IndentationError, NameError or AttributeError in its
 * answer means bytes were lost on the way in, and it is sent again (three
 * times in all).  out (may be NULL) is cleared first. */
int rrepl_exec_own(struct rrepl *r, const char *code, struct buf *out,
                   struct rc_msg *msg);
/* The same for the user's own code: run as typed, "_mpk" in it is not
 * replaced by the session's prefix. */
int rrepl_exec_as_is(struct rrepl *r, const char *code, struct buf *out,
                     struct buf *err, struct rc_msg *msg);

/*
 * Find out (once) whether the firmware has raw-paste: the handshake, and
 * on new firmware an empty paste whose answer is read before the next
 * one (so a command may be sent at once).  1 yes, 0 no, < 0 rc.  Must be
 * at the raw prompt with nothing pending.
 */
int rrepl_detect_raw_paste(struct rrepl *r, struct rc_msg *msg);

/* Queue a small command (standard raw mode) without waiting for it. */
int rrepl_send(struct rrepl *r, const char *code, struct rc_msg *msg);

/* Number of commands sent whose answer was not yet taken with rrepl_end. */
int rrepl_pending(const struct rrepl *r);

/* Wait for the "OK" that starts the answer of the oldest pending command. */
int rrepl_begin(struct rrepl *r, struct rc_msg *msg);

/*
 * Read more of the answer into the engine's buffer.  Returns the number of
 * new bytes, or RC_TIMEOUT after timeout_ms of silence, or another rc.
 */
int rrepl_fill(struct rrepl *r, int timeout_ms, struct rc_msg *msg);

/* The bytes received and not consumed yet. */
const unsigned char *rrepl_peek(const struct rrepl *r, size_t *len);
void rrepl_consume(struct rrepl *r, size_t n);

/*
 * Finish the answer of the oldest pending command: the rest of its output
 * (to out), the traceback (to err), the prompt.  RC_DEVICE / RC_DEVMEM when
 * it raised.
 */
int rrepl_end(struct rrepl *r, struct buf *out, struct buf *err,
              struct rc_msg *msg);

/* The last line of a MicroPython traceback ("MemoryError: ..."). */
void rrepl_traceback_summary(const char *err, char *line, size_t size);

/* Is the link still there?  Looks without waiting: RC_CLOSED when the port
 * went away, else RC_OK (bytes that arrived are kept). */
int rrepl_check_link(struct rrepl *r, struct rc_msg *msg);

/* The silence limit in milliseconds. */
int rrepl_timeout(const struct rrepl *r);

/* Bytes received from the board so far (all of them, for benchmarks). */
unsigned long long rrepl_bytes_in(const struct rrepl *r);

/*
 * The next answer (the oldest pending command's) should be about bytes
 * long and take the board about work_ms of its own time: it may be at most
 * bytes + 4 KiB + 1/8 long, and must end within 2 x timeout + work_ms + 4
 * times the wire time of bytes at opts.baud.  Without this an answer may be
 * 1 MiB and must end within 3 x timeout + 5 s.  Past either bound the
 * engine fails with RC_PROTO (too long) or RC_TIMEOUT (too slow).
 */
void rrepl_expect(struct rrepl *r, size_t bytes, int work_ms);

/* Every wait ends by at_ms (a clock_ms() time; 0 = no cap) with
 * RC_TIMEOUT. */
void rrepl_set_deadline(struct rrepl *r, int64_t at_ms);

/* The session's prefix of global names on the board ("_mpk1a2b"). */
const char *rrepl_names(const struct rrepl *r);

/* Pick another prefix (the board already has a global starting with the
 * current one). */
void rrepl_renew_names(struct rrepl *r);

/* The board deleted mpeek's names (a command ended with the clean-up):
 * nothing is left to clean up when leaving. */
void rrepl_names_released(struct rrepl *r);

/* The board has no global starting with the prefix: names made with it
 * are mpeek's and may be deleted (rrepl_abandon, board_uninstall). */
void rrepl_claim_names(struct rrepl *r);
int rrepl_names_claimed(const struct rrepl *r);

/* A command that defines names only where the board itself found the
 * prefix free, and then sets the marker global (rrepl_marker), was sent:
 * until its answer claims the names, the way out deletes them only if the
 * marker holds this session's nonce. */
void rrepl_names_maybe(struct rrepl *r);
/* The marker statement, in code form ("_mpkm=<nonce>", renamed on send). */
void rrepl_marker(const struct rrepl *r, char *buf, size_t size);
/* The expression (in code form) true on the board only while the marker
 * holds this session's nonce. */
void rrepl_marker_check(const struct rrepl *r, char *buf, size_t size);
/* The code (in code form) that deletes mpeek's names on the way out: all
 * globals with the prefix when claimed, the same behind the marker check
 * when maybe; 0 (and "") when nothing of mpeek's can be there. */
int rrepl_cleanup_code(const struct rrepl *r, char *buf, size_t size);
/* The statement (in code form) that deletes every global with the
 * session's prefix, unchecked: only behind a check of the marker. */
const char *rrepl_cleanup_all(void);

/*
 * For a board that does not answer: queue, without waiting, the keys that
 * bring it back from any state once it runs again (Ctrl-C twice, the raw
 * REPL, "del" of the helper (and the marker) when the names are claimed (short: a
 * recovering board may hold only 64 bytes of input), the marker-checked
 * deletion of rrepl_cleanup_code when they may be, Ctrl-B to the friendly
 * REPL).
 */
void rrepl_abandon(struct rrepl *r);

/* 1 once the raw REPL was entered on this link. */
int rrepl_entered(const struct rrepl *r);

/* Pacing for standard raw mode: bytes per slice and pause between them. */
void rrepl_set_slices(struct rrepl *r, int bytes, int pause_ms);

#endif
