/*
 * cmd.c: the table of commands, and what the command files share: output
 * of outside text, the progress bar of long reads, --format parsing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "cmd.h"
#include "fmt.h"
#include "session.h"

/* In the order of mpeek --help. */
const struct cmd_entry *const cmd_table[] = {
    &cmd_view_entry,
    &cmd_info_entry,
    &cmd_regions_entry,
    &cmd_read_entry,
    &cmd_where_entry,
    &cmd_heap_entry,
    &cmd_ports_entry,
    &cmd_open_entry,
    &cmd_verify_entry,
    &cmd_frozen_entry,
    &cmd_obj_entry,
    &cmd_dis_entry,
    &cmd_modules_entry,
    &cmd_snapshot_entry,
    NULL,
};

const char *cmd_names(unsigned needs, int offline_only, const char *last_sep,
                      char *out, size_t size)
{
    size_t n = 0, len = 0;
    out[0] = 0;
    for (size_t i = 0; cmd_table[i] != NULL; i++) {
        if ((cmd_table[i]->needs & needs) == needs &&
            (!offline_only || cmd_table[i]->offline)) {
            n++;
        }
    }
    for (size_t i = 0, k = 0; cmd_table[i] != NULL; i++) {
        const struct cmd_entry *e = cmd_table[i];
        if ((e->needs & needs) != needs || (offline_only && !e->offline)) {
            continue;
        }
        const char *sep = k == 0 ? "" : k + 1 == n ? last_sep : ", ";
        int w = snprintf(out + len, size - len, "%s%s", sep, e->name);
        if (w < 0 || (size_t)w >= size - len) {
            out[len] = 0; /* whole names only */
            break;
        }
        len += (size_t)w;
        k++;
    }
    return out;
}

const struct cmd_entry *cmd_find(const char *name)
{
    for (size_t i = 0; cmd_table[i] != NULL; i++) {
        if (strcmp(cmd_table[i]->name, name) == 0) {
            return cmd_table[i];
        }
    }
    return NULL;
}

int cmd_put_text(FILE *f, const char *s, size_t n)
{
    struct buf b;
    buf_init(&b);
    int rc = fmt_escape_buf(&b, s, n, "\n");
    int bad = rc != RC_OK || fwrite(b.data, 1, b.len, f) != b.len;
    buf_fini(&b);
    return bad ? -1 : 0;
}

void cmd_outf(FILE *f, const char *fmt, ...)
{
    char small[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    if ((size_t)n < sizeof small) {
        cmd_put_text(f, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (big == NULL) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    cmd_put_text(f, big, (size_t)n);
    free(big);
}

const char *cmd_esc(const char *s, char out[CMD_ESC_MAX])
{
    return fmt_esc(s, out, CMD_ESC_MAX);
}

int cmd_flush(struct rc_msg *msg)
{
    return fflush(stdout) == 0 ? RC_OK
                               : rc_set(msg, RC_IO, "writing to stdout: %s",
                                        strerror(errno));
}

void cmd_read_start(struct cmd_read_ctx *c, const struct session *s)
{
    c->show = s->progress > 0 || (s->progress < 0 && isatty(2));
    c->start = c->last = clock_ms();
}

void cmd_read_end(const struct cmd_read_ctx *c)
{
    if (c->show && clock_ms() - c->start >= 500) {
        fputs("\r\033[K", stderr);
    }
}

void cmd_read_chunk(void *ctx, uint32_t addr, const uint8_t *data, size_t len)
{
    struct cmd_read_ctx *rc = ctx;
    memcpy(rc->data + (addr - rc->base), data, len);
}

void cmd_read_progress(void *ctx, uint64_t done, uint64_t total)
{
    struct cmd_read_ctx *rc = ctx;
    int64_t now = clock_ms();
    if (!rc->show || now - rc->start < 500 || (now - rc->last < 100 && done < total)) {
        return;
    }
    rc->last = now;
    char line[100];
    fmt_progress(done, total, (double)(now - rc->start) / 1000.0, line,
                 sizeof line);
    fprintf(stderr, "\r%s", line);
    if (done >= total) {
        fputs("\r\033[K", stderr);
    }
}

int cmd_parse_tcj(const char *format, const char *cmd, int *out,
                  struct rc_msg *msg)
{
    static const char *const names[] = {"table", "csv", "json"};
    for (int i = 0; i < 3; i++) {
        if (format == NULL || strcmp(format, names[i]) == 0) {
            *out = i;
            return RC_OK;
        }
    }
    return rc_set(msg, RC_ARG, "--format takes table, csv or json for %s, "
                  "not '%s'", cmd, format);
}
