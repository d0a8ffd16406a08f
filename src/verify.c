/*
 * verify.c: board versus image (see verify.h).
 */
#include "verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "image.h"
#include "mread.h"
#include "recdec.h"
#include "rmap.h"
#include "rrepl.h"

/* Bytes of one exec: long enough to be efficient, short enough that a
 * board that stops answering is noticed within a part. */
#define VERIFY_PIECE 0x10000u

void verify_report_free(struct verify_report *r)
{
    free(r->p);
    r->p = NULL;
    r->n = 0;
}

static int add_part(struct verify_report *r, size_t *cap, const char *name,
                    uint32_t addr, uint32_t len)
{
    if (len == 0) {
        return RC_OK;
    }
    if (r->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        struct verify_part *np = realloc(r->p, nc * sizeof *np);
        if (np == NULL) {
            return RC_NOMEM;
        }
        r->p = np;
        *cap = nc;
    }
    struct verify_part *p = &r->p[r->n++];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->addr = addr;
    p->len = len;
    return RC_OK;
}

static int cmp_part(const void *a, const void *b)
{
    const struct verify_part *x = a, *y = b;
    if (x->addr != y->addr) {
        return x->addr < y->addr ? -1 : 1;
    }
    return x->len > y->len ? -1 : x->len < y->len;
}

/* Add [addr, addr+len) under name, cut to the image's segments. */
static int add_covered(struct verify_report *r, size_t *cap, const struct image *img,
                       const char *name, uint32_t addr, uint32_t len)
{
    uint64_t end = (uint64_t)addr + len;
    for (size_t i = 0; i < img->nsegs; i++) {
        uint64_t s = img->segs[i].addr, e = s + img->segs[i].len;
        uint64_t a = s > addr ? s : addr, b = e < end ? e : end;
        if (a < b && add_part(r, cap, name, (uint32_t)a, (uint32_t)(b - a)) < 0) {
            return RC_NOMEM;
        }
    }
    return RC_OK;
}

int verify_plan(const struct image *img, struct verify_report *out)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    for (size_t i = 0; i < img->nsects; i++) {
        const struct image_sect *s = &img->sects[i];
        if (s->flags & IMAGE_SF_NOBITS) {
            continue;
        }
        char name[64];
        if (s->load != s->addr) {
            snprintf(name, sizeof name, "%.40s (load)", s->name);
        } else {
            snprintf(name, sizeof name, "%s", s->name);
        }
        if (add_covered(out, &cap, img, name, s->load, s->size) < 0) {
            goto nomem;
        }
    }
    if (out->n > 1) {
        qsort(out->p, out->n, sizeof *out->p, cmp_part);
    }
    /* Clip parts that overlap an earlier one. */
    size_t k = 0;
    uint64_t reach = 0;
    for (size_t i = 0; i < out->n; i++) {
        struct verify_part p = out->p[i];
        uint64_t end = (uint64_t)p.addr + p.len;
        if (end <= reach) {
            continue;
        }
        if (p.addr < reach) {
            p.len = (uint32_t)(end - reach);
            p.addr = (uint32_t)reach;
        }
        out->p[k++] = p;
        reach = end;
    }
    out->n = k;
    /* Load bytes no section covers (or all of them: HEX, raw). */
    size_t nsect_parts = out->n;
    for (size_t i = 0; i < img->nsegs; i++) {
        uint64_t a = img->segs[i].addr, e = a + img->segs[i].len;
        for (size_t j = 0; j < nsect_parts && a < e; j++) {
            uint64_t ps = out->p[j].addr, pe = ps + out->p[j].len;
            if (pe <= a || ps >= e) {
                continue;
            }
            if (ps > a && add_part(out, &cap, img->nsects ? "load bytes" : "image",
                                   (uint32_t)a, (uint32_t)(ps - a)) < 0) {
                goto nomem;
            }
            if (pe > a) {
                a = pe;
            }
        }
        if (a < e && add_part(out, &cap, img->nsects ? "load bytes" : "image",
                              (uint32_t)a, (uint32_t)(e - a)) < 0) {
            goto nomem;
        }
    }
    if (out->n > 1) {
        qsort(out->p, out->n, sizeof *out->p, cmp_part);
    }
    if (img->nsects == 0 && out->n > 1) {
        for (size_t i = 0; i < out->n; i++) {
            snprintf(out->p[i].name, sizeof out->p[i].name, "segment %zu", i + 1);
        }
    }
    return RC_OK;
