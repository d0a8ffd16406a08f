/*
 * serial_fd.c: the plain termios backend, for device paths libserialport
 * will not open (ptys such as QEMU's /dev/pts/N, paths outside /dev).
 *
 * The fd is opened O_RDWR|O_NOCTTY|O_NONBLOCK|O_CLOEXEC, locked (flock and
 * TIOCEXCL), set raw 8N1 with no flow control, CLOCAL|CREAD and VMIN/VTIME
 * 0, and the input queue is left alone (bytes a pty peer wrote before we
 * opened are kept).  DTR/RTS are only changed when they differ from the
 * wanted level; ptys have no modem lines and are left as they are.
 */
#include "serial_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

struct fd_ctx {
    int fd;
};

static ssize_t fd_read(void *ctx, void *buf, size_t len)
{
    struct fd_ctx *c = ctx;
    return read(c->fd, buf, len);
}

static ssize_t fd_write(void *ctx, const void *buf, size_t len)
{
    struct fd_ctx *c = ctx;
    return write(c->fd, buf, len);
}

static void fd_close(void *ctx)
{
    struct fd_ctx *c = ctx;
    if (c == NULL) {
        return;
    }
    if (c->fd >= 0) {
        serial_unlock_fd(c->fd);
        close(c->fd);
    }
    free(c);
}

static const struct serial_ops fd_ops = {
    .kind = "tty",
    .read = fd_read,
    .write = fd_write,
    .aux_fd = NULL,
    .check = NULL,
    .lost = NULL,
    .close = fd_close,
};

static speed_t baud_to_speed(int baud)
{
    static const struct {
        int baud;
        speed_t speed;
    } table[] = {
        {300, B300},         {600, B600},         {1200, B1200},
        {2400, B2400},       {4800, B4800},       {9600, B9600},
        {19200, B19200},     {38400, B38400},     {57600, B57600},
        {115200, B115200},   {230400, B230400},   {460800, B460800},
        {500000, B500000},   {576000, B576000},   {921600, B921600},
        {1000000, B1000000}, {1152000, B1152000}, {1500000, B1500000},
        {2000000, B2000000}, {2500000, B2500000}, {3000000, B3000000},
        {3500000, B3500000}, {4000000, B4000000},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (table[i].baud == baud) {
            return table[i].speed;
        }
    }
    return B0;
}

static int fd_get_lines(void *ctx, int *dtr, int *rts)
{
    int fd = *(int *)ctx;
    int bits = 0;
    if (ioctl(fd, TIOCMGET, &bits) < 0) {
        return -1;
    }
    *dtr = (bits & TIOCM_DTR) != 0;
    *rts = (bits & TIOCM_RTS) != 0;
    return 0;
}

static int fd_set_line(void *ctx, int is_dtr, int on)
{
    int fd = *(int *)ctx;
    int bit = is_dtr ? TIOCM_DTR : TIOCM_RTS;
    return ioctl(fd, on ? TIOCMBIS : TIOCMBIC, &bit);
}

static int fd_configure(int fd, const char *path,
                        const struct serial_opts *opts, struct rc_msg *msg)
{
    struct termios t;
    speed_t speed = baud_to_speed(opts->baud);
    if (speed == B0) {
        return rc_set(msg, RC_ARG,
                      "baud rate %d is not supported on %s; use a standard "
                      "rate such as 115200",
                      opts->baud, path);
    }
    if (tcgetattr(fd, &t) < 0) {
        return serial_open_error(path, errno, msg);
    }
    cfmakeraw(&t);
    t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | CSTOPB | CRTSCTS);
    t.c_cflag |= CS8 | CLOCAL | CREAD;
    t.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    cfsetispeed(&t, speed);
    cfsetospeed(&t, speed);
    if (tcsetattr(fd, TCSANOW, &t) < 0) {
        return rc_set(msg, RC_IO, "cannot configure %s: %s", path,
                      strerror(errno));
    }
    return 0;
}

int serial_fd_open(const char *path, const struct serial_opts *opts,
                   struct serial **out, struct rc_msg *msg)
{
    *out = NULL;
    int fd;
    do {
        fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        return serial_open_error(path, errno, msg);
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || !isatty(fd)) {
        close(fd);
        return serial_open_error(path, ENOTTY, msg);
    }
    int rc = serial_lock_fd(fd, path, msg);
    if (rc != 0) {
        close(fd); /* the TIOCEXCL there, if any, is the holder's */
        return rc;
    }
    serial_excl_fd(fd);
    rc = fd_configure(fd, path, opts, msg);
    if (rc == 0) {
        struct serial_lines lines = {fd_get_lines, fd_set_line, &fd};
        rc = serial_apply_lines(&lines, opts->dtr, opts->rts, path, msg);
    }
    struct fd_ctx *c = NULL;
    if (rc == 0) {
        c = malloc(sizeof *c);
        if (c == NULL) {
            rc = rc_set(msg, RC_NOMEM, "out of memory opening %s", path);
        }
    }
    if (rc == 0) {
        c->fd = fd;
        *out = serial_new(&fd_ops, c, fd, path);
        if (*out == NULL) {
            free(c);
            rc = rc_set(msg, RC_NOMEM, "out of memory opening %s", path);
        }
    }
    if (rc != 0) {
        serial_unlock_fd(fd);
        close(fd);
        return rc;
    }
    (*out)->cancel = opts->cancel;
    return 0;
}
