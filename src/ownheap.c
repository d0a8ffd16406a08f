/*
 * ownheap.c: mpeek's own objects on the GC heap (see ownheap.h).
 */
#include "ownheap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

/* The head block of the object addr points into, as the GC sees it: a
 * pointer into a head block (any byte of it) counts, one into a tail or a
 * free block does not.  0 if none. */
static uint32_t head_of(const struct heapmap *h, uint32_t addr, struct heapmap_hit *hit)
{
    if (heapmap_lookup(h, addr, hit) != RC_OK || hit->orphan ||
        (hit->state != HEAPMAP_HEAD && hit->state != HEAPMAP_MARKED)) {
        return 0;
    }
    return hit->block_addr;
}

static int is_stop(uint32_t a, const uint32_t *stops, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (stops[i] == a) {
            return 1;
        }
    }
    return 0;
}

int ownheap_walk(struct heapmap *h, const struct frozen_mem *mem,
                 const uint32_t *roots, size_t nroots,
                 const uint32_t *stops, size_t nstops,
                 size_t *marked, struct rc_msg *msg)
{
    if (marked != NULL) {
        *marked = 0;
    }
    uint32_t *todo = malloc(OWNHEAP_MAX_OBJECTS * sizeof *todo);
    uint8_t **seen = calloc(h->nareas ? h->nareas : 1, sizeof *seen);
    uint8_t *buf = NULL;
    size_t ntodo = 0, nfound = 0;
    int rc = RC_OK;
    if (todo == NULL || seen == NULL) {
        rc = rc_set(msg, RC_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < h->nareas && rc == RC_OK; i++) {
        if ((seen[i] = calloc(h->areas[i].nblocks ? h->areas[i].nblocks : 1, 1)) == NULL) {
            rc = rc_set(msg, RC_NOMEM, "out of memory");
        }
    }
    /* Queue an object (once); stops are never queued. */
#define QUEUE(addr)                                                              \
    do {                                                                         \
        struct heapmap_hit hit_;                                                 \
        uint32_t head_ = head_of(h, (addr), &hit_);                              \
        if (head_ != 0 && !is_stop(head_, stops, nstops) &&                      \
            !seen[hit_.area][hit_.block]) {                                      \
            if (nfound >= OWNHEAP_MAX_OBJECTS) {                                 \
                rc = rc_set(msg, RC_ARG, "more than %u objects reachable from "  \
                            "mpeek's globals: not all mpeek's", OWNHEAP_MAX_OBJECTS); \
            } else {                                                             \
                seen[hit_.area][hit_.block] = 1;                                 \
                todo[ntodo++] = head_;                                           \
                nfound++;                                                        \
            }                                                                    \
        }                                                                        \
    } while (0)
    for (size_t i = 0; i < nroots && rc == RC_OK; i++) {
        QUEUE(roots[i]);
    }
    uint32_t *found = NULL;
    size_t nf = 0;
    if (rc == RC_OK && (found = malloc(OWNHEAP_MAX_OBJECTS * sizeof *found)) == NULL) {
        rc = rc_set(msg, RC_NOMEM, "out of memory");
    }
    while (rc == RC_OK && ntodo > 0) {
        uint32_t obj = todo[--ntodo];
        found[nf++] = obj;
        struct heapmap_hit hit;
        heapmap_lookup(h, obj, &hit);
        uint32_t len = hit.obj_blocks * h->block_size;
        uint8_t *nb = realloc(buf, len ? len : 1);
        if (nb == NULL) {
            rc = rc_set(msg, RC_NOMEM, "out of memory");
            break;
        }
        buf = nb;
        if ((rc = mem->read(mem->ctx, obj, len, buf, msg)) < 0) {
            rc_prefix(msg, rc, "mpeek's own object at 0x%08x", (unsigned)obj);
            break;
        }
        for (uint32_t o = 0; o + 4 <= len && rc == RC_OK; o += 4) {
            uint32_t w = (uint32_t)buf[o] | (uint32_t)buf[o + 1] << 8 |
                         (uint32_t)buf[o + 2] << 16 | (uint32_t)buf[o + 3] << 24;
            QUEUE(w);
        }
    }
#undef QUEUE
    if (rc == RC_OK) {
        for (size_t i = 0; i < nf && rc == RC_OK; i++) {
            if (heapmap_mark_own(h, found[i]) == RC_NOMEM) {
                rc = rc_set(msg, RC_NOMEM, "out of memory");
            }
        }
        if (marked != NULL) {
            *marked = nf;
        }
    }
    for (size_t i = 0; seen != NULL && i < h->nareas; i++) {
        free(seen[i]);
    }
    free(seen);
    free(todo);
    free(found);
    free(buf);
    return rc;
}

size_t ownheap_parse_ids(const char *text, uint32_t *roots, size_t max, uint32_t *stop)
{
    char v[32];
    const char *from = NULL;
    size_t n = 0;
    *stop = 0;
    while (n < max && fmt_kv(text, "own", v, sizeof v, &from)) {
        char *end;
        unsigned long long x = strtoull(v, &end, 10);
        if (end != v && *end == 0 && v[0] != '-' && x > 0 && x <= 0xffffffffULL) {
            roots[n++] = (uint32_t)x;
        }
    }
    if (fmt_kv(text, "glob", v, sizeof v, NULL)) {
        char *end;
        unsigned long long x = strtoull(v, &end, 10);
        if (end != v && *end == 0 && v[0] != '-' && x <= 0xffffffffULL) {
            *stop = (uint32_t)x;
        }
    }
    return n;
}
