/*
 * bench_read.c: time mpeek's memory reads against the naive method on one
 * link, for `make bench`.
 *
 *   bench_read PORT ADDR LEN NAIVE_LEN [METHOD]
 *
 * Connects and probes as mpeek does (not timed), installs the helper (not
 * timed), then times mread_read(ADDR, LEN): payload bytes per second of
 * verified data.  Then times the naive method on NAIVE_LEN bytes: one
 * print() of a list of machine.mem32 values per 256-byte chunk, one command
 * each, no verification.  Prints one line of key=value pairs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "buf.h"
#include "clock.h"
#include "fmt.h"
#include "mread.h"
#include "rrepl.h"
#include "serial.h"

static void sink(void *ctx, uint32_t addr, const uint8_t *d, size_t n)
{
    (void)addr;
    (void)d;
    *(size_t *)ctx += n;
}

static int fail(const char *what, const struct rc_msg *msg)
{
    fprintf(stderr, "bench_read: %s: %s\n", what, msg->text);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: bench_read PORT ADDR LEN NAIVE_LEN [METHOD]\n");
        return 2;
    }
    struct rc_msg msg = {{0}};
    uint64_t addr, len, nlen;
    if (fmt_parse_u64(argv[2], "ADDR", &addr, &msg) < 0 ||
        fmt_parse_u64(argv[3], "LEN", &len, &msg) < 0 ||
        fmt_parse_u64(argv[4], "NAIVE_LEN", &nlen, &msg) < 0) {
        return fail("arguments", &msg);
    }
    struct serial_opts so;
    serial_opts_init(&so);
    struct serial *s = NULL;
    if (serial_open(argv[1], &so, &s, &msg) < 0) {
        return fail("open", &msg);
    }
    struct rrepl_io io;
    rrepl_io_serial(&io, s);
    struct rrepl_opts ro = {.timeout_ms = 5000};
    struct rrepl *r = NULL;
    rrepl_new(&io, &ro, &r);
    struct board_info info;
    if (rrepl_enter(r, &msg) < 0 || board_probe(r, &info, &msg) < 0) {
        return fail("attach", &msg);
    }
    if (argc > 5 && board_force_method(&info, argv[5], &msg) < 0) {
        return fail("method", &msg);
    }
    struct mread *m = NULL;
    mread_new(r, &info, &m);
    size_t got = 0;
    struct mread_cb cb = {sink, NULL, &got};
    /* Install the helper with a tiny read first. */
    if (mread_read(m, (uint32_t)addr, 4, &cb, &msg) < 0) {
        return fail("warm-up read", &msg);
    }
    got = 0;
    unsigned long long in0 = rrepl_bytes_in(r);
    int64_t t0 = clock_ms();
    if (mread_read(m, (uint32_t)addr, (uint32_t)len, &cb, &msg) < 0) {
        return fail("read", &msg);
    }
    double secs = (double)(clock_ms() - t0) / 1000.0;
    unsigned long long wire = rrepl_bytes_in(r) - in0;
    const struct mread_stats *st = mread_stats(m);

    /* The naive method: a printed list of mem32 values per chunk. */
    struct buf out;
    buf_init(&out);
    int64_t t1 = clock_ms();
    size_t naive_got = 0;
    for (uint64_t off = 0; off < nlen; off += 256) {
        char code[160];
        snprintf(code, sizeof code,
                 "print([__import__('machine').mem32[i] for i in range(%llu,%llu,4)])",
                 (unsigned long long)(addr + off),
                 (unsigned long long)(addr + off + 256));
        buf_clear(&out);
        if (rrepl_exec(r, code, &out, NULL, &msg) < 0) {
            return fail("naive read", &msg);
        }
        /* Count the values printed (commas + 1) as 4 bytes each. */
        size_t vals = 1;
        for (size_t i = 0; i < out.len; i++) {
            vals += out.data[i] == ',';
        }
        naive_got += vals * 4;
    }
    double nsecs = (double)(clock_ms() - t1) / 1000.0;
    buf_fini(&out);
    char name[200];
    printf("bytes=%zu secs=%.3f bps=%.0f wire_bytes=%llu chunk=%u "
           "resyncs=%u bad=%u naive_bytes=%zu naive_secs=%.3f naive_bps=%.0f "
           "method=\"%s\"\n",
           got, secs, secs > 0 ? (double)got / secs : 0, wire,
           info.method.chunk, st->resyncs, st->bad_chunks, naive_got, nsecs,
           nsecs > 0 ? (double)naive_got / nsecs : 0,
           board_method_name(&info.method, name, sizeof name));
    mread_free(m);
    board_uninstall(r, &msg);
    rrepl_leave(r, &msg);
    rrepl_free(r);
    serial_close(s);
    return 0;
}
