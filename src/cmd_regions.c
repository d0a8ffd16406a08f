/*
 * cmd_regions.c: mpeek regions: the memory map.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "ldscript.h"
#include "profile.h"
#include "rmap.h"
#include "session.h"

static void print_profile_names(const struct profile_set *set, FILE *f)
{
    for (size_t i = 0; i < set->n; i++) {
        cmd_outf(f, "%-18s %s\n", set->p[i].name, set->p[i].description);
    }
}
static int parse(struct cmd_args *a, struct session *s, struct rc_msg *msg)
{
    int rc;
    if (a->nrest != 0) {
        return rc_set(msg, RC_ARG, "regions takes no arguments (options "
                      "such as --ld FILE go before or after it)");
    }
    int v;
    if ((rc = cmd_parse_tcj(a->format, a->name, &v, msg)) < 0) {
        return rc;
    }
    a->mfmt = v == 0 ? RMAP_FMT_TABLE : v == 1 ? RMAP_FMT_CSV : RMAP_FMT_JSON;
    if (s->board != NULL && strcmp(s->board, "list") == 0) {
        char dir[512];
        profile_default_dir(dir, sizeof dir);
        if ((rc = profile_load_dir(dir, &s->profiles, msg)) < 0 &&
            s->profiles.n == 0) {
            profile_set_fini(&s->profiles);
            return rc;
        }
        print_profile_names(&s->profiles, stdout);
        profile_set_fini(&s->profiles);
        return CMD_DONE;
    }
    /* No port named, but a linker script, a board or an image: offline. */
    if (!s->port_given && (s->nld > 0 || s->board != NULL || s->nimage > 0)) {
        s->offline = 1;
    }
    return RC_OK;
}

static int run(struct session *s, struct cmd_args *a, struct rc_msg *msg)
{
    enum rmap_format fmt = a->mfmt;
    struct buf out;
    buf_init(&out);
    rmap_format(s->map, fmt, &out);
    if (fmt == RMAP_FMT_TABLE) {
        if (s->disc.have_heap) {
            buf_printf(&out, "gc heap: %ld bytes, %ld used, %ld free",
                       s->disc.heap.gc_total, s->disc.heap.gc_used,
                       s->disc.heap.gc_free);
            buf_addstr(&out, "\n");
        }
        if (s->disc.nmodules > 0) {
            buf_printf(&out, "modules (help('modules')): %s\n", s->disc.modules);
        }
        if (s->ldscript != NULL) {
            size_t provided = 0;
            for (size_t i = 0; i < ldscript_symbol_count(s->ldscript); i++) {
                const struct ldscript_symbol *sy = ldscript_symbol(s->ldscript, i);
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
    int rc = buf_check(&out, msg, "the memory map");
    if (rc == RC_OK &&
        (cmd_put_text(stdout, buf_str(&out), out.len) != 0 || fflush(stdout) != 0)) {
        rc = rc_set(msg, RC_IO, "writing to stdout: %s", strerror(errno));
    }
    buf_fini(&out);
    return rc;
}

const struct cmd_entry cmd_regions_entry = {
    .name = "regions",
    .usage = "  regions                   the memory map: board, linker script, profile\n"
             "       --format table|csv|json\n",
    .needs = CMD_BOARD | CMD_MAP | CMD_HEAP | CMD_MODULES,
    .offline = 1,
    .parse = parse,
    .run = run,
};
