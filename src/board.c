/*
 * board.c: probing a board's features, choosing the read method and
 * writing the device-side helper (see board.h).
 *
 * Every snippet sent here runs inside a function that is deleted again
 * (try/finally, so even when interrupted), or uses __import__, so the
 * user's globals on the board are left as they were; only the helper stays
 * while mpeek is connected.  "_mpk" in the code is the session's own prefix
 * (rrepl.h), and board_probe first checks that the board has no global
 * starting with it, so no name of the user's is ever touched.
 */
#include "board.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fmt.h"
#include "rrepl.h"

#define HELPER "_mpk"

static const char probe_ident[] =
    "def _mpkp():\n"
    " import sys\n"
    " i=sys.implementation;v=i.version\n"
    " print('impl='+i.name)\n"
    " print('ver=%d.%d.%d'%(v[0],v[1],v[2]))\n"
    " print('plat='+sys.platform)\n"
    " try:print('mach='+i._machine)\n"
    " except:pass\n"
    " try:\n"
    "  u=__import__('os').uname();print('umach='+u.machine);print('fw='+u.version)\n"
    " except:pass\n"
    "try:\n"
    " _mpkp()\n"
    "finally:\n"
    " del _mpkp\n";

/* Features, in two small snippets: old firmware keeps the whole command
 * in RAM while compiling it, and a busy 16 KiB board has little to spare. */
static const char probe_feat1[] =
    "def _mpkp():\n"
    " f=[]\n"
    " try:\n"
    "  __import__('uctypes').bytearray_at;f.append('uctypes')\n"
    " except:pass\n"
    " for n in('binascii','ubinascii'):\n"
    "  try:\n"
    "   m=__import__(n)\n"
    "   if hasattr(m,'b2a_base64'):f.append('b64:'+n)\n"
    "   if hasattr(m,'hexlify'):f.append('hex:'+n)\n"
    "   break\n"
    "  except:pass\n"
    " for n in('hashlib','uhashlib'):\n"
    "  try:\n"
    "   __import__(n).sha256(b'').digest();f.append('sha256:'+n);break\n"
    "  except:pass\n"
    " print('feat='+','.join(f))\n"
    "try:\n"
    " _mpkp()\n"
    "finally:\n"
    " del _mpkp\n";

static const char probe_feat2[] =
    "def _mpkp():\n"
    " f=[]\n"
    " try:\n"
    "  __import__('sys').stdout.buffer.write;f.append('stdoutbuf')\n"
    " except:pass\n"
    " try:\n"
    "  __import__('microbit').uart.write;f.append('mbuart')\n"
    " except:pass\n"
    " try:\n"
    "  m=__import__('machine')\n"
    "  for n in('mem8','mem16','mem32'):\n"
    "   if hasattr(m,n):f.append(n)\n"
    " except:pass\n"
    " try:\n"
    "  if int.from_bytes(b'\\x01\\x02','little')==513:f.append('frombytes')\n"
    " except:pass\n"
    " print('feat='+','.join(f))\n"
    "try:\n"
    " _mpkp()\n"
    "finally:\n"
    " del _mpkp\n";

/* How many globals start with the session's prefix (none, or mpeek picks
 * another).  Also makes room: the snippets after it need a little heap. */
static const char probe_names[] =
    "__import__('gc').collect();"
    "print('taken=%d'%len([k for k in globals() if k[:8]=='_mpk']))";

static const char probe_free[] =
    "__import__('gc').collect();print('free=%d'%__import__('gc').mem_free())";

static int has_feat(const char *feats, const char *name, char *mod,
                    size_t modsize)
{
    size_t nl = strlen(name);
    const char *p = feats;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len >= nl && strncmp(p, name, nl) == 0 &&
            (len == nl || p[nl] == ':')) {
            if (mod != NULL && modsize > 0) {
                size_t ml = len > nl ? len - nl - 1 : 0;
                if (ml >= modsize) {
                    ml = modsize - 1;
                }
                memcpy(mod, p + nl + 1, ml);
                mod[ml] = 0;
            }
            return 1;
        }
        if (end == NULL) {
            break;
        }
        p = end + 1;
    }
    return 0;
}

