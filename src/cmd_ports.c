/*
 * cmd_ports.c: mpeek ports: the serial ports.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "serial.h"
#include "session.h"

static int parse(struct cmd_args *a, struct session *s, struct rc_msg *msg)
{
    (void)s;
    if (a->nrest != 0) {
        return rc_set(msg, RC_ARG, "ports takes no arguments");
    }
    return RC_OK;
}

static int run(struct session *s, struct cmd_args *a, struct rc_msg *msg)
{
    (void)s;
    (void)a;
    struct serial_port_info *ports = NULL;
    size_t n = 0;
    int rc = serial_list_ports(&ports, &n, msg);
    if (rc < 0) {
        return rc;
    }
    if (n == 0) {
        cmd_outf(stdout, "no serial ports found (use --port emu for the emulated "
               "micro:bit)\n");
    }
    for (size_t i = 0; i < n; i++) {
        const struct serial_port_info *p = &ports[i];
        if (p->usb) {
            cmd_outf(stdout, "%-28s %04x:%04x  serial=%s  %s%s%s%s\n", p->path, p->vid,
                   p->pid, p->serial[0] ? p->serial : "-", p->manufacturer,
                   p->manufacturer[0] ? " " : "",
                   p->product[0] ? p->product : p->description,
                   p->micropython ? "  [micropython]" : "");
        } else {
            cmd_outf(stdout, "%-28s %s\n", p->path, p->description);
        }
    }
    free(ports);
    return RC_OK;
}

/* Needs nothing: it runs before any option is checked further. */
const struct cmd_entry cmd_ports_entry = {
    .name = "ports",
    .usage = "  ports                     list serial ports\n",
    .needs = 0,
    .parse = parse,
    .run = run,
};
