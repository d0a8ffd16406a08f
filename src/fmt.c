/*
 * fmt.c: number parsing and text formatting for the command line.
 */
#include "fmt.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int fmt_kv(const char *text, const char *key, char *out, size_t size,
           const char **from)
{
    size_t kl = strlen(key);
    const char *p = from && *from ? *from : text;
    while (*p) {
        const char *eol = strpbrk(p, "\r\n");
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
            size_t n = len - kl - 1 < size - 1 ? len - kl - 1 : size - 1;
            memcpy(out, p + kl + 1, n);
            out[n] = 0;
            if (from != NULL) {
                *from = eol ? eol + 1 : p + len;
            }
            return 1;
        }
        if (eol == NULL) {
            break;
        }
        p = eol + 1;
    }
    return 0;
}

int fmt_hex_digit(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

int fmt_parse_u64(const char *s, const char *what, uint64_t *out,
                  struct rc_msg *msg)
{
    const char *p = s;
    unsigned base = 10;
    uint64_t v = 0;
    int digits = 0;
    *out = 0;
    if (s == NULL || *s == 0) {
        return rc_set(msg, RC_ARG, "%s is empty: give a number such as "
                      "0x20000000, 4096 or 16K", what);
    }
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    } else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O')) {
        base = 8;
        p += 2;
    } else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) {
        base = 2;
        p += 2;
    }
    for (; *p; p++) {
        int c = (unsigned char)*p;
        unsigned d;
        if (c == '_' && digits > 0) {
            continue;
        }
        if (isdigit(c)) {
            d = (unsigned)(c - '0');
        } else if (base == 16 && isxdigit(c)) {
            d = (unsigned)(tolower(c) - 'a' + 10);
        } else {
            break;
        }
        if (d >= base) {
            return rc_set(msg, RC_ARG, "%s '%s': digit '%c' is not allowed "
                          "in base %u", what, s, c, base);
        }
        if (v > (UINT64_MAX - d) / base) {
            return rc_set(msg, RC_ARG, "%s '%s' is too large", what, s);
        }
        v = v * base + d;
        digits++;
    }
    if (digits == 0) {
        return rc_set(msg, RC_ARG, "%s '%s' is not a number: give one such "
                      "as 0x20000000, 4096 or 16K", what, s);
    }
    uint64_t mul = 1;
    if (*p == 'k' || *p == 'K') {
        mul = 1024;
        p++;
    } else if (*p == 'm' || *p == 'M') {
        mul = 1024 * 1024;
        p++;
    }
    if (*p != 0) {
        return rc_set(msg, RC_ARG, "%s '%s' has junk after the number: give "
                      "one such as 0x20000000, 4096 or 16K", what, s);
    }
    if (v > UINT64_MAX / mul) {
        return rc_set(msg, RC_ARG, "%s '%s' is too large", what, s);
    }
    *out = v * mul;
    return RC_OK;
}

int fmt_check_range(uint64_t addr, uint64_t len, struct rc_msg *msg)
{
    if (addr > 0xffffffffULL) {
        return rc_set(msg, RC_ARG, "ADDR 0x%llx is beyond the 32-bit address "
                      "space (0 to 0xffffffff)", (unsigned long long)addr);
    }
    if (len == 0) {
        return rc_set(msg, RC_ARG, "LEN is 0: nothing to read");
    }
    if (addr + len > 0x100000000ULL) {
        return rc_set(msg, RC_ARG, "ADDR 0x%llx + LEN 0x%llx runs past the "
                      "end of the 32-bit address space",
                      (unsigned long long)addr, (unsigned long long)len);
    }
    return RC_OK;
}

size_t fmt_xxd_line(uint32_t addr, const uint8_t *p, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = (size_t)sprintf(out, "%08x: ", (unsigned)addr);
    for (size_t i = 0; i < 16; i++) {
        if (i < n) {
            out[o++] = hex[p[i] >> 4];
            out[o++] = hex[p[i] & 15];
        } else {
            out[o++] = ' ';
            out[o++] = ' ';
        }
        if (i % 2 == 1) {
            out[o++] = ' ';
        }
    }
    out[o++] = ' ';
    for (size_t i = 0; i < n && i < 16; i++) {
        out[o++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
    }
    out[o++] = '\n';
    out[o] = 0;
    return o;
}

void fmt_size(uint64_t n, char *out, size_t size)
{
    if (n < 1024) {
        snprintf(out, size, "%llu bytes", (unsigned long long)n);
    } else if (n < 1024 * 1024) {
        if (n % 1024 == 0) {
            snprintf(out, size, "%llu KiB", (unsigned long long)(n / 1024));
        } else {
            snprintf(out, size, "%.1f KiB", (double)n / 1024);
        }
    } else if (n % (1024 * 1024) == 0) {
        snprintf(out, size, "%llu MiB", (unsigned long long)(n >> 20));
    } else {
        snprintf(out, size, "%.1f MiB", (double)n / (1024 * 1024));
    }
}

void fmt_progress(uint64_t done, uint64_t total, double secs, char *out,
                  size_t size)
{
    char bar[31];
    int width = 30;
    int fill = total ? (int)(done * (uint64_t)width / total) : width;
    for (int i = 0; i < width; i++) {
        bar[i] = i < fill ? '#' : '.';
    }
    bar[width] = 0;
    double rate = secs > 0 ? (double)done / secs / 1024.0 : 0;
    unsigned pct = total ? (unsigned)(done * 100 / total) : 100;
    snprintf(out, size, "[%s] %3u%%  %.1f KiB/s", bar, pct, rate);
}

/*
 * The length of the UTF-8 sequence at s (n bytes left) when it is valid
 * and not a control character; 0 otherwise.  ASCII: 1 for printable.
 */
static size_t utf8_ok(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80) {
        return c >= 0x20 && c != 0x7f ? 1 : 0;
    }
    size_t len;
    unsigned cp;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f)) {
        return 0; /* overlong, out of range, surrogate, C1 control */
    }
    return len;
}

