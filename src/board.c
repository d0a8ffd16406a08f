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

/* Everything at once, for firmware with raw-paste (v1.14 on, boards with
 * heap to spare for the text; else MemoryError and the small steps): whether
 * the session's names are free (only then is anything defined: first the
 * marker, see rrepl_names_maybe), identity, features, the helper this
 * firmware most likely gets (PROBE_HELPER: defined inside a try, so a board
 * without what it uses just has none; "hlp=1" when it was), then, when
 * there is a binary writer, a line "bin=1" and the 256 byte values framed
 * by '<' '>' through it.  Kept short: on a 115200-baud line every 100
 * bytes of it cost 9 ms. */
static const char probe_all_head[] =
    "if[k for k in globals()if k[:8]=='_mpk']:print('taken=1')\n"
    "else:\n"
    " PROBE_MARKER\n"
    " def _mpkp():\n"
    "  global _mpk\n"
    "  import sys\n"
    "  def t(m,a):\n"
    "   try:return getattr(__import__(m),a)\n"
    "   except:pass\n"
    "  i=sys.implementation;v=i.version;f=[];A=f.append\n"
    "  print('taken=0\\nimpl=%s\\nver=%d.%d.%d\\nplat=%s'%(i.name,v[0],v[1],v[2],sys.platform))\n"
    "  try:print('mach='+i._machine)\n"
    "  except:pass\n"
    "  try:u=__import__('os').uname();print('umach='+u.machine+'\\nfw='+u.version)\n"
    "  except:pass\n"
    "  if t('uctypes','bytearray_at'):A('uctypes')\n"
    "  for n in('binascii','ubinascii'):\n"
    "   if t(n,'b2a_base64'):A('b64:'+n)\n"
    "   if t(n,'hexlify'):A('hex:'+n);break\n"
    "  for n in('hashlib','uhashlib'):\n"
    "   try:__import__(n).sha256(b'').digest();A('sha256:'+n);break\n"
    "   except:pass\n"
    "  w=getattr(getattr(getattr(sys,'stdout',0),'buffer',0),'write',0)\n"
    "  if w:A('stdoutbuf')\n"
    "  u=t('microbit','uart')\n"
    "  if u:A('mbuart');w=w or u.write\n"
    "  for n in('mem8','mem16','mem32'):\n"
    "   if t('machine',n):A(n)\n"
    "  try:\n"
    "   if int.from_bytes(b'\\x01\\x02','little')==513:A('frombytes')\n"
    "  except:pass\n"
    "  print('feat='+','.join(f))\n"
    "  try:\n";
/* ... the helper's lines, indented by three spaces ... */
static const char probe_all_tail[] =
    "   print('hlp=1')\n"
    "  except:pass\n"
    "  if w:print('bin=1');w(b'<'+bytes(range(256))+b'>')\n"
    " try:\n"
    "  _mpkp()\n"
    " finally:\n"
    "  del _mpkp\n";

/* The method that firmware with raw-paste most likely gets, for the helper
 * defined in the probe: binary through sys.stdout.buffer, uctypes,
 * hashlib.sha256.  It is used only if the probe's answer chooses exactly
 * the same code (board_probe compares). */
static void likely_info(struct board_info *t)
{
    memset(t, 0, sizeof *t);
    t->uctypes = t->sha256 = t->stdout_buffer = 1;
    t->binary_clean = 1;
    snprintf(t->hashlib, sizeof t->hashlib, "hashlib");
    t->free_heap = -1;
    t->helper_heap = -1;
    board_choose(t);
}

/* probe_all_head, the marker, the likely helper, probe_all_tail. */
static int probe_all_code(struct rrepl *r, struct buf *out,
                          unsigned char sha[32])
{
    struct board_info t;
    char helper[2048], marker[64];
    likely_info(&t);
    if (board_helper_code(&t, &t.method, helper, sizeof helper) != RC_OK) {
        return RC_NOMEM;
    }
    recdec_sha256((const uint8_t *)helper, strlen(helper), sha);
    rrepl_marker(r, marker, sizeof marker);
    const char *at = strstr(probe_all_head, "PROBE_MARKER");
    buf_add(out, probe_all_head, (size_t)(at - probe_all_head));
    buf_addstr(out, marker);
    buf_addstr(out, at + strlen("PROBE_MARKER"));
    for (const char *line = helper; *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) + 1 : strlen(line);
        buf_addstr(out, "   ");
        buf_add(out, line, n);
        line += n;
    }
    buf_addstr(out, probe_all_tail);
    buf_str(out);
    return buf_failed(out) ? RC_NOMEM : RC_OK;
}

