/*
 * serial_tcp.c: "tcp:HOST:PORT" sockets (QEMU -serial tcp:..., ser2net).
 *
 * HOST may be a name, an IPv4 address or an IPv6 address in brackets
 * ("tcp:[::1]:4000").  Every address getaddrinfo() gives is tried with a
 * nonblocking connect bounded by opts->open_timeout_ms overall; the socket
 * stays nonblocking with TCP_NODELAY (the raw REPL sends small packets and
 * waits for each answer) and SO_KEEPALIVE.  Writes use send(MSG_NOSIGNAL)
 * so a dead peer gives EPIPE, never SIGPIPE.  A read of 0 means the peer
 * closed: serial.c reports RC_CLOSED.
 */
#include "serial_int.h"

#include "clock.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct tcp_ctx {
    int fd;
};

static ssize_t tcp_read(void *ctx, void *buf, size_t len)
{
    struct tcp_ctx *c = ctx;
    return recv(c->fd, buf, len, 0);
}

static ssize_t tcp_write(void *ctx, const void *buf, size_t len)
{
    struct tcp_ctx *c = ctx;
    return send(c->fd, buf, len, MSG_NOSIGNAL);
}

static void tcp_close(void *ctx)
{
    struct tcp_ctx *c = ctx;
    if (c == NULL) {
        return;
    }
    if (c->fd >= 0) {
        close(c->fd);
    }
    free(c);
}

static const struct serial_ops tcp_ops = {
    .kind = "tcp",
    .read = tcp_read,
    .write = tcp_write,
    .aux_fd = NULL,
    .check = NULL,
    .lost = NULL,
    .close = tcp_close,
};

/* Split "tcp:HOST:PORT" into host and port; 0 or RC_ARG. */
static int parse_spec(const char *spec, char *host, size_t hlen, char *port,
                      size_t plen, struct rc_msg *msg)
{
    const char *h = spec + 4;
    const char *colon;
    size_t n;
    if (h[0] == '[') {
        const char *rb = strchr(h, ']');
        if (rb == NULL || rb[1] != ':') {
            goto bad;
        }
        n = (size_t)(rb - h - 1);
        h++;
        colon = rb + 1;
    } else {
        colon = strrchr(h, ':');
        if (colon == NULL) {
            goto bad;
        }
        n = (size_t)(colon - h);
    }
    if (n == 0 || n >= hlen) {
        goto bad;
    }
    memcpy(host, h, n);
    host[n] = '\0';
    const char *p = colon + 1;
    char *end;
    long num = strtol(p, &end, 10);
    if (p[0] == '\0' || *end != '\0' || num < 1 || num > 65535) {
        goto bad;
    }
    snprintf(port, plen, "%ld", num);
    return 0;
bad:
    return rc_set(msg, RC_ARG,
                  "bad TCP port '%s'; write it as tcp:HOST:PORT, e.g. "
                  "tcp:localhost:4000",
                  spec);
}

/*
 * Connect fd to ai within the deadline.  0, or -1 with errno set
 * (ETIMEDOUT when the time ran out, ECANCELED when cancelled).
 */
static int connect_one(int fd, const struct addrinfo *ai, int64_t deadline,
                       volatile sig_atomic_t *cancel)
{
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
        return 0;
    }
    if (errno != EINPROGRESS && errno != EINTR) {
        return -1;
    }
    for (;;) {
        if (serial_cancelled(cancel)) {
            errno = ECANCELED;
            return -1;
        }
        if (clock_left(deadline) == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        struct pollfd pfd = {fd, POLLOUT, 0};
        int pr = poll(&pfd, 1, serial_slice(deadline));
        if (pr < 0 && errno != EINTR) {
            return -1;
        }
        if (pr > 0) {
            int err = 0;
            socklen_t elen = sizeof err;
            if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0) {
                return -1;
            }
            if (err != 0) {
                errno = err;
                return -1;
            }
            return 0;
        }
    }
}

int serial_tcp_open(const char *spec, const struct serial_opts *opts,
                    struct serial **out, struct rc_msg *msg)
{
    char host[256], port[8];
    *out = NULL;
    int rc = parse_spec(spec, host, sizeof host, port, sizeof port, msg);
    if (rc != 0) {
        return rc;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        if (gai == EAI_SYSTEM) {
            return rc_set(msg, RC_IO, "cannot look up %s for %s: %s", host,
                          spec, strerror(errno));
        }
        return rc_set(msg, RC_NOTFOUND,
                      "unknown host '%s' in %s (%s); check the name", host,
                      spec, gai_strerror(gai));
    }

    int64_t deadline = clock_ms() + opts->open_timeout_ms;
    int fd = -1, last_err = ECONNREFUSED;
    for (const struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    ai->ai_protocol);
        if (fd < 0) {
            last_err = errno;
            continue;
        }
        if (connect_one(fd, ai, deadline, opts->cancel) == 0) {
            break;
        }
        last_err = errno;
        close(fd);
        fd = -1;
        if (last_err == ETIMEDOUT || last_err == ECANCELED) {
            break;
        }
    }
    freeaddrinfo(res);

    if (fd < 0) {
        switch (last_err) {
        case ECONNREFUSED:
            return rc_set(msg, RC_NOTFOUND,
                          "nothing listening at %s; start the emulator or "
                          "ser2net first",
                          spec);
        case ETIMEDOUT:
            return rc_set(msg, RC_TIMEOUT,
                          "no answer from %s within %d ms; check the host, "
                          "the port and any firewall",
                          spec, opts->open_timeout_ms);
        case ECANCELED:
            return rc_set(msg, RC_CANCEL, "cancelled connecting to %s", spec);
        default:
            return rc_set(msg, RC_IO, "cannot connect to %s: %s; check the "
                          "host and port", spec, strerror(last_err));
        }
    }

    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    (void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);

    struct tcp_ctx *c = malloc(sizeof *c);
    if (c == NULL) {
        close(fd);
        return rc_set(msg, RC_NOMEM, "out of memory opening %s", spec);
    }
    c->fd = fd;
    *out = serial_new(&tcp_ops, c, fd, spec);
    if (*out == NULL) {
        tcp_close(c);
        return rc_set(msg, RC_NOMEM, "out of memory opening %s", spec);
    }
    (*out)->eof_is_close = 1;
    (*out)->cancel = opts->cancel;
    return 0;
}
