/*
 * cmd_info.c: mpeek info: what the board is and how mpeek reads it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board.h"
#include "cmd.h"
#include "rrepl.h"
#include "serial.h"
#include "session.h"

/* info: no arguments. */
static int parse_none(struct cmd_args *a, struct session *s, struct rc_msg *msg)
{
    (void)s;
    if (a->nrest != 0) {
        return rc_set(msg, RC_ARG, "%s takes no arguments", a->name);
    }
    return RC_OK;
}

static const char *yesno(int v)
{
    return v > 0 ? "yes" : "no";
}

static int run(struct session *s, struct cmd_args *a, struct rc_msg *msg)
{
    (void)a;
    struct board_info *in = &s->info;
    int rc = board_install(s->rrepl, in, 1, msg);
    if (rc < 0) {
        return rc;
    }
    char buf[256];
    cmd_outf(stdout, "port: %s\n", serial_name(s->serial));
    cmd_outf(stdout, "implementation: %s\n", in->impl);
    cmd_outf(stdout, "version: %s\n", in->version);
    if (in->firmware[0]) {
        cmd_outf(stdout, "firmware: %s\n", in->firmware);
    }
    cmd_outf(stdout, "machine: %s\n", in->machine[0] ? in->machine : "unknown");
    cmd_outf(stdout, "platform: %s\n", in->platform);
    cmd_outf(stdout, "raw-paste: %s\n", yesno(rrepl_has_raw_paste(s->rrepl)));
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
    cmd_outf(stdout, "memory access: %s\n", buf);
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
    cmd_outf(stdout, "encodings: %s\n", buf);
    cmd_outf(stdout, "hashlib.sha256: %s\n", yesno(in->sha256));
    cmd_outf(stdout, "free heap: %ld bytes\n", in->free_heap);
    if (in->helper_heap >= 0) {
        cmd_outf(stdout, "helper heap: %ld bytes\n", in->helper_heap);
    }
    cmd_outf(stdout, "read method: %s\n", board_method_name(&in->method, buf, sizeof buf));
    cmd_outf(stdout, "chunk size: %u bytes\n", in->method.chunk);
    return cmd_flush(msg);
}

const struct cmd_entry cmd_info_entry = {
    .name = "info",
    .usage = "  info                      what the board is and how mpeek reads it\n",
    .needs = CMD_BOARD | CMD_PROBE,
    .parse = parse_none,
    .run = run,
};
