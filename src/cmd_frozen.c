/*
 * cmd_frozen.c: mpeek frozen: the frozen modules, from the firmware's ELF,
 * the board, or the names in the board's flash.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bmem.h"
#include "buf.h"
#include "clock.h"
#include "cmd.h"
#include "frozen.h"
#include "frozen_manifest.h"
#include "frozen_notes.h"
#include "fscan.h"
#include "image.h"
#include "mread.h"
#include "rmap.h"
#include "session.h"

/* No image: look for frozen-module names in the board's flash (fscan.h). */
static int cmd_frozen_scan(struct session *s, enum frozen_format fmt,
                           const char *compare, int *differs,
                           struct rc_msg *msg)
{
    (void)differs;
    if (compare != NULL) {
        return rc_set(msg, RC_ARG, "comparing frozen modules needs their "
                      "digests: give the firmware's ELF with --image FILE");
    }
    if (s->disc.nmodules == 0) {
        return rc_set(msg, RC_UNSUPP, "the board lists no modules "
                      "(help('modules')); give the firmware's ELF with "
                      "--image FILE");
    }
    struct fscan_result all;
    memset(&all, 0, sizeof all);
    size_t cap = 0;
    char where[256] = "";
    uint64_t scanned = 0;
    int rc = RC_OK;
    uint64_t covered = 0; /* end of the last flash region looked in */
    for (size_t i = 0; i < rmap_count(s->map) && rc == RC_OK; i++) {
        const struct rmap_region *r = rmap_get(s->map, i);
        int word_only = 0;
        /* Flash the board or a profile vouches for, readable, and not
         * inside one already looked in (the map is in address order,
         * parents first). */
        if (r->kind != RMAP_K_FLASH || r->end <= covered ||
            r->source == RMAP_S_LD || r->source == RMAP_S_IMAGE ||
            rmap_check_read(s->map, r->start, r->end - r->start, &word_only,
                            NULL) != RC_OK) {
            continue;
        }
        covered = r->end;
        uint64_t n = r->end - r->start;
        if (n > (4u << 20)) {
            cmd_outf(stderr, "mpeek: %s is %llu KiB; looking at its first 4 MiB "
                    "only (give the ELF with --image for the whole story)\n",
                    r->name, (unsigned long long)(n >> 10));
            n = 4u << 20;
        }
        struct cmd_read_ctx ctx = {0};
        ctx.data = malloc((size_t)n);
        if (ctx.data == NULL) {
            rc = rc_set(msg, RC_NOMEM, "out of memory");
            break;
        }
        ctx.base = r->start;
        cmd_read_start(&ctx, s);
        struct mread_cb cb = {cmd_read_chunk, cmd_read_progress, &ctx};
        rc = mread_read(s->reader, r->start, (uint32_t)n, &cb, msg);
        cmd_read_end(&ctx);
        if (rc == RC_OK) {
            struct fscan_result one;
            rc = fscan_names(ctx.data, (size_t)n, r->start, s->disc.modules, &one);
            for (size_t k = 0; rc == RC_OK && k < one.n; k++) {
                if (all.n == cap) {
                    cap = cap ? cap * 2 : 16;
                    struct fscan_name *nn = realloc(all.names, cap * sizeof *nn);
                    if (nn == NULL) {
                        rc = rc_set(msg, RC_NOMEM, "out of memory");
                        break;
                    }
                    all.names = nn;
                }
                all.names[all.n++] = one.names[k];
            }
            all.ntables += one.ntables;
            fscan_free(&one);
            size_t l = strlen(where);
            snprintf(where + l, sizeof where - l, "%s%s 0x%08x-0x%08llx",
                     l ? ", " : "", r->name, (unsigned)r->start,
                     (unsigned long long)(r->start + n - 1));
            scanned += n;
        }
        free(ctx.data);
    }
    if (rc == RC_OK && scanned == 0) {
        rc = rc_set(msg, RC_UNSUPP, "no readable flash in the memory map to "
                    "look in; name the board with --board, or give the "
                    "firmware's ELF with --image FILE");
    }
    if (rc == RC_OK) {
        if (all.n == 0) {
            if (fmt == FROZEN_FMT_TABLE) {
                cmd_outf(stdout, "no frozen modules: none of the %d modules the board "
                       "lists (help('modules')) is stored as a frozen module "
                       "name in its flash (%s); they are built into the "
                       "firmware\n", s->disc.nmodules, where);
                if (s->disc.modules_dropped > 0) {
                    cmd_outf(stdout, "(%d more names were too many to look for: give "
                           "the firmware's ELF with --image to be sure)\n",
                           s->disc.modules_dropped);
                }
            } else if (fmt == FROZEN_FMT_CSV) {
                cmd_outf(stdout, "name,address,size,sha256\n");
            } else {
                cmd_outf(stdout, "[]\n");
            }
        } else {
            /* Names only: addresses, sizes and digests need symbols. */
            if (fmt == FROZEN_FMT_TABLE) {
                cmd_outf(stdout, "%zu frozen module%s named in the board's flash (name "
                       "table%s at", all.n, all.n == 1 ? "" : "s",
                       all.ntables == 1 ? "" : "s");
                for (size_t k = 0; k < all.n; k++) {
                    if (k == 0 || all.names[k].addr != all.names[k - 1].addr +
                                      strlen(all.names[k - 1].name) + 1) {
                        cmd_outf(stdout, " 0x%08x", (unsigned)all.names[k].addr);
                    }
                }
                cmd_outf(stdout, "):\n");
                for (size_t k = 0; k < all.n; k++) {
                    cmd_outf(stdout, "  %s\n", all.names[k].name);
                }
                cmd_outf(stdout, "their addresses, sizes and SHA-256 digests need the "
                       "firmware's symbols: mpeek frozen --image firmware.elf\n");
            } else {
                rc = rc_set(msg, RC_UNSUPP, "the board names %zu frozen "
                            "modules, but their addresses, sizes and digests "
                            "need the firmware's symbols: give its ELF with "
                            "--image FILE", all.n);
            }
        }
        if (rc == RC_OK && fflush(stdout) != 0) {
            rc = rc_set(msg, RC_IO, "writing to stdout: %s", strerror(errno));
        }
    }
    fscan_free(&all);
    return rc;
}

