/*
 * worker.c: the reading thread of the explorer (see worker.h).
 */
#include "worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "mread.h"
#include "pcache.h"
#include "rmap.h"
#include "rrepl.h"

#define MAX_QUEUE 64
#define PIECE 4096u  /* bytes per read: small enough to cancel quickly */

struct range {
    uint32_t addr;
    uint32_t len;
    int force; /* read even what is cached (live watch) */
};

struct worker {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct rrepl *r;
    struct mread *m;
    struct pcache *cache;
    const struct rmap *map;
    int unsafe;
    int wake_fd;
    struct worker_reconnect reconnect;
    unsigned reconnects;
    int stop;
    struct range q[MAX_QUEUE];
    unsigned nq;
    struct worker_status st;
    int64_t rate_t0;
    uint64_t rate_bytes;
    /* One piece of the user's Python at a time (worker_exec): 1 waiting,
     * 2 running, 3 done (the result waits for worker_exec_result). */
    int job;
    char *job_code;
    struct buf job_out, job_err;
    int job_rc;
    char job_msg[512];
};

static void wake(struct worker *w)
{
    char b = 1;
    ssize_t n = write(w->wake_fd, &b, 1);
    (void)n; /* a full pipe already means "wake up" */
}

static void on_chunk(void *ctx, uint32_t addr, const uint8_t *data, size_t len)
{
    struct worker *w = ctx;
    pcache_put(w->cache, addr, data, len);
    pthread_mutex_lock(&w->lock);
    w->rate_bytes += len;
    int64_t dt = clock_ms() - w->rate_t0;
    if (dt > 0) {
        w->st.rate = (double)w->rate_bytes * 1000.0 / (double)dt;
    }
    pthread_mutex_unlock(&w->lock);
    wake(w);
}

/* The next piece to read: the first bytes of the queue head that are
 * readable and not cached yet (the reader chooses byte or word loads).
 * Returns 0 when the queue is done. */
static int next_piece(struct worker *w, uint32_t *addr, uint32_t *len)
{
    while (w->nq > 0) {
        struct range *h = &w->q[0];
        /* Skip what the cache holds, page by page. */
        while (h->len > 0) {
            uint32_t page = h->addr - h->addr % PCACHE_PAGE;
            uint32_t end = page + PCACHE_PAGE;
            uint32_t n = end - h->addr < h->len ? end - h->addr : h->len;
            int skip = !h->force && pcache_have(w->cache, h->addr, n);
            if (!skip && !w->unsafe && w->map != NULL) {
                int wo;
                skip = rmap_check_read(w->map, h->addr, n, &wo, NULL) != RC_OK;
            }
            if (!skip) {
                break;
            }
            h->addr += n;
            h->len -= n;
        }
        if (h->len == 0) {
            memmove(w->q, w->q + 1, (w->nq - 1) * sizeof *w->q);
            w->nq--;
            continue;
        }
        /* Extend over following pages that are also needed. */
        uint32_t a = h->addr - h->addr % PCACHE_PAGE;
        uint32_t n = 0;
        while (n < PIECE && a + n < h->addr + h->len) {
            uint32_t pg = a + n;
            if (!h->force && pcache_have(w->cache, pg, PCACHE_PAGE)) {
                break;
            }
            if (w->map != NULL && !w->unsafe) {
                int wd = 0;
                if (rmap_check_read(w->map, pg, PCACHE_PAGE, &wd, NULL) != RC_OK) {
                    break;
                }
            }
            n += PCACHE_PAGE;
            if (pg + PCACHE_PAGE == 0) {
                break;
            }
        }
        if (n == 0) {
            /* A partly readable page: read just the asked bytes of it
             * (the ones checked above; the rest stays queued). */
            uint32_t rest = PCACHE_PAGE - h->addr % PCACHE_PAGE;
            *addr = h->addr;
            *len = h->len < rest ? h->len : rest;
        } else {
            *addr = a;
            *len = n;
        }
        uint64_t done_to = (uint64_t)*addr + *len;
        uint64_t h_end = (uint64_t)h->addr + h->len;
        if (done_to >= h_end) {
            memmove(w->q, w->q + 1, (w->nq - 1) * sizeof *w->q);
            w->nq--;
        } else if (done_to > h->addr) {
            h->len = (uint32_t)(h_end - done_to);
            h->addr = (uint32_t)done_to;
        }
        return 1;
    }
    return 0;
}

/* Wait on the condition for at most a second (lock held); 1 on time-out. */
static int wait_a_second(struct worker *w)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 1;
    return pthread_cond_timedwait(&w->cond, &w->lock, &ts) == ETIMEDOUT;
}

