/*
 * frozen_manifest.c: manifests of frozen modules (see frozen_manifest.h):
 * writing one as a table, CSV or JSON, reading any of the three back, and
 * comparing one with the modules found now.
 *
 * The parsers take text from outside: every field is checked (names as
 * frozen.c accepts them, addresses, sizes, SHA-256 digests), the count of
 * modules is capped, and an error names the file and line.  Names are
 * compared and shown escaped (fmt_esc), so a name cannot drive the
 * terminal.
 */
#include "frozen_manifest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "frozen_int.h"

static void hex32(const uint8_t *h, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = d[h[i] >> 4];
        out[2 * i + 1] = d[h[i] & 15];
    }
    out[64] = 0;
}

/* A module name as shown: control characters and bytes that are not
 * UTF-8 escaped ("\x1b"), so a name from a file cannot drive the terminal. */
#define SHOWN_NAME (4 * 128)

static const char *shown_name(const char *name, char out[SHOWN_NAME])
{
    return fmt_esc(name, out, SHOWN_NAME);
}

int frozen_format(const struct frozen_set *set, enum frozen_format fmt,
                  struct buf *out)
{
    char h[65];
    int rc = RC_OK;
    size_t w = 4;
    char nm[SHOWN_NAME];
    for (size_t i = 0; i < set->n; i++) {
        size_t l = strlen(shown_name(set->mods[i].name, nm));
        w = l > w ? l : w;
    }
    switch (fmt) {
    case FROZEN_FMT_TABLE:
        rc = buf_printf(out, "%-*s  %-10s  %10s  %s\n", (int)w, "NAME",
                        "ADDRESS", "SIZE", "SHA256");
        for (size_t i = 0; rc == RC_OK && i < set->n; i++) {
            const struct frozen_mod *m = &set->mods[i];
            hex32(m->sha256, h);
            rc = buf_printf(out, "%-*s  0x%08x  %10u  %s\n", (int)w,
                            shown_name(m->name, nm), m->addr, m->size, h);
        }
        return rc;
    case FROZEN_FMT_CSV:
        rc = buf_addstr(out, "name,address,size,sha256\n");
        for (size_t i = 0; rc == RC_OK && i < set->n; i++) {
            const struct frozen_mod *m = &set->mods[i];
            hex32(m->sha256, h);
            rc = fmt_csv_field(out, m->name);
            if (rc == RC_OK) {
                rc = buf_printf(out, ",0x%08x,%u,%s\n", m->addr, m->size, h);
            }
        }
        return rc;
    case FROZEN_FMT_JSON:
        rc = buf_addstr(out, set->n == 0 ? "[" : "[\n");
        for (size_t i = 0; rc == RC_OK && i < set->n; i++) {
            const struct frozen_mod *m = &set->mods[i];
            hex32(m->sha256, h);
            rc = buf_addstr(out, "  {\"name\": ");
            if (rc == RC_OK) {
                rc = fmt_json_str(out, m->name);
            }
            if (rc == RC_OK) {
                rc = buf_printf(out,
                                ", \"address\": \"0x%08x\", \"size\": %u, \"sha256\": \"%s\"}%s\n",
                                m->addr, m->size, h, i + 1 < set->n ? "," : "");
            }
        }
        if (rc == RC_OK) {
            rc = buf_addstr(out, "]\n");
        }
        return rc;
    }
    return RC_ARG;
}

struct mparse {
    const char *t;
    size_t len;
    size_t pos;
    size_t line;
    const char *name;
    struct rc_msg *msg;
    struct frozen_manifest *out;
    size_t cap;
};

