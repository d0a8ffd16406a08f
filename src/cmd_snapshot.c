/*
 * cmd_snapshot.c: mpeek snapshot FILE: the board recorded to a file
 * (snapshot.h) to explore later with no board: its readable RAM and
 * flash/ROM, the region map, the heap map, what it said of itself.
 *
 * What is read: every region of kind ram, heap, flash or rom (from the
 * board, a profile or a linker script; never an image's) that the map
 * allows reading whole, their union read once, through the verified
 * reader.  The file is written beside FILE and renamed into place
 * (ofile.h), so it is whole or left as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "board.h"
#include "buf.h"
#include "cmd.h"
#include "fmt.h"
#include "mread.h"
#include "ofile.h"
#include "rrepl.h"
#include "serial.h"
#include "session.h"
#include "snapshot.h"

static int parse(struct cmd_args *a, struct session *s, struct rc_msg *msg)
{
    (void)s;
    if (a->nrest != 1 || a->rest[0][0] == 0) {
        return rc_set(msg, RC_ARG, "snapshot takes one FILE to write, e.g. "
                      "'mpeek snapshot board.mpk'");
    }
    if (a->out_path != NULL || a->format != NULL) {
        return rc_set(msg, RC_ARG, "snapshot writes FILE in its own format: "
                      "leave out %s", a->out_path != NULL ? "-o" : "--format");
    }
    return RC_OK;
}

struct range {
    uint32_t start;
    uint64_t end;
};

static int cmp_range(const void *a, const void *b)
{
    const struct range *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

static int is_memory(enum rmap_kind k)
{
    return k == RMAP_K_RAM || k == RMAP_K_HEAP || k == RMAP_K_FLASH ||
           k == RMAP_K_ROM;
}

/* The ranges to read: the union of the regions to keep, sorted and
 * merged; *nout of them.  The regions left out (the map does not allow
 * reading all of them) are named in skipped. */
static int ranges(const struct rmap *map, struct range **out, size_t *nout,
                  char *skipped, size_t ssize)
{
    size_t n = 0, cap = rmap_count(map);
    struct range *r = calloc(cap ? cap : 1, sizeof *r);
    if (r == NULL) {
        return RC_NOMEM;
    }
    skipped[0] = 0;
    for (size_t i = 0; i < rmap_count(map); i++) {
        const struct rmap_region *g = rmap_get(map, i);
        int word_only = 0;
        if (!is_memory(g->kind) || g->source == RMAP_S_IMAGE) {
            continue;
        }
        if (rmap_check_read(map, g->start, g->end - g->start, &word_only, NULL) != RC_OK) {
            size_t l = strlen(skipped);
            snprintf(skipped + l, ssize - l, "%s%s", l ? ", " : "", g->name);
            continue;
        }
        r[n++] = (struct range){g->start, g->end};
    }
    if (n > 1) {
        qsort(r, n, sizeof *r, cmp_range);
    }
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (w > 0 && r[i].start <= r[w - 1].end) {
            if (r[i].end > r[w - 1].end) {
                r[w - 1].end = r[i].end;
            }
            continue;
        }
        r[w++] = r[i];
    }
    *out = r;
    *nout = w;
    return RC_OK;
}

/* One bar over all the ranges. */
struct snap_read {
    struct cmd_read_ctx bar;
    uint64_t before, total;
};

static void snap_chunk(void *ctx, uint32_t addr, const uint8_t *data, size_t len)
{
    struct snap_read *sr = ctx;
    cmd_read_chunk(&sr->bar, addr, data, len);
}

static void snap_progress(void *ctx, uint64_t done, uint64_t total)
{
    struct snap_read *sr = ctx;
    (void)total;
    cmd_read_progress(&sr->bar, sr->before + done, sr->total);
}

