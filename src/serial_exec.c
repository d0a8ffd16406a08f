/*
 * serial_exec.c: "execpty:COMMAND": run a program that makes a pty (QEMU
 * with -serial pty) and talk to that pty.
 *
 * The command runs as /bin/sh -c COMMAND in its own process group, stdin
 * from /dev/null, stdout and stderr into one pipe.  Its output is read
 * until a line says "char device redirected to /dev/pts/N" (QEMU's
 * wording; a "(label compat_monitor0)" line is skipped) within
 * opts->open_timeout_ms; that pty is opened with the fd
 * backend, and this backend wraps it.  From then on the pipe is drained
 * (nonblocking) whenever the handle is read, written or waited on, so the
 * child never blocks on a full pipe, and the last non-empty line is kept
 * for error messages.  The child exiting is RC_CLOSED with that line.
 * serial_close() closes the pty, sends SIGTERM to the group, waits up to
 * 2 s, then SIGKILL, and reaps the child.
 */
#include "serial_int.h"

#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXEC_MARK "char device redirected to "

struct exec_ctx {
    struct serial *pty; /* fd-backend handle on the child's pty */
    pid_t pid;          /* the child, leader of its process group */
    int exited;         /* 1 once reaped */
    int status;         /* its wait status, -1 if unknown */
    int pipe_fd;        /* its stdout + stderr; -1 after EOF */
    char part[512];     /* an incomplete line */
    size_t part_len;
    char last[256];     /* the last non-empty line */
    char pty_path[256]; /* from the EXEC_MARK line, "" until seen */
    char cmd[64];       /* the command, shortened, for messages */
};

/* ---- the child's output ----------------------------------------------- */

static void exec_line(struct exec_ctx *c, char *line)
{
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' ||
                     line[n - 1] == '\t')) {
        line[--n] = '\0';
    }
    if (n == 0) {
        return;
    }
    snprintf(c->last, sizeof c->last, "%s", line);
    if (c->pty_path[0] != '\0') {
        return;
    }
    const char *m = strstr(line, EXEC_MARK);
    if (m == NULL) {
        return;
    }
    m += strlen(EXEC_MARK);
    if (strstr(m, "monitor") != NULL) {
        return; /* "-monitor pty": QEMU's console, not the board */
    }
    size_t len = strcspn(m, " \t");
    if (m[0] == '/' && len > 0 && len < sizeof c->pty_path) {
        memcpy(c->pty_path, m, len);
        c->pty_path[len] = '\0';
    }
}

static void exec_feed(struct exec_ctx *c, const char *data, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (data[i] == '\n' || c->part_len == sizeof c->part - 1) {
            c->part[c->part_len] = '\0';
            exec_line(c, c->part);
            c->part_len = 0;
            if (data[i] == '\n') {
                continue;
            }
        }
        c->part[c->part_len++] = data[i] != '\0' ? data[i] : ' ';
    }
}

