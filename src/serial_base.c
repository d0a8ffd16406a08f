/*
 * serial_base.c: the struct serial itself and what the backends share
 * (see serial_int.h): allocating and closing a handle, its accessors, the
 * wait slices, the flock of a device with the lookup of who holds it (via
 * /proc), open-error messages, DTR/RTS ordering, and which USB VID:PIDs
 * are MicroPython's.  The backends (serial_sp.c, serial_fd.c,
 * serial_tcp.c, serial_exec.c) call only this and each other, never
 * serial.c, which only calls into them: no circle.
 */
#include "serial.h"

#include "serial_int.h"
#include "clock.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

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
