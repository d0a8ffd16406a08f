/*
 * test_serial.c: the transport: spec resolution, and the fd, tcp and
 * execpty backends against a pty pair, a local socket and a tiny python3
 * pty echo server.  Every wait is bounded.
 *
 * Chosen behaviour checked here: when the other end of a pty goes away
 * (the master is closed, or the emulator holding it exits), serial_read
 * returns RC_CLOSED, not 0.
 */
#include "serial.h"

#include "clock.h"
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct serial_port_info mkport(const char *path, int usb, int vid,
                                      int pid, const char *sn)
{
    struct serial_port_info p;
    memset(&p, 0, sizeof p);
    snprintf(p.path, sizeof p.path, "%s", path);
    snprintf(p.serial, sizeof p.serial, "%s", sn);
    p.usb = usb;
    p.vid = vid;
    p.pid = pid;
    return p;
}

static int contains(const char *hay, const char *needle)
{
    return hay != NULL && needle != NULL && strstr(hay, needle) != NULL;
}

/* Read exactly len bytes from a raw fd within ms; returns bytes read. */
static size_t fd_read_all(int fd, void *buf, size_t len, int ms)
{
    int64_t deadline = clock_ms() + ms;
    size_t got = 0;
    while (got < len && clock_left(deadline) > 0) {
        struct pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, clock_left(deadline)) <= 0) {
            continue;
        }
        ssize_t n = read(fd, (char *)buf + got, len - got);
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    return got;
}

/* Read exactly len bytes through serial_read within ms. */
static size_t ser_read_all(struct serial *s, void *buf, size_t len, int ms)
{
    int64_t deadline = clock_ms() + ms;
    size_t got = 0;
    struct rc_msg msg;
    while (got < len && clock_left(deadline) > 0) {
        ssize_t n = serial_read(s, (char *)buf + got, len - got,
                                clock_left(deadline), &msg);
        if (n < 0) {
            printf("  serial_read: %s\n", msg.text);
            break;
        }
        got += (size_t)n;
    }
    return got;
}

/* Read through serial_read until a '\n' (kept) or ms pass. */
static size_t ser_read_line(struct serial *s, char *buf, size_t len, int ms)
{
    int64_t deadline = clock_ms() + ms;
    size_t got = 0;
    struct rc_msg msg;
    buf[0] = '\0';
    while (got + 1 < len && clock_left(deadline) > 0) {
        ssize_t n = serial_read(s, buf + got, 1, clock_left(deadline), &msg);
        if (n < 0) {
            printf("  serial_read: %s\n", msg.text);
            break;
        }
        got += (size_t)n;
        buf[got] = '\0';
        if (n > 0 && buf[got - 1] == '\n') {
            break;
        }
    }
    return got;
}

static void self_comm(char *out, size_t len)
{
    FILE *f = fopen("/proc/self/comm", "r");
    out[0] = '\0';
    if (f != NULL) {
        if (fgets(out, (int)len, f) == NULL) {
            out[0] = '\0';
        }
        fclose(f);
    }
    out[strcspn(out, "\n")] = '\0';
}

static int pid_gone(pid_t pid)
{
    if (kill(pid, 0) < 0 && errno == ESRCH) {
        return 1;
    }
    /* Reparented and not reaped yet (no init reaper in some containers). */
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return 1;
    }
    int zombie = 0;
    if (fgets(buf, sizeof buf, f) != NULL) {
        char *rp = strrchr(buf, ')');
        zombie = rp != NULL && rp[1] == ' ' && rp[2] == 'Z';
    }
    fclose(f);
    return zombie;
}

/* ---- serial_resolve ---------------------------------------------------- */

