/*
 * serial.c: the transport front end: port specs, waiting, error mapping.
 *
 * serial_open() turns a spec into a backend (serial_sp.c, serial_fd.c,
 * serial_tcp.c, serial_exec.c; see serial_int.h).  serial_read() and
 * serial_write() are the only places that wait: they poll the handle's fd
 * in slices of at most SERIAL_SLICE_MS, so *cancel set by a signal handler
 * ends a wait within one slice, and they map errno to rc codes the same
 * way for every backend.  A hang-up (POLLHUP, EIO, a socket read of 0,
 * a pty whose master closed) is RC_CLOSED.
 *
 * Also here: the pure resolver for "auto", "id:SERIAL" and the a0/u0/c0
 * shorthands.  What the backends share is in serial_base.c.
 */
#include "serial.h"

#include "serial_int.h"
#include "clock.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void serial_opts_init(struct serial_opts *opts)
{
    if (opts == NULL) {
        return;
    }
    memset(opts, 0, sizeof *opts);
    opts->baud = 115200;
    opts->dtr = SERIAL_LINE_ON;
    opts->rts = SERIAL_LINE_ON;
    opts->open_timeout_ms = 5000;
    opts->cancel = NULL;
}

/* ---- handles and small helpers ---------------------------------------- */

/* ---- who holds a port ------------------------------------------------- */

/* ---- resolving specs -------------------------------------------------- */

static int copy_path(const char *src, char *out, size_t len,
                     struct rc_msg *msg)
{
    if (strlen(src) >= len) {
        return rc_set(msg, RC_ARG, "port name too long: %.64s...", src);
    }
    memcpy(out, src, strlen(src) + 1);
    return 0;
}

int serial_resolve(const char *spec, const struct serial_port_info *ports,
                   size_t count, char *path_out, size_t path_len,
                   struct rc_msg *msg)
{
    if (path_out == NULL || path_len == 0) {
        return rc_set(msg, RC_ARG, "serial_resolve: no output buffer");
    }
    path_out[0] = '\0';
    if (spec == NULL || spec[0] == '\0') {
        return rc_set(msg, RC_ARG,
                      "no port given; name one with --port (or use 'auto')");
    }
    if (ports == NULL) {
        count = 0;
    }

    if (strcmp(spec, "auto") == 0) {
        const struct serial_port_info *any = NULL;
        for (size_t i = 0; i < count; i++) {
            const struct serial_port_info *p = &ports[i];
            if (!p->usb) {
                continue;
            }
            if (p->micropython || serial_vidpid_is_micropython(p->vid, p->pid)) {
                return copy_path(p->path, path_out, path_len, msg);
            }
            if (any == NULL) {
                any = p;
            }
        }
        if (any != NULL) {
            return copy_path(any->path, path_out, path_len, msg);
        }
        return rc_set(msg, RC_NOTFOUND,
                      "no MicroPython board found on any USB serial port; "
                      "plug one in, name it with --port, or run 'mpeek "
                      "ports'");
    }

    if (strncmp(spec, "id:", 3) == 0) {
        const char *want = spec + 3;
        if (want[0] == '\0') {
            return rc_set(msg, RC_ARG,
                          "empty serial number in 'id:'; run 'mpeek ports' "
                          "to see them");
        }
        for (size_t i = 0; i < count; i++) {
            if (ports[i].serial[0] != '\0' &&
                strcmp(ports[i].serial, want) == 0) {
                return copy_path(ports[i].path, path_out, path_len, msg);
            }
        }
        return rc_set(msg, RC_NOTFOUND,
                      "no USB serial port with serial number %s; plug the "
                      "board in, or run 'mpeek ports' to list the ports",
                      want);
    }

    if (strlen(spec) == 2 && isdigit((unsigned char)spec[1])) {
        const char *prefix = NULL;
        switch (spec[0]) {
        case 'a': prefix = "/dev/ttyACM"; break;
        case 'u': prefix = "/dev/ttyUSB"; break;
        case 'c': prefix = "COM"; break;
        default: break;
        }
        if (prefix != NULL) {
            char buf[32];
            snprintf(buf, sizeof buf, "%s%c", prefix, spec[1]);
            return copy_path(buf, path_out, path_len, msg);
        }
    }

    return copy_path(spec, path_out, path_len, msg);
}

/* ---- opening ---------------------------------------------------------- */

