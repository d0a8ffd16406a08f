/*
 * serial_sp.c: real serial ports through libserialport, and the port list.
 *
 * libserialport 0.1.1 finds ports through sysfs (/sys/class/tty/NAME), so
 * it is asked with the realpath of a symlink such as /dev/serial/by-id/...
 * and knows nothing of ptys or paths outside /dev: then serial_sp_open()
 * returns SERIAL_SP_UNKNOWN and serial.c falls back to serial_fd.c.
 *
 * The port is flock()ed through a fd of our own before sp_open() touches
 * it (that fd holds the lock until close), then TIOCEXCL is set on the
 * libserialport fd.  sp_open() reads the modem lines and writes the same
 * levels back, so opening does not toggle DTR/RTS; afterwards each line is
 * set only if it differs from the wanted level.  Bytes move with the
 * nonblocking calls; serial.c waits on the fd from sp_get_port_handle().
 */
#include "serial_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libserialport.h>

struct spb_ctx {
    struct sp_port *port;
    int fd;      /* libserialport's fd, polled by serial.c */
    int lock_fd; /* our own fd on the port, holding the flock */
};

/* errno for a failed libserialport call. */
static int spb_errno(enum sp_return r)
{
    if (r == SP_ERR_FAIL) {
        int err = sp_last_error_code();
        return err != 0 ? err : EIO;
    }
    if (r == SP_ERR_MEM) {
        return ENOMEM;
    }
    return EINVAL;
}

static ssize_t spb_read(void *ctx, void *buf, size_t len)
{
    struct spb_ctx *c = ctx;
    enum sp_return r = sp_nonblocking_read(c->port, buf, len);
    if (r < 0) {
        errno = spb_errno(r);
        return -1;
    }
    /* 0 is "nothing yet" or EOF; serial.c tells them apart with poll. */
    return (ssize_t)r;
}

static ssize_t spb_write(void *ctx, const void *buf, size_t len)
{
    struct spb_ctx *c = ctx;
    enum sp_return r = sp_nonblocking_write(c->port, buf, len);
    if (r < 0) {
        errno = spb_errno(r);
        return -1;
    }
    if (r == 0 && len > 0) {
        errno = EAGAIN;
        return -1;
    }
    return (ssize_t)r;
}

static void spb_close(void *ctx)
{
    struct spb_ctx *c = ctx;
    if (c == NULL) {
        return;
    }
    if (c->port != NULL) {
        serial_unlock_fd(c->fd);
        sp_close(c->port);
        sp_free_port(c->port);
    }
    if (c->lock_fd >= 0) {
        close(c->lock_fd);
    }
    free(c);
}

static const struct serial_ops spb_ops = {
    .kind = "serialport",
    .read = spb_read,
    .write = spb_write,
    .aux_fd = NULL,
    .check = NULL,
    .lost = NULL,
    .close = spb_close,
};

static int spb_get_lines(void *ctx, int *dtr, int *rts)
{
    struct sp_port *port = ctx;
    struct sp_port_config *cfg = NULL;
    enum sp_dtr d;
    enum sp_rts r;
    int ok = -1;
    if (sp_new_config(&cfg) != SP_OK) {
        return -1;
    }
    if (sp_get_config(port, cfg) == SP_OK &&
        sp_get_config_dtr(cfg, &d) == SP_OK &&
        sp_get_config_rts(cfg, &r) == SP_OK) {
        *dtr = d == SP_DTR_ON;
        *rts = r == SP_RTS_ON;
        ok = 0;
    }
    sp_free_config(cfg);
    return ok;
}

static int spb_set_line(void *ctx, int is_dtr, int on)
{
    struct sp_port *port = ctx;
    enum sp_return r = is_dtr ? sp_set_dtr(port, on ? SP_DTR_ON : SP_DTR_OFF)
                              : sp_set_rts(port, on ? SP_RTS_ON : SP_RTS_OFF);
    if (r != SP_OK) {
        errno = spb_errno(r);
        return -1;
    }
    return 0;
}

static int spb_configure(struct sp_port *port, const char *path,
                        const struct serial_opts *opts, struct rc_msg *msg)
{
    enum sp_return r = sp_set_baudrate(port, opts->baud);
    if (r != SP_OK) {
        return rc_set(msg, RC_ARG,
                      "baud rate %d is not supported on %s; use a standard "
                      "rate such as 115200",
                      opts->baud, path);
    }
    if ((r = sp_set_bits(port, 8)) == SP_OK &&
        (r = sp_set_parity(port, SP_PARITY_NONE)) == SP_OK &&
        (r = sp_set_stopbits(port, 1)) == SP_OK) {
        r = sp_set_flowcontrol(port, SP_FLOWCONTROL_NONE);
    }
    if (r != SP_OK) {
        return rc_set(msg, RC_IO, "cannot configure %s: %s", path,
                      strerror(spb_errno(r)));
    }
    return 0;
}

