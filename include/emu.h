/*
 * emu.h: the emulated BBC micro:bit (--port emu).
 *
 * QEMU's "microbit" machine running Debian's MicroPython firmware.  QEMU
 * leaves flash that the image does not cover as 0x00, where a real nRF51
 * reads erased flash as 0xFF; so the firmware.hex is rendered over 0xFF
 * into a 256 KiB flash image (cached) and that is what QEMU loads.  The
 * cached image is checked (its size and SHA-256) each time, and written
 * again when it is damaged.
 */
#ifndef MPEEK_EMU_H
#define MPEEK_EMU_H

#include <stddef.h>

#include "rc.h"

#define EMU_FIRMWARE "/usr/share/firmware-microbit-micropython/firmware.hex"
#define EMU_FLASH_SIZE 0x40000u

/*
 * Write into out the "execpty:..." port spec that starts the emulator.
 * firmware may be NULL (then $MPEEK_EMU_FIRMWARE or EMU_FIRMWARE);
 * cache_dir may be NULL (then $XDG_CACHE_HOME/mpeek, ~/.cache/mpeek or
 * /tmp).  Errors name the missing package and 'make deps'.
 */
int emu_port_spec(const char *firmware, const char *cache_dir, char *out,
                  size_t size, struct rc_msg *msg);

#endif
