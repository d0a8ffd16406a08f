/*
 * mread.c: pipelined, verified memory reads (see mread.h).
 */
#include "mread.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "recdec.h"
#include "rmap.h"
#include "rrepl.h"

#define DEPTH 2            /* requests in flight */
#define CHUNKS_PER_REQ 16
#define MAX_FAILURES 4     /* recoveries in a row without progress */
#define MREAD_PAGE 256u    /* runs of one kind of load: in whole pages */

struct range {
    uint32_t addr;
    uint32_t len;
    int tries;
};

struct req {
    uint32_t addr, len, chunk;
    int tries;
    int cleans;    /* mpeek's names are deleted behind the helper's call */
    int leaves;    /* \r Ctrl-B was sent behind it (rrepl_leave_early) */
    struct recdec *dec;
    int folds;     /* the helper's definition went in front of it */
};

struct mread {
    struct rrepl *r;
    struct board_info *info;
    int installed;
    int retries;
    struct mread_stats stats;
    /* current call */
    const struct mread_cb *cb;
    uint32_t want_addr;
    uint64_t want_end;
    struct range *todo;
    size_t ntodo, captodo;
    struct req q[DEPTH];
    int nq;
    int garbled;   /* the last failure was a record stream out of shape */
    /* The read policy (mread_set_map). */
    const struct rmap *map;
    int unsafe;
    int selected;  /* mread_select switched the method */
    struct board_method saved;
    int last;      /* mread_set_last: the next read is the helper's last */
    int prefetched; /* q[0] is mread_prefetch's, waiting for its read */
    int fold_next;  /* the next request carries the helper's definition */
    uint8_t *ahead; /* mread_read_ahead's bytes, for the read of them */
    uint32_t ahead_addr, ahead_len;
};

int mread_new(struct rrepl *r, struct board_info *info, struct mread **out)
{
    *out = NULL;
    struct mread *m = calloc(1, sizeof *m);
    if (m == NULL) {
        return RC_NOMEM;
    }
    m->r = r;
    m->info = info;
    m->retries = 4;
    *out = m;
    return RC_OK;
}

void mread_free(struct mread *m)
{
    if (m == NULL) {
        return;
    }
    for (int i = 0; i < m->nq; i++) {
        recdec_free(m->q[i].dec);
    }
    free(m->ahead);
    free(m->todo);
    free(m);
}

void mread_set_retries(struct mread *m, int retries)
{
    m->retries = retries > 0 ? retries : 1;
}

void mread_reset(struct mread *m)
{
    m->installed = 0;
    board_helper_lost(m->info);
}

const struct mread_stats *mread_stats(const struct mread *m)
{
    return &m->stats;
}

static int todo_push(struct mread *m, uint32_t addr, uint32_t len, int tries,
                     int front)
{
    if (len == 0) {
        return RC_OK;
    }
    if (m->ntodo == m->captodo) {
        size_t cap = m->captodo ? m->captodo * 2 : 16;
        struct range *t = realloc(m->todo, cap * sizeof *t);
        if (t == NULL) {
            return RC_NOMEM;
        }
        m->todo = t;
        m->captodo = cap;
    }
    if (front) {
        memmove(m->todo + 1, m->todo, m->ntodo * sizeof *m->todo);
        m->todo[0] = (struct range){addr, len, tries};
    } else {
        m->todo[m->ntodo] = (struct range){addr, len, tries};
    }
    m->ntodo++;
    return RC_OK;
}

static void deliver(struct mread *m, uint32_t addr, const uint8_t *data,
                    uint32_t len)
{
    uint64_t a = addr, e = (uint64_t)addr + len;
    if (a < m->want_addr) {
        a = m->want_addr;
    }
    if (e > m->want_end) {
        e = m->want_end;
    }
    if (e <= a) {
        return;
    }
    if (m->cb != NULL && m->cb->chunk != NULL) {
        m->cb->chunk(m->cb->ctx, (uint32_t)a, data + (a - addr), (size_t)(e - a));
    }
    m->stats.bytes += e - a;
    if (m->cb != NULL && m->cb->progress != NULL) {
        m->cb->progress(m->cb->ctx, m->stats.bytes,
                        m->want_end - m->want_addr);
    }
}

