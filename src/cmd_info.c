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
#include "snapshot.h"

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

/* Offline: what a snapshot recorded of the board it was read from. */
static int run_snapshot(struct session *s, struct rc_msg *msg)
{
    if (s->snap == NULL) {
        return rc_set(msg, RC_ARG, "without a board, info reads a snapshot "
                      "(mpeek snapshot FILE records one; give it with --image "
                      "FILE): %s is none", s->nimage > 0 ? s->image_path[0] : "no image");
    }
    const struct snapshot *sn = s->snap;
    const struct snapshot_info *si = &sn->info;
    char when[40];
    snapshot_time_text(si->recorded, when, sizeof when);
    uint64_t bytes = 0;
    for (size_t i = 0; i < sn->nmem; i++) {
        bytes += sn->mem[i].len;
    }
    cmd_outf(stdout, "snapshot: %s\n", s->snap_path);
    cmd_outf(stdout, "recorded: %s from %s (mpeek %s)\n", when, si->port,
             si->mpeek[0] ? si->mpeek : "unknown");
    cmd_outf(stdout, "implementation: %s\n", si->impl);
    cmd_outf(stdout, "version: %s\n", si->version);
    if (si->firmware[0]) {
        cmd_outf(stdout, "firmware: %s\n", si->firmware);
    }
    cmd_outf(stdout, "machine: %s\n", si->machine[0] ? si->machine : "unknown");
    cmd_outf(stdout, "platform: %s\n", si->platform);
    cmd_outf(stdout, "floats: %s\n",
             si->repr_c == 1 ? "in the object word (object representation C)"
             : si->repr_c == 0 ? "boxed (not in the object word)" : "not known");
    cmd_outf(stdout, "memory: %llu bytes in %zu blocks, %zu regions, %s\n",
             (unsigned long long)bytes, sn->nmem, sn->nregions,
             sn->heap_text != NULL ? "the heap map" : "no heap map");
    return cmd_flush(msg);
}

static int run(struct session *s, struct cmd_args *a, struct rc_msg *msg)
{
    (void)a;
    if (s->rrepl == NULL) {
        return run_snapshot(s, msg);
    }
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
    .usage = "  info                      what the board is and how mpeek reads it\n"
             "                            (offline: what a snapshot recorded)\n",
    .needs = CMD_BOARD | CMD_PROBE,
    .offline = 1,
    .offline_needs_image = "without a board, info reads a snapshot: mpeek "
                           "snapshot FILE records one; give it with --image FILE",
    .parse = parse_none,
    .run = run,
};