static int kept(int c, const char *keep)
{
    return c != 0 && keep != NULL && strchr(keep, c) != NULL;
}

/* One step: how many bytes of s pass as they are (0: escape s[0]). */
static size_t plain_len(const char *s, size_t n, const char *keep)
{
    if (kept((unsigned char)s[0], keep)) {
        return 1;
    }
    return utf8_ok((const unsigned char *)s, n);
}

char *fmt_escape(const char *s, size_t n, const char *keep, char *out,
                 size_t size)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (size == 0) {
        return out;
    }
    for (size_t i = 0; i < n;) {
        size_t k = plain_len(s + i, n - i, keep);
        if (k > 0) {
            if (o + k >= size) {
                break;
            }
            memcpy(out + o, s + i, k);
            o += k;
            i += k;
            continue;
        }
        if (o + 4 >= size) {
            break;
        }
        unsigned char c = (unsigned char)s[i++];
        out[o++] = '\\';
        out[o++] = 'x';
        out[o++] = hex[c >> 4];
        out[o++] = hex[c & 15];
    }
    out[o] = 0;
    return out;
}

const char *fmt_esc(const char *s, char *out, size_t size)
{
    return fmt_escape(s, strlen(s), NULL, out, size);
}

int fmt_needs_escape(const char *s, size_t n, const char *keep)
{
    for (size_t i = 0; i < n;) {
        size_t k = plain_len(s + i, n - i, keep);
        if (k == 0) {
            return 1;
        }
        i += k;
    }
    return 0;
}

int fmt_escape_buf(struct buf *b, const char *s, size_t n, const char *keep)
{
    for (size_t i = 0; i < n && !buf_failed(b);) {
        size_t k = plain_len(s + i, n - i, keep);
        if (k > 0) {
            size_t run = k;
            while (i + run < n && (k = plain_len(s + i + run, n - i - run, keep)) > 0) {
                run += k;
            }
            buf_add(b, s + i, run);
            i += run;
        } else {
            buf_printf(b, "\\x%02x", (unsigned char)s[i]);
            i++;
        }
    }
    return buf_failed(b) ? RC_NOMEM : RC_OK;
}

int fmt_json_str(struct buf *b, const char *s)
{
    size_t n = strlen(s);
    buf_addstr(b, "\"");
    for (size_t i = 0; i < n && !buf_failed(b);) {
        unsigned char c = (unsigned char)s[i];
        size_t k = utf8_ok((const unsigned char *)s + i, n - i);
        if (c == '"' || c == '\\') {
            buf_printf(b, "\\%c", c);
            i++;
        } else if (k > 0) {
            buf_add(b, s + i, k);
            i += k;
        } else if (c == 0xc2 && i + 1 < n &&
                   (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9f) {
            buf_printf(b, "\\u%04x", (unsigned char)s[i + 1]); /* C1 */
            i += 2;
        } else {
            buf_printf(b, "\\u%04x", c);
            i++;
        }
    }
    buf_addstr(b, "\"");
    return buf_failed(b) ? RC_NOMEM : RC_OK;
}

int fmt_csv_field(struct buf *b, const char *s)
{
    struct buf e;
    buf_init(&e);
    fmt_escape_buf(&e, s, strlen(s), NULL);
    const char *t = buf_str(&e);
    if (buf_failed(&e)) {
        buf_set_failed(b); /* b would miss the field */
    } else if (strpbrk(t, ",\"") == NULL) {
        buf_addstr(b, t);
    } else {
        buf_addstr(b, "\"");
        for (; *t && !buf_failed(b); t++) {
            if (*t == '"') {
                buf_addstr(b, "\"\"");
            } else {
                buf_add(b, t, 1);
            }
        }
        buf_addstr(b, "\"");
    }
    buf_fini(&e);
    return buf_failed(b) ? RC_NOMEM : RC_OK;
}
