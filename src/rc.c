/*
 * rc.c: result-code names and message formatting.
 */
#include "rc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int rc_set(struct rc_msg *msg, int rc, const char *fmt, ...)
{
    if (msg != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg->text, sizeof msg->text, fmt, ap);
        va_end(ap);
    }
    return rc;
}

int rc_prefix(struct rc_msg *msg, int rc, const char *fmt, ...)
{
    if (msg != NULL) {
        char old[sizeof msg->text];
        memcpy(old, msg->text, sizeof old);
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(msg->text, sizeof msg->text, fmt, ap);
        va_end(ap);
        size_t used = n < 0 ? 0 : (size_t)n;
        if (used + 3 < sizeof msg->text) {
            msg->text[used] = ':';
            msg->text[used + 1] = ' ';
            size_t room = sizeof msg->text - used - 3;
            size_t ol = strnlen(old, sizeof old);
            if (ol > room) {
                ol = room;
            }
            memcpy(msg->text + used + 2, old, ol);
            msg->text[used + 2 + ol] = 0;
        }
    }
    return rc;
}

const char *rc_name(int rc)
{
    switch (rc) {
    case RC_OK: return "ok";
    case RC_ARG: return "bad argument";
    case RC_IO: return "I/O error";
    case RC_TIMEOUT: return "timeout";
    case RC_PROTO: return "protocol error";
    case RC_PARSE: return "parse error";
    case RC_NOMEM: return "out of memory";
    case RC_BUSY: return "busy";
    case RC_NOTFOUND: return "not found";
    case RC_PERM: return "permission denied";
    case RC_DEVICE: return "device error";
    case RC_CLOSED: return "disconnected";
    case RC_VERIFY: return "verification failed";
    case RC_CANCEL: return "cancelled";
    case RC_UNSUPP: return "unsupported";
    case RC_DEVMEM: return "device out of memory";
    default: return "error";
    }
}
