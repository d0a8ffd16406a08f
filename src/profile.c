/*
 * profile.c: board profile files (see profile.h).
 */
#include "profile.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datadir.h"
#include "fmt.h"

#define MAX_TOKENS 10
#define MAX_REGIONS 256

/* Split a line into tokens (quoted strings allowed).  Returns the count,
 * or -1 with *err set on an unterminated string. */
static int tokenize(char *line, char **tok, int max, const char **err)
{
    int n = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (*p == 0 || *p == '#') {
            return n;
        }
        if (n == max) {
            *err = "too many words on the line";
            return -1;
        }
        if (*p == '"') {
            char *w = ++p;
            tok[n++] = w;
            while (*p && *p != '"') {
                if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) {
                    p++;
                }
                *w++ = *p++;
            }
            if (*p != '"') {
                *err = "unterminated string";
                return -1;
            }
            p++;
            *w = 0;
            continue;
        }
        tok[n++] = p;
        while (*p && *p != ' ' && *p != '\t') {
            p++;
        }
        if (*p) {
            *p++ = 0;
        }
    }
}

void profile_fini(struct profile *p)
{
    free(p->regions);
    memset(p, 0, sizeof *p);
}

static void copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src);
}

int profile_parse(const char *text, size_t len, const char *path,
                  struct profile *out, struct rc_msg *msg)
{
    memset(out, 0, sizeof *out);
    copy(out->path, sizeof out->path, path);
    out->block_size = 16;
    unsigned lineno = 0;
    size_t i = 0;
    int rc = RC_OK;
    while (i < len) {
        size_t e = i;
        while (e < len && text[e] != '\n') {
            e++;
        }
        lineno++;
        char line[512];
        size_t n = e - i;
        if (n >= sizeof line) {
            rc = rc_set(msg, RC_PARSE, "%s:%u: line too long", path, lineno);
            goto fail;
        }
        if (memchr(text + i, 0, n) != NULL) {
            rc = rc_set(msg, RC_PARSE, "%s:%u: NUL byte in the line", path, lineno);
            goto fail;
        }
        memcpy(line, text + i, n);
        line[n] = 0;
        if (n > 0 && line[n - 1] == '\r') {
            line[n - 1] = 0;
        }
        i = e + 1;
        char *tok[MAX_TOKENS];
        const char *err = NULL;
        int nt = tokenize(line, tok, MAX_TOKENS, &err);
        if (nt < 0) {
            rc = rc_set(msg, RC_PARSE, "%s:%u: %s", path, lineno, err);
            goto fail;
        }
        if (nt == 0) {
            continue;
        }
        const char *d = tok[0];
        if (strcmp(d, "board") == 0 && nt == 2) {
            copy(out->name, sizeof out->name, tok[1]);
        } else if (strcmp(d, "description") == 0 && nt == 2) {
            copy(out->description, sizeof out->description, tok[1]);
        } else if (strcmp(d, "match") == 0 && nt == 3) {
            if (strcmp(tok[1], "platform") != 0 && strcmp(tok[1], "machine") != 0) {
                rc = rc_set(msg, RC_PARSE, "%s:%u: match takes platform or "
                            "machine, not '%s'", path, lineno, tok[1]);
                goto fail;
            }
            if (out->nmatch == PROFILE_MAX_MATCH) {
                rc = rc_set(msg, RC_PARSE, "%s:%u: too many match lines", path,
                            lineno);
                goto fail;
            }
            copy(out->match[out->nmatch].key, sizeof out->match[0].key, tok[1]);
            copy(out->match[out->nmatch].value, sizeof out->match[0].value, tok[2]);
            out->nmatch++;
        } else if (strcmp(d, "block-size") == 0 && nt == 2) {
            uint64_t v;
            if (fmt_parse_u64(tok[1], "block-size", &v, msg) < 0 || v < 4 ||
                v > 1024 || (v & (v - 1)) != 0) {
                rc = rc_set(msg, RC_PARSE, "%s:%u: block-size must be a power "
                            "of two from 4 to 1024", path, lineno);
                goto fail;
            }
            out->block_size = (unsigned)v;
        } else if (strcmp(d, "discover") == 0 && nt == 2) {
            static const char *const known[] = {"nrf51-ficr", "esp8266", "esp32", "rp2"};
            int ok = 0;
            for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
                ok |= strcmp(tok[1], known[k]) == 0;
            }
            if (!ok || out->ndiscover == PROFILE_MAX_DISCOVER) {
                rc = rc_set(msg, RC_PARSE, "%s:%u: unknown discovery method "
                            "'%s' (nrf51-ficr, esp8266, esp32, rp2)", path,
                            lineno, tok[1]);
                goto fail;
            }
            copy(out->discover[out->ndiscover++], sizeof out->discover[0], tok[1]);
        } else if (strcmp(d, "region") == 0 && (nt == 7 || nt == 8)) {
            struct profile_region r;
            memset(&r, 0, sizeof r);
            uint64_t start, size;
            struct rc_msg m2;
            if (strlen(tok[1]) >= sizeof r.name) {
                rc = rc_set(msg, RC_PARSE, "%s:%u: region name too long", path,
                            lineno);
                goto fail;
            }
            copy(r.name, sizeof r.name, tok[1]);
            if (fmt_parse_u64(tok[2], "START", &start, &m2) < 0 ||
                fmt_parse_u64(tok[3], "SIZE", &size, &m2) < 0) {
                rc = rc_set(msg, RC_PARSE, "%s:%u: %s", path, lineno, m2.text);
                goto fail;
            }
            if (size == 0 || start > 0xffffffffULL || start + size > 0x100000000ULL) {
                rc = rc_set(msg, RC_PARSE, "%s:%u: region %s does not fit in "
                            "32-bit addresses (or is empty)", path, lineno,
                            r.name);
                goto fail;
            }
            r.start = (uint32_t)start;
            r.size = size;
            if (rmap_attrs_parse(tok[4], &r.attrs) < 0) {
                rc = rc_set(msg, RC_PARSE, "%s:%u: attributes '%s': use r, w, "
                            "x and -", path, lineno, tok[4]);
                goto fail;
            }
            if (rmap_kind_parse(tok[5], &r.kind) < 0) {
                rc = rc_set(msg, RC_PARSE, "%s:%u: unknown kind '%s'", path,
                            lineno, tok[5]);
                goto fail;
            }
            if (rmap_access_parse(tok[6], &r.access) < 0 ||
                r.access == RMAP_ACC_UNKNOWN) {
                rc = rc_set(msg, RC_PARSE, "%s:%u: access '%s': use read, word "
                            "or none", path, lineno, tok[6]);
                goto fail;
            }
            if (nt == 8) {
                copy(r.notes, sizeof r.notes, tok[7]);
            }
            if (out->nregions == MAX_REGIONS) {
                rc = rc_set(msg, RC_PARSE, "%s:%u: too many regions", path, lineno);
                goto fail;
            }
            struct profile_region *t =
                realloc(out->regions, (out->nregions + 1) * sizeof *t);
            if (t == NULL) {
                rc = rc_set(msg, RC_NOMEM, "out of memory");
                goto fail;
            }
            out->regions = t;
            out->regions[out->nregions++] = r;
        } else {
            rc = rc_set(msg, RC_PARSE, "%s:%u: cannot read '%s' with %d "
                        "word%s here", path, lineno, d, nt - 1,
                        nt == 2 ? "" : "s");
            goto fail;
        }
    }
    if (out->name[0] == 0) {
        rc = rc_set(msg, RC_PARSE, "%s: no 'board NAME' line", path);
        goto fail;
    }
    return RC_OK;