static int read_text_file(const char *path, struct buf *out, struct rc_msg *msg)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return rc_set(msg, errno == ENOENT ? RC_NOTFOUND : RC_IO,
                      "cannot read %s: %s", path, strerror(errno));
    }
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
        if (buf_add(out, tmp, n) < 0 || out->len > (64u << 20)) {
            fclose(f);
            return rc_set(msg, RC_ARG, "%s: too big for a manifest", path);
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        return rc_set(msg, RC_IO, "cannot read %s: %s", path, strerror(errno));
    }
    return RC_OK;
}

/* Read the span of the image's frozen-module objects from the board in one
 * stream, so the walk finds them in the cache instead of asking for them
 * page by page. */
static int frozen_prefetch(struct bmem *bm, const struct image *img)
{
    static const char *const prefixes[] = {
        "mp_frozen_", "frozen_module_", "proto_fun_", "raw_code_", "fun_data_",
        "children_", "const_qstr_table_data_", "const_obj_", "const_table_data_",
        "mp_qstr_frozen_const_",
    };
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t i = 0; i < img->nsyms; i++) {
        const struct image_sym *sy = &img->syms[i];
        if (sy->size == 0) {
            continue;
        }
        for (size_t k = 0; k < sizeof prefixes / sizeof prefixes[0]; k++) {
            if (strncmp(sy->name, prefixes[k], strlen(prefixes[k])) == 0) {
                if (sy->addr < lo) {
                    lo = sy->addr;
                }
                if ((uint64_t)sy->addr + sy->size > hi) {
                    hi = (uint64_t)sy->addr + sy->size;
                }
                break;
            }
        }
    }
    if (lo >= hi || hi - lo > (1u << 20) || hi > 0x100000000ULL) {
        return RC_OK;
    }
    return bmem_prefetch(bm, (uint32_t)lo, (uint32_t)(hi - lo));
}

/* The frozen modules: from the ELF image's bytes, or (from_board) the same
 * addresses read from the board. */