TEST(resolve_auto_prefers_micropython)
{
    struct serial_port_info ports[4];
    ports[0] = mkport("/dev/ttyACM0", 1, 0x0483, 0x374B, "STLINK1"); /* ST-Link */
    ports[1] = mkport("/dev/ttyACM1", 1, 0x2E8A, 0x0005, "E660ABCD");  /* rp2 */
    ports[2] = mkport("/dev/ttyS0", 0, 0, 0, "");
    ports[3] = mkport("/dev/ttyUSB0", 1, 0x10C4, 0xEA60, "0001");
    char path[256];
    struct rc_msg msg;
    CHECK_EQ_INT(serial_resolve("auto", ports, 4, path, sizeof path, &msg), 0);
    CHECK_STR(path, "/dev/ttyACM1");

    /* The micropython flag alone is enough too. */
    ports[0].micropython = 1;
    CHECK_EQ_INT(serial_resolve("auto", ports, 4, path, sizeof path, &msg), 0);
    CHECK_STR(path, "/dev/ttyACM0");
}

TEST(resolve_auto_falls_back_to_any_usb)
{
    struct serial_port_info ports[3];
    ports[0] = mkport("/dev/ttyS0", 0, 0, 0, "");
    ports[1] = mkport("/dev/ttyUSB1", 1, 0x067B, 0x2303, ""); /* Prolific */
    ports[2] = mkport("/dev/ttyUSB2", 1, 0x0403, 0x6010, ""); /* FT2232 */
    char path[256];
    struct rc_msg msg;
    CHECK_EQ_INT(serial_resolve("auto", ports, 3, path, sizeof path, &msg), 0);
    CHECK_STR(path, "/dev/ttyUSB1");
}

TEST(resolve_auto_none)
{
    struct serial_port_info ports[1];
    ports[0] = mkport("/dev/ttyS0", 0, 0, 0, "");
    char path[256];
    struct rc_msg msg;
    msg.text[0] = '\0';
    CHECK_EQ_INT(serial_resolve("auto", ports, 1, path, sizeof path, &msg),
                 RC_NOTFOUND);
    CHECK(contains(msg.text, "no MicroPython board found"));
    CHECK(contains(msg.text, "--port"));
    CHECK(contains(msg.text, "mpeek ports"));
    CHECK_EQ_INT(serial_resolve("auto", NULL, 0, path, sizeof path, &msg),
                 RC_NOTFOUND);
}

TEST(resolve_id)
{
    struct serial_port_info ports[2];
    ports[0] = mkport("/dev/ttyACM0", 1, 0x2E8A, 0x0005, "E6605838");
    ports[1] = mkport("/dev/ttyACM1", 1, 0x2E8A, 0x0005, "E6609999");
    char path[256];
    struct rc_msg msg;
    CHECK_EQ_INT(serial_resolve("id:E6609999", ports, 2, path, sizeof path,
                                &msg), 0);
    CHECK_STR(path, "/dev/ttyACM1");
    CHECK_EQ_INT(serial_resolve("id:NOPE", ports, 2, path, sizeof path, &msg),
                 RC_NOTFOUND);
    CHECK(contains(msg.text, "NOPE"));
    CHECK(contains(msg.text, "mpeek ports"));
    CHECK_EQ_INT(serial_resolve("id:", ports, 2, path, sizeof path, &msg),
                 RC_ARG);
}

TEST(resolve_shorthands_and_paths)
{
    char path[256];
    struct rc_msg msg;
    CHECK_EQ_INT(serial_resolve("a0", NULL, 0, path, sizeof path, &msg), 0);
    CHECK_STR(path, "/dev/ttyACM0");
    CHECK_EQ_INT(serial_resolve("u3", NULL, 0, path, sizeof path, &msg), 0);
    CHECK_STR(path, "/dev/ttyUSB3");
    CHECK_EQ_INT(serial_resolve("c1", NULL, 0, path, sizeof path, &msg), 0);
    CHECK_STR(path, "COM1");
    CHECK_EQ_INT(serial_resolve("a9", NULL, 0, path, sizeof path, &msg), 0);
    CHECK_STR(path, "/dev/ttyACM9");
    const char *plain[] = {"/dev/ttyACM0", "/dev/serial/by-id/usb-x-if00",
                           "/dev/pts/3", "a10", "x1", "tcp:localhost:4000"};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        CHECK_EQ_INT(serial_resolve(plain[i], NULL, 0, path, sizeof path,
                                    &msg), 0);
        CHECK_STR(path, plain[i]);
    }
    char tiny[8];
    CHECK_EQ_INT(serial_resolve("/dev/ttyACM0", NULL, 0, tiny, sizeof tiny,
                                &msg), RC_ARG);
    CHECK_EQ_INT(serial_resolve("", NULL, 0, path, sizeof path, &msg), RC_ARG);
}