nomem:
    verify_report_free(out);
    return RC_NOMEM;
}

uint32_t verify_block(const struct board_info *info)
{
    const struct board_method *m = &info->method;
    if (m->access == BOARD_ACC_UCTYPES) {
        return 4096;
    }
    if (m->access == BOARD_ACC_MEM32) {
        return 2048;
    }
    uint32_t c = m->chunk;
    if (c < 64) {
        c = 64;
    }
    if (c > 4096) {
        c = 4096;
    }
    return c & ~3u;
}

int verify_digest_code(const struct board_info *info, uint32_t addr,
                       uint32_t len, uint32_t block, struct buf *out)
{
    const struct board_method *m = &info->method;
    buf_clear(out);
    if (m->access == BOARD_ACC_MEM32) {
        buf_addstr(out,
            "def _mpkv(a,n,c,M=__import__('machine').mem32):\n"
            " P=1073741789\n"
            " while n>0:\n"
            "  k=min(n,c);s=t=0\n"
            "  for i in range(a,a+k,4):\n"
            "   v=M[i];s=(s+v)%P;t=(t+s)%P\n"
            "  print('%08x%08x'%(s,t));a+=k;n-=k\n");
    } else {
        buf_addstr(out, "def _mpkv(a,n,c");
        if (m->digest == RECDEC_SHA256) {
            buf_printf(out, ",H=__import__('%s').sha256", info->hashlib);
            if (info->hexlify) {
                buf_printf(out, ",X=__import__('%s').hexlify", info->binascii);
            }
        }
        if (m->access == BOARD_ACC_UCTYPES) {
            buf_addstr(out, ",g=__import__('uctypes').bytearray_at");
        } else {
            buf_addstr(out, ",M=__import__('machine').mem8");
        }
        buf_addstr(out, "):\n");
        if (m->access == BOARD_ACC_MEM8) {
            buf_addstr(out, " m=bytearray(c)\n");
        }
        buf_addstr(out, " while n>0:\n  k=min(n,c)\n");
        if (m->access == BOARD_ACC_MEM8) {
            buf_addstr(out, "  if k<c:m=bytearray(k)\n"
                            "  for i in range(k):m[i]=M[a+i]\n");
        } else {
            buf_addstr(out, "  m=g(a,k)\n");
        }
        if (m->digest == RECDEC_SHA256) {
            buf_addstr(out, info->hexlify
                ? "  print(X(H(m).digest()).decode())\n"
                : "  print(''.join('%02x'%x for x in H(m).digest()))\n");
        } else {
            buf_addstr(out, "  print('%08x'%(int.from_bytes(m,'little')%1073741789))\n");
        }
        buf_addstr(out, "  a+=k;n-=k\n");
    }
    buf_printf(out, "try:\n _mpkv(0x%x,%u,%u)\nfinally:\n del _mpkv\n",
               (unsigned)addr, (unsigned)len, (unsigned)block);
    return buf_failed(out) ? RC_NOMEM : RC_OK;
}

struct collect {
    uint8_t *dst;
    uint32_t base;
    uint32_t len;
};

static void collect_chunk(void *ctx, uint32_t addr, const uint8_t *data,
                          size_t len)
{
    struct collect *c = ctx;
    if (addr < c->base || (uint64_t)addr + len > (uint64_t)c->base + c->len) {
        return;
    }
    memcpy(c->dst + (addr - c->base), data, len);
}

