/*
 * test_rrepl.c: the raw-REPL engine against a scripted device.
 *
 * The fake device below models the board's side of the wire spec closely
 * enough for the engine's framing: friendly and raw REPL banners, "OK",
 * the two Ctrl-D markers and the prompt, tracebacks, raw-paste with its
 * window credits (and a check that the host never overruns the window),
 * and old firmware that answers the raw-paste request with its banner.
 */
#include "rrepl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "board.h"
#include "buf.h"
#include "failalloc.h"
#include "harness.h"

enum dev_mode { DEV_FRIENDLY, DEV_RAW, DEV_PASTE, DEV_DEAD, DEV_JUNK };
enum dev_babble { BABBLE_NONE, BABBLE_STREAM, BABBLE_TRICKLE };

struct dev {
    enum dev_mode mode;
    int has_paste;       /* 1 new firmware, 0 old */
    int paste_r00;       /* answer R\x00 to the paste request */
    unsigned window;
    struct buf line;     /* raw line buffer */
    struct buf out;      /* bytes waiting for the host */
    struct buf code;     /* last command received */
    long credit;         /* bytes the host may still send in paste mode */
    unsigned consumed;   /* paste bytes since the last credit */
    int overrun;         /* host sent beyond the window */
    int soft_resets;
    int ctrl_d_friendly;
    enum dev_babble babble; /* after the next "OK": endless output */
    int babbling;
    struct buf sent;        /* every byte the host wrote */
    int busy;               /* a program runs: Ctrl-Cs it still ignores */
    int mark_reads;         /* 1: note sent.len at the next read */
    size_t sent_at_read;
    int lose;               /* "print(456)" arrives garbled this many times */
    int runs456;
};

static void dev_reply(struct dev *d, const char *s)
{
    buf_add(&d->out, s, strlen(s));
}

/* Run a command: a few canned behaviours keyed on its text. */
static void dev_run(struct dev *d, int paste)
{
    const char *c = buf_str(&d->code);
    if (!paste) {
        dev_reply(d, "OK");
    }
    if (paste && d->code.len == 0) {
        dev_reply(d, "\x04\x04>"); /* an empty paste runs nothing */
        return;
    }
    if (d->babble != BABBLE_NONE) {
        d->babbling = 1;
        buf_clear(&d->code);
        return;
    }
    if (strstr(c, "1/0")) {
        dev_reply(d, "\x04Traceback (most recent call last):\r\n  File "
                     "\"<stdin>\", line 1, in <module>\r\nZeroDivisionError: "
                     "divide by zero\r\n\x04>");
    } else if (strstr(c, "bytearray(99999)")) {
        dev_reply(d, "\x04Traceback (most recent call last):\r\n  File "
                     "\"<stdin>\", line 1, in <module>\r\nMemoryError: memory "
                     "allocation failed, allocating 99999 bytes\r\n\x04>");
    } else if (strstr(c, "print(456)")) {
        d->runs456++;
        if (d->lose > 0) {
            d->lose--;
            dev_reply(d, "\x04Traceback (most recent call last):\r\n  File "
                         "\"<stdin>\", line 1\r\nSyntaxError: invalid syntax\r\n\x04>");
        } else {
            dev_reply(d, "456\r\n\x04\x04>");
        }
    } else if (strstr(c, "print(123)")) {
        dev_reply(d, "123\r\n\x04\x04>");
    } else {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "len=%zu\r\n\x04\x04>", d->code.len);
        dev_reply(d, tmp);
    }
    buf_clear(&d->code);
}

