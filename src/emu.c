/*
 * emu.c: starting the emulated micro:bit (see emu.h).
 */
#include "emu.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datadir.h"
#include "ihex.h"
#include "recdec.h"

static int on_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (path == NULL) {
        path = "/usr/bin:/bin";
    }
    while (*path) {
        const char *end = strchr(path, ':');
        size_t n = end ? (size_t)(end - path) : strlen(path);
        char full[512];
        snprintf(full, sizeof full, "%.*s/%s", (int)n, path, prog);
        if (access(full, X_OK) == 0) {
            return 1;
        }
        if (end == NULL) {
            break;
        }
        path = end + 1;
    }
    return 0;
}

/* Is the cached flash image at path whole: EMU_FLASH_SIZE bytes with the
 * SHA-256 want?  A truncated or damaged one makes QEMU abort. */
static int cache_good(const char *path, const uint8_t want[32])
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
        st.st_size != (off_t)EMU_FLASH_SIZE) {
        return 0;
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return 0;
    }
    uint8_t *data = malloc(EMU_FLASH_SIZE);
    int ok = data != NULL && fread(data, 1, EMU_FLASH_SIZE, f) == EMU_FLASH_SIZE &&
             fgetc(f) == EOF;
    fclose(f);
    if (ok) {
        uint8_t h[32];
        recdec_sha256(data, EMU_FLASH_SIZE, h);
        ok = memcmp(h, want, sizeof h) == 0;
    }
    free(data);
    return ok;
}

int emu_port_spec(const char *firmware, const char *cache_dir, char *out,
                  size_t size, struct rc_msg *msg)
{
    if (firmware == NULL) {
        firmware = getenv("MPEEK_EMU_FIRMWARE");
    }
    if (firmware == NULL || *firmware == 0) {
        firmware = EMU_FIRMWARE;
    }
    if (access(firmware, R_OK) != 0) {
        return rc_set(msg, RC_NOTFOUND,
                      "--port emu needs the micro:bit firmware at %s: "
                      "sudo apt-get install firmware-microbit-micropython "
                      "(or 'make deps' in mpeek's source folder)", firmware);
    }
    if (!on_path("qemu-system-arm")) {
        return rc_set(msg, RC_NOTFOUND,
                      "--port emu needs qemu-system-arm: sudo apt-get "
                      "install qemu-system-arm (or 'make deps' in mpeek's "
                      "source folder)");
    }
    struct ihex hex;
    int rc = ihex_load(firmware, &hex, msg);
    if (rc < 0) {
        return rc;
    }
    uint8_t *flash = malloc(EMU_FLASH_SIZE);
    if (flash == NULL) {
        ihex_free(&hex);
        return rc_set(msg, RC_NOMEM, "out of memory");
    }
    ihex_render(&hex, 0, EMU_FLASH_SIZE, 0xFF, flash);
    ihex_free(&hex);

    char dir[400];
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    if (cache_dir != NULL) {
        snprintf(dir, sizeof dir, "%s", cache_dir);
    } else if (xdg != NULL && *xdg) {
        snprintf(dir, sizeof dir, "%s/mpeek", xdg);
    } else if (home != NULL && *home) {
        snprintf(dir, sizeof dir, "%s/.cache/mpeek", home);
    } else {
        snprintf(dir, sizeof dir, "/tmp/mpeek-%u", (unsigned)getuid());
    }
    uint8_t h[32];
    recdec_sha256(flash, EMU_FLASH_SIZE, h);
    char path[512];
    snprintf(path, sizeof path, "%s/microbit-flash-%02x%02x%02x%02x%02x%02x.bin",
             dir, h[0], h[1], h[2], h[3], h[4], h[5]);
    if (!cache_good(path, h)) {
        char tmp[540];
        snprintf(tmp, sizeof tmp, "%s.%d", path, (int)getpid());
        FILE *f = NULL;
        if (datadir_mkdirs(dir, 0755) == 0) {
            f = fopen(tmp, "wb");
        }
        int ok = f != NULL && fwrite(flash, 1, EMU_FLASH_SIZE, f) == EMU_FLASH_SIZE;
        if (f != NULL) {
            ok &= fclose(f) == 0;
        }
        if (!ok || rename(tmp, path) != 0) {
            unlink(tmp);
            free(flash);
            return rc_set(msg, RC_IO, "cannot write the emulator's flash image "
                          "in %s: %s (set XDG_CACHE_HOME to a writable folder)",
                          dir, strerror(errno));
        }
    }
    free(flash);
    if (strchr(path, '\'') != NULL || strchr(path, ',') != NULL) {
        return rc_set(msg, RC_ARG, "the cache folder %s has a quote or comma "
                      "in its name; set XDG_CACHE_HOME elsewhere", dir);
    }
    snprintf(out, size,
             "execpty:exec qemu-system-arm -M microbit -device "
             "loader,file='%s',addr=0 -display none -monitor none "
             "-serial pty", path);
    return RC_OK;
}