TEST(vidpid_table)
{
    CHECK(serial_vidpid_is_micropython(0xF055, 0x9800));
    CHECK(serial_vidpid_is_micropython(0xF055, 0x9802));
    CHECK(!serial_vidpid_is_micropython(0xF055, 0x1234));
    CHECK(serial_vidpid_is_micropython(0x2E8A, 0x0005));
    CHECK(serial_vidpid_is_micropython(0x2E8A, 0x000A));
    CHECK(serial_vidpid_is_micropython(0x303A, 0x4001));
    CHECK(serial_vidpid_is_micropython(0x0D28, 0x0204));
    CHECK(!serial_vidpid_is_micropython(0x0D28, 0x0205));
    CHECK(serial_vidpid_is_micropython(0x2341, 0x0043));
    CHECK(serial_vidpid_is_micropython(0x239A, 0x80F4));
    CHECK(serial_vidpid_is_micropython(0x1B4F, 0x0026));
    CHECK(serial_vidpid_is_micropython(0x10C4, 0xEA60));
    CHECK(serial_vidpid_is_micropython(0x1A86, 0x7523));
    CHECK(serial_vidpid_is_micropython(0x1A86, 0x55D4));
    CHECK(serial_vidpid_is_micropython(0x0403, 0x6001));
    CHECK(serial_vidpid_is_micropython(0x0403, 0x6015));
    CHECK(!serial_vidpid_is_micropython(0x0403, 0x6010));
    CHECK(!serial_vidpid_is_micropython(0x0483, 0x374B));
}

/* ---- opening errors ---------------------------------------------------- */

TEST(open_missing_path)
{
    struct serial *s = (struct serial *)&s; /* must be set to NULL */
    struct rc_msg msg;
    msg.text[0] = '\0';
    CHECK_EQ_INT(serial_open("/dev/mpeek-test-no-such-port", NULL, &s, &msg),
                 RC_NOTFOUND);
    CHECK(s == NULL);
    CHECK(contains(msg.text, "/dev/mpeek-test-no-such-port"));
    CHECK(contains(msg.text, "mpeek ports"));

    struct stat st;
    if (stat("/dev/ttyACM9", &st) < 0) {
        CHECK_EQ_INT(serial_open("a9", NULL, &s, &msg), RC_NOTFOUND);
        CHECK(contains(msg.text, "/dev/ttyACM9"));
    }
}

TEST(open_not_a_tty)
{
    struct serial *s = NULL;
    struct rc_msg msg;
    CHECK_EQ_INT(serial_open("/dev/null", NULL, &s, &msg), RC_ARG);
    CHECK(s == NULL);
    CHECK(contains(msg.text, "/dev/null"));
    char dir[] = "/tmp";
    CHECK_EQ_INT(serial_open(dir, NULL, &s, &msg), RC_ARG);
    CHECK(contains(msg.text, "/tmp"));
    CHECK_EQ_INT(serial_open("", NULL, &s, &msg), RC_ARG);
}

/* ---- fd backend over a pty pair ---------------------------------------- */

static volatile sig_atomic_t alarm_cancel;

static void on_alarm(int sig)
{
    (void)sig;
    alarm_cancel = 1;
}

