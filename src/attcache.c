/*
 * attcache.c: the per-port attach cache (see attcache.h).
 */
#include "attcache.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "datadir.h"
#include "fmt.h"
#include "ofile.h"
#include "recdec.h"

#define ATTCACHE_MAGIC "mpeek attach cache 1\n"
#define ATTCACHE_MAX 8192 /* bytes of a cache file, at most */

static void hex_add(struct buf *b, const void *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        char two[2] = {digits[s[i] >> 4], digits[s[i] & 15]};
        buf_add(b, two, 2);
    }
}

/* The line "KEY VALUE\n" at *p (advanced past it): VALUE into
 * [*val, *val + *vlen).  0 when the line is not there. */
static int take_line(const char **p, const char *end, const char *key,
                     const char **val, size_t *vlen)
{
    size_t kl = strlen(key);
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    if (nl == NULL || (size_t)(nl - *p) < kl + 1 || memcmp(*p, key, kl) != 0 ||
        (*p)[kl] != ' ') {
        return 0;
    }
    *val = *p + kl + 1;
    *vlen = (size_t)(nl - *val);
    *p = nl + 1;
    return 1;
}

/* Hex text into out (at most size-1 bytes, NUL-terminated). */
static int unhex(const char *h, size_t n, char *out, size_t size)
{
    if (n % 2 != 0 || n / 2 >= size) {
        return 0;
    }
    for (size_t i = 0; i < n; i += 2) {
        int a = fmt_hex_digit((unsigned char)h[i]);
        int b = fmt_hex_digit((unsigned char)h[i + 1]);
        if (a < 0 || b < 0) {
            return 0;
        }
        out[i / 2] = (char)(a << 4 | b);
        if (out[i / 2] == 0) {
            return 0;
        }
    }
    out[n / 2] = 0;
    return 1;
}

int attcache_parse(const char *data, size_t len, const char *port,
                   struct board_warm *w, struct rc_msg *msg)
{
    memset(w, 0, sizeof *w);
    const char *p = data, *end = data + len;
    const char *val;
    size_t vl;
    size_t ml = strlen(ATTCACHE_MAGIC);
    if (len > ATTCACHE_MAX || len < ml || memcmp(data, ATTCACHE_MAGIC, ml) != 0) {
        return rc_set(msg, RC_PARSE, "not an mpeek attach cache of this "
                      "version");
    }
    p += ml;
    if (!take_line(&p, end, "port", &val, &vl) || vl != strlen(port) ||
        memcmp(val, port, vl) != 0) {
        return rc_set(msg, RC_PARSE, "made for another port");
    }
    const char *ident, *text;
    size_t il, tl;
    if (!take_line(&p, end, "ident", &ident, &il) ||
        !take_line(&p, end, "text", &text, &tl)) {
        return rc_set(msg, RC_PARSE, "lines missing");
    }
    size_t summed = (size_t)(p - data);
    if (!take_line(&p, end, "sha256", &val, &vl) || vl != 64 || p != end) {
        return rc_set(msg, RC_PARSE, "no checksum at its end");
    }
    uint8_t sha[32];
    char want[65];
    recdec_sha256((const uint8_t *)data, summed, sha);
    for (int i = 0; i < 32; i++) {
        snprintf(want + 2 * i, 3, "%02x", sha[i]);
    }
    if (memcmp(want, val, 64) != 0) {
        return rc_set(msg, RC_PARSE, "its checksum does not match");
    }
    if (!unhex(ident, il, w->ident, sizeof w->ident) ||
        !unhex(text, tl, w->text, sizeof w->text) || w->ident[0] == 0 ||
        w->text[0] == 0) {
        memset(w, 0, sizeof *w);
        return rc_set(msg, RC_PARSE, "bad identity or text");
    }
    return RC_OK;
}

int attcache_format(const char *port, const struct board_warm *w, char **out,
                    size_t *len, struct rc_msg *msg)
{
    *out = NULL;
    *len = 0;
    if (strlen(port) > 1024 || strchr(port, '\n') != NULL) {
        return rc_set(msg, RC_ARG, "port name too long for the cache");
    }
    struct buf b;
    buf_init(&b);
    buf_addstr(&b, ATTCACHE_MAGIC);
    buf_printf(&b, "port %s\nident ", port);
    hex_add(&b, w->ident, strnlen(w->ident, sizeof w->ident));
    buf_addstr(&b, "\ntext ");
    hex_add(&b, w->text, strnlen(w->text, sizeof w->text));
    buf_addstr(&b, "\n");
    if (buf_failed(&b)) {
        buf_fini(&b);
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    uint8_t sha[32];
    recdec_sha256((const uint8_t *)b.data, b.len, sha);
    buf_addstr(&b, "sha256 ");
    hex_add(&b, sha, sizeof sha);
    buf_addstr(&b, "\n");
    buf_str(&b);
    if (buf_failed(&b)) {
        buf_fini(&b);
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    *len = b.len;
    *out = (char *)b.data;
    return RC_OK;
}

static int cache_dir(char *dir, size_t size)
{
    const char *off = getenv("MPEEK_NO_CACHE");
    struct rc_msg m;
    if (off != NULL && off[0] != 0 && strcmp(off, "0") != 0) {
        return 0;
    }
    return datadir_cache(NULL, dir, size, &m) == RC_OK;
}

void attcache_path(const char *port, char *path, size_t size)
{
    char dir[3072];
    if (size == 0) {
        return;
    }
    path[0] = 0;
    if (!cache_dir(dir, sizeof dir)) {
        return;
    }
    uint8_t sha[32];
    recdec_sha256((const uint8_t *)port, strlen(port), sha);
    int n = snprintf(path, size, "%s/attach-", dir);
    for (int i = 0; i < 8 && n > 0 && (size_t)n + 2 < size; i++) {
        n += snprintf(path + n, size - (size_t)n, "%02x", sha[i]);
    }
    if (n <= 0 || (size_t)n + 1 >= size) {
        path[0] = 0;
    }
}

int attcache_load(const char *port, struct board_warm *w, struct rc_msg *msg)
{
    char path[4096];
    memset(w, 0, sizeof *w);
    attcache_path(port, path, sizeof path);
    if (path[0] == 0) {
        return rc_set(msg, RC_NOTFOUND, "no attach cache");
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return rc_set(msg, RC_NOTFOUND, "%s: %s", path, strerror(errno));
    }
    char *data = malloc(ATTCACHE_MAX + 1);
    if (data == NULL) {
        fclose(f);
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    size_t n = fread(data, 1, ATTCACHE_MAX + 1, f);
    fclose(f);
    int rc = attcache_parse(data, n, port, w, msg);
    free(data);
    if (rc < 0) {
        rc_prefix(msg, rc, "%s", path);
        return RC_NOTFOUND;
    }
    return RC_OK;
}

int attcache_save(const char *port, const struct board_warm *w,
                  struct rc_msg *msg)
{
    char path[4096], dir[3072];
    attcache_path(port, path, sizeof path);
    if (path[0] == 0 || !cache_dir(dir, sizeof dir)) {
        return RC_OK;
    }
    if (datadir_mkdirs(dir, 0700) != 0) {
        return rc_set(msg, RC_IO, "%s: %s", dir, strerror(errno));
    }
    char *data;
    size_t len;
    int rc = attcache_format(port, w, &data, &len, msg);
    if (rc < 0) {
        return rc;
    }
    struct ofile of;
    rc = ofile_open(&of, path, msg);
    if (rc == RC_OK) {
        fwrite(data, 1, len, of.f);
        rc = ofile_commit(&of, msg);
    }
    free(data);
    return rc;
}
