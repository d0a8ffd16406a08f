/*
 * bmem.c: a board's memory for the decoders that walk it (see bmem.h).
 */
#include "bmem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "buf.h"
#include "rrepl.h"
#include "fmt.h"
#include "image.h"
#include "mread.h"
#include "objdec.h"
#include "pcache.h"
#include "qcache.h"
#include "rmap.h"
#include "session.h"

struct bmem {
    struct session *s;
    struct pcache *cache;
};

int bmem_new(struct session *s, struct bmem **out)
{
    *out = NULL;
    struct bmem *bm = calloc(1, sizeof *bm);
    if (bm == NULL || pcache_new(&bm->cache) < 0) {
        free(bm);
        return RC_NOMEM;
    }
    bm->s = s;
    *out = bm;
    return RC_OK;
}

void bmem_free(struct bmem *bm)
{
    if (bm != NULL) {
        pcache_free(bm->cache);
        free(bm);
    }
}

/* A verified piece: into the cache (ctx). */
static void bmem_chunk(void *ctx, uint32_t addr, const uint8_t *data, size_t len)
{
    pcache_put(ctx, addr, data, len);
}

/* No board: the session's images, the first that holds all the bytes. */
static int bmem_read_images(struct session *s, uint32_t addr, uint32_t len,
                            uint8_t *out, struct rc_msg *msg)
{
    for (size_t i = 0; i < s->nimage; i++) {
        if (image_copy(s->img[i], addr, len, out) == len) {
            return RC_OK;
        }
    }
    return rc_set(msg, RC_NOTFOUND, "0x%08x+%u is not in %s", (unsigned)addr,
                  (unsigned)len, s->nimage > 0 ? "the images given" : "any image (no board)");
}

static int bmem_read(void *ctx, uint32_t addr, uint32_t len, uint8_t *out,
                     struct rc_msg *msg)
{
    struct bmem *bm = ctx;
    struct session *s = bm->s;
    if (len == 0) {
        return RC_OK;
    }
    if ((uint64_t)addr + len > 0x100000000ULL) {
        return rc_set(msg, RC_ARG, "0x%08x+%u runs past the address space",
                      (unsigned)addr, (unsigned)len);
    }
    if (s->reader == NULL) {
        return bmem_read_images(s, addr, len, out, msg);
    }
    if (!pcache_have(bm->cache, addr, len)) {
        uint32_t a = addr & ~(PCACHE_PAGE - 1);
        uint64_t e = ((uint64_t)addr + len + PCACHE_PAGE - 1) & ~(uint64_t)(PCACHE_PAGE - 1);
        int word_only = 0; /* rmap_check_read's; the reader chooses the loads */
        if (s->unsafe || rmap_check_read(s->map, a, e - a, &word_only, NULL) == RC_OK) {
            /* whole pages */
        } else {
            a = addr;
            e = (uint64_t)addr + len;
            if (rmap_check_read(s->map, a, e - a, &word_only, msg) < 0) {
                return rc_prefix(msg, RC_ARG, "not reading the board");
            }
        }
        struct mread_cb cb = {bmem_chunk, NULL, bm->cache};
        int rc = mread_read(s->reader, a, (uint32_t)(e - a), &cb, msg);
        if (rc < 0) {
            return rc;
        }
    }
    for (uint32_t i = 0; i < len; i++) {
        if (pcache_get(bm->cache, addr + i, &out[i], NULL) != PCACHE_OK) {
            return rc_set(msg, RC_VERIFY, "0x%08x was not read", (unsigned)(addr + i));
        }
    }
    return RC_OK;
}

void bmem_mem(struct bmem *bm, struct frozen_mem *mem)
{
    mem->read = bmem_read;
    mem->ctx = bm;
}

struct prefetch_ctx {
    struct cmd_read_ctx progress;
    struct pcache *cache;
};

static void prefetch_chunk(void *ctx, uint32_t addr, const uint8_t *data,
                           size_t len)
{
    struct prefetch_ctx *p = ctx;
    bmem_chunk(p->cache, addr, data, len);
}

