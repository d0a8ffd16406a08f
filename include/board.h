/*
 * board.h: what a connected board can do, and the memory-read method chosen
 * for it.
 *
 * board_probe() asks the board (no globals left behind) for its identity
 * and features, proves whether its binary writer is 8-bit clean by echoing
 * all 256 byte values, and measures its free heap: in one command on
 * firmware with raw-paste, in small snippets one after another on older
 * firmware.  board_choose() picks the fastest read method the features
 * allow; devcode (board_helper_code) writes the device-side helper for it.
 */
#ifndef MPEEK_BOARD_H
#define MPEEK_BOARD_H

#include <stddef.h>

#include "rc.h"
#include "buf.h"
#include "recdec.h"

struct rrepl;

enum board_access { BOARD_ACC_UCTYPES, BOARD_ACC_MEM8, BOARD_ACC_MEM32 };
enum board_writer { BOARD_W_STDOUT_BUFFER, BOARD_W_MICROBIT_UART, BOARD_W_PRINT };

struct board_method {
    enum board_access access;
    enum board_writer writer;
    enum recdec_enc enc;
    enum recdec_digest digest;
    unsigned chunk;        /* bytes per record */
};

struct board_info {
    char impl[32];         /* "micropython" */
    char version[32];      /* "1.9.2" */
    char firmware[200];    /* os.uname().version, else sys.version */
    char machine[120];     /* "micro:bit with nRF51822" */
    char platform[32];     /* sys.platform */
    int raw_paste;         /* 1, 0, or -1 unknown */
    int uctypes, mem8, mem16, mem32;
    int stdout_buffer, microbit_uart;
    int b64, hexlify;
    char binascii[16];     /* module name: "binascii" or "ubinascii" */
    int sha256;
    char hashlib[16];
    int from_bytes;
    int binary_clean;      /* 1 proven, 0 failed, -1 no binary writer */
    long free_heap;        /* bytes, before mpeek's helper (with it when
                              helper_ready and helper_heap is -1) */
    long helper_heap;      /* bytes the helper holds, -1 unknown */
    int free_in_probe;     /* free_heap was measured with the probe's code
                              still held (a little low) */
    struct board_method method;
    /* The probe defined the likely helper (firmware with raw-paste): its
     * code's SHA-256, and whether it is the one the method needs. */
    int helper_folded;
    uint8_t folded_sha[32];
    int helper_ready;      /* board_install has nothing to do */
    /* Floats stored in the object word (MicroPython's object
     * representation C): 1, 0, or -1 not known yet (learnt by obj). */
    int repr_c;
};

/* Ask the board what it is and what it has.  Fills info (method too). */
int board_probe(struct rrepl *r, struct board_info *info, struct rc_msg *msg);

/* What a full probe of firmware with raw-paste learnt, for the next attach
 * on the same port (attcache.h): the board's identity ("IMPL VER PLAT
 * MACH FW", as the warm probe computes it on the board) and the probe's
 * answer. */
struct board_prefetch;

struct board_warm {
    char ident[512];
    char text[1024];
};

/*
 * board_probe, first trying warm (NULL or an empty one: not tried): one
 * short command in which the board checks that its identity is
 * warm->ident and that mpeek's names are free, and only then (on firmware
 * with raw-paste) defines the helper that the answer in warm->text chose,
 * measures its free heap and, for a binary method, echoes the 256 byte
 * values again; the rest of what the board is and has is then taken from
 * warm->text.  Firmware without raw-paste (small boards) gets its helper
 * in a command of its own afterwards (board_install), as after a full
 * probe, so that its heap is not left in pieces.  Anything else (another board, another
 * firmware, no raw-paste, a helper that fails) falls back to the full
 * probe.  *used says whether warm was used; learnt (may be NULL) receives
 * what a full probe learnt (empty when it is nothing to keep: old
 * firmware, a line that is not 8-bit clean, a helper not defined).
 */
int board_probe_warm(struct rrepl *r, struct board_info *info,
                     const struct board_warm *warm, int *used,
                     struct board_warm *learnt, struct board_prefetch *pf,
                     struct rc_msg *msg);