__attribute__((format(printf, 2, 3)))
static int perr(struct mparse *p, const char *fmt, ...)
{
    char text[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return rc_set(p->msg, RC_PARSE, "%s:%zu: %s", p->name, p->line, text);
}

/* Field checks shared by the three formats; s is not NUL-terminated. */
static int parse_addr(struct mparse *p, const char *s, size_t n)
{
    if (n < 3 || n > 10 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
        return perr(p, "address '%.*s' is not 0x followed by up to 8 hex digits",
                    (int)(n > 40 ? 40 : n), s);
    }
    for (size_t i = 2; i < n; i++) {
        if (fmt_hex_digit((unsigned char)s[i]) < 0) {
            return perr(p, "address '%.*s' is not 0x followed by up to 8 hex digits",
                        (int)n, s);
        }
    }
    return RC_OK;
}

static int parse_size(struct mparse *p, const char *s, size_t n, uint32_t *v)
{
    uint64_t x = 0;
    int cut = n > 40;
    if (n == 0 || (n > 1 && s[0] == '0')) {
        return perr(p, "size '%.*s%s' is not a decimal number",
                    (int)(cut ? 40 : n), s, cut ? "..." : "");
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return perr(p, "size '%.*s%s' is not a decimal number",
                        (int)(cut ? 40 : n), s, cut ? "..." : "");
        }
        if (i < 10) {
            x = x * 10 + (uint64_t)(s[i] - '0');
        }
    }
    if (n > 10 || x > UINT32_MAX) {
        return perr(p, "size %.*s%s is more than 4 GiB", (int)(cut ? 40 : n), s,
                    cut ? "..." : "");
    }
    *v = (uint32_t)x;
    return RC_OK;
}

static int parse_sha(struct mparse *p, const char *s, size_t n, uint8_t *h)
{
    if (n != 64) {
        return perr(p, "sha256 has %zu characters, not 64 hex digits", n);
    }
    for (size_t i = 0; i < 32; i++) {
        int a = fmt_hex_digit((unsigned char)s[2 * i]), b = fmt_hex_digit((unsigned char)s[2 * i + 1]);
        if (a < 0 || b < 0) {
            return perr(p, "sha256 '%.64s' is not 64 hex digits", s);
        }
        h[i] = (uint8_t)(a << 4 | b);
    }
    return RC_OK;
}

static int add_entry(struct mparse *p, const char *name, size_t nl,
                     uint32_t size, const uint8_t *sha)
{
    if (memchr(name, 0, nl) != NULL) {
        return perr(p, "a module name cannot contain NUL ('%.*s\\u0000...')",
                    (int)strnlen(name, 60), name);
    }
    if (!frozen_name_ok(name, nl)) {
        return perr(p, "'%.*s' is not a module name", (int)(nl > 60 ? 60 : nl), name);
    }
    for (size_t i = 0; i < p->out->n; i++) {
        if (strlen(p->out->e[i].name) == nl && memcmp(p->out->e[i].name, name, nl) == 0) {
            return perr(p, "module %.*s is listed twice", (int)nl, name);
        }
    }
    if (p->out->n >= FROZEN_MAX_MODS) {
        return perr(p, "more than %u modules", FROZEN_MAX_MODS);
    }
    if (p->out->n == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 16;
        struct frozen_entry *e = realloc(p->out->e, nc * sizeof *e);
        if (e == NULL) {
            return rc_set(p->msg, RC_NOMEM, "out of memory");
        }
        p->out->e = e;
        p->cap = nc;
    }
    struct frozen_entry *e = &p->out->e[p->out->n++];
    memcpy(e->name, name, nl);
    e->name[nl] = 0;
    e->size = size;
    memcpy(e->sha256, sha, 32);
    return RC_OK;
}

/* The next line [*s, *s+*n) without its newline (and \r); 0 at the end. */
static int next_line(struct mparse *p, const char **s, size_t *n)
{
    if (p->pos >= p->len) {
        return 0;
    }
    const char *b = p->t + p->pos;
    const char *nl = memchr(b, '\n', p->len - p->pos);
    size_t l = nl != NULL ? (size_t)(nl - b) : p->len - p->pos;
    p->pos += l + (nl != NULL);
    p->line++;
    if (l > 0 && b[l - 1] == '\r') {
        l--;
    }
    *s = b;
    *n = l;
    return 1;
}

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != ' ' && s[i] != '\t') {
            return 0;
        }
    }
    return 1;
}

/* Split off the last whitespace-separated token of [s, s+*n). */
static int last_token(const char *s, size_t *n, const char **tok, size_t *tl)
{
    size_t e = *n;
    while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t')) {
        e--;
    }
    size_t b = e;
    while (b > 0 && s[b - 1] != ' ' && s[b - 1] != '\t') {
        b--;
    }
    if (b == e) {
        return 0;
    }
    *tok = s + b;
    *tl = e - b;
    *n = b;
    return 1;
}