static void dev_byte(struct dev *d, unsigned char b)
{
    if (d->busy > 0) {
        /* A running program: it catches Ctrl-C (busy times) and reads
         * whatever else comes. */
        if (b == 0x03 && --d->busy == 0) {
            dev_reply(d, "Traceback (most recent call last):\r\n"
                         "KeyboardInterrupt: \r\n>>> ");
        }
        return;
    }
    switch (d->mode) {
    case DEV_DEAD:
        return;
    case DEV_JUNK:
        dev_reply(d, "ERROR\r\n");
        return;
    case DEV_FRIENDLY:
        if (b == 0x03) {
            dev_reply(d, "\r\n>>> ");
        } else if (b == '\r') {
            dev_reply(d, "\r\n>>> ");
        } else if (b == 0x01) {
            dev_reply(d, "\r\nraw REPL; CTRL-B to exit\r\n>");
            d->mode = DEV_RAW;
            buf_clear(&d->line);
        } else if (b == 0x04) {
            d->ctrl_d_friendly++;
        }
        return;
    case DEV_RAW:
        if (b == 0x01) {
            if (d->line.len == 2 && d->line.data[0] == 0x05 &&
                d->line.data[1] == 'A' && d->has_paste) {
                buf_clear(&d->line);
                if (d->paste_r00) {
                    dev_reply(d, "R");
                    buf_add(&d->out, "\x00", 1);
                    dev_reply(d, ">");
                    return;
                }
                unsigned char rep[5] = {'R', 1, (unsigned char)(d->window & 255),
                                        (unsigned char)(d->window >> 8), 1};
                buf_add(&d->out, rep, 5);
                d->mode = DEV_PASTE;
                d->credit = 2 * (long)d->window;
                d->consumed = 0;
                return;
            }
            buf_clear(&d->line);
            dev_reply(d, "raw REPL; CTRL-B to exit\r\n>");
        } else if (b == 0x02) {
            dev_reply(d, "\r\nMicroPython v1.29.0 on 2026-11-25; fake\r\n>>> ");
            d->mode = DEV_FRIENDLY;
        } else if (b == 0x03) {
            buf_clear(&d->line);
        } else if (b == 0x04) {
            if (d->line.len == 0) {
                d->soft_resets++;
                dev_reply(d, "OK\r\nMPY: soft reboot\r\nraw REPL; CTRL-B to exit\r\n>");
                return;
            }
            buf_clear(&d->code);
            buf_add(&d->code, d->line.data, d->line.len);
            buf_clear(&d->line);
            dev_run(d, 0);
        } else {
            buf_add(&d->line, &b, 1);
        }
        return;
    case DEV_PASTE:
        if (b == 0x04) {
            dev_reply(d, "\x04");
            d->mode = DEV_RAW;
            dev_run(d, 1);
            return;
        }
        if (--d->credit < 0) {
            d->overrun = 1;
        }
        buf_add(&d->code, &b, 1);
        if (++d->consumed == d->window) {
            d->consumed = 0;
            d->credit += d->window;
            buf_add(&d->out, "\x01", 1);
        }
        return;
    }
}

static ssize_t dev_read(void *ctx, void *buf, size_t len, int timeout_ms,
                        struct rc_msg *msg)
{
    (void)msg;
    struct dev *d = ctx;
    if (d->mark_reads == 1) {
        d->mark_reads = 2;
        d->sent_at_read = d->sent.len;
    }
    if (d->babbling && d->out.len == 0) {
        if (d->babble == BABBLE_TRICKLE) {
            /* One byte every 50 ms: never silent for the 200 ms timeout. */
            struct timespec ts = {0, 50 * 1000000L};
            if (timeout_ms < 50) {
                return 0;
            }
            nanosleep(&ts, NULL);
            memcpy(buf, ".", 1);
            return 1;
        }
        memset(buf, 'x', len);
        return (ssize_t)len;
    }
    size_t n = d->out.len < len ? d->out.len : len;
    if (n > 7) {
        n = 7; /* arrive in small pieces */
    }
    if (n == 0) {
        return 0;
    }
    memcpy(buf, d->out.data, n);
    buf_consume(&d->out, n);
    return (ssize_t)n;
}

static int dev_write(void *ctx, const void *buf, size_t len, int timeout_ms,
                     struct rc_msg *msg)
{
    (void)timeout_ms;
    (void)msg;
    const unsigned char *p = buf;
    struct dev *d = ctx;
    buf_add(&d->sent, buf, len);
    if (d->babbling) {
        return RC_OK; /* a runaway board takes no input */
    }
    for (size_t i = 0; i < len; i++) {
        dev_byte(ctx, p[i]);
    }
    return RC_OK;
}

static struct rrepl *make(struct dev *d, enum dev_mode mode, int paste)
{
    memset(d, 0, sizeof *d);
    d->mode = mode;
    d->has_paste = paste;
    d->window = 128;
    buf_init(&d->line);
    buf_init(&d->out);
    buf_init(&d->code);
    buf_init(&d->sent);
    struct rrepl_io io = {dev_read, dev_write, d, "fakeport"};
    struct rrepl_opts o = {.timeout_ms = 200};
    struct rrepl *r = NULL;
    rrepl_new(&io, &o, &r);
    rrepl_set_slices(r, 32, 0);
    return r;
}