static int run(struct rrepl *r, const char *code, struct buf *out,
               struct rc_msg *msg)
{
    buf_clear(out);
    return rrepl_exec(r, code, out, NULL, msg);
}

/* Measure the free heap after a collection. */
static int free_heap(struct rrepl *r, long *out_free, struct rc_msg *msg)
{
    struct buf out;
    buf_init(&out);
    int rc = run(r, probe_free, &out, msg);
    char v[32];
    if (rc == RC_OK && fmt_kv(buf_str(&out), "free", v, sizeof v, NULL)) {
        *out_free = strtol(v, NULL, 10);
    } else if (rc == RC_OK) {
        *out_free = -1;
    }
    buf_fini(&out);
    return rc;
}

static const char *writer_expr(enum board_writer w)
{
    switch (w) {
    case BOARD_W_STDOUT_BUFFER: return "__import__('sys').stdout.buffer.write";
    case BOARD_W_MICROBIT_UART: return "__import__('microbit').uart.write";
    case BOARD_W_PRINT: return "lambda s:print(s,end='')";
    }
    return "";
}

/* Prove that the binary writer passes all 256 byte values unchanged. */
static int probe_binary(struct rrepl *r, struct board_info *info,
                        struct rc_msg *msg)
{
    char code[200];
    enum board_writer w = info->stdout_buffer ? BOARD_W_STDOUT_BUFFER
                                              : BOARD_W_MICROBIT_UART;
    snprintf(code, sizeof code, "%s(b'<'+bytes(range(256))+b'>')",
             writer_expr(w));
    int rc = rrepl_send(r, code, msg);
    if (rc == RC_OK) {
        rc = rrepl_begin(r, msg);
    }
    size_t have = 0;
    const unsigned char *p = NULL;
    while (rc == RC_OK) {
        p = rrepl_peek(r, &have);
        if (have >= 258) {
            break;
        }
        int n = rrepl_fill(r, 1000, msg);
        if (n < 0) {
            rc = n;
        }
    }
    int clean = 0;
    if (rc == RC_OK) {
        clean = p[0] == '<' && p[257] == '>';
        for (int i = 0; clean && i < 256; i++) {
            clean = p[1 + i] == i;
        }
        rrepl_consume(r, 258);
        rc = rrepl_end(r, NULL, NULL, msg);
    }
    if (rc != RC_OK || !clean) {
        /* A mangled or short echo can leave the framing out of step. */
        info->binary_clean = 0;
        return rrepl_resync(r, msg);
    }
    info->binary_clean = 1;
    return RC_OK;
}