static int open_path(const char *path, const struct serial_opts *opts,
                     struct serial **out, struct rc_msg *msg)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        return serial_open_error(path, errno, msg);
    }
    if (!S_ISCHR(st.st_mode)) {
        return rc_set(msg, RC_ARG,
                      "%s is not a serial port (not a character device); "
                      "name a tty such as /dev/ttyACM0, or run 'mpeek ports'",
                      path);
    }
    int rc = serial_sp_open(path, opts, out, msg);
    if (rc == SERIAL_SP_UNKNOWN) {
        rc = serial_fd_open(path, opts, out, msg);
    }
    return rc;
}

int serial_open(const char *spec, const struct serial_opts *opts_in,
                struct serial **out, struct rc_msg *msg)
{
    struct serial_opts opts;
    if (out == NULL) {
        return rc_set(msg, RC_ARG, "serial_open: no output handle");
    }
    *out = NULL;
    if (opts_in != NULL) {
        opts = *opts_in;
    } else {
        serial_opts_init(&opts);
    }
    if (opts.baud <= 0) {
        opts.baud = 115200;
    }
    if (opts.open_timeout_ms <= 0) {
        opts.open_timeout_ms = 5000;
    }
    if (opts.dtr < SERIAL_LINE_KEEP || opts.dtr > SERIAL_LINE_ON ||
        opts.rts < SERIAL_LINE_KEEP || opts.rts > SERIAL_LINE_ON) {
        return rc_set(msg, RC_ARG, "bad DTR/RTS setting (%d/%d)", opts.dtr,
                      opts.rts);
    }
    if (spec == NULL || spec[0] == '\0') {
        return rc_set(msg, RC_ARG,
                      "no port given; name one with --port (or use 'auto')");
    }
    if (strncmp(spec, "tcp:", 4) == 0) {
        return serial_tcp_open(spec, &opts, out, msg);
    }
    if (strncmp(spec, "execpty:", 8) == 0) {
        return serial_exec_open(spec, &opts, out, msg);
    }

    struct serial_port_info *ports = NULL;
    size_t count = 0;
    if (strcmp(spec, "auto") == 0 || strncmp(spec, "id:", 3) == 0) {
        int rc = serial_list_ports(&ports, &count, msg);
        if (rc < 0) {
            return rc;
        }
    }
    char path[256];
    int rc = serial_resolve(spec, ports, count, path, sizeof path, msg);
    if (rc == 0) {
        rc = open_path(path, &opts, out, msg);
    }
    if (rc == 0 && (*out)->usb_serial[0] == '\0') {
        for (size_t i = 0; i < count; i++) {
            if (strcmp(ports[i].path, path) == 0) {
                snprintf((*out)->usb_serial, sizeof (*out)->usb_serial, "%s",
                         ports[i].serial);
            }
        }
    }
    free(ports);
    return rc;
}

/* ---- reading and writing ---------------------------------------------- */

static int serial_lost(struct serial *s, struct rc_msg *msg)
{
    if (s->ops->lost != NULL) {
        return s->ops->lost(s->ctx, s->name, msg);
    }
    return rc_set(msg, RC_CLOSED,
                  "lost the board on %s (unplugged, reset or emulator "
                  "stopped)",
                  s->name);
}

static int serial_io_error(struct serial *s, int err, const char *what,
                           struct rc_msg *msg)
{
    switch (err) {
    case EIO:
    case EPIPE:
    case ECONNRESET:
    case ECONNABORTED:
    case ENOTCONN:
    case ESHUTDOWN:
    case ENXIO:
    case ENODEV:
    case ETIMEDOUT:
    case EHOSTUNREACH:
    case ENETDOWN:
    case ENETUNREACH:
        return serial_lost(s, msg);
    default:
        return rc_set(msg, RC_IO,
                      "%s %s failed: %s; reconnect the board and try again",
                      what, s->name, strerror(err));
    }
}