static void done(struct dev *d, struct rrepl *r)
{
    rrepl_free(r);
    buf_fini(&d->line);
    buf_fini(&d->out);
    buf_fini(&d->code);
    buf_fini(&d->sent);
}

TEST(enter_exec_leave)
{
    struct dev d;
    struct rrepl *r = make(&d, DEV_FRIENDLY, 1);
    struct rc_msg msg;
    struct buf out, err;
    buf_init(&out);
    buf_init(&err);
    CHECK_EQ_INT(rrepl_enter(r, &msg), RC_OK);
    CHECK_EQ_INT(d.mode, DEV_RAW);
    CHECK_EQ_INT(rrepl_exec(r, "print(123)", &out, &err, &msg), RC_OK);
    CHECK_STR(buf_str(&out), "123\r\n");
    CHECK_EQ_INT(err.len, 0);
    CHECK_EQ_INT(rrepl_leave(r, &msg), RC_OK);
    CHECK_EQ_INT(d.mode, DEV_FRIENDLY);
    CHECK_EQ_INT(d.soft_resets, 0);
    CHECK_EQ_INT(d.ctrl_d_friendly, 0);
    buf_fini(&out);
    buf_fini(&err);
    done(&d, r);
}

TEST(traceback_is_device_error)
{
    struct dev d;
    struct rrepl *r = make(&d, DEV_FRIENDLY, 1);
    struct rc_msg msg;
    struct buf out, err;
    buf_init(&out);
    buf_init(&err);
    CHECK_EQ_INT(rrepl_enter(r, &msg), RC_OK);
    CHECK_EQ_INT(rrepl_exec(r, "1/0", &out, &err, &msg), RC_DEVICE);
    CHECK(strstr(msg.text, "ZeroDivisionError: divide by zero") != NULL);
    CHECK(strstr(buf_str(&err), "Traceback") != NULL);
    CHECK_EQ_INT(out.len, 0);
    CHECK_EQ_INT(rrepl_exec(r, "bytearray(99999)", NULL, NULL, &msg), RC_DEVMEM);
    CHECK(strstr(msg.text, "MemoryError") != NULL);
    /* Still in step after errors. */
    buf_clear(&out);
    CHECK_EQ_INT(rrepl_exec(r, "print(123)", &out, NULL, &msg), RC_OK);
    CHECK_STR(buf_str(&out), "123\r\n");
    buf_fini(&out);
    buf_fini(&err);
    done(&d, r);
}

/* mpeek's own code answered with a SyntaxError lost bytes on the way in:
 * sent again, twice at most; a real error of the code is not retried. */
TEST(own_code_is_sent_again_when_garbled)
{
    struct dev d;
    struct rrepl *r = make(&d, DEV_FRIENDLY, 1);
    struct rc_msg msg;
    struct buf out;
    buf_init(&out);
    CHECK_EQ_INT(rrepl_enter(r, &msg), RC_OK);
    d.lose = 2;
    CHECK_EQ_INT(rrepl_exec_own(r, "print(456)", &out, &msg), RC_OK);
    CHECK_STR(buf_str(&out), "456\r\n");
    CHECK_EQ_INT(d.runs456, 3);
    d.lose = 5;
    d.runs456 = 0;
    CHECK_EQ_INT(rrepl_exec_own(r, "print(456)", &out, &msg), RC_DEVICE);
    CHECK_EQ_INT(d.runs456, 3);
    CHECK(strstr(msg.text, "SyntaxError") != NULL);
    CHECK_EQ_INT(rrepl_exec_own(r, "1/0", NULL, &msg), RC_DEVICE);
    CHECK(strstr(msg.text, "ZeroDivisionError") != NULL);
    /* the user's code is never sent twice */
    d.lose = 1;
    d.runs456 = 0;
    CHECK_EQ_INT(rrepl_exec_as_is(r, "print(456)", &out, NULL, &msg), RC_DEVICE);
    CHECK_EQ_INT(d.runs456, 1);
    buf_fini(&out);
    done(&d, r);
}

static void long_code(char *code, size_t n)
{
    memset(code, ' ', n);
    memcpy(code, "x=1#", 4);
    code[n] = 0;
}

