/*
 * qcache.c: the qstr search's hints kept between runs (see qcache.h).
 */
#include "qcache.h"

#include "datadir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "ofile.h"
#include "recdec.h"

static const char magic[8] = {'M', 'P', 'K', 'Q', 'S', 'T', 'R', '\n'};

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

void qcache_identity(const struct board_info *info, uint8_t id[32])
{
    /* Each field with its terminating NUL, bounded by its array. */
    const char *f[] = {info->impl, info->version, info->firmware, info->machine,
                       info->platform};
    const size_t cap[] = {sizeof info->impl, sizeof info->version, sizeof info->firmware,
                          sizeof info->machine, sizeof info->platform};
    uint8_t b[sizeof info->impl + sizeof info->version + sizeof info->firmware +
              sizeof info->machine + sizeof info->platform + 16];
    size_t n = 0;
    memcpy(b, "mpeek-fw-id 1", 14);
    n = 14;
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        size_t l = strnlen(f[i], cap[i] - 1);
        memcpy(b + n, f[i], l);
        n += l;
        b[n++] = 0;
    }
    recdec_sha256(b, n, id);
}

size_t qcache_encode(const struct qstr_hint *h, const uint8_t id[32], uint8_t *out)
{
    if (h->npools == 0 || h->npools > QSTR_HINT_POOLS) {
        return 0;
    }
    memset(out, 0, QCACHE_MAX);
    memcpy(out, magic, 8);
    put32(out + 8, QCACHE_FORMAT);
    memcpy(out + 12, id, 32);
    put32(out + 44, h->fam);
    put32(out + 48, h->hw);
    put32(out + 52, h->lw);
    put32(out + 56, h->hdr);
    put32(out + 60, h->npools);
    put32(out + 64, h->count);
    memcpy(out + 68, h->digest, 32);
    put32(out + 100, h->last_word);
    uint8_t *p = out + QCACHE_HEAD;
    for (uint32_t i = 0; i < h->npools; i++, p += 24) {
        const struct qstr_hint_pool *q = &h->pools[i];
        put32(p, q->addr);
        put32(p + 4, q->first);
        put32(p + 8, q->len);
        put32(p + 12, q->alloc);
        put32(p + 16, q->hashes);
        put32(p + 20, q->lengths);
    }
    size_t n = (size_t)(p - out);
    recdec_sha256(out, n, p);
    return n + 32;
}