static int parse_table(struct mparse *p)
{
    const char *s;
    size_t n;
    if (!next_line(p, &s, &n)) {
        return perr(p, "empty manifest");
    }
    {
        const char *want[] = {"SHA256", "SIZE", "ADDRESS", "NAME"};
        const char *tok;
        size_t tl;
        for (size_t i = 0; i < 4; i++) {
            if (!last_token(s, &n, &tok, &tl) || tl != strlen(want[i]) ||
                memcmp(tok, want[i], tl) != 0) {
                return perr(p, "header must be NAME ADDRESS SIZE SHA256");
            }
        }
        if (!blank(s, n)) {
            return perr(p, "header must be NAME ADDRESS SIZE SHA256");
        }
    }
    while (next_line(p, &s, &n)) {
        if (blank(s, n)) {
            continue;
        }
        const char *f[3];
        size_t fl[3];
        for (size_t i = 0; i < 3; i++) {
            if (!last_token(s, &n, &f[i], &fl[i])) {
                return perr(p, "a row needs NAME ADDRESS SIZE SHA256");
            }
        }
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) {
            n--;
        }
        while (n > 0 && (s[0] == ' ' || s[0] == '\t')) {
            s++;
            n--;
        }
        if (n == 0) {
            return perr(p, "a row needs NAME ADDRESS SIZE SHA256");
        }
        uint32_t size;
        uint8_t sha[32];
        int rc = parse_addr(p, f[2], fl[2]);
        if (rc == RC_OK) {
            rc = parse_size(p, f[1], fl[1], &size);
        }
        if (rc == RC_OK) {
            rc = parse_sha(p, f[0], fl[0], sha);
        }
        if (rc == RC_OK) {
            rc = add_entry(p, s, n, size, sha);
        }
        if (rc != RC_OK) {
            return rc;
        }
    }
    return RC_OK;
}

static int parse_csv(struct mparse *p)
{
    const char *s;
    size_t n;
    if (!next_line(p, &s, &n) || n != 24 ||
        memcmp(s, "name,address,size,sha256", 24) != 0) {
        return perr(p, "header must be name,address,size,sha256");
    }
    while (next_line(p, &s, &n)) {
        if (n == 0) {
            continue;
        }
        char name[FROZEN_MAX_NAME + 2];
        size_t nl = 0, i = 0;
        if (s[0] == '"') {
            for (i = 1;; i++) {
                if (i >= n) {
                    return perr(p, "unterminated quoted name");
                }
                if (s[i] == '"') {
                    if (i + 1 < n && s[i + 1] == '"') {
                        i++;
                    } else {
                        i++;
                        break;
                    }
                }
                if (nl > FROZEN_MAX_NAME) {
                    return perr(p, "name longer than %u bytes", FROZEN_MAX_NAME);
                }
                name[nl++] = s[i];
            }
            if (i >= n || s[i] != ',') {
                return perr(p, "expected ',' after the quoted name");
            }
        } else {
            while (i < n && s[i] != ',') {
                if (s[i] == '"') {
                    return perr(p, "'\"' in an unquoted name");
                }
                if (nl > FROZEN_MAX_NAME) {
                    return perr(p, "name longer than %u bytes", FROZEN_MAX_NAME);
                }
                name[nl++] = s[i++];
            }
            if (i >= n) {
                return perr(p, "a row needs name,address,size,sha256");
            }
        }
        i++; /* the comma */
        const char *f[3];
        size_t fl[3];
        for (size_t k = 0; k < 3; k++) {
            f[k] = s + i;
            while (i < n && s[i] != ',') {
                i++;
            }
            fl[k] = (size_t)(s + i - f[k]);
            if (k < 2) {
                if (i >= n) {
                    return perr(p, "a row needs name,address,size,sha256");
                }
                i++;
            }
        }
        if (i != n) {
            return perr(p, "too many fields (a row is name,address,size,sha256)");
        }
        uint32_t size;
        uint8_t sha[32];
        int rc = parse_addr(p, f[0], fl[0]);
        if (rc == RC_OK) {
            rc = parse_size(p, f[1], fl[1], &size);
        }
        if (rc == RC_OK) {
            rc = parse_sha(p, f[2], fl[2], sha);
        }
        if (rc == RC_OK) {
            rc = add_entry(p, name, nl, size, sha);
        }
        if (rc != RC_OK) {
            return rc;
        }
    }
    return RC_OK;
}

/* ---- JSON (only what a manifest needs, strictly) ---- */