TEST(raw_paste_respects_window)
{
    struct dev d;
    struct rrepl *r = make(&d, DEV_FRIENDLY, 1);
    struct rc_msg msg;
    struct buf out;
    buf_init(&out);
    char code[5504];
    long_code(code, 5503);
    CHECK_EQ_INT(rrepl_enter(r, &msg), RC_OK);
    CHECK_EQ_INT(rrepl_exec(r, code, &out, NULL, &msg), RC_OK);
    CHECK_EQ_INT(rrepl_has_raw_paste(r), 1);
    CHECK_STR(buf_str(&out), "len=5503\r\n");
    CHECK_EQ_INT(d.overrun, 0);
    /* A small window (nrf boards advertise 32). */
    d.window = 32;
    buf_clear(&out);
    CHECK_EQ_INT(rrepl_exec(r, code, &out, NULL, &msg), RC_OK);
    CHECK_STR(buf_str(&out), "len=5503\r\n");
    CHECK_EQ_INT(d.overrun, 0);
    buf_fini(&out);
    done(&d, r);
}

TEST(old_firmware_falls_back)
{
    struct dev d;
    struct rrepl *r = make(&d, DEV_FRIENDLY, 0);
    struct rc_msg msg;
    struct buf out;
    buf_init(&out);
    char code[301];
    long_code(code, 300);
    CHECK_EQ_INT(rrepl_enter(r, &msg), RC_OK);
    CHECK_EQ_INT(rrepl_exec(r, code, &out, NULL, &msg), RC_OK);
    CHECK_EQ_INT(rrepl_has_raw_paste(r), 0);
    CHECK_STR(buf_str(&out), "len=300\r\n");
    buf_clear(&out);
    CHECK_EQ_INT(rrepl_exec(r, code, &out, NULL, &msg), RC_OK);
    CHECK_STR(buf_str(&out), "len=300\r\n");
    CHECK_EQ_INT(d.soft_resets, 0);
    buf_fini(&out);
    done(&d, r);
}

TEST(r00_reply_consumes_prompt)
{
    struct dev d;
    struct rrepl *r = make(&d, DEV_FRIENDLY, 1);
    d.paste_r00 = 1;
    struct rc_msg msg;
    struct buf out;
    buf_init(&out);
    char code[201];
    long_code(code, 200);
    CHECK_EQ_INT(rrepl_enter(r, &msg), RC_OK);
    CHECK_EQ_INT(rrepl_exec(r, code, &out, NULL, &msg), RC_OK);
    CHECK_STR(buf_str(&out), "len=200\r\n");
    CHECK_EQ_INT(rrepl_has_raw_paste(r), 0);
    buf_fini(&out);
    done(&d, r);
}

TEST(pipelined_commands_in_order)
{
    struct dev d;
    struct rrepl *r = make(&d, DEV_FRIENDLY, 1);
    struct rc_msg msg;
    struct buf a, b;
    buf_init(&a);
    buf_init(&b);
    CHECK_EQ_INT(rrepl_enter(r, &msg), RC_OK);
    CHECK_EQ_INT(rrepl_send(r, "print(123)", &msg), RC_OK);
    CHECK_EQ_INT(rrepl_send(r, "abcdef", &msg), RC_OK);
    CHECK_EQ_INT(rrepl_pending(r), 2);
    CHECK_EQ_INT(rrepl_end(r, &a, NULL, &msg), RC_OK);
    CHECK_EQ_INT(rrepl_end(r, &b, NULL, &msg), RC_OK);
    CHECK_STR(buf_str(&a), "123\r\n");
    CHECK_STR(buf_str(&b), "len=6\r\n");
    CHECK_EQ_INT(rrepl_pending(r), 0);
    buf_fini(&a);
    buf_fini(&b);
    done(&d, r);
}

TEST(empty_command_never_resets)
{
    struct dev d;
    struct rrepl *r = make(&d, DEV_FRIENDLY, 1);
    struct rc_msg msg;
    CHECK_EQ_INT(rrepl_enter(r, &msg), RC_OK);
    rrepl_exec(r, "", NULL, NULL, &msg);
    CHECK_EQ_INT(d.soft_resets, 0);
    done(&d, r);
}

TEST(silence_and_junk)
{
    struct dev d;
    struct rrepl *r = make(&d, DEV_DEAD, 1);
    struct rc_msg msg;
    CHECK_EQ_INT(rrepl_enter(r, &msg), RC_TIMEOUT);
    CHECK(strstr(msg.text, "no answer from fakeport") != NULL);
    done(&d, r);
    r = make(&d, DEV_JUNK, 1);
    CHECK_EQ_INT(rrepl_enter(r, &msg), RC_PROTO);
    CHECK(strstr(msg.text, "does not answer like a MicroPython REPL") != NULL);
    CHECK(strstr(msg.text, "ERROR") != NULL);
    done(&d, r);
}

