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
 * Also here: helpers the device backends share (flock + holder lookup via
 * /proc, open-error messages, DTR/RTS ordering) and the pure resolver for
 * "auto", "id:SERIAL" and the a0/u0/c0 shorthands.
 */
#include "serial.h"

#include "serial_int.h"
#include "clock.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
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

struct serial *serial_new(const struct serial_ops *ops, void *ctx, int fd,
                          const char *name)
{
    struct serial *s = calloc(1, sizeof *s);
    if (s == NULL) {
        return NULL;
    }
    s->ops = ops;
    s->ctx = ctx;
    s->fd = fd;
    snprintf(s->name, sizeof s->name, "%s", name);
    return s;
}

void serial_free(struct serial *s)
{
    free(s);
}

int serial_slice(int64_t deadline)
{
    int left = clock_left(deadline);
    return left < SERIAL_SLICE_MS ? left : SERIAL_SLICE_MS;
}

int serial_cancelled(volatile sig_atomic_t *cancel)
{
    return cancel != NULL && *cancel != 0;
}

int serial_fd(const struct serial *s)
{
    return s != NULL ? s->fd : -1;
}

const char *serial_name(const struct serial *s)
{
    return s != NULL ? s->name : "";
}

const char *serial_usb_serial(const struct serial *s)
{
    return s != NULL ? s->usb_serial : "";
}

void serial_close(struct serial *s)
{
    if (s == NULL) {
        return;
    }
    if (s->ops != NULL && s->ops->close != NULL) {
        s->ops->close(s->ctx);
    }
    serial_free(s);
}

/* ---- who holds a port ------------------------------------------------- */

/* The command name of pid from /proc/PID/comm, or "" */
static void proc_comm(long pid, char *out, size_t len)
{
    char path[64];
    out[0] = '\0';
    snprintf(path, sizeof path, "/proc/%ld/comm", pid);
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        return;
    }
    if (fgets(out, (int)len, f) == NULL) {
        out[0] = '\0';
    }
    fclose(f);
    out[strcspn(out, "\n")] = '\0';
}

/*
 * The pid holding a flock on the inode (dev, ino), from /proc/locks
 * ("1: FLOCK  ADVISORY  WRITE 1234 00:05:87 0 EOF"; major and minor in
 * hex).  Returns 0 when none is listed.
 */
static long holder_from_locks(dev_t dev, ino_t ino)
{
    FILE *f = fopen("/proc/locks", "re");
    if (f == NULL) {
        return 0;
    }
    char line[256];
    long found = 0;
    while (found == 0 && fgets(line, sizeof line, f) != NULL) {
        char type[16], mode[16], rw[16];
        long pid;
        unsigned int maj, min;
        unsigned long inode;
        if (strstr(line, "->") != NULL) {
            continue; /* a waiter, not the holder */
        }
        if (sscanf(line, "%*[^:]: %15s %15s %15s %ld %x:%x:%lu", type, mode,
                   rw, &pid, &maj, &min, &inode) != 7) {
            continue;
        }
        if (strcmp(type, "FLOCK") == 0 && pid > 0 && maj == major(dev) &&
            min == minor(dev) && inode == (unsigned long)ino) {
            found = pid;
        }
    }
    fclose(f);
    return found;
}

/* The first other process with an fd open on the device rdev, or 0. */
static long holder_from_fds(dev_t rdev)
{
    DIR *proc = opendir("/proc");
    if (proc == NULL) {
        return 0;
    }
    long self = (long)getpid();
    long found = 0;
    struct dirent *de;
    while (found == 0 && (de = readdir(proc)) != NULL) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end != '\0' || pid <= 0 || pid == self) {
            continue;
        }
        char dir[64];
        snprintf(dir, sizeof dir, "/proc/%ld/fd", pid);
        DIR *fds = opendir(dir);
        if (fds == NULL) {
            continue;
        }
        struct dirent *fe;
        while ((fe = readdir(fds)) != NULL) {
            char link[320];
            struct stat st;
            if (fe->d_name[0] == '.') {
                continue;
            }
            snprintf(link, sizeof link, "%s/%s", dir, fe->d_name);
            if (stat(link, &st) == 0 && S_ISCHR(st.st_mode) &&
                st.st_rdev == rdev) {
                found = pid;
                break;
            }
        }
        closedir(fds);
    }
    closedir(proc);
    return found;
}

int serial_busy(const char *path, int fd, struct rc_msg *msg)
{
    struct stat st;
    long pid = 0;
    int ok = fd >= 0 ? fstat(fd, &st) : stat(path, &st);
    if (ok == 0) {
        pid = holder_from_locks(st.st_dev, st.st_ino);
        if (pid == 0 && S_ISCHR(st.st_mode)) {
            pid = holder_from_fds(st.st_rdev);
        }
    }
    if (pid > 0) {
        char comm[64];
        proc_comm(pid, comm, sizeof comm);
        return rc_set(msg, RC_BUSY,
                      "port %s is busy: held by %s (pid %ld%s); close that "
                      "program or pick another port",
                      path, comm[0] != '\0' ? comm : "another program", pid,
                      pid == (long)getpid() ? ", this program" : "");
    }
    return rc_set(msg, RC_BUSY,
                  "port %s is busy: another program holds it (could not "
                  "tell which); close it or pick another port",
                  path);
}