static void jws(struct mparse *p)
{
    while (p->pos < p->len) {
        char c = p->t[p->pos];
        if (c == '\n') {
            p->line++;
        } else if (c != ' ' && c != '\t' && c != '\r') {
            return;
        }
        p->pos++;
    }
}

static int jpeek(struct mparse *p)
{
    jws(p);
    return p->pos < p->len ? (unsigned char)p->t[p->pos] : -1;
}

static int jexpect(struct mparse *p, char c)
{
    if (jpeek(p) != (unsigned char)c) {
        if (p->pos >= p->len) {
            return perr(p, "expected '%c', found the end", c);
        }
        return perr(p, "expected '%c'", c);
    }
    p->pos++;
    return RC_OK;
}

static int put_utf8(char *out, size_t *n, size_t max, uint32_t cp)
{
    unsigned char b[4];
    size_t k;
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        k = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xc0 | cp >> 6);
        b[1] = (unsigned char)(0x80 | (cp & 0x3f));
        k = 2;
    } else if (cp < 0x10000) {
        b[0] = (unsigned char)(0xe0 | cp >> 12);
        b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (unsigned char)(0x80 | (cp & 0x3f));
        k = 3;
    } else {
        b[0] = (unsigned char)(0xf0 | cp >> 18);
        b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (unsigned char)(0x80 | (cp & 0x3f));
        k = 4;
    }
    if (*n + k > max) {
        return 0;
    }
    memcpy(out + *n, b, k);
    *n += k;
    return 1;
}

static int jhex4(struct mparse *p, uint32_t *v)
{
    if (p->len - p->pos < 4) {
        return perr(p, "truncated \\u escape");
    }
    *v = 0;
    for (size_t i = 0; i < 4; i++) {
        int h = fmt_hex_digit((unsigned char)p->t[p->pos + i]);
        if (h < 0) {
            return perr(p, "bad \\u escape");
        }
        *v = *v << 4 | (uint32_t)h;
    }
    p->pos += 4;
    return RC_OK;
}

