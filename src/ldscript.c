/*
 * ldscript.c: GNU ld linker scripts (see ldscript.h).
 *
 * Three stages.  The lexer turns one file's text into tokens (words,
 * numbers, strings, punctuation), skipping blanks, comments and C
 * preprocessor lines.  The parser walks the tokens of a file and of its
 * INCLUDEs in place and appends to flat lists, in link order: statements
 * (symbol assignments, PROVIDEs, ASSERTs), memory region declarations and
 * aliases; expressions are trees of indexes into one node array.  SECTIONS
 * is walked token by token with brace and parenthesis depths, picking out
 * only assignments, ASSERTs and INCLUDEs.  Evaluation is redone from
 * scratch after every load: statements are evaluated in order with
 * memoisation (forward references recurse), then the regions; the public
 * arrays are rebuilt from the results.
 *
 * Invariants: every parser loop consumes a token or returns; every
 * recursion has a bound (INCLUDE depth, expression nesting, node height,
 * evaluation depth); names are interned once and live until free;
 * diagnostics carry the sequence number of their token so that they can be
 * listed in source order whatever the order of evaluation.
 */
#include "ldscript.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fmt.h"

#define MAX_INCLUDE_DEPTH 64
#define MAX_INCLUDES 256
#define MAX_EXPR_DEPTH 256
#define MAX_NODE_HEIGHT 500
#define STMT_DEPTH 2000      /* a statement reached deeper is deferred */
#define MAX_EVAL_DEPTH 3000  /* hard stop (STMT_DEPTH + a node height) */
#define MAX_DIAGS 1000
#define MAX_FILE_SIZE (16u << 20)
#define MAX_LOAD_BYTES ((size_t)64 << 20) /* all INCLUDEs of one load */
#define NONE (-1)
#define POS_END UINT32_MAX

/* ---- types ---- */

struct loc {
    uint32_t file, line, col, seq;
};

enum { T_EOF, T_WORD, T_NUM, T_STR, T_PUNCT };

enum {
    P_LSH = 256, P_RSH, P_LE, P_GE, P_EQ, P_NE, P_ANDAND, P_OROR,
    P_PLUSEQ, P_MINUSEQ, P_MULEQ, P_DIVEQ, P_LSHEQ, P_RSHEQ, P_ANDEQ,
    P_OREQ,
    OP_MAX, OP_MIN, OP_ALIGN
};

struct tok {
    int type;
    int punct;
    const char *s; /* text; for T_STR the contents without quotes */
    size_t len;
    struct loc loc;
    int bol;       /* first token on its line */
    size_t off;    /* offset of its first byte */
};

struct lexer {
    const char *text;
    size_t len, pos;
    uint32_t file;
    unsigned line;
    size_t line_start;
    int bol;
    int pp_reported;
    struct tok la[2];
    int nla;
};

enum {
    N_NUM, N_SYM, N_DOT, N_OPAQUE, N_ORIGIN, N_LENGTH, N_DEFINED, N_UNARY,
    N_BINARY, N_TERN, N_ABSOLUTE, N_LOG2CEIL, N_ASSERT, N_SEGSTART
};

struct node {
    uint8_t op;
    int sub;          /* operator */
    int32_t a, b, c;  /* children; for N_SYM/N_DEFINED a = symbol */
    uint64_t num;
    uint32_t name;    /* string id (symbol, region, ASSERT message) */
    uint32_t height;
    struct loc loc;
};

enum { K_NUM, K_ABS, K_REL };

enum {
    VF_REGION = 1,  /* computed from ORIGIN()/LENGTH() */
    VF_VIA_SYM = 2, /* ... through a symbol */
    VF_DOT = 4,     /* depends on '.' or section addresses */
    VF_ERR = 8,     /* an error was found on the way */
    VF_DEPTH = 16,  /* a statement was deferred: not final, not memoised */
};

struct val {
    uint64_t v;     /* absolute value, or the plain number */
    uint8_t known;
    uint8_t kind;   /* K_NUM: plain number, K_ABS: absolute, K_REL:
                       relative to some section, absolute value known */
    uint8_t flags;
};

struct str {
    char *s;
    size_t len;
    uint32_t hash;
    int32_t sym, region, alias;
};

enum { S_ASSIGN, S_PROVIDE, S_ASSERT };
enum { ST_NEW, ST_BUSY, ST_DONE };

struct stmt {
    uint8_t kind, in_sections, in_osec, effective, quiet, state, deferred;
    int op;          /* '=' or the binary operator of op= */
    uint32_t sym;
    uint32_t msg;    /* ASSERT message */
    int32_t expr;
    struct loc loc;
    struct val val;
};

struct sym {
    uint32_t name;
    int referenced;
    uint32_t *defs;  /* effective statements, in order */
    size_t ndefs, capdefs;
    int undef;
    struct loc undef_loc;
    int32_t pub;
};

struct region {
    uint32_t name;
    char attrs[16];
    struct loc loc;
    int32_t origin, length;
    uint8_t state, ok;
    struct val o, l;
};

struct alias {
    uint32_t name;
    int32_t region;
};

struct diag {
    uint32_t seq, order;
    char *text;
};

struct ldscript {
    char **dirs;           /* option dirs, then SEARCH_DIRs */
    size_t ndirs, capdirs;
    struct ldscript_reader reader;
    int has_reader;

    struct str *strs;
    size_t nstrs, capstrs;
    uint32_t *htab;        /* string id + 1, 0 = empty */
    size_t hcap;

    struct node *nodes;
    size_t nnodes, capnodes;
    struct stmt *stmts;
    size_t nstmts, capstmts;
    struct sym *syms;
    size_t nsyms, capsyms;
    struct region *regions;
    size_t nregions, capregions;
    struct alias *aliases;
    size_t naliases, capaliases;

    struct diag *pdiags;   /* from parsing: kept */
    size_t npdiags, cappdiags, pdiag_tries;
    struct diag *ediags;   /* from evaluation: redone each time */
    size_t nediags, capediags, ediag_tries;
    uint32_t seq, order;
    int nomem;

    struct ldscript_region *pub_regions;
    size_t npub_regions;
    struct ldscript_symbol *pub_syms;
    size_t npub_syms;
    const char **pub_diags;
    size_t npub_diags;

    int eval_depth;
    int depth_reported;
    uint32_t *work;        /* statements to evaluate from the top */
    size_t nwork, capwork;
    int includes_this_load;
    size_t bytes_this_load;
    uint32_t defsym_file;
};

struct parser {
    struct ldscript *ld;
    struct lexer *lx;
    const char *cur_path;
    int include_depth;
    /* The files being read, outermost first: their real paths (to find an
     * INCLUDE cycle) and their names as given (to show it). */
    char *open_real[MAX_INCLUDE_DEPTH + 1];
    uint32_t open_fid[MAX_INCLUDE_DEPTH + 1];
    int nopen;
    int expr_depth;
    size_t constructs;
    int depth_reported, count_reported;
};

struct ectx {
    uint32_t pos;    /* statement index: references see earlier values */
    int in_osec;
    int quiet;
    int32_t region;  /* region being evaluated in MEMORY, or NONE */
};

/* ---- memory ---- */

/* Make room for need elements; returns the (maybe moved) array or NULL. */
static void *grow(struct ldscript *ld, void *p, size_t *cap, size_t need,
                  size_t elem)
{
    if (need <= *cap) {
        return p;
    }
    size_t nc = *cap ? *cap : 8;
    while (nc < need) {
        if (nc > SIZE_MAX / 4 / elem) {
            ld->nomem = 1;
            return NULL;
        }
        nc *= 2;
    }
    void *q = realloc(p, nc * elem);
    if (q == NULL) {
        ld->nomem = 1;
        return NULL;
    }
    *cap = nc;
    return q;
}

#define GROW(ld, arr, n, cap)                                                \
    (((n) < (cap)) ||                                                        \
     ((tmp_ = grow((ld), (arr), &(cap), (n) + 1, sizeof *(arr))) != NULL &&  \
      ((arr) = tmp_, 1)))

/* ---- strings ---- */

static uint32_t str_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    }
    return h;
}

static int32_t str_find(const struct ldscript *ld, const char *s, size_t n)
{
    if (ld->hcap == 0) {
        return NONE;
    }
    uint32_t h = str_hash(s, n);
    for (size_t i = h & (ld->hcap - 1);; i = (i + 1) & (ld->hcap - 1)) {
        uint32_t e = ld->htab[i];
        if (e == 0) {
            return NONE;
        }
        const struct str *st = &ld->strs[e - 1];
        if (st->hash == h && st->len == n && memcmp(st->s, s, n) == 0) {
            return (int32_t)(e - 1);
        }
    }
}

static int rehash(struct ldscript *ld, size_t ncap)
{
    uint32_t *t = calloc(ncap, sizeof *t);
    if (t == NULL) {
        ld->nomem = 1;
        return -1;
    }
    for (size_t id = 0; id < ld->nstrs; id++) {
        size_t i = ld->strs[id].hash & (ncap - 1);
        while (t[i] != 0) {
            i = (i + 1) & (ncap - 1);
        }
        t[i] = (uint32_t)id + 1;
    }
    free(ld->htab);
    ld->htab = t;
    ld->hcap = ncap;
    return 0;
}

/* The id of the string s[0..n), added if new; NONE when out of memory. */
static int32_t intern(struct ldscript *ld, const char *s, size_t n)
{
    int32_t id = str_find(ld, s, n);
    if (id != NONE) {
        return id;
    }
    if ((ld->nstrs + 1) * 2 > ld->hcap &&
        rehash(ld, ld->hcap ? ld->hcap * 2 : 64) < 0) {
        return NONE;
    }
    void *tmp_;
    if (!GROW(ld, ld->strs, ld->nstrs, ld->capstrs)) {
        return NONE;
    }
    char *c = malloc(n + 1);
    if (c == NULL) {
        ld->nomem = 1;
        return NONE;
    }
    memcpy(c, s, n);
    c[n] = '\0';
    struct str *st = &ld->strs[ld->nstrs];
    st->s = c;
    st->len = n;
    st->hash = str_hash(s, n);
    st->sym = st->region = st->alias = NONE;
    size_t i = st->hash & (ld->hcap - 1);
    while (ld->htab[i] != 0) {
        i = (i + 1) & (ld->hcap - 1);
    }
    ld->htab[i] = (uint32_t)ld->nstrs + 1;
    return (int32_t)ld->nstrs++;
}

static const char *S(const struct ldscript *ld, uint32_t id)
{
    return ld->strs[id].s;
}

/* A printable copy of s (at most about 48 characters) for messages. */
static const char *shown(const char *s, size_t n, char *buf, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 4 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
        if (i == 47 && n > 48) {
            buf[o++] = '.';
            buf[o++] = '.';
            buf[o++] = '.';
            break;
        }
    }
    buf[o] = '\0';
    return buf;
}

static const char *shown_str(const struct ldscript *ld, uint32_t id,
                             char *buf, size_t size)
{
    return shown(ld->strs[id].s, ld->strs[id].len, buf, size);
}

/* ---- diagnostics ---- */