TEST(fd_backend_pty)
{
    int master, slave;
    char path[128];
    if (openpty(&master, &slave, path, NULL, NULL) < 0) {
        printf("  openpty failed: %s\n", strerror(errno));
        CHECK(0);
        return;
    }
    close(slave);
    (void)fcntl(master, F_SETFD, FD_CLOEXEC);

    struct serial_opts opts;
    serial_opts_init(&opts);
    alarm_cancel = 0;
    opts.cancel = &alarm_cancel;
    struct serial *s = NULL;
    struct rc_msg msg;
    msg.text[0] = '\0';
    int rc = serial_open(path, &opts, &s, &msg);
    CHECK_EQ_INT(rc, 0);
    if (rc != 0) {
        printf("  %s\n", msg.text);
        close(master);
        return;
    }
    CHECK_STR(serial_name(s), path);
    CHECK(serial_fd(s) >= 0);
    CHECK_STR(serial_usb_serial(s), "");

    /* All 256 byte values both ways: the line must be raw. */
    unsigned char out[256], in[256];
    for (int i = 0; i < 256; i++) {
        out[i] = (unsigned char)i;
    }
    CHECK_EQ_INT(serial_write(s, out, sizeof out, 1000, &msg), 0);
    CHECK_EQ_INT(fd_read_all(master, in, sizeof in, 2000), sizeof in);
    CHECK(memcmp(in, out, sizeof in) == 0);

    CHECK_EQ_INT(write(master, out, sizeof out), (ssize_t)sizeof out);
    memset(in, 0, sizeof in);
    CHECK_EQ_INT(ser_read_all(s, in, sizeof in, 2000), sizeof in);
    CHECK(memcmp(in, out, sizeof in) == 0);

    /* Nothing to read: 0 after about the timeout, at once for 0 ms. */
    char c;
    int64_t t0 = clock_ms();
    CHECK_EQ_INT(serial_read(s, &c, 1, 200, &msg), 0);
    int64_t took = clock_ms() - t0;
    CHECK(took >= 150 && took < 1500);
    t0 = clock_ms();
    CHECK_EQ_INT(serial_read(s, &c, 1, 0, &msg), 0);
    CHECK(clock_ms() - t0 < 100);

    /* A signal handler setting *cancel ends a long wait promptly. */
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, &old);
    struct itimerval it = {{0, 0}, {0, 100000}};
    setitimer(ITIMER_REAL, &it, NULL);
    t0 = clock_ms();
    CHECK_EQ_INT(serial_read(s, &c, 1, 5000, &msg), RC_CANCEL);
    took = clock_ms() - t0;
    CHECK(took < 1000);
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    sigaction(SIGALRM, &old, NULL);
    alarm_cancel = 0;

    /* Nobody reads the master: a big write times out, bounded. */
    size_t big = 1 << 20;
    char *buf = calloc(1, big);
    t0 = clock_ms();
    CHECK_EQ_INT(serial_write(s, buf, big, 200, &msg), RC_TIMEOUT);
    took = clock_ms() - t0;
    CHECK(took >= 150 && took < 1500);
    CHECK(contains(msg.text, path));
    free(buf);
    /* Drain what the write left in the pty. */
    char junk[4096];
    while (fd_read_all(master, junk, sizeof junk, 50) > 0) {
    }

    /* A second open of the same port is refused and names the holder. */
    struct serial *s2 = NULL;
    char comm[64], pidstr[32];
    self_comm(comm, sizeof comm);
    snprintf(pidstr, sizeof pidstr, "pid %ld", (long)getpid());
    CHECK_EQ_INT(serial_open(path, &opts, &s2, &msg), RC_BUSY);
    CHECK(s2 == NULL);
    CHECK(contains(msg.text, "busy"));
    CHECK(contains(msg.text, path));
    CHECK(comm[0] != '\0' && contains(msg.text, comm));
    CHECK(contains(msg.text, pidstr));

    /* Hang-up: closing the master is RC_CLOSED for reads and writes. */
    close(master);
    t0 = clock_ms();
    CHECK_EQ_INT(serial_read(s, &c, 1, 2000, &msg), RC_CLOSED);
    CHECK(clock_ms() - t0 < 1000);
    CHECK(contains(msg.text, "lost the board"));
    CHECK(contains(msg.text, path));
    CHECK_EQ_INT(serial_write(s, "x", 1, 500, &msg), RC_CLOSED);

    serial_close(s);
    serial_close(NULL);
}