/* A JSON string into out (at most max bytes). */
static int jstring(struct mparse *p, char *out, size_t max, size_t *n)
{
    int rc = jexpect(p, '"');
    if (rc != RC_OK) {
        return rc;
    }
    *n = 0;
    for (;;) {
        if (p->pos >= p->len) {
            return perr(p, "unterminated string");
        }
        unsigned char c = (unsigned char)p->t[p->pos++];
        if (c == '"') {
            return RC_OK;
        }
        if (c < 0x20) {
            return perr(p, "control character in a string");
        }
        if (c != '\\') {
            if (*n >= max) {
                return perr(p, "string longer than %zu bytes", max);
            }
            out[(*n)++] = (char)c;
            continue;
        }
        if (p->pos >= p->len) {
            return perr(p, "unterminated string");
        }
        c = (unsigned char)p->t[p->pos++];
        uint32_t cp;
        switch (c) {
        case '"':
        case '\\':
        case '/':
            cp = c;
            break;
        case 'b':
            cp = '\b';
            break;
        case 'f':
            cp = '\f';
            break;
        case 'n':
            cp = '\n';
            break;
        case 'r':
            cp = '\r';
            break;
        case 't':
            cp = '\t';
            break;
        case 'u': {
            rc = jhex4(p, &cp);
            if (rc != RC_OK) {
                return rc;
            }
            if (cp >= 0xdc00 && cp <= 0xdfff) {
                return perr(p, "lone low surrogate in \\u escape");
            }
            if (cp >= 0xd800 && cp <= 0xdbff) {
                uint32_t lo;
                if (p->len - p->pos < 2 || p->t[p->pos] != '\\' || p->t[p->pos + 1] != 'u') {
                    return perr(p, "high surrogate without its pair");
                }
                p->pos += 2;
                rc = jhex4(p, &lo);
                if (rc != RC_OK) {
                    return rc;
                }
                if (lo < 0xdc00 || lo > 0xdfff) {
                    return perr(p, "high surrogate without its pair");
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            break;
        }
        default:
            return perr(p, "bad escape '\\%c'", c >= 0x20 && c < 0x7f ? c : '?');
        }
        if (!put_utf8(out, n, max, cp)) {
            return perr(p, "string longer than %zu bytes", max);
        }
    }
}

static int jnumber(struct mparse *p, uint32_t *v)
{
    jws(p);
    size_t b = p->pos;
    while (p->pos < p->len && p->t[p->pos] >= '0' && p->t[p->pos] <= '9') {
        p->pos++;
    }
    if (p->pos < p->len && (p->t[p->pos] == '.' || p->t[p->pos] == 'e' ||
                            p->t[p->pos] == 'E' || p->t[p->pos] == '-')) {
        return perr(p, "size must be a whole number");
    }
    if (p->pos == b) {
        return perr(p, "size must be a number");
    }
    return parse_size(p, p->t + b, p->pos - b, v);
}

static int parse_json(struct mparse *p)
{
    int rc = jexpect(p, '[');
    if (rc != RC_OK) {
        return rc;
    }
    if (jpeek(p) == ']') {
        p->pos++;
    } else {
        for (;;) {
            rc = jexpect(p, '{');
            if (rc != RC_OK) {
                return rc;
            }
            char name[FROZEN_MAX_NAME + 1], tmp[80];
            size_t nl = 0, tl;
            uint32_t size = 0;
            uint8_t sha[32];
            unsigned seen = 0;
            size_t obj_line = p->line;
            for (;;) {
                char key[16];
                size_t kl;
                rc = jstring(p, key, sizeof key - 1, &kl);
                if (rc == RC_OK) {
                    rc = jexpect(p, ':');
                }
                if (rc != RC_OK) {
                    return rc;
                }
                key[kl] = 0;
                if (strlen(key) != kl) {
                    return perr(p, "a key cannot contain NUL");
                }
                unsigned bit;
                if (strcmp(key, "name") == 0) {
                    bit = 1;
                    rc = jstring(p, name, FROZEN_MAX_NAME, &nl);
                } else if (strcmp(key, "address") == 0) {
                    bit = 2;
                    rc = jstring(p, tmp, sizeof tmp, &tl);
                    if (rc == RC_OK) {
                        rc = parse_addr(p, tmp, tl);
                    }
                } else if (strcmp(key, "size") == 0) {
                    bit = 4;
                    rc = jnumber(p, &size);
                } else if (strcmp(key, "sha256") == 0) {
                    bit = 8;
                    rc = jstring(p, tmp, sizeof tmp, &tl);
                    if (rc == RC_OK) {
                        rc = parse_sha(p, tmp, tl, sha);
                    }
                } else {
                    return perr(p, "unknown key '%s'", key);
                }
                if (rc != RC_OK) {
                    return rc;
                }
                if (seen & bit) {
                    return perr(p, "key '%s' given twice", key);
                }
                seen |= bit;
                int c = jpeek(p);
                if (c == ',') {
                    p->pos++;
                    continue;
                }
                rc = jexpect(p, '}');
                if (rc != RC_OK) {
                    return rc;
                }
                break;
            }
            if (seen != 15) {
                return perr(p, "an entry needs name, address, size and sha256");
            }
            size_t at = p->line;
            p->line = obj_line;
            rc = add_entry(p, name, nl, size, sha);
            p->line = at;
            if (rc != RC_OK) {
                return rc;
            }
            int c = jpeek(p);
            if (c == ',') {
                p->pos++;
                continue;
            }
            rc = jexpect(p, ']');
            if (rc != RC_OK) {
                return rc;
            }
            break;
        }
    }
    if (jpeek(p) != -1) {
        return perr(p, "text after the closing ']'");
    }
    return RC_OK;
}

int frozen_manifest_parse(const char *text, size_t len, const char *name,
                          struct frozen_manifest *out, struct rc_msg *msg)
{
    struct mparse p = {text, len, 0, 0, name ? name : "manifest", msg, out, 0};
    out->e = NULL;
    out->n = 0;
    if (text == NULL) {
        return rc_set(msg, RC_ARG, "%s: no text", p.name);
    }
    const char *nul = memchr(text, 0, len);
    if (nul != NULL) {
        size_t line = 1;
        for (const char *q = text; q < nul; q++) {
            line += *q == '\n';
        }
        return rc_set(msg, RC_PARSE, "%s:%zu: NUL byte in the manifest", p.name, line);
    }
    int rc;
    /* A UTF-8 byte-order mark (editors on Windows write one), then blank
     * lines and white space before the first line that counts. */
    size_t i = 0, line = 1;
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
        i = 3;
    }
    p.pos = i;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' ||
                       text[i] == '\n')) {
        line += text[i] == '\n';
        i++;
    }
    if (i < len && text[i] == '[') {
        p.line = 1;
        rc = parse_json(&p);
    } else {
        /* next_line counts the first line from here. */
        p.pos = i;
        p.line = line - 1;
        if (len - i >= 4 && memcmp(text + i, "name", 4) == 0) {
            rc = parse_csv(&p);
        } else if (len - i >= 4 && memcmp(text + i, "NAME", 4) == 0) {
            rc = parse_table(&p);
        } else {
            p.line = line;
            rc = perr(&p, "not a frozen-module manifest (table, CSV or JSON)");
        }
    }
    if (rc != RC_OK) {
        frozen_manifest_free(out);
    }
    return rc;
}