static void prefetch_progress(void *ctx, uint64_t done, uint64_t total)
{
    struct prefetch_ctx *p = ctx;
    cmd_read_progress(&p->progress, done, total);
}

int bmem_prefetch(struct bmem *bm, uint32_t addr, uint32_t len)
{
    uint64_t lo = addr & ~(uint64_t)(PCACHE_PAGE - 1);
    uint64_t hi = ((uint64_t)addr + len + PCACHE_PAGE - 1) & ~(uint64_t)(PCACHE_PAGE - 1);
    int word_only = 0;
    if (bm->s->reader == NULL || lo >= hi || hi > 0x100000000ULL ||
        (!bm->s->unsafe &&
         rmap_check_read(bm->s->map, (uint32_t)lo, hi - lo, &word_only, NULL) != RC_OK)) {
        return RC_OK;
    }
    if (pcache_have(bm->cache, (uint32_t)lo, (size_t)(hi - lo))) {
        return RC_OK;
    }
    struct prefetch_ctx p;
    memset(&p, 0, sizeof p);
    p.cache = bm->cache;
    cmd_read_start(&p.progress, bm->s);
    struct mread_cb cb = {prefetch_chunk, prefetch_progress, &p};
    struct rc_msg m;
    int rc = mread_read(bm->s->reader, (uint32_t)lo, (uint32_t)(hi - lo), &cb, &m);
    cmd_read_end(&p.progress);
    return rc == RC_CANCEL ? RC_CANCEL : RC_OK;
}

/* Where qstr pools may be: the flash, ROM and RAM the map vouches for. */
void bmem_qstr_where(struct qstr_where *w, const struct rmap *map, int unsafe)
{
    uint32_t st[QSTR_MAX_RANGES], ln[QSTR_MAX_RANGES];
    static const enum rmap_kind flashy[] = {RMAP_K_FLASH, RMAP_K_ROM};
    for (size_t k = 0; k < 2; k++) {
        size_t n = rmap_vouched(map, flashy[k], unsafe, st, ln, QSTR_MAX_RANGES - w->nflash);
        for (size_t i = 0; i < n; i++) {
            w->flash[w->nflash++] = (struct frozen_range){st[i], ln[i]};
        }
    }
    size_t n = rmap_vouched(map, RMAP_K_RAM, unsafe, st, ln, QSTR_MAX_RANGES);
    for (size_t i = 0; i < n; i++) {
        w->ram[w->nram++] = (struct frozen_range){st[i], ln[i]};
    }
}

/* A line in the --log file (none without one). */
__attribute__((format(printf, 2, 3)))
static void bmem_log(struct session *s, const char *fmt, ...)
{
    if (s->log == NULL) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    fputs("# qstr cache: ", s->log);
    vfprintf(s->log, fmt, ap);
    fputc('\n', s->log);
    fflush(s->log);
    va_end(ap);
}