TEST(fd_backend_reopen_after_close)
{
    /*
     * (Bytes still queued when a pty master closes are not delivered: the
     * kernel's hang-up of the slave discards them, so a read gives
     * RC_CLOSED at once.)  After serial_close the port is free again.
     */
    int master, slave;
    char path[128];
    if (openpty(&master, &slave, path, NULL, NULL) < 0) {
        CHECK(0);
        return;
    }
    close(slave);
    (void)fcntl(master, F_SETFD, FD_CLOEXEC);
    struct serial *a = NULL, *b = NULL;
    struct rc_msg msg;
    CHECK_EQ_INT(serial_open(path, NULL, &a, &msg), 0);
    serial_close(a);
    CHECK_EQ_INT(serial_open(path, NULL, &b, &msg), 0);
    if (b != NULL) {
        CHECK_EQ_INT(write(master, "ok", 2), 2);
        char buf[2];
        CHECK_EQ_INT(ser_read_all(b, buf, 2, 1000), 2);
        CHECK(memcmp(buf, "ok", 2) == 0);
    }
    serial_close(b);

    /* A symlink (like /dev/serial/by-id/...) opens the same port. */
    char link[64];
    snprintf(link, sizeof link, "/tmp/mpeek-test-link-%ld", (long)getpid());
    unlink(link);
    CHECK_EQ_INT(symlink(path, link), 0);
    CHECK_EQ_INT(serial_open(link, NULL, &a, &msg), 0);
    if (a != NULL) {
        CHECK_STR(serial_name(a), link);
        CHECK_EQ_INT(serial_open(path, NULL, &b, &msg), RC_BUSY);
        CHECK_EQ_INT(serial_write(a, "hi", 2, 1000, &msg), 0);
        char buf[2];
        CHECK_EQ_INT(fd_read_all(master, buf, 2, 1000), 2);
        CHECK(memcmp(buf, "hi", 2) == 0);
    }
    serial_close(a);
    unlink(link);
    close(master);
}

/* ---- tcp backend -------------------------------------------------------- */

