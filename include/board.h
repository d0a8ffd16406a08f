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
    char firmware[200];    /* os.uname().version when present */
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
    long free_heap;        /* bytes, before mpeek's helper */
    long helper_heap;      /* bytes the helper holds, -1 unknown */
    struct board_method method;
};

/* Ask the board what it is and what it has.  Fills info (method too). */
int board_probe(struct rrepl *r, struct board_info *info, struct rc_msg *msg);

/* Pick the method from the features in info (pure; sets info->method). */
void board_choose(struct board_info *info);

/* Force a method by name: "bin", "b64", "hex", "words" (for tests and
 * benchmarks).  RC_UNSUPP when the board lacks what it needs. */
int board_force_method(struct board_info *info, const char *name,
                       struct rc_msg *msg);

/* The device-side helper for m, as Python source (static storage in buf). */
int board_helper_code(const struct board_info *info,
                      const struct board_method *m, char *buf, size_t size);

/* Install the helper; measures the heap it holds into info->helper_heap. */
int board_install(struct rrepl *r, struct board_info *info,
                  struct rc_msg *msg);

/* Remove the helper from the board's globals (best effort): queued to
 * run with rrepl_leave, in the same round trip as leaving the raw REPL
 * (call rrepl_leave next; any other command sends it first). */
int board_uninstall(struct rrepl *r, struct rc_msg *msg);

/* Human names for info output. */
const char *board_method_name(const struct board_method *m, char *buf,
                              size_t size);

#endif