int serial_sp_open(const char *path, const struct serial_opts *opts,
                   struct serial **out, struct rc_msg *msg)
{
    char real[PATH_MAX];
    struct sp_port *port = NULL;
    *out = NULL;
    if (realpath(path, real) == NULL) {
        return SERIAL_SP_UNKNOWN;
    }
    if (sp_get_port_by_name(real, &port) != SP_OK) {
        return SERIAL_SP_UNKNOWN;
    }
    /*
     * sp_open() rewrites the termios settings, so take the lock on a fd of
     * our own first: a port another program holds is left untouched.  That
     * fd keeps the lock for the life of the handle.
     */
    int lock_fd;
    do {
        lock_fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    } while (lock_fd < 0 && errno == EINTR);
    if (lock_fd < 0) {
        int err = errno;
        sp_free_port(port);
        return serial_open_error(path, err, msg);
    }
    int rc = serial_lock_fd(lock_fd, path, msg);
    if (rc != 0) {
        close(lock_fd);
        sp_free_port(port);
        return rc;
    }
    enum sp_return r = sp_open(port, SP_MODE_READ_WRITE);
    if (r != SP_OK) {
        int err = spb_errno(r);
        sp_free_port(port);
        close(lock_fd);
        if (err == ENOTTY || err == EINVAL || err == ENOSYS ||
            err == EOPNOTSUPP) {
            return SERIAL_SP_UNKNOWN; /* e.g. no TIOCMGET: try plain termios */
        }
        return serial_open_error(path, err, msg);
    }
    int fd = -1;
    if (sp_get_port_handle(port, &fd) != SP_OK || fd < 0) {
        sp_close(port);
        sp_free_port(port);
        close(lock_fd);
        return rc_set(msg, RC_IO, "cannot get a handle for %s", path);
    }
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && !(fl & O_NONBLOCK)) {
        (void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    }
    serial_excl_fd(fd);

    rc = spb_configure(port, path, opts, msg);
    if (rc == 0) {
        struct serial_lines lines = {spb_get_lines, spb_set_line, port};
        rc = serial_apply_lines(&lines, opts->dtr, opts->rts, path, msg);
    }
    struct spb_ctx *c = NULL;
    if (rc == 0 && (c = malloc(sizeof *c)) == NULL) {
        rc = rc_set(msg, RC_NOMEM, "out of memory opening %s", path);
    }
    if (rc == 0) {
        c->port = port;
        c->fd = fd;
        c->lock_fd = lock_fd;
        *out = serial_new(&spb_ops, c, fd, path);
        if (*out == NULL) {
            free(c);
            rc = rc_set(msg, RC_NOMEM, "out of memory opening %s", path);
        }
    }
    if (rc != 0) {
        serial_unlock_fd(fd);
        sp_close(port);
        sp_free_port(port);
        close(lock_fd);
        return rc;
    }
    (*out)->cancel = opts->cancel;
    if (sp_get_port_transport(port) == SP_TRANSPORT_USB) {
        const char *sn = sp_get_port_usb_serial(port);
        if (sn != NULL) {
            size_t n = strlen(sn);
            if (n >= sizeof (*out)->usb_serial) {
                n = sizeof (*out)->usb_serial - 1;
            }
            memcpy((*out)->usb_serial, sn, n);
            (*out)->usb_serial[n] = '\0';
        }
    }
    return 0;
}

/* ---- listing ---------------------------------------------------------- */

static void copy_str(char *dst, size_t len, const char *src)
{
    size_t n = src != NULL ? strlen(src) : 0;
    if (n >= len) {
        n = len - 1;
    }
    if (n > 0) {
        memcpy(dst, src, n);
    }
    dst[n] = '\0';
}

static int info_cmp(const void *a, const void *b)
{
    const struct serial_port_info *x = a, *y = b;
    return strcmp(x->path, y->path);
}

int serial_list_ports(struct serial_port_info **out, size_t *count,
                      struct rc_msg *msg)
{
    if (out == NULL || count == NULL) {
        return rc_set(msg, RC_ARG, "serial_list_ports: no output");
    }
    *out = NULL;
    *count = 0;
    struct sp_port **list = NULL;
    /* No /sys/class/tty (containers) or no ports: an empty list. */
    if (sp_list_ports(&list) != SP_OK || list == NULL) {
        return 0;
    }
    size_t n = 0;
    while (list[n] != NULL) {
        n++;
    }
    struct serial_port_info *arr = calloc(n > 0 ? n : 1, sizeof *arr);
    if (arr == NULL) {
        sp_free_port_list(list);
        return rc_set(msg, RC_NOMEM, "out of memory listing serial ports");
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        struct sp_port *p = list[i];
        struct serial_port_info *info = &arr[k];
        const char *name = sp_get_port_name(p);
        if (name == NULL) {
            continue;
        }
        copy_str(info->path, sizeof info->path, name);
        copy_str(info->description, sizeof info->description,
                 sp_get_port_description(p));
        if (sp_get_port_transport(p) == SP_TRANSPORT_USB) {
            int vid = -1, pid = -1;
            if (sp_get_port_usb_vid_pid(p, &vid, &pid) == SP_OK && vid >= 0 &&
                pid >= 0) {
                info->usb = 1;
                info->vid = vid;
                info->pid = pid;
                info->micropython = serial_vidpid_is_micropython(vid, pid);
            }
            copy_str(info->manufacturer, sizeof info->manufacturer,
                     sp_get_port_usb_manufacturer(p));
            copy_str(info->product, sizeof info->product,
                     sp_get_port_usb_product(p));
            copy_str(info->serial, sizeof info->serial,
                     sp_get_port_usb_serial(p));
        }
        k++;
    }
    sp_free_port_list(list);
    if (k == 0) {
        free(arr);
        return 0;
    }
    qsort(arr, k, sizeof *arr, info_cmp);
    *out = arr;
    *count = k;
    return 0;
}
