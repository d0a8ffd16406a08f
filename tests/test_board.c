/*
 * test_board.c: choosing the read method from a board's features, sizing
 * chunks to its heap, and the device-side helper code for each method.
 */
#include "board.h"

#include <string.h>

#include "failalloc.h"
#include "harness.h"

static struct board_info base(void)
{
    struct board_info in;
    memset(&in, 0, sizeof in);
    in.binary_clean = -1;
    in.helper_heap = -1;
    in.free_heap = 100000;
    strcpy(in.binascii, "binascii");
    strcpy(in.hashlib, "hashlib");
    return in;
}

TEST(newest_firmware_gets_binary_sha)
{
    struct board_info in = base();
    in.uctypes = in.mem8 = in.mem32 = 1;
    in.stdout_buffer = 1;
    in.binary_clean = 1;
    in.b64 = in.hexlify = in.sha256 = in.from_bytes = 1;
    board_choose(&in);
    CHECK_EQ_INT(in.method.access, BOARD_ACC_UCTYPES);
    CHECK_EQ_INT(in.method.enc, RECDEC_BIN);
    CHECK_EQ_INT(in.method.writer, BOARD_W_STDOUT_BUFFER);
    CHECK_EQ_INT(in.method.digest, RECDEC_SHA256);
    CHECK_EQ_INT(in.method.chunk, 4096);
}

TEST(microbit_gets_uart_binary_modp)
{
    struct board_info in = base();
    in.mem8 = in.mem16 = in.mem32 = 1;
    in.microbit_uart = 1;
    in.binary_clean = 1;
    in.from_bytes = 1;
    in.free_heap = 8048;
    board_choose(&in);
    CHECK_EQ_INT(in.method.access, BOARD_ACC_MEM8);
    CHECK_EQ_INT(in.method.enc, RECDEC_BIN);
    CHECK_EQ_INT(in.method.writer, BOARD_W_MICROBIT_UART);
    CHECK_EQ_INT(in.method.digest, RECDEC_MODP);
    CHECK(in.method.chunk >= 64 && in.method.chunk <= 1024);
}

TEST(unclean_line_falls_back_to_base64_then_hex_then_words)
{
    struct board_info in = base();
    in.uctypes = in.mem8 = in.mem32 = 1;
    in.stdout_buffer = 1;
    in.binary_clean = 0;
    in.b64 = in.hexlify = in.sha256 = 1;
    board_choose(&in);
    CHECK_EQ_INT(in.method.enc, RECDEC_B64);
    CHECK_EQ_INT(in.method.writer, BOARD_W_PRINT);
    in.b64 = 0;
    board_choose(&in);
    CHECK_EQ_INT(in.method.enc, RECDEC_HEX);
    in.hexlify = 0;
    board_choose(&in);
    CHECK_EQ_INT(in.method.enc, RECDEC_WORDS);
    CHECK_EQ_INT(in.method.digest, RECDEC_FLETCHER);
    CHECK_EQ_INT(in.method.access, BOARD_ACC_MEM32);
}

TEST(no_digest_means_words)
{
    struct board_info in = base();
    in.mem8 = in.mem32 = 1;
    in.b64 = 1; /* base64 but neither sha256 nor int.from_bytes */
    board_choose(&in);
    CHECK_EQ_INT(in.method.enc, RECDEC_WORDS);
    CHECK_EQ_INT(in.method.digest, RECDEC_FLETCHER);
}

TEST(small_heap_small_chunks)
{
    struct board_info in = base();
    in.mem8 = in.mem32 = 1;
    in.b64 = 1;
    in.from_bytes = 1;
    in.free_heap = 3000;
    board_choose(&in);
    CHECK(in.method.chunk <= 256);
    CHECK(in.method.chunk >= 64);
}