static int cmd_frozen(struct session *s, enum frozen_format fmt,
                      const char *compare, int from_board, int *differs,
                      struct rc_msg *msg)
{
    const struct image *img = session_symbol_image(s);
    struct frozen_mem mem;
    struct bmem *bm = NULL;
    if (from_board) {
        if (bmem_new(s, &bm) < 0) {
            return rc_set(msg, RC_NOMEM, "out of memory");
        }
        bmem_mem(bm, &mem);
        if (img != NULL && frozen_prefetch(bm, img) == RC_CANCEL) {
            bmem_free(bm);
            return rc_set(msg, RC_CANCEL, "interrupted");
        }
    } else {
        frozen_mem_image(&mem, img);
    }
    struct frozen_set set;
    memset(&set, 0, sizeof set);
    int rc = frozen_find(img, &mem, &set, msg);
    if (rc < 0 && from_board) {
        rc_prefix(msg, rc, "the board's frozen tables (at the addresses %s "
                  "gives)", img->path);
    }
    struct buf out;
    buf_init(&out);
    if (rc == RC_OK && compare != NULL) {
        struct buf text;
        buf_init(&text);
        struct frozen_manifest old;
        memset(&old, 0, sizeof old);
        rc = read_text_file(compare, &text, msg);
        if (rc == RC_OK) {
            rc = frozen_manifest_parse(buf_str(&text), text.len, compare, &old,
                                       msg);
        }
        if (rc == RC_OK) {
            rc = frozen_compare(&set, &old, &out, differs);
        }
        frozen_manifest_free(&old);
        buf_fini(&text);
    } else if (rc == RC_OK) {
        if (set.n == 0 && fmt == FROZEN_FMT_TABLE) {
            buf_printf(&out, "%s: no frozen modules (the firmware has no "
                       "frozen-module tables)\n", img->path);
        } else {
            rc = frozen_format(&set, fmt, &out);
        }
    }
    if (rc == RC_OK) {
        rc = buf_check(&out, msg, "the frozen-module list");
    }
    if (rc == RC_OK &&
        (cmd_put_text(stdout, buf_str(&out), out.len) != 0 || fflush(stdout) != 0)) {
        rc = rc_set(msg, RC_IO, "writing to stdout: %s", strerror(errno));
    }
    buf_fini(&out);
    frozen_set_free(&set);
    bmem_free(bm);
    return rc;
}


static int parse(struct cmd_args *a, struct session *s, struct rc_msg *msg)
{
    int rc;
    if (a->nrest != 0) {
        return rc_set(msg, RC_ARG, "frozen takes no arguments (give the "
                      "firmware's ELF with --image FILE)");
    }
    int v;
    if ((rc = cmd_parse_tcj(a->format, a->name, &v, msg)) < 0) {
        return rc;
    }
    a->ffmt = v == 0 ? FROZEN_FMT_TABLE : v == 1 ? FROZEN_FMT_CSV : FROZEN_FMT_JSON;
    if (a->compare != NULL && access(a->compare, R_OK) != 0) {
        return rc_set(msg, RC_NOTFOUND, "cannot read the manifest %s: %s "
                      "(make one with 'mpeek frozen --format csv > FILE')",
                      a->compare, strerror(errno));
    }
    /* An image and no port: the image alone. */
    if (!s->port_given && s->nimage > 0) {
        s->offline = 1;
    }
    if (s->offline && s->nimage == 0) {
        return rc_set(msg, RC_ARG, "frozen --offline needs the firmware's "
                      "ELF: --image FILE");
    }
    return RC_OK;
}

/* From the image alone (offline), the image's addresses read from the
 * board, or (no image) the names found in the board's flash. */
static int run(struct session *s, struct cmd_args *a, struct rc_msg *msg)
{
    if (s->rrepl == NULL) {
        return cmd_frozen(s, a->ffmt, a->compare, 0, &a->differs, msg);
    }
    if (s->nimage > 0) {
        return cmd_frozen(s, a->ffmt, a->compare, 1, &a->differs, msg);
    }
    return cmd_frozen_scan(s, a->ffmt, a->compare, &a->differs, msg);
}

const struct cmd_entry cmd_frozen_entry = {
    .name = "frozen",
    .usage = "  frozen                    frozen modules: name, address, size, sha256\n"
             "                            (from --image ELF, else from the board)\n"
             "       --format table|csv|json\n"
             "       --compare MANIFEST   same/changed/added/removed against a saved\n"
             "                            manifest (exit 3 when anything changed)\n",
    .needs = CMD_BOARD | CMD_MAP | CMD_MODULES | CMD_COMPARE,
    .offline = 1,
    .parse = parse,
    .run = run,
};