/*
 * A command sent right behind the warm probe, before its answer is read,
 * so that one round trip answers both (mread_prefetch): send is called
 * once the probe is on its way (info then holds the method the cache
 * chose), with gate, a Python expression true on the board only where
 * the probe defined the helper; its RC_UNSUPP means nothing was sent.
 * drop is called when the probe's answer says the helper is not there as
 * the command needs (another board, a line not 8-bit clean, no heap): it
 * must leave the board in the raw REPL with nothing pending.  sent: 1
 * after a send, 0 again after a drop.
 */
struct board_prefetch {
    int (*send)(void *ctx, const char *gate, struct rc_msg *msg);
    int (*drop)(void *ctx, struct rc_msg *msg);
    void *ctx;
    int sent;
};

/* What warm says the board is and has, and the method it chooses (no
 * board needed): 1, or 0 when warm does not read. */
int board_warm_info(const struct board_warm *warm, struct board_info *info);

/* A collection, as the first line of a command that defines the helper
 * on old firmware (16 KiB of heap): without it the helper lands among the
 * garbage of the probe before, and splits the heap. */
#define BOARD_GC_FIRST "__import__('gc').collect()\n"

/* The most a read without the helper takes (board_warm_read_code). */
#define BOARD_WARM_READ_MAX 2048u

/* A read of [addr, addr + len) that needs no probe and no helper, for a
 * board the attach cache knows and whose method (info, from
 * board_warm_info) is uctypes, SHA-256 and binary through
 * sys.stdout.buffer: one expression in which the board checks that its
 * identity is warm->ident and only then writes the bytes as one record
 * (recdec.h: 'D', the bytes, their digest, 'E'), else nothing.  It makes no
 * global.  RC_UNSUPP for another method or more than BOARD_WARM_READ_MAX
 * bytes. */
int board_warm_read_code(const struct board_warm *warm, const struct board_info *info,
                         uint32_t addr, uint32_t len, struct buf *out);

/* Pick the method from the features in info (pure; sets info->method). */
void board_choose(struct board_info *info);

/* Force a method by name: "bin", "b64", "hex", "words" (for tests and
 * benchmarks).  RC_UNSUPP when the board lacks what it needs. */
int board_force_method(struct board_info *info, const char *name,
                       struct rc_msg *msg);

/* The device-side helper for m, as Python source (static storage in buf). */
int board_helper_code(const struct board_info *info,
                      const struct board_method *m, char *buf, size_t size);

/* After the method changed (board_choose, board_force_method): is the
 * helper the probe defined the one it needs?  Sets info->helper_ready. */
void board_check_folded(struct board_info *info);

/* The helper may be gone or changed (a reset, a resync): the next
 * board_install sends it again. */
void board_helper_lost(struct board_info *info);

/* Install the helper; measures the heap it holds into info->helper_heap
 * where that costs no round trip (raw-paste firmware) or measure is set
 * (else it stays unknown, -1).  Nothing to do when info->helper_ready (the
 * probe defined it; the heap it holds stays unknown unless measure is set:
 * then it is deleted and installed again, measured, two round trips
 * more). */
int board_install(struct rrepl *r, struct board_info *info, int measure,
                  struct rc_msg *msg);

/* Remove the helper from the board's globals (best effort): queued to
 * run with rrepl_leave, in the same round trip as leaving the raw REPL
 * (call rrepl_leave next; any other command sends it first). */
int board_uninstall(struct rrepl *r, struct rc_msg *msg);

/* Learn how the board stores floats (MicroPython's object representation
 * C keeps them in the object word: id(0.5) has the tag 0b10) and set
 * info->repr_c to 1 or 0.  One small command; RC_PROTO when the answer is
 * not understood, else the rc of running it. */
int board_repr_c(struct rrepl *r, struct board_info *info, struct rc_msg *msg);

/* Human names for info output. */
const char *board_method_name(const struct board_method *m, char *buf,
                              size_t size);

#endif
