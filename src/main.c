/*
 * main.c: the mpeek command line.
 *
 *   mpeek [OPTIONS] info
 *   mpeek [OPTIONS] read ADDR LEN [-o FILE] [--format bin|hex]
 *   mpeek ports
 *
 * main() reads the options into one struct session (session.h), finds the
 * command in the table (cmd.h), lets it read its arguments, builds what
 * its entry says it needs, runs it, and gives the board back.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "fmt.h"
#include "serial.h"
#include "session.h"

static void usage(FILE *f)
{
    fputs(
        "usage: mpeek [OPTIONS] COMMAND [ARGS]\n"
        "\n"
        "Look inside the memory of a running MicroPython board.\n"
        "\n"
        "commands:\n",
        f);
    for (size_t i = 0; cmd_table[i] != NULL; i++) {
        fputs(cmd_table[i]->usage, f);
    }
    fputs(
        "\n"
        "options:\n"
        "  -p, --port PORT    auto (default), a device path, id:SERIAL, a0/u0/c0,\n"
        "                     tcp:HOST:PORT, execpty:COMMAND, or emu (start the\n"
        "                     emulated BBC micro:bit in QEMU)\n"
        "  -b, --baud N       baud rate (default 115200)\n"
        "      --dtr on|off   DTR line level (default on: keeps ESP boards running)\n"
        "      --rts on|off   RTS line level (default on)\n"
        "  -t, --timeout S    seconds of silence before giving up (default 3)\n"
        "      --ld FILE      the firmware's GNU ld linker script (repeatable)\n"
        "      --ld-path DIR  where INCLUDEs in linker scripts are found (repeatable)\n"
        "      --ld-defsym NAME=VALUE  a symbol as ld --defsym gives it (repeatable)\n"
        "      --board NAME   use this built-in board profile (see 'mpeek regions\n"
        "                     --board list')\n"
        "      --image FILE   a firmware image: ELF, Intel HEX, UF2, or a raw binary\n"
        "                     with --base (or FILE@ADDR); repeatable\n"
        "      --base ADDR    where raw binary images start\n"
        "      --offline      no board: the map from --ld, --board and --image only\n"
        "                     (a snapshot's --image: the board as recorded)\n"
        "      --unsafe       read outside the regions known to be mapped\n"
        "      --theme NAME   explorer colours: default, light, high-contrast, mono,\n"
        "                     or your own in ~/.config/mpeek/themes\n"
        "      --no-color     monochrome explorer (also when NO_COLOR is set)\n"
        "      --refresh MS   live watch period in the explorer (default 500)\n"
        "      --method M     auto (default), bin, b64, hex or words\n"
        "      --chunk N      bytes per verified chunk (default: sized to the\n"
        "                     board's free heap; a MemoryError halves it)\n"
        "      --no-progress  no progress bar\n"
        "      --log FILE     write a log of every byte on the wire to FILE\n"
        "      --no-cache     no attach or qstr cache read or written\n"
        "                     (~/.cache/mpeek; also MPEEK_NO_CACHE=1)\n"
        "  -h, --help         this help\n"
        "  -V, --version      print the version\n",
        f);
}

static int parse_line(const char *v, const char *what, int *out,
                      struct rc_msg *msg)
{
    if (strcmp(v, "on") == 0 || strcmp(v, "1") == 0) {
        *out = SERIAL_LINE_ON;
    } else if (strcmp(v, "off") == 0 || strcmp(v, "0") == 0) {
        *out = SERIAL_LINE_OFF;
    } else if (strcmp(v, "keep") == 0) {
        *out = SERIAL_LINE_KEEP;
    } else {
        return rc_set(msg, RC_ARG, "--%s takes on, off or keep, not '%s'",
                      what, v);
    }
    return RC_OK;
}

int main(int argc, char **argv)
{
    struct session s;
    session_init(&s);
    struct cmd_args a;
    memset(&a, 0, sizeof a);
    struct rc_msg msg = {{0}};
    int rc = RC_OK;

    enum {
        O_DTR = 256, O_RTS, O_METHOD, O_NOPROG, O_LOG, O_FORMAT, O_CHUNK,
        O_LD, O_LDPATH, O_DEFSYM, O_BOARD, O_OFFLINE, O_UNSAFE, O_THEME,
        O_NOCOLOR, O_REFRESH, O_IMAGE, O_BASE, O_COMPARE, O_DEPTH, O_ITEMS, O_MAP,
        O_NOCACHE
    };
    static const struct option longopts[] = {
        {"port", required_argument, NULL, 'p'},
        {"baud", required_argument, NULL, 'b'},
        {"dtr", required_argument, NULL, O_DTR},
        {"rts", required_argument, NULL, O_RTS},
        {"timeout", required_argument, NULL, 't'},
        {"method", required_argument, NULL, O_METHOD},
        {"chunk", required_argument, NULL, O_CHUNK},
        {"no-progress", no_argument, NULL, O_NOPROG},
        {"log", required_argument, NULL, O_LOG},
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, O_FORMAT},
        {"ld", required_argument, NULL, O_LD},
        {"ld-path", required_argument, NULL, O_LDPATH},
        {"ld-defsym", required_argument, NULL, O_DEFSYM},
        {"board", required_argument, NULL, O_BOARD},
        {"offline", no_argument, NULL, O_OFFLINE},
        {"unsafe", no_argument, NULL, O_UNSAFE},
        {"no-cache", no_argument, NULL, O_NOCACHE},
        {"theme", required_argument, NULL, O_THEME},
        {"no-color", no_argument, NULL, O_NOCOLOR},
        {"refresh", required_argument, NULL, O_REFRESH},
        {"image", required_argument, NULL, O_IMAGE},
        {"base", required_argument, NULL, O_BASE},
        {"compare", required_argument, NULL, O_COMPARE},
        {"depth", required_argument, NULL, O_DEPTH},
        {"max-items", required_argument, NULL, O_ITEMS},
        {"map", no_argument, NULL, O_MAP},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int c;
    opterr = 0;
    {
        const char *nc = getenv("MPEEK_NO_CACHE");
        s.no_cache = nc != NULL && nc[0] != 0 && strcmp(nc, "0") != 0;
    }
    while ((c = getopt_long(argc, argv, ":p:b:t:o:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'p':
            s.port = optarg;
            s.port_given = 1;
            break;
        case 'b': {
            uint64_t v;
            if ((rc = fmt_parse_u64(optarg, "--baud", &v, &msg)) < 0) {
                goto fail;
            }
            if (v < 300 || v > 12000000) {
                rc = rc_set(&msg, RC_ARG, "--baud %s is out of range "
                            "(300 to 12000000)", optarg);
                goto fail;
            }
            s.sopts.baud = (int)v;
            break;
        }
        case O_DTR:
            if ((rc = parse_line(optarg, "dtr", &s.sopts.dtr, &msg)) < 0) {
                goto fail;
            }
            break;
        case O_RTS:
            if ((rc = parse_line(optarg, "rts", &s.sopts.rts, &msg)) < 0) {
                goto fail;
            }
            break;
        case 't': {
            char *end;
            double secs = strtod(optarg, &end);
            if (end == optarg || *end != 0 || secs < 0.1 || secs > 3600) {
                rc = rc_set(&msg, RC_ARG, "--timeout takes seconds between "
                            "0.1 and 3600, not '%s'", optarg);
                goto fail;
            }
            s.timeout_ms = (int)(secs * 1000);
            break;
        }
        case O_METHOD:
            s.method = optarg;
            break;
        case O_CHUNK: {
            uint64_t v;
            if ((rc = fmt_parse_u64(optarg, "--chunk", &v, &msg)) < 0) {
                goto fail;
            }
            if (v < 64 || v > 65536 || v % 4 != 0) {
                rc = rc_set(&msg, RC_ARG, "--chunk %s: give a multiple of 4 "
                            "from 64 to 64K", optarg);
                goto fail;
            }
            s.chunk = (unsigned)v;
            break;
        }
        case O_NOPROG:
            s.progress = 0;
            break;
        case O_LOG:
            s.log_path = optarg;
            break;
        case 'o':
            a.out_path = optarg;
            break;
        case O_FORMAT:
            a.format = optarg;
            break;
        case O_LD:
            if ((rc = session_list_add(s.ld, &s.nld, optarg, "--ld", &msg)) < 0) {
                goto fail;
            }
            break;
        case O_LDPATH:
            if ((rc = session_list_add(s.ld_path, &s.nld_path, optarg, "--ld-path",
                               &msg)) < 0) {
                goto fail;
            }
            break;
        case O_DEFSYM:
            if (strchr(optarg, '=') == NULL || optarg[0] == '=') {
                rc = rc_set(&msg, RC_ARG, "--ld-defsym takes NAME=VALUE, not "
                            "'%s'", optarg);
                goto fail;
            }
            if ((rc = session_list_add(s.ld_defsym, &s.nld_defsym, optarg,
                               "--ld-defsym", &msg)) < 0) {
                goto fail;
            }
            break;
        case O_BOARD:
            s.board = optarg;
            break;
        case O_OFFLINE:
            s.offline = 1;
            break;
        case O_UNSAFE:
            s.unsafe = 1;
            break;
        case O_NOCACHE:
            s.no_cache = 1;
            break;
        case O_THEME:
            s.theme = optarg;
            break;
        case O_NOCOLOR:
            s.no_color = 1;
            break;
        case O_REFRESH: {
            uint64_t v;
            if ((rc = fmt_parse_u64(optarg, "--refresh", &v, &msg)) < 0) {
                goto fail;
            }
            if (v < 50 || v > 60000) {
                rc = rc_set(&msg, RC_ARG, "--refresh takes milliseconds from "
                            "50 to 60000, not '%s'", optarg);
                goto fail;
            }
            s.refresh_ms = (int)v;
            break;
        }
        case O_IMAGE:
            if ((rc = session_list_add(s.image_path, &s.nimage, optarg, "--image",
                               &msg)) < 0) {
                goto fail;
            }
            break;
        case O_BASE: {
            uint64_t v;
            if ((rc = fmt_parse_u64(optarg, "--base", &v, &msg)) < 0) {
                goto fail;
            }
            if (v > 0xffffffffULL) {
                rc = rc_set(&msg, RC_ARG, "--base %s is past the 32-bit "
                            "address space", optarg);
                goto fail;
            }
            s.base = (uint32_t)v;
            s.have_base = 1;
            break;
        }
        case O_COMPARE:
            a.compare = optarg;
            break;
        case O_DEPTH:
            a.depth = optarg;
            break;
        case O_ITEMS:
            a.max_items = optarg;
            break;
        case O_MAP:
            a.picture = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            cmd_outf(stdout, "mpeek %s\n", MPEEK_VERSION);
            return 0;
        case ':':
            rc = rc_set(&msg, RC_ARG, "%s needs a value (see mpeek --help)",
                        argv[optind - 1]);
            goto fail;
        default:
            rc = rc_set(&msg, RC_ARG, "unknown option '%s' (see mpeek --help)",
                        argv[optind - 1]);
            goto fail;
        }
    }
    a.name = optind < argc ? argv[optind++]
           : isatty(STDOUT_FILENO) && isatty(STDIN_FILENO) ? "view" : "info";
    {
        const char *nc = getenv("NO_COLOR");
        if (nc != NULL && nc[0] != 0) {
            s.no_color = 1;
        }
    }
    a.rest = argv + optind;
    a.nrest = argc - optind;

    /* Validate everything before touching the board. */
    const struct cmd_entry *e = cmd_find(a.name);
    if (e == NULL) {
        char names[256];
        rc = rc_set(&msg, RC_ARG, "unknown command '%s' (try %s; see mpeek "
                    "--help)", a.name, cmd_names(0, 0, " or ", names, sizeof names));
        goto fail;
    }
    rc = e->parse(&a, &s, &msg);
    if (rc == CMD_DONE) {
        return 0;
    }
    if (rc < 0) {
        goto fail;
    }
    /* A snapshot and no port: the board as it was recorded. */
    if (!s.port_given && e->offline && session_has_snapshot(&s)) {
        s.offline = 1;
    }
    if ((e->needs & CMD_TTY) && (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO))) {
        rc = rc_set(&msg, RC_ARG, "the explorer needs a terminal; for "
                    "scripts use %s", e->scripts);
        goto fail;
    }
    if (e->needs == 0) {
        /* Nothing to open (ports). */
        rc = e->run(&s, &a, &msg);
        if (rc < 0) {
            goto fail;
        }
        return 0;
    }
    if (a.compare != NULL && a.format != NULL) {
        rc = rc_set(&msg, RC_ARG, "--compare prints a comparison, not a "
                    "manifest: leave out --format %s", a.format);
        goto fail;
    }
    if (a.compare != NULL && !(e->needs & CMD_COMPARE)) {
        char names[256];
        rc = rc_set(&msg, RC_ARG, "--compare only goes with %s",
                    cmd_names(CMD_COMPARE, 0, " and ", names, sizeof names));
        goto fail;
    }
    if (a.picture && !(e->needs & CMD_PICTURE)) {
        char names[256];
        rc = rc_set(&msg, RC_ARG, "--map only goes with %s",
                    cmd_names(CMD_PICTURE, 0, " and ", names, sizeof names));
        goto fail;
    }
    if ((a.depth != NULL || a.max_items != NULL) && !(e->needs & CMD_DEPTH)) {
        char names[256];
        rc = rc_set(&msg, RC_ARG, "%s only goes with %s",
                    a.depth != NULL ? "--depth" : "--max-items",
                    cmd_names(CMD_DEPTH, 0, " and ", names, sizeof names));
        goto fail;
    }
    if (s.offline && e->offline_needs_image != NULL && s.nimage == 0) {
        rc = rc_set(&msg, RC_ARG, "%s", e->offline_needs_image);
        goto fail;
    }
    if (s.offline && !e->offline) {
        char names[256];
        rc = rc_set(&msg, RC_ARG, "--offline goes with %s only: %s needs the "
                    "board", cmd_names(0, 1, " and ", names, sizeof names), a.name);
        goto fail;
    }
    for (size_t i = 0; i < s.nld; i++) {
        if (access(s.ld[i], R_OK) != 0) {
            rc = rc_set(&msg, RC_NOTFOUND, "cannot read the linker script %s: "
                        "%s", s.ld[i], strerror(errno));
            goto fail;
        }
    }
    if (s.method != NULL && strcmp(s.method, "auto") != 0 &&
        strcmp(s.method, "bin") != 0 && strcmp(s.method, "b64") != 0 &&
        strcmp(s.method, "hex") != 0 && strcmp(s.method, "words") != 0) {
        rc = rc_set(&msg, RC_ARG, "--method takes auto, bin, b64, hex or "
                    "words, not '%s'", s.method);
        goto fail;
    }
    rc = session_load_images(&s, &msg);
    if (rc < 0) {
        session_free_images(&s);
        goto fail;
    }
    if (s.offline) {
        rc = session_build_map(&s, &msg);
        if (rc == RC_OK) {
            rc = e->run(&s, &a, &msg);
        }
        session_close(&s);
        if (rc < 0) {
            goto fail;
        }
        return a.differs ? 3 : 0;
    }
    rc = session_open_log(&s, &msg);
    if (rc < 0) {
        goto fail;
    }
    session_signals();
    rc = session_attach(&s, e->needs, &msg);
    if (rc == RC_OK) {
        rc = e->run(&s, &a, &msg);
    }
    rc = session_leave(&s, rc, &msg);
    session_close(&s);
    if (rc < 0) {
        goto fail;
    }
    return a.differs ? 3 : 0;
fail:
    char e_[CMD_ESC_MAX];
    cmd_outf(stderr, "mpeek: %s\n", msg.text[0] ? cmd_esc(msg.text, e_) : rc_name(rc));
    if (session_signal_count() > 0) {
        return 128 + session_first_signal();
    }
    return rc == RC_CANCEL ? 130 : 1;
}
