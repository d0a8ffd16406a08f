/*
 * cmd_read.c: mpeek read ADDR LEN: memory, verified, to stdout or a file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board.h"
#include "clock.h"
#include "cmd.h"
#include "fmt.h"
#include "mread.h"
#include "ofile.h"
#include "session.h"

static int parse(struct cmd_args *a, struct session *s, struct rc_msg *msg)
{
    int rc;
    if (a->nrest != 2) {
        return rc_set(msg, RC_ARG, "read takes ADDR and LEN, e.g. "
                      "'mpeek read 0x20000000 256'");
    }
    if ((rc = fmt_parse_u64(a->rest[0], "ADDR", &a->addr, msg)) < 0 ||
        (rc = fmt_parse_u64(a->rest[1], "LEN", &a->len, msg)) < 0 ||
        (rc = fmt_check_range(a->addr, a->len, msg)) < 0) {
        return rc;
    }
    if (a->format == NULL) {
        a->hex = a->out_path == NULL;
    } else if (strcmp(a->format, "hex") == 0) {
        a->hex = 1;
    } else if (strcmp(a->format, "bin") != 0) {
        return rc_set(msg, RC_ARG, "--format takes bin or hex, not '%s'",
                      a->format);
    }
    /* Known before attaching: it may go right behind the probe. */
    s->first_read = a->len > 0 && a->len <= 0xffffffffULL;
    s->first_addr = (uint32_t)a->addr;
    s->first_len = (uint32_t)a->len;
    return RC_OK;
}

static int write_all(FILE *f, const void *p, size_t n)
{
    return fwrite(p, 1, n, f) == n ? 0 : -1;
}
static int run(struct session *s, struct cmd_args *a, struct rc_msg *msg)
{
    uint32_t addr = (uint32_t)a->addr, len = (uint32_t)a->len;
    const char *out_path = a->out_path;
    int hex = a->hex;
    /* The reader refuses a range outside the known memory: asked first,
     * before the bytes are given room. */
    int rc = mread_check(s->reader, addr, len, msg);
    if (rc < 0) {
        return rc;
    }
    struct cmd_read_ctx ctx = {0};
    ctx.data = malloc(len);
    if (ctx.data == NULL) {
        return rc_set(msg, RC_NOMEM, "cannot hold %u bytes in memory",
                      (unsigned)len);
    }
    ctx.base = addr;
    cmd_read_start(&ctx, s);
    struct mread_cb cb = {cmd_read_chunk, cmd_read_progress, &ctx};
    /* The one read of the command: the helper's clean-up may go with it. */
    mread_set_last(s->reader, MREAD_LAST_LEAVE);
    rc = mread_read(s->reader, addr, len, &cb, msg);
    mread_set_last(s->reader, MREAD_LAST_NONE);
    cmd_read_end(&ctx);
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
        for (uint64_t off = 0; off < len && !bad && !*s->cancel; off += 16) {
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
        if (*s->cancel) {
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

/* The map only guards the range: with --unsafe it is not built. */
const struct cmd_entry cmd_read_entry = {
    .name = "read",
    .usage = "  read ADDR LEN             read memory (ADDR, LEN: 0x.., decimal, K/M)\n"
             "       -o, --output FILE    write the bytes to FILE (raw binary)\n"
             "       --format bin|hex     bin: raw bytes; hex: xxd-style dump\n",
    .needs = CMD_BOARD | CMD_GUARD,
    .parse = parse,
    .run = run,
};