/* The user's Python (lock held; released while it runs). */
static void run_job(struct worker *w)
{
    w->job = 2;
    char *code = w->job_code;
    pthread_mutex_unlock(&w->lock);
    struct buf out, err;
    buf_init(&out);
    buf_init(&err);
    struct rc_msg msg = {{0}};
    int rc = rrepl_exec_as_is(w->r, code, &out, &err, &msg);
    pthread_mutex_lock(&w->lock);
    buf_fini(&w->job_out);
    buf_fini(&w->job_err);
    w->job_out = out;
    w->job_err = err;
    w->job_rc = rc;
    snprintf(w->job_msg, sizeof w->job_msg, "%s", rc < 0 ? msg.text : "");
    w->job = 3;
    if (rc == RC_CLOSED) {
        w->st.link = WORKER_LOST;
        snprintf(w->st.message, sizeof w->st.message, "%s", msg.text);
    } else if (rc == RC_TIMEOUT) {
        /* The REPL is left to the next read to recover. */
        w->st.link = WORKER_TIMEOUT;
        snprintf(w->st.message, sizeof w->st.message, "%s", msg.text);
    }
    wake(w);
}

static void *run(void *arg)
{
    struct worker *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        uint32_t addr = 0, len = 0;
        int lost = 0;
        while (!w->stop) {
            lost = w->st.link == WORKER_LOST;
            if (!lost && w->job == 1) {
                run_job(w);
                continue;
            }
            if (lost || next_piece(w, &addr, &len)) {
                break;
            }
            if (w->st.link == WORKER_READING) {
                w->st.link = WORKER_IDLE;
                wake(w);
            }
            if (wait_a_second(w) && !w->stop && w->nq == 0 && w->st.link == WORKER_IDLE) {
                /* Idle: notice a board that went away. */
                pthread_mutex_unlock(&w->lock);
                int alive = rrepl_check_link(w->r, NULL);
                pthread_mutex_lock(&w->lock);
                if (alive == RC_CLOSED) {
                    w->st.link = WORKER_LOST;
                    snprintf(w->st.message, sizeof w->st.message,
                             "lost the board");
                    pthread_mutex_unlock(&w->lock);
                    pcache_stale_all(w->cache);
                    pthread_mutex_lock(&w->lock);
                    wake(w);
                }
            }
        }
        if (w->stop) {
            break;
        }
        if (lost) {
            /* No link: keep what was read; look for the board again about
             * once a second (without a way to reconnect, just wait). */
            w->nq = 0;
            wait_a_second(w);
            if (w->stop) {
                break;
            }
            if (w->reconnect.fn == NULL) {
                continue;
            }
            pthread_mutex_unlock(&w->lock);
            struct rc_msg rmsg = {{0}};
            int rrc = w->reconnect.fn(w->reconnect.ctx, &rmsg);
            if (rrc == RC_OK) {
                mread_reset(w->m);
            }
            pthread_mutex_lock(&w->lock);
            if (rrc == RC_OK) {
                w->st.link = WORKER_IDLE;
                w->st.message[0] = 0;
                w->reconnects++;
                wake(w); /* the UI asks for the visible rows again */
            }
            continue;
        }
        if (w->st.link == WORKER_TIMEOUT) {
            /* The board stopped answering: try again now and then (it may
             * have been busy, or paused); the read recovers the REPL. */
            wait_a_second(w);
            if (w->stop) {
                break;
            }
        }
        int retrying = w->st.link == WORKER_TIMEOUT;
        if (w->st.link != WORKER_READING) {
            w->rate_t0 = clock_ms();
            w->rate_bytes = 0;
        }
        if (!retrying) {
            w->st.link = WORKER_READING;
        }
        w->st.queued = w->nq;
        pthread_mutex_unlock(&w->lock);
        wake(w);
        struct mread_cb cb = {on_chunk, NULL, w};
        struct rc_msg msg = {{0}};
        int rc = mread_read(w->m, addr, len, &cb, &msg);
        pthread_mutex_lock(&w->lock);
        if (rc == RC_VERIFY) {
            pthread_mutex_unlock(&w->lock);
            /* Never verified: shown as bad, never as data. */
            for (uint32_t i = 0; i < len; i++) {
                if (pcache_get(w->cache, addr + i, NULL, NULL) != PCACHE_OK) {
                    pcache_mark(w->cache, addr + i, 1, PCACHE_BAD);
                }
            }
            pthread_mutex_lock(&w->lock);
            snprintf(w->st.message, sizeof w->st.message, "%s", msg.text);
        } else if (rc == RC_TIMEOUT) {
            w->st.link = WORKER_TIMEOUT;
            snprintf(w->st.message, sizeof w->st.message, "%s", msg.text);
            /* Keep the piece for the next try. */
            if (w->nq < MAX_QUEUE) {
                memmove(w->q + 1, w->q, w->nq * sizeof *w->q);
                w->q[0] = (struct range){addr, len, 0};
                w->nq++;
            }
        } else if (rc == RC_CLOSED) {
            w->st.link = WORKER_LOST;
            snprintf(w->st.message, sizeof w->st.message, "%s", msg.text);
            w->nq = 0;
            pthread_mutex_unlock(&w->lock);
            pcache_stale_all(w->cache);
            pthread_mutex_lock(&w->lock);
        } else if (rc == RC_CANCEL) {
            w->nq = 0;
            w->stop = 1;
        } else if (rc < 0) {
            w->st.link = WORKER_ERROR;
            snprintf(w->st.message, sizeof w->st.message, "%s", msg.text);
        } else if (retrying || w->st.link == WORKER_ERROR) {
            w->st.link = WORKER_READING; /* answering again */
            w->st.message[0] = 0;
        }
        wake(w);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

int worker_start(struct rrepl *r, struct mread *m, struct pcache *cache,
                 const struct rmap *map, int unsafe, int wake_fd,
                 const struct worker_reconnect *reconnect,
                 struct worker **out)
{
    struct worker *w = calloc(1, sizeof *w);
    *out = NULL;
    if (w == NULL) {
        return RC_NOMEM;
    }
    w->r = r;
    w->m = m;
    w->cache = cache;
    w->map = map;
    w->unsafe = unsafe;
    w->wake_fd = wake_fd;
    if (reconnect != NULL) {
        w->reconnect = *reconnect;
    }
    w->st.link = WORKER_IDLE;
    buf_init(&w->job_out);
    buf_init(&w->job_err);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    if (pthread_create(&w->thread, NULL, run, w) != 0) {
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->cond);
        free(w);
        return RC_NOMEM;
    }
    *out = w;
    return RC_OK;
}

