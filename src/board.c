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
    " except:print('fw='+sys.version)\n"
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
    "  except:print('fw='+sys.version)\n"
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
    "  import gc;gc.collect();print('free=%d'%gc.mem_free())\n"
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

/* Lines of code, each indented by indent. */
static void add_indented(struct buf *out, const char *code, const char *indent)
{
    for (const char *line = code; *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) + 1 : strlen(line);
        buf_addstr(out, indent);
        buf_add(out, line, n);
        line += n;
    }
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
    add_indented(out, helper, "   ");
    buf_addstr(out, probe_all_tail);
    buf_str(out);
    return buf_failed(out) ? RC_NOMEM : RC_OK;
}

/* The names check and the identity in one snippet (old firmware): the
 * identity's function (probe_ident, one level in) is defined only when the
 * names are free. */
static const char probe_names_head[] =
    "__import__('gc').collect()\n"
    "if[k for k in globals()if k[:8]=='_mpk']:print('taken=1')\n"
    "else:\n"
    " print('taken=0')\n";

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
    struct buf names_ident;
    buf_init(&names_ident);
    buf_addstr(&names_ident, probe_names_head);
    add_indented(&names_ident, probe_ident, " ");
    if (buf_failed(&names_ident)) {
        buf_fini(&names_ident);
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    for (int tries = 0; !rrepl_names_claimed(r); tries++) {
        char v[16];
        rc = run(r, buf_str(&names_ident), &out, msg);
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
    buf_fini(&names_ident);
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
 * Send a probe (standard raw mode, in the engine's slices) and take its
 * answer: the text up to a "bin=1" line into text, then, when that line
 * came, the 256 echo bytes framed by '<' '>' (*echo = 1, *clean whether
 * they came through unchanged), then the rest of the output into tail.
 * After an echo that was not clean the caller resyncs (the framing may be
 * out of step).
 */
/* The byte values the warm probe echoes again (probe_warm_code): those
 * lines are known to change (the C0 controls, DEL, the C1 controls, 0xff:
 * CR/LF translation, XON/XOFF, a 7-bit line, a layer that decodes text).
 * The full probe echoes all 256; every chunk read is checked by its
 * digest either way. */
#define WARM_ECHO_PY "bytes(list(range(32))+list(range(127,161))+[255])"
static size_t warm_echo_values(uint8_t *v)
{
    size_t n = 0;
    for (int i = 0; i < 32; i++) {
        v[n++] = (uint8_t)i;
    }
    for (int i = 127; i <= 160; i++) {
        v[n++] = (uint8_t)i;
    }
    v[n++] = 255;
    return n;
}

static int probe_answer(struct rrepl *r, const char *code, struct buf *text,
                        struct buf *tail, int *echo, int *clean, int warm,
                        struct board_prefetch *pf, struct rc_msg *msg)
{
    buf_clear(text);
    buf_clear(tail);
    *echo = *clean = 0;
    int rc;
    if ((rc = rrepl_send(r, code, msg)) < 0) {
        return rc;
    }
    if (pf != NULL && !pf->sent) {
        /* The command that goes right behind it (board_prefetch). */
        char gate[80];
        rrepl_marker_check(r, gate, sizeof gate);
        rc = pf->send(pf->ctx, gate, msg);
        if (rc == RC_OK) {
            pf->sent = 1;
        } else if (rc != RC_UNSUPP) {
            return rc;
        }
    }
    if ((rc = rrepl_begin(r, msg)) < 0) {
        return rc;
    }
    /* The text, up to the echo or the end of the output. */
    size_t end = 0;
    for (;;) {
        size_t have;
        const unsigned char *p = rrepl_peek(r, &have);
        end = probe_text_end(p, have, echo);
        if (end != 0) {
            break;
        }
        int got = rrepl_fill(r, rrepl_timeout(r), msg);
        if (got < 0) {
            return got;
        }
    }
    if (end != (size_t)-1) {
        size_t have;
        const unsigned char *p = rrepl_peek(r, &have);
        buf_add(text, p, end);
        rrepl_consume(r, end);
    }
    if (buf_failed(text)) {
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    if (*echo) {
        uint8_t want[256];
        size_t n = 256;
        if (warm) {
            n = warm_echo_values(want);
        } else {
            for (size_t i = 0; i < n; i++) {
                want[i] = (uint8_t)i;
            }
        }
        rc = await_bytes(r, n + 2, msg);
        if (rc == RC_OK) {
            size_t have;
            const unsigned char *p = rrepl_peek(r, &have);
            *clean = p[0] == '<' && p[n + 1] == '>' && memcmp(p + 1, want, n) == 0;
            rrepl_consume(r, n + 2);
        }
    }
    if (rc == RC_OK && (!*echo || *clean)) {
        rc = rrepl_end(r, tail, NULL, msg);
    }
    return rc;
}

/*
 * The probe in one command, the free-heap measurement at its end (with
 * the probe's code still held: a little less than without it).  RC_UNSUPP
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
        int echo = 0, clean = 0;
        rc = probe_answer(r, buf_str(&code), &text, &out, &echo, &clean, 0, NULL, msg);
        if (rc == RC_DEVICE || rc == RC_DEVMEM) {
            /* Short of heap for the probe in one piece: probe in small
             * steps. */
            if (rc == RC_DEVMEM) {
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
            /* The measurement came last: after the echo, or in the
             * text when there was none. */
            info->binary_clean = echo ? 1 : -1;
            if (!echo) {
                buf_addstr(&out, buf_str(&text));
            }
        }
        apply_free(info, buf_str(&out));
        info->free_in_probe = !echo || clean; /* else measured alone */
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

/* The warm probe (board_probe_warm): WARM_IDENT becomes the identity as a
 * bytes literal, PROBE_MARKER the marker, then come the helper's lines.
 * Nothing is defined unless the names are free and the identity matches;
 * the marker goes again when the helper cannot be defined.  The machine is
 * sys.implementation._machine, else os.uname().machine, as apply_ident
 * takes it; the firmware is os.uname().version, else sys.version (which
 * names the build where there is no os.uname), as the probes print it. */
static const char probe_warm_head[] =
    "if[k for k in globals()if k[:8]=='_mpk']:print('taken=1')\n"
    "else:\n"
    " def _mpkp():\n"
    "  global _mpk,_mpkm\n"
    "  import sys\n"
    "  i=sys.implementation;v=i.version;m=f=''\n"
    "  try:m=i._machine\n"
    "  except:pass\n"
    "  try:u=__import__('os').uname();m=m or u.machine;f=u.version\n"
    "  except:f=sys.version\n"
    "  if '%s %d.%d.%d %s %s %s'%(i.name,v[0],v[1],v[2],sys.platform,m,f)!=WARM_IDENT:\n"
    "   print('taken=0\\nwarm=0');return\n"
    "  PROBE_MARKER\n"
    "  try:\n";
static const char probe_warm_tail[] =
    "   import gc;gc.collect();print('taken=0\\nwarm=1\\nfree=%d'%gc.mem_free())\n"
    "  except:\n"
    "   del _mpkm;print('taken=0\\nwarm=0');return\n"
    "WARM_ECHO"
    " try:\n"
    "  _mpkp()\n"
    " finally:\n"
    "  del _mpkp\n";

/* The identity the warm probe computes on the board: "IMPL VER PLAT MACH
 * FW" (MACH and FW may be empty). */
static int warm_ident(const struct board_info *info, char *out, size_t size)
{
    if (info->impl[0] == 0 || info->version[0] == 0) {
        return 0;
    }
    int n = snprintf(out, size, "%s %s %s %s %s", info->impl, info->version,
                     info->platform, info->machine, info->firmware);
    return n > 0 && (size_t)n < size;
}

/* What the board is and has, from a warm text: identity, features, and
 * whether the line proved 8-bit clean ("bin=1", "bin=0", "bin=-1"). */
static int warm_apply(struct board_info *info, const char *text,
                      struct rc_msg *msg)
{
    int rc = apply_ident(info, text, msg);
    if (rc < 0) {
        return rc;
    }
    char feats[400] = "", bin[8] = "";
    fmt_kv(text, "feat", feats, sizeof feats, NULL);
    apply_feats(info, feats);
    if (!fmt_kv(text, "bin", bin, sizeof bin, NULL)) {
        return rc_set(msg, RC_PARSE, "no bin line");
    }
    info->binary_clean = strcmp(bin, "1") == 0 ? 1 : strcmp(bin, "0") == 0 ? 0 : -1;
    return RC_OK;
}

/* The identity as a str literal: printable ASCII as it is, but for the
 * quote, the backslash and '_'; every other byte escaped (\xNN: a
 * non-ASCII identity then never matches, and is probed in full): nothing
 * of the cache can end the literal or become code, nor spell "_mpk"
 * (which sending renames).  No bytes() or str.encode: 1.9.2 lacks encode,
 * and every name the code uses is interned on the board for good (the same
 * names as the full probe's, so few new ones). */
static void add_ident_literal(struct buf *out, const char *ident)
{
    buf_addstr(out, "'");
    for (const unsigned char *p = (const unsigned char *)ident; *p; p++) {
        if (*p >= 0x20 && *p < 0x7f && *p != '\'' && *p != '\\' && *p != '_') {
            buf_add(out, p, 1);
        } else {
            buf_printf(out, "\\x%02x", *p);
        }
    }
    buf_addstr(out, "'");
}

int board_warm_read_code(const struct board_warm *warm, const struct board_info *info,
                         uint32_t addr, uint32_t len, struct buf *out)
{
    const struct board_method *m = &info->method;
    if (m->access != BOARD_ACC_UCTYPES || m->digest != RECDEC_SHA256 ||
        m->enc != RECDEC_BIN || m->writer != BOARD_W_STDOUT_BUFFER || !warm->ident[0] ||
        len == 0 || len > BOARD_WARM_READ_MAX) {
        return RC_UNSUPP;
    }
    /* The identity as the probes compute it (probe_warm_head): the
     * machine is sys.implementation._machine, else os.uname().machine; the
     * firmware os.uname().version, else sys.version.  One expression: no
     * global is made (the raw REPL prints no value).  A firmware without
     * os or getattr raises, and mpeek probes. */
    const char *hl = info->hashlib[0] ? info->hashlib : "hashlib";
    for (const char *p = hl; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) {
            return RC_UNSUPP; /* not a module name as the probe reports it */
        }
    }
    buf_printf(out,
               "(lambda s,o:(lambda i,u:(lambda m:s.stdout.buffer.write(b'D'+m+"
               "__import__('%s').sha256(m).digest()+b'E'))(bytes(__import__('uctypes')"
               ".bytearray_at(%lu,%lu)))if'%%s %%d.%%d.%%d %%s %%s %%s'%%(i.name,i.version[0],"
               "i.version[1],i.version[2],s.platform,getattr(i,'_machine','')or(u.machine if u "
               "else''),u.version if u else s.version)==",
               hl, (unsigned long)addr, (unsigned long)len);
    add_ident_literal(out, warm->ident);
    buf_addstr(out, " else 0)(s.implementation,o and o()))(__import__('sys'),"
                    "getattr(__import__('os'),'uname',None))");
    return buf_failed(out) ? RC_NOMEM : RC_OK;
}

static int probe_warm_code(struct rrepl *r, const char *ident,
                           const char *helper, const char *writer,
                           struct buf *out)
{
    char marker[64];
    rrepl_marker(r, marker, sizeof marker);
    const char *id = strstr(probe_warm_head, "WARM_IDENT");
    const char *mk = strstr(probe_warm_head, "PROBE_MARKER");
    buf_add(out, probe_warm_head, (size_t)(id - probe_warm_head));
    /* A str literal: printable ASCII as it is, but for the quote, the
     * backslash and '_'; every other byte escaped (\xNN: a non-ASCII
     * identity then never matches, and is probed in full): nothing of the
     * cache can end the literal or become code, nor spell "_mpk" (which
     * sending renames).  No bytes() or str.encode: 1.9.2 lacks encode, and
     * every name the code uses is interned on the board for good (the
     * same names as the full probe's, so few new ones). */
    add_ident_literal(out, ident);
    const char *after = id + strlen("WARM_IDENT");
    buf_add(out, after, (size_t)(mk - after));
    buf_addstr(out, marker);
    buf_addstr(out, mk + strlen("PROBE_MARKER"));
    if (helper != NULL) {
        add_indented(out, helper, "   ");
    }
    /* The echo checks again that the line carries the byte values lines
     * are known to change (the cable or adapter may have changed since):
     * WARM_ECHO_PY. */
    const char *echo = strstr(probe_warm_tail, "WARM_ECHO");
    buf_add(out, probe_warm_tail, (size_t)(echo - probe_warm_tail));
    if (writer != NULL) {
        buf_printf(out, "  w=%s;print('bin=1');w(b'<'+" WARM_ECHO_PY "+b'>')\n", writer);
    }
    buf_addstr(out, echo + strlen("WARM_ECHO"));
    buf_str(out);
    return buf_failed(out) ? RC_NOMEM : RC_OK;
}

/* After the warm probe defined mpeek's names but cannot be used: delete
 * them (the full probe then checks and takes them again). */
static int warm_undo(struct rrepl *r, struct rc_msg *msg)
{
    char code[200];
    rrepl_claim_names(r);
    int rc = RC_OK;
    if (rrepl_cleanup_code(r, code, sizeof code)) {
        rc = rrepl_exec_own(r, code, NULL, msg);
    }
    rrepl_names_released(r); /* free again: the full probe checks them */
    return rc;
}

/* The warm probe, which also measures the free heap (with the helper in
 * place and the probe's own code still held: a little less than after
 * it).  RC_OK: used (info filled from warm->text); RC_NOTFOUND: not this
 * board or firmware, or no heap for it, nothing left defined (the full
 * probe follows, and the next attach tries again); else an error. */
/* The read sent behind the probe goes (board_prefetch): rc stays the
 * probe's unless dropping fails. */
static int prefetch_drop(struct board_prefetch *pf, int rc, struct rc_msg *msg)
{
    if (pf == NULL || !pf->sent) {
        return rc;
    }
    pf->sent = 0;
    struct rc_msg m2;
    int r2 = pf->drop(pf->ctx, &m2);
    if (r2 < 0) {
        *msg = m2;
        return r2;
    }
    return rc;
}

static int probe_warm(struct rrepl *r, struct board_info *info,
                      const struct board_warm *warm, struct board_prefetch *pf,
                      struct rc_msg *msg)
{
    char helper[2048];
    if (!board_warm_info(warm, info)) {
        return RC_NOTFOUND; /* a cache that contradicts itself */
    }
    if (board_helper_code(info, &info->method, helper, sizeof helper) != RC_OK) {
        return RC_NOTFOUND;
    }
    struct buf code, text, tail;
    buf_init(&code);
    buf_init(&text);
    buf_init(&tail);
    int rc = rrepl_detect_raw_paste(r, msg);
    if (rc < 0) {
        goto done;
    }
    int binary = info->method.enc == RECDEC_BIN;
    /* Firmware without raw-paste (the micro:bit's 1.9.2: 16 KiB of RAM)
     * gets the helper in a command of its own afterwards, as in the full
     * probe: defined inside this one, it would land among this command's
     * code and leave the heap in pieces. */
    int fold = rc > 0;
    if (probe_warm_code(r, warm->ident, fold ? helper : NULL,
                        binary ? writer_expr(info->method.writer) : NULL,
                        &code) != RC_OK) {
        rc = rc_set(msg, RC_NOMEM, "out of memory");
        goto done;
    }
    rrepl_names_maybe(r);
    int echo = 0, clean = 0;
    for (int tries = 0; tries < 3; tries++) {
        /* Old firmware gets it paced for its small receive buffer, and
         * again if bytes were lost on the way in (as rrepl_exec_own). */
        rc = probe_answer(r, buf_str(&code), &text, &tail, &echo, &clean, 1,
                          fold && tries == 0 ? pf : NULL, msg);
        if (!rrepl_input_lost(rc, msg)) {
            break;
        }
        int r2 = prefetch_drop(pf, rc, msg);
        if (r2 != rc) {
            rc = r2;
            goto done;
        }
        rrepl_note(r, "input garbled; sending it again");
    }
    char v[8];
    int defined = fmt_kv(buf_str(&text), "taken", v, sizeof v, NULL) &&
                  strcmp(v, "0") == 0 &&
                  fmt_kv(buf_str(&text), "warm", v, sizeof v, NULL) &&
                  strcmp(v, "1") == 0;
    if (pf != NULL && pf->sent &&
        (rc != RC_OK || !defined || (echo && !clean) || (binary && !echo))) {
        /* The helper is not there as the read behind needs it: that read
         * did nothing, or (a line that mangled the echo) ran on bytes it
         * cannot carry.  Its answer goes; the board is in the raw REPL. */
        int r2 = prefetch_drop(pf, rc, msg);
        if (r2 != rc) {
            rc = r2;
            goto done;
        }
    }
    if (echo && (rc != RC_OK || !clean)) {
        /* The line mangled the echo: the helper defined is for binary,
         * which this line cannot carry.  Out of step, perhaps: resync,
         * take the names back, and probe in full. */
        if ((rc = rrepl_resync(r, msg)) < 0 || (rc = warm_undo(r, msg)) < 0) {
            goto done;
        }
        rc = RC_NOTFOUND;
        goto done;
    }
    if (rc == RC_DEVICE || rc == RC_DEVMEM) {
        /* No heap for it, or an error.  Without "warm=1" nothing is
         * defined (the marker goes when the helper fails); probe in full. */
        if (defined && (rc = warm_undo(r, msg)) < 0) {
            goto done;
        }
        rc = RC_NOTFOUND;
        goto done;
    }
    if (rc < 0) {
        goto done;
    }
    if (!defined || (binary && !echo)) {
        if (defined && (rc = warm_undo(r, msg)) < 0) {
            goto done;
        }
        rc = RC_NOTFOUND;
        goto done;
    }
    rrepl_claim_names(r);
    apply_free(info, buf_str(&text));
    info->free_in_probe = 1;
    if (fold) {
        recdec_sha256((const uint8_t *)helper, strlen(helper), info->folded_sha);
        info->helper_folded = 1;
    }
    rc = RC_OK;
done:
    buf_fini(&code);
    buf_fini(&text);
    buf_fini(&tail);
    return rc;
}

/* What a full probe learnt, as warm text: the identity and features in the
 * probe's own words, and what the echo proved. */
static void warm_learn(const struct board_info *info, struct board_warm *learnt)
{
    memset(learnt, 0, sizeof *learnt);
    if (!warm_ident(info, learnt->ident, sizeof learnt->ident)) {
        return;
    }
    struct buf t;
    buf_init(&t);
    buf_printf(&t, "impl=%s\nver=%s\n", info->impl, info->version);
    if (info->platform[0]) {
        buf_printf(&t, "plat=%s\n", info->platform);
    }
    if (info->machine[0]) {
        buf_printf(&t, "mach=%s\n", info->machine);
    }
    if (info->firmware[0]) {
        buf_printf(&t, "fw=%s\n", info->firmware);
    }
    buf_addstr(&t, "feat=");
    const char *sep = "";
#define FEAT(cond, ...)                                                       \
    do {                                                                      \
        if (cond) {                                                           \
            buf_addstr(&t, sep);                                              \
            buf_printf(&t, __VA_ARGS__);                                      \
            sep = ",";                                                        \
        }                                                                     \
    } while (0)
    FEAT(info->uctypes, "uctypes");
    FEAT(info->b64, "b64:%s", info->binascii);
    FEAT(info->hexlify, "hex:%s", info->binascii);
    FEAT(info->sha256, "sha256:%s", info->hashlib);
    FEAT(info->stdout_buffer, "stdoutbuf");
    FEAT(info->microbit_uart, "mbuart");
    FEAT(info->mem8, "mem8");
    FEAT(info->mem16, "mem16");
    FEAT(info->mem32, "mem32");
    FEAT(info->from_bytes, "frombytes");
#undef FEAT
    buf_printf(&t, "\nbin=%d\n", info->binary_clean);
    if (buf_failed(&t) || t.len >= sizeof learnt->text ||
        strchr(learnt->ident, '\n') != NULL) {
        memset(learnt, 0, sizeof *learnt);
    } else {
        memcpy(learnt->text, t.data, t.len + 1);
    }
    buf_fini(&t);
}

int board_probe(struct rrepl *r, struct board_info *info, struct rc_msg *msg)
{
    return board_probe_warm(r, info, NULL, NULL, NULL, NULL, msg);
}

/* Nothing known yet. */
static void info_reset(struct board_info *info)
{
    memset(info, 0, sizeof *info);
    info->repr_c = -1;
    info->raw_paste = -1;
    info->binary_clean = -1;
    info->helper_heap = -1;
}

int board_warm_info(const struct board_warm *warm, struct board_info *info)
{
    char ident[sizeof warm->ident];
    struct rc_msg pm;
    info_reset(info);
    if (!warm->ident[0] || warm_apply(info, warm->text, &pm) < 0 ||
        !warm_ident(info, ident, sizeof ident) || strcmp(ident, warm->ident) != 0) {
        return 0;
    }
    board_choose(info);
    return 1;
}

int board_probe_warm(struct rrepl *r, struct board_info *info,
                     const struct board_warm *warm, int *used,
                     struct board_warm *learnt, struct board_prefetch *pf,
                     struct rc_msg *msg)
{
    info_reset(info);
    if (used != NULL) {
        *used = 0;
    }
    if (learnt != NULL) {
        memset(learnt, 0, sizeof *learnt);
    }
    struct buf out;
    buf_init(&out);
    int rc = RC_UNSUPP;
    if (warm != NULL && warm->ident[0]) {
        rc = probe_warm(r, info, warm, pf, msg);
        if (rc == RC_OK) {
            if (used != NULL) {
                *used = 1;
            }
            goto chosen;
        }
        if (rc != RC_NOTFOUND) {
            goto done;
        }
        info_reset(info);
        rc = RC_UNSUPP;
    }
    if (rrepl_has_raw_paste(r) != 0) {
        rc = probe_at_once(r, info, msg);
    }
    if (rc == RC_UNSUPP) {
        rc = probe_in_steps(r, info, &out, msg);
    }
    if (rc < 0) {
        goto done;
    }
chosen:
    info->raw_paste = rrepl_has_raw_paste(r);
    board_choose(info);
    board_check_folded(info);
    if (!info->mem8 && !info->mem32 && !info->uctypes) {
        rc = rc_set(msg, RC_UNSUPP,
                    "this board has neither machine.mem8/mem32 nor uctypes: "
                    "mpeek cannot read its memory");
    } else if (learnt != NULL && (used == NULL || !*used)) {
        warm_learn(info, learnt);
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
    /* What the helper holds is measured where it costs no round trip of
     * its own (raw-paste firmware queues the measurement behind it), or
     * where it is asked for (info). */
    int weigh = measure || rrepl_has_raw_paste(r) == 1;
    /* The first time, the probe's measurement (just taken, nothing of
     * mpeek's on the board since) is the heap before the helper. */
    if (!weigh) {
        /* before stays unknown */
    } else if (info->helper_heap < 0 && info->free_heap > 0 && !info->free_in_probe) {
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
         * keep the command in RAM, so nothing is queued behind it.  Unless
         * measured (the measurement collects), a collection goes first in
         * the same command: the helper then lands in a heap without the
         * probe's garbage, which would leave it in pieces around it. */
        char with[sizeof code + 40];
        snprintf(with, sizeof with, "%s%s", weigh ? "" : BOARD_GC_FIRST, code);
        rc = rrepl_exec_own(r, with, NULL, msg);
        if (rc < 0) {
            return rc_prefix(msg, rc, "installing the read helper");
        }
        if (weigh && (rc = free_heap(r, &after, msg)) < 0) {
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