/* Read [addr, addr+len) from the board and count how it differs. */
static int compare_read(struct mread *m, const struct image *img,
                        struct verify_part *p, uint32_t addr, uint32_t len,
                        uint8_t *board, uint8_t *want, struct rc_msg *msg)
{
    struct collect c = {board, addr, len};
    struct mread_cb cb = {collect_chunk, NULL, &c};
    int rc = mread_read(m, addr, len, &cb, msg);
    if (rc < 0) {
        return rc_prefix(msg, rc, "reading 0x%08x..0x%08x", (unsigned)addr,
                         (unsigned)(addr + len - 1));
    }
    image_copy(img, addr, len, want);
    p->read += len;
    for (uint32_t i = 0; i < len; i++) {
        if (board[i] != want[i]) {
            if (p->ndiff == 0) {
                p->first_diff = addr + i;
                p->image_byte = want[i];
                p->board_byte = board[i];
            }
            p->ndiff++;
        }
    }
    return RC_OK;
}

/* Digests of one piece from the board, then reads of the blocks that
 * differ.  *block may shrink on a MemoryError. */
static int verify_piece(struct rrepl *r, struct mread *m,
                        const struct board_info *info, const struct image *img,
                        struct verify_part *p, uint32_t addr, uint32_t len,
                        uint32_t *block, uint8_t *board, uint8_t *want,
                        struct rc_msg *msg)
{
    struct buf code, out;
    buf_init(&code);
    buf_init(&out);
    int rc;
    for (;;) {
        if (verify_digest_code(info, addr, len, *block, &code) < 0) {
            rc = buf_check(&code, msg, "the digest code for the board");
            goto done;
        }
        buf_clear(&out);
        rc = rrepl_exec(r, buf_str(&code), &out, NULL, msg);
        if (rc == RC_DEVMEM && *block > 64) {
            *block /= 2;
            continue;
        }
        break;
    }
    if (rc == RC_OK) {
        rc = buf_check(&out, msg, "the digests the board sent");
    }
    if (rc < 0) {
        rc_prefix(msg, rc, "digests of 0x%08x..0x%08x", (unsigned)addr,
                  (unsigned)(addr + len - 1));
        goto done;
    }
    const char *s = buf_str(&out);
    for (uint32_t off = 0; off < len; off += *block) {
        uint32_t k = len - off < *block ? len - off : *block;
        while (*s == '\r' || *s == '\n' || *s == ' ') {
            s++;
        }
        const char *e = s;
        while (*e != 0 && *e != '\r' && *e != '\n' && *e != ' ') {
            e++;
        }
        if (e == s) {
            rc = rc_set(msg, RC_PROTO, "the board sent %u digests for "
                        "0x%08x..0x%08x, %u were due", (unsigned)(off / *block),
                        (unsigned)addr, (unsigned)(addr + len - 1),
                        (unsigned)((len + *block - 1) / *block));
            goto done;
        }
        char host[80];
        image_copy(img, addr + off, k, want);
        recdec_digest_text(info->method.digest, want, k, host, sizeof host);
        int same = (size_t)(e - s) == strlen(host);
        for (size_t i = 0; same && host[i] != 0; i++) {
            same = fmt_hex_digit(s[i]) >= 0 &&
                   fmt_hex_digit(s[i]) == fmt_hex_digit(host[i]);
        }
        if (same) {
            p->by_digest += k;
        } else {
            rc = compare_read(m, img, p, addr + off, k, board, want, msg);
            if (rc < 0) {
                goto done;
            }
        }
        s = e;
    }
    rc = RC_OK;
done:
    buf_fini(&code);
    buf_fini(&out);
    return rc;
}