int board_probe(struct rrepl *r, struct board_info *info, struct rc_msg *msg)
{
    memset(info, 0, sizeof *info);
    info->raw_paste = -1;
    info->binary_clean = -1;
    info->helper_heap = -1;
    struct buf out;
    buf_init(&out);
    int rc = RC_OK;
    for (int tries = 0; !rrepl_names_claimed(r); tries++) {
        char v[16];
        rc = run(r, probe_names, &out, msg);
        if (rc < 0) {
            goto done;
        }
        if (!fmt_kv(buf_str(&out), "taken", v, sizeof v, NULL)) {
            rc = rc_set(msg, RC_PROTO, "the board did not say which names "
                        "are free");
            goto done;
        }
        if (strcmp(v, "0") == 0) {
            rrepl_claim_names(r);
        } else if (tries >= 8) {
            rc = rc_set(msg, RC_PROTO, "the board holds globals with every "
                        "name mpeek tried (%s...)", rrepl_names(r));
            goto done;
        } else {
            rrepl_renew_names(r);
        }
    }
    rc = run(r, probe_ident, &out, msg);
    if (rc < 0) {
        goto done;
    }
    const char *t = buf_str(&out);
    if (!fmt_kv(t, "impl", info->impl, sizeof info->impl, NULL) ||
        !fmt_kv(t, "ver", info->version, sizeof info->version, NULL)) {
        rc = rc_set(msg, RC_PROTO, "the board did not say what it is");
        goto done;
    }
    fmt_kv(t, "plat", info->platform, sizeof info->platform, NULL);
    if (!fmt_kv(t, "mach", info->machine, sizeof info->machine, NULL)) {
        fmt_kv(t, "umach", info->machine, sizeof info->machine, NULL);
    }
    fmt_kv(t, "fw", info->firmware, sizeof info->firmware, NULL);

    char feats[400] = "";
    char part[200];
    const char *const probes[] = {probe_feat1, probe_feat2};
    for (size_t i = 0; i < 2; i++) {
        rc = run(r, probes[i], &out, msg);
        if (rc < 0) {
            goto done;
        }
        part[0] = 0;
        fmt_kv(buf_str(&out), "feat", part, sizeof part, NULL);
        if (part[0] != 0) {
            if (feats[0] != 0) {
                strcat(feats, ",");
            }
            strcat(feats, part);
        }
    }
    info->uctypes = has_feat(feats, "uctypes", NULL, 0);
    info->b64 = has_feat(feats, "b64", info->binascii, sizeof info->binascii);
    info->hexlify = has_feat(feats, "hex", info->binascii, sizeof info->binascii);
    info->sha256 = has_feat(feats, "sha256", info->hashlib, sizeof info->hashlib);
    info->stdout_buffer = has_feat(feats, "stdoutbuf", NULL, 0);
    info->microbit_uart = has_feat(feats, "mbuart", NULL, 0);
    info->mem8 = has_feat(feats, "mem8", NULL, 0);
    info->mem16 = has_feat(feats, "mem16", NULL, 0);
    info->mem32 = has_feat(feats, "mem32", NULL, 0);
    info->from_bytes = has_feat(feats, "frombytes", NULL, 0);
    info->raw_paste = rrepl_has_raw_paste(r);

    if (info->stdout_buffer || info->microbit_uart) {
        rc = probe_binary(r, info, msg);
        if (rc < 0) {
            goto done;
        }
    }
    rc = free_heap(r, &info->free_heap, msg);
    if (rc < 0) {
        goto done;
    }
    board_choose(info);
    if (!info->mem8 && !info->mem32 && !info->uctypes) {
        rc = rc_set(msg, RC_UNSUPP,
                    "this board has neither machine.mem8/mem32 nor uctypes: "
                    "mpeek cannot read its memory");
    }
done:
    buf_fini(&out);
    return rc;
}

static unsigned pow2_floor(long v)
{
    unsigned p = 64;
    while ((long)p * 2 <= v && p < 4096) {
        p *= 2;
    }
    return p;
}

static void board_size_chunk(struct board_info *info)
{
    struct board_method *m = &info->method;
    /* Heap each chunk costs on the board, in tenths of a chunk: the
     * bytearray a mem8 copy fills, and int.from_bytes with its division,
     * which holds about three copies of the chunk at once. */
    long cost = 5;
    if (m->access == BOARD_ACC_MEM8) {
        cost += 10;
    }
    if (m->digest == RECDEC_MODP) {
        cost += 30;
    }
    if (m->enc == RECDEC_B64) {
        cost += 27;
    } else if (m->enc == RECDEC_HEX) {
        cost += 40;
    }
    long free = info->free_heap > 0 ? info->free_heap : 8192;
    if (info->helper_heap > 0) {
        free -= info->helper_heap;
    }
    /* Leave half the heap to fragmentation and the board's own needs. */
    m->chunk = pow2_floor(free * 10 / 2 / cost);
    if (m->enc == RECDEC_WORDS) {
        m->chunk = m->chunk > 1024 ? 1024 : m->chunk;
    }
}

