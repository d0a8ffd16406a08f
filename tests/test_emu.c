/*
 * test_emu.c: the emulator's cached flash image: built from the firmware,
 * checked each time, written again when truncated or damaged.  A stand-in
 * qemu-system-arm on PATH: nothing is started.
 */
#include "emu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

static char tmpdir[64];

static int write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return -1;
    }
    fputs(text, f);
    fclose(f);
    return chmod(path, mode);
}

/* The cached image named in the spec ("...loader,file='PATH',addr=0 ..."). */
static int cache_path(const char *spec, char *out, size_t size)
{
    const char *a = strstr(spec, "file='");
    const char *b = a ? strchr(a + 6, '\'') : NULL;
    if (b == NULL || (size_t)(b - a - 6) >= size) {
        return -1;
    }
    memcpy(out, a + 6, (size_t)(b - a - 6));
    out[b - a - 6] = 0;
    return 0;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* The image is the firmware over 0xFF: bytes 0..3 from the HEX, then FF. */
static int image_right(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return 0;
    }
    unsigned char *d = malloc(EMU_FLASH_SIZE);
    size_t n = d ? fread(d, 1, EMU_FLASH_SIZE, f) : 0;
    fclose(f);
    int ok = n == EMU_FLASH_SIZE && d[0] == 0x01 && d[1] == 0x02 &&
             d[2] == 0x03 && d[3] == 0x04;
    for (size_t i = 4; ok && i < n; i++) {
        ok = d[i] == 0xFF;
    }
    free(d);
    return ok;
}

TEST(damaged_cache_is_rebuilt)
{
    char fw[128], cache[128], spec[1024], path[512], bin[128];
    struct rc_msg msg;
    snprintf(fw, sizeof fw, "%s/fw.hex", tmpdir);
    snprintf(cache, sizeof cache, "%s/cache", tmpdir);
    snprintf(bin, sizeof bin, "%s/qemu-system-arm", tmpdir);
    CHECK_EQ_INT(write_file(fw, ":0400000001020304F2\n:00000001FF\n", 0644), 0);
    CHECK_EQ_INT(write_file(bin, "#!/bin/sh\nexit 1\n", 0755), 0);
    char *old_path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    setenv("PATH", tmpdir, 1);

    CHECK_EQ_INT(emu_port_spec(fw, cache, spec, sizeof spec, &msg), RC_OK);
    CHECK_EQ_INT(cache_path(spec, path, sizeof path), 0);
    CHECK_EQ_INT(file_size(path), EMU_FLASH_SIZE);
    CHECK(image_right(path));

    /* truncated (a full disk, a killed copy): written again */
    CHECK_EQ_INT(truncate(path, 1000), 0);
    CHECK_EQ_INT(emu_port_spec(fw, cache, spec, sizeof spec, &msg), RC_OK);
    CHECK_EQ_INT(file_size(path), EMU_FLASH_SIZE);
    CHECK(image_right(path));

    /* the right size, one byte changed: the digest catches it */
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (f != NULL) {
        fseek(f, 0x1234, SEEK_SET);
        fputc(0x00, f);
        fclose(f);
    }
    CHECK(!image_right(path));
    CHECK_EQ_INT(emu_port_spec(fw, cache, spec, sizeof spec, &msg), RC_OK);
    CHECK(image_right(path));

    /* too long */
    f = fopen(path, "ab");
    if (f != NULL) {
        fputc(0xFF, f);
        fclose(f);
    }
    CHECK_EQ_INT(emu_port_spec(fw, cache, spec, sizeof spec, &msg), RC_OK);
    CHECK_EQ_INT(file_size(path), EMU_FLASH_SIZE);
    CHECK(image_right(path));
    if (old_path != NULL) {
        setenv("PATH", old_path, 1);
        free(old_path);
    }
}

int main(int argc, char **argv)
{
    harness_start(argc, argv);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/mpeek-emu-XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        return 1;
    }
    RUN(damaged_cache_is_rebuilt);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) {
        printf("  could not remove %s\n", tmpdir);
    }
    return harness_done("emu");
}