static int run(struct session *s, struct cmd_args *a, struct rc_msg *msg)
{
    const char *path = a->rest[0];
    /* The file first: a folder that cannot take it fails before the read. */
    struct ofile of = {0};
    int rc = ofile_open(&of, path, msg);
    if (rc < 0) {
        return rc;
    }
    if (s->info.repr_c < 0 && (rc = board_repr_c(s->rrepl, &s->info, msg)) < 0) {
        ofile_abort(&of);
        return rc_prefix(msg, rc, "asking the board how it stores floats");
    }
    struct range *rg = NULL;
    size_t nrg = 0;
    char skipped[400];
    if (ranges(s->map, &rg, &nrg, skipped, sizeof skipped) < 0) {
        ofile_abort(&of);
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    struct snapshot snap;
    memset(&snap, 0, sizeof snap);
    struct snapshot_mem *mem = calloc(nrg ? nrg : 1, sizeof *mem);
    struct rmap_region *regs = calloc(rmap_count(s->map) + 1, sizeof *regs);
    const char **notes = calloc(rmap_note_count(s->map) + 1, sizeof *notes);
    uint64_t total = 0;
    for (size_t i = 0; i < nrg; i++) {
        total += rg[i].end - rg[i].start;
    }
    if (mem == NULL || regs == NULL || notes == NULL) {
        rc = rc_set(msg, RC_NOMEM, "out of memory");
    } else if (total > SNAPSHOT_MAX_FILE) {
        rc = rc_set(msg, RC_ARG, "the board's memory to record is %llu bytes; a "
                    "snapshot holds at most %u MiB", (unsigned long long)total,
                    SNAPSHOT_MAX_FILE >> 20);
    }

    /* The bytes: each range in one stream, one progress bar for all. */
    struct snap_read sr;
    memset(&sr, 0, sizeof sr);
    sr.total = total;
    cmd_read_start(&sr.bar, s);
    for (size_t i = 0; rc == RC_OK && i < nrg; i++) {
        uint32_t len = (uint32_t)(rg[i].end - rg[i].start);
        uint8_t *d = malloc(len);
        if (d == NULL) {
            rc = rc_set(msg, RC_NOMEM, "cannot hold %u bytes in memory", (unsigned)len);
            break;
        }
        mem[i] = (struct snapshot_mem){rg[i].start, len, d};
        snap.nmem = i + 1;
        sr.bar.data = d;
        sr.bar.base = rg[i].start;
        struct mread_cb cb = {snap_chunk, snap_progress, &sr};
        rc = mread_read(s->reader, rg[i].start, len, &cb, msg);
        if (rc < 0) {
            rc_prefix(msg, rc, "reading 0x%08x-0x%08llx", (unsigned)rg[i].start,
                      (unsigned long long)rg[i].end);
        }
        sr.before += len;
    }
    cmd_read_end(&sr.bar);

    if (rc == RC_OK) {
        struct snapshot_info *in = &snap.info;
        in->recorded = (int64_t)time(NULL);
        in->repr_c = s->info.repr_c;
        snprintf(in->impl, sizeof in->impl, "%s", s->info.impl);
        snprintf(in->version, sizeof in->version, "%s", s->info.version);
        snprintf(in->firmware, sizeof in->firmware, "%s", s->info.firmware);
        snprintf(in->machine, sizeof in->machine, "%s", s->info.machine);
        snprintf(in->platform, sizeof in->platform, "%s", s->info.platform);
        snprintf(in->port, sizeof in->port, "%s",
                 s->serial != NULL ? serial_name(s->serial) : s->port);
        snprintf(in->mpeek, sizeof in->mpeek, "%s", MPEEK_VERSION);
        size_t nr = 0;
        for (size_t i = 0; i < rmap_count(s->map); i++) {
            const struct rmap_region *g = rmap_get(s->map, i);
            if (g->source != RMAP_S_IMAGE) {
                regs[nr++] = *g;
            }
        }
        snap.regions = regs;
        snap.nregions = nr;
        for (size_t i = 0; i < rmap_note_count(s->map); i++) {
            notes[i] = rmap_note_text(s->map, i);
        }
        snap.notes = notes;
        snap.nnotes = rmap_note_count(s->map);
        if (s->disc.have_heap && s->disc.heap_text != NULL) {
            snap.heap_text = s->disc.heap_text;
            snap.heap_len = strlen(s->disc.heap_text);
            snap.block_size = s->disc.heap.block_size;
        }
        snap.mem = mem;
    }

    struct buf out;
    buf_init(&out);
    if (rc == RC_OK) {
        rc = snapshot_encode(&snap, &out, msg);
    }
    if (rc == RC_OK) {
        fwrite(out.data, 1, out.len, of.f); /* ofile_commit sees an error */
        rc = ofile_commit(&of, msg);
    } else {
        ofile_abort(&of);
    }
    if (rc == RC_OK) {
        char sz[24], when[40];
        fmt_size(total, sz, sizeof sz);
        snapshot_time_text(snap.info.recorded, when, sizeof when);
        cmd_outf(stdout, "%s: %s of memory in %zu block%s, %zu regions, %s; %s %s "
                 "on %s, recorded %s\n", path, sz, nrg, nrg == 1 ? "" : "s",
                 snap.nregions, snap.heap_text != NULL ? "the heap map" : "no heap map",
                 s->info.impl[0] ? s->info.impl : "MicroPython", s->info.version,
                 s->info.machine[0] ? s->info.machine : s->info.platform, when);
        if (skipped[0]) {
            cmd_outf(stdout, "not recorded (the map does not allow reading all of "
                     "them): %s\n", skipped);
        }
        rc = cmd_flush(msg);
    }
    buf_fini(&out);
    for (size_t i = 0; i < snap.nmem; i++) {
        free((void *)mem[i].data);
    }
    free(mem);
    free(regs);
    free(notes);
    free(rg);
    return rc;
}

const struct cmd_entry cmd_snapshot_entry = {
    .name = "snapshot",
    .usage = "  snapshot FILE             record the board to FILE to explore later with\n"
             "                            no board (--image FILE, open FILE): all readable\n"
             "                            RAM, the flash/ROM the map vouches for, the maps\n",
    .needs = CMD_BOARD | CMD_MAP | CMD_HEAP,
    .parse = parse,
    .run = run,
};