static void vdiag(struct ldscript *ld, int eval, struct loc loc,
                  const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
static void vdiag(struct ldscript *ld, int eval, struct loc loc,
                  const char *fmt, va_list ap)
{
    struct diag **arr = eval ? &ld->ediags : &ld->pdiags;
    size_t *n = eval ? &ld->nediags : &ld->npdiags;
    size_t *cap = eval ? &ld->capediags : &ld->cappdiags;
    size_t *tries = eval ? &ld->ediag_tries : &ld->pdiag_tries;
    char body[400], text[600];

    (*tries)++;
    if (*n > MAX_DIAGS) {
        return;
    }
    if (*n == MAX_DIAGS) {
        loc.seq = UINT32_MAX;
        snprintf(text, sizeof text, "%s: too many problems; the rest are "
                 "not listed", S(ld, loc.file));
    } else {
        vsnprintf(body, sizeof body, fmt, ap);
        snprintf(text, sizeof text, "%s:%u:%u: %s", S(ld, loc.file),
                 (unsigned)loc.line, (unsigned)loc.col, body);
    }
    struct diag *d = grow(ld, *arr, cap, *n + 1, sizeof **arr);
    if (d == NULL) {
        return;
    }
    *arr = d;
    char *t = strdup(text);
    if (t == NULL) {
        ld->nomem = 1;
        return;
    }
    d[*n].seq = loc.seq;
    d[*n].order = ld->order++;
    d[*n].text = t;
    (*n)++;
}

static void pdiag(struct parser *p, struct loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void pdiag(struct parser *p, struct loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vdiag(p->ld, 0, loc, fmt, ap);
    va_end(ap);
}

static void ediag(struct ldscript *ld, struct loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void ediag(struct ldscript *ld, struct loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vdiag(ld, 1, loc, fmt, ap);
    va_end(ap);
}

/* ---- lexer ---- */

static int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_word_start(int c)
{
    return is_alpha(c) || c == '_' || c == '.' || c == '\\' || c == '$';
}

static int is_word_char(int c)
{
    return is_alpha(c) || is_digit(c) || c == '_' || c == '.' ||
           c == '\\' || c == '$' || c == '~' || c == '/';
}

static int is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static void lexer_init(struct lexer *lx, const char *text, size_t len,
                       uint32_t file, unsigned line)
{
    memset(lx, 0, sizeof *lx);
    lx->text = text;
    lx->len = len;
    lx->file = file;
    lx->line = line;
    lx->bol = 1;
}

static struct loc lx_loc(struct parser *p, const struct lexer *lx)
{
    struct loc l;
    l.file = lx->file;
    l.line = lx->line;
    l.col = (uint32_t)(lx->pos - lx->line_start + 1);
    l.seq = ++p->ld->seq;
    return l;
}

static void lx_newline(struct lexer *lx)
{
    lx->line++;
    lx->line_start = lx->pos;
    lx->bol = 1;
}

/* Skip blanks, newlines, comments and preprocessor lines. */
static void skip_blank(struct parser *p, struct lexer *lx)
{
    const char *t = lx->text;
    while (lx->pos < lx->len) {
        char c = t[lx->pos];
        if (is_blank(c)) {
            lx->pos++;
        } else if (c == '\n') {
            lx->pos++;
            lx_newline(lx);
        } else if (c == '/' && lx->pos + 1 < lx->len && t[lx->pos + 1] == '*') {
            struct loc open = lx_loc(p, lx);
            lx->pos += 2;
            for (;;) {
                if (lx->pos + 1 >= lx->len) {
                    lx->pos = lx->len;
                    pdiag(p, open, "comment opened here is never closed");
                    return;
                }
                if (t[lx->pos] == '*' && t[lx->pos + 1] == '/') {
                    lx->pos += 2;
                    break;
                }
                lx->pos++;
                if (t[lx->pos - 1] == '\n') {
                    lx_newline(lx);
                }
            }
        } else if (c == '/' && lx->pos + 1 < lx->len && t[lx->pos + 1] == '/') {
            while (lx->pos < lx->len && t[lx->pos] != '\n') {
                lx->pos++;
            }
        } else if (c == '#' && lx->bol) {
            if (!lx->pp_reported) {
                lx->pp_reported = 1;
                pdiag(p, lx_loc(p, lx), "C preprocessor lines are skipped "
                      "(both branches of an #if are read; give the "
                      "preprocessed script for exact results)");
            }
            for (;;) {
                while (lx->pos < lx->len && t[lx->pos] != '\n') {
                    lx->pos++;
                }
                size_t e = lx->pos;
                while (e > lx->line_start && (t[e - 1] == '\r' ||
                                              t[e - 1] == ' ')) {
                    e--;
                }
                if (lx->pos >= lx->len || e == lx->line_start ||
                    t[e - 1] != '\\') {
                    break;
                }
                lx->pos++;
                lx_newline(lx);
            }
        } else {
            return;
        }
    }
}

static const char *const punct3[] = {"<<=", ">>="};
static const int punct3_code[] = {P_LSHEQ, P_RSHEQ};
static const char *const punct2[] = {"<<", ">>", "<=", ">=", "==", "!=",
                                     "&&", "||", "+=", "-=", "*=", "/=",
                                     "&=", "|="};
static const int punct2_code[] = {P_LSH, P_RSH, P_LE, P_GE, P_EQ,
                                  P_NE, P_ANDAND, P_OROR, P_PLUSEQ,
                                  P_MINUSEQ, P_MULEQ, P_DIVEQ, P_ANDEQ,
                                  P_OREQ};

static int is_token_start(const struct lexer *lx, size_t i)
{
    unsigned char c = (unsigned char)lx->text[i];
    return c == '\n' || is_blank(c) || is_word_start(c) || is_digit(c) ||
           c == '"' || (c == '#' && lx->bol) ||
           (c != '\0' && strchr("(){};,:=!~?+-*/%<>&|^[]", c) != NULL);
}

static void lex_one(struct parser *p, struct lexer *lx, struct tok *tk)
{
    const char *t = lx->text;
    for (;;) {
        skip_blank(p, lx);
        memset(tk, 0, sizeof *tk);
        tk->bol = lx->bol;
        tk->off = lx->pos;
        tk->loc = lx_loc(p, lx);
        tk->s = t + lx->pos;
        if (lx->pos >= lx->len) {
            tk->type = T_EOF;
            return;
        }
        unsigned char c = (unsigned char)t[lx->pos];
        size_t st = lx->pos;
        if (c == '"') {
            size_t e = st + 1;
            while (e < lx->len && t[e] != '"' && t[e] != '\n' && t[e] != '\0') {
                e++;
            }
            tk->type = T_STR;
            tk->s = t + st + 1;
            tk->len = e - st - 1;
            if (e < lx->len && t[e] == '"') {
                lx->pos = e + 1;
            } else {
                pdiag(p, tk->loc, "string is not closed on its line");
                lx->pos = e;
            }
        } else if (is_digit(c) ||
                   (c == '$' && st + 1 < lx->len &&
                    fmt_hex_digit((unsigned char)t[st + 1]) >= 0)) {
            size_t e = st + 1;
            while (e < lx->len && (is_alpha(t[e]) || is_digit(t[e]) ||
                                   t[e] == '_')) {
                e++;
            }
            tk->type = T_NUM;
            tk->len = e - st;
            lx->pos = e;
        } else if (is_word_start(c)) {
            /* As in ld, a slash-star right after a name character is part
             * of the name (a wildcard such as *lib/axtls/ followed by *.o),
             * not a comment; from there on '*' and '?' belong to the name
             * too.  The same holds for two slashes. */
            size_t e = st + 1;
            int wild = 0;
            while (e < lx->len) {
                char ch = t[e];
                if (ch == '/' && e + 1 < lx->len &&
                    (t[e + 1] == '*' || t[e + 1] == '/')) {
                    wild = 1;
                    e += 2;
                } else if (is_word_char(ch) ||
                           (wild && (ch == '*' || ch == '?'))) {
                    e++;
                } else {
                    break;
                }
            }
            tk->type = T_WORD;
            tk->len = e - st;
            lx->pos = e;
        } else {
            size_t left = lx->len - st;
            for (size_t i = 0; i < 2 && !tk->type; i++) {
                if (left >= 3 && memcmp(t + st, punct3[i], 3) == 0) {
                    tk->type = T_PUNCT;
                    tk->punct = punct3_code[i];
                    tk->len = 3;
                }
            }
            for (size_t i = 0; i < sizeof punct2 / sizeof punct2[0] &&
                               !tk->type; i++) {
                if (left >= 2 && memcmp(t + st, punct2[i], 2) == 0) {
                    tk->type = T_PUNCT;
                    tk->punct = punct2_code[i];
                    tk->len = 2;
                }
            }
            if (!tk->type && c != '\0' &&
                strchr("(){};,:=!~?+-*/%<>&|^[]", c) != NULL) {
                tk->type = T_PUNCT;
                tk->punct = c;
                tk->len = 1;
            }
            if (!tk->type) {
                size_t e = st + 1;
                while (e < lx->len && !is_token_start(lx, e)) {
                    e++;
                }
                if (c >= 0x21 && c < 0x7f) {
                    pdiag(p, tk->loc, "unexpected character '%c'", c);
                } else {
                    pdiag(p, tk->loc, "unexpected byte 0x%02x", c);
                }
                lx->pos = e;
                lx->bol = 0;
                continue;
            }
            lx->pos = st + tk->len;
        }
        lx->bol = 0;
        return;
    }
}

/* ---- token stream ---- */

static struct tok *peek(struct parser *p)
{
    struct lexer *lx = p->lx;
    if (lx->nla == 0) {
        lex_one(p, lx, &lx->la[0]);
        lx->nla = 1;
    }
    return &lx->la[0];
}

static struct tok *peek2(struct parser *p)
{
    struct lexer *lx = p->lx;
    peek(p);
    if (lx->nla == 1) {
        if (lx->la[0].type == T_EOF) {
            lx->la[1] = lx->la[0];
        } else {
            lex_one(p, lx, &lx->la[1]);
        }
        lx->nla = 2;
    }
    return &lx->la[1];
}

static struct tok next(struct parser *p)
{
    struct lexer *lx = p->lx;
    struct tok t = *peek(p);
    if (t.type != T_EOF) {
        lx->la[0] = lx->la[1];
        lx->nla--;
    }
    return t;
}

static int is_p(const struct tok *t, int c)
{
    return t->type == T_PUNCT && t->punct == c;
}

static int is_w(const struct tok *t, const char *w)
{
    size_t n = strlen(w);
    return t->type == T_WORD && t->len == n && memcmp(t->s, w, n) == 0;
}

static int is_w_any(const struct tok *t, const char *const *ws)
{
    for (; *ws != NULL; ws++) {
        if (is_w(t, *ws)) {
            return 1;
        }
    }
    return 0;
}

static int assign_op(const struct tok *t)
{
    if (t->type != T_PUNCT) {
        return 0;
    }
    switch (t->punct) {
    case '=': return '=';
    case P_PLUSEQ: return '+';
    case P_MINUSEQ: return '-';
    case P_MULEQ: return '*';
    case P_DIVEQ: return '/';
    case P_LSHEQ: return P_LSH;
    case P_RSHEQ: return P_RSH;
    case P_ANDEQ: return '&';
    case P_OREQ: return '|';
    default: return 0;
    }
}

/* How a token is named in messages. */
static const char *tok_desc(const struct tok *t, char *buf, size_t size)
{
    char tmp[64];
    if (t->type == T_EOF) {
        snprintf(buf, size, "end of file");
    } else if (t->type == T_STR) {
        snprintf(buf, size, "\"%s\"", shown(t->s, t->len, tmp, sizeof tmp));
    } else {
        snprintf(buf, size, "'%s'", shown(t->s, t->len, tmp, sizeof tmp));
    }
    return buf;
}

/* Put back lookahead so that the raw text after the current token can be
 * read (INCLUDE and SEARCH_DIR file names). */
static void unlex(struct lexer *lx)
{
    if (lx->nla > 0) {
        struct tok *t = &lx->la[0];
        lx->pos = t->off;
        lx->line = t->loc.line;
        lx->line_start = t->off - (t->loc.col - 1);
        lx->bol = t->bol;
        lx->nla = 0;
    }
}

/* A file name: a quoted string, or raw characters up to a blank or one of
 * ;{}(),".  Returns 0 if there is none. */
static int lex_filename(struct parser *p, struct tok *tk)
{
    struct lexer *lx = p->lx;
    unlex(lx);
    skip_blank(p, lx);
    memset(tk, 0, sizeof *tk);
    tk->loc = lx_loc(p, lx);
    tk->off = lx->pos;
    if (lx->pos >= lx->len) {
        return 0;
    }
    if (lx->text[lx->pos] == '"') {
        lex_one(p, lx, tk);
        return tk->len > 0;
    }
    size_t st = lx->pos, e = st;
    while (e < lx->len) {
        unsigned char c = (unsigned char)lx->text[e];
        if (c <= ' ' || c == 0x7f || strchr(";{}(),\"", c) != NULL ||
            (c == '/' && e + 1 < lx->len && lx->text[e + 1] == '*')) {
            break;
        }
        e++;
    }
    tk->type = T_WORD;
    tk->s = lx->text + st;
    tk->len = e - st;
    lx->pos = e;
    lx->bol = 0;
    return tk->len > 0;
}

/* ---- numbers ---- */

/* strtoul-like: digits valid in base, saturating; stops at the first
 * invalid one. */
static uint64_t scan_digits(const char *s, size_t n, int base)
{
    uint64_t v = 0;
    int over = 0;
    for (size_t i = 0; i < n; i++) {
        int d = fmt_hex_digit((unsigned char)s[i]);
        if (d < 0 || d >= base) {
            break;
        }
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) {
            over = 1;
        }
        v = v * (uint64_t)base + (uint64_t)d;
    }
    return over ? UINT64_MAX : v;
}

static int all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (fmt_hex_digit((unsigned char)s[i]) < 0) {
            return 0;
        }
    }
    return n > 0;
}

/* ld's "hex digits and a base letter" form (0FFh, 101b, 17o, 99d). */
static int suffix_number(const char *s, size_t n, uint64_t *out)
{
    if (n < 2 || !all_hex(s, n - 1)) {
        return 0;
    }
    int base;
    switch (s[n - 1]) {
    case 'h': case 'H': case 'x': case 'X': base = 16; break;
    case 'o': case 'O': base = 8; break;
    case 'b': case 'B': base = 2; break;
    case 'd': case 'D': base = 10; break;
    default: return 0;
    }
    *out = scan_digits(s, n - 1, base);
    return 1;
}

/* A number token as GNU ld reads it; 0 if it is not one. */
static int parse_number(const char *s, size_t n, uint64_t *out)
{
    if (suffix_number(s, n, out)) {
        return 1;
    }
    uint64_t mul = 1;
    if (n > 1 && (s[n - 1] == 'K' || s[n - 1] == 'k')) {
        mul = 1024;
        n--;
    } else if (n > 1 && (s[n - 1] == 'M' || s[n - 1] == 'm')) {
        mul = 1024 * 1024;
        n--;
    }
    uint64_t v;
    if (s[0] == '$') {
        if (!all_hex(s + 1, n - 1)) {
            return 0;
        }
        v = scan_digits(s + 1, n - 1, 16);
    } else if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        if (!all_hex(s + 2, n - 2)) {
            return 0;
        }
        v = scan_digits(s + 2, n - 2, 16);
    } else {
        for (size_t i = 0; i < n; i++) {
            if (!is_digit(s[i])) {
                return 0;
            }
        }
        v = s[0] == '0' ? scan_digits(s, n, 8) : scan_digits(s, n, 10);
    }
    *out = v * mul;
    return 1;
}

/* ---- building ---- */

static int32_t sym_get(struct ldscript *ld, int32_t name)
{
    if (name == NONE) {
        return NONE;
    }
    struct str *st = &ld->strs[name];
    if (st->sym != NONE) {
        return st->sym;
    }
    void *tmp_;
    if (!GROW(ld, ld->syms, ld->nsyms, ld->capsyms)) {
        return NONE;
    }
    struct sym *s = &ld->syms[ld->nsyms];
    memset(s, 0, sizeof *s);
    s->name = (uint32_t)name;
    s->pub = NONE;
    ld->strs[name].sym = (int32_t)ld->nsyms;
    return (int32_t)ld->nsyms++;
}