/* Read what the child wrote so far; closes the pipe at EOF. */
static void exec_drain(struct exec_ctx *c)
{
    char buf[1024];
    while (c->pipe_fd >= 0) {
        ssize_t n = read(c->pipe_fd, buf, sizeof buf);
        if (n > 0) {
            exec_feed(c, buf, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        }
        close(c->pipe_fd); /* EOF or error: nobody writes any more */
        c->pipe_fd = -1;
        if (c->part_len > 0) {
            c->part[c->part_len] = '\0';
            exec_line(c, c->part);
            c->part_len = 0;
        }
    }
}

/* Reap the child if it has exited; returns c->exited. */
static int exec_reap(struct exec_ctx *c)
{
    while (!c->exited && c->pid > 0) {
        int st;
        pid_t r = waitpid(c->pid, &st, WNOHANG);
        if (r == c->pid) {
            c->exited = 1;
            c->status = st;
        } else if (r < 0 && errno == EINTR) {
            continue;
        } else if (r < 0) {
            c->exited = 1; /* ECHILD: someone else reaped it */
            c->status = -1;
        }
        break;
    }
    return c->exited;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/* Wait up to ms for the child to exit; returns c->exited. */
static int exec_wait(struct exec_ctx *c, int ms)
{
    int64_t deadline = clock_ms() + ms;
    while (!exec_reap(c) && clock_left(deadline) > 0) {
        sleep_ms(10);
    }
    return c->exited;
}

/* SIGTERM the group, up to 2 s for it to go, then SIGKILL; reap. */
static void exec_stop(struct exec_ctx *c)
{
    if (c->pid <= 0 || exec_reap(c)) {
        return;
    }
    if (kill(-c->pid, SIGTERM) < 0) {
        (void)kill(c->pid, SIGTERM);
    }
    if (exec_wait(c, 2000)) {
        return;
    }
    if (kill(-c->pid, SIGKILL) < 0) {
        (void)kill(c->pid, SIGKILL);
    }
    (void)exec_wait(c, 2000);
}

static void describe_exit(const struct exec_ctx *c, char *buf, size_t len)
{
    if (c->status == -1) {
        snprintf(buf, len, "exited");
    } else if (WIFEXITED(c->status)) {
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(c->status));
    } else if (WIFSIGNALED(c->status)) {
        snprintf(buf, len, "was killed by signal %d", WTERMSIG(c->status));
    } else {
        snprintf(buf, len, "stopped");
    }
}

/* ---- ops -------------------------------------------------------------- */

static ssize_t exec_read(void *ctx, void *buf, size_t len)
{
    struct exec_ctx *c = ctx;
    exec_drain(c);
    return c->pty->ops->read(c->pty->ctx, buf, len);
}

static ssize_t exec_write(void *ctx, const void *buf, size_t len)
{
    struct exec_ctx *c = ctx;
    exec_drain(c);
    return c->pty->ops->write(c->pty->ctx, buf, len);
}

static int exec_aux_fd(void *ctx)
{
    struct exec_ctx *c = ctx;
    return c->pipe_fd;
}

static int exec_lost(void *ctx, const char *name, struct rc_msg *msg)
{
    struct exec_ctx *c = ctx;
    char how[64];
    exec_drain(c);
    if (!exec_wait(c, 300)) {
        return rc_set(msg, RC_CLOSED,
                      "lost the board on %s (the emulator '%s' closed its "
                      "pty)%s%s",
                      name, c->cmd, c->last[0] ? "; its last output: " : "",
                      c->last);
    }
    exec_drain(c);
    describe_exit(c, how, sizeof how);
    return rc_set(msg, RC_CLOSED, "lost the board on %s: the emulator '%s' %s%s%s",
                  name, c->cmd, how, c->last[0] ? "; its last output: " : "",
                  c->last);
}

static int exec_check(void *ctx, const char *name, struct rc_msg *msg)
{
    struct exec_ctx *c = ctx;
    exec_drain(c);
    if (exec_reap(c)) {
        return exec_lost(ctx, name, msg);
    }
    return 0;
}

static void exec_close(void *ctx)
{
    struct exec_ctx *c = ctx;
    if (c == NULL) {
        return;
    }
    serial_close(c->pty); /* hang up first, so the emulator sees it */
    c->pty = NULL;
    exec_stop(c);
    if (c->pipe_fd >= 0) {
        close(c->pipe_fd);
    }
    free(c);
}

static const struct serial_ops exec_ops = {
    .kind = "execpty",
    .read = exec_read,
    .write = exec_write,
    .aux_fd = exec_aux_fd,
    .check = exec_check,
    .lost = exec_lost,
    .close = exec_close,
};

/* ---- starting --------------------------------------------------------- */

/* In the child between fork and exec: async-signal-safe calls only. */
static void exec_child(const char *cmd, int out_fd, int max_fd)
{
    static const int sigs[] = {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP,
                               SIGCHLD, SIGTSTP, SIGTTIN, SIGTTOU, SIGWINCH,
                               SIGUSR1, SIGUSR2, SIGALRM};
    (void)setpgid(0, 0);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0 && null_fd != 0) {
        (void)dup2(null_fd, 0);
    }
    if (dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0) {
        _exit(126);
    }
    for (int fd = 3; fd < max_fd; fd++) {
        (void)close(fd);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        (void)sigaction(sigs[i], &sa, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);
    char *const argv[] = {(char *)"sh", (char *)"-c", (char *)cmd, NULL};
    execv("/bin/sh", argv);
    _exit(127);
}

static void shorten(char *dst, size_t len, const char *src)
{
    size_t n = strlen(src);
    if (n < len) {
        memcpy(dst, src, n + 1);
    } else {
        snprintf(dst, len, "%.*s...", (int)(len - 4), src);
    }
}

/* Read the child's output until the pty line; 0 or an rc with msg set. */
static int exec_wait_pty(struct exec_ctx *c, const struct serial_opts *opts,
                         struct rc_msg *msg)
{
    int64_t deadline = clock_ms() + opts->open_timeout_ms;
    for (;;) {
        if (serial_cancelled(opts->cancel)) {
            return rc_set(msg, RC_CANCEL, "cancelled starting '%s'", c->cmd);
        }
        exec_drain(c);
        if (c->pty_path[0] != '\0') {
            return 0;
        }
        if (c->pipe_fd < 0 || exec_reap(c)) {
            char how[64];
            exec_wait(c, 500);
            exec_drain(c);
            if (c->pty_path[0] != '\0' && !c->exited) {
                return 0; /* closed its output but runs on */
            }
            if (!c->exited) {
                return rc_set(msg, RC_IO,
                              "execpty: '%s' closed its output without "
                              "printing '" EXEC_MARK "/dev/pts/N'%s%s",
                              c->cmd, c->last[0] ? "; last output: " : "",
                              c->last);
            }
            describe_exit(c, how, sizeof how);
            int rc = c->exited && c->status != -1 && WIFEXITED(c->status) &&
                             WEXITSTATUS(c->status) == 127
                         ? RC_NOTFOUND
                         : RC_IO;
            return rc_set(msg, rc,
                          "execpty: '%s' %s before making a pty%s%s", c->cmd,
                          how, c->last[0] ? "; its last output: " : " (no output)",
                          c->last);
        }
        if (clock_left(deadline) == 0) {
            return rc_set(msg, RC_TIMEOUT,
                          "execpty: '%s' printed no '" EXEC_MARK
                          "/dev/pts/N' line within %d ms; run it with "
                          "-serial pty%s%s",
                          c->cmd, opts->open_timeout_ms,
                          c->last[0] ? "; its last output: " : "", c->last);
        }
        struct pollfd pfd = {c->pipe_fd, POLLIN, 0};
        if (poll(&pfd, 1, serial_slice(deadline)) < 0 && errno != EINTR) {
            return rc_set(msg, RC_IO, "execpty: waiting for '%s': %s",
                          c->cmd, strerror(errno));
        }
    }
}

int serial_exec_open(const char *spec, const struct serial_opts *opts,
                     struct serial **out, struct rc_msg *msg)
{
    const char *cmd = spec + strlen("execpty:");
    *out = NULL;
    if (cmd[0] == '\0') {
        return rc_set(msg, RC_ARG,
                      "execpty: needs a command, e.g. 'execpty:qemu-system-arm "
                      "... -serial pty'");
    }
    struct exec_ctx *c = calloc(1, sizeof *c);
    if (c == NULL) {
        return rc_set(msg, RC_NOMEM, "out of memory starting '%s'", cmd);
    }
    c->pipe_fd = -1;
    c->status = -1;
    shorten(c->cmd, sizeof c->cmd, cmd);

    int max_fd = 1024;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        max_fd = rl.rlim_cur < 65536 ? (int)rl.rlim_cur : 65536;
    }
    int p[2];
    if (pipe(p) < 0) {
        free(c);
        return rc_set(msg, RC_IO, "execpty: cannot make a pipe: %s",
                      strerror(errno));
    }
    pid_t pid = fork();
    if (pid < 0) {
        rc_set(msg, RC_IO, "execpty: cannot start '%s': %s", c->cmd,
               strerror(errno));
        close(p[0]);
        close(p[1]);
        free(c);
        return RC_IO;
    }
    if (pid == 0) {
        exec_child(cmd, p[1], max_fd);
    }
    (void)setpgid(pid, pid); /* also done in the child; whoever is first */
    close(p[1]);
    (void)fcntl(p[0], F_SETFD, FD_CLOEXEC);
    c->pid = pid;
    c->pipe_fd = p[0];
    int fl = fcntl(p[0], F_GETFL);
    (void)fcntl(p[0], F_SETFL, (fl >= 0 ? fl : 0) | O_NONBLOCK);

    int rc = exec_wait_pty(c, opts, msg);
    if (rc == 0) {
        rc = serial_fd_open(c->pty_path, opts, &c->pty, msg);
        if (rc != 0) {
            rc_prefix(msg, rc, "execpty: '%s'", c->cmd);
        }
    }
    if (rc == 0) {
        *out = serial_new(&exec_ops, c, c->pty->fd, c->pty_path);
        if (*out == NULL) {
            rc = rc_set(msg, RC_NOMEM, "out of memory starting '%s'", c->cmd);
        }
    }
    if (rc != 0) {
        exec_close(c);
        return rc;
    }
    (*out)->cancel = opts->cancel;
    return 0;
}