void frozen_manifest_free(struct frozen_manifest *m)
{
    if (m == NULL) {
        return;
    }
    free(m->e);
    m->e = NULL;
    m->n = 0;
}

const char *frozen_cmp_name(enum frozen_cmp c)
{
    switch (c) {
    case FROZEN_SAME:
        return "same";
    case FROZEN_CHANGED:
        return "changed";
    case FROZEN_ADDED:
        return "added";
    case FROZEN_REMOVED:
        return "removed";
    }
    return "?";
}

/* Names are compared as shown: a CSV manifest holds them escaped, a JSON
 * one (or the image) as they are. */
static int cmp_shown(const char *x, const char *y)
{
    char a[SHOWN_NAME], b[SHOWN_NAME];
    return strcmp(shown_name(x, a), shown_name(y, b));
}

static int cmp_modp(const void *a, const void *b)
{
    const struct frozen_mod *const *x = a, *const *y = b;
    return cmp_shown((*x)->name, (*y)->name);
}

static int cmp_entp(const void *a, const void *b)
{
    const struct frozen_entry *const *x = a, *const *y = b;
    return cmp_shown((*x)->name, (*y)->name);
}

int frozen_compare(const struct frozen_set *set,
                   const struct frozen_manifest *old, struct buf *out,
                   int *differs)
{
    size_t na = set->n, nb = old->n;
    const struct frozen_mod **a = malloc((na ? na : 1) * sizeof *a);
    const struct frozen_entry **b = malloc((nb ? nb : 1) * sizeof *b);
    if (a == NULL || b == NULL) {
        free(a);
        free(b);
        return RC_NOMEM;
    }
    for (size_t i = 0; i < na; i++) {
        a[i] = &set->mods[i];
    }
    for (size_t i = 0; i < nb; i++) {
        b[i] = &old->e[i];
    }
    qsort(a, na, sizeof *a, cmp_modp);
    qsort(b, nb, sizeof *b, cmp_entp);
    size_t count[4] = {0, 0, 0, 0};
    size_t i = 0, j = 0;
    int rc = RC_OK;
    *differs = 0;
    while (rc == RC_OK && (i < na || j < nb)) {
        int c = i >= na ? 1 : j >= nb ? -1 : cmp_shown(a[i]->name, b[j]->name);
        enum frozen_cmp k;
        char nm[SHOWN_NAME];
        if (c < 0) {
            k = FROZEN_ADDED;
            rc = buf_printf(out, "%-9s%s\n", "added", shown_name(a[i]->name, nm));
            i++;
        } else if (c > 0) {
            k = FROZEN_REMOVED;
            rc = buf_printf(out, "%-9s%s\n", "removed", shown_name(b[j]->name, nm));
            j++;
        } else {
            if (a[i]->size == b[j]->size &&
                memcmp(a[i]->sha256, b[j]->sha256, 32) == 0) {
                k = FROZEN_SAME;
                rc = buf_printf(out, "%-9s%s\n", "same", shown_name(a[i]->name, nm));
            } else {
                k = FROZEN_CHANGED;
                rc = buf_printf(out, "%-9s%s (%u -> %u bytes)\n", "changed",
                                shown_name(a[i]->name, nm), b[j]->size, a[i]->size);
            }
            i++;
            j++;
        }
        count[k]++;
        if (k != FROZEN_SAME) {
            *differs = 1;
        }
    }
    if (rc == RC_OK) {
        rc = buf_printf(out, "%zu same, %zu changed, %zu added, %zu removed\n",
                        count[0], count[1], count[2], count[3]);
    }
    free(a);
    free(b);
    return rc;
}