int serial_open_error(const char *path, int err, struct rc_msg *msg)
{
    switch (err) {
    case ENOENT:
    case ENODEV:
    case ENXIO:
        return rc_set(msg, RC_NOTFOUND,
                      "no such port %s; run 'mpeek ports' to list the ports",
                      path);
    case EACCES:
    case EPERM:
        return rc_set(msg, RC_PERM,
                      "permission denied on %s: add your user to the "
                      "'dialout' group (sudo usermod -aG dialout $USER), "
                      "then log in again",
                      path);
    case EBUSY:
        return serial_busy(path, -1, msg);
    case ENOTTY:
    case EISDIR:
    case ENOTDIR:
    case ELOOP:
        return rc_set(msg, RC_ARG,
                      "%s is not a serial port (not a terminal device); name "
                      "a tty such as /dev/ttyACM0, or run 'mpeek ports'",
                      path);
    case ENAMETOOLONG:
        return rc_set(msg, RC_ARG, "port name too long: %.64s...", path);
    case ENOMEM:
        return rc_set(msg, RC_NOMEM, "out of memory opening %s", path);
    default:
        return rc_set(msg, RC_IO,
                      "cannot open %s: %s; unplug and replug the board, or "
                      "pick another port",
                      path, strerror(err));
    }
}

int serial_lock_fd(int fd, const char *path, struct rc_msg *msg)
{
    while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno == EINTR) {
            continue;
        }
        if (errno == EWOULDBLOCK) {
            return serial_busy(path, fd, msg);
        }
        if (errno == ENOLCK || errno == EINVAL || errno == ENOSYS) {
            break; /* no flock here: carry on unlocked */
        }
        return rc_set(msg, RC_IO, "cannot lock %s: %s", path,
                      strerror(errno));
    }
    return 0;
}

void serial_excl_fd(int fd)
{
    /* Keep later open()s out too; not every driver or user allows it. */
    (void)ioctl(fd, TIOCEXCL);
}

void serial_unlock_fd(int fd)
{
    if (fd >= 0) {
        (void)ioctl(fd, TIOCNXCL);
    }
}

/*
 * With an ESP auto-reset circuit, DTR off + RTS on pulls EN low (reset),
 * and on ESP32 native USB that state followed by DTR on + RTS off enters
 * the bootloader.  So raise DTR before touching RTS and drop RTS before
 * DTR: the lines then never pass through that state unless asked for it.
 */
int serial_apply_lines(const struct serial_lines *lines, int dtr, int rts,
                       const char *path, struct rc_msg *msg)
{
    static const char *const names[2] = {"RTS", "DTR"};
    int cur_dtr, cur_rts;
    if (dtr == SERIAL_LINE_KEEP && rts == SERIAL_LINE_KEEP) {
        return 0;
    }
    if (lines->get(lines->ctx, &cur_dtr, &cur_rts) < 0) {
        return 0; /* no modem lines (pty, socket) */
    }
    struct {
        int want, cur, is_dtr, on;
    } steps[4] = {
        {dtr, cur_dtr, 1, 1},
        {rts, cur_rts, 0, 0},
        {rts, cur_rts, 0, 1},
        {dtr, cur_dtr, 1, 0},
    };
    for (int i = 0; i < 4; i++) {
        if (steps[i].want != steps[i].on || (steps[i].cur != 0) == steps[i].on) {
            continue;
        }
        if (lines->set(lines->ctx, steps[i].is_dtr, steps[i].on) < 0) {
            if (errno == ENOTTY || errno == EINVAL) {
                return 0;
            }
            return rc_set(msg, RC_IO, "cannot set %s on %s: %s",
                          names[steps[i].is_dtr], path, strerror(errno));
        }
    }
    return 0;
}

/* ---- resolving specs -------------------------------------------------- */

int serial_vidpid_is_micropython(int vid, int pid)
{
    switch (vid) {
    case 0xF055: /* MicroPython's own: stm32, samd, renesas-ra */
        return pid == 0x9800 || pid == 0x9801 || pid == 0x9802;
    case 0x2E8A: /* Raspberry Pi (rp2 0x0005) */
    case 0x303A: /* Espressif native USB */
    case 0x2341: /* Arduino */
    case 0x239A: /* Adafruit */
    case 0x1B4F: /* SparkFun */
        return 1;
    case 0x0D28: /* ARM DAPLink: BBC micro:bit */
        return pid == 0x0204;
    case 0x10C4: /* Silicon Labs CP210x */
        return pid == 0xEA60;
    case 0x1A86: /* WCH CH340, CH9102 */
        return pid == 0x7523 || pid == 0x55D4;
    case 0x0403: /* FTDI FT232R, FT231X */
        return pid == 0x6001 || pid == 0x6015;
    default:
        return 0;
    }
}

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
