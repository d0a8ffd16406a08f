/*
 * rc.h: result codes and the human-readable message that goes with them.
 *
 * Every fallible function in mpeek returns an enum rc value: RC_OK (0) on
 * success, a negative code on failure.  Where the caller passes a
 * struct rc_msg, the failing function writes one line into it that names
 * the thing that failed and, where known, the fix.  Non-UI modules never
 * print and never exit.
 */
#ifndef MPEEK_RC_H
#define MPEEK_RC_H

#include <stddef.h>

enum rc {
    RC_OK = 0,
    RC_ARG = -1,      /* bad argument from the user or caller */
    RC_IO = -2,       /* operating-system I/O error */
    RC_TIMEOUT = -3,  /* the other side stopped answering */
    RC_PROTO = -4,    /* unexpected bytes on the line */
    RC_PARSE = -5,    /* malformed text (numbers, replies, files) */
    RC_NOMEM = -6,    /* host out of memory */
    RC_BUSY = -7,     /* port held by another program */
    RC_NOTFOUND = -8, /* port or file does not exist */
    RC_PERM = -9,     /* permission denied */
    RC_DEVICE = -10,  /* the board raised an exception */
    RC_CLOSED = -11,  /* the link went away (unplugged, emulator stopped) */
    RC_VERIFY = -12,  /* data failed verification more often than allowed */
    RC_CANCEL = -13,  /* interrupted by a signal or the user */
    RC_UNSUPP = -14,  /* the board lacks what the operation needs */
    RC_DEVMEM = -15,  /* the board ran out of heap (MemoryError) */
};

struct rc_msg {
    char text[512];
};

/* Format a message into msg (which may be NULL) and return rc unchanged. */
int rc_set(struct rc_msg *msg, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix an existing message with more context ("reading 0x1000: ..."). */
int rc_prefix(struct rc_msg *msg, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A short constant name for rc ("timeout", "busy", ...). */
const char *rc_name(int rc);

#endif