int bmem_qstr_tab(struct session *s, const struct frozen_mem *mem,
                  const struct qstr_where *w, struct qstr_tab **tab, struct rc_msg *msg)
{
    char dir[900], path[1000];
    uint8_t id[32];
    struct qstr_hint hint;
    struct qstr_where ww = *w;
    for (size_t i = 0; s->disc.have_heap && i < s->disc.heap.nareas && ww.nheap < QSTR_MAX_RANGES;
         i++) {
        const struct heapmap_area *a = &s->disc.heap.areas[i];
        ww.heap[ww.nheap++] = (struct frozen_range){a->pool_start,
                                                    a->nblocks * s->disc.heap.block_size};
    }
    struct rc_msg m;
    char e[CMD_ESC_MAX];
    int use = !s->no_cache && s->rrepl != NULL && s->info.version[0] != 0;
    int have = 0;
    if (s->no_cache) {
        bmem_log(s, "off (--no-cache)");
    }
    if (use && qcache_dir(dir, sizeof dir, &m) != RC_OK) {
        bmem_log(s, "off: %s", m.text);
        use = 0;
    }
    if (use) {
        qcache_identity(&s->info, id);
        qcache_path(dir, id, path, sizeof path);
        int rc = qcache_load(path, id, &hint, &m);
        if (rc == RC_OK) {
            have = 1;
            ww.hint = &hint;
        } else if (rc == RC_NOTFOUND) {
            bmem_log(s, "miss: no %s", path);
        } else {
            bmem_log(s, "unusable: %s", m.text);
            if (!s->tui_running) {
                cmd_outf(stderr, "mpeek: note: the qstr cache %s; searched the board "
                         "again\n", cmd_esc(m.text, e));
            }
        }
    }
    int rc = qstr_tab_new(tab, mem, &ww, msg);
    if (rc != RC_OK || !use) {
        return rc;
    }
    unsigned used = qstr_hint_used(*tab);
    if (have && used != 0) {
        bmem_log(s, "hit: const pools%s from %s", (used & QSTR_HINT_LAST) ?
                 " and last_pool" : "", path);
    }
    if (have && qstr_hint_note(*tab)[0] != 0) {
        bmem_log(s, "stale: %s", qstr_hint_note(*tab));
        if (!(used & QSTR_HINT_CONST) && !s->tui_running) {
            cmd_outf(stderr, "mpeek: note: the qstr cache %s does not fit the board (%s); "
                     "searched it again\n", path, cmd_esc(qstr_hint_note(*tab), e));
        }
    }
    struct qstr_hint now;
    if (!qstr_hint_get(*tab, &now)) {
        return RC_OK;
    }
    if (now.last_word == 0 && (used & QSTR_HINT_CONST) && qstr_hint_note(*tab)[0] == 0) {
        now.last_word = hint.last_word; /* not searched for (no RAM), not refuted */
    }
    if (have && memcmp(&now, &hint, sizeof now) == 0) {
        return RC_OK;
    }
    if (qcache_store(dir, path, id, &now, &m) != RC_OK) {
        bmem_log(s, "not written: %s", m.text);
        if (!s->tui_running) {
            cmd_outf(stderr, "mpeek: note: cannot keep the qstr cache: %s (--no-cache "
                     "turns it off)\n", cmd_esc(m.text, e));
        }
    } else {
        bmem_log(s, "wrote %s", path);
    }
    return RC_OK;
}

int bmem_layout(struct session *s, int major, int minor, int repr_c,
                struct objdec_layout *lay, struct rc_msg *msg)
{
    int rc = objdec_layout_for(lay, major, minor, repr_c ? OBJDEC_REPR_C : OBJDEC_REPR_A,
                               msg);
    if (rc < 0) {
        return rc;
    }
    const struct image *img = session_symbol_image(s);
    const struct image_sym *ip = img != NULL ? image_sym_find(img, "instance_print") : NULL;
    if (ip != NULL) {
        lay->instance_print = ip->addr & ~1u;
    }
    return RC_OK;
}

int bmem_eval_id(struct session *s, const char *expr, const char *also, uint32_t *word,
                 struct buf *out, struct rc_msg *msg)
{
    struct buf code;
    buf_init(&code);
    buf_clear(out);
    buf_printf(&code, "print('id=%%d'%%id((%s)))", expr);
    if (also != NULL) {
        buf_printf(&code, ";%s", also);
    }
    int rc = buf_check(&code, msg, "the expression");
    if (rc == RC_OK) {
        rc = rrepl_exec_as_is(s->rrepl, buf_str(&code), out, NULL, msg);
        if (rc == RC_DEVICE || rc == RC_DEVMEM) {
            char e[CMD_ESC_MAX];
            struct rc_msg why = *msg; /* rc_set writes over msg->text */
            rc = rc_set(msg, RC_ARG, "the board could not evaluate %s: %s",
                        cmd_esc(expr, e), why.text);
        }
    }
    char v[32];
    if (rc == RC_OK && !fmt_kv(buf_str(out), "id", v, sizeof v, NULL)) {
        rc = rc_set(msg, RC_PROTO, "the board did not say the id of the object");
    }
    if (rc == RC_OK) {
        *word = (uint32_t)strtoll(v, NULL, 10); /* a negative id is a high address */
    }
    buf_fini(&code);
    return rc;
}