static int32_t new_node(struct parser *p, int op, struct loc loc)
{
    struct ldscript *ld = p->ld;
    void *tmp_;
    if (!GROW(ld, ld->nodes, ld->nnodes, ld->capnodes)) {
        return NONE;
    }
    struct node *n = &ld->nodes[ld->nnodes];
    memset(n, 0, sizeof *n);
    n->op = (uint8_t)op;
    n->a = n->b = n->c = NONE;
    n->loc = loc;
    n->height = 1;
    return (int32_t)ld->nnodes++;
}

/* Set the children of node n; fails when the tree gets too tall. */
static int32_t set_kids(struct parser *p, int32_t n, int32_t a, int32_t b,
                        int32_t c)
{
    struct ldscript *ld = p->ld;
    if (n == NONE) {
        return NONE;
    }
    struct node *nd = &ld->nodes[n];
    nd->a = a;
    nd->b = b;
    nd->c = c;
    uint32_t h = 0;
    int32_t kids[3] = {a, b, c};
    for (int i = 0; i < 3; i++) {
        if (kids[i] != NONE && ld->nodes[kids[i]].height > h) {
            h = ld->nodes[kids[i]].height;
        }
    }
    nd->height = h + 1;
    if (nd->height > MAX_NODE_HEIGHT) {
        pdiag(p, nd->loc, "expression is too long (more than %d levels)",
              MAX_NODE_HEIGHT);
        return NONE;
    }
    return n;
}

/* ---- expressions ---- */

static int32_t parse_expr(struct parser *p, int minprec);

static int binop_prec(const struct tok *t)
{
    if (t->type != T_PUNCT) {
        return 0;
    }
    switch (t->punct) {
    case '?': return 1;
    case P_OROR: return 2;
    case P_ANDAND: return 3;
    case '|': return 4;
    case '^': return 5;
    case '&': return 6;
    case P_EQ: case P_NE: return 7;
    case '<': case '>': case P_LE: case P_GE: return 8;
    case P_LSH: case P_RSH: return 9;
    case '+': case '-': return 10;
    case '*': case '/': case '%': return 11;
    default: return 0;
    }
}

static int expect(struct parser *p, int c, const char *what)
{
    struct tok *t = peek(p);
    if (!is_p(t, c)) {
        char d[80];
        pdiag(p, t->loc, "expected '%c' %s, found %s", c, what,
              tok_desc(t, d, sizeof d));
        return 0;
    }
    next(p);
    return 1;
}

/* '(' NAME ')' where NAME is a word or a string: returns its string id. */
static int32_t parse_name_arg(struct parser *p, const char *fn)
{
    char d[80];
    if (!expect(p, '(', fn)) {
        return NONE;
    }
    struct tok *t = peek(p);
    if (t->type != T_WORD && t->type != T_STR) {
        pdiag(p, t->loc, "expected a name %s, found %s", fn,
              tok_desc(t, d, sizeof d));
        return NONE;
    }
    int32_t id = intern(p->ld, t->s, t->len);
    next(p);
    if (id == NONE || !expect(p, ')', fn)) {
        return NONE;
    }
    return id;
}

/* Skip a balanced "( ... )"; the '(' is next. */
static int skip_parens(struct parser *p, const char *what)
{
    struct tok open = next(p);
    int depth = 1;
    for (;;) {
        struct tok t = next(p);
        if (t.type == T_EOF) {
            pdiag(p, open.loc, "'(' %s is not closed", what);
            return 0;
        }
        if (is_p(&t, '(')) {
            depth++;
        } else if (is_p(&t, ')') && --depth == 0) {
            return 1;
        }
    }
}

enum { F_NAME_REGION, F_NAME_SECTION, F_DEFINED, F_CONSTANT, F_UNARY1,
       F_ALIGN, F_BINARY2, F_SEGSTART, F_ASSERT };

struct func {
    const char *name;
    int form;
    int op;
};

static const struct func funcs[] = {
    {"ORIGIN", F_NAME_REGION, N_ORIGIN},
    {"LENGTH", F_NAME_REGION, N_LENGTH},
    {"ADDR", F_NAME_SECTION, 0},
    {"LOADADDR", F_NAME_SECTION, 0},
    {"SIZEOF", F_NAME_SECTION, 0},
    {"ALIGNOF", F_NAME_SECTION, 0},
    {"DEFINED", F_DEFINED, 0},
    {"CONSTANT", F_CONSTANT, 0},
    {"ABSOLUTE", F_UNARY1, N_ABSOLUTE},
    {"LOG2CEIL", F_UNARY1, N_LOG2CEIL},
    {"NEXT", F_UNARY1, N_OPAQUE},
    {"BLOCK", F_UNARY1, N_OPAQUE},
    {"DATA_SEGMENT_END", F_UNARY1, N_OPAQUE},
    {"ALIGN", F_ALIGN, 0},
    {"MAX", F_BINARY2, OP_MAX},
    {"MIN", F_BINARY2, OP_MIN},
    {"DATA_SEGMENT_ALIGN", F_BINARY2, 0},
    {"DATA_SEGMENT_RELRO_END", F_BINARY2, 0},
    {"SEGMENT_START", F_SEGSTART, 0},
    {"ASSERT", F_ASSERT, 0},
};

static int32_t parse_call(struct parser *p, const struct func *f,
                          struct tok name)
{
    struct ldscript *ld = p->ld;
    char what[48];
    snprintf(what, sizeof what, "after %s", f->name);
    int32_t n, a = NONE, b = NONE, id;
    switch (f->form) {
    case F_NAME_REGION:
        id = parse_name_arg(p, what);
        n = new_node(p, f->op, name.loc);
        if (id == NONE || n == NONE) {
            return NONE;
        }
        ld->nodes[n].name = (uint32_t)id;
        return n;
    case F_NAME_SECTION:
        if (!is_p(peek(p), '(')) {
            expect(p, '(', what);
            return NONE;
        }
        if (!skip_parens(p, what)) {
            return NONE;
        }
        return new_node(p, N_OPAQUE, name.loc);
    case F_DEFINED:
        id = parse_name_arg(p, what);
        n = new_node(p, N_DEFINED, name.loc);
        if (id == NONE || n == NONE) {
            return NONE;
        }
        ld->nodes[n].name = (uint32_t)id;
        ld->nodes[n].a = sym_get(ld, id);
        return ld->nodes[n].a == NONE ? NONE : n;
    case F_CONSTANT:
        if (parse_name_arg(p, what) == NONE) {
            return NONE;
        }
        return new_node(p, N_OPAQUE, name.loc);
    default:
        break;
    }
    if (!expect(p, '(', what)) {
        return NONE;
    }
    if (f->form == F_SEGSTART) {
        struct tok *t = peek(p);
        if (t->type != T_WORD && t->type != T_STR) {
            char d[80];
            pdiag(p, t->loc, "expected a segment name after SEGMENT_START, "
                  "found %s", tok_desc(t, d, sizeof d));
            return NONE;
        }
        next(p);
        if (!expect(p, ',', "after the segment name")) {
            return NONE;
        }
    }
    a = parse_expr(p, 0);
    if (a == NONE) {
        return NONE;
    }
    int two = f->form == F_BINARY2 ||
              (f->form == F_ALIGN && is_p(peek(p), ','));
    if (f->form == F_ASSERT) {
        if (!expect(p, ',', "in ASSERT")) {
            return NONE;
        }
        struct tok *t = peek(p);
        if (t->type != T_WORD && t->type != T_STR) {
            char d[80];
            pdiag(p, t->loc, "expected the ASSERT message, found %s",
                  tok_desc(t, d, sizeof d));
            return NONE;
        }
        id = intern(ld, t->s, t->len);
        next(p);
        if (id == NONE || !expect(p, ')', "after the ASSERT message")) {
            return NONE;
        }
        n = new_node(p, N_ASSERT, name.loc);
        if (n != NONE) {
            ld->nodes[n].name = (uint32_t)id;
        }
        return set_kids(p, n, a, NONE, NONE);
    }
    if (two) {
        if (!expect(p, ',', what)) {
            return NONE;
        }
        b = parse_expr(p, 0);
        if (b == NONE) {
            return NONE;
        }
    }
    if (!expect(p, ')', what)) {
        return NONE;
    }
    switch (f->form) {
    case F_UNARY1:
        n = new_node(p, f->op, name.loc);
        return set_kids(p, n, a, NONE, NONE);
    case F_ALIGN:
        if (!two) {
            /* ALIGN(x) aligns '.' */
            return set_kids(p, new_node(p, N_OPAQUE, name.loc), a, NONE,
                            NONE);
        }
        n = new_node(p, N_BINARY, name.loc);
        if (n != NONE) {
            ld->nodes[n].sub = OP_ALIGN;
        }
        return set_kids(p, n, a, b, NONE);
    case F_BINARY2:
        if (f->op == 0) {
            return set_kids(p, new_node(p, N_OPAQUE, name.loc), a, b, NONE);
        }
        n = new_node(p, N_BINARY, name.loc);
        if (n != NONE) {
            ld->nodes[n].sub = f->op;
        }
        return set_kids(p, n, a, b, NONE);
    case F_SEGSTART:
        return set_kids(p, new_node(p, N_SEGSTART, name.loc), a, NONE, NONE);
    default:
        return NONE;
    }
}

static int32_t parse_unary(struct parser *p);

static int32_t parse_primary(struct parser *p)
{
    struct ldscript *ld = p->ld;
    struct tok *t = peek(p);
    char d[80];
    uint64_t v;

    if (t->type == T_NUM) {
        struct tok nt = next(p);
        if (!parse_number(nt.s, nt.len, &v)) {
            pdiag(p, nt.loc, "invalid number %s", tok_desc(&nt, d, sizeof d));
            return NONE;
        }
        int32_t n = new_node(p, N_NUM, nt.loc);
        if (n != NONE) {
            ld->nodes[n].num = v;
        }
        return n;
    }
    if (is_p(t, '(')) {
        next(p);
        int32_t e = parse_expr(p, 0);
        if (e == NONE || !expect(p, ')', "to close '('")) {
            return NONE;
        }
        return e;
    }
    if (t->type != T_WORD && t->type != T_STR) {
        pdiag(p, t->loc, "expected an expression, found %s",
              tok_desc(t, d, sizeof d));
        return NONE;
    }
    struct tok w = next(p);
    if (w.type == T_WORD) {
        if (w.len == 1 && w.s[0] == '.') {
            return new_node(p, N_DOT, w.loc);
        }
        if (suffix_number(w.s, w.len, &v)) {
            int32_t n = new_node(p, N_NUM, w.loc);
            if (n != NONE) {
                ld->nodes[n].num = v;
            }
            return n;
        }
        for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++) {
            if (is_w(&w, funcs[i].name)) {
                if (!is_p(peek(p), '(')) {
                    pdiag(p, peek(p)->loc, "expected '(' after %s",
                          funcs[i].name);
                    return NONE;
                }
                return parse_call(p, &funcs[i], w);
            }
        }
        if (is_w(&w, "SIZEOF_HEADERS") || is_w(&w, "sizeof_headers")) {
            return new_node(p, N_OPAQUE, w.loc);
        }
    }
    /* a symbol, bare or quoted */
    int32_t id = intern(ld, w.s, w.len);
    int32_t s = sym_get(ld, id);
    int32_t n = new_node(p, N_SYM, w.loc);
    if (n == NONE || s == NONE) {
        return NONE;
    }
    ld->nodes[n].name = (uint32_t)id;
    ld->nodes[n].a = s;
    ld->syms[s].referenced = 1;
    return n;
}

static int32_t parse_unary(struct parser *p)
{
    struct tok *t = peek(p);
    if (is_p(t, '-') || is_p(t, '+') || is_p(t, '!') || is_p(t, '~')) {
        struct tok op = next(p);
        if (++p->expr_depth > MAX_EXPR_DEPTH) {
            pdiag(p, op.loc, "expression nested too deeply (more than %d)",
                  MAX_EXPR_DEPTH);
            p->expr_depth--;
            return NONE;
        }
        int32_t a = parse_unary(p);
        p->expr_depth--;
        if (a == NONE || op.punct == '+') {
            return a;
        }
        int32_t n = new_node(p, N_UNARY, op.loc);
        if (n != NONE) {
            p->ld->nodes[n].sub = op.punct;
        }
        return set_kids(p, n, a, NONE, NONE);
    }
    return parse_primary(p);
}

/* Precedence climbing; returns a node or NONE after one diagnostic. */
static int32_t parse_expr(struct parser *p, int minprec)
{
    if (++p->expr_depth > MAX_EXPR_DEPTH) {
        pdiag(p, peek(p)->loc, "expression nested too deeply (more than %d)",
              MAX_EXPR_DEPTH);
        p->expr_depth--;
        return NONE;
    }
    int32_t lhs = parse_unary(p);
    while (lhs != NONE) {
        struct tok *t = peek(p);
        int prec = binop_prec(t);
        if (prec == 0 || prec < minprec) {
            break;
        }
        struct tok op = next(p);
        if (op.punct == '?') {
            int32_t mid = parse_expr(p, 0);
            if (mid == NONE || !expect(p, ':', "in '?:'")) {
                lhs = NONE;
                break;
            }
            int32_t rhs = parse_expr(p, prec);
            int32_t n = rhs == NONE ? NONE : new_node(p, N_TERN, op.loc);
            lhs = set_kids(p, n, lhs, mid, rhs);
        } else {
            int32_t rhs = parse_expr(p, prec + 1);
            int32_t n = rhs == NONE ? NONE : new_node(p, N_BINARY, op.loc);
            if (n != NONE) {
                p->ld->nodes[n].sub = op.punct;
            }
            lhs = set_kids(p, n, lhs, rhs, NONE);
        }
    }
    p->expr_depth--;
    return lhs;
}