void board_choose(struct board_info *info)
{
    struct board_method *m = &info->method;
    m->access = info->uctypes ? BOARD_ACC_UCTYPES
              : info->mem8 ? BOARD_ACC_MEM8 : BOARD_ACC_MEM32;
    if (info->binary_clean == 1) {
        m->enc = RECDEC_BIN;
        m->writer = info->stdout_buffer ? BOARD_W_STDOUT_BUFFER
                                        : BOARD_W_MICROBIT_UART;
    } else if (info->b64) {
        m->enc = RECDEC_B64;
        m->writer = BOARD_W_PRINT;
    } else if (info->hexlify) {
        m->enc = RECDEC_HEX;
        m->writer = BOARD_W_PRINT;
    } else {
        m->enc = RECDEC_WORDS;
        m->writer = BOARD_W_PRINT;
    }
    if (m->enc != RECDEC_WORDS && info->sha256) {
        m->digest = RECDEC_SHA256;
    } else if (m->enc != RECDEC_WORDS && info->from_bytes) {
        m->digest = RECDEC_MODP;
    } else {
        m->enc = RECDEC_WORDS;
        m->writer = BOARD_W_PRINT;
    }
    if (m->enc == RECDEC_WORDS || m->access == BOARD_ACC_MEM32) {
        m->enc = RECDEC_WORDS;
        m->writer = BOARD_W_PRINT;
        m->access = BOARD_ACC_MEM32;
        m->digest = RECDEC_FLETCHER;
    }
    board_size_chunk(info);
}

int board_force_method(struct board_info *info, const char *name,
                       struct rc_msg *msg)
{
    struct board_info t = *info;
    if (strcmp(name, "bin") == 0) {
        if (info->binary_clean != 1) {
            return rc_set(msg, RC_UNSUPP, "the link to this board is not "
                          "8-bit clean (or it has no binary writer)");
        }
        t.b64 = t.hexlify = 0;
    } else if (strcmp(name, "b64") == 0) {
        if (!info->b64) {
            return rc_set(msg, RC_UNSUPP, "this board has no binascii.b2a_base64");
        }
        t.binary_clean = 0;
        t.hexlify = 0;
    } else if (strcmp(name, "hex") == 0) {
        if (!info->hexlify) {
            return rc_set(msg, RC_UNSUPP, "this board has no binascii.hexlify");
        }
        t.binary_clean = 0;
        t.b64 = 0;
    } else if (strcmp(name, "words") == 0) {
        if (!info->mem32) {
            return rc_set(msg, RC_UNSUPP, "this board has no machine.mem32");
        }
        t.binary_clean = 0;
        t.b64 = t.hexlify = 0;
        t.from_bytes = 0;
        t.sha256 = 0;
    } else if (strcmp(name, "auto") != 0) {
        return rc_set(msg, RC_ARG,
                      "unknown read method '%s' (use auto, bin, b64, hex or "
                      "words)", name);
    }
    board_choose(&t);
    info->method = t.method;
    return RC_OK;
}