/* Drop the oldest request, putting back what it did not get to. */
static int req_retire(struct mread *m, int requeue)
{
    struct req *q = &m->q[0];
    int rc = RC_OK;
    if (requeue) {
        uint32_t done = recdec_done(q->dec) * q->chunk;
        if (done < q->len) {
            rc = todo_push(m, q->addr + done, q->len - done, q->tries, 1);
        }
    }
    recdec_free(q->dec);
    memmove(m->q, m->q + 1, (size_t)(m->nq - 1) * sizeof *m->q);
    m->nq--;
    return rc;
}

/* Put every request in flight back on the list, newest first so that the
 * order of the range is kept. */
static int requeue_all(struct mread *m)
{
    for (int i = m->nq - 1; i >= 0; i--) {
        struct req *q = &m->q[i];
        uint32_t done = recdec_done(q->dec) * q->chunk;
        if (done < q->len && todo_push(m, q->addr + done, q->len - done,
                                       q->tries, 1) != RC_OK) {
            return RC_NOMEM;
        }
        recdec_free(q->dec);
    }
    m->nq = 0;
    return RC_OK;
}

static int ensure_helper(struct mread *m, struct rc_msg *msg)
{
    if (m->installed) {
        return RC_OK;
    }
    int rc = board_install(m->r, m->info, 0, msg);
    if (rc == RC_OK) {
        m->installed = 1;
    }
    return rc;
}

/* A record decoder for the answer to a request of len bytes at addr in
 * chunks of chunk, in the board's method. */
static int req_dec(const struct mread *m, uint32_t addr, uint32_t len, uint32_t chunk,
                   struct recdec **dec, struct rc_msg *msg)
{
    struct recdec_cfg cfg = {
        .enc = m->info->method.enc,
        .digest = m->info->method.digest,
        .addr = addr,
        .len = len,
        .chunk = chunk,
    };
    return recdec_new(&cfg, dec, msg);
}

static int send_next(struct mread *m, struct rc_msg *msg)
{
    struct range *t = &m->todo[0];
    uint32_t chunk = m->info->method.chunk;
    uint32_t len = t->len;
    if (t->tries > 0) {
        /* A re-read: one chunk at a time. */
        len = len < chunk ? len : chunk;
    } else if (len > chunk * CHUNKS_PER_REQ) {
        len = chunk * CHUNKS_PER_REQ;
    }
    struct req *q = &m->q[m->nq];
    int rc = req_dec(m, t->addr, len, chunk, &q->dec, msg);
    if (rc < 0) {
        return rc;
    }
    char cmd[2800];
    int n = 0;
    q->folds = 0;
    if (m->fold_next) {
        /* The helper's definition in front of the call (old firmware, one
         * read): one command, one round trip. */
        m->fold_next = 0;
        n = snprintf(cmd, sizeof cmd, "%s", BOARD_GC_FIRST);
        if (board_helper_code(m->info, &m->info->method, cmd + n, 2048) == RC_OK &&
            strlen(cmd) < 2048) {
            n = (int)strlen(cmd);
            if (n > 0 && cmd[n - 1] != '\n') {
                cmd[n++] = '\n';
            }
            q->folds = 1;
        } else {
            n = 0;
            if ((rc = ensure_helper(m, msg)) < 0) {
                recdec_free(q->dec);
                return rc;
            }
        }
    }
    n += snprintf(cmd + n, sizeof cmd - (size_t)n, "_mpk(%lu,%lu,%lu)", (unsigned long)t->addr,
                  (unsigned long)len, (unsigned long)chunk);
    /* The last request of the helper's last read, alone on the line:
     * mpeek's names are deleted behind it, in the same command, and
     * leaving is then Ctrl-B alone. */
    q->cleans = 0;
    q->leaves = 0;
    char clean[300];
    if (m->last && m->nq == 0 && m->ntodo == 1 && len == t->len &&
        rrepl_names_claimed(m->r) &&
        rrepl_cleanup_code(m->r, clean, sizeof clean) &&
        (size_t)n + 1 + strlen(clean) < sizeof cmd) {
        snprintf(cmd + n, sizeof cmd - (size_t)n, "\n%s", clean);
        q->cleans = 1;
    }
    rc = rrepl_send(m->r, cmd, msg);
    if (rc == RC_OK && q->folds) {
        m->installed = 1;
    }
    if (rc == RC_OK && q->cleans && m->last == MREAD_LAST_LEAVE) {
        /* And nothing after it: the board may leave the raw REPL as soon as
         * it has answered. */
        int l = rrepl_leave_early(m->r, msg);
        q->leaves = l > 0;
        rc = l < 0 ? l : RC_OK;
    }
    if (rc < 0) {
        recdec_free(q->dec);
        return rc;
    }
    q->addr = t->addr;
    q->len = len;
    q->chunk = chunk;
    q->tries = t->tries;
    m->nq++;
    m->stats.requests++;
    t->addr += len;
    t->len -= len;
    if (t->len == 0) {
        memmove(m->todo, m->todo + 1, (m->ntodo - 1) * sizeof *m->todo);
        m->ntodo--;
    }
    return RC_OK;
}