/* ---- statements ---- */

enum { CTX_TOP, CTX_MEMORY, CTX_SECTIONS };

static const char *const top_keywords[] = {
    "MEMORY", "SECTIONS", "PHDRS", "REGION_ALIAS", "ENTRY", "OUTPUT_FORMAT",
    "OUTPUT_ARCH", "SEARCH_DIR", "VERSION", NULL
};

static const char *const stmt_keywords[] = {
    "INCLUDE", "PROVIDE", "PROVIDE_HIDDEN", "HIDDEN", "ASSERT", NULL
};

/* A token where skipping after an error may stop: a statement start at
 * the beginning of a line. */
static int resync_point(struct parser *p, int nest)
{
    struct tok *t = peek(p);
    if (!t->bol || t->type != T_WORD) {
        return 0;
    }
    if (is_w_any(t, top_keywords)) {
        return 1;
    }
    if (nest > 0) {
        return 0;
    }
    if (is_w_any(t, stmt_keywords)) {
        return 1;
    }
    return assign_op(peek2(p)) != 0;
}

/* After an error at top level or in SECTIONS: skip to the next ';' (eaten)
 * or to a statement start; in SECTIONS also stop before a brace. */
static void resync(struct parser *p, int ctx)
{
    int nest = 0;
    int first = 1;
    for (;;) {
        struct tok *t = peek(p);
        if (t->type == T_EOF) {
            return;
        }
        if (!first && resync_point(p, nest)) {
            return;
        }
        first = 0;
        if (ctx == CTX_SECTIONS && nest == 0 &&
            (is_p(t, '{') || is_p(t, '}'))) {
            return;
        }
        if (is_p(t, ';') && nest == 0) {
            next(p);
            return;
        }
        if (is_p(t, '(') || is_p(t, '{')) {
            nest++;
        } else if ((is_p(t, ')') || is_p(t, '}')) && nest > 0) {
            nest--;
        } else if (is_p(t, '}') && ctx == CTX_TOP) {
            next(p);
            return;
        }
        next(p);
    }
}

static int add_stmt(struct parser *p, int kind, int op, int32_t sym,
                    int32_t expr, int in_sections, int in_osec,
                    struct loc loc, uint32_t msg)
{
    struct ldscript *ld = p->ld;
    void *tmp_;
    if (sym == NONE || !GROW(ld, ld->stmts, ld->nstmts, ld->capstmts)) {
        return -1;
    }
    struct stmt *st = &ld->stmts[ld->nstmts++];
    memset(st, 0, sizeof *st);
    st->kind = (uint8_t)kind;
    st->op = op;
    st->sym = (uint32_t)sym;
    st->expr = expr;
    st->in_sections = (uint8_t)in_sections;
    st->in_osec = (uint8_t)in_osec;
    st->loc = loc;
    st->msg = msg;
    return 0;
}

static void end_statement(struct parser *p)
{
    struct tok *t = peek(p);
    if (is_p(t, ';') || is_p(t, ',')) {
        next(p);
    } else {
        char d[80];
        pdiag(p, t->loc, "expected ';' after the assignment, found %s",
              tok_desc(t, d, sizeof d));
    }
}

/* NAME op= expr ;  or  PROVIDE|PROVIDE_HIDDEN|HIDDEN ( NAME = expr ) ; */
static void parse_assignment(struct parser *p, int ctx, int in_sections,
                             int in_osec)
{
    struct ldscript *ld = p->ld;
    char d[80];
    struct tok t = next(p);
    int kind = S_ASSIGN, wrapped = 0;
    if ((is_w(&t, "PROVIDE") || is_w(&t, "PROVIDE_HIDDEN") ||
         is_w(&t, "HIDDEN")) && is_p(peek(p), '(')) {
        wrapped = 1;
        kind = is_w(&t, "HIDDEN") ? S_ASSIGN : S_PROVIDE;
        next(p);
        t = next(p);
    }
    if (t.type != T_WORD && t.type != T_STR) {
        pdiag(p, t.loc, "expected a symbol name, found %s",
              tok_desc(&t, d, sizeof d));
        resync(p, ctx);
        return;
    }
    int is_dot = t.type == T_WORD && t.len == 1 && t.s[0] == '.';
    struct tok *o = peek(p);
    int op = assign_op(o);
    if (op == 0 || (wrapped && op != '=')) {
        char n[64];
        pdiag(p, o->loc, "expected '=' after '%s', found %s",
              shown(t.s, t.len, n, sizeof n), tok_desc(o, d, sizeof d));
        resync(p, ctx);
        return;
    }
    next(p);
    int32_t e = parse_expr(p, 0);
    if (e == NONE || (wrapped && !expect(p, ')', "to close the PROVIDE"))) {
        resync(p, ctx);
        return;
    }
    end_statement(p);
    p->constructs++;
    if (!is_dot) {
        int32_t id = intern(ld, t.s, t.len);
        add_stmt(p, kind, op, sym_get(ld, id), e, in_sections, in_osec,
                 t.loc, 0);
    }
}

/* ASSERT ( expr , message ) */
static void parse_assert(struct parser *p, int ctx, int in_sections,
                         int in_osec)
{
    struct ldscript *ld = p->ld;
    struct tok kw = next(p);
    int32_t e = NONE;
    int32_t msg = NONE;
    if (expect(p, '(', "after ASSERT") && (e = parse_expr(p, 0)) != NONE &&
        expect(p, ',', "in ASSERT")) {
        struct tok *t = peek(p);
        if (t->type == T_WORD || t->type == T_STR) {
            msg = intern(ld, t->s, t->len);
            next(p);
        } else {
            char d[80];
            pdiag(p, t->loc, "expected the ASSERT message, found %s",
                  tok_desc(t, d, sizeof d));
        }
    }
    if (e == NONE || msg == NONE ||
        !expect(p, ')', "after the ASSERT message")) {
        resync(p, ctx);
        return;
    }
    if (is_p(peek(p), ';') || is_p(peek(p), ',')) {
        next(p);
    }
    p->constructs++;
    int32_t s = sym_get(ld, msg);
    add_stmt(p, S_ASSERT, '=', s, e, in_sections, in_osec, kw.loc,
             (uint32_t)msg);
}

/* ---- INCLUDE ---- */

static void parse_top(struct parser *p, int in_include);
static void parse_memory_specs(struct parser *p, int in_include,
                               struct loc open);
static void scan_sections(struct parser *p, int base, int in_include,
                          struct loc open);

static int is_abs_path(const char *s)
{
    return s[0] == '/';
}

/* Read a regular file of at most MAX_FILE_SIZE bytes.  Returns RC_OK,
 * RC_NOTFOUND or RC_IO (*err: errno, or -1 not regular, -2 too big). */
static int fs_read(const char *path, char **text_out, size_t *len_out,
                   int *err)
{
    *err = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        *err = errno;
        return (errno == ENOENT || errno == ENOTDIR) ? RC_NOTFOUND : RC_IO;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        *err = errno;
        close(fd);
        return RC_IO;
    }
    if (!S_ISREG(sb.st_mode)) {
        *err = -1;
        close(fd);
        return RC_IO;
    }
    if (sb.st_size > (off_t)MAX_FILE_SIZE) {
        *err = -2;
        close(fd);
        return RC_IO;
    }
    size_t cap = (size_t)sb.st_size + 1, n = 0;
    char *buf = malloc(cap);
    if (buf == NULL) {
        close(fd);
        return RC_NOMEM;
    }
    for (;;) {
        if (n == cap) {
            if (cap > MAX_FILE_SIZE) {
                *err = -2;
                free(buf);
                close(fd);
                return RC_IO;
            }
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                close(fd);
                return RC_NOMEM;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            *err = errno;
            free(buf);
            close(fd);
            return RC_IO;
        }
        if (r == 0) {
            break;
        }
        n += (size_t)r;
    }
    close(fd);
    *text_out = buf;
    *len_out = n;
    return RC_OK;
}

static int read_one(struct ldscript *ld, const char *path, char **text,
                    size_t *len, char *why, size_t whysz)
{
    int err = 0;
    int rc;
    if (ld->has_reader) {
        *text = NULL;
        *len = 0;
        rc = ld->reader.read(ld->reader.ctx, path, text, len);
        if (rc == RC_OK && *text == NULL) {
            rc = RC_IO;
        }
        snprintf(why, whysz, "%s", rc_name(rc));
        return rc;
    }
    rc = fs_read(path, text, len, &err);
    if (err == -1) {
        snprintf(why, whysz, "not a regular file");
    } else if (err == -2) {
        snprintf(why, whysz, "larger than %u MiB", MAX_FILE_SIZE >> 20);
    } else if (rc == RC_NOMEM) {
        snprintf(why, whysz, "out of memory");
    } else {
        snprintf(why, whysz, "%s", strerror(err));
    }
    return rc;
}

static char *join_path(const char *dir, size_t dlen, const char *name)
{
    size_t nlen = strlen(name);
    char *s = malloc(dlen + nlen + 2);
    if (s == NULL) {
        return NULL;
    }
    memcpy(s, dir, dlen);
    size_t o = dlen;
    if (o > 0 && s[o - 1] != '/') {
        s[o++] = '/';
    }
    memcpy(s + o, name, nlen + 1);
    return s;
}

/*
 * Find and read name: as given, then in each search dir, then (if from is
 * not NULL) next to the file from.  On RC_OK *path_out is the path used
 * (malloc'd).  On failure why says what went wrong and looked lists the
 * places tried.
 */
static int find_file(struct ldscript *ld, const char *name, const char *from,
                     char **path_out, char **text, size_t *len, char *why,
                     size_t whysz, char *looked, size_t lookedsz)
{
    size_t ncand = 1 + ld->ndirs + 1;
    size_t lo = 0;
    looked[0] = '\0';
    for (size_t i = 0; i < ncand; i++) {
        char *cand;
        if (i == 0) {
            cand = strdup(name);
        } else if (is_abs_path(name)) {
            break;
        } else if (i <= ld->ndirs) {
            cand = join_path(ld->dirs[i - 1], strlen(ld->dirs[i - 1]), name);
        } else {
            const char *slash = from ? strrchr(from, '/') : NULL;
            if (slash == NULL) {
                break;
            }
            cand = join_path(from, (size_t)(slash - from) + 1, name);
        }
        if (cand == NULL) {
            ld->nomem = 1;
            snprintf(why, whysz, "out of memory");
            return RC_NOMEM;
        }
        int rc = read_one(ld, cand, text, len, why, whysz);
        if (rc == RC_OK) {
            *path_out = cand;
            return RC_OK;
        }
        if (lo + 4 < lookedsz) {
            int w = snprintf(looked + lo, lookedsz - lo, "%s%s",
                             i ? ", " : "", cand);
            lo += w > 0 ? (size_t)w : 0;
            if (lo >= lookedsz) {
                lo = lookedsz - 1;
            }
        }
        if (rc != RC_NOTFOUND) {
            snprintf(looked, lookedsz, "%s", cand);
            free(cand);
            if (rc == RC_NOMEM) {
                ld->nomem = 1;
            }
            return rc;
        }
        free(cand);
    }
    return RC_NOTFOUND;
}

/* Note a file as open (its real path when it has one); 0 when there is no
 * room or memory, and then the caller does not read it. */
static int open_push(struct parser *p, const char *path, uint32_t fid)
{
    if (p->nopen > MAX_INCLUDE_DEPTH) {
        return 0;
    }
    char *real = realpath(path, NULL);
    if (real == NULL) {
        real = strdup(path);
    }
    if (real == NULL) {
        p->ld->nomem = 1;
        return 0;
    }
    p->open_real[p->nopen] = real;
    p->open_fid[p->nopen] = fid;
    p->nopen++;
    return 1;
}

static void open_pop(struct parser *p)
{
    if (p->nopen > 0) {
        p->nopen--;
        free(p->open_real[p->nopen]);
        p->open_real[p->nopen] = NULL;
    }
}

/* If path is one of the files being read, the index of it, else -1. */
static int open_find(const struct parser *p, const char *path)
{
    char *real = realpath(path, NULL);
    const char *key = real ? real : path;
    int at = -1;
    for (int i = 0; i < p->nopen && at < 0; i++) {
        if (strcmp(p->open_real[i], key) == 0) {
            at = i;
        }
    }
    free(real);
    return at;
}

