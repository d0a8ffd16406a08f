/*
 * ownheap_board.c: mpeek's own objects marked in the session's heap map,
 * from the board: the id() of its globals, then the walk (ownheap.h)
 * through the session's memory reader.
 */
#include "ownheap_board.h"

#include <string.h>

#include "bmem.h"
#include "buf.h"
#include "ownheap.h"
#include "rrepl.h"
#include "session.h"

/* The helper on the board (a read installs it), then mem_info(1) again
 * into the session's heap map. */
static int refresh_heap(struct session *s, struct rc_msg *msg)
{
    struct bmem *bm;
    if (bmem_new(s, &bm) < 0) {
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    struct frozen_mem mem;
    bmem_mem(bm, &mem);
    uint8_t b;
    int rc = mem.read(mem.ctx, s->disc.heap.areas[0].pool_start, 1, &b, msg);
    bmem_free(bm);
    if (rc < 0) {
        return rc;
    }
    struct buf out;
    buf_init(&out);
    rc = rrepl_exec_own(s->rrepl, "__import__('micropython').mem_info(1)", &out, msg);
    struct heapmap h;
    if (rc == RC_OK &&
        (rc = heapmap_parse(buf_str(&out), out.len, s->disc.heap.block_size, &h, msg)) == RC_OK) {
        heapmap_fini(&s->disc.heap);
        s->disc.heap = h;
    }
    buf_fini(&out);
    return rc;
}

int ownheap_session(struct session *s, int refresh, size_t *marked, struct rc_msg *msg)
{
    if (marked != NULL) {
        *marked = 0;
    }
    if (s->rrepl == NULL || s->reader == NULL || !s->disc.have_heap ||
        s->disc.heap.nareas == 0) {
        return RC_OK;
    }
    int rc;
    if (refresh && (rc = refresh_heap(s, msg)) < 0) {
        return rc_prefix(msg, rc, "reading the heap again");
    }
    struct buf out;
    buf_init(&out);
    rc = rrepl_exec_own(s->rrepl, OWNHEAP_IDS_CODE, &out, msg);
    uint32_t roots[16], stop = 0;
    size_t n = rc == RC_OK ? ownheap_parse_ids(buf_str(&out), roots, 16, &stop) : 0;
    buf_fini(&out);
    if (rc < 0) {
        return rc_prefix(msg, rc, "asking the board for mpeek's globals");
    }
    if (n == 0) {
        return RC_OK;
    }
    struct bmem *bm;
    if (bmem_new(s, &bm) < 0) {
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    struct frozen_mem mem;
    bmem_mem(bm, &mem);
    rc = ownheap_walk(&s->disc.heap, &mem, roots, n, &stop, stop ? 1 : 0, marked, msg);
    bmem_free(bm);
    return rc < 0 ? rc_prefix(msg, rc, "finding mpeek's own objects on the heap") : RC_OK;
}