int board_helper_code(const struct board_info *info,
                      const struct board_method *m, char *buf, size_t size)
{
    struct buf c;
    buf_init(&c);
    if (m->enc == RECDEC_WORDS) {
        buf_addstr(&c,
            "def " HELPER "(a,n,c,M=__import__('machine').mem32):\n"
            " P=1073741789\n"
            " while n>0:\n"
            "  k=min(n,c);s=t=0;print('D',end='')\n"
            "  for i in range(a,a+k,4):\n"
            "   v=M[i];print('%08x'%(v&0xffffffff),end='');s=(s+v)%P;t=(t+s)%P\n"
            "  print('%08x%08x'%(s,t),end='');a+=k;n-=k\n"
            " print('E',end='')\n");
    } else {
        int text = m->enc != RECDEC_BIN;
        const char *q = text ? "'" : "b'";
        buf_printf(&c, "def " HELPER "(a,n,c,w=%s", writer_expr(m->writer));
        if (m->digest == RECDEC_SHA256) {
            buf_printf(&c, ",H=__import__('%s').sha256", info->hashlib);
        }
        if (m->enc == RECDEC_B64) {
            buf_printf(&c, ",e=__import__('%s').b2a_base64", info->binascii);
        } else if (m->enc == RECDEC_HEX) {
            buf_printf(&c, ",e=__import__('%s').hexlify", info->binascii);
        }
        if (m->access == BOARD_ACC_UCTYPES) {
            buf_addstr(&c, ",g=__import__('uctypes').bytearray_at");
        } else {
            buf_addstr(&c, ",M=__import__('machine').mem8");
        }
        buf_addstr(&c, "):\n");
        if (m->access == BOARD_ACC_MEM8) {
            buf_addstr(&c, " m=bytearray(c)\n");
        }
        buf_addstr(&c, " while n>0:\n  k=min(n,c)\n");
        if (m->access == BOARD_ACC_MEM8) {
            buf_addstr(&c, "  if k<c:m=bytearray(k)\n"
                           "  for i in range(k):m[i]=M[a+i]\n");
        } else {
            buf_addstr(&c, "  m=g(a,k)\n");
        }
        if (m->digest == RECDEC_SHA256) {
            buf_addstr(&c, text ? "  d=e(H(m).digest()).decode()\n"
                                : "  d=H(m).digest()\n");
        } else {
            buf_printf(&c, "  d=%s%%08x'%%(int.from_bytes(m,'little')%%1073741789)\n",
                       q);
        }
        buf_printf(&c, "  if not any(m):w(%sZ')\n", q);
        buf_printf(&c, "  elif min(m)>254:w(%sF')\n", q);
        buf_printf(&c, "  else:w(%sD');w(%s)\n", q, text ? "e(m).decode()" : "m");
        buf_addstr(&c, "  w(d);a+=k;n-=k\n");
        buf_printf(&c, " w(%sE')\n", q);
    }
    int rc = RC_OK;
    if (c.len + 1 > size) {
        rc = RC_NOMEM;
    } else {
        memcpy(buf, buf_str(&c), c.len + 1);
    }
    buf_fini(&c);
    return rc;
}

int board_install(struct rrepl *r, struct board_info *info,
                  struct rc_msg *msg)
{
    char code[2048];
    long before = -1, after = -1;
    int rc = free_heap(r, &before, msg);
    if (rc < 0) {
        return rc;
    }
    if (board_helper_code(info, &info->method, code, sizeof code) != RC_OK) {
        return rc_set(msg, RC_NOMEM, "helper code too long");
    }
    rc = rrepl_exec(r, code, NULL, NULL, msg);
    if (rc < 0) {
        return rc_prefix(msg, rc, "installing the read helper");
    }
    rc = free_heap(r, &after, msg);
    if (rc < 0) {
        return rc;
    }
    info->helper_heap = before >= 0 && after >= 0 ? before - after : -1;
    if (info->helper_heap < 0 && before >= 0 && after >= 0) {
        info->helper_heap = 0;
    }
    return RC_OK;
}

int board_uninstall(struct rrepl *r, struct rc_msg *msg)
{
    if (!rrepl_names_claimed(r)) {
        return RC_OK; /* nothing of mpeek's can be there */
    }
    /* Every global with the session's prefix is mpeek's: the helper, and
     * a snippet's function that an interrupt stopped short. */
    return rrepl_on_leave(r, "[globals().pop(k) for k in list(globals()) "
                          "if k[:8]=='_mpk']", msg);
}

const char *board_method_name(const struct board_method *m, char *buf,
                              size_t size)
{
    const char *acc = m->access == BOARD_ACC_UCTYPES ? "uctypes.bytearray_at"
                    : m->access == BOARD_ACC_MEM8 ? "machine.mem8"
                                                  : "machine.mem32";
    const char *enc = m->enc == RECDEC_BIN ? "binary"
                    : m->enc == RECDEC_B64 ? "base64"
                    : m->enc == RECDEC_HEX ? "hex" : "hex words";
    const char *w = m->writer == BOARD_W_STDOUT_BUFFER ? "sys.stdout.buffer"
                  : m->writer == BOARD_W_MICROBIT_UART ? "microbit.uart"
                                                       : "print";
    const char *dig = m->digest == RECDEC_SHA256 ? "sha256"
                    : m->digest == RECDEC_MODP ? "int.from_bytes mod p"
                                               : "word checksum";
    snprintf(buf, size, "%s via %s, %s, verified by %s", enc, w, acc, dig);
    return buf;
}