TEST(already_in_raw)
{
    struct dev d;
    struct rrepl *r = make(&d, DEV_RAW, 1);
    struct rc_msg msg;
    struct buf out;
    buf_init(&out);
    CHECK_EQ_INT(rrepl_enter(r, &msg), RC_OK);
    CHECK_EQ_INT(rrepl_exec(r, "print(123)", &out, NULL, &msg), RC_OK);
    CHECK_STR(buf_str(&out), "123\r\n");
    buf_fini(&out);
    done(&d, r);
}

TEST(traceback_summary)
{
    char line[100];
    rrepl_traceback_summary("Traceback (most recent call last):\r\n  File "
                            "\"<stdin>\", line 1\r\nNameError: name 'x' "
                            "isn't defined\r\n", line, sizeof line);
    CHECK_STR(line, "NameError: name 'x' isn't defined");
    rrepl_traceback_summary("", line, sizeof line);
    CHECK_STR(line, "");
}

TEST(names_are_the_sessions_own)
{
    struct dev d;
    struct rrepl *r = make(&d, DEV_FRIENDLY, 1);
    struct rc_msg msg;
    const char *n = rrepl_names(r);
    CHECK(strlen(n) == 8 && strncmp(n, "_mpk", 4) == 0);
    char first[16];
    snprintf(first, sizeof first, "%s", n);
    CHECK_EQ_INT(rrepl_enter(r, &msg), RC_OK);
    CHECK_EQ_INT(rrepl_exec(r, "def _mpkp():pass", NULL, NULL, &msg), RC_OK);
    char want[64];
    snprintf(want, sizeof want, "def %sp():pass", first);
    CHECK(strstr(buf_str(&d.sent), want) != NULL);
    CHECK(strstr(buf_str(&d.sent), "def _mpkp(") == NULL);
    rrepl_claim_names(r);
    CHECK_EQ_INT(rrepl_names_claimed(r), 1);
    rrepl_renew_names(r); /* a new prefix must be checked again */
    CHECK_EQ_INT(rrepl_names_claimed(r), 0);
    CHECK(strlen(rrepl_names(r)) == 8 && strncmp(rrepl_names(r), "_mpk", 4) == 0);
    CHECK(strcmp(rrepl_names(r), first) != 0);
    done(&d, r);
    /* Every session starts from the same names: no new qstr on the board
     * per session. */
    r = make(&d, DEV_FRIENDLY, 1);
    CHECK_STR(rrepl_names(r), first);
    done(&d, r);
}

TEST(endless_answer_is_cut_off)
{
    struct dev d;
    struct rrepl *r = make(&d, DEV_FRIENDLY, 1);
    struct rc_msg msg;
    struct buf out;
    buf_init(&out);
    CHECK_EQ_INT(rrepl_enter(r, &msg), RC_OK);
    d.babble = BABBLE_STREAM;
    /* Asked for about 100 bytes: cut off long before 1 MiB. */
    rrepl_expect(r, 100, 0);
    CHECK_EQ_INT(rrepl_exec(r, "print(1)", &out, NULL, &msg), RC_PROTO);
    CHECK(strstr(msg.text, "sent more than") != NULL);
    CHECK(out.len < 16384);
    /* Not sized: cut off at 1 MiB, not grown without end. */
    buf_clear(&out);
    rrepl_free(r);
    r = NULL;
    buf_clear(&d.out);
    d.babble = BABBLE_NONE;
    d.babbling = 0;
    d.mode = DEV_FRIENDLY;
    struct rrepl_io io = {dev_read, dev_write, &d, "fakeport"};
    struct rrepl_opts o = {.timeout_ms = 200};
    rrepl_new(&io, &o, &r);
    CHECK_EQ_INT(rrepl_enter(r, &msg), RC_OK);
    d.babble = BABBLE_STREAM;
    CHECK_EQ_INT(rrepl_exec(r, "print(1)", &out, NULL, &msg), RC_PROTO);
    CHECK(out.len <= (1u << 20) + 4096);
    buf_fini(&out);
    done(&d, r);
}