int mread_prefetch(struct mread *m, uint32_t addr, uint32_t len, const char *gate,
                   struct rc_msg *msg)
{
    uint32_t chunk = m->info->method.chunk;
    if (m->nq != 0 || m->prefetched || len == 0 || chunk == 0 ||
        len > chunk * CHUNKS_PER_REQ || (uint64_t)addr + len > 0x100000000ULL ||
        m->info->method.enc == RECDEC_WORDS) {
        return rc_set(msg, RC_UNSUPP, "not a read to send ahead");
    }
    struct req *q = &m->q[0];
    int rc = req_dec(m, addr, len, chunk, &q->dec, msg);
    if (rc < 0) {
        return rc;
    }
    /* Behind the gate, the read and then the clean-up (unchecked: the
     * gate checked the marker). */
    char cmd[700];
    int n = snprintf(cmd, sizeof cmd, "if %s:\n _mpk(%lu,%lu,%lu)\n %s", gate,
                     (unsigned long)addr, (unsigned long)len, (unsigned long)chunk,
                     rrepl_cleanup_all());
    if (n < 0 || (size_t)n >= sizeof cmd) {
        recdec_free(q->dec);
        return rc_set(msg, RC_UNSUPP, "not a read to send ahead");
    }
    rc = rrepl_send(m->r, cmd, msg);
    q->leaves = 0;
    if (rc == RC_OK) {
        int l = rrepl_leave_early(m->r, msg);
        q->leaves = l > 0;
        rc = l < 0 ? l : RC_OK;
    }
    if (rc < 0) {
        recdec_free(q->dec);
        return rc;
    }
    q->addr = addr;
    q->len = len;
    q->chunk = chunk;
    q->tries = 0;
    q->cleans = 1;
    q->folds = 0;
    m->nq = 1;
    m->stats.requests++;
    m->prefetched = 1;
    return RC_OK;
}

static void expect_answer(struct mread *m, const struct req *q);