int verify_run(struct rrepl *r, struct mread *m, struct board_info *info,
               const struct rmap *map, const struct image *img,
               struct verify_report *rep, const struct verify_progress *prog,
               struct rc_msg *msg)
{
    uint64_t total = 0, done = 0;
    for (size_t i = 0; i < rep->n; i++) {
        total += rep->p[i].len;
    }
    uint8_t *board = malloc(VERIFY_PIECE), *want = malloc(VERIFY_PIECE);
    if (board == NULL || want == NULL) {
        free(board);
        free(want);
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    int rc = RC_OK;
    for (size_t i = 0; i < rep->n && rc == RC_OK; i++) {
        struct verify_part *p = &rep->p[i];
        p->status = VERIFY_EQUAL;
        if (map != NULL) {
            struct rc_msg why;
            int word_only = 0;
            if (rmap_check_read(map, p->addr, p->len, &word_only, &why) < 0) {
                p->status = VERIFY_UNREADABLE;
                snprintf(p->why, sizeof p->why, "%.500s", why.text);
                done += p->len;
                continue;
            }
        }
        /* The reader chooses the loads (words where byte loads fault); the
         * digests below run with the same method. */
        struct rc_msg why;
        if (mread_select(m, p->addr, p->len, &why) < 0) {
            p->status = VERIFY_UNREADABLE;
            snprintf(p->why, sizeof p->why, "this memory takes aligned "
                     "32-bit reads only, and %.400s", why.text);
            done += p->len;
            continue;
        }
        uint32_t block = verify_block(info);
        int words = info->method.digest == RECDEC_FLETCHER;
        for (uint32_t off = 0; off < p->len && rc == RC_OK;) {
            uint32_t n = p->len - off < VERIFY_PIECE ? p->len - off : VERIFY_PIECE;
            uint32_t a = p->addr + off;
            if (words && (a % 4 != 0 || n % 4 != 0)) {
                /* The word checksum needs whole words: read instead. */
                rc = compare_read(m, img, p, a, n, board, want, msg);
            } else {
                rc = verify_piece(r, m, info, img, p, a, n, &block, board, want,
                                  msg);
            }
            off += n;
            done += n;
            if (prog != NULL && prog->fn != NULL) {
                prog->fn(prog->ctx, done, total);
            }
        }
        if (p->ndiff > 0) {
            p->status = VERIFY_DIFFERENT;
        }
        mread_select_end(m);
    }
    free(board);
    free(want);
    return rc;
}

int verify_format(const struct verify_report *rep, const char *image_path,
                  struct buf *out, int *all_equal)
{
    size_t neq = 0, ndiff = 0, nunread = 0, nchanged = 0;
    uint64_t by_digest = 0, read = 0;
    size_t w = 4;
    for (size_t i = 0; i < rep->n; i++) {
        size_t l = strlen(rep->p[i].name);
        if (l > w) {
            w = l;
        }
    }
    buf_printf(out, "%-*s  %-10s  %-10s  %s\n", (int)w, "part", "address",
               "size", "result");
    for (size_t i = 0; i < rep->n; i++) {
        const struct verify_part *p = &rep->p[i];
        char size[32];
        fmt_size(p->len, size, sizeof size);
        buf_printf(out, "%-*s  0x%08x  %-10s  ", (int)w, p->name,
                   (unsigned)p->addr, size);
        by_digest += p->by_digest;
        read += p->read;
        switch (p->status) {
        case VERIFY_EQUAL:
            neq++;
            buf_addstr(out, "equal\n");
            break;
        case VERIFY_DIFFERENT:
            if (p->changes) {
                /* RAM of a snapshot: the board has run since. */
                nchanged++;
                buf_printf(out, "changed since (RAM, expected): %llu %s, first "
                           "at 0x%08x\n", (unsigned long long)p->ndiff,
                           p->ndiff == 1 ? "byte differs" : "bytes differ",
                           (unsigned)p->first_diff);
                break;
            }
            ndiff++;
            buf_printf(out, "DIFFERENT: %llu %s, first at 0x%08x "
                       "(image 0x%02x, board 0x%02x)\n",
                       (unsigned long long)p->ndiff,
                       p->ndiff == 1 ? "byte differs" : "bytes differ",
                       (unsigned)p->first_diff, p->image_byte, p->board_byte);
            break;
        case VERIFY_UNREADABLE:
            nunread++;
            buf_printf(out, "NOT READ: %s\n", p->why);
            break;
        }
    }
    char a[32], b[32];
    fmt_size(by_digest, a, sizeof a);
    fmt_size(read, b, sizeof b);
    char changed[64] = "";
    if (nchanged > 0) {
        snprintf(changed, sizeof changed, ", %zu RAM part%s changed (expected)",
                 nchanged, nchanged == 1 ? "" : "s");
    }
    buf_printf(out, "%s: %zu part%s equal, %zu different, %zu not read%s "
               "(%s matched by digest on the board, %s read)\n", image_path,
               neq, neq == 1 ? "" : "s", ndiff, nunread, changed, a, b);
    *all_equal = ndiff == 0 && nunread == 0;
    return buf_failed(out) ? RC_NOMEM : RC_OK;
}
