/*
 * serial_int.h: what the serial backends share (not part of the public API).
 *
 * A struct serial is a pollable fd plus a backend behind a small ops table.
 * serial.c owns the waiting: it polls s->fd in slices of at most
 * SERIAL_SLICE_MS, checks *s->cancel between slices, and maps errno values
 * to rc codes.  Backends only move bytes without blocking and release what
 * they hold:
 *   serial_sp.c    libserialport ports (and the port listing),
 *   serial_fd.c    plain termios fds (ptys, paths libserialport rejects),
 *   serial_tcp.c   TCP sockets,
 *   serial_exec.c  a child program that made a pty, wrapping a serial_fd
 *                  handle.
 */
#ifndef MPEEK_SERIAL_INT_H
#define MPEEK_SERIAL_INT_H

#include "serial.h"

#include <stdint.h>

/* The longest single poll() wait, so that cancellation is noticed quickly. */
#define SERIAL_SLICE_MS 50

struct serial_ops {
    const char *kind; /* "serialport", "tty", "tcp", "execpty" */
    /*
     * Move bytes without blocking, with read(2)/write(2) semantics: > 0 is a
     * byte count, 0 from read is end of file (or "nothing" for a tty with
     * VMIN 0), -1 sets errno (EAGAIN when nothing can move now).
     */
    ssize_t (*read)(void *ctx, void *buf, size_t len);
    ssize_t (*write)(void *ctx, const void *buf, size_t len);
    /*
     * Optional.  An extra fd to poll while waiting (-1 for none), and a
     * check run between waits: returns 0, or a negative rc with msg set
     * when the link is known to be gone (an execpty child exited).
     */
    int (*aux_fd)(void *ctx);
    int (*check)(void *ctx, const char *name, struct rc_msg *msg);
    /* Optional: fill msg for a lost link when the backend knows more. */
    int (*lost)(void *ctx, const char *name, struct rc_msg *msg);
    /* Release everything the ctx holds (but not the struct serial). */
    void (*close)(void *ctx);
};

struct serial {
    const struct serial_ops *ops;
    void *ctx;
    int fd;                        /* what serial_fd() returns */
    int eof_is_close;              /* read() == 0 means the peer left */
    volatile sig_atomic_t *cancel; /* may be NULL */
    char name[256];
    char usb_serial[128];
};

/* Allocate a handle around a backend; NULL when out of memory. */
struct serial *serial_new(const struct serial_ops *ops, void *ctx, int fd,
                          const char *name);

/* Free a handle without calling ops->close (the backend already did). */
void serial_free(struct serial *s);

/* Milliseconds until deadline, capped at one slice. */
int serial_slice(int64_t deadline);

/* 1 when *cancel is set. */
int serial_cancelled(volatile sig_atomic_t *cancel);

/*
 * Turn an errno from opening a device path into an rc and a one-line
 * message (ENOENT, EACCES, EBUSY, ENOTTY, ...).
 */
int serial_open_error(const char *path, int err, struct rc_msg *msg);

/* "port P is busy: held by NAME (pid N); ..." for path (or fd if >= 0). */
int serial_busy(const char *path, int fd, struct rc_msg *msg);

/*
 * Lock fd with flock(LOCK_EX|LOCK_NB).  Returns 0, or RC_BUSY / RC_IO with
 * msg naming path.
 */
int serial_lock_fd(int fd, const char *path, struct rc_msg *msg);

/* Set TIOCEXCL on fd where the driver and our privileges allow it. */
void serial_excl_fd(int fd);

/* Undo TIOCEXCL before the fd is closed (the flock goes with the fd). */
void serial_unlock_fd(int fd);

/*
 * Bring DTR and RTS to the wanted levels (enum serial_line), changing only
 * what differs, in an order that never passes through DTR off + RTS on
 * (the ESP "hold in reset" state).  get/set are backend callbacks.
 */
struct serial_lines {
    int (*get)(void *ctx, int *dtr, int *rts); /* 0 ok, -1 unsupported */
    int (*set)(void *ctx, int dtr_not_rts, int on); /* 0 ok, -1 + errno */
    void *ctx;
};
int serial_apply_lines(const struct serial_lines *lines, int dtr, int rts,
                       const char *path, struct rc_msg *msg);

/* Backends.  Each returns 0 with *out set, or an rc with msg set. */
int serial_sp_open(const char *path, const struct serial_opts *opts,
                   struct serial **out, struct rc_msg *msg);
int serial_fd_open(const char *path, const struct serial_opts *opts,
                   struct serial **out, struct rc_msg *msg);
int serial_tcp_open(const char *spec, const struct serial_opts *opts,
                    struct serial **out, struct rc_msg *msg);
int serial_exec_open(const char *spec, const struct serial_opts *opts,
                     struct serial **out, struct rc_msg *msg);

/*
 * serial_sp_open returns SERIAL_SP_UNKNOWN (positive, no message) when
 * libserialport does not know path (not in sysfs: ptys, paths outside /dev);
 * the caller then falls back to serial_fd_open.
 */
#define SERIAL_SP_UNKNOWN 1

#endif