static int listen_local(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    socklen_t len = sizeof sa;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        listen(fd, 4) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

TEST(tcp_backend)
{
    int port = 0;
    int lfd = listen_local(&port);
    CHECK(lfd >= 0);
    if (lfd < 0) {
        return;
    }
    char spec[64];
    snprintf(spec, sizeof spec, "tcp:127.0.0.1:%d", port);
    struct serial *s = NULL;
    struct rc_msg msg;
    int rc = serial_open(spec, NULL, &s, &msg);
    CHECK_EQ_INT(rc, 0);
    if (rc != 0) {
        printf("  %s\n", msg.text);
        close(lfd);
        return;
    }
    CHECK_STR(serial_name(s), spec);
    struct pollfd pfd = {lfd, POLLIN, 0};
    CHECK_EQ_INT(poll(&pfd, 1, 2000), 1);
    int conn = accept(lfd, NULL, NULL);
    CHECK(conn >= 0);

    CHECK_EQ_INT(serial_write(s, "ping\x04\x00", 6, 1000, &msg), 0);
    char buf[16];
    CHECK_EQ_INT(fd_read_all(conn, buf, 6, 2000), 6);
    CHECK(memcmp(buf, "ping\x04\x00", 6) == 0);
    CHECK_EQ_INT(write(conn, "pong", 4), 4);
    CHECK_EQ_INT(ser_read_all(s, buf, 4, 2000), 4);
    CHECK(memcmp(buf, "pong", 4) == 0);
    CHECK_EQ_INT(serial_read(s, buf, 1, 100, &msg), 0);

    close(conn);
    int64_t t0 = clock_ms();
    CHECK_EQ_INT(serial_read(s, buf, 1, 2000, &msg), RC_CLOSED);
    CHECK(clock_ms() - t0 < 1000);
    CHECK(contains(msg.text, spec));
    /* Writes to the dead socket fail (EPIPE, no SIGPIPE), within a few. */
    rc = 0;
    for (int i = 0; i < 50 && rc == 0; i++) {
        rc = serial_write(s, "x", 1, 200, &msg);
        usleep(10000);
    }
    CHECK_EQ_INT(rc, RC_CLOSED);
    serial_close(s);
    close(lfd);

    /* Nothing listening (the port was just freed): RC_NOTFOUND. */
    lfd = listen_local(&port);
    CHECK(lfd >= 0);
    close(lfd);
    snprintf(spec, sizeof spec, "tcp:127.0.0.1:%d", port);
    msg.text[0] = '\0';
    CHECK_EQ_INT(serial_open(spec, NULL, &s, &msg), RC_NOTFOUND);
    CHECK(s == NULL);
    char want[96];
    snprintf(want, sizeof want, "nothing listening at %s", spec);
    CHECK(contains(msg.text, want));
    CHECK(contains(msg.text, "emulator"));

    CHECK_EQ_INT(serial_open("tcp:localhost", NULL, &s, &msg), RC_ARG);
    CHECK_EQ_INT(serial_open("tcp:localhost:0", NULL, &s, &msg), RC_ARG);
    CHECK_EQ_INT(serial_open("tcp::4000", NULL, &s, &msg), RC_ARG);
}

/* ---- execpty backend ---------------------------------------------------- */

/*
 * A pty echo server standing in for QEMU: prints QEMU's lines to stderr
 * (a monitor pty first, which must be skipped, then the serial one),
 * sends "PID n\n" over the pty, then echoes.  With "exit" in argv[1] it
 * instead reads one chunk, says goodbye on stderr and exits 5.
 */
#define PY_ECHO                                                               \
    "exec python3 -c '\n"                                                     \
    "import os, sys, tty\n"                                                   \
    "m, s = os.openpty()\n"                                                   \
    "tty.setraw(s)\n"                                                         \
    "sys.stderr.write(\"qemu-system-arm: -serial pty: starting\\n\")\n"      \
    "sys.stderr.write(\"char device redirected to /dev/pts/999 (label \"" \
    " \"compat_monitor0)\\n\")\n"                                          \
    "sys.stderr.write(\"char device redirected to %s (label serial0)\\n\""  \
    " % os.ttyname(s))\n"                                                     \
    "sys.stderr.flush()\n"                                                    \
    "os.write(m, b\"PID %d\\n\" % os.getpid())\n"                            \
    "while True:\n"                                                           \
    "    try:\n"                                                              \
    "        d = os.read(m, 4096)\n"                                          \
    "    except OSError:\n"                                                   \
    "        break\n"                                                         \
    "    if not d:\n"                                                         \
    "        break\n"                                                         \
    "    if sys.argv[1:] == [\"exit\"]:\n"                                    \
    "        sys.stderr.write(\"bye-from-child\\n\")\n"                       \
    "        sys.exit(5)\n"                                                   \
    "    os.write(m, d)\n"                                                    \
    "'"

static int have_python3(void)
{
    return system("python3 -c pass >/dev/null 2>&1") == 0;
}

static long read_pid_line(struct serial *s)
{
    char line[64];
    ser_read_line(s, line, sizeof line, 10000);
    long pid = 0;
    if (sscanf(line, "PID %ld", &pid) != 1) {
        printf("  expected a PID line, got '%s'\n", line);
        return 0;
    }
    return pid;
}

TEST(execpty_round_trip_and_kill)
{
    if (!have_python3()) {
        SKIP("needs python3 for the execpty echo (not found)");
    }
    struct serial_opts opts;
    serial_opts_init(&opts);
    opts.open_timeout_ms = 10000;
    struct serial *s = NULL;
    struct rc_msg msg;
    int rc = serial_open("execpty:" PY_ECHO, &opts, &s, &msg);
    CHECK_EQ_INT(rc, 0);
    if (rc != 0) {
        printf("  %s\n", msg.text);
        return;
    }
    CHECK(strncmp(serial_name(s), "/dev/", 5) == 0);
    long pid = read_pid_line(s);
    CHECK(pid > 0);

    const char payload[] = "abc\r\n\x00\x03\x04\xff end";
    char back[sizeof payload];
    CHECK_EQ_INT(serial_write(s, payload, sizeof payload, 1000, &msg), 0);
    CHECK_EQ_INT(ser_read_all(s, back, sizeof payload, 3000), sizeof payload);
    CHECK(memcmp(back, payload, sizeof payload) == 0);

    int64_t t0 = clock_ms();
    serial_close(s);
    CHECK(clock_ms() - t0 < 3000);
    if (pid > 0) {
        CHECK(pid_gone((pid_t)pid));
    }
}

TEST(execpty_child_exits)
{
    if (!have_python3()) {
        return;
    }
    struct serial_opts opts;
    serial_opts_init(&opts);
    opts.open_timeout_ms = 10000;
    struct serial *s = NULL;
    struct rc_msg msg;
    int rc = serial_open("execpty:" PY_ECHO " exit", &opts, &s, &msg);
    CHECK_EQ_INT(rc, 0);
    if (rc != 0) {
        printf("  %s\n", msg.text);
        return;
    }
    long pid = read_pid_line(s);
    CHECK(pid > 0);
    CHECK_EQ_INT(serial_write(s, "x", 1, 1000, &msg), 0);
    char c;
    msg.text[0] = '\0';
    CHECK_EQ_INT(serial_read(s, &c, 1, 5000, &msg), RC_CLOSED);
    CHECK(contains(msg.text, "bye-from-child"));
    CHECK(contains(msg.text, "status 5"));
    serial_close(s);
    if (pid > 0) {
        CHECK(pid_gone((pid_t)pid));
    }
}

TEST(execpty_no_pty_line_times_out)
{
    struct serial_opts opts;
    serial_opts_init(&opts);
    opts.open_timeout_ms = 300;
    struct serial *s = NULL;
    struct rc_msg msg;
    int64_t t0 = clock_ms();
    CHECK_EQ_INT(serial_open("execpty:echo warming up; sleep 30", &opts, &s,
                             &msg), RC_TIMEOUT);
    int64_t took = clock_ms() - t0;
    CHECK(s == NULL);
    CHECK(took >= 250 && took < 3000);
    CHECK(contains(msg.text, "char device redirected to"));
    CHECK(contains(msg.text, "warming up"));
}

TEST(execpty_exits_at_once)
{
    struct serial *s = NULL;
    struct rc_msg msg;
    msg.text[0] = '\0';
    int rc = serial_open("execpty:echo boom-out-42 >&2; exit 3", NULL, &s,
                         &msg);
    CHECK(rc < 0);
    CHECK(s == NULL);
    CHECK(contains(msg.text, "boom-out-42"));
    CHECK(contains(msg.text, "status 3"));

    rc = serial_open("execpty:mpeek-no-such-command-xyz", NULL, &s, &msg);
    CHECK_EQ_INT(rc, RC_NOTFOUND);
    CHECK(contains(msg.text, "mpeek-no-such-command-xyz"));

    CHECK_EQ_INT(serial_open("execpty:", NULL, &s, &msg), RC_ARG);
}

/* ---- listing ------------------------------------------------------------ */

TEST(list_ports)
{
    struct serial_port_info *ports = (struct serial_port_info *)&ports;
    size_t count = 99;
    struct rc_msg msg;
    CHECK_EQ_INT(serial_list_ports(&ports, &count, &msg), 0);
    CHECK(count == 0 || ports != NULL);
    for (size_t i = 0; i + 1 < count; i++) {
        CHECK(strcmp(ports[i].path, ports[i + 1].path) <= 0);
    }
    for (size_t i = 0; i < count; i++) {
        printf("  port %s usb=%d %04x:%04x mp=%d '%s'\n", ports[i].path,
               ports[i].usb, ports[i].vid, ports[i].pid, ports[i].micropython,
               ports[i].description);
    }
    free(ports);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    signal(SIGPIPE, SIG_DFL); /* prove MSG_NOSIGNAL: a SIGPIPE would kill us */
    RUN(resolve_auto_prefers_micropython);
    RUN(resolve_auto_falls_back_to_any_usb);
    RUN(resolve_auto_none);
    RUN(resolve_id);
    RUN(resolve_shorthands_and_paths);
    RUN(vidpid_table);
    RUN(open_missing_path);
    RUN(open_not_a_tty);
    RUN(fd_backend_pty);
    RUN(fd_backend_reopen_after_close);
    RUN(tcp_backend);
    RUN(execpty_round_trip_and_kill);
    RUN(execpty_child_exits);
    RUN(execpty_no_pty_line_times_out);
    RUN(execpty_exits_at_once);
    RUN(list_ports);
    return harness_done("serial");
}