int qcache_decode(const uint8_t *b, size_t n, const uint8_t id[32], struct qstr_hint *h,
                  struct rc_msg *msg)
{
    memset(h, 0, sizeof *h);
    if (n < 12 || memcmp(b, magic, 8) != 0) {
        return rc_set(msg, RC_PARSE, "not an mpeek qstr cache");
    }
    uint32_t ver = get32(b + 8);
    if (ver != QCACHE_FORMAT) {
        return rc_set(msg, RC_PARSE, "format version %u; this mpeek reads %u", ver,
                      QCACHE_FORMAT);
    }
    if (n < QCACHE_HEAD + 24 + 32) {
        return rc_set(msg, RC_PARSE, "%zu bytes: cut short", n);
    }
    uint32_t np = get32(b + 60);
    if (np == 0 || np > QSTR_HINT_POOLS) {
        return rc_set(msg, RC_PARSE, "%u const pools (1 to %u)", np, QSTR_HINT_POOLS);
    }
    size_t want = QCACHE_HEAD + 24 * (size_t)np + 32;
    if (n != want) {
        return rc_set(msg, RC_PARSE, "%zu bytes, but %u pools take %zu", n, np, want);
    }
    uint8_t sum[32];
    recdec_sha256(b, want - 32, sum);
    if (memcmp(sum, b + want - 32, 32) != 0) {
        return rc_set(msg, RC_PARSE, "its checksum does not match");
    }
    if (memcmp(b + 12, id, 32) != 0) {
        return rc_set(msg, RC_PARSE, "it is for another firmware");
    }
    struct qstr_hint t;
    memset(&t, 0, sizeof t);
    t.fam = get32(b + 44);
    t.hw = get32(b + 48);
    t.lw = get32(b + 52);
    t.hdr = get32(b + 56);
    t.npools = np;
    t.count = get32(b + 64);
    memcpy(t.digest, b + 68, 32);
    t.last_word = get32(b + 100);
    int lay = (t.fam == 1 && t.hw >= 1 && t.hw <= 2 && t.hdr == 16) ||
              (t.fam == 2 && t.hw <= 2 && t.hdr == (t.hw ? 24u : 20u));
    if (!lay || (t.lw != 1 && t.lw != 2)) {
        return rc_set(msg, RC_PARSE, "layout family %u, hash %u, length %u, header %u is "
                      "not one MicroPython has", t.fam, t.hw, t.lw, t.hdr);
    }
    if ((t.last_word & 3) != 0) {
        return rc_set(msg, RC_PARSE, "last_pool word 0x%08x is not word-aligned", t.last_word);
    }
    uint64_t next = 0;
    const uint8_t *p = b + QCACHE_HEAD;
    for (uint32_t i = 0; i < np; i++, p += 24) {
        struct qstr_hint_pool *q = &t.pools[i];
        q->addr = get32(p);
        q->first = get32(p + 4);
        q->len = get32(p + 8);
        q->alloc = get32(p + 12);
        q->hashes = get32(p + 16);
        q->lengths = get32(p + 20);
        if ((q->addr & 3) != 0 || q->addr == 0 || q->first != next || q->len == 0 ||
            (uint64_t)q->addr + t.hdr + 4ull * q->len > 0x100000000ull) {
            return rc_set(msg, RC_PARSE, "const pool %u (at 0x%08x, %u qstrs from %u) does "
                          "not follow the one before", i, q->addr, q->len, q->first);
        }
        next += q->len;
    }
    if (next != t.count || t.count < 2) {
        return rc_set(msg, RC_PARSE, "%u qstrs, but the pools hold %llu", t.count,
                      (unsigned long long)next);
    }
    *h = t;
    return RC_OK;
}

int qcache_dir(char *buf, size_t size, struct rc_msg *msg)
{
    return datadir_cache("qstr", buf, size, msg);
}

void qcache_path(const char *dir, const uint8_t id[32], char *buf, size_t size)
{
    char hex[33];
    for (int i = 0; i < 16; i++) {
        snprintf(hex + 2 * i, 3, "%02x", id[i]);
    }
    snprintf(buf, size, "%s/%s.qc", dir, hex);
}

int qcache_load(const char *path, const uint8_t id[32], struct qstr_hint *h,
                struct rc_msg *msg)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int e = errno;
        return rc_set(msg, e == ENOENT ? RC_NOTFOUND : RC_IO, "cannot read %s: %s", path,
                      strerror(e));
    }
    uint8_t b[QCACHE_MAX + 1];
    size_t n = fread(b, 1, sizeof b, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        return rc_set(msg, RC_IO, "cannot read %s", path);
    }
    if (n > QCACHE_MAX) {
        return rc_set(msg, RC_PARSE, "%s: longer than any qstr cache", path);
    }
    int rc = qcache_decode(b, n, id, h, msg);
    if (rc != RC_OK) {
        return rc_prefix(msg, rc, "%s", path);
    }
    return RC_OK;
}

int qcache_store(const char *dir, const char *path, const uint8_t id[32],
                 const struct qstr_hint *h, struct rc_msg *msg)
{
    uint8_t b[QCACHE_MAX];
    size_t n = qcache_encode(h, id, b);
    if (n == 0) {
        return rc_set(msg, RC_ARG, "nothing to keep in %s", path);
    }
    if (datadir_mkdirs(dir, 0700) != 0) {
        int e = errno;
        return rc_set(msg, e == EACCES ? RC_PERM : RC_IO, "cannot make %s: %s", dir,
                      strerror(e));
    }
    struct ofile of;
    int rc = ofile_open(&of, path, msg);
    if (rc != RC_OK) {
        return rc;
    }
    if (fwrite(b, 1, n, of.f) != n) {
        int e = errno;
        ofile_abort(&of);
        return rc_set(msg, RC_IO, "writing %s: %s", path, strerror(e));
    }
    return ofile_commit(&of, msg);
}