TEST(trickle_meets_the_deadline)
{
    struct dev d;
    struct rrepl *r = make(&d, DEV_FRIENDLY, 1);
    struct rc_msg msg;
    CHECK_EQ_INT(rrepl_enter(r, &msg), RC_OK);
    d.babble = BABBLE_TRICKLE;
    rrepl_expect(r, 100, 0); /* 2 x 200 ms + the wire time of 100 bytes */
    CHECK_EQ_INT(rrepl_exec(r, "print(1)", NULL, NULL, &msg), RC_TIMEOUT);
    CHECK(strstr(msg.text, "did not finish its answer") != NULL);
    done(&d, r);
}

TEST(waiting_for_a_marker_keeps_a_short_tail)
{
    struct dev d;
    struct rrepl *r = make(&d, DEV_FRIENDLY, 1);
    struct rc_msg msg;
    CHECK_EQ_INT(rrepl_enter(r, &msg), RC_OK);
    d.babble = BABBLE_STREAM;
    d.babbling = 1;
    /* Leaving waits for ">>> " in an endless stream: bounded memory. */
    CHECK(rrepl_leave(r, &msg) < 0);
    size_t n = 0;
    rrepl_peek(r, &n);
    CHECK(n <= 4096 + 4096 + 8);
    done(&d, r);
}

TEST(abandon_queues_the_way_back)
{
    struct dev d;
    struct rrepl *r = make(&d, DEV_FRIENDLY, 1);
    struct rc_msg msg;
    CHECK_EQ_INT(rrepl_enter(r, &msg), RC_OK);
    rrepl_claim_names(r);
    buf_clear(&d.sent);
    rrepl_abandon(r);
    char want[256];
    snprintf(want, sizeof want, "\x03\x03\r\x01" "del %s\x04\r\x02", rrepl_names(r));
    CHECK_STR(buf_str(&d.sent), want);
    CHECK_EQ_INT(d.mode, DEV_FRIENDLY);
    CHECK_EQ_INT(d.soft_resets, 0);
    done(&d, r);
}

/* Names defined behind the board's own check, answer not seen: the way
 * back deletes them only if the marker holds this session's nonce; with
 * nothing sent, nothing is deleted. */
TEST(abandon_with_names_maybe_checks_the_marker)
{
    struct dev d;
    struct rrepl *r = make(&d, DEV_FRIENDLY, 1);
    struct rc_msg msg;
    CHECK_EQ_INT(rrepl_enter(r, &msg), RC_OK);
    char code[200];
    CHECK_EQ_INT(rrepl_cleanup_code(r, code, sizeof code), 0);
    buf_clear(&d.sent);
    rrepl_abandon(r);
    CHECK_STR(buf_str(&d.sent), "\x03\x03\r\x02");
    CHECK_EQ_INT(rrepl_enter(r, &msg), RC_OK);
    rrepl_names_maybe(r);
    char marker[64];
    rrepl_marker(r, marker, sizeof marker);
    CHECK(strncmp(marker, "_mpkm=", 6) == 0 && strtoul(marker + 6, NULL, 10) > 0);
    buf_clear(&d.sent);
    rrepl_abandon(r);
    char want[300];
    const char *p = rrepl_names(r);
    snprintf(want, sizeof want, "\x03\x03\r\x01" "if globals().get('%sm')==%s:"
             "[globals().pop(k) for k in list(globals()) if k[:8]=='%s']\x04\r\x02",
             p, marker + 6, p);
    CHECK_STR(buf_str(&d.sent), want);
    /* Claimed after the marker was set: the short way back deletes the
     * helper and the marker. */
    CHECK_EQ_INT(rrepl_enter(r, &msg), RC_OK);
    rrepl_claim_names(r);
    buf_clear(&d.sent);
    rrepl_abandon(r);
    snprintf(want, sizeof want, "\x03\x03\r\x01" "del %s,%sm\x04\r\x02", p, p);
    CHECK_STR(buf_str(&d.sent), want);
    /* A new prefix (the old one was taken) forgets the maybe. */
    rrepl_renew_names(r);
    CHECK_EQ_INT(rrepl_cleanup_code(r, code, sizeof code), 0);
    done(&d, r);
}