int mread_read_ahead(struct mread *m, const char *code, uint32_t addr, uint32_t len,
                     struct rc_msg *msg)
{
    if (m->nq != 0 || m->ahead != NULL || len == 0) {
        return rc_set(msg, RC_ARG, "a read ahead while another is due");
    }
    struct req q = {addr, len, len, 0, 0, 0, NULL, 0};
    uint8_t *data = malloc(len);
    int rc = data == NULL ? rc_set(msg, RC_NOMEM, "out of memory")
                          : req_dec(m, addr, len, len, &q.dec, msg);
    if (rc == RC_OK && (rc = rrepl_send(m->r, code, msg)) == RC_OK) {
        int l = rrepl_leave_early(m->r, msg);
        rc = l < 0 ? l : RC_OK;
    }
    if (rc < 0) {
        recdec_free(q.dec);
        free(data);
        return rc;
    }
    m->stats.requests++;
    expect_answer(m, &q);
    int got = 0, read_nothing = 0, empty = 0;
    rc = rrepl_begin(m->r, msg);
    while (rc == RC_OK) {
        size_t n, used = 0;
        const unsigned char *p = rrepl_peek(m->r, &n);
        struct recdec_chunk ch;
        enum recdec_ev ev = recdec_feed(q.dec, p, n, &used, &ch, msg);
        rrepl_consume(m->r, used);
        if (ev == RECDEC_NEED) {
            int f = rrepl_fill(m->r, rrepl_timeout(m->r), msg);
            rc = f < 0 ? f : RC_OK;
        } else if (ev == RECDEC_CHUNK) {
            if (ch.ok && ch.addr == addr && ch.len == len) {
                memcpy(data, ch.data, len);
                got = 1;
            } else {
                m->stats.bad_chunks++;
                read_nothing = 1;
                break;
            }
        } else if (ev == RECDEC_END || ev == RECDEC_EOT) {
            /* The answer's end: an empty one or a traceback is no read. */
            struct buf err;
            buf_init(&err);
            rc = rrepl_end(m->r, NULL, &err, msg);
            buf_fini(&err);
            if (rc == RC_DEVICE || rc == RC_DEVMEM || (rc == RC_OK && !got)) {
                empty = rc == RC_OK && ev == RECDEC_EOT;
                read_nothing = 1;
                rc = RC_OK;
            }
            break;
        } else {
            read_nothing = 1; /* records out of shape */
            break;
        }
    }
    recdec_free(q.dec);
    if (rc == RC_OK && got && !read_nothing) {
        m->ahead = data;
        m->ahead_addr = addr;
        m->ahead_len = len;
        return RC_OK;
    }
    free(data);
    if (rc != RC_OK && rc != RC_PROTO) {
        return rc;
    }
    /* Back into the raw REPL (\r Ctrl-B went behind it), nothing due. */
    rc = rrepl_resync(m->r, msg);
    return rc < 0 ? rc : empty ? RC_NOTFOUND : RC_UNSUPP;
}

/* Forget the prefetched request (its answer is the engine's to drop). */
static void prefetch_forget(struct mread *m)
{
    if (m->prefetched && m->nq > 0) {
        recdec_free(m->q[0].dec);
        memmove(m->q, m->q + 1, (size_t)(m->nq - 1) * sizeof *m->q);
        m->nq--;
    }
    m->prefetched = 0;
}

int mread_prefetch_drop(struct mread *m, struct rc_msg *msg)
{
    if (!m->prefetched) {
        return RC_OK;
    }
    prefetch_forget(m);
    return rrepl_resync(m->r, msg);
}