/* INCLUDE file, read in the context it appears in. */
static void do_include(struct parser *p, int ctx, int depth)
{
    struct ldscript *ld = p->ld;
    struct tok kw = next(p);
    struct tok f;
    char shown_name[64], why[128], looked[400];
    if (!lex_filename(p, &f)) {
        pdiag(p, kw.loc, "INCLUDE needs a file name");
        return;
    }
    p->constructs++;
    char *name = strndup(f.s, f.len);
    if (name == NULL) {
        ld->nomem = 1;
        return;
    }
    shown(f.s, f.len, shown_name, sizeof shown_name);
    if (p->include_depth >= MAX_INCLUDE_DEPTH) {
        if (!p->depth_reported) {
            p->depth_reported = 1;
            pdiag(p, f.loc, "INCLUDE nested too deeply (loop?): '%s' is "
                  "not read (limit %d)", shown_name, MAX_INCLUDE_DEPTH);
        }
        free(name);
        return;
    }
    if (ld->includes_this_load >= MAX_INCLUDES) {
        if (!p->count_reported) {
            p->count_reported = 1;
            pdiag(p, f.loc, "too many INCLUDEs (more than %d): '%s' is not "
                  "read", MAX_INCLUDES, shown_name);
        }
        free(name);
        return;
    }
    char *path = NULL, *text = NULL;
    size_t len = 0;
    int rc = find_file(ld, name, p->cur_path, &path, &text, &len, why,
                       sizeof why, looked, sizeof looked);
    free(name);
    if (rc == RC_NOTFOUND) {
        pdiag(p, f.loc, "cannot find INCLUDE file '%s' (looked for %s)",
              shown_name, looked);
        return;
    }
    if (rc != RC_OK) {
        pdiag(p, f.loc, "cannot read INCLUDE file %s: %s", looked, why);
        return;
    }
    ld->includes_this_load++;
    ld->bytes_this_load += len;
    if (ld->bytes_this_load > MAX_LOAD_BYTES) {
        if (!p->count_reported) {
            p->count_reported = 1;
            pdiag(p, f.loc, "too much INCLUDEd text (more than %zu MiB): "
                  "'%s' is not read", MAX_LOAD_BYTES >> 20, shown_name);
        }
        free(path);
        free(text);
        return;
    }
    int at = open_find(p, path);
    if (at >= 0) {
        /* A cycle: say it once, naming every file in it, and read no
         * further (ld itself would recurse until it gives up). */
        char chain[300];
        size_t o = 0;
        for (int i = at; i < p->nopen && o < sizeof chain; i++) {
            char nb[64];
            o += (size_t)snprintf(chain + o, sizeof chain - o, "%s -> ",
                                  shown_str(ld, p->open_fid[i], nb, sizeof nb));
        }
        if (o < sizeof chain) {
            char nb[64];
            snprintf(chain + o, sizeof chain - o, "%s",
                     shown(path, strlen(path), nb, sizeof nb));
        }
        pdiag(p, f.loc, "INCLUDE cycle: %s; '%s' is not read again", chain,
              shown_name);
        free(path);
        free(text);
        return;
    }
    int32_t fid = intern(ld, path, strlen(path));
    if (fid == NONE || !open_push(p, path, (uint32_t)fid)) {
        free(path);
        free(text);
        return;
    }
    struct lexer sub;
    lexer_init(&sub, text, len, (uint32_t)fid, 1);
    struct lexer *saved = p->lx;
    const char *saved_path = p->cur_path;
    int saved_expr = p->expr_depth;
    p->lx = &sub;
    p->cur_path = S(ld, (uint32_t)fid);
    p->include_depth++;
    p->expr_depth = 0;
    if (ctx == CTX_TOP) {
        parse_top(p, 1);
    } else if (ctx == CTX_MEMORY) {
        parse_memory_specs(p, 1, kw.loc);
    } else {
        scan_sections(p, depth, 1, kw.loc);
    }
    p->include_depth--;
    open_pop(p);
    p->expr_depth = saved_expr;
    p->lx = saved;
    p->cur_path = saved_path;
    free(path);
    free(text);
}

/* ---- MEMORY ---- */

static int32_t region_of(const struct ldscript *ld, const char *s, size_t n)
{
    int32_t id = str_find(ld, s, n);
    if (id == NONE) {
        return NONE;
    }
    const struct str *st = &ld->strs[id];
    if (st->region != NONE) {
        return st->region;
    }
    if (st->alias != NONE) {
        return ld->aliases[st->alias].region;
    }
    return NONE;
}

static const char *const expr_keywords[] = {
    "ORIGIN", "LENGTH", "org", "len", "o", "l", "ADDR", "LOADADDR", "SIZEOF",
    "ALIGNOF", "DEFINED", "CONSTANT", "ABSOLUTE", "LOG2CEIL", "NEXT", "BLOCK",
    "ALIGN", "MAX", "MIN", "SEGMENT_START", "ASSERT", "DATA_SEGMENT_END",
    "DATA_SEGMENT_ALIGN", "DATA_SEGMENT_RELRO_END", NULL
};

/* Skip a broken MEMORY entry: up to '}', the next entry (a name followed
 * by ':' or '('), or an INCLUDE. */
static void resync_memory(struct parser *p)
{
    int nest = 0;
    next(p);
    for (;;) {
        struct tok *t = peek(p);
        if (t->type == T_EOF || (nest == 0 && is_p(t, '}'))) {
            return;
        }
        if (nest == 0 && t->type == T_WORD) {
            if (is_w(t, "INCLUDE")) {
                return;
            }
            if (t->bol && is_w_any(t, top_keywords)) {
                return;
            }
            if (!is_w_any(t, expr_keywords)) {
                struct tok *u = peek2(p);
                if (is_p(u, ':') || is_p(u, '(')) {
                    return;
                }
            }
        }
        if (is_p(t, '(')) {
            nest++;
        } else if (is_p(t, ')') && nest > 0) {
            nest--;
        }
        next(p);
    }
}

static void declare_region(struct parser *p, struct tok name,
                           const char *attrs, int32_t origin, int32_t length)
{
    struct ldscript *ld = p->ld;
    char n[64];
    int32_t id = intern(ld, name.s, name.len);
    if (id == NONE) {
        return;
    }
    shown(name.s, name.len, n, sizeof n);
    struct str *st = &ld->strs[id];
    if (st->alias != NONE) {
        pdiag(p, name.loc, "'%s' is already a memory region alias; this "
              "declaration is ignored", n);
        return;
    }
    if (strcmp(st->s, "*default*") == 0) {
        pdiag(p, name.loc, "'*default*' cannot be declared");
        return;
    }
    struct region *r;
    if (st->region != NONE) {
        pdiag(p, name.loc, "redeclaration of memory region '%s' (the new "
              "values replace the old ones)", n);
        r = &ld->regions[st->region];
    } else {
        void *tmp_;
        if (!GROW(ld, ld->regions, ld->nregions, ld->capregions)) {
            return;
        }
        r = &ld->regions[ld->nregions];
        memset(r, 0, sizeof *r);
        r->name = (uint32_t)id;
        ld->strs[id].region = (int32_t)ld->nregions++;
    }
    size_t na = strlen(attrs);
    if (na >= sizeof r->attrs) {
        na = sizeof r->attrs - 1;
    }
    memcpy(r->attrs, attrs, na);
    r->attrs[na] = '\0';
    r->loc = name.loc;
    r->origin = origin;
    r->length = length;
}

/* NAME [(attrs)] : ORIGIN = expr [,] LENGTH = expr */
static int parse_memory_spec(struct parser *p)
{
    char d[80], n[64];
    struct tok name = next(p);
    char attrs[64] = "";
    size_t na = 0;
    shown(name.s, name.len, n, sizeof n);
    if (is_p(peek(p), '(')) {
        next(p);
        int bad = 0;
        for (;;) {
            struct tok *t = peek(p);
            if (is_p(t, ')')) {
                next(p);
                break;
            }
            if (is_p(t, '!') || t->type == T_WORD) {
                for (size_t i = 0; i < t->len; i++) {
                    char c = t->s[i];
                    if (!bad && strchr("!rwxailRWXAIL", c) == NULL) {
                        pdiag(p, t->loc, "invalid character '%c' in the "
                              "attributes of memory region '%s'",
                              (c > 0x20 && c < 0x7f) ? c : '?', n);
                        bad = 1;
                    }
                    if (na + 1 < sizeof attrs) {
                        attrs[na++] = c;
                        attrs[na] = '\0';
                    }
                }
                next(p);
                continue;
            }
            pdiag(p, t->loc, "expected attributes or ')' after '%s (', "
                  "found %s", n, tok_desc(t, d, sizeof d));
            return -1;
        }
        if (bad) {
            return -1;
        }
        if (na == 0) {
            pdiag(p, name.loc, "empty attribute list for memory region '%s'",
                  n);
        } else if (na > 15) {
            pdiag(p, name.loc, "attributes of memory region '%s' are longer "
                  "than 15 characters; the rest is dropped", n);
            attrs[15] = '\0';
        }
    }
    if (!expect(p, ':', "after the memory region name")) {
        return -1;
    }
    static const char *const okw[] = {"ORIGIN", "org", "o", NULL};
    static const char *const lkw[] = {"LENGTH", "len", "l", NULL};
    struct tok *t = peek(p);
    if (!is_w_any(t, okw)) {
        pdiag(p, t->loc, "expected ORIGIN in memory region '%s', found %s",
              n, tok_desc(t, d, sizeof d));
        return -1;
    }
    next(p);
    int32_t origin, length;
    if (!expect(p, '=', "after ORIGIN") ||
        (origin = parse_expr(p, 0)) == NONE) {
        return -1;
    }
    if (is_p(peek(p), ',')) {
        next(p);
    }
    t = peek(p);
    if (!is_w_any(t, lkw)) {
        pdiag(p, t->loc, "expected LENGTH in memory region '%s', found %s",
              n, tok_desc(t, d, sizeof d));
        return -1;
    }
    next(p);
    if (!expect(p, '=', "after LENGTH") ||
        (length = parse_expr(p, 0)) == NONE) {
        return -1;
    }
    p->constructs++;
    declare_region(p, name, attrs, origin, length);
    return 0;
}

static void parse_memory_specs(struct parser *p, int in_include,
                               struct loc open)
{
    char d[80];
    for (;;) {
        if (p->ld->nomem) {
            return;
        }
        struct tok *t = peek(p);
        uint32_t seq = t->loc.seq;
        if (t->type == T_EOF) {
            if (!in_include) {
                pdiag(p, t->loc, "end of file inside the MEMORY block "
                      "opened at line %u", (unsigned)open.line);
            }
            return;
        }
        if (is_p(t, '}')) {
            if (!in_include) {
                next(p);
                return;
            }
            pdiag(p, t->loc, "unexpected '}' in an included MEMORY part");
            next(p);
            continue;
        }
        if (is_p(t, ',')) {
            next(p);
            continue;
        }
        if (is_w(t, "INCLUDE")) {
            do_include(p, CTX_MEMORY, 0);
            continue;
        }
        if (t->type == T_WORD && t->bol && is_w_any(t, top_keywords) &&
            !is_p(peek2(p), ':') && !is_p(peek2(p), '(')) {
            pdiag(p, t->loc, "the MEMORY block opened at line %u is not "
                  "closed before %s", (unsigned)open.line,
                  tok_desc(t, d, sizeof d));
            return;
        }
        if (t->type == T_WORD || t->type == T_STR) {
            if (parse_memory_spec(p) < 0 && peek(p)->loc.seq != seq) {
                resync_memory(p);
            }
        } else {
            pdiag(p, t->loc, "expected a memory region name, found %s",
                  tok_desc(t, d, sizeof d));
            resync_memory(p);
        }
        if (peek(p)->loc.seq == seq) {
            next(p);
        }
    }
}

static void parse_memory(struct parser *p)
{
    struct tok kw = next(p);
    if (!expect(p, '{', "after MEMORY")) {
        resync(p, CTX_TOP);
        return;
    }
    p->constructs++;
    parse_memory_specs(p, 0, kw.loc);
}

/* REGION_ALIAS ( "alias" , region ) */
static void parse_region_alias(struct parser *p)
{
    struct ldscript *ld = p->ld;
    char d[80], a[64], r[64];
    struct tok kw = next(p);
    struct tok an, rn;
    if (!expect(p, '(', "after REGION_ALIAS")) {
        goto fail;
    }
    an = next(p);
    if ((an.type != T_WORD && an.type != T_STR) || an.len == 0) {
        pdiag(p, an.loc, "expected an alias name, found %s",
              tok_desc(&an, d, sizeof d));
        goto fail;
    }
    if (!expect(p, ',', "after the alias name")) {
        goto fail;
    }
    rn = next(p);
    if (rn.type != T_WORD && rn.type != T_STR) {
        pdiag(p, rn.loc, "expected a memory region name, found %s",
              tok_desc(&rn, d, sizeof d));
        goto fail;
    }
    if (!expect(p, ')', "after REGION_ALIAS")) {
        goto fail;
    }
    p->constructs++;
    shown(an.s, an.len, a, sizeof a);
    shown(rn.s, rn.len, r, sizeof r);
    int32_t target = region_of(ld, rn.s, rn.len);
    int32_t id = intern(ld, an.s, an.len);
    if (id == NONE) {
        return;
    }
    if (ld->strs[id].region != NONE || ld->strs[id].alias != NONE) {
        pdiag(p, an.loc, "redefinition of memory region alias '%s'", a);
        return;
    }
    if (target == NONE) {
        pdiag(p, rn.loc, "memory region '%s' for alias '%s' does not exist",
              r, a);
        return;
    }
    void *tmp_;
    if (!GROW(ld, ld->aliases, ld->naliases, ld->capaliases)) {
        return;
    }
    ld->aliases[ld->naliases].name = (uint32_t)id;
    ld->aliases[ld->naliases].region = target;
    ld->strs[id].alias = (int32_t)ld->naliases++;
    (void)kw;
    return;
fail:
    resync(p, CTX_TOP);
}

/* ---- SECTIONS ---- */

/* After the '}' of an output section: > region, AT > region, :phdr,
 * = fill, ','. */
static void parse_trailer(struct parser *p)
{
    for (;;) {
        struct tok *t = peek(p);
        if (is_p(t, '>')) {
            next(p);
            t = peek(p);
            if (t->type == T_WORD || t->type == T_STR) {
                next(p);
            }
        } else if (is_w(t, "AT") && is_p(peek2(p), '>')) {
            next(p);
            next(p);
            t = peek(p);
            if (t->type == T_WORD || t->type == T_STR) {
                next(p);
            }
        } else if (is_p(t, ':')) {
            next(p);
            t = peek(p);
            if (t->type == T_WORD) {
                next(p);
            }
        } else if (is_p(t, '=')) {
            next(p);
            if (parse_expr(p, 0) == NONE) {
                resync(p, CTX_SECTIONS);
                return;
            }
        } else {
            if (is_p(t, ',')) {
                next(p);
            }
            return;
        }
    }
}