void worker_request(struct worker *w, uint32_t addr, uint32_t len, int front,
                    int replace)
{
    if (len == 0) {
        return;
    }
    pthread_mutex_lock(&w->lock);
    if (replace) {
        w->nq = 0;
    }
    if (w->nq == MAX_QUEUE) {
        w->nq--; /* drop the oldest prefetch */
    }
    if (front) {
        memmove(w->q + 1, w->q, w->nq * sizeof *w->q);
        w->q[0] = (struct range){addr, len, 0};
    } else {
        w->q[w->nq] = (struct range){addr, len, 0};
    }
    w->nq++;
    w->st.queued = w->nq;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

void worker_refresh(struct worker *w, uint32_t addr, uint32_t len)
{
    if (len == 0) {
        return;
    }
    pthread_mutex_lock(&w->lock);
    for (unsigned i = 0; i < w->nq; i++) {
        if (w->q[i].force && w->q[i].addr == addr && w->q[i].len == len) {
            pthread_mutex_unlock(&w->lock);
            return;
        }
    }
    if (w->nq < MAX_QUEUE) {
        w->q[w->nq++] = (struct range){addr, len, 1};
    }
    w->st.queued = w->nq;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

void worker_cancel(struct worker *w)
{
    pthread_mutex_lock(&w->lock);
    w->nq = 0;
    w->st.queued = 0;
    pthread_mutex_unlock(&w->lock);
}

void worker_status(struct worker *w, struct worker_status *st)
{
    pthread_mutex_lock(&w->lock);
    *st = w->st;
    st->queued = w->nq;
    st->reconnects = w->reconnects;
    pthread_mutex_unlock(&w->lock);
}

int worker_exec(struct worker *w, const char *code)
{
    pthread_mutex_lock(&w->lock);
    if (w->job == 1 || w->job == 2) {
        pthread_mutex_unlock(&w->lock);
        return RC_BUSY;
    }
    char *c = strdup(code);
    if (c == NULL) {
        pthread_mutex_unlock(&w->lock);
        return RC_NOMEM;
    }
    free(w->job_code);
    w->job_code = c;
    w->job = 1;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
    return RC_OK;
}

int worker_exec_result(struct worker *w, struct worker_exec_res *res)
{
    pthread_mutex_lock(&w->lock);
    int done = w->job == 3;
    if (done) {
        res->rc = w->job_rc;
        snprintf(res->msg, sizeof res->msg, "%s", w->job_msg);
        res->out = w->job_out;
        res->err = w->job_err;
        buf_init(&w->job_out);
        buf_init(&w->job_err);
        w->job = 0;
    }
    pthread_mutex_unlock(&w->lock);
    return done;
}

int worker_exec_busy(struct worker *w)
{
    pthread_mutex_lock(&w->lock);
    int busy = w->job == 1 || w->job == 2;
    pthread_mutex_unlock(&w->lock);
    return busy;
}

void worker_stop(struct worker *w)
{
    if (w == NULL) {
        return;
    }
    pthread_mutex_lock(&w->lock);
    w->stop = 1;
    w->nq = 0;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
    free(w->job_code);
    buf_fini(&w->job_out);
    buf_fini(&w->job_err);
    free(w);
}