TEST(force_method)
{
    struct board_info in = base();
    struct rc_msg msg;
    in.uctypes = in.mem8 = in.mem32 = 1;
    in.stdout_buffer = 1;
    in.binary_clean = 1;
    in.b64 = in.sha256 = 1;
    board_choose(&in);
    CHECK_EQ_INT(board_force_method(&in, "b64", &msg), RC_OK);
    CHECK_EQ_INT(in.method.enc, RECDEC_B64);
    CHECK_EQ_INT(board_force_method(&in, "hex", &msg), RC_UNSUPP);
    CHECK(strstr(msg.text, "hexlify") != NULL);
    CHECK_EQ_INT(board_force_method(&in, "words", &msg), RC_OK);
    CHECK_EQ_INT(in.method.enc, RECDEC_WORDS);
    CHECK_EQ_INT(board_force_method(&in, "bin", &msg), RC_OK);
    CHECK_EQ_INT(in.method.enc, RECDEC_BIN);
    CHECK_EQ_INT(board_force_method(&in, "fast", &msg), RC_ARG);
}

/* Running out of memory while writing the helper gives RC_NOMEM, never
 * a helper with a piece missing. */
TEST(helper_code_out_of_memory)
{
    struct board_info in = base();
    char whole[2048], code[2048];
    in.uctypes = in.mem8 = in.mem32 = 1;
    in.stdout_buffer = 1;
    in.binary_clean = 1;
    in.sha256 = in.b64 = in.hexlify = 1;
    board_choose(&in);
    long before = failalloc_calls;
    CHECK_EQ_INT(board_helper_code(&in, &in.method, whole, sizeof whole), RC_OK);
    long calls = failalloc_calls - before;
    CHECK(calls > 0);
    for (long i = 0; i < calls; i++) {
        failalloc_arm(i);
        int rc = board_helper_code(&in, &in.method, code, sizeof code);
        CHECK(failalloc_fired());
        failalloc_disarm();
        CHECK(rc == RC_NOMEM || (rc == RC_OK && strcmp(code, whole) == 0));
        CHECK_EQ_INT(rc, RC_NOMEM);
    }
}

TEST(helper_code_shapes)
{
    struct board_info in = base();
    char code[2048];
    in.uctypes = in.mem8 = in.mem32 = 1;
    in.stdout_buffer = 1;
    in.binary_clean = 1;
    in.sha256 = in.b64 = in.hexlify = 1;
    board_choose(&in);
    CHECK_EQ_INT(board_helper_code(&in, &in.method, code, sizeof code), RC_OK);
    CHECK(strncmp(code, "def _mpk(a,n,c,", 15) == 0);
    CHECK(strstr(code, "sys').stdout.buffer.write") != NULL);
    CHECK(strstr(code, "uctypes').bytearray_at") != NULL);
    CHECK(strstr(code, "H(m).digest()") != NULL);
    CHECK(strstr(code, "w(b'Z')") != NULL);
    CHECK(strstr(code, "w(b'E')") != NULL);

    board_force_method(&in, "b64", NULL);
    board_helper_code(&in, &in.method, code, sizeof code);
    CHECK(strstr(code, "binascii').b2a_base64") != NULL);
    CHECK(strstr(code, "w(e(m).decode())") != NULL);
    CHECK(strstr(code, "w('Z')") != NULL);

    struct board_info mb = base();
    mb.mem8 = mb.mem32 = 1;
    mb.microbit_uart = 1;
    mb.binary_clean = 1;
    mb.from_bytes = 1;
    board_choose(&mb);
    board_helper_code(&mb, &mb.method, code, sizeof code);
    CHECK(strstr(code, "microbit').uart.write") != NULL);
    CHECK(strstr(code, "for i in range(k):m[i]=M[a+i]") != NULL);
    CHECK(strstr(code, "%1073741789") != NULL);
    CHECK(strstr(code, "import") == NULL || strstr(code, "__import__") != NULL);

    board_force_method(&mb, "words", NULL);
    board_helper_code(&mb, &mb.method, code, sizeof code);
    CHECK(strstr(code, "mem32") != NULL);
    CHECK(strstr(code, "v&0xffffffff") != NULL);
    /* Small enough for the micro:bit's raw REPL buffer. */
    CHECK(strlen(code) < 700);
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    RUN(newest_firmware_gets_binary_sha);
    RUN(microbit_gets_uart_binary_modp);
    RUN(unclean_line_falls_back_to_base64_then_hex_then_words);
    RUN(no_digest_means_words);
    RUN(small_heap_small_chunks);
    RUN(force_method);
    RUN(helper_code_shapes);
    RUN(helper_code_out_of_memory);
    return harness_done("board");
}