/* The names check and the identity in one snippet (old firmware): the
 * identity's function is defined only when the names are free. */
static const char probe_names_ident[] =
    "__import__('gc').collect()\n"
    "if[k for k in globals()if k[:8]=='_mpk']:print('taken=1')\n"
    "else:\n"
    " print('taken=0')\n"
    " def _mpkp():\n"
    "  import sys\n"
    "  i=sys.implementation;v=i.version\n"
    "  print('impl='+i.name)\n"
    "  print('ver=%d.%d.%d'%(v[0],v[1],v[2]))\n"
    "  print('plat='+sys.platform)\n"
    "  try:print('mach='+i._machine)\n"
    "  except:pass\n"
    "  try:\n"
    "   u=__import__('os').uname();print('umach='+u.machine);print('fw='+u.version)\n"
    "  except:pass\n"
    " try:\n"
    "  _mpkp()\n"
    " finally:\n"
    "  del _mpkp\n";

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
    return rrepl_exec_own(r, code, out, msg);
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

static int apply_ident(struct board_info *info, const char *t,
                       struct rc_msg *msg);
static void apply_feats(struct board_info *info, const char *feats);

/* The probe in small snippets, one after another (firmware without
 * raw-paste keeps the whole command in RAM while compiling it, and a busy
 * 16 KiB board has little to spare). */
static int probe_in_steps(struct rrepl *r, struct board_info *info,
                          struct buf *outp, struct rc_msg *msg)
{
    struct buf out = *outp;
    int rc = RC_OK;
    int have_ident = 0;
    for (int tries = 0; !rrepl_names_claimed(r); tries++) {
        char v[16];
        rc = run(r, probe_names_ident, &out, msg);
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
            have_ident = 1;
        } else if (tries >= 8) {
            rc = rc_set(msg, RC_PROTO, "the board holds globals with every "
                        "name mpeek tried (%s...)", rrepl_names(r));
            goto done;
        } else {
            rrepl_renew_names(r);
        }
    }
    if (!have_ident && (rc = run(r, probe_ident, &out, msg)) < 0) {
        goto done;
    }
    if ((rc = apply_ident(info, buf_str(&out), msg)) < 0) {
        goto done;
    }
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
    apply_feats(info, feats);
    if (info->stdout_buffer || info->microbit_uart) {
        rc = probe_binary(r, info, msg);
        if (rc < 0) {
            goto done;
        }
    }
    rc = free_heap(r, &info->free_heap, msg);
done:
    *outp = out;
    return rc;
}

/* Identity from the probe's text. */
static int apply_ident(struct board_info *info, const char *t,
                       struct rc_msg *msg)
{
    if (!fmt_kv(t, "impl", info->impl, sizeof info->impl, NULL) ||
        !fmt_kv(t, "ver", info->version, sizeof info->version, NULL)) {
        return rc_set(msg, RC_PROTO, "the board did not say what it is");
    }
    fmt_kv(t, "plat", info->platform, sizeof info->platform, NULL);
    if (!fmt_kv(t, "mach", info->machine, sizeof info->machine, NULL)) {
        fmt_kv(t, "umach", info->machine, sizeof info->machine, NULL);
    }
    fmt_kv(t, "fw", info->firmware, sizeof info->firmware, NULL);
    return RC_OK;
}

static void apply_feats(struct board_info *info, const char *feats)
{
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
}

/* The free heap from the answer of probe_free (queued or run). */
static void apply_free(struct board_info *info, const char *t)
{
    char v[32];
    info->free_heap = fmt_kv(t, "free", v, sizeof v, NULL)
                          ? strtol(v, NULL, 10) : -1;
}

/* Where the text part of the probe's answer ends: just past the "bin=1"
 * line (*echo = 1), or at the end of its output (the \x04, *echo = 0).
 * 0 while neither arrived. */
