/*
 * serial.h: byte transports to a board.
 *
 * One handle type, several backends behind a small ops table:
 *   - real serial ports through libserialport (serial_sp.c),
 *   - paths libserialport cannot open, such as ptys, through termios
 *     (serial_fd.c),
 *   - "tcp:HOST:PORT" sockets, e.g. QEMU -serial tcp:... or ser2net
 *     (serial_tcp.c),
 *   - "execpty:COMMAND": start a program that prints the pty it made
 *     ("char device redirected to /dev/pts/N"), connect to that pty and
 *     stop the program on close (serial_exec.c).
 *
 * Port specs accepted by serial_open():
 *   auto            first USB serial port that looks like a MicroPython board
 *   id:SERIAL       the USB port whose serial number is SERIAL
 *   a0..a9          /dev/ttyACM0..9   (mpremote shorthands)
 *   u0..u9          /dev/ttyUSB0..9
 *   c0..c9          COM0..9 (accepted, but not found on Linux)
 *   tcp:HOST:PORT
 *   execpty:COMMAND
 *   any other string: a device path (/dev/ttyACM0, /dev/serial/by-id/..., /dev/pts/3)
 *
 * Device paths are locked with flock(LOCK_EX|LOCK_NB) so that a second
 * program cannot interleave bytes; a held lock gives RC_BUSY with the
 * holder's name and pid when /proc tells it.
 *
 * Opening never toggles DTR/RTS: both are left asserted (the state that
 * keeps ESP auto-reset circuits from resetting or entering the bootloader)
 * unless serial_opts says otherwise.
 *
 * All calls are blocking with an explicit timeout in milliseconds and
 * return early with RC_CANCEL when *opts->cancel becomes non-zero (a signal
 * handler sets it).  Nothing here prints.
 */
#ifndef MPEEK_SERIAL_H
#define MPEEK_SERIAL_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "rc.h"

struct serial;

enum serial_line {
    SERIAL_LINE_KEEP = -1, /* leave the line as the OS left it */
    SERIAL_LINE_OFF = 0,
    SERIAL_LINE_ON = 1,
};

struct serial_opts {
    int baud;                       /* 0 means 115200 */
    int dtr;                        /* enum serial_line; default ON */
    int rts;                        /* enum serial_line; default ON */
    int open_timeout_ms;            /* connect / wait-for-pty limit; 0 = 5000 */
    volatile sig_atomic_t *cancel;  /* may be NULL */
};

/* Fill opts with the defaults (115200, DTR and RTS on, 5 s, no cancel). */
void serial_opts_init(struct serial_opts *opts);

/*
 * Open the port named by spec.  On success *out is a new handle that the
 * caller frees with serial_close().  On failure *out is NULL, the return is
 * RC_NOTFOUND, RC_BUSY, RC_PERM, RC_IO, RC_TIMEOUT or RC_ARG, and msg holds
 * one line naming the port and the fix.
 */
int serial_open(const char *spec, const struct serial_opts *opts,
                struct serial **out, struct rc_msg *msg);

/*
 * Read up to len bytes, waiting at most timeout_ms for the first byte
 * (0 = do not wait).  Returns the number of bytes read (> 0), 0 when the
 * time ran out, or a negative rc: RC_CLOSED when the other side went away,
 * RC_CANCEL, RC_IO.
 */
ssize_t serial_read(struct serial *s, void *buf, size_t len, int timeout_ms,
                    struct rc_msg *msg);

/*
 * Write all len bytes, or fail with RC_TIMEOUT if the port would not take
 * them within timeout_ms, RC_CLOSED, RC_CANCEL or RC_IO.
 */
int serial_write(struct serial *s, const void *buf, size_t len, int timeout_ms,
                 struct rc_msg *msg);

/* A file descriptor that polls readable when serial_read has data. */
int serial_fd(const struct serial *s);

/* The port as the user would name it ("/dev/ttyACM0", "tcp:127.0.0.1:4000"). */
const char *serial_name(const struct serial *s);

/* USB serial number of the port, or "" when unknown (for reconnecting). */
const char *serial_usb_serial(const struct serial *s);

/* Close the port, stop an execpty child, free the handle.  NULL is fine. */
void serial_close(struct serial *s);

/* One serial port as listed by serial_list_ports(). */
struct serial_port_info {
    char path[256];
    char description[128];
    char manufacturer[128];
    char product[128];
    char serial[128];
    int usb;        /* 1 if a USB device (vid/pid valid) */
    int vid, pid;
    int micropython; /* 1 if vid:pid is one MicroPython firmware uses */
};

/*
 * List the serial ports the system has, sorted by path.  *out is a new
 * array the caller frees with free(); *count may be 0.
 */
int serial_list_ports(struct serial_port_info **out, size_t *count,
                      struct rc_msg *msg);

/* 1 if vid:pid is one that MicroPython firmware or common boards use. */
int serial_vidpid_is_micropython(int vid, int pid);

/*
 * Resolve "auto", "id:SERIAL" and shorthands against a port list into a
 * device path.  Other specs are copied unchanged.  Pure: used by
 * serial_open() and unit-tested with made-up lists.
 */
int serial_resolve(const char *spec, const struct serial_port_info *ports,
                   size_t count, char *path_out, size_t path_len,
                   struct rc_msg *msg);

#endif