static int would_block(int err)
{
    return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

/* Poll s->fd for events plus the backend's aux fd; returns poll()'s result. */
static int serial_poll(struct serial *s, short events, int64_t deadline,
                       short *revents)
{
    struct pollfd pfd[2];
    int nfds = 1;
    pfd[0].fd = s->fd;
    pfd[0].events = events;
    pfd[0].revents = 0;
    int aux = s->ops->aux_fd != NULL ? s->ops->aux_fd(s->ctx) : -1;
    if (aux >= 0) {
        pfd[1].fd = aux;
        pfd[1].events = POLLIN;
        pfd[1].revents = 0;
        nfds = 2;
    }
    int pr = poll(pfd, (nfds_t)nfds, serial_slice(deadline));
    *revents = pr > 0 ? pfd[0].revents : 0;
    return pr;
}

ssize_t serial_read(struct serial *s, void *buf, size_t len, int timeout_ms,
                    struct rc_msg *msg)
{
    if (s == NULL || (buf == NULL && len > 0)) {
        return rc_set(msg, RC_ARG, "serial_read: no port or buffer");
    }
    if (len == 0) {
        return 0;
    }
    int64_t deadline = clock_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    int readable = 0;
    for (;;) {
        if (serial_cancelled(s->cancel)) {
            return rc_set(msg, RC_CANCEL, "cancelled while reading from %s",
                          s->name);
        }
        ssize_t n = s->ops->read(s->ctx, buf, len);
        if (n > 0) {
            return n;
        }
        if (n == 0) {
            /* A tty with VMIN 0 reads 0 when empty; after POLLIN it is EOF. */
            if (s->eof_is_close || readable) {
                return serial_lost(s, msg);
            }
        } else if (!would_block(errno)) {
            return serial_io_error(s, errno, "reading from", msg);
        }
        readable = 0;
        if (s->ops->check != NULL) {
            int rc = s->ops->check(s->ctx, s->name, msg);
            if (rc < 0) {
                return rc;
            }
        }
        if (clock_left(deadline) == 0) {
            return 0;
        }
        short rev;
        int pr = serial_poll(s, POLLIN, deadline, &rev);
        if (pr < 0) {
            if (errno == EINTR) {
                continue;
            }
            return rc_set(msg, RC_IO, "waiting for %s failed: %s", s->name,
                          strerror(errno));
        }
        if (rev & POLLNVAL) {
            return rc_set(msg, RC_IO, "%s is not open any more", s->name);
        }
        if (rev & (POLLHUP | POLLERR)) {
            /* Bytes that arrived before the hang-up still count. */
            n = s->ops->read(s->ctx, buf, len);
            if (n > 0) {
                return n;
            }
            if (n < 0 && !would_block(errno)) {
                return serial_io_error(s, errno, "reading from", msg);
            }
            return serial_lost(s, msg);
        }
        if (rev & POLLIN) {
            readable = 1;
        }
    }
}

int serial_write(struct serial *s, const void *buf, size_t len, int timeout_ms,
                 struct rc_msg *msg)
{
    if (s == NULL || (buf == NULL && len > 0)) {
        return rc_set(msg, RC_ARG, "serial_write: no port or buffer");
    }
    const unsigned char *p = buf;
    size_t done = 0;
    int64_t deadline = clock_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        if (serial_cancelled(s->cancel)) {
            return rc_set(msg, RC_CANCEL, "cancelled while writing to %s",
                          s->name);
        }
        while (done < len) {
            ssize_t n = s->ops->write(s->ctx, p + done, len - done);
            if (n > 0) {
                done += (size_t)n;
                continue;
            }
            if (n < 0 && !would_block(errno)) {
                return serial_io_error(s, errno, "writing to", msg);
            }
            break;
        }
        if (done == len) {
            return 0;
        }
        if (s->ops->check != NULL) {
            int rc = s->ops->check(s->ctx, s->name, msg);
            if (rc < 0) {
                return rc;
            }
        }
        if (clock_left(deadline) == 0) {
            return rc_set(msg, RC_TIMEOUT,
                          "%s took only %zu of %zu bytes in %d ms; the board "
                          "or emulator is not reading",
                          s->name, done, len, timeout_ms);
        }
        short rev;
        int pr = serial_poll(s, POLLOUT, deadline, &rev);
        if (pr < 0) {
            if (errno == EINTR) {
                continue;
            }
            return rc_set(msg, RC_IO, "waiting for %s failed: %s", s->name,
                          strerror(errno));
        }
        if (rev & POLLNVAL) {
            return rc_set(msg, RC_IO, "%s is not open any more", s->name);
        }
        if ((rev & (POLLHUP | POLLERR)) && !(rev & POLLOUT)) {
            ssize_t n = s->ops->write(s->ctx, p + done, len - done);
            if (n > 0) {
                done += (size_t)n;
                continue;
            }
            if (n < 0 && !would_block(errno)) {
                return serial_io_error(s, errno, "writing to", msg);
            }
            return serial_lost(s, msg);
        }
    }
}