static size_t probe_text_end(const unsigned char *p, size_t n, int *echo)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == 0x04) {
            *echo = 0;
            return i == 0 ? (size_t)-1 : i;
        }
        if (p[i] == '\n' && i >= 5 && memcmp(p + i - 5, "bin=1", 5) == 0) {
            *echo = 1;
            return i + 1;
        }
        if (p[i] == '\n' && i >= 6 && memcmp(p + i - 6, "bin=1\r", 6) == 0) {
            *echo = 1;
            return i + 1;
        }
    }
    return 0;
}

/* Wait until at least n bytes of the answer are in. */
static int await_bytes(struct rrepl *r, size_t n, struct rc_msg *msg)
{
    size_t have;
    rrepl_peek(r, &have);
    while (have < n) {
        int got = rrepl_fill(r, rrepl_timeout(r), msg);
        if (got < 0) {
            return got;
        }
        rrepl_peek(r, &have);
    }
    return RC_OK;
}

/*
 * The probe in one command, with the free-heap measurement queued behind
 * it (it runs once the probe's code is gone, as on its own).  RC_UNSUPP
 * when the firmware has no raw-paste (nothing run) or too little heap
 * for it: the caller probes in small snippets instead.
 */
static int probe_at_once(struct rrepl *r, struct board_info *info,
                         struct rc_msg *msg)
{
    struct buf text, out, code;
    buf_init(&text);
    buf_init(&out);
    buf_init(&code);
    int rc = RC_OK;
    for (int tries = 0;; tries++) {
        if ((rc = rrepl_detect_raw_paste(r, msg)) <= 0) {
            rc = rc == 0 ? RC_UNSUPP : rc;
            goto done;
        }
        /* Standard raw mode, in 256-byte slices: no waiting for window
         * credits, and such firmware has the heap to hold the text. */
        buf_clear(&code);
        if (probe_all_code(r, &code, info->folded_sha) != RC_OK) {
            rc = rc_set(msg, RC_NOMEM, "out of memory");
            goto done;
        }
        /* From here the board may define names (behind its own check). */
        rrepl_names_maybe(r);
        if ((rc = rrepl_send(r, buf_str(&code), msg)) < 0 ||
            (rc = rrepl_send(r, probe_free, msg)) < 0 ||
            (rc = rrepl_begin(r, msg)) < 0) {
            goto done;
        }
        /* The text, up to the echo or the end of the output. */
        int echo = 0;
        size_t end = 0;
        for (;;) {
            size_t have;
            const unsigned char *p = rrepl_peek(r, &have);
            end = probe_text_end(p, have, &echo);
            if (end != 0) {
                break;
            }
            int got = rrepl_fill(r, rrepl_timeout(r), msg);
            if (got < 0) {
                rc = got;
                goto done;
            }
        }
        buf_clear(&text);
        if (end != (size_t)-1) {
            size_t have;
            const unsigned char *p = rrepl_peek(r, &have);
            buf_add(&text, p, end);
            rrepl_consume(r, end);
        }
        if (buf_failed(&text)) {
            rc = rc_set(msg, RC_NOMEM, "out of memory");
            goto done;
        }
        int clean = 0;
        if (echo) {
            rc = await_bytes(r, 258, msg);
            if (rc == RC_OK) {
                size_t have;
                const unsigned char *p = rrepl_peek(r, &have);
                clean = p[0] == '<' && p[257] == '>';
                for (int i = 0; clean && i < 256; i++) {
                    clean = p[1 + i] == i;
                }
                rrepl_consume(r, 258);
            }
        }
        if (rc == RC_OK && (!echo || clean)) {
            rc = rrepl_end(r, NULL, NULL, msg);
        }
        if (rc == RC_DEVICE || rc == RC_DEVMEM) {
            /* Finish the queued measurement; short of heap for the
             * probe in one piece, probe in small steps. */
            struct rc_msg m2;
            int rc2 = rrepl_end(r, NULL, NULL, &m2);
            if (rc2 < 0 && rc2 != RC_DEVICE && rc2 != RC_DEVMEM) {
                rc = rc2;
                *msg = m2;
            } else if (rc == RC_DEVMEM) {
                rc = RC_UNSUPP;
            }
            goto done;
        }
        if (echo && (rc != RC_OK || !clean)) {
            /* A mangled echo can leave the framing out of step: start
             * again from the raw prompt, and measure the heap alone. */
            info->binary_clean = 0;
            if ((rc = rrepl_resync(r, msg)) < 0) {
                goto done;
            }
            buf_clear(&out);
            if ((rc = rrepl_exec(r, probe_free, &out, NULL, msg)) < 0) {
                goto done;
            }
        } else if (rc < 0) {
            goto done;
        } else {
            info->binary_clean = echo ? 1 : -1;
            buf_clear(&out);
            if ((rc = rrepl_end(r, &out, NULL, msg)) < 0) {
                goto done;
            }
        }
        apply_free(info, buf_str(&out));
        char v[16];
        if (!fmt_kv(buf_str(&text), "taken", v, sizeof v, NULL)) {
            rc = rc_set(msg, RC_PROTO, "the board did not say which names "
                        "are free");
            goto done;
        }
        if (strcmp(v, "0") == 0) {
            rrepl_claim_names(r);
            break;
        }
        if (tries >= 8) {
            rc = rc_set(msg, RC_PROTO, "the board holds globals with every "
                        "name mpeek tried (%s...)", rrepl_names(r));
            goto done;
        }
        rrepl_renew_names(r);
    }
    if ((rc = apply_ident(info, buf_str(&text), msg)) < 0) {
        goto done;
    }
    char feats[400] = "";
    fmt_kv(buf_str(&text), "feat", feats, sizeof feats, NULL);
    apply_feats(info, feats);
    if (info->binary_clean == -1 &&
        (info->stdout_buffer || info->microbit_uart)) {
        info->binary_clean = 0; /* a writer the echo could not use */
    }
    {
        char h[8];
        info->helper_folded = fmt_kv(buf_str(&text), "hlp", h, sizeof h, NULL) &&
                              strcmp(h, "1") == 0;
    }
done:
    buf_fini(&text);
    buf_fini(&out);
    buf_fini(&code);
    return rc;
}

