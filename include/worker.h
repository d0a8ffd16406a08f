/*
 * worker.h: reading board memory off the UI thread.
 *
 * One thread owns the link (engine and reader) while the explorer runs.
 * The UI asks for ranges (visible rows first, prefetch after); the worker
 * reads what the cache does not hold yet, a few KiB at a time, stores the
 * verified bytes in the page cache and wakes the UI through a pipe.  Asking
 * again replaces the queue, so scrolling past never leaves a backlog; Esc
 * (worker_cancel) drops it.  The UI never waits for the board.
 */
#ifndef MPEEK_WORKER_H
#define MPEEK_WORKER_H

#include <stdint.h>

#include "buf.h"
#include "rc.h"

struct rrepl;
struct mread;
struct pcache;
struct rmap;

enum worker_link {
    WORKER_IDLE,        /* connected, nothing to read */
    WORKER_READING,
    WORKER_TIMEOUT,     /* the board stopped answering */
    WORKER_LOST,        /* the link went away */
    WORKER_ERROR,       /* another failure: see the message */
};

struct worker_status {
    enum worker_link link;
    double rate;        /* bytes per second over the last reads */
    unsigned queued;    /* requests waiting */
    unsigned reconnects; /* times the board came back */
    char message[512];  /* last error, "" if none */
};

struct worker;

/* Called on the worker thread while the link is lost, about once a
 * second: reopen the same port and re-enter the REPL.  RC_OK when the
 * board is back. */
struct worker_reconnect {
    int (*fn)(void *ctx, struct rc_msg *msg);
    void *ctx;
};

/*
 * Start the thread.  map (may be NULL) limits reads to regions known to be
 * mapped unless unsafe is set.  wake_fd is written one byte whenever the
 * cache or the status changes.
 */
int worker_start(struct rrepl *r, struct mread *m, struct pcache *cache,
                 const struct rmap *map, int unsafe, int wake_fd,
                 const struct worker_reconnect *reconnect,
                 struct worker **out);

/* Ask for [addr, addr+len).  front: before anything queued (visible rows);
 * else after (prefetch).  replace: drop what was queued first. */
void worker_request(struct worker *w, uint32_t addr, uint32_t len, int front,
                    int replace);

/* Ask for [addr, addr+len) to be read again even where it is cached (live
 * watch), after what is queued; a refresh already queued is not doubled. */
void worker_refresh(struct worker *w, uint32_t addr, uint32_t len);

/* Drop every queued request (the read in progress finishes its chunk). */
void worker_cancel(struct worker *w);

void worker_status(struct worker *w, struct worker_status *st);

/*
 * Run one piece of the user's Python on the board (as typed: mpeek's
 * names are not substituted), before the next read.  RC_BUSY while one is
 * waiting or running.  Its result is taken once with worker_exec_result:
 * 1 and *res (res->out/err the caller's, buf_fini them) when it finished,
 * 0 while it has not.
 */
struct worker_exec_res {
    int rc;             /* RC_OK, RC_DEVICE (a traceback), ... */
    char msg[512];      /* the error's one line */
    struct buf out;     /* what it printed */
    struct buf err;     /* its traceback */
};
int worker_exec(struct worker *w, const char *code);
int worker_exec_result(struct worker *w, struct worker_exec_res *res);
int worker_exec_busy(struct worker *w);

/* Stop and join the thread; the link is the caller's again. */
void worker_stop(struct worker *w);

#endif
