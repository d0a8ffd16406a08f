/*
 * cmd_verify.c: mpeek verify IMAGE: does the board hold the image's bytes?
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "cmd.h"
#include "image.h"
#include "rmap.h"
#include "image.h"
#include "session.h"
#include "verify.h"

static int parse(struct cmd_args *a, struct session *s, struct rc_msg *msg)
{
    if (a->nrest != 1) {
        return rc_set(msg, RC_ARG, "verify takes one IMAGE, e.g. 'mpeek verify "
                      "firmware.hex' (ELF, Intel HEX, UF2, or a raw binary with --base)");
    }
    return session_image_first(s, a->rest[0], msg);
}

/* Board versus image: exit status 3 (in *differs) when a part differs. */
static int run(struct session *s, struct cmd_args *a, struct rc_msg *msg)
{
    const struct image *img = s->img[0];
    int *differs = &a->differs;
    struct verify_report rep;
    if (verify_plan(img, &rep) < 0) {
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    if (rep.n == 0) {
        verify_report_free(&rep);
        return rc_set(msg, RC_ARG, "%s holds no bytes to compare", img->path);
    }
    /* A snapshot's RAM was the board's RAM then: it has run since, so a
     * difference there is reported, but not as one. */
    for (size_t i = 0; img->kind == IMAGE_SNAP && s->map != NULL && i < rep.n; i++) {
        const struct rmap_region *r = rmap_lookup(s->map, rep.p[i].addr);
        rep.p[i].changes = r != NULL && (r->kind == RMAP_K_RAM || r->kind == RMAP_K_HEAP ||
                                         r->kind == RMAP_K_STACK);
    }
    struct cmd_read_ctx ctx = {0};
    cmd_read_start(&ctx, s);
    struct verify_progress prog = {cmd_read_progress, &ctx};
    int rc = verify_run(s->rrepl, s->reader, &s->info,
                        s->unsafe ? NULL : s->map, img, &rep, &prog, msg);
    cmd_read_end(&ctx);
    if (rc == RC_OK) {
        struct buf out;
        buf_init(&out);
        int all_equal = 0;
        verify_format(&rep, img->path, &out, &all_equal);
        rc = buf_check(&out, msg, "the verify report");
        if (rc == RC_OK) {
            *differs = !all_equal;
        }
        if (rc == RC_OK &&
            (cmd_put_text(stdout, buf_str(&out), out.len) != 0 || fflush(stdout) != 0)) {
            rc = rc_set(msg, RC_IO, "writing to stdout: %s", strerror(errno));
        }
        buf_fini(&out);
    }
    verify_report_free(&rep);
    return rc;
}

const struct cmd_entry cmd_verify_entry = {
    .name = "verify",
    .usage = "  verify IMAGE              does the board hold the image's bytes? (exit 0:\n"
             "                            all equal, 3: some differ, 1: error)\n",
    .needs = CMD_BOARD | CMD_MAP,
    .parse = parse,
    .run = run,
};