/*
 * The body of SECTIONS (or of an INCLUDE inside it) at brace depth base
 * (1: SECTIONS level, 2 and more: inside output sections).  Structure is
 * skipped; assignments, PROVIDEs, ASSERTs and INCLUDEs are read.
 */
static void scan_sections(struct parser *p, int base, int in_include,
                          struct loc open)
{
    int depth = base, paren = 0;
    for (;;) {
        if (p->ld->nomem) {
            return;
        }
        struct tok *t = peek(p);
        uint32_t seq = t->loc.seq;
        if (t->type == T_EOF) {
            if (!in_include) {
                pdiag(p, t->loc, "end of file inside the SECTIONS block "
                      "opened at line %u", (unsigned)open.line);
            }
            return;
        }
        if (is_p(t, '{')) {
            depth++;
            paren = 0;
        } else if (is_p(t, '}')) {
            paren = 0;
            if (depth == base) {
                if (!in_include) {
                    next(p);
                    return;
                }
                pdiag(p, t->loc, "unexpected '}' in an included SECTIONS "
                      "part");
            } else {
                depth--;
                next(p);
                parse_trailer(p);
                continue;
            }
        } else if (is_p(t, ';')) {
            paren = 0;
        } else if (is_p(t, '(')) {
            paren++;
        } else if (is_p(t, ')')) {
            if (paren > 0) {
                paren--;
            }
        } else if (paren == 0 && t->type == T_WORD) {
            int in_osec = depth >= 2;
            if (is_w(t, "INCLUDE")) {
                do_include(p, CTX_SECTIONS, depth);
                continue;
            }
            if (t->bol && is_w_any(t, top_keywords) &&
                (is_p(peek2(p), '{') || is_w(t, "REGION_ALIAS"))) {
                pdiag(p, t->loc, "the SECTIONS block opened at line %u is "
                      "not closed before '%s'", (unsigned)open.line,
                      is_w(t, "MEMORY") ? "MEMORY" : "this");
                return;
            }
            if (is_w(t, "ASSERT") && is_p(peek2(p), '(')) {
                parse_assert(p, CTX_SECTIONS, 1, in_osec);
                continue;
            }
            if ((is_w(t, "PROVIDE") || is_w(t, "PROVIDE_HIDDEN") ||
                 is_w(t, "HIDDEN")) && is_p(peek2(p), '(')) {
                parse_assignment(p, CTX_SECTIONS, 1, in_osec);
                continue;
            }
            if (assign_op(peek2(p))) {
                parse_assignment(p, CTX_SECTIONS, 1, in_osec);
                if (peek(p)->loc.seq == seq) {
                    next(p);
                }
                continue;
            }
        } else if (paren == 0 && t->type == T_STR && assign_op(peek2(p))) {
            parse_assignment(p, CTX_SECTIONS, 1, depth >= 2);
            continue;
        }
        next(p);
    }
}

static void parse_sections(struct parser *p)
{
    struct tok kw = next(p);
    if (!expect(p, '{', "after SECTIONS")) {
        resync(p, CTX_TOP);
        return;
    }
    p->constructs++;
    scan_sections(p, 1, 0, kw.loc);
}

/* ---- top level ---- */

/* KEYWORD ( ... ), contents ignored. */
static void parse_paren_command(struct parser *p)
{
    struct tok kw = next(p);
    char what[64], n[48];
    snprintf(what, sizeof what, "after %s", shown(kw.s, kw.len, n, sizeof n));
    if (!is_p(peek(p), '(')) {
        expect(p, '(', what);
        resync(p, CTX_TOP);
        return;
    }
    if (skip_parens(p, what)) {
        p->constructs++;
    }
}

static void parse_search_dir(struct parser *p)
{
    struct ldscript *ld = p->ld;
    struct tok kw = next(p);
    struct tok f;
    (void)kw;
    if (!expect(p, '(', "after SEARCH_DIR")) {
        resync(p, CTX_TOP);
        return;
    }
    if (!lex_filename(p, &f)) {
        pdiag(p, f.loc, "SEARCH_DIR needs a directory");
        resync(p, CTX_TOP);
        return;
    }
    if (!expect(p, ')', "after the SEARCH_DIR directory")) {
        resync(p, CTX_TOP);
        return;
    }
    p->constructs++;
    char *dir = strndup(f.s, f.len);
    void *tmp_;
    if (dir == NULL || !GROW(ld, ld->dirs, ld->ndirs, ld->capdirs)) {
        free(dir);
        ld->nomem = 1;
        return;
    }
    ld->dirs[ld->ndirs++] = dir;
}

/* PHDRS { ... } and VERSION { ... }, contents ignored. */
static void parse_block_command(struct parser *p)
{
    struct tok kw = next(p);
    char what[64], n[48];
    snprintf(what, sizeof what, "after %s", shown(kw.s, kw.len, n, sizeof n));
    if (!expect(p, '{', what)) {
        resync(p, CTX_TOP);
        return;
    }
    int depth = 1;
    for (;;) {
        struct tok t = next(p);
        if (t.type == T_EOF) {
            pdiag(p, kw.loc, "the %s block is not closed", n);
            return;
        }
        if (is_p(&t, '{')) {
            depth++;
        } else if (is_p(&t, '}') && --depth == 0) {
            p->constructs++;
            return;
        }
    }
}

static void parse_top(struct parser *p, int in_include)
{
    static const char *const paren_cmds[] = {
        "ENTRY", "EXTERN", "OUTPUT", "OUTPUT_FORMAT", "OUTPUT_ARCH",
        "TARGET", "INPUT", "GROUP", "MAP", "STARTUP", "HLL", "SYSLIB",
        "NOCROSSREFS", "NOCROSSREFS_TO", "LD_FEATURE", NULL
    };
    static const char *const bare_cmds[] = {
        "FORCE_COMMON_ALLOCATION", "INHIBIT_COMMON_ALLOCATION",
        "FORCE_GROUP_ALLOCATION", "FLOAT", "NOFLOAT", NULL
    };
    char d[80];
    (void)in_include;
    for (;;) {
        if (p->ld->nomem) {
            return;
        }
        struct tok *t = peek(p);
        uint32_t seq = t->loc.seq;
        if (t->type == T_EOF) {
            return;
        }
        if (is_p(t, ';')) {
            next(p);
            continue;
        }
        if (t->type == T_WORD) {
            if (is_w(t, "MEMORY")) {
                parse_memory(p);
            } else if (is_w(t, "SECTIONS")) {
                parse_sections(p);
            } else if (is_w(t, "PHDRS") || is_w(t, "VERSION")) {
                parse_block_command(p);
            } else if (is_w(t, "INCLUDE")) {
                do_include(p, CTX_TOP, 0);
            } else if (is_w(t, "REGION_ALIAS")) {
                parse_region_alias(p);
            } else if (is_w(t, "SEARCH_DIR")) {
                parse_search_dir(p);
            } else if (is_w_any(t, paren_cmds)) {
                parse_paren_command(p);
            } else if (is_w_any(t, bare_cmds)) {
                next(p);
                p->constructs++;
            } else if (is_w(t, "INSERT")) {
                next(p);
                if (is_w(peek(p), "AFTER") || is_w(peek(p), "BEFORE")) {
                    next(p);
                    if (peek(p)->type == T_WORD) {
                        next(p);
                        p->constructs++;
                    }
                }
            } else if (is_w(t, "ASSERT") && is_p(peek2(p), '(')) {
                parse_assert(p, CTX_TOP, 0, 0);
            } else if ((is_w(t, "PROVIDE") || is_w(t, "PROVIDE_HIDDEN") ||
                        is_w(t, "HIDDEN")) && is_p(peek2(p), '(')) {
                parse_assignment(p, CTX_TOP, 0, 0);
            } else if (assign_op(peek2(p))) {
                parse_assignment(p, CTX_TOP, 0, 0);
            } else {
                pdiag(p, t->loc, "unexpected %s", tok_desc(t, d, sizeof d));
                resync(p, CTX_TOP);
            }
        } else if (t->type == T_STR && assign_op(peek2(p))) {
            parse_assignment(p, CTX_TOP, 0, 0);
        } else {
            pdiag(p, t->loc, "unexpected %s", tok_desc(t, d, sizeof d));
            resync(p, CTX_TOP);
        }
        if (peek(p)->loc.seq == seq) {
            next(p);
        }
    }
}

/* ---- evaluation ---- */

static struct val unknown(uint8_t flags)
{
    struct val v = {0, 0, K_NUM, flags};
    return v;
}

static struct val known(uint64_t x, int kind, uint8_t flags)
{
    struct val v = {x, 1, (uint8_t)kind, flags};
    return v;
}

static struct val eval_node(struct ldscript *ld, const struct ectx *c,
                            int32_t n);
static struct val eval_stmt(struct ldscript *ld, uint32_t k);
static void eval_region(struct ldscript *ld, uint32_t r);

static void report_too_deep(struct ldscript *ld, struct loc loc)
{
    if (!ld->depth_reported) {
        ld->depth_reported = 1;
        ediag(ld, loc, "symbol definitions nested too deeply to evaluate");
    }
}

static int too_deep(struct ldscript *ld, struct loc loc)
{
    if (ld->eval_depth < MAX_EVAL_DEPTH) {
        return 0;
    }
    report_too_deep(ld, loc);
    return 1;
}

static void note_undefined(struct ldscript *ld, const struct ectx *c,
                           uint32_t s, struct loc loc)
{
    struct sym *sy = &ld->syms[s];
    if (c->quiet) {
        return;
    }
    if (!sy->undef || loc.seq < sy->undef_loc.seq) {
        sy->undef = 1;
        sy->undef_loc = loc;
    }
}

/* The value of symbol s as seen from c->pos (the latest assignment before
 * it, else the final one when forward is set). */
static struct val ref_symbol(struct ldscript *ld, const struct ectx *c,
                             uint32_t s, struct loc loc, int forward)
{
    struct sym *sy = &ld->syms[s];
    char b[64];
    size_t lo = 0, hi = sy->ndefs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sy->defs[mid] < c->pos) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    uint32_t k;
    if (lo > 0) {
        k = sy->defs[lo - 1];
    } else if (forward && sy->ndefs > 0) {
        k = sy->defs[sy->ndefs - 1];
    } else {
        note_undefined(ld, c, s, loc);
        return unknown(VF_ERR);
    }
    if (ld->stmts[k].state == ST_BUSY) {
        if (!c->quiet) {
            ediag(ld, loc, "symbol '%s' is defined in terms of itself",
                  shown_str(ld, sy->name, b, sizeof b));
        }
        return unknown(VF_ERR);
    }
    struct val v = eval_stmt(ld, k);
    if (v.flags & VF_REGION) {
        v.flags |= VF_VIA_SYM;
    }
    if (v.known && v.kind != K_REL) {
        v.kind = c->in_osec ? K_NUM : K_ABS;
    }
    return v;
}

static uint64_t arith(int op, uint64_t a, uint64_t b)
{
    switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/':
        if (b == UINT64_MAX && a == (UINT64_C(1) << 63)) {
            return a;
        }
        return (uint64_t)((int64_t)a / (int64_t)b);
    case '%':
        if (b == UINT64_MAX) {
            return 0;
        }
        return (uint64_t)((int64_t)a % (int64_t)b);
    case P_LSH: return a << (b & 63);
    case P_RSH: return a >> (b & 63);
    case '&': return a & b;
    case '|': return a | b;
    case '^': return a ^ b;
    case P_EQ: return a == b;
    case P_NE: return a != b;
    case '<': return a < b;
    case '>': return a > b;
    case P_LE: return a <= b;
    case P_GE: return a >= b;
    case OP_MAX: return a > b ? a : b;
    case OP_MIN: return a < b ? a : b;
    case OP_ALIGN:
        if (b <= 1) {
            return a;
        }
        return (a + b - 1) / b * b;
    default: return 0;
    }
}

/*
 * A binary operation with ld's section rules reduced to what keeps values
 * exact: plain numbers (K_NUM), absolute values (K_ABS) and values
 * relative to an unknown section start whose absolute value is known
 * (K_REL: only +/- a number keeps them known).
 */
static struct val binop(struct ldscript *ld, const struct ectx *c, int op,
                        struct val l, struct val r, struct loc loc)
{
    uint8_t flags = l.flags | r.flags;
    if (!l.known || !r.known) {
        return unknown(flags);
    }
    int lk = l.kind, rk = r.kind, kind;
    if (lk != K_NUM && rk != K_NUM && lk != rk) {
        lk = rk = K_ABS;
    }
    if ((op == '/' || op == '%') && r.v == 0 && rk != K_REL) {
        if (!c->quiet) {
            ediag(ld, loc, op == '/' ? "division by zero" : "modulo by zero");
        }
        return unknown(flags | VF_ERR);
    }
    switch (op) {
    case P_EQ: case P_NE: case '<': case '>': case P_LE: case P_GE:
        if ((lk == K_REL || rk == K_REL) &&
            !(lk == rk && (op == P_EQ || op == P_NE))) {
            return unknown(flags | VF_DOT);
        }
        kind = K_NUM;
        break;
    case OP_MAX: case OP_MIN: case OP_ALIGN:
        if (lk == K_REL || rk == K_REL) {
            return unknown(flags | VF_DOT);
        }
        kind = rk == K_NUM ? lk : rk;
        break;
    default:
        if (lk == K_NUM && rk == K_NUM) {
            kind = K_NUM;
        } else if (lk == K_NUM || rk == K_NUM) {
            int x = lk == K_NUM ? rk : lk;
            if (x == K_ABS) {
                kind = K_ABS;
            } else if (op == '+' || (op == '-' && rk == K_NUM)) {
                kind = K_REL;
            } else {
                return unknown(flags | VF_DOT);
            }
        } else if (lk == K_ABS || op == '-') {
            kind = K_NUM;
        } else {
            return unknown(flags | VF_DOT);
        }
        break;
    }
    return known(arith(op, l.v, r.v), kind, flags);
}