TEST(idle_board_is_entered_without_waiting)
{
    struct dev d;
    struct rrepl *r = make(&d, DEV_FRIENDLY, 1);
    struct rc_msg msg;
    CHECK_EQ_INT(rrepl_enter(r, &msg), RC_OK);
    /* One Ctrl-C, the switch and the raw-paste request in one go, then
     * the end of the empty paste: no second Ctrl-C, no waiting. */
    CHECK_EQ_INT((int)d.sent.len, 7);
    CHECK(memcmp(d.sent.data, "\x03\r\x01\x05" "A\x01\x04", 7) == 0);
    /* its reply taken, the empty paste ended: at the raw prompt */
    CHECK_EQ_INT(d.mode, DEV_RAW);
    CHECK_EQ_INT(rrepl_has_raw_paste(r), 1);
    struct buf out;
    buf_init(&out);
    CHECK_EQ_INT(rrepl_exec(r, "print(123)", &out, NULL, &msg), RC_OK);
    CHECK(strcmp(buf_str(&out), "123\r\n") == 0);
    CHECK_EQ_INT(d.soft_resets, 0);
    buf_fini(&out);
    done(&d, r);
}

TEST(running_program_is_still_interrupted)
{
    struct dev d;
    struct rrepl *r = make(&d, DEV_FRIENDLY, 1);
    struct rc_msg msg;
    d.busy = 2; /* ignores the first Ctrl-C, reads the keys after it */
    CHECK_EQ_INT(rrepl_enter(r, &msg), RC_OK);
    CHECK_EQ_INT(d.mode, DEV_RAW);
    struct buf out;
    buf_init(&out);
    CHECK_EQ_INT(rrepl_exec(r, "print(123)", &out, NULL, &msg), RC_OK);
    CHECK(strcmp(buf_str(&out), "123\r\n") == 0);
    buf_fini(&out);
    done(&d, r);
}

TEST(leaving_runs_the_last_command_in_the_same_round_trip)
{
    struct dev d;
    struct rrepl *r = make(&d, DEV_FRIENDLY, 1);
    struct rc_msg msg;
    CHECK_EQ_INT(rrepl_enter(r, &msg), RC_OK);
    CHECK_EQ_INT(rrepl_on_leave(r, "del _mpk", &msg), RC_OK);
    size_t before = d.sent.len;
    d.mark_reads = 1;
    CHECK_EQ_INT(rrepl_leave(r, &msg), RC_OK);
    CHECK_EQ_INT(d.mode, DEV_FRIENDLY);
    /* the command (with the session's names) and Ctrl-B all went out
     * before the first read */
    CHECK_EQ_INT((int)d.sent_at_read, (int)d.sent.len);
    char want[64];
    snprintf(want, sizeof want, "del %s\x04\r\x02", rrepl_names(r));
    CHECK_EQ_INT((int)(d.sent.len - before), (int)strlen(want));
    CHECK(memcmp(d.sent.data + before, want, strlen(want)) == 0);
    CHECK_EQ_INT(rrepl_pending(r), 0);
    done(&d, r);
}

TEST(leave_code_goes_first_when_another_command_comes)
{
    struct dev d;
    struct rrepl *r = make(&d, DEV_FRIENDLY, 1);
    struct rc_msg msg;
    struct buf out;
    buf_init(&out);
    CHECK_EQ_INT(rrepl_enter(r, &msg), RC_OK);
    CHECK_EQ_INT(rrepl_on_leave(r, "x=1", &msg), RC_OK);
    CHECK_EQ_INT(rrepl_exec(r, "print(123)", &out, NULL, &msg), RC_OK);
    CHECK(strcmp(buf_str(&out), "123\r\n") == 0);
    CHECK(strstr(buf_str(&d.sent), "x=1\x04") != NULL);
    /* nothing left for leaving */
    size_t before = d.sent.len;
    CHECK_EQ_INT(rrepl_leave(r, &msg), RC_OK);
    CHECK_EQ_INT((int)(d.sent.len - before), 2);
    buf_fini(&out);
    done(&d, r);
}

/* The warm probe puts the cached identity into the code it sends: as a
 * bytes literal in which nothing can end the literal, become code or
 * spell the name prefix (which sending renames). */
TEST(warm_identity_is_escaped)
{
    struct dev d;
    struct rrepl *r = make(&d, DEV_FRIENDLY, 1);
    struct rc_msg msg;
    CHECK_EQ_INT(rrepl_enter(r, &msg), RC_OK);
    struct board_warm warm;
    memset(&warm, 0, sizeof warm);
    snprintf(warm.text, sizeof warm.text,
             "impl=micropython\nver=1.29.0\nplat=q'\\_mpk\x01\xc3\xa9\n"
             "feat=uctypes,sha256:hashlib,stdoutbuf\nbin=1\n");
    snprintf(warm.ident, sizeof warm.ident,
             "micropython 1.29.0 q'\\_mpk\x01\xc3\xa9  ");
    struct board_info info;
    int used = 1;
    board_probe_warm(r, &info, &warm, &used, NULL, NULL, &msg);
    CHECK_EQ_INT(used, 0); /* the test board does not answer "warm=1" */
    const char *sent = buf_str(&d.sent);
    CHECK(strstr(sent, "!='micropython 1.29.0 q\\x27\\x5c\\x5fmpk\\x01\\xc3\\xa9  ':") != NULL);
    CHECK(strstr(sent, "q'") == NULL);
    done(&d, r);
}