fail:
    profile_fini(out);
    return rc;
}

void profile_set_fini(struct profile_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        profile_fini(&set->p[i]);
    }
    free(set->p);
    set->p = NULL;
    set->n = 0;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int profile_load_dir(const char *dir, struct profile_set *set,
                     struct rc_msg *msg)
{
    set->p = NULL;
    set->n = 0;
    DIR *d = opendir(dir);
    if (d == NULL) {
        return rc_set(msg, RC_NOTFOUND, "cannot read the board profiles in "
                      "%s: %s (set MPEEK_PROFILES to the profiles folder)",
                      dir, strerror(errno));
    }
    char *names[256];
    size_t nn = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && nn < 256) {
        size_t l = strlen(e->d_name);
        if (l > 6 && strcmp(e->d_name + l - 6, ".board") == 0) {
            names[nn] = strdup(e->d_name);
            if (names[nn] != NULL) {
                nn++;
            }
        }
    }
    closedir(d);
    qsort(names, nn, sizeof *names, cmp_name);
    int rc = RC_OK;
    set->p = calloc(nn ? nn : 1, sizeof *set->p);
    for (size_t i = 0; i < nn; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        free(names[i]);
        if (set->p == NULL) {
            continue;
        }
        FILE *f = fopen(path, "rb");
        if (f == NULL) {
            rc = rc_set(msg, RC_IO, "%s: %s", path, strerror(errno));
            continue;
        }
        char text[65536];
        size_t len = fread(text, 1, sizeof text, f);
        int big = !feof(f);
        fclose(f);
        if (big) {
            rc = rc_set(msg, RC_PARSE, "%s: larger than 64 KiB", path);
            continue;
        }
        struct rc_msg m2;
        if (profile_parse(text, len, path, &set->p[set->n], &m2) == RC_OK) {
            set->n++;
        } else {
            *msg = m2;
            rc = RC_PARSE;
        }
    }
    if (set->p == NULL) {
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    return rc;
}

void profile_default_dir(char *out, size_t size)
{
    char dirs[4][DATADIR_PATH_MAX];
    size_t n = datadir_candidates("profiles", "MPEEK_PROFILES", dirs, 4);
    for (size_t i = 0; i + 1 < n; i++) {
        if (access(dirs[i], R_OK) == 0) {
            snprintf(out, size, "%s", dirs[i]);
            return;
        }
    }
    snprintf(out, size, "%s", n > 0 ? dirs[n - 1] : "profiles");
}

const struct profile *profile_find(const struct profile_set *set,
                                   const char *name)
{
    for (size_t i = 0; i < set->n; i++) {
        if (strcmp(set->p[i].name, name) == 0) {
            return &set->p[i];
        }
    }
    return NULL;
}

const struct profile *profile_choose(const struct profile_set *set,
                                     const char *platform, const char *machine)
{
    const struct profile *best = NULL;
    for (size_t i = 0; i < set->n; i++) {
        const struct profile *p = &set->p[i];
        if (p->nmatch == 0) {
            continue;
        }
        int ok = 1;
        for (int k = 0; k < p->nmatch && ok; k++) {
            if (strcmp(p->match[k].key, "platform") == 0) {
                ok = platform != NULL && strcmp(platform, p->match[k].value) == 0;
            } else {
                ok = machine != NULL && strstr(machine, p->match[k].value) != NULL;
            }
        }
        if (ok && (best == NULL || p->nmatch > best->nmatch)) {
            best = p;
        }
    }
    return best;
}

int profile_has_discover(const struct profile *p, const char *method)
{
    for (int i = 0; i < p->ndiscover; i++) {
        if (strcmp(p->discover[i], method) == 0) {
            return 1;
        }
    }
    return 0;
}