/* The probe defined a helper: is it exactly the one info's method needs?
 * (The free heap measured behind the probe is then the heap left with the
 * helper in place; what the helper itself holds is not known.) */
static int folded_is_wanted(const struct board_info *info)
{
    char code[2048];
    uint8_t sha[32];
    if (!info->helper_folded ||
        board_helper_code(info, &info->method, code, sizeof code) != RC_OK) {
        return 0;
    }
    recdec_sha256((const uint8_t *)code, strlen(code), sha);
    return memcmp(sha, info->folded_sha, sizeof sha) == 0;
}

void board_check_folded(struct board_info *info)
{
    info->helper_ready = folded_is_wanted(info);
}

void board_helper_lost(struct board_info *info)
{
    info->helper_folded = 0;
    info->helper_ready = 0;
}

int board_probe(struct rrepl *r, struct board_info *info, struct rc_msg *msg)
{
    memset(info, 0, sizeof *info);
    info->repr_c = -1;
    info->raw_paste = -1;
    info->binary_clean = -1;
    info->helper_heap = -1;
    struct buf out;
    buf_init(&out);
    int rc = RC_UNSUPP;
    if (rrepl_has_raw_paste(r) != 0) {
        rc = probe_at_once(r, info, msg);
    }
    if (rc == RC_UNSUPP) {
        rc = probe_in_steps(r, info, &out, msg);
    }
    if (rc < 0) {
        goto done;
    }
    info->raw_paste = rrepl_has_raw_paste(r);
    board_choose(info);
    board_check_folded(info);
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
     * copy (a bytearray mem8 fills, or the bytes of a uctypes view), and int.from_bytes with its division,
     * which holds about three copies of the chunk at once. */
    long cost = 5;
    if (m->access == BOARD_ACC_MEM8 || m->access == BOARD_ACC_UCTYPES) {
        cost += 10; /* the copy of the chunk */
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
    board_check_folded(info);
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
            /* A copy: memory that changes while it is sent (RAM: the
             * board's own stack, heap, buffers) is hashed and sent as the
             * same bytes. */
            buf_addstr(&c, "  m=bytes(g(a,k))\n");
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
    if (buf_failed(&c) || c.len + 1 > size) {
        rc = RC_NOMEM; /* never a helper with a piece missing */
    } else {
        memcpy(buf, buf_str(&c), c.len + 1);
    }
    buf_fini(&c);
    return rc;
}

int board_install(struct rrepl *r, struct board_info *info, int measure,
                  struct rc_msg *msg)
{
    char code[2048];
    long before = -1, after = -1;
    int rc;
    if (info->helper_ready && !measure) {
        return RC_OK; /* the probe defined it */
    }
    if (board_helper_code(info, &info->method, code, sizeof code) != RC_OK) {
        return rc_set(msg, RC_NOMEM, "out of memory writing the helper, or "
                      "its code is too long");
    }
    if (info->helper_folded) {
        /* The probe's helper is there (not wanted, or to be measured):
         * delete it first, and measure the heap without it. */
        if ((rc = rrepl_exec(r, "del _mpk", NULL, NULL, msg)) < 0) {
            return rc_prefix(msg, rc, "replacing the read helper");
        }
        info->helper_folded = 0;
        info->helper_ready = 0;
        info->helper_heap = -1;
        info->free_heap = -1;
    }
    /* The first time, the probe's measurement (just taken, nothing of
     * mpeek's on the board since) is the heap before the helper. */
    if (info->helper_heap < 0 && info->free_heap > 0) {
        before = info->free_heap;
    } else if ((rc = free_heap(r, &before, msg)) < 0) {
        return rc;
    }
    rc = rrepl_has_raw_paste(r) == 1 ? rrepl_send(r, code, msg) : RC_UNSUPP;
    if (rc == RC_OK) {
        /* Firmware with raw-paste takes standard raw mode in 256-byte
         * slices; the measurement waits behind the helper: one round
         * trip for both. */
        rc = rrepl_send(r, probe_free, msg);
        if (rc == RC_OK) {
            rc = rrepl_end(r, NULL, NULL, msg);
        }
        struct rc_msg m2;
        struct buf out;
        buf_init(&out);
        int rc2 = rrepl_pending(r) > 0 ? rrepl_end(r, &out, NULL, &m2) : RC_OK;
        char v[32];
        if (rc2 == RC_OK && fmt_kv(buf_str(&out), "free", v, sizeof v, NULL)) {
            after = strtol(v, NULL, 10);
        }
        buf_fini(&out);
        if (rc < 0) {
            return rc_prefix(msg, rc, "installing the read helper");
        }
        if (rc2 < 0) {
            *msg = m2;
            return rc2;
        }
    } else if (rc == RC_UNSUPP) {
        /* Standard raw mode: the board may have a tiny receive buffer and
         * keep the command in RAM, so nothing is queued behind it. */
        rc = rrepl_exec_own(r, code, NULL, msg);
        if (rc < 0) {
            return rc_prefix(msg, rc, "installing the read helper");
        }
        if ((rc = free_heap(r, &after, msg)) < 0) {
            return rc;
        }
    } else {
        return rc_prefix(msg, rc, "installing the read helper");
    }
    if (info->free_heap < 0) {
        info->free_heap = before;
    }
    info->helper_heap = before >= 0 && after >= 0 ? before - after : -1;
    if (info->helper_heap < 0 && before >= 0 && after >= 0) {
        info->helper_heap = 0;
    }
    return RC_OK;
}

int board_uninstall(struct rrepl *r, struct rc_msg *msg)
{
    /* Every global with the session's prefix is mpeek's: the helper, and
     * a snippet's function that an interrupt stopped short. */
    char code[200];
    if (!rrepl_cleanup_code(r, code, sizeof code)) {
        return RC_OK; /* nothing of mpeek's can be there */
    }
    return rrepl_on_leave(r, code, msg);
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

int board_repr_c(struct rrepl *r, struct board_info *info, struct rc_msg *msg)
{
    struct buf out;
    buf_init(&out);
    int rc = rrepl_exec_as_is(r, "print('f=%d'%(id(0.5)&3))", &out, NULL, msg);
    char f[8];
    if (rc == RC_OK && !fmt_kv(buf_str(&out), "f", f, sizeof f, NULL)) {
        rc = rc_set(msg, RC_PROTO, "the board did not say how it stores floats");
    }
    if (rc == RC_OK) {
        info->repr_c = strcmp(f, "2") == 0;
    }
    buf_fini(&out);
    return rc;
}