/* Recover after a garbled stream, a reset or silence. */
static int recover(struct mread *m, int why, struct rc_msg *msg)
{
    struct rc_msg first = *msg;
    if (why == RC_CANCEL || why == RC_CLOSED || why == RC_NOMEM) {
        return why;
    }
    if (requeue_all(m) != RC_OK) {
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    m->stats.resyncs++;
    int rc = rrepl_resync(m->r, msg);
    if (rc < 0) {
        if (why == RC_TIMEOUT) {
            *msg = first;
        }
        return rc;
    }
    m->installed = 0;
    board_helper_lost(m->info);
    return ensure_helper(m, msg);
}

/* Tell the engine how long the answer to q may be and take: the records
 * in the method's encoding, and the board's own time to read the memory
 * (a Python loop of mem8/mem32 loads is far slower than uctypes). */
static void expect_answer(struct mread *m, const struct req *q)
{
    const struct board_method *meth = &m->info->method;
    uint64_t n = (q->len + q->chunk - 1) / q->chunk;
    uint64_t per = q->chunk;
    if (meth->enc == RECDEC_B64) {
        per = 4 * ((per + 2) / 3) + 2;
    } else if (meth->enc != RECDEC_BIN) {
        per = 2 * per;
    }
    uint64_t bytes = n * (per + 1 + 64 + 4) + 1;
    uint64_t work = meth->access == BOARD_ACC_UCTYPES ? q->len / 64 : q->len / 8;
    rrepl_expect(m->r, (size_t)bytes, (int)(work < 3600000 ? work : 3600000));
}

/* Take the answer of the oldest request.  Returns RC_OK when it finished
 * (fully or with chunks to re-read), or an rc to recover from. */
static int take_answer(struct mread *m, int *progress, struct rc_msg *msg)
{
    struct req *q = &m->q[0];
    expect_answer(m, q);
    int rc = rrepl_begin(m->r, msg);
    if (rc < 0) {
        return rc;
    }
    for (;;) {
        size_t n, used = 0;
        const unsigned char *p = rrepl_peek(m->r, &n);
        struct recdec_chunk ch;
        enum recdec_ev ev = recdec_feed(q->dec, p, n, &used, &ch, msg);
        rrepl_consume(m->r, used);
        switch (ev) {
        case RECDEC_CHUNK:
            if (ch.ok) {
                deliver(m, ch.addr, ch.data, ch.len);
                *progress = 1;
            } else {
                m->stats.bad_chunks++;
                if (q->tries + 1 >= m->retries) {
                    return rc_set(msg, RC_VERIFY,
                                  "the %u bytes at 0x%08x failed verification "
                                  "%d times: the line is corrupting data (try "
                                  "a lower --baud or another cable)",
                                  (unsigned)ch.len, (unsigned)ch.addr,
                                  m->retries);
                }
                rc = todo_push(m, ch.addr, ch.len, q->tries + 1, 0);
                if (rc < 0) {
                    return rc;
                }
            }
            break;
        case RECDEC_NEED:
            rc = rrepl_fill(m->r, rrepl_timeout(m->r), msg);
            break;
        case RECDEC_END: {
            struct buf err;
            buf_init(&err);
            rc = rrepl_end(m->r, NULL, &err, msg);
            buf_fini(&err);
            if (rc < 0) {
                return rc == RC_DEVICE || rc == RC_DEVMEM ? RC_PROTO : rc;
            }
            if (q->cleans) {
                int q_leaves = q->leaves;
                rc = req_retire(m, 0);
                if (rc < 0) {
                    return rc;
                }
                if (m->ntodo == 0) {
                    /* Read whole, and nothing of mpeek's is left. */
                    rrepl_names_released(m->r);
                    m->installed = 0;
                    board_helper_lost(m->info);
                    m->last = 0;
                    return RC_OK;
                }
                /* Chunks to read again, and the helper is gone (and the
                 * board on its way out of the raw REPL: back in). */
                m->installed = 0;
                board_helper_lost(m->info);
                if (q_leaves && (rc = rrepl_resync(m->r, msg)) < 0) {
                    return rc;
                }
                return ensure_helper(m, msg);
            }
            return req_retire(m, 0);
        }
        case RECDEC_EOT: {
            struct buf err;
            buf_init(&err);
            rc = rrepl_end(m->r, NULL, &err, msg);
            int helper_gone = strstr(buf_str(&err), "_mpk") != NULL &&
                              strstr(buf_str(&err), "NameError") != NULL;
            buf_fini(&err);
            /* mpeek's own command: a SyntaxError, NameError of another
             * name... means its bytes were lost on the way in. */
            int lost = !helper_gone && rrepl_input_lost(rc, msg);
            if (q->folds) {
                /* Whether the helper got defined is not known: again. */
                m->installed = 0;
                board_helper_lost(m->info);
            }
            if (q->leaves) {
                /* \r Ctrl-B went behind it: the board has left the raw
                 * REPL (its globals kept).  Back in first, whatever comes
                 * next (and the way out then deletes mpeek's names). */
                struct rc_msg m2;
                int r2 = rrepl_resync(m->r, &m2);
                if (r2 < 0) {
                    *msg = m2;
                    return r2;
                }
                q->leaves = 0;
            }
            if (lost) {
                /* Read again, through the loop's recovery (counted, so
                 * a line that always loses bytes ends the read). */
                int r2 = req_retire(m, 1);
                return r2 < 0 ? r2 : RC_PROTO;
            }
            if (rc == RC_DEVMEM && q->folds) {
                /* The bigger command (helper and read) did not fit: the
                 * helper on its own first, the chunk as it was. */
                m->stats.memerrors++;
                int r2 = req_retire(m, 1);
                return r2 < 0 ? r2 : ensure_helper(m, msg);
            }
            if (rc == RC_DEVMEM) {
                m->stats.memerrors++;
                if (m->info->method.chunk <= 64) {
                    return rc_prefix(msg, RC_DEVMEM,
                                     "even 64-byte chunks do not fit the "
                                     "board's heap");
                }
                m->info->method.chunk /= 2;
                return req_retire(m, 1);
            }
            if (helper_gone) {
                /* The board was reset: globals are gone. */
                m->installed = 0;
                board_helper_lost(m->info);
                int r2 = req_retire(m, 1);
                return r2 < 0 ? r2 : ensure_helper(m, msg);
            }
            if (rc == RC_OK) {
                return rc_set(msg, RC_PROTO, "the read ended early");
            }
            return rc;
        }
        case RECDEC_ERROR:
            m->garbled = 1;
            return RC_PROTO;
        }
        if (rc < 0) {
            return rc;
        }
    }
}

static int read_range(struct mread *m, uint32_t addr, uint32_t len,
                      const struct mread_cb *cb, struct rc_msg *msg)
{
    if (len == 0) {
        return RC_OK;
    }
    uint64_t end = (uint64_t)addr + len;
    if (end > 0x100000000ULL) {
        return rc_set(msg, RC_ARG, "the range 0x%08x+0x%x passes 0xffffffff",
                      (unsigned)addr, (unsigned)len);
    }
    m->cb = cb;
    m->want_addr = addr;
    m->want_end = end;
    m->ntodo = 0;
    m->fold_next = 0;
    m->stats.bytes = 0;
    int rc = RC_OK;
    if (m->ahead != NULL) {
        uint8_t *d = m->ahead;
        int same = m->ahead_addr == addr && m->ahead_len == len;
        m->ahead = NULL;
        if (same) {
            /* mread_read_ahead read it, verified. */
            deliver(m, addr, d, len);
            free(d);
            return RC_OK;
        }
        /* Not the read it was for: the board left the raw REPL behind it. */
        free(d);
        if ((rc = rrepl_resync(m->r, msg)) < 0) {
            return rc;
        }
    }
    if (m->prefetched) {
        int same = m->nq == 1 && m->q[0].addr == addr && m->q[0].len == len;
        if (same) {
            /* Its answer is this read's (the probe defined the helper). */
            m->prefetched = 0;
            m->installed = 1;
            goto run;
        }
        /* Not the read it was sent for: its answer goes, and with it the
         * helper and the raw REPL (it ran the clean-up and left). */
        prefetch_forget(m);
        m->installed = 0;
        board_helper_lost(m->info);
        if ((rc = rrepl_resync(m->r, msg)) < 0) {
            return rc;
        }
    }
    uint32_t a = addr;
    uint64_t e = end;
    if (m->info->method.enc == RECDEC_WORDS) {
        a &= ~3u;
        e = (e + 3) & ~3ULL;
        if (e > 0x100000000ULL) {
            e = 0x100000000ULL;
        }
    }
    rc = todo_push(m, a, (uint32_t)(e - a), 0, 0);
    if (rc < 0) {
        return rc;
    }
    if (!m->installed && m->last && m->ntodo == 1 && !m->info->helper_ready &&
        rrepl_has_raw_paste(m->r) != 1 &&
        m->todo[0].len <= m->info->method.chunk * CHUNKS_PER_REQ) {
        /* Old firmware (no raw-paste: nothing may queue behind a command)
         * and the helper's last read, whole in one request: the helper is
         * defined in that same command, and deleted at its end. */
        m->fold_next = 1;
    } else if ((rc = ensure_helper(m, msg)) < 0) {
        return rc;
    }
run:;
    int failures = 0;
    m->garbled = 0;
    while (m->ntodo > 0 || m->nq > 0) {
        while (m->nq < DEPTH && m->ntodo > 0) {
            rc = send_next(m, msg);
            if (rc < 0) {
                break;
            }
        }
        int progress = 0;
        if (rc == RC_OK) {
            rc = take_answer(m, &progress, msg);
        }
        if (rc == RC_VERIFY || rc == RC_CANCEL || rc == RC_CLOSED ||
            rc == RC_NOMEM || rc == RC_DEVICE) {
            break;
        }
        if (rc == RC_DEVMEM && m->info->method.chunk <= 64) {
            break;
        }
        if (rc < 0 && rc != RC_DEVMEM) {
            failures = progress ? 1 : failures + 1;
            if (failures > MAX_FAILURES) {
                if (rc == RC_PROTO && m->garbled) {
                    /* Records out of shape time after time: the line. */
                    char was[sizeof msg->text];
                    snprintf(was, sizeof was, "%s", msg->text);
                    rc = rc_set(msg, RC_VERIFY, "the board's answers arrived "
                                "garbled %d times in a row (%.160s): the line is "
                                "corrupting data (try a lower --baud or "
                                "another cable)", failures, was);
                }
                break;
            }
            m->garbled = 0;
            int why = rc;
            rc = recover(m, why, msg);
            if (rc < 0) {
                break;
            }
        } else if (progress) {
            failures = 0;
        }
        rc = RC_OK;
    }
    if (rc < 0) {
        requeue_all(m);
        m->ntodo = 0;
        uint64_t at = m->want_addr + m->stats.bytes;
        return rc_prefix(msg, rc, "reading 0x%08llx", (unsigned long long)at);
    }
    return RC_OK;
}

/* Aligned 32-bit loads only, for memory where byte loads fault (the
 * ESP8266/ESP32 instruction bus): the board's method is switched to words
 * for this read and switched back after (the helper is sent again each
 * time). */
static int read_words(struct mread *m, uint32_t addr, uint32_t len,
                      const struct mread_cb *cb, struct rc_msg *msg)
{
    if (m->info->method.access == BOARD_ACC_MEM32) {
        return read_range(m, addr, len, cb, msg);
    }
    struct board_method saved = m->info->method;
    int rc = board_force_method(m->info, "words", msg);
    if (rc < 0) {
        return rc_prefix(msg, rc, "0x%08x takes aligned 32-bit reads only",
                         (unsigned)addr);
    }
    m->installed = 0;
    rc = read_range(m, addr, len, cb, msg);
    m->info->method = saved;
    m->installed = 0;
    return rc;
}

void mread_set_last(struct mread *m, int last)
{
    m->last = last;
}

void mread_set_map(struct mread *m, const struct rmap *map, int unsafe)
{
    m->map = map;
    m->unsafe = unsafe;
}

/* Does part of [addr, addr+len) take aligned 32-bit loads only?  What the
 * map says of the known part (a part the map does not know, read with
 * --unsafe, takes byte loads). */
static int takes_words(const struct mread *m, uint32_t addr, uint64_t len)
{
    int word = 0;
    if (m->map != NULL) {
        rmap_check_read(m->map, addr, len, &word, NULL);
    }
    return word;
}

/* The first run of [addr, end) that takes one kind of load, in whole
 * cache-sized pages: its length, and *word. */
static uint32_t run_of_one_kind(const struct mread *m, uint32_t addr,
                                uint64_t end, int *word)
{
    if (!takes_words(m, addr, end - addr)) {
        *word = 0;
        return (uint32_t)(end - addr);
    }
    uint64_t a = addr;
    int first = -1;
    while (a < end) {
        uint64_t next = (a | (MREAD_PAGE - 1)) + 1;
        if (next > end) {
            next = end;
        }
        int w = takes_words(m, (uint32_t)a, next - a);
        if (first < 0) {
            first = w;
        } else if (w != first) {
            break;
        }
        a = next;
    }
    *word = first;
    return (uint32_t)(a - addr);
}

/* Progress over the runs of one read, as one read. */
struct whole {
    const struct mread_cb *cb;
    uint64_t done, total;
};

static void whole_chunk(void *ctx, uint32_t addr, const uint8_t *data,
                        size_t len)
{
    struct whole *w = ctx;
    w->cb->chunk(w->cb->ctx, addr, data, len);
}

static void whole_progress(void *ctx, uint64_t done, uint64_t total)
{
    struct whole *w = ctx;
    (void)total;
    w->cb->progress(w->cb->ctx, w->done + done, w->total);
}

int mread_check(const struct mread *m, uint32_t addr, uint64_t len,
                struct rc_msg *msg)
{
    int word;
    if (m->map == NULL || m->unsafe || len == 0) {
        return RC_OK;
    }
    return rmap_check_read(m->map, addr, len, &word, msg);
}

int mread_read(struct mread *m, uint32_t addr, uint32_t len,
               const struct mread_cb *cb, struct rc_msg *msg)
{
    if (len == 0) {
        return RC_OK;
    }
    uint64_t end = (uint64_t)addr + len;
    if (end > 0x100000000ULL) {
        return rc_set(msg, RC_ARG, "the range 0x%08x+0x%x passes 0xffffffff",
                      (unsigned)addr, (unsigned)len);
    }
    int rc = mread_check(m, addr, len, msg);
    if (rc < 0) {
        return rc;
    }
    int word;
    uint32_t n = run_of_one_kind(m, addr, end, &word);
    if (n == len) {
        return word ? read_words(m, addr, len, cb, msg)
                    : read_range(m, addr, len, cb, msg);
    }
    /* Byte and word-only memory in one range: run by run. */
    struct whole w = {cb, 0, len};
    struct mread_cb wcb = {cb->chunk != NULL ? whole_chunk : NULL,
                           cb->progress != NULL ? whole_progress : NULL, &w};
    for (uint64_t a = addr; a < end; a += n) {
        n = run_of_one_kind(m, (uint32_t)a, end, &word);
        rc = word ? read_words(m, (uint32_t)a, n, &wcb, msg)
                  : read_range(m, (uint32_t)a, n, &wcb, msg);
        if (rc < 0) {
            return rc;
        }
        w.done += n;
    }
    return RC_OK;
}

int mread_select(struct mread *m, uint32_t addr, uint32_t len,
                 struct rc_msg *msg)
{
    mread_select_end(m);
    if (!takes_words(m, addr, len) || m->info->method.access == BOARD_ACC_MEM32) {
        return RC_OK;
    }
    struct board_method saved = m->info->method;
    int rc = board_force_method(m->info, "words", msg);
    if (rc < 0) {
        return rc;
    }
    m->saved = saved;
    m->selected = 1;
    m->installed = 0;
    return RC_OK;
}

void mread_select_end(struct mread *m)
{
    if (m->selected) {
        m->info->method = m->saved;
        m->selected = 0;
        m->installed = 0;
    }
}