static struct val eval_region_fn(struct ldscript *ld, const struct ectx *c,
                                 const struct node *nd)
{
    char b[64];
    const char *name = shown_str(ld, nd->name, b, sizeof b);
    const struct str *st = &ld->strs[nd->name];
    int32_t r = st->region != NONE ? st->region
                : st->alias != NONE ? ld->aliases[st->alias].region : NONE;
    if (r == NONE) {
        if (!c->quiet) {
            ediag(ld, nd->loc, "memory region '%s' is not declared", name);
        }
        return unknown(VF_ERR);
    }
    if (c->region != NONE && r >= c->region) {
        if (!c->quiet) {
            if (r == c->region) {
                ediag(ld, nd->loc, "memory region '%s' refers to itself",
                      name);
            } else {
                ediag(ld, nd->loc, "memory region '%s' is declared later in "
                      "MEMORY: GNU ld has no value for it here", name);
            }
        }
        return unknown(VF_ERR);
    }
    struct region *rg = &ld->regions[r];
    if (rg->state == ST_BUSY) {
        if (!c->quiet) {
            ediag(ld, nd->loc, "memory region '%s' depends on itself", name);
        }
        return unknown(VF_ERR);
    }
    eval_region(ld, (uint32_t)r);
    if (rg->state != ST_DONE) {
        return unknown(VF_DEPTH);
    }
    if (!rg->ok) {
        return unknown(VF_ERR);
    }
    if (nd->op == N_ORIGIN) {
        return known(rg->o.v, c->in_osec ? K_REL : K_ABS, VF_REGION);
    }
    return known(rg->l.v, c->in_osec ? K_NUM : K_ABS, VF_REGION);
}

static uint64_t log2ceil(uint64_t value)
{
    uint64_t result = UINT64_MAX;
    int round_up = 0;
    do {
        result++;
        if (value > 1 && (value & 1)) {
            round_up = 1;
        }
    } while (value >>= 1);
    return round_up ? result + 1 : result;
}

static struct val eval_node(struct ldscript *ld, const struct ectx *c,
                            int32_t n)
{
    const struct node *nd = &ld->nodes[n];
    struct val v, w;
    if (too_deep(ld, nd->loc)) {
        return unknown(VF_ERR);
    }
    ld->eval_depth++;
    int plain = c->in_osec ? K_NUM : K_ABS;
    switch (nd->op) {
    case N_NUM:
        v = known(nd->num, plain, 0);
        break;
    case N_SYM:
        v = ref_symbol(ld, c, (uint32_t)nd->a, nd->loc, 1);
        break;
    case N_DOT:
    case N_OPAQUE:
        if (nd->a != NONE) {
            (void)eval_node(ld, c, nd->a);
        }
        if (nd->b != NONE) {
            (void)eval_node(ld, c, nd->b);
        }
        v = unknown(VF_DOT);
        break;
    case N_ORIGIN:
    case N_LENGTH:
        v = eval_region_fn(ld, c, nd);
        break;
    case N_DEFINED: {
        const struct sym *sy = &ld->syms[nd->a];
        v = known(sy->ndefs > 0 && sy->defs[0] < c->pos, plain, 0);
        break;
    }
    case N_UNARY:
        v = eval_node(ld, c, nd->a);
        if (v.known && v.kind == K_REL) {
            v = unknown(v.flags | VF_DOT);
        } else if (v.known) {
            v.v = nd->sub == '-' ? 0 - v.v : nd->sub == '~' ? ~v.v : !v.v;
        }
        break;
    case N_BINARY:
        if (nd->sub == P_ANDAND || nd->sub == P_OROR) {
            int is_and = nd->sub == P_ANDAND;
            v = eval_node(ld, c, nd->a);
            int lknown = v.known && v.kind != K_REL;
            if (lknown && (v.v != 0) != is_and) {
                v = known(!is_and, K_NUM, v.flags);
                break;
            }
            w = eval_node(ld, c, nd->b);
            int rknown = w.known && w.kind != K_REL;
            uint8_t fl = v.flags | w.flags;
            if (lknown && rknown) {
                v = known(is_and ? (v.v && w.v) : (v.v || w.v), K_NUM, fl);
            } else if (rknown && (w.v != 0) != is_and) {
                v = known(!is_and, K_NUM, fl);
            } else {
                v = unknown(fl | (v.known && w.known ? VF_DOT : 0));
            }
            break;
        }
        v = eval_node(ld, c, nd->a);
        w = eval_node(ld, c, nd->b);
        v = binop(ld, c, nd->sub, v, w, nd->loc);
        break;
    case N_TERN:
        v = eval_node(ld, c, nd->a);
        if (!v.known || v.kind == K_REL) {
            v = unknown(v.flags | (v.known ? VF_DOT : 0));
            break;
        }
        w = eval_node(ld, c, v.v ? nd->b : nd->c);
        w.flags |= v.flags;
        v = w;
        break;
    case N_ABSOLUTE:
        v = eval_node(ld, c, nd->a);
        v.kind = K_ABS;
        break;
    case N_LOG2CEIL:
        v = eval_node(ld, c, nd->a);
        if (v.known && v.kind == K_REL) {
            v = unknown(v.flags | VF_DOT);
        } else if (v.known) {
            v = known(log2ceil(v.v), K_NUM, v.flags);
        }
        break;
    case N_SEGSTART:
        v = eval_node(ld, c, nd->a);
        break;
    case N_ASSERT:
        v = eval_node(ld, c, nd->a);
        if (v.known && v.kind != K_REL && v.v == 0 && !c->quiet) {
            char b[64];
            ediag(ld, nd->loc, "ASSERT failed: %s",
                  shown_str(ld, nd->name, b, sizeof b));
        }
        break;
    default:
        v = unknown(VF_ERR);
        break;
    }
    ld->eval_depth--;
    return v;
}

static struct val eval_stmt(struct ldscript *ld, uint32_t k)
{
    struct stmt *st = &ld->stmts[k];
    if (st->state == ST_DONE) {
        return st->val;
    }
    if (st->state == ST_BUSY) {
        return unknown(VF_ERR);
    }
    if (ld->eval_depth >= STMT_DEPTH) {
        /* Too deep a chain of symbols: evaluate this one later from the
         * top (once), so that long chains still resolve. */
        uint32_t *w = st->deferred ? NULL
                      : grow(ld, ld->work, &ld->capwork, ld->nwork + 1,
                             sizeof *ld->work);
        if (w != NULL) {
            ld->work = w;
            ld->work[ld->nwork++] = k;
            st->deferred = 1;
            return unknown(VF_DEPTH);
        }
        report_too_deep(ld, st->loc);
        st->val = unknown(VF_ERR);
        st->state = ST_DONE;
        return st->val;
    }
    ld->eval_depth++;
    st->state = ST_BUSY;
    struct ectx c = {k, st->in_osec, st->quiet, NONE};
    struct val v = eval_node(ld, &c, st->expr);
    st = &ld->stmts[k];
    if (st->kind == S_ASSERT) {
        if (v.known && v.kind != K_REL && v.v == 0) {
            char b[64];
            ediag(ld, st->loc, "ASSERT failed: %s",
                  shown_str(ld, st->msg, b, sizeof b));
        }
    } else if (st->op != '=') {
        struct val old = ref_symbol(ld, &c, st->sym, st->loc, 0);
        v = binop(ld, &c, st->op, old, v, st->loc);
    }
    st = &ld->stmts[k];
    if (v.flags & VF_DEPTH) {
        st->state = ST_NEW;
        ld->eval_depth--;
        return v;
    }
    if (v.known && st->in_osec && v.kind == K_NUM) {
        /* ld makes a plain number relative to the output section */
        v = unknown(v.flags | VF_DOT);
    }
    if (v.known && v.kind == K_NUM) {
        v.kind = K_ABS;
    }
    st->val = v;
    st->state = ST_DONE;
    ld->eval_depth--;
    return v;
}

static const char *why_unknown(const struct val *v)
{
    if (v->flags & VF_VIA_SYM) {
        return "uses a symbol computed from ORIGIN() or LENGTH(), which GNU "
               "ld evaluates before MEMORY (with other values)";
    }
    if (v->flags & VF_ERR) {
        return "cannot be evaluated";
    }
    if (v->flags & VF_DOT) {
        return "depends on '.' or on section addresses";
    }
    return "cannot be evaluated";
}

static void eval_region(struct ldscript *ld, uint32_t r)
{
    struct region *rg = &ld->regions[r];
    if (rg->state != ST_NEW) {
        return;
    }
    rg->state = ST_BUSY;
    struct ectx c = {POS_END, 0, 0, (int32_t)r};
    struct val o = eval_node(ld, &c, rg->origin);
    struct val l = eval_node(ld, &c, rg->length);
    rg = &ld->regions[r];
    if ((o.flags | l.flags) & VF_DEPTH) {
        rg->state = ST_NEW;
        return;
    }
    rg->o = o;
    rg->l = l;
    const char *which = NULL;
    const struct val *bad = NULL;
    if (!o.known || o.kind == K_REL || (o.flags & VF_VIA_SYM)) {
        which = "ORIGIN";
        bad = &o;
    } else if (!l.known || l.kind == K_REL || (l.flags & VF_VIA_SYM)) {
        which = "LENGTH";
        bad = &l;
    }
    if (which != NULL) {
        char b[64];
        struct val tmp = *bad;
        if (tmp.known && tmp.kind == K_REL) {
            tmp.flags |= VF_DOT;
        }
        ediag(ld, rg->loc, "memory region '%s' left out: its %s %s",
              shown_str(ld, rg->name, b, sizeof b), which,
              why_unknown(&tmp));
    }
    rg->ok = which == NULL;
    rg->state = ST_DONE;
}

/* Evaluate statement k, and the statements deferred on the way (each is
 * deferred at most once, so this ends). */
static void eval_from_top(struct ldscript *ld, uint32_t k)
{
    uint32_t *w = grow(ld, ld->work, &ld->capwork, ld->nwork + 1,
                       sizeof *ld->work);
    if (w == NULL) {
        return;
    }
    ld->work = w;
    ld->work[ld->nwork++] = k;
    while (ld->nwork > 0) {
        uint32_t j = ld->work[ld->nwork - 1];
        struct stmt *st = &ld->stmts[j];
        if (st->state == ST_DONE) {
            ld->nwork--;
            continue;
        }
        size_t before = ld->nwork;
        ld->eval_depth = 0;
        (void)eval_stmt(ld, j);
        st = &ld->stmts[j];
        if (st->state != ST_DONE && ld->nwork == before) {
            st->val = unknown(VF_ERR);
            st->state = ST_DONE;
        }
    }
}

static int cmp_diag(const void *a, const void *b)
{
    const struct diag *x = *(const struct diag *const *)a;
    const struct diag *y = *(const struct diag *const *)b;
    if (x->seq != y->seq) {
        return x->seq < y->seq ? -1 : 1;
    }
    return x->order < y->order ? -1 : x->order > y->order;
}

static void clear_ediags(struct ldscript *ld)
{
    for (size_t i = 0; i < ld->nediags; i++) {
        free(ld->ediags[i].text);
    }
    ld->nediags = 0;
    ld->ediag_tries = 0;
}