/* The test board's buffers, grown beforehand: the failures armed below
 * are then the engine's own. */
static void dev_reserve(struct dev *d)
{
    static char room[8192];
    struct buf *b[] = {&d->line, &d->out, &d->code, &d->sent};
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++) {
        size_t keep = b[i]->len;
        char *copy = keep ? malloc(keep) : NULL;
        if (keep) {
            memcpy(copy, b[i]->data, keep);
        }
        buf_add(b[i], room, sizeof room);
        buf_clear(b[i]);
        buf_add(b[i], copy, keep);
        free(copy);
    }
}

/* Out of memory at any allocation of the engine while a command is sent
 * and its answer taken: the command fails, or it succeeds with the whole
 * answer; an answer short of bytes is never taken as given.  Both a
 * printed answer and a traceback. */
TEST(out_of_memory_never_gives_a_short_answer)
{
    static const char *const cmds[] = {"print(123)", "1/0"};
    for (size_t c = 0; c < 2; c++) {
        const char *cmd = cmds[c];
        int want = c == 0 ? RC_OK : RC_DEVICE;
        struct dev d;
        struct rrepl *r = make(&d, DEV_FRIENDLY, 1);
        struct rc_msg msg;
        struct buf out, err;
        buf_init(&out);
        buf_init(&err);
        CHECK_EQ_INT(rrepl_enter(r, &msg), RC_OK);
        dev_reserve(&d);
        long first = failalloc_calls;
        CHECK_EQ_INT(rrepl_exec(r, cmd, &out, &err, &msg), want);
        long calls = failalloc_calls - first;
        char good_out[64], good_err[512];
        snprintf(good_out, sizeof good_out, "%s", buf_str(&out));
        snprintf(good_err, sizeof good_err, "%s", buf_str(&err));
        buf_fini(&out);
        buf_fini(&err);
        done(&d, r);
        CHECK(calls > 0);
        int kept = 0;
        for (long k = 0; k < calls; k++) {
            r = make(&d, DEV_FRIENDLY, 1);
            buf_init(&out);
            buf_init(&err);
            CHECK_EQ_INT(rrepl_enter(r, &msg), RC_OK);
            dev_reserve(&d);
            failalloc_arm(k);
            int rc = rrepl_exec(r, cmd, &out, &err, &msg);
            int fired = failalloc_fired();
            failalloc_disarm();
            if (rc == want) {
                CHECK_STR(buf_str(&out), good_out);
                CHECK_STR(buf_str(&err), good_err);
            } else {
                CHECK(rc < 0);
                CHECK(fired);
                kept |= rc == RC_NOMEM &&
                        strstr(msg.text, "keeping the board's answer") != NULL;
            }
            buf_fini(&out);
            buf_fini(&err);
            done(&d, r);
        }
        CHECK(kept); /* the answer itself was among what failed */
    }
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(enter_exec_leave);
    RUN(traceback_is_device_error);
    RUN(raw_paste_respects_window);
    RUN(old_firmware_falls_back);
    RUN(r00_reply_consumes_prompt);
    RUN(pipelined_commands_in_order);
    RUN(empty_command_never_resets);
    RUN(silence_and_junk);
    RUN(already_in_raw);
    RUN(traceback_summary);
    RUN(names_are_the_sessions_own);
    RUN(endless_answer_is_cut_off);
    RUN(trickle_meets_the_deadline);
    RUN(waiting_for_a_marker_keeps_a_short_tail);
    RUN(abandon_queues_the_way_back);
    RUN(own_code_is_sent_again_when_garbled);
    RUN(abandon_with_names_maybe_checks_the_marker);
    RUN(idle_board_is_entered_without_waiting);
    RUN(running_program_is_still_interrupted);
    RUN(leaving_runs_the_last_command_in_the_same_round_trip);
    RUN(leave_code_goes_first_when_another_command_comes);
    RUN(out_of_memory_never_gives_a_short_answer);
    RUN(warm_identity_is_escaped);
    return harness_done("rrepl");
}