/* Evaluate everything read so far and rebuild the public arrays. */
static void evaluate(struct ldscript *ld)
{
    void *tmp_;
    clear_ediags(ld);
    ld->depth_reported = 0;
    ld->nwork = 0;
    for (size_t i = 0; i < ld->nsyms; i++) {
        ld->syms[i].ndefs = 0;
        ld->syms[i].undef = 0;
        ld->syms[i].pub = NONE;
    }
    for (size_t k = 0; k < ld->nstmts; k++) {
        struct stmt *st = &ld->stmts[k];
        struct sym *sy = &ld->syms[st->sym];
        st->state = ST_NEW;
        st->quiet = 0;
        st->deferred = 0;
        if (st->kind == S_ASSERT) {
            st->effective = 1;
            continue;
        }
        st->effective = st->kind == S_ASSIGN || sy->ndefs == 0;
        st->quiet = st->kind == S_PROVIDE && !sy->referenced;
        if (st->effective) {
            uint32_t *d = grow(ld, sy->defs, &sy->capdefs, sy->ndefs + 1,
                               sizeof *sy->defs);
            if (d == NULL) {
                return;
            }
            sy->defs = d;
            sy->defs[sy->ndefs++] = (uint32_t)k;
        }
    }
    for (size_t r = 0; r < ld->nregions; r++) {
        ld->regions[r].state = ST_NEW;
        ld->regions[r].ok = 0;
    }
    for (size_t k = 0; k < ld->nstmts; k++) {
        if (ld->stmts[k].effective) {
            eval_from_top(ld, (uint32_t)k);
        }
    }
    for (size_t r = 0; r < ld->nregions; r++) {
        ld->eval_depth = 0;
        eval_region(ld, (uint32_t)r);
    }
    for (size_t i = 0; i < ld->nsyms; i++) {
        if (ld->syms[i].undef) {
            char b[64];
            const char *n = shown_str(ld, ld->syms[i].name, b, sizeof b);
            ediag(ld, ld->syms[i].undef_loc, "symbol '%s' is not defined "
                  "(give it with --ld-defsym %s=VALUE)", n, n);
        }
    }

    /* public regions */
    ld->npub_regions = 0;
    size_t cap = 0;
    free(ld->pub_regions);
    ld->pub_regions = NULL;
    for (size_t r = 0; r < ld->nregions; r++) {
        const struct region *rg = &ld->regions[r];
        if (!rg->ok) {
            continue;
        }
        if (!GROW(ld, ld->pub_regions, ld->npub_regions, cap)) {
            return;
        }
        struct ldscript_region *pr = &ld->pub_regions[ld->npub_regions++];
        memset(pr, 0, sizeof *pr);
        pr->name = S(ld, rg->name);
        pr->origin = rg->o.v;
        pr->length = rg->l.v;
        memcpy(pr->attrs, rg->attrs, sizeof pr->attrs);
        pr->file = S(ld, rg->loc.file);
        pr->line = rg->loc.line;
    }

    /* public symbols, in order of first definition */
    ld->npub_syms = 0;
    cap = 0;
    free(ld->pub_syms);
    ld->pub_syms = NULL;
    for (size_t k = 0; k < ld->nstmts; k++) {
        const struct stmt *st = &ld->stmts[k];
        if (!st->effective || st->kind == S_ASSERT) {
            continue;
        }
        struct sym *sy = &ld->syms[st->sym];
        if (sy->pub != NONE) {
            continue;
        }
        if (!GROW(ld, ld->pub_syms, ld->npub_syms, cap)) {
            return;
        }
        const struct stmt *last = &ld->stmts[sy->defs[sy->ndefs - 1]];
        struct ldscript_symbol *ps = &ld->pub_syms[ld->npub_syms];
        sy->pub = (int32_t)ld->npub_syms++;
        ps->name = S(ld, sy->name);
        ps->known = last->val.known;
        ps->value = last->val.known ? last->val.v : 0;
        ps->provide = last->kind == S_PROVIDE;
        ps->in_sections = last->in_sections;
        ps->file = S(ld, last->loc.file);
        ps->line = last->loc.line;
    }

    /* diagnostics in source order */
    free(ld->pub_diags);
    ld->npub_diags = 0;
    size_t nd = ld->npdiags + ld->nediags;
    ld->pub_diags = malloc((nd ? nd : 1) * sizeof *ld->pub_diags);
    const struct diag **tmp = malloc((nd ? nd : 1) * sizeof *tmp);
    if (ld->pub_diags == NULL || tmp == NULL) {
        free(tmp);
        ld->nomem = 1;
        return;
    }
    for (size_t i = 0; i < ld->npdiags; i++) {
        tmp[i] = &ld->pdiags[i];
    }
    for (size_t i = 0; i < ld->nediags; i++) {
        tmp[ld->npdiags + i] = &ld->ediags[i];
    }
    qsort(tmp, nd, sizeof *tmp, cmp_diag);
    for (size_t i = 0; i < nd; i++) {
        ld->pub_diags[i] = tmp[i]->text;
    }
    ld->npub_diags = nd;
    free(tmp);
}

/* ---- public API ---- */

void ldscript_free(struct ldscript *ld)
{
    if (ld == NULL) {
        return;
    }
    for (size_t i = 0; i < ld->ndirs; i++) {
        free(ld->dirs[i]);
    }
    free(ld->dirs);
    for (size_t i = 0; i < ld->nstrs; i++) {
        free(ld->strs[i].s);
    }
    free(ld->strs);
    free(ld->htab);
    free(ld->nodes);
    free(ld->stmts);
    for (size_t i = 0; i < ld->nsyms; i++) {
        free(ld->syms[i].defs);
    }
    free(ld->syms);
    free(ld->regions);
    free(ld->aliases);
    for (size_t i = 0; i < ld->npdiags; i++) {
        free(ld->pdiags[i].text);
    }
    free(ld->pdiags);
    clear_ediags(ld);
    free(ld->ediags);
    free(ld->pub_regions);
    free(ld->pub_syms);
    free(ld->pub_diags);
    free(ld->work);
    free(ld);
}

/* One --defsym "NAME=EXPR" as statement number idx. */
static int add_defsym(struct ldscript *ld, const char *def, unsigned idx)
{
    struct parser p;
    struct lexer lx;
    memset(&p, 0, sizeof p);
    p.ld = ld;
    p.lx = &lx;
    lexer_init(&lx, def, strlen(def), ld->defsym_file, idx);
    size_t before = ld->npdiags;
    struct tok name = next(&p);
    if (name.type != T_WORD || !is_p(peek(&p), '=')) {
        return RC_ARG;
    }
    next(&p);
    int32_t e = parse_expr(&p, 0);
    if (e == NONE || peek(&p)->type != T_EOF || ld->npdiags != before) {
        return ld->nomem ? RC_NOMEM : RC_ARG;
    }
    int32_t id = intern(ld, name.s, name.len);
    if (add_stmt(&p, S_ASSIGN, '=', sym_get(ld, id), e, 0, 0, name.loc,
                 0) < 0) {
        return RC_NOMEM;
    }
    return RC_OK;
}

int ldscript_new(const struct ldscript_opts *opts, struct ldscript **out)
{
    if (out == NULL) {
        return RC_ARG;
    }
    *out = NULL;
    struct ldscript *ld = calloc(1, sizeof *ld);
    if (ld == NULL) {
        return RC_NOMEM;
    }
    int32_t f = intern(ld, "--defsym", 8);
    if (f == NONE) {
        ldscript_free(ld);
        return RC_NOMEM;
    }
    ld->defsym_file = (uint32_t)f;
    if (opts != NULL) {
        void *tmp_;
        for (size_t i = 0; i < opts->nsearch; i++) {
            if (opts->search_dirs == NULL || opts->search_dirs[i] == NULL) {
                ldscript_free(ld);
                return RC_ARG;
            }
            char *d = strdup(opts->search_dirs[i]);
            if (d == NULL || !GROW(ld, ld->dirs, ld->ndirs, ld->capdirs)) {
                free(d);
                ldscript_free(ld);
                return RC_NOMEM;
            }
            ld->dirs[ld->ndirs++] = d;
        }
        for (size_t i = 0; i < opts->ndefsyms; i++) {
            if (opts->defsyms == NULL || opts->defsyms[i] == NULL) {
                ldscript_free(ld);
                return RC_ARG;
            }
            int rc = add_defsym(ld, opts->defsyms[i], (unsigned)i + 1);
            if (rc != RC_OK) {
                ldscript_free(ld);
                return rc;
            }
        }
    }
    evaluate(ld);
    if (ld->nomem) {
        ldscript_free(ld);
        return RC_NOMEM;
    }
    *out = ld;
    return RC_OK;
}

static int parse_and_evaluate(struct ldscript *ld, const char *name,
                              const char *text, size_t len,
                              struct rc_msg *msg)
{
    struct parser p;
    struct lexer lx;
    memset(&p, 0, sizeof p);
    int32_t fid = intern(ld, name, strlen(name));
    if (fid == NONE) {
        return rc_set(msg, RC_NOMEM, "%s: out of memory", name);
    }
    size_t tries_before = ld->pdiag_tries, ndiag_before = ld->npdiags;
    p.ld = ld;
    p.lx = &lx;
    p.cur_path = S(ld, (uint32_t)fid);
    lexer_init(&lx, text, len, (uint32_t)fid, 1);
    ld->includes_this_load = 0;
    ld->bytes_this_load = len;
    if (!open_push(&p, name, (uint32_t)fid)) {
        return rc_set(msg, RC_NOMEM, "%s: out of memory", name);
    }
    parse_top(&p, 0);
    open_pop(&p);
    evaluate(ld);
    if (ld->nomem) {
        return rc_set(msg, RC_NOMEM, "%s: out of memory", name);
    }
    if (p.constructs == 0 && ld->pdiag_tries > tries_before) {
        return rc_set(msg, RC_PARSE, "%s: not a linker script: %s", name,
                      ld->npdiags > ndiag_before
                          ? ld->pdiags[ndiag_before].text
                          : "too many problems");
    }
    return RC_OK;
}

int ldscript_load_text(struct ldscript *ld, const char *name,
                       const char *text, size_t len, struct rc_msg *msg)
{
    if (ld == NULL || (text == NULL && len > 0)) {
        return rc_set(msg, RC_ARG, "ldscript_load_text: no script");
    }
    if (name == NULL) {
        name = "(text)";
    }
    if (ld->nomem) {
        return rc_set(msg, RC_NOMEM, "%s: out of memory", name);
    }
    return parse_and_evaluate(ld, name, text ? text : "", len, msg);
}

int ldscript_load(struct ldscript *ld, const char *path, struct rc_msg *msg)
{
    if (ld == NULL || path == NULL || path[0] == '\0') {
        return rc_set(msg, RC_ARG, "ldscript_load: no file name");
    }
    if (ld->nomem) {
        return rc_set(msg, RC_NOMEM, "%s: out of memory", path);
    }
    char why[128], looked[400];
    char *found = NULL, *text = NULL;
    size_t len = 0;
    int rc = find_file(ld, path, NULL, &found, &text, &len, why, sizeof why,
                       looked, sizeof looked);
    if (rc == RC_NOTFOUND) {
        return rc_set(msg, RC_NOTFOUND, "%s: no such linker script (looked "
                      "for %s)", path, looked);
    }
    if (rc == RC_NOMEM) {
        return rc_set(msg, RC_NOMEM, "%s: out of memory", path);
    }
    if (rc != RC_OK) {
        return rc_set(msg, RC_IO, "%s: %s", looked, why);
    }
    rc = parse_and_evaluate(ld, found, text, len, msg);
    free(found);
    free(text);
    return rc;
}

size_t ldscript_region_count(const struct ldscript *ld)
{
    return ld ? ld->npub_regions : 0;
}

const struct ldscript_region *ldscript_region(const struct ldscript *ld,
                                              size_t i)
{
    return ld && i < ld->npub_regions ? &ld->pub_regions[i] : NULL;
}

const struct ldscript_region *ldscript_find_region(const struct ldscript *ld,
                                                   const char *name)
{
    if (ld == NULL || name == NULL) {
        return NULL;
    }
    int32_t r = region_of(ld, name, strlen(name));
    if (r == NONE || !ld->regions[r].ok) {
        return NULL;
    }
    const char *rn = S(ld, ld->regions[r].name);
    for (size_t i = 0; i < ld->npub_regions; i++) {
        if (ld->pub_regions[i].name == rn) {
            return &ld->pub_regions[i];
        }
    }
    return NULL;
}

size_t ldscript_symbol_count(const struct ldscript *ld)
{
    return ld ? ld->npub_syms : 0;
}

const struct ldscript_symbol *ldscript_symbol(const struct ldscript *ld,
                                              size_t i)
{
    return ld && i < ld->npub_syms ? &ld->pub_syms[i] : NULL;
}

const struct ldscript_symbol *ldscript_find_symbol(const struct ldscript *ld,
                                                   const char *name)
{
    if (ld == NULL || name == NULL) {
        return NULL;
    }
    int32_t id = str_find(ld, name, strlen(name));
    if (id == NONE || ld->strs[id].sym == NONE) {
        return NULL;
    }
    int32_t pub = ld->syms[ld->strs[id].sym].pub;
    return pub != NONE && (size_t)pub < ld->npub_syms ? &ld->pub_syms[pub]
                                                      : NULL;
}

size_t ldscript_alias_count(const struct ldscript *ld)
{
    return ld ? ld->naliases : 0;
}

void ldscript_alias(const struct ldscript *ld, size_t i, const char **alias,
                    const char **target)
{
    const char *a = NULL, *t = NULL;
    if (ld != NULL && i < ld->naliases) {
        a = S(ld, ld->aliases[i].name);
        t = S(ld, ld->regions[ld->aliases[i].region].name);
    }
    if (alias != NULL) {
        *alias = a;
    }
    if (target != NULL) {
        *target = t;
    }
}

size_t ldscript_diag_count(const struct ldscript *ld)
{
    return ld ? ld->npub_diags : 0;
}

const char *ldscript_diag(const struct ldscript *ld, size_t i)
{
    return ld && i < ld->npub_diags ? ld->pub_diags[i] : NULL;
}

unsigned ldscript_attr_flags(const char *attrs, unsigned *not_flags)
{
    unsigned set = 0, neg = 0;
    int invert = 0;
    for (const char *s = attrs ? attrs : ""; *s != '\0'; s++) {
        unsigned f = 0;
        switch (*s) {
        case '!': invert = !invert; continue;
        case 'r': case 'R': f = LDSCRIPT_ATTR_R; break;
        case 'w': case 'W': f = LDSCRIPT_ATTR_W; break;
        case 'x': case 'X': f = LDSCRIPT_ATTR_X; break;
        case 'a': case 'A': f = LDSCRIPT_ATTR_A; break;
        case 'l': case 'L': case 'i': case 'I': f = LDSCRIPT_ATTR_L; break;
        default: continue;
        }
        if (invert) {
            neg |= f;
        } else {
            set |= f;
        }
    }
    if (not_flags != NULL) {
        *not_flags = neg;
    }
    return set;
}

void ldscript_set_reader(struct ldscript *ld,
                         const struct ldscript_reader *reader)
{
    if (ld == NULL) {
        return;
    }
    if (reader != NULL && reader->read != NULL) {
        ld->reader = *reader;
        ld->has_reader = 1;
    } else {
        memset(&ld->reader, 0, sizeof ld->reader);
        ld->has_reader = 0;
    }
}
