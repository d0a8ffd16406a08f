#!/usr/bin/env python3
"""fakeboard.py: a fake MicroPython board on a pseudo-terminal, for testing mpeek.

The process creates a pty, announces it on stderr the way QEMU does
(``char device redirected to /dev/pts/N (label serial0)``) and then behaves
on the master side like the REPL of a MicroPython board, byte for byte as
described in ``micropython-wire.md`` (friendly REPL, raw REPL, raw-paste,
soft reset, Ctrl-C, framing, tracebacks).  The old-firmware mode was checked
against the real BBC micro:bit firmware v1.9.2 running in QEMU.

Design
------
* The code the host sends is really EXECUTED, in CPython, with one persistent
  globals dict standing in for MicroPython's ``__main__`` (cleared by a soft
  reset).  There is no pattern matching on the host's code.  The globals get
  a private builtins dict in which ``__import__``, ``print``, ``id``,
  ``int``, ``bytes``, ``bytearray`` ... are replaced, so that imports return
  SHIM modules (``machine``, ``uctypes``, ``binascii``, ``hashlib``, ``sys``,
  ``micropython``, ``gc``, ``microbit`` ...) that emulate the MicroPython
  modules on top of a simulated memory (``Memory``) and a simulated GC heap
  (``Heap``).  Which modules/attributes exist is decided by FEATURES, grouped
  into PRESETS (``new``, ``old``, ``nrf``, ``hexonly``, ``words``,
  ``notpython``, and the real-port presets ``esp8266``, ``esp32``, ``rp2``).
  Attribute reads of ``.hex``/``.to_bytes``/``.from_bytes`` are routed
  through a small AST rewrite so that features can hide them.
* Threads: a READER thread reads the pty master and queues bytes for the REPL
  (it also implements the "armed" Ctrl-C, the micro:bit's small receive ring
  and the raw-paste window accounting).  The MAIN thread runs the REPL state
  machine (a port of ``shared/runtime/pyexec.c`` and
  ``shared/readline/readline.c``) and executes code.  A Ctrl-C that arrives
  while code runs raises KeyboardInterrupt in the main thread with
  ``PyThreadState_SetAsyncExc`` (only while "armed", as on the device).
* All output goes through ``Link.tx``, which applies fault injection (counted
  on bytes of code output), ``--line7bit``, ``--baud`` pacing, and stops
  output for good once the board is hung (bus fault or ``silence`` fault).
* Reading an unmapped address through any shim hangs the board for good, as
  an nRF51/RP2040 bus fault does: no more output, all input ignored.  The
  ESP presets instead take a fatal exception and REBOOT (see below).
* Every notable event is appended to ``--log`` (one line each, flushed).

Real-port presets (board-memory.md sections 1-3; micropython-wire.md 7-8)
-------------------------------------------------------------------------
Each has its release's banner/``sys.implementation``/``os.uname``, the
"extra" feature level, raw-paste window 128, a memory map with flags, a
simulated flash chip, and port modules that exist only in that preset.

``esp8266`` (v1.24.0, ``ESP module with ESP8266``; flash 4 MiB, 2MiB build)
  DRAM 0x3FFE8000-0x3FFFBFFF, ROM/SDK data 0x3FFFC000-0x3FFFFFFF, ROM
  0x40000000 (64K), IRAM 0x40100000-0x40107FFF, flash window
  0x40200000-0x402FFFFF = flash offsets 0..1 MiB.  ROM/IRAM/flash window
  are instruction bus: mem32 works, mem8/mem16 work (-mforce-l32), but
  uctypes.bytes_at/bytearray_at there and byte stores fault.  GC heap: one
  38 KiB static array, ``from 3ffef0c0``.  Modules ``esp`` (flash_size
  4194304, flash_user_start 0x100000, flash_id 0x1640ef, flash_read/write/
  erase, osdebug, meminfo) and ``flashbdev`` (``bdev``: start_sec 256, 763
  blocks of 4096, readblocks/ioctl).
``esp32`` (v1.26.0, ``Generic ESP32 module with ESP32``; flash 4 MiB)
  DROM 0x3F400000 and IROM 0x400D0000 (1 MiB each, both = the factory
  app's first 1 MiB; IROM word-only), ROM1 0x3FF90000 (64K), DRAM
  0x3FFAE000-0x3FFFFFFF, ROM0 0x40000000-0x4005FFFF and IRAM
  0x40080000-0x4009FFFF (word-only), RTC slow 0x50000000 (8K); peripherals
  unmapped.  Split GC heap: two areas (``from 3ffc9200``, ``from 3ffd70d0``)
  and ``max new split: 110592``.  Modules ``esp`` (flash_size, flash_user_start
  0x200000, flash_read(offset, buf)), ``esp32`` (``Partition`` over
  partitions-4MiBplus.csv plus the run-time ``vfs`` partition 0x200000-end,
  ``idf_heap_info``) and ``flashbdev``.  The binary partition table is at
  flash 0x8000.
``rp2`` (v1.25.0, ``Raspberry Pi Pico with RP2040``; flash 2 MiB)
  Boot ROM 0x0 (16K), XIP 0x10000000 (2 MiB, aliased at 0x11/0x12/0x13000000),
  SRAM 0x20000000-0x20041FFF.  XIP_CTRL 0x14000000 and SSI 0x18000000 are
  left unmapped, so touching them hangs like any bus fault.  GC pool
  ``from 200017c0``.  Module ``rp2`` with ``Flash`` (RPI_PICO storage 1408 KiB
  at XIP 0x100A0000: 352 blocks of 4096, ``Flash(start=, len=)``, and the
  v1.25 read-only buffer interface: ``uctypes.addressof(rp2.Flash())`` and
  ``memoryview(rp2.Flash())``).  Ctrl-C flushes pending input (TinyUSB).

ESP fatal exceptions: a load from an unmapped address, a memcpy/byte access
to the instruction bus or a store to ROM/flash prints the port's crash report
(esp8266: ``Fatal exception 28(LoadProhibitedCause)`` / ``3(LoadStoreErrorCause)``
/ ``29(StoreProhibitedCause)`` plus an ``epc1=... excvaddr=...`` line; esp32:
``Guru Meditation Error: Core  0 panic'ed (LoadProhibited|LoadStoreError|
StoreProhibited)`` with a short register dump and the ROM boot lines), then the
board reboots: pending input dropped, globals cleared, boot banner and the
friendly prompt.  Logged as ``fault-reboot 0xADDR``.

``old`` (micro:bit) also has its 16 KiB RAM (0x20000000-0x20003FFF) and the
nRF51 FICR at 0x10000000-0x100000FF and the UICR at 0x10001000-0x100010FF
(erased; beyond them: hang), with QEMU's values in the FICR by
default (CODEPAGESIZE 0x400, CODESIZE 0x100, NUMRAMBLOCK and SIZERAMBLOCKS
0xFFFFFFFF) or a real nRF51822-QFAA's with ``--ficr real`` (4 blocks of 4 KiB).

Command line (``python3 tests/fakeboard.py -h``)
------------------------------------------------
--preset new|old|nrf|hexonly|words|notpython|esp8266|esp32|rp2   (default new)
--features +x,-y      adjust features: rawpaste uctypes binascii hexlify hashlib
                      stdout_buffer sys_stdout microbit_uart machine_mem
                      int_from_bytes memoryview ctrlc_flush
--window N            raw-paste window increment (default 128, nrf 32)
--mem NAME:START:SIZE[:FILL]   FILL random|zero|ff|file=PATH (repeatable;
                      replaces the default map; a port's flash chip stays)
--dump-mem START:SIZE:PATH     write simulated bytes at start-up
--heap N              GC heap bytes (new 192 KiB, old 10 KiB, nrf 16 KiB,
                      esp8266 38 KiB, esp32 56 KiB first area, rp2 254 KiB)
--ficr qemu|real      the old preset's FICR contents (default qemu)
--rx-ring N           receive ring used while a command runs (old: 64, which
                      keeps 63 bytes, as the real micro:bit does; 0 = none)
--line7bit            the link clears bit 7 of every byte the board sends
--baud N              pace output at N/10 bytes/s
--fault KIND:N[:REPEAT]        drop|garble|reset|silence|disconnect|stream|
                      trickle at offset N (from 0) of the code output since
                      start, or noise:N.  stream: from there the board sends
                      random bytes (never 0x04) as fast as it can, for good;
                      trickle: one byte every 0.5 s, for good; both ignore
                      all input, like silence
--link PATH           symlink PATH -> the pty slave (removed on exit)
--seconds N           exit after N seconds (default 3600)
--log PATH            events: boot friendly raw-enter raw-exit raw-paste-start
                      exec N, soft-reset ctrl-c kbd-interrupt window-overflow
                      input-dropped N, fault 0xADDR, fault-reboot 0xADDR,
                      reset-injected stream-injected trickle-injected
                      silence-injected disconnect-injected output-dropped N,
                      mode friendly|raw

Only the Python 3 standard library is used.
"""

import argparse
import ast
import base64
import binascii as _binascii
import builtins as _builtins
import codeop
import collections
import ctypes
import fcntl
import hashlib as _hashlib
import marshal
import os
import random
import re
import select
import signal
import struct
import sys
import termios
import threading
import time
import tty
import types
import zlib

CTRL_A, CTRL_B, CTRL_C, CTRL_D, CTRL_E = 1, 2, 3, 4, 5
CTRL_F, CTRL_K, CTRL_N, CTRL_P, CTRL_U = 6, 11, 14, 16, 21

# Return codes of the REPL functions (as in pyexec.c).
RET_OK = 0
RET_FORCED_EXIT = 1      # soft reset wanted
RET_HARD_RESET = 2       # machine.reset(): reboot into the friendly REPL
RET_INJECTED_RESET = 3   # --fault reset fired
RET_FATAL_REBOOT = 4     # ESP fatal exception / panic: reboot into friendly

ALL_FEATURES = [
    'rawpaste', 'uctypes', 'binascii', 'hexlify', 'hashlib', 'stdout_buffer',
    'sys_stdout', 'microbit_uart', 'machine_mem', 'int_from_bytes',
    'memoryview', 'ctrlc_flush',
]

_NEW_ID = dict(
    version_str='v1.29.0-preview', build_date='2026-11-25',
    version=(1, 29, 0, 'preview'), mpy=4870, msg_style='new', memfmt='new',
    soft_reboot=b'MPY: soft reboot\r\n', sys_exit_resets=True,
    vt100=True, sys_version='3.4.0; MicroPython v1.29.0-preview on 2026-11-25',
)

PRESETS = {
    'new': dict(_NEW_ID,
                machine='fake-rp2 with RP2040', platform='rp2',
                uname=('rp2', 'rp2', '1.29.0-preview',
                       'v1.29.0-preview on 2026-11-25', 'fake-rp2 with RP2040'),
                features={'rawpaste', 'uctypes', 'binascii', 'hexlify', 'hashlib',
                          'stdout_buffer', 'sys_stdout', 'machine_mem',
                          'int_from_bytes', 'memoryview'},
                heap=192 * 1024, pool_start=0x20005ba0, window=128,
                stack=(548, 7936), stack_use=516, rx_ring=0, baseline=1536,
                help='rp2', cpu_freq=125000000),
    'old': dict(version_str='v1.9.2-34-gd64154c73', build_date='2017-09-01',
                version=(1, 9, 2), mpy=None, msg_style='old', memfmt='old',
                soft_reboot=b'soft reboot\r\n', sys_exit_resets=False,
                vt100=False, sys_version='3.4.0',
                machine='micro:bit v1.0.1 with nRF51822', platform='microbit',
                uname=('microbit', 'microbit', '1.0.1',
                       'micro:bit v1.0.1+unknown on 2023-02-24; '
                       'MicroPython v1.9.2-34-gd64154c73 on 2017-09-01',
                       'micro:bit with nRF51822'),
                features={'machine_mem', 'microbit_uart', 'int_from_bytes'},
                heap=10 * 1024, pool_start=0x200004a0, window=128,
                stack=(528, 1800), stack_use=488, rx_ring=64, baseline=1600,
                help='microbit', cpu_freq=16000000,
                # nRF51822 QFAA: 16 KiB RAM; FICR readable (see --ficr).
                ram_size=0x4000, ficr=True),
    'nrf': dict(_NEW_ID,
                machine='micro:bit with NRF51822', platform='nrf',
                uname=('nrf51', 'nrf51', '1.29.0-preview',
                       'v1.29.0-preview on 2026-11-25', 'micro:bit with NRF51822'),
                features={'rawpaste', 'binascii', 'machine_mem', 'int_from_bytes',
                          'memoryview'},
                heap=16 * 1024, pool_start=0x20000a40, window=32,
                stack=(500, 3840), stack_use=472, rx_ring=0, baseline=1200,
                help='rp2', cpu_freq=16000000),
    'hexonly': dict(_NEW_ID,
                    machine='fake-rp2 with RP2040', platform='rp2',
                    uname=('rp2', 'rp2', '1.29.0-preview',
                           'v1.29.0-preview on 2026-11-25', 'fake-rp2 with RP2040'),
                    features={'rawpaste', 'hexlify', 'sys_stdout', 'machine_mem',
                              'int_from_bytes', 'memoryview'},
                    heap=192 * 1024, pool_start=0x20005ba0, window=128,
                    stack=(548, 7936), stack_use=516, rx_ring=0, baseline=1536,
                    help='rp2', cpu_freq=125000000),
    'words': dict(_NEW_ID,
                  machine='fake-rp2 with RP2040', platform='rp2',
                  uname=('rp2', 'rp2', '1.29.0-preview',
                         'v1.29.0-preview on 2026-11-25', 'fake-rp2 with RP2040'),
                  features={'rawpaste', 'machine_mem', 'memoryview'},
                  heap=192 * 1024, pool_start=0x20005ba0, window=128,
                  stack=(548, 7936), stack_use=516, rx_ring=0, baseline=1536,
                  help='rp2', cpu_freq=125000000),
}
PRESETS['notpython'] = dict(PRESETS['new'], features=set())

# Real ports (board-memory.md sections 1-3).  'port' selects the memory map
# (build_memory), the port modules (Board._port_modules) and what a bad
# read does ('fault': hang, or an ESP fatal exception and reboot).
_EXTRA_FEATURES = {'rawpaste', 'uctypes', 'binascii', 'hexlify', 'hashlib',
                   'stdout_buffer', 'sys_stdout', 'machine_mem', 'int_from_bytes',
                   'memoryview'}


def _release(ver, date, machine, platform, mpy, **kw):
    vs = 'v%d.%d.%d' % ver
    d = dict(version_str=vs, build_date=date, version=ver + ('',), mpy=mpy,
             msg_style='new', memfmt='new', soft_reboot=b'MPY: soft reboot\r\n',
             sys_exit_resets=True, vt100=True,
             sys_version='3.4.0; MicroPython %s on %s' % (vs, date),
             machine=machine, platform=platform,
             uname=(platform, platform, '%d.%d.%d' % ver, '%s on %s' % (vs, date), machine),
             features=set(_EXTRA_FEATURES), window=128, rx_ring=0)
    d.update(kw)
    return d


PRESETS['esp8266'] = _release(
    (1, 24, 0), '2024-10-25', 'ESP module with ESP8266', 'esp8266',
    6 | 3 << 8 | 9 << 10,                       # mpy 6.3, arch xtensa
    port='esp8266', fault='esp8266', help='esp8266',
    # The GC heap is a static 38 KiB array in .bss (ports/esp8266/main.c).
    heap=38 * 1024, pool_start=0x3ffef0c0, ram_region='dram',
    stack=(2112, 8192), stack_use=1904, baseline=1536, cpu_freq=80000000,
    unique_id=b'\x5c\x8d\x0e\x00')
PRESETS['esp8266']['uname'] = ('esp8266', 'esp8266', '2.2.0-dev(9422289)',
                               'v1.24.0 on 2024-10-25', 'ESP module with ESP8266')
PRESETS['esp32'] = _release(
    (1, 26, 0), '2025-08-09', 'Generic ESP32 module with ESP32', 'esp32',
    6 | 3 << 8 | 10 << 10,                      # mpy 6.3, arch xtensawin
    port='esp32', fault='esp32', help='esp32',
    # Split heap: the first area (56 KiB, MICROPY_GC_INITIAL_HEAP_SIZE) and
    # a second one added later, both taken from the IDF heap in DRAM.
    heap=56 * 1024, pool_start=0x3ffc9200, more_areas=[(0x3ffd70d0, 36 * 1024)],
    max_new_split=110592, ram_region='dram',
    stack=(704, 15360), stack_use=672, baseline=4096, cpu_freq=160000000,
    unique_id=b'\x24\x0a\xc4\x12\x34\x56')
PRESETS['rp2'] = _release(
    (1, 25, 0), '2025-04-15', 'Raspberry Pi Pico with RP2040', 'rp2',
    6 | 3 << 8 | 4 << 10,                       # mpy 6.3, arch armv6m
    port='rp2', fault='hang', help='rp2',
    # __GcHeapStart (after .bss) to the end of the 256 KiB striped SRAM.
    heap=0x3f800, pool_start=0x200017c0, ram_region='sram',
    stack=(548, 7936), stack_use=516, baseline=1536, cpu_freq=125000000,
    unique_id=b'\xe6\x61\x38\x10\x43\x2b\x54\x2c')
# TinyUSB CDC: a Ctrl-C wipes the pending input (micropython-wire.md 5.1).
PRESETS['rp2']['features'].add('ctrlc_flush')

HELP_TEXT = {
    'microbit': (
        "Welcome to MicroPython on the micro:bit!\n\nTry these commands:\n"
        "  display.scroll('Hello')\n  running_time()\n  sleep(1000)\n"
        "  button_a.is_pressed()\n"
        "What do these commands do? Can you improve them? HINT: use the up and down\n"
        "arrow keys to get your command history. Press the TAB key to auto-complete\n"
        "unfinished words (so 'di' becomes 'display' after you press TAB). These\n"
        "tricks save a lot of typing and look cool!\n\nExplore:\n"
        "Type 'help(something)' to find out about it. Type 'dir(something)' to see what\n"
        "it can do. Type 'dir()' to see what stuff is available. For goodness sake,\n"
        "don't type 'import this'.\n\nControl commands:\n"
        "  CTRL-C        -- stop a running program\n"
        "  CTRL-D        -- on a blank line, do a soft reset of the micro:bit\n"
        "  CTRL-E        -- enter paste mode, turning off auto-indent\n\n"
        "For a list of available modules, type help('modules')\n\n"
        "For more information about Python, visit: http://python.org/\n"
        "To find out about MicroPython, visit: http://micropython.org/\n"
        "Python/micro:bit documentation is here: https://microbit-micropython.readthedocs.io/\n"),
    'esp8266': (
        "Welcome to MicroPython!\n\n"
        "For online docs please visit http://docs.micropython.org/en/latest/esp8266/ .\n"
        "For diagnostic information to include in bug reports execute 'import port_diag'.\n\n"
        "Basic WiFi configuration:\n\n"
        "import network\n"
        "sta_if = network.WLAN(network.STA_IF); sta_if.active(True)\n"
        "sta_if.scan()                             # Scan for available access points\n"
        "sta_if.connect(\"<AP_name>\", \"<password>\") # Connect to an AP\n"
        "sta_if.isconnected()                      # Check for successful connection\n\n"
        "Control commands:\n"
        "  CTRL-A        -- on a blank line, enter raw REPL mode\n"
        "  CTRL-B        -- on a blank line, enter normal REPL mode\n"
        "  CTRL-C        -- interrupt a running program\n"
        "  CTRL-D        -- on a blank line, do a soft reset of the board\n"
        "  CTRL-E        -- on a blank line, enter paste mode\n\n"
        "For further help on a specific object, type help(obj)\n"),
    'esp32': (
        "Welcome to MicroPython on the ESP32!\n\n"
        "For online docs please visit http://docs.micropython.org/\n\n"
        "For access to the hardware use the 'machine' module:\n\n"
        "import machine\n"
        "pin12 = machine.Pin(12, machine.Pin.OUT)\n"
        "pin12.value(1)\n"
        "pin13 = machine.Pin(13, machine.Pin.IN, machine.Pin.PULL_UP)\n"
        "print(pin13.value())\n\n"
        "Control commands:\n"
        "  CTRL-A        -- on a blank line, enter raw REPL mode\n"
        "  CTRL-B        -- on a blank line, enter normal REPL mode\n"
        "  CTRL-C        -- interrupt a running program\n"
        "  CTRL-D        -- on a blank line, do a soft reset of the board\n"
        "  CTRL-E        -- on a blank line, enter paste mode\n\n"
        "For further help on a specific object, type help(obj)\n"
        "For a list of available modules, type help('modules')\n"),
    'rp2': (
        "Welcome to MicroPython!\n\nFor online help please visit https://micropython.org/help/.\n\n"
        "For access to the hardware use the 'machine' module.\n\n"
        "Control commands:\n"
        "  CTRL-A        -- on a blank line, enter raw REPL mode\n"
        "  CTRL-B        -- on a blank line, enter normal REPL mode\n"
        "  CTRL-C        -- interrupt a running program\n"
        "  CTRL-D        -- on a blank line, do a soft reset of the board\n"
        "  CTRL-E        -- on a blank line, enter paste mode\n\n"
        "For further help on a specific object, type help(obj)\n"
        "For a list of available modules, type help('modules')\n"),
}

# Modules listed by help('modules') (besides the emulated ones) per style.
OLD_MODULE_LIST = ['__main__', 'antigravity', 'array', 'audio', 'builtins',
                   'collections', 'gc', 'love', 'machine', 'math', 'microbit',
                   'micropython', 'music', 'neopixel', 'os', 'radio', 'random',
                   'speech', 'struct', 'sys', 'this', 'time', 'ucollections',
                   'ustruct', 'utime']
NEW_MODULE_LIST = ['__main__', '_asyncio', '_boot', '_boot_fat', '_onewire',
                   '_rp2', '_thread', 'array', 'asyncio/__init__', 'asyncio/core',
                   'asyncio/event', 'asyncio/funcs', 'asyncio/lock',
                   'asyncio/stream', 'builtins', 'cmath', 'collections',
                   'cryptolib', 'deflate', 'dht', 'ds18x20', 'errno', 'framebuf',
                   'gc', 'heapq', 'io', 'json', 'machine', 'math', 'micropython',
                   'neopixel', 'onewire', 'os', 'platform', 'random', 're', 'rp2',
                   'select', 'struct', 'sys', 'time', 'uasyncio', 'vfs']
NRF_MODULE_LIST = ['__main__', 'array', 'board', 'builtins', 'collections', 'gc',
                   'machine', 'math', 'microbit', 'micropython', 'nrf', 'os',
                   'struct', 'sys', 'time']
ESP8266_MODULE_LIST = ['__main__', '_boot', '_espnow', '_onewire', '_webrepl',
                       'apa102', 'array', 'asyncio/__init__', 'asyncio/core',
                       'asyncio/event', 'asyncio/funcs', 'asyncio/lock',
                       'asyncio/stream', 'builtins', 'collections', 'deflate', 'dht',
                       'ds18x20', 'errno', 'esp', 'espnow', 'flashbdev', 'framebuf',
                       'gc', 'heapq', 'inisetup', 'io', 'json', 'lwip', 'machine',
                       'math', 'micropython', 'neopixel', 'network', 'ntptime',
                       'onewire', 'os', 'port_diag', 'random', 're', 'select',
                       'socket', 'ssl', 'struct', 'sys', 'time', 'vfs', 'webrepl',
                       'webrepl_setup', 'websocket']
ESP32_MODULE_LIST = ['__main__', '_asyncio', '_boot', '_espnow', '_onewire', '_thread',
                     '_webrepl', 'apa106', 'array', 'asyncio/__init__', 'asyncio/core',
                     'asyncio/event', 'asyncio/funcs', 'asyncio/lock',
                     'asyncio/stream', 'bluetooth', 'builtins', 'cmath', 'collections',
                     'cryptolib', 'deflate', 'dht', 'ds18x20', 'errno', 'esp', 'esp32',
                     'espnow', 'flashbdev', 'framebuf', 'gc', 'heapq', 'inisetup', 'io',
                     'json', 'machine', 'math', 'micropython', 'mip/__init__',
                     'neopixel', 'network', 'ntptime', 'onewire', 'os', 'platform',
                     'random', 're', 'requests/__init__', 'select', 'socket', 'ssl',
                     'struct', 'sys', 'time', 'tls', 'uasyncio', 'upysh', 'vfs',
                     'webrepl', 'webrepl_setup', 'websocket']


# ---------------------------------------------------------------------------
# Exceptions used for control flow inside the fake (all BaseException so that
# "except Exception" in user code does not swallow them).

class _InjectedReset(BaseException):
    """Raised out of Link.tx when a --fault reset fires during code output."""


class _HardReset(BaseException):
    """Raised by machine.reset()."""


class _FatalReboot(BaseException):
    """Raised out of a bad load/store on an ESP board (fatal exception or
    Guru Meditation panic): the board prints its crash report and reboots."""


# MicroPython prints OSError(errno) as "[Errno N] NAME" (py/moderrno.c).
ERRNO_NAMES = {1: 'EPERM', 2: 'ENOENT', 5: 'EIO', 9: 'EBADF', 11: 'EAGAIN',
               12: 'ENOMEM', 13: 'EACCES', 17: 'EEXIST', 19: 'ENODEV',
               21: 'EISDIR', 22: 'EINVAL', 28: 'ENOSPC', 95: 'EOPNOTSUPP',
               110: 'ETIMEDOUT'}


class _CompileError(Exception):
    """A MicroPython-style compile error: kind, message, line."""

    def __init__(self, kind, msg, line):
        super().__init__(msg)
        self.kind, self.msg, self.line = kind, msg, line


# ---------------------------------------------------------------------------
class Log:
    """Append-only event log, one line per event, flushed at once."""

    def __init__(self, path):
        self.f = open(path, 'a', buffering=1) if path else None
        self.lock = threading.Lock()

    def __call__(self, event):
        if self.f is None:
            return
        with self.lock:
            self.f.write(event + '\n')
            self.f.flush()


# ---------------------------------------------------------------------------
class Memory:
    """The simulated address space: a few named regions of bytes.

    Anything outside the regions is unmapped; touching it calls
    on_fault(addr, kind) with kind 'unmapped' (the board then hangs or
    reboots and the call does not return).  A region's data may be shared
    with other regions (address aliases) or be a memoryview into a larger
    store (a flash window).  Region flags (``flags[name]``):

    * ``ibus``: Xtensa instruction bus, only aligned 32-bit loads/stores.
      A ``copy`` access (uctypes, memcpy) or a narrow store faults with kind
      'ibus'; narrow loads (mem8/mem16) fault too unless ``narrow_ibus_ok``
      (ESP8266 builds with -mforce-l32).
    * ``ro``: read-only (ROM, a flash window, FICR): a store calls
      on_fault(addr, 'store') when ``store_faults``, else it is ignored.
    """

    def __init__(self, regions, flags=None):
        # regions: list of (name, start, data); data: bytearray or memoryview
        self.regions = sorted(regions, key=lambda r: r[1])
        self.flags = dict(flags or {})
        self.on_fault = None
        self.narrow_ibus_ok = False
        self.store_faults = False
        self.flash = None            # the board's flash chip (esp.flash_read)

    def find(self, addr):
        for name, start, data in self.regions:
            if start <= addr < start + len(data):
                return start, data
        return None

    def _region_at(self, addr):
        for name, start, data in self.regions:
            if start <= addr < start + len(data):
                return name, start, data
        return None

    def first_unmapped(self, addr, n):
        """Return the first unmapped address in [addr, addr+n), or None."""
        a, end = addr, addr + n
        while a < end:
            r = self.find(a)
            if r is None:
                return a & 0xFFFFFFFF
            a = r[0] + len(r[1])
        return None

    def _first_flagged(self, addr, n, flag):
        """The first address in [addr, addr+n) inside a region with flag."""
        if not self.flags:
            return None
        a, end = addr, addr + n
        while a < end:
            r = self._region_at(a)
            if r is None:
                return None
            if flag in self.flags.get(r[0], ()):
                return a
            a = r[1] + len(r[2])
        return None

    def _check(self, addr, n, access, store):
        bad = self.first_unmapped(addr, n)
        if bad is not None:
            self.on_fault(bad, 'unmapped')
        if access == 'raw':
            return True
        ib = self._first_flagged(addr, n, 'ibus')
        if ib is not None:
            narrow = access in ('mem8', 'mem16')
            if access == 'copy' or (narrow and (store or not self.narrow_ibus_ok)):
                self.on_fault(ib, 'ibus')
        if store:
            ro = self._first_flagged(addr, n, 'ro')
            if ro is not None:
                if self.store_faults:
                    self.on_fault(ro, 'store')
                return False
        return True

    def read(self, addr, n, access='copy'):
        """Bytes at addr.  access: copy (uctypes, memcpy), mem8/mem16/mem32
        (machine.memX), raw (no access checks, for --dump-mem)."""
        addr &= 0xFFFFFFFF
        if n <= 0:
            return b''
        self._check(addr, n, access, False)
        out = bytearray()
        a, end = addr, addr + n
        while a < end:
            start, data = self.find(a)
            take = min(end, start + len(data)) - a
            out += data[a - start:a - start + take]
            a += take
        return bytes(out)

    def write(self, addr, buf, access='copy'):
        addr &= 0xFFFFFFFF
        if not self._check(addr, len(buf), access, True):
            return
        a, i = addr, 0
        while i < len(buf):
            start, data = self.find(a)
            take = min(len(buf) - i, start + len(data) - a)
            data[a - start:a - start + take] = buf[i:i + take]
            a += take
            i += take


def make_region(name, start, size, fill):
    """Build the bytes of one region from its FILL spec."""
    if fill == 'random':
        data = bytearray(random.Random(start).randbytes(size))
    elif fill == 'zero':
        data = bytearray(size)
    elif fill == 'ff':
        data = bytearray(b'\xff' * size)
    elif fill.startswith('file='):
        with open(fill[5:], 'rb') as f:
            content = f.read(size)
        data = bytearray(content + b'\xff' * (size - len(content)))
    elif fill == 'default-flash':
        # First 0x20000 bytes pseudo-random, the rest 0xFF, 4 KiB of zeros at 0x30000.
        data = bytearray(b'\xff' * size)
        n = min(size, 0x20000)
        data[0:n] = random.Random(start).randbytes(n)
        if size > 0x30000:
            z = min(0x1000, size - 0x30000)
            data[0x30000:0x30000 + z] = bytes(z)
    else:
        raise ValueError('bad FILL %r' % fill)
    return (name, start, data)


# ---------------------------------------------------------------------------
class Heap:
    """A plausible simulated GC heap: a block map (one char per 16-byte block,
    the characters of gc_dump_alloc_table) with a fixed baseline of system
    objects, a long-lived object pinned mid-heap (so the largest free block is
    about half of the free memory), and one allocation per user global.
    Only the map is simulated: no bytes of Memory are changed by it.

    A split heap (esp32) has several areas: ``more_areas`` lists further
    (pool start, area bytes); the baseline and the pinned object live in the
    first area, allocations never straddle two areas, mem_info prints one
    layout per area and, with ``max_new_split``, the esp32 ``max new split``
    (an allocation up to that size would succeed by adding an area)."""

    BLOCK = 16

    def __init__(self, pool_start, heap_bytes, baseline_bytes, seed,
                 more_areas=(), max_new_split=None):
        self.start = pool_start
        # gc_setup_area: one allocation-table byte per 4 blocks (65 bytes).
        self.areas = []            # (pool start, first block, nblocks)
        first = 0
        for start, nbytes in [(pool_start, heap_bytes)] + list(more_areas):
            nb = (nbytes // 65) * 4
            self.areas.append((start, first, nb))
            first += nb
        self.nblocks = first
        self.total = self.nblocks * self.BLOCK
        self.max_new_split = max_new_split
        # System objects take ~16% of the real micro:bit's 10 KiB heap after
        # boot; keep a tiny --heap usable by scaling the baseline down.
        area0_total = self.areas[0][2] * self.BLOCK
        self.baseline_bytes = min(baseline_bytes, area0_total * 16 // 100)
        self.seed = seed
        self.reset()

    def reset(self):
        self.map = bytearray(b'.' * self.nblocks)
        self.allocs = {}           # key -> (block, nblocks, kind, obj id)
        self.transient = {}        # id(obj) -> (address, obj) for id()
        self.next_transient = 0
        rng = random.Random(self.seed)
        target = max(1, self.baseline_bytes // self.BLOCK)
        nb0 = self.areas[0][2]
        pos, used = 0, 0
        sizes = [1, 1, 1, 1, 1, 2, 2, 2, 3, 4, 6, 8]
        first = True
        while used < target and pos < nb0 // 2:
            n = 19 if first else rng.choice(sizes)
            first = False
            n = min(n, target - used) or 1
            self._mark(pos, n, rng.choice('hhhhhhBBTSSDLA') if n > 1 or rng.random() < 0.8 else 'h')
            used += n
            pos += n
            if rng.random() < 0.08:
                pos += rng.randint(1, 3)
        # The pinned object: the middle of the free space.
        mid = pos + (nb0 - pos) // 2
        if mid < nb0:
            self._mark(mid, 1, 'h')

    def _mark(self, pos, n, kind):
        self.map[pos] = ord(kind)
        for i in range(pos + 1, pos + n):
            self.map[i] = ord('=')

    def _segments(self):
        """(first block, end block) of each area."""
        return [(first, first + nb) for _, first, nb in self.areas]

    def _first_fit(self, n):
        for lo, hi in self._segments():
            m = re.search(b'\\.{%d}' % n, self.map[lo:hi])
            if m:
                return lo + m.start()
        return None

    def max_free_blocks(self):
        runs = [len(m.group(0)) for lo, hi in self._segments()
                for m in re.finditer(b'\\.+', self.map[lo:hi])]
        return max(runs) if runs else 0

    def largest_free_bytes(self):
        return self.max_free_blocks() * self.BLOCK

    def alloc_limit(self):
        """The largest allocation that succeeds (a new split area included)."""
        limit = self.largest_free_bytes()
        if self.max_new_split:
            limit = max(limit, (self.max_new_split // 65) * 4 * self.BLOCK)
        return limit

    def check_alloc(self, nbytes):
        """Raise MicroPython's MemoryError if nbytes cannot be allocated."""
        if nbytes > self.alloc_limit():
            raise MemoryError('memory allocation failed, allocating %u bytes' % nbytes)

    def block_addr(self, blk):
        for start, first, nb in self.areas:
            if first <= blk < first + nb:
                return start + (blk - first) * self.BLOCK
        return self.start + blk * self.BLOCK

    # -- cost of a global ------------------------------------------------
    @staticmethod
    def cost(obj):
        """(bytes, block kind) a MicroPython object like obj would use."""
        if isinstance(obj, types.ModuleType):
            return 0, 'M'
        if isinstance(obj, types.FunctionType):
            try:
                n = len(marshal.dumps(obj.__code__)) // 2
            except Exception:
                n = 64
            return 32 + n, 'B'
        if isinstance(obj, (bool, type(None))):
            return 0, 'h'
        if isinstance(obj, int):
            return (0, 'h') if -(1 << 30) <= obj < (1 << 30) else (16, 'h')
        if isinstance(obj, float):
            return 16, 'F'
        if isinstance(obj, (str, bytes)):
            return (len(obj) + 17 if len(obj) > 0 else 0), 'S'
        if isinstance(obj, bytearray):
            return 16 + len(obj), 'A'
        if isinstance(obj, list):
            return 16 + 4 * len(obj), 'L'
        if isinstance(obj, tuple):
            return 8 + 4 * len(obj), 'T'
        if isinstance(obj, dict):
            return 16 + 8 * len(obj), 'D'
        if isinstance(obj, type):
            return 96, 'h'
        return 32, 'h'

    def sync(self, g):
        """Bring the allocations in line with the globals dict g."""
        want = {}
        for k, v in list(g.items()):
            if k.startswith('__'):
                continue
            nbytes, kind = self.cost(v)
            if nbytes <= 0:
                continue
            want['g:' + k] = ((nbytes + self.BLOCK - 1) // self.BLOCK, kind, id(v))
        ng = len(g)
        want['dict'] = ((16 + 8 * ng + self.BLOCK - 1) // self.BLOCK, 'h', ng)
        for key in list(self.allocs):
            if key not in want or want[key] != self.allocs[key][1:]:
                pos, n = self.allocs.pop(key)[:2]
                self.map[pos:pos + n] = b'.' * n
        for key, (n, kind, ident) in want.items():
            if key in self.allocs:
                continue
            pos = self._first_fit(n)
            if pos is None:
                continue
            self._mark(pos, n, kind)
            self.allocs[key] = (pos, n, kind, ident)

    def addr_of(self, obj, g=None):
        """MicroPython id(): the object's (simulated) address."""
        if isinstance(obj, bool) or obj is None:
            return {None: 0x2c6f4, False: 0x2c6e4, True: 0x2c6ec}[obj]
        if isinstance(obj, int) and -(1 << 30) <= obj < (1 << 30):
            return ((obj << 1) | 1) & 0xFFFFFFFF
        if isinstance(obj, (types.ModuleType, types.BuiltinFunctionType, type)):
            # Built-in objects live in the firmware image (ROM/flash).
            name = getattr(obj, '__name__', type(obj).__name__)
            return 0x28000 + (zlib.crc32(name.encode()) % 0x4000) * 4
        if g is not None:
            for k, v in g.items():
                if v is obj and ('g:' + k) in self.allocs:
                    return self.block_addr(self.allocs['g:' + k][0])
        ent = self.transient.get(id(obj))
        if ent is not None and ent[1] is obj:
            return ent[0]
        # Hand out addresses from the upper quarter of the (last) pool.
        start, _, nb = self.areas[-1]
        span = max(1, nb // 4)
        blk = nb - span + (self.next_transient % span)
        self.next_transient += 2
        addr = start + blk * self.BLOCK
        if len(self.transient) > 4096:
            self.transient.clear()
        self.transient[id(obj)] = (addr, obj)
        return addr

    # -- reports ---------------------------------------------------------
    def stats(self):
        used_blocks = self.nblocks - self.map.count(b'.')
        n1 = n2 = max_blk = 0
        for lo, hi in self._segments():
            for m in re.finditer(b'[^.=]=*', self.map[lo:hi]):
                n = len(m.group(0))
                n1 += n == 1
                n2 += n == 2
                max_blk = max(max_blk, n)
        used = used_blocks * self.BLOCK
        return dict(total=self.total, used=used, free=self.total - used,
                    n1=n1, n2=n2, max_blk=max_blk, max_free=self.max_free_blocks())

    def dump_info(self, new_format):
        s = self.stats()
        split = ''
        if self.max_new_split is not None:
            split = ', max new split: %u' % self.max_new_split
        return ('GC: total: %(total)u, used: %(used)u, free: %(free)u' % s + split + '\n' +
                ' No. of 1-blocks: %(n1)u, 2-blocks: %(n2)u, max blk sz: %(max_blk)u,'
                ' max free sz: %(max_free)u\n' % s)

    def dump_alloc_table(self, new_format):
        """gc_dump_alloc_table(): %08x offsets from v1.20, %05x before;
        one layout per heap area."""
        return ''.join(self._dump_area(start, self.map[first:first + nb], new_format)
                       for start, first, nb in self.areas)

    def _dump_area(self, start, amap, new_format):
        per_line = 64
        out = ['GC memory layout; from %x:' % start]
        bl, total = 0, len(amap)
        while bl < total:
            if bl % per_line == 0:
                bl2 = bl
                while bl2 < total and amap[bl2] == ord('.'):
                    bl2 += 1
                if bl2 - bl >= 2 * per_line:
                    out.append('\n       (%u lines all free)' % ((bl2 - bl) // per_line))
                    bl = bl2 & ~(per_line - 1)
                    if bl >= total:
                        break
                off = bl * self.BLOCK
                out.append(('\n%08x: ' % off) if new_format else ('\n%05x: ' % (off & 0xFFFFF)))
            end = min(total, (bl // per_line + 1) * per_line)
            out.append(amap[bl:end].decode('ascii'))
            bl = end
        out.append('\n')
        return ''.join(out)


# ---------------------------------------------------------------------------
class Faults:
    """--fault KIND:N[:REPEAT] bookkeeping, counted on bytes of code output."""

    def __init__(self, specs):
        self.items = []      # dicts: kind, every, next, left
        self.noise = 0
        for spec in specs:
            parts = spec.split(':')
            if len(parts) not in (2, 3):
                raise ValueError('bad --fault %r' % spec)
            kind, n = parts[0], int(parts[1], 0)
            rep = int(parts[2], 0) if len(parts) == 3 else 1
            if kind == 'noise':
                self.noise += n * rep
            elif kind in ('drop', 'garble', 'reset', 'silence', 'disconnect',
                          'stream', 'trickle'):
                self.items.append(dict(kind=kind, every=n, next=n, left=rep))
            else:
                raise ValueError('bad fault kind %r' % kind)


class Link:
    """The pty: master/slave fds, the reader thread, the input queue and tx."""

    def __init__(self, args, log, faults):
        self.log = log
        self.faults = faults
        self.line7bit = args.line7bit
        self.rate = args.baud / 10.0 if args.baud else 0
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        os.set_blocking(self.master, False)
        self.slave_path = os.ttyname(self.slave)
        self.cv = threading.Condition()
        self.queue = collections.deque()
        self.hung = False            # bus fault / silence: no output, input ignored
        self.busy = False            # a command is being compiled/run
        self.ring_cap = 0            # >0: micro:bit style receive ring while busy
        self.armed = False           # Ctrl-C raises KeyboardInterrupt
        self.kbd_pending = False
        self.ctrlc_flush = False
        self.main_tid = threading.main_thread().ident
        self.arm_lock = threading.Lock()
        self.paste_counting = False
        self.paste_received = 0
        self.paste_allowed = 0
        self.paste_overflowed = False
        self.code_count = 0          # bytes of code output so far
        self.on_disconnect = None
        self.tx_lock = threading.RLock()

    def start_reader(self):
        t = threading.Thread(target=self._reader, name='reader', daemon=True)
        t.start()

    # -- input side ------------------------------------------------------
    def _reader(self):
        while True:
            try:
                r, _, _ = select.select([self.master], [], [], 0.5)
            except (OSError, ValueError):
                return
            if not r:
                continue
            try:
                data = os.read(self.master, 4096)
            except BlockingIOError:
                continue
            except OSError:
                # EIO: no client has the slave open (cannot happen while we hold
                # it, but keep serving if it does).
                time.sleep(0.05)
                continue
            if not data:
                time.sleep(0.05)
                continue
            self._feed(data)

    def _feed(self, data):
        dropped = 0
        overflow = False
        with self.cv:
            if self.hung:
                return
            for b in data:
                if b == CTRL_C:
                    self.log('ctrl-c')
                if b == CTRL_C and self._interrupt():
                    continue
                if self.paste_counting:
                    if b in (CTRL_C, CTRL_D):
                        self.paste_counting = False
                    else:
                        self.paste_received += 1
                        if self.paste_received > self.paste_allowed:
                            overflow = True
                            continue
                if self.ring_cap and self.busy and len(self.queue) >= self.ring_cap - 1:
                    dropped += 1
                    continue
                self.queue.append(b)
            self.cv.notify_all()
        if overflow and not self.paste_overflowed:
            self.paste_overflowed = True
            self.log('window-overflow')
        if dropped:
            self.log('input-dropped %d' % dropped)

    def _interrupt(self):
        """Ctrl-C while code runs: schedule KeyboardInterrupt. Caller holds cv."""
        with self.arm_lock:
            if not self.armed:
                return False
            if self.ctrlc_flush:
                self.queue.clear()
            if not self.kbd_pending:
                self.kbd_pending = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(self.main_tid), ctypes.py_object(KeyboardInterrupt))
            return True

    def arm(self):
        with self.arm_lock:
            self.kbd_pending = False
            self.armed = True

    def disarm(self):
        """Disarm Ctrl-C and cancel a KeyboardInterrupt not yet delivered."""
        with self.arm_lock:
            self.armed = False
            if self.kbd_pending:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(self.main_tid), None)
                self.kbd_pending = False

    def getc(self):
        with self.cv:
            while not self.queue:
                self.cv.wait(0.5)
            return self.queue.popleft()

    def set_busy(self, busy):
        with self.cv:
            self.busy = busy

    # raw-paste window accounting ------------------------------------------
    def paste_begin(self, increment):
        """Start counting data bytes against the window (2 x increment)."""
        with self.cv:
            self.paste_allowed = 2 * increment
            self.paste_overflowed = False
            n, keep, term = 0, collections.deque(), False
            for b in self.queue:
                if not term and b in (CTRL_C, CTRL_D):
                    term = True
                if not term:
                    n += 1
                    if n > self.paste_allowed:
                        continue
                keep.append(b)
            self.queue = keep
            self.paste_received = n
            self.paste_counting = not term
        if n > self.paste_allowed:
            self.paste_overflowed = True
            self.log('window-overflow')

    def paste_credit(self, increment):
        with self.cv:
            self.paste_allowed += increment

    def paste_end(self):
        with self.cv:
            self.paste_counting = False

    def flush_input(self):
        """A reboot: whatever the UART had received is gone."""
        with self.cv:
            self.queue.clear()
            self.paste_counting = False

    # -- output side -----------------------------------------------------
    def tx(self, data, code=False):
        """Send bytes to the host. code=True: bytes of code output (faults)."""
        if isinstance(data, str):
            data = data.encode('utf-8', 'replace')
        if self.hung or not data:
            if self.hung:
                self.hang_here()
            return
        with self.tx_lock:
            if code and self.faults.items:
                data = self._apply_faults(data)
            if self.line7bit:
                data = bytes(b & 0x7F for b in data)
            self._write(data)

    def _apply_faults(self, data):
        out = bytearray()
        for b in data:
            pos = self.code_count
            self.code_count += 1
            action = None
            for f in self.faults.items:
                if f['left'] > 0 and f['next'] == pos:
                    f['left'] -= 1
                    f['next'] += f['every']
                    action = action or f['kind']
            if action == 'drop':
                continue
            if action == 'garble':
                out.append(b ^ 0x5A)
                continue
            if action in ('reset', 'silence', 'disconnect', 'stream', 'trickle'):
                if self.line7bit:
                    out = bytearray(c & 0x7F for c in out)
                self._write(bytes(out))
                if action == 'reset':
                    self.log('reset-injected')
                    raise _InjectedReset()
                if action == 'silence':
                    self.log('silence-injected')
                    self.hang_here()
                if action in ('stream', 'trickle'):
                    self.log('%s-injected' % action)
                    self.babble_here(action == 'trickle')
                self.log('disconnect-injected')
                self.on_disconnect()
            out.append(b)
        return bytes(out)

    def _write(self, data):
        deadline = time.monotonic() + 5.0
        view = memoryview(data)
        while view:
            chunk = view[:64] if self.rate else view
            try:
                n = os.write(self.master, chunk)
            except BlockingIOError:
                n = 0
            except OSError:
                return
            view = view[n:]
            if self.rate and n:
                time.sleep(n / self.rate)
            if view and n == 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    # Nobody reads the pty: drop the rest, as a UART would.
                    self.log('output-dropped %d' % len(view))
                    return
                try:
                    select.select([], [self.master], [], min(left, 0.2))
                except (OSError, ValueError):
                    return

    def babble_here(self, trickle):
        """Send without end and never a 0x04 (a runaway board): as fast as
        the host reads, or one byte every 0.5 s; input is ignored."""
        with self.cv:
            self.hung = True
            self.queue.clear()
        with self.arm_lock:
            self.armed = False
        rnd = random.Random(4)
        while True:
            try:
                if trickle:
                    data = b'.'
                else:
                    data = bytes(b if b != CTRL_D else 0x55 for b in rnd.randbytes(4096))
                try:
                    select.select([], [self.master], [], 0.2)
                    os.write(self.master, data)
                except BlockingIOError:
                    pass
                except OSError:
                    time.sleep(0.2)
                if trickle:
                    time.sleep(0.5)
            except BaseException:
                pass

    def hang_here(self):
        """Stop responding for good (bus fault, silence)."""
        with self.cv:
            self.hung = True
            self.queue.clear()
        with self.arm_lock:
            self.armed = False
        while True:
            try:
                time.sleep(3600)
            except BaseException:
                # A stray KeyboardInterrupt: a hung board ignores it.
                pass


# ---------------------------------------------------------------------------
# Shim helpers

class _MainDict(dict):
    """The __main__ globals.  CPython needs '__builtins__' in the dict to find
    the shimmed builtins; MicroPython's __main__ has no such key, so it is
    hidden from the Python-level views (dir(), globals().keys(), in, len)."""

    _HIDE = '__builtins__'

    def keys(self):
        return [k for k in dict.keys(self) if k != self._HIDE]

    def __iter__(self):
        return iter(self.keys())

    def items(self):
        return [(k, v) for k, v in dict.items(self) if k != self._HIDE]

    def values(self):
        return [v for k, v in dict.items(self) if k != self._HIDE]

    def __contains__(self, k):
        return k != self._HIDE and dict.__contains__(self, k)

    def __len__(self):
        return dict.__len__(self) - dict.__contains__(self, self._HIDE)

    def __repr__(self):
        return '{' + ', '.join('%r: %r' % kv for kv in self.items()) + '}'

class _NamedTuple(tuple):
    """MicroPython-looking namedtuple repr: (a=1, b=2)."""

    def __new__(cls, names, values):
        t = tuple.__new__(cls, values)
        t._names = names
        return t

    def __getattr__(self, name):
        try:
            return self[self._names.index(name)]
        except ValueError:
            raise AttributeError("'tuple' object has no attribute '%s'" % name)

    def __repr__(self):
        return '(' + ', '.join('%s=%r' % nv for nv in zip(self._names, self)) + ')'

    __str__ = __repr__


class _Impl:
    """sys.implementation."""

    def __init__(self, version, machine, mpy):
        self.name = 'micropython'
        self.version = version
        if machine is not None:
            self._machine = machine
        if mpy is not None:
            self._mpy = mpy

    def __repr__(self):
        parts = ["name='micropython'", 'version=%r' % (self.version,)]
        if hasattr(self, '_machine'):
            parts.append('_machine=%r' % self._machine)
        if hasattr(self, '_mpy'):
            parts.append('_mpy=%d' % self._mpy)
        return '(' + ', '.join(parts) + ')'


def _wrap_type(real, name, check=None, hidden=(), attr_check=None, convert=None):
    """A stand-in for a builtin type: calls/isinstance behave like real, but
    construction can be checked (MemoryError), the first argument converted
    (a buffer-protocol shim object) and class attributes hidden."""

    class Meta(type):
        def __instancecheck__(cls, obj):
            return isinstance(obj, real)

        def __subclasscheck__(cls, sub):
            return issubclass(sub, real)

        def __call__(cls, *a, **k):
            if convert is not None and a:
                c = convert(a[0])
                if c is not a[0] and isinstance(c, real) and len(a) == 1 and not k:
                    return c           # memoryview(rp2.Flash()): the buffer itself
                a = (c,) + a[1:]
            if check is not None:
                check(*a, **k)
            return real(*a, **k)

        def __getattr__(cls, attr):
            if attr in hidden:
                raise AttributeError("type object '%s' has no attribute '%s'" % (name, attr))
            value = getattr(real, attr)
            if attr_check is not None:
                value = attr_check(attr, value)
            return value

        def __repr__(cls):
            return "<class '%s'>" % name

    return Meta(name, (), {})


class _MemX:
    """machine.mem8 / mem16 / mem32."""

    def __init__(self, board, width):
        self.board, self.width = board, width
        self.access = 'mem%d' % (8 * width)

    def __repr__(self):
        return '<%d-bit memory>' % (8 * self.width)

    def _addr(self, index):
        if not isinstance(index, int):
            raise TypeError("can't convert %s to int" % type(index).__name__)
        addr = index & 0xFFFFFFFF
        if addr & (self.width - 1):
            raise ValueError('address %08x is not aligned to %d bytes' % (addr, self.width))
        return addr

    def __getitem__(self, index):
        addr = self._addr(index)
        v = int.from_bytes(self.board.mem.read(addr, self.width, self.access), 'little')
        if self.width == 4 and v & 0x80000000:
            v -= 1 << 32          # mem32 is signed on every release
        return v

    def __setitem__(self, index, value):
        addr = self._addr(index)
        mask = (1 << (8 * self.width)) - 1
        self.board.mem.write(addr, (int(value) & mask).to_bytes(self.width, 'little'),
                             self.access)


class _AtBytearray(bytearray):
    """uctypes.bytearray_at(): remembers its address, writes through."""

    def __init__(self, data, mem=None, addr=0):
        super().__init__(data)
        self._fb_mem, self._fb_addr = mem, addr

    def __setitem__(self, k, v):
        super().__setitem__(k, v)
        if self._fb_mem is not None:
            self._fb_mem.write(self._fb_addr, bytes(self))


def _as_buffer(obj):
    """A shim object with a (read-only) buffer interface, such as rp2.Flash,
    as a memoryview; anything else unchanged."""
    fb = getattr(obj, '_fb_buffer', None)
    return fb() if fb is not None and not isinstance(obj, type) else obj


def _fill_buffer(buf, data):
    """Copy data into a writable buffer (mp_get_buffer_raise(.., WRITE))."""
    if isinstance(buf, _AtBytearray):
        buf[0:len(data)] = data          # writes through to Memory
        return
    if isinstance(buf, memoryview) and not buf.readonly:
        mv = buf.cast('B') if buf.format != 'B' else buf
    elif isinstance(buf, bytearray) or type(buf).__name__ == 'array':
        mv = memoryview(buf).cast('B')
    else:
        raise TypeError('object with buffer protocol required')
    mv[0:len(data)] = data


def _buffer_len(buf):
    if isinstance(buf, (bytes, bytearray, memoryview)) or type(buf).__name__ == 'array':
        return memoryview(buf).nbytes
    raise TypeError('object with buffer protocol required')


class _Stream:
    """sys.stdout / sys.stderr: text write is cooked; .buffer is raw."""

    def __init__(self, board, text, binary):
        if text:
            self.write = lambda s: board.out(s, cooked=True)
        if binary:
            self.buffer = types.SimpleNamespace(
                write=lambda b: board.out(bytes(b), cooked=False))

    def flush(self):
        return None

    def __repr__(self):
        return '<io.TextIOWrapper 1>'


# Names as MicroPython reports them in error messages ("'mem' object ...").
_Stream.__name__ = _Stream.__qualname__ = 'TextIOWrapper'
_MemX.__name__ = _MemX.__qualname__ = 'mem'
_AtBytearray.__name__ = _AtBytearray.__qualname__ = 'bytearray'
_NamedTuple.__name__ = _NamedTuple.__qualname__ = 'tuple'


# ---------------------------------------------------------------------------
class Board:
    """REPL state machine + code execution (ports of pyexec.c/readline.c)."""

    def __init__(self, args, p, features, mem, heap, link, log):
        self.args, self.p, self.features = args, p, features
        self.mem, self.heap, self.link, self.log = mem, heap, link, log
        self.window = args.window if args.window else p['window']
        self.mode = None
        self.mem.on_fault = self.bus_fault
        self.fatal = None            # (kind, addr) of a pending ESP fatal exception
        self.fault_style = p.get('fault', 'hang')
        # -mforce-l32: mem8/mem16 are word loads on the ESP8266 build.
        self.mem.narrow_ibus_ok = p.get('port') == 'esp8266'
        self.mem.store_faults = self.fault_style != 'hang'
        self.buf_addrs = {}          # id(memoryview) -> (memoryview, CPU address)
        self.banner = ('MicroPython %s on %s; %s\r\nType "help()" for more information.\r\n'
                       % (p['version_str'], p['build_date'], p['machine'])).encode()
        self.kbd_intr_enabled = True
        sys.displayhook = self._displayhook
        self.reset_vm()

    # -- helpers ---------------------------------------------------------
    def has(self, feature):
        return feature in self.features

    def tx(self, data):
        self.link.tx(data)

    def out(self, data, cooked=True):
        """Code output (print, sys.stdout, uart.write). Returns the length."""
        if isinstance(data, str):
            n = len(data)
            data = data.encode('utf-8', 'replace')
        else:
            n = len(data)
        if cooked:
            data = data.replace(b'\n', b'\r\n')
        if self.fatal is not None:
            raise _FatalReboot()      # the CPU is already in the panic handler
        self.link.tx(data, code=True)
        return n

    def set_mode(self, mode):
        if mode != self.mode:
            self.mode = mode
            self.log('mode ' + mode)

    def bus_fault(self, addr, kind='unmapped'):
        """A bad access: kind unmapped, ibus (narrow or memcpy access to the
        Xtensa instruction bus) or store (to a read-only region).  ARM boards
        hang for good; ESP boards take a fatal exception and reboot."""
        if self.fault_style == 'hang':
            self.log('fault 0x%08x' % addr)
            self.link.hang_here()
        if self.fatal is None:
            self.log('fault-reboot 0x%08x' % addr)
            self.fatal = (kind, addr)
        raise _FatalReboot()

    def crash_report(self, kind, addr):
        """What the ESP prints between the fault and the reboot banner."""
        if self.fault_style == 'esp8266':
            cause = {'ibus': (3, 'LoadStoreErrorCause'),
                     'store': (29, 'StoreProhibitedCause')}.get(kind, (28, 'LoadProhibitedCause'))
            epc1 = 0x4000df64 if kind == 'ibus' else 0x40229d3e
            return ('\r\nFatal exception %d(%s):\r\n'
                    'epc1=0x%08x, epc2=0x00000000, epc3=0x00000000, excvaddr=0x%08x, '
                    'depc=0x00000000\r\n' % (cause[0], cause[1], epc1, addr))
        cause = {'ibus': 'LoadStoreError', 'store': 'StoreProhibited'}.get(kind, 'LoadProhibited')
        return ("\r\nGuru Meditation Error: Core  0 panic'ed (%s). Exception was unhandled.\r\n"
                "\r\nCore  0 register dump:\r\n"
                "PC      : 0x400d6c1e  PS      : 0x00060c30  A0      : 0x800e2e4d  "
                "A1      : 0x3ffbd1d0  \r\n"
                "EXCVADDR: 0x%08x  LBEG    : 0x4000c2e0  LEND    : 0x4000c2f6  "
                "LCOUNT  : 0xffffffff  \r\n"
                "\r\nBacktrace: 0x400d6c1b:0x3ffbd1d0 0x400e2e4a:0x3ffbd1f0\r\n"
                "\r\nRebooting...\r\n"
                "ets Jun  8 2016 00:22:57\r\n\r\n"
                "rst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n"
                "configsip: 0, SPIWP:0xee\r\n"
                "clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00\r\n"
                "mode:DIO, clock div:2\r\n"
                "load:0x3fff0030,len:4728\r\n"
                "load:0x40078000,len:14888\r\n"
                "load:0x40080400,len:3368\r\n"
                "entry 0x400805cc\r\n" % (cause, addr))

    def fatal_reboot(self):
        """Print the crash report, drop pending input, boot afresh."""
        kind, addr = self.fatal
        self.tx(self.crash_report(kind, addr))
        time.sleep(0.1)
        self.link.flush_input()
        self.fatal = None
        self.reset_vm()
        self.log('boot')

    def _displayhook(self, value):
        if value is not None:
            self.out(repr(value) + '\n')

    # -- VM (re)initialisation ---------------------------------------------
    def reset_vm(self):
        """Fresh __main__ globals, fresh modules, fresh heap map."""
        self.heap.reset()
        self.modules = self._make_modules()
        self.builtins = self._make_builtins()
        self.globals = _MainDict(__name__='__main__', __builtins__=self.builtins)
        self.heap.sync(self.globals)

    def _module(self, name, **attrs):
        m = types.ModuleType(name)
        for k in ('__doc__', '__loader__', '__package__', '__spec__'):
            m.__dict__.pop(k, None)
        for k, v in attrs.items():
            setattr(m, k, v)
        return m

    def _make_modules(self):
        p, heap, mem = self.p, self.heap, self.mem
        mods = {}
        old = p['msg_style'] == 'old'

        # sys
        sysm = self._module(
            'sys', platform=p['platform'], byteorder='little', maxsize=2147483647,
            version=p['sys_version'], version_info=(3, 4, 0), argv=[],
            path=['', '/lib'] if old else ['', '.frozen', '/lib'],
            implementation=_Impl(p['version'], None if old else p['machine'], p['mpy']),
            modules={})

        def sys_exit(code=None):
            raise SystemExit(code)
        sysm.exit = sys_exit
        if not old:
            sysm.print_exception = lambda e, f=None: self.out(self.format_exception(e))
        if self.has('sys_stdout') or self.has('stdout_buffer'):
            text, binary = self.has('sys_stdout'), self.has('stdout_buffer')
            sysm.stdout = _Stream(self, text, binary)
            sysm.stderr = _Stream(self, text, binary)
            sysm.stdin = types.SimpleNamespace()
        mods['sys'] = sysm

        # micropython
        def mem_info(*args, **kw):
            if kw:
                raise TypeError("function doesn't take keyword arguments")
            if len(args) > 1:
                raise TypeError('function takes at most 1 positional arguments')
            heap.sync(self.globals)
            used, limit = p['stack']
            if self.mode == 'friendly':
                used += 8        # the friendly REPL sits a little deeper
            text = 'stack: %u out of %u\n' % (used, limit)
            text += heap.dump_info(p['memfmt'] == 'new')
            if args:
                text += heap.dump_alloc_table(p['memfmt'] == 'new')
            self.out(text)

        def kbd_intr(c):
            self.kbd_intr_enabled = (c != -1)
            if c == -1:
                self.link.disarm()
            else:
                self.link.arm()

        mods['micropython'] = self._module(
            'micropython', const=lambda x: x, opt_level=lambda level=None: 0 if level is None else None,
            mem_info=mem_info, qstr_info=lambda *a: self.out('qstr pool: n_pool=1, n_qstr=12, n_str_data_bytes=96, n_total_bytes=208\n'),
            stack_use=lambda: p['stack_use'], heap_lock=lambda: 0, heap_unlock=lambda: 0,
            kbd_intr=kbd_intr, alloc_emergency_exception_buf=lambda n: None,
            schedule=lambda f, a: f(a))

        # gc
        def mem_free():
            heap.sync(self.globals)
            return heap.stats()['free']

        def mem_alloc():
            heap.sync(self.globals)
            return heap.stats()['used']
        mods['gc'] = self._module('gc', collect=lambda: None, mem_free=mem_free,
                                  mem_alloc=mem_alloc, enable=lambda: None,
                                  disable=lambda: None, isenabled=lambda: True,
                                  threshold=lambda *a: -1)

        # os / uos
        mods['os'] = self._module('os', uname=lambda: _NamedTuple(
            ('sysname', 'nodename', 'release', 'version', 'machine'), p['uname']),
            listdir=lambda *a: [], sep='/')

        # time / utime (interruptible sleeps)
        t0 = time.monotonic()

        def sleep(s):
            end = time.monotonic() + s
            while True:
                left = end - time.monotonic()
                if left <= 0:
                    return
                time.sleep(min(left, 0.01))
        mods['time'] = self._module(
            'time', sleep=sleep, sleep_ms=lambda ms: sleep(ms / 1000.0),
            sleep_us=lambda us: sleep(us / 1e6),
            ticks_ms=lambda: int((time.monotonic() - t0) * 1000) & 0x3FFFFFFF,
            ticks_us=lambda: int((time.monotonic() - t0) * 1e6) & 0x3FFFFFFF,
            ticks_diff=lambda a, b: ((a - b + 0x20000000) & 0x3FFFFFFF) - 0x20000000,
            ticks_add=lambda a, b: (a + b) & 0x3FFFFFFF,
            time=lambda: int(time.time()))

        # machine
        uid = p.get('unique_id', b'\xe6\x61\x38\x10\x43\x2b\x54\x2c')
        machine = self._module('machine', freq=lambda *a: p['cpu_freq'],
                               unique_id=lambda: uid)

        def hard_reset():
            raise _HardReset()

        def soft_reset():
            raise SystemExit()
        machine.reset = hard_reset
        machine.soft_reset = soft_reset
        if self.has('machine_mem'):
            machine.mem8 = _MemX(self, 1)
            machine.mem16 = _MemX(self, 2)
            machine.mem32 = _MemX(self, 4)
        mods['machine'] = machine

        # uctypes
        if self.has('uctypes'):
            def bytes_at(addr, size):
                heap.check_alloc(size + 1)
                return mem.read(addr, size)

            def bytearray_at(addr, size):
                return _AtBytearray(mem.read(addr, size), mem, addr & 0xFFFFFFFF)

            def addressof(obj):
                if isinstance(obj, _AtBytearray):
                    return obj._fb_addr
                if getattr(obj, '_fb_buffer', None) is not None:
                    return obj._fb_addr       # e.g. rp2.Flash: its XIP address
                ent = self.buf_addrs.get(id(obj))
                if ent is not None and ent[0] is obj:
                    return ent[1]
                if not isinstance(obj, (bytes, bytearray, memoryview)) and \
                        type(obj).__name__ != 'array':
                    raise TypeError("object with buffer protocol required")
                return heap.addr_of(obj, self.globals) + 8

            def struct_(*a):
                raise TypeError('uctypes.struct is not emulated by the fake board')
            mods['uctypes'] = self._module(
                'uctypes', bytes_at=bytes_at, bytearray_at=bytearray_at,
                addressof=addressof, struct=struct_, sizeof=lambda *a: 0,
                # Layout constants exist so feature probes see a real-looking
                # module; uctypes.struct itself is not emulated.
                LITTLE_ENDIAN=0, BIG_ENDIAN=1, NATIVE=2,
                UINT8=0x00000000, INT8=0x08000000, UINT16=0x10000000,
                INT16=0x18000000, UINT32=0x20000000, INT32=0x28000000,
                UINT64=0x30000000, INT64=0x38000000, ARRAY=-1073741824,
                PTR=0x40000000)

        # binascii
        if self.has('binascii') or self.has('hexlify'):
            bam = self._module('binascii')
            if self.has('hexlify'):
                def hexlify(data, sep=None):
                    data = bytes(memoryview(_as_buffer(data)))
                    n = 2 * len(data) + (len(data) - 1 if sep and data else 0)
                    heap.check_alloc(n + 1)
                    if sep is None:
                        return _binascii.hexlify(data)
                    return _binascii.hexlify(data, sep)

                def unhexlify(data):
                    if isinstance(data, str):
                        data = data.encode()
                    if len(data) % 2:
                        raise ValueError('odd-length string')
                    try:
                        return _binascii.unhexlify(data)
                    except _binascii.Error:
                        raise ValueError('non-hex digit found')
                bam.hexlify, bam.unhexlify = hexlify, unhexlify
            if self.has('binascii'):
                def b2a_base64(data, *, newline=True):
                    data = bytes(memoryview(_as_buffer(data)))
                    n = ((len(data) + 2) // 3) * 4 + (1 if newline else 0)
                    heap.check_alloc(n + 1)
                    return _binascii.b2a_base64(data, newline=newline)

                def a2b_base64(data):
                    if isinstance(data, str):
                        data = data.encode()
                    try:
                        return base64.b64decode(data)
                    except _binascii.Error:
                        raise ValueError('incorrect padding')
                bam.b2a_base64, bam.a2b_base64 = b2a_base64, a2b_base64
                if not old and self.has('hexlify'):
                    bam.crc32 = lambda data, crc=0: zlib.crc32(bytes(data), crc)
            mods['binascii'] = bam

        # hashlib: sha256 with update/digest only (no hexdigest on MicroPython)
        if self.has('hashlib'):
            class sha256:
                def __init__(self, data=None):
                    self._h = _hashlib.sha256()
                    if data is not None:
                        self._h.update(bytes(memoryview(_as_buffer(data))))

                def update(self, data):
                    self._h.update(bytes(memoryview(_as_buffer(data))))

                def digest(self):
                    return self._h.digest()
            mods['hashlib'] = self._module('hashlib', sha256=sha256)

        # microbit (old firmware): uart.write sends raw bytes, uncooked
        if self.has('microbit_uart'):
            def uart_write(buf):
                if isinstance(buf, str):
                    buf = buf.encode()
                return self.out(bytes(buf), cooked=False)
            uart = types.SimpleNamespace(write=uart_write, init=lambda *a, **k: None,
                                         any=lambda: False, read=lambda *a: None)
            mods['microbit'] = self._module(
                'microbit', uart=uart, sleep=lambda ms: mods['time'].sleep_ms(ms),
                running_time=mods['time'].ticks_ms, reset=hard_reset)

        # Plain CPython modules that behave the same.
        import array as _array
        import math as _math
        import struct as _struct
        mods['array'] = _array
        mods['math'] = _math
        mods['struct'] = _struct
        mods['collections'] = collections
        mods['random'] = random
        if not old:
            import errno as _errno
            import json as _json
            mods['errno'] = _errno
            mods['json'] = _json

        # u-prefixed aliases (MicroPython still resolves "import utime" etc.).
        for name in list(mods):
            mods['u' + name] = mods[name]
        if 'uuctypes' in mods:
            del mods['uuctypes']
        self._port_modules(mods)
        sysm.modules = {}
        return mods

    # -- port modules (esp8266, esp32, rp2) ---------------------------------
    def _shim_class(self, cls, name, repr_fn=None):
        """Make a shim class print like a MicroPython one."""
        cls.__name__ = cls.__qualname__ = name
        cls.__module__ = 'builtins'
        if repr_fn is None:
            heap, board = self.heap, self

            def repr_fn(obj):
                return '<%s object at %x>' % (name, heap.addr_of(obj, board.globals))
        cls.__repr__ = repr_fn
        return cls

    def _port_modules(self, mods):
        port = self.p.get('port')
        if port == 'esp8266':
            self._esp8266_modules(mods)
        elif port == 'esp32':
            self._esp32_modules(mods)
        elif port == 'rp2':
            self._rp2_modules(mods)

    def _flash_ops(self, erase_size=4096):
        """Shared esp.flash_* helpers over the simulated flash chip."""
        flash, heap = self.mem.flash, self.heap

        def in_range(off, n):
            return 0 <= off and n >= 0 and off + n <= len(flash)

        def read_into(off, buf):
            n = _buffer_len(buf)
            if not in_range(off, n):
                raise OSError(5)                                  # MP_EIO
            _fill_buffer(buf, bytes(flash[off:off + n]))

        def write(off, buf):
            data = bytes(_as_buffer(buf))
            if not in_range(off, len(data)):
                raise OSError(5)
            # NOR flash: programming only clears bits.
            flash[off:off + len(data)] = bytes(a & b for a, b in
                                               zip(flash[off:off + len(data)], data))

        def erase(sector):
            off = int(sector) * erase_size
            if not in_range(off, erase_size):
                raise OSError(5)
            flash[off:off + erase_size] = b'\xff' * erase_size
        return flash, heap, read_into, write, erase

    def _esp8266_modules(self, mods):
        """ports/esp8266/modesp.c and modules/flashbdev.py."""
        flash, heap, read_into, write, erase = self._flash_ops()
        board = self
        self.esp_osdebug = None

        def flash_read(offset, n_or_buf):
            offset = int(offset)
            if isinstance(n_or_buf, int):
                heap.check_alloc(n_or_buf)
                if not (0 <= offset and n_or_buf >= 0 and offset + n_or_buf <= len(flash)):
                    raise OSError(5)
                return bytes(flash[offset:offset + n_or_buf])
            read_into(offset, n_or_buf)

        def flash_write(offset, buf):
            if len(bytes(_as_buffer(buf))) & 3:
                raise ValueError('len must be multiple of 4')
            write(int(offset), buf)

        def osdebug(level, *a):
            board.esp_osdebug = level

        def meminfo():
            # system_print_meminfo() goes through the SDK printf hook, which
            # MicroPython drops unless esp.osdebug() routed it to a UART.
            if board.esp_osdebug is not None:
                board.out('data  : 0x3ffe8000 ~ 0x3ffe8648, len: 1608\n'
                          'rodata: 0x3ffe8650 ~ 0x3ffe8a4c, len: 1020\n'
                          'bss   : 0x3ffe8a50 ~ 0x3fff8690, len: 64576\n'
                          'heap  : 0x3fff8690 ~ 0x3fffc000, len: 14704\n')

        esp = self._module(
            'esp', flash_read=flash_read, flash_write=flash_write, flash_erase=erase,
            flash_size=lambda: len(flash), flash_user_start=lambda: 0x100000,
            flash_id=lambda: 0x1640ef, osdebug=osdebug, meminfo=meminfo,
            freemem=lambda: 14176, set_native_code_location=lambda start, length: None,
            SLEEP_NONE=0, SLEEP_LIGHT=1, SLEEP_MODEM=2,
            sleep_type=lambda *a: 2 if not a else None)
        mods['esp'] = esp

        # modules/flashbdev.py (v1.24), run against the shim esp module.
        class FlashBdev:
            SEC_SIZE = 4096

            def __init__(self, start_sec, blocks):
                self.start_sec = start_sec
                self.blocks = blocks

            def readblocks(self, n, buf, off=0):
                esp.flash_read((n + self.start_sec) * self.SEC_SIZE + off, buf)

            def writeblocks(self, n, buf, off=None):
                if off is None:
                    esp.flash_erase(n + self.start_sec)
                    off = 0
                esp.flash_write((n + self.start_sec) * self.SEC_SIZE + off, buf)

            def ioctl(self, op, arg):
                if op == 4:  # MP_BLOCKDEV_IOCTL_BLOCK_COUNT
                    return self.blocks
                if op == 5:  # MP_BLOCKDEV_IOCTL_BLOCK_SIZE
                    return self.SEC_SIZE
                if op == 6:  # MP_BLOCKDEV_IOCTL_BLOCK_ERASE
                    esp.flash_erase(arg + self.start_sec)
                    return 0
        self._shim_class(FlashBdev, 'FlashBdev')
        size = esp.flash_size()
        if size < 1024 * 1024:
            bdev, start_sec = None, 0
        else:
            start_sec = esp.flash_user_start() // FlashBdev.SEC_SIZE
            if start_sec < 256:
                start_sec += 1  # Reserve space for native code
            # 20K at the flash end is reserved for SDK params storage
            bdev = FlashBdev(start_sec, (size - 20480) // FlashBdev.SEC_SIZE - start_sec)
        mods['flashbdev'] = self._module('flashbdev', esp=esp, FlashBdev=FlashBdev,
                                         size=size, start_sec=start_sec, bdev=bdev)

    def _esp32_modules(self, mods):
        """ports/esp32/modesp.c, modesp32.c, esp32_partition.c (v1.26) and
        modules/flashbdev.py."""
        flash, heap, read_into, write, erase = self._flash_ops()

        def flash_read(offset, buf):
            read_into(int(offset), buf)

        mods['esp'] = self._module(
            'esp', flash_read=flash_read, flash_write=lambda off, buf: write(int(off), buf),
            flash_erase=erase, flash_size=lambda: len(flash),
            # Hard-coded in modesp.c, whatever the partition table says.
            flash_user_start=lambda: 0x200000,
            osdebug=lambda *a: None, LOG_NONE=0, LOG_ERROR=1, LOG_WARNING=2,
            LOG_INFO=3, LOG_DEBUG=4, LOG_VERBOSE=5)

        # The table, then the 'vfs' partition that main.c registers at run
        # time (v1.26+) from the end of the table to the end of the flash.
        last_end = max(off + sz for _, _, _, off, sz in ESP32_PARTITIONS)
        parts = ESP32_PARTITIONS + [('vfs', 1, 0x81, last_end, len(flash) - last_end)]

        def esp_err(code, name):
            return OSError(-code, name)

        class Partition:
            BOOT, RUNNING = 0, 1
            TYPE_APP, TYPE_DATA = 0, 1

            def __init__(self, id, block_size=4096):
                if isinstance(id, int):
                    if id not in (0, 1):
                        raise ValueError()
                    ent = next(p for p in parts if p[0] == 'factory')
                else:
                    ent = (next((p for p in parts if p[1] == 0 and p[0] == id), None) or
                           next((p for p in parts if p[1] == 1 and p[0] == id), None))
                if ent is None:
                    raise OSError(2)
                self._ent, self._bs = ent, int(block_size)

            @staticmethod
            def find(type=0, subtype=0xff, label=None, block_size=4096):
                out = []
                for ent in parts:
                    if ent[1] != type or (subtype != 0xff and ent[2] != subtype):
                        continue
                    if label is not None and ent[0] != label:
                        continue
                    part = Partition.__new__(Partition)
                    part._ent, part._bs = ent, int(block_size)
                    out.append(part)
                return out

            def info(self):
                label, ptype, sub, off, size = self._ent
                return (ptype, sub, off, size, label, False)

            def _span(self, offset, n):
                size = self._ent[4]
                if offset > size:
                    raise esp_err(0x102, 'ESP_ERR_INVALID_ARG')
                if offset + n > size:
                    raise esp_err(0x104, 'ESP_ERR_INVALID_SIZE')
                return self._ent[3] + offset

            def readblocks(self, block_num, buf, offset=0):
                n = _buffer_len(buf)
                a = self._span(block_num * self._bs + offset, n)
                _fill_buffer(buf, bytes(flash[a:a + n]))

            def writeblocks(self, block_num, buf, offset=None):
                data = bytes(_as_buffer(buf))
                a = self._span(block_num * self._bs + (offset or 0), len(data))
                if offset is None:
                    flash[a:a + len(data)] = b'\xff' * len(data)
                write(a, data)

            def ioctl(self, cmd, arg):
                if cmd in (1, 2, 3):
                    return 0
                if cmd == 4:
                    return self._ent[4] // self._bs
                if cmd == 5:
                    return self._bs
                if cmd == 6:
                    a = self._span(arg * self._bs, self._bs)
                    flash[a:a + self._bs] = b'\xff' * self._bs
                    return 0
                return None

            def set_boot(self):
                return None

            def get_next_update(self):
                raise OSError(2)             # no OTA partitions in this table

            @classmethod
            def mark_app_valid_cancel_rollback(cls):
                return None

        def part_repr(self):
            label, ptype, sub, off, size = self._ent
            return ('<Partition type=%u, subtype=%u, address=%u, size=%u, label=%s, '
                    'encrypted=%u>' % (ptype, sub, off, size, label, 0))
        self._shim_class(Partition, 'Partition', part_repr)

        def idf_heap_info(caps):
            # (total, free, largest free block, min free) per IDF heap region;
            # the GC areas came out of the 94608-byte region.
            if caps == 4:                                   # HEAP_DATA
                return [(240, 0, 0, 0), (7288, 0, 0, 0), (16648, 4, 4, 4),
                        (94608, 352, 352, 340), (15072, 15036, 15036, 15036),
                        (113840, 110604, 110592, 110592)]
            if caps == 1:                                   # HEAP_EXEC
                return [(15072, 15036, 15036, 15036), (113840, 110604, 110592, 110592)]
            return []

        mods['esp32'] = self._module(
            'esp32', Partition=Partition, idf_heap_info=idf_heap_info,
            HEAP_DATA=4, HEAP_EXEC=1, WAKEUP_ALL_LOW=False, WAKEUP_ANY_HIGH=True,
            raw_temperature=lambda: 128)

        # modules/flashbdev.py
        found = Partition.find(Partition.TYPE_DATA, label='vfs')
        if not found:
            found = Partition.find(Partition.TYPE_DATA, label='ffat', block_size=512)
        mods['flashbdev'] = self._module('flashbdev', Partition=Partition,
                                         bdev=found[0] if found else None)

    def _rp2_modules(self, mods):
        """ports/rp2/rp2_flash.c (v1.25: with the read-only buffer interface)."""
        mem, flash, board = self.mem, self.mem.flash, self
        base, storage = RP2_FLASH_STORAGE
        xip = 0x10000000

        single = []

        class Flash:
            def __new__(cls, *args, start=-1, len=-1):
                # Flash() is a singleton over the whole storage area.
                if not args and start == -1 and len == -1 and single:
                    return single[0]
                return object.__new__(cls)

            def __init__(self, *args, start=-1, len=-1):
                if args:
                    raise TypeError('extra positional arguments given')
                if start == -1 and len == -1:
                    start, len = 0, storage
                if start == -1:
                    start = 0
                elif not (0 <= start < storage and start % 4096 == 0):
                    raise ValueError()
                if len == -1:
                    len = storage - start
                elif not (0 < len and start + len <= storage and len % 4096 == 0):
                    raise ValueError()
                self._base, self._size = base + start, len

            def _fb_buffer(self):
                mv = memoryview(flash)[self._base:self._base + self._size].toreadonly()
                board.buf_addrs[id(mv)] = (mv, self._fb_addr)
                if len(board.buf_addrs) > 256:
                    board.buf_addrs.clear()
                    board.buf_addrs[id(mv)] = (mv, self._fb_addr)
                return mv

            @property
            def _fb_addr(self):
                return xip + self._base

            def readblocks(self, block_num, buf, offset=0):
                n = _buffer_len(buf)
                # memcpy() straight from XIP, no bounds check.
                _fill_buffer(buf, mem.read(xip + self._base + block_num * 4096 + offset, n))

            def writeblocks(self, block_num, buf, offset=None):
                data = bytes(_as_buffer(buf))
                a = self._base + block_num * 4096 + (offset or 0)
                if offset is None:
                    flash[a:a + len(data)] = b'\xff' * len(data)
                flash[a:a + len(data)] = bytes(x & y for x, y in zip(flash[a:a + len(data)], data))

            def ioctl(self, cmd, arg):
                if cmd in (1, 2, 3):
                    return 0
                if cmd == 4:
                    return self._size // 4096
                if cmd == 5:
                    return 4096
                if cmd == 6:
                    a = self._base + arg * 4096
                    flash[a:a + 4096] = b'\xff' * 4096
                    return 0
                return None
        self._shim_class(Flash, 'Flash', lambda obj: '<Flash>')
        single.append(Flash())
        mods['rp2'] = self._module('rp2', Flash=Flash, bootsel_button=lambda: 0,
                                   country=lambda *a: None)

    def _help_modules(self):
        p = self.p
        if p['help'] == 'microbit':
            names = list(OLD_MODULE_LIST)
        elif p.get('port') == 'esp8266':
            names = list(ESP8266_MODULE_LIST)
        elif p.get('port') == 'esp32':
            names = list(ESP32_MODULE_LIST)
        elif p['platform'] == 'nrf':
            names = list(NRF_MODULE_LIST)
        else:
            names = list(NEW_MODULE_LIST)
        for f, name in (('uctypes', 'uctypes'), ('hashlib', 'hashlib')):
            if self.has(f):
                names.append(name)
        if self.has('binascii') or self.has('hexlify'):
            names.append('binascii')
        names = sorted(set(names))
        ncol, width = 4, 18
        rows = (len(names) + ncol - 1) // ncol
        out = []
        for i in range(rows):
            j = i
            while True:
                out.append(names[j])
                j += rows
                if j >= len(names):
                    break
                gap = width - len(names[j - rows])
                while gap < 1:
                    gap += width
                out.append(' ' * gap)
            out.append('\n')
        out.append('Plus any modules on the filesystem\n')
        return ''.join(out)

    def _make_builtins(self):
        b = dict(vars(_builtins))
        for name in ('open', 'input', 'exit', 'quit', 'breakpoint', 'copyright',
                     'credits', 'license'):
            b.pop(name, None)
        if not self.has('memoryview'):
            b.pop('memoryview', None)
        heap = self.heap

        def fb_import(name, globals=None, locals=None, fromlist=(), level=0):
            if level:
                raise ImportError("can't perform relative import")
            top = name.split('.')[0]
            mod = self.modules.get(top)
            if mod is None or '.' in name:
                raise ImportError("no module named '%s'" % name)
            return mod

        def fb_print(*args, sep=' ', end='\n', file=None):
            s = (' ' if sep is None else sep).join(str(a) for a in args)
            s += '\n' if end is None else end
            if file is None or isinstance(file, _Stream):
                self.out(s)
            else:
                file.write(s)

        def fb_help(*args):
            if not args:
                self.out(HELP_TEXT[self.p['help']])
            elif args[0] == 'modules':
                self.out(self._help_modules())
            else:
                self.out('object %r is of type %s\n' % (args[0], type(args[0]).__name__))

        def fb_id(obj):
            return heap.addr_of(obj, self.globals)

        def bytes_check(*a, **k):
            if a and isinstance(a[0], int):
                heap.check_alloc(a[0] + 1)
            elif a and hasattr(a[0], '__len__'):
                heap.check_alloc(len(a[0]) + 1)

        def bytearray_check(*a, **k):
            if a and isinstance(a[0], int):
                heap.check_alloc(a[0])
            elif a and hasattr(a[0], '__len__'):
                heap.check_alloc(len(a[0]))

        hidden_bytes = () if self.has('hexlify') else ('fromhex',)
        hidden_int = () if self.has('int_from_bytes') else ('from_bytes', 'to_bytes')

        def int_attr(attr, value):
            if attr == 'from_bytes':
                def from_bytes(data, byteorder='big', *a, **k):
                    heap.check_alloc(len(data))
                    return value(data, byteorder, *a, **k)
                return from_bytes
            return value

        b['__import__'] = fb_import
        b['print'] = fb_print
        b['help'] = fb_help
        b['id'] = fb_id
        # Shim objects with a buffer interface (rp2.Flash) only exist on the
        # real-port presets; elsewhere the builtins stay exactly as they were.
        conv = _as_buffer if self.p.get('port') else None
        b['bytes'] = _wrap_type(bytes, 'bytes', bytes_check, hidden_bytes, convert=conv)
        b['bytearray'] = _wrap_type(bytearray, 'bytearray', bytearray_check, hidden_bytes,
                                    convert=conv)
        if conv is not None and 'memoryview' in b:
            b['memoryview'] = _wrap_type(memoryview, 'memoryview', convert=conv)
        b['int'] = _wrap_type(int, 'int', None, hidden_int, int_attr)
        b['__fb_attr'] = self._fb_attr
        return b

    # Attributes that features can hide (the AST rewrite sends them here).
    _HOOKED_ATTRS = ('hex', 'to_bytes', 'from_bytes')

    def _fb_attr(self, obj, name):
        if name == 'hex' and not self.has('hexlify') and \
                isinstance(obj, (bytes, bytearray, memoryview)):
            raise AttributeError("'%s' object has no attribute 'hex'" % type(obj).__name__)
        if name == 'to_bytes' and not self.has('int_from_bytes') and isinstance(obj, int):
            raise AttributeError("'int' object has no attribute 'to_bytes'")
        return getattr(obj, name)

    # -- compile & execute ---------------------------------------------------
    class _AttrRewriter(ast.NodeTransformer):
        def visit_Attribute(self, node):
            self.generic_visit(node)
            if isinstance(node.ctx, ast.Load) and node.attr in Board._HOOKED_ATTRS:
                call = ast.Call(func=ast.Name(id='__fb_attr', ctx=ast.Load()),
                                args=[node.value, ast.Constant(node.attr)], keywords=[])
                return ast.copy_location(call, node)
            return node

    def _eof_line(self, text):
        n = text.count('\n')
        if not text.endswith('\n'):
            n += 1
        return n + 1

    def compile_source(self, text, single):
        """Compile like MicroPython; raise _CompileError with its wording."""
        mode = 'single' if single else 'exec'
        if single and not text.endswith('\n'):
            text += '\n'
        try:
            tree = ast.parse(text, '<stdin>', mode)
        except SyntaxError as e:
            raise self._syntax_error(e, text)
        tree = self._AttrRewriter().visit(tree)
        ast.fix_missing_locations(tree)
        try:
            return compile(tree, '<stdin>', mode, dont_inherit=True)
        except SyntaxError as e:
            raise self._syntax_error(e, text)

    def _syntax_error(self, e, text):
        msg = e.msg or ''
        line = e.lineno or 1
        if isinstance(e, IndentationError) and 'unexpected indent' in msg:
            return _CompileError('IndentationError', 'unexpected indent', line)
        if isinstance(e, IndentationError) and 'unindent' in msg:
            m = ('unindent does not match any outer indentation level'
                 if self.p['msg_style'] == 'old'
                 else "unindent doesn't match any outer indent level")
            return _CompileError('IndentationError', m, line)
        if ('was never closed' in msg or 'unexpected EOF' in msg or
                'incomplete input' in msg or 'expected an indented block' in msg or
                'unterminated triple-quoted' in msg):
            line = self._eof_line(text)
        return _CompileError('SyntaxError', 'invalid syntax', line)

    def _early_syntax_error(self, text):
        """Raw-paste: is there a definite compile error in this prefix of the
        source (one that no continuation can fix)?  Returns _CompileError or
        None.  CPython calls every prefix with an open bracket "never closed",
        so such a prefix is also tried with its brackets closed (with and
        without a dummy operand): if no completion compiles, it is an error."""
        flags = codeop.PyCF_DONT_IMPLY_DEDENT | getattr(codeop, 'PyCF_ALLOW_INCOMPLETE_INPUT', 0)
        if not flags & 0x4000:
            return None

        def attempt(t):
            try:
                compile(t, '<stdin>', 'exec', flags, dont_inherit=True)
            except SyntaxError as e:
                msg = e.msg or ''
                if ('incomplete input' in msg or 'unexpected EOF' in msg or
                        'expected an indented block' in msg or 'unterminated' in msg):
                    return None, True
                return e, False
            except (ValueError, MemoryError, RecursionError):
                return None, True
            return None, True

        err, ok = attempt(text)
        if ok:
            return None
        if 'was never closed' not in (err.msg or ''):
            return self._syntax_error(err, text)
        closers = self._open_brackets(text)
        if closers is None:
            return None
        first = None
        for filler in ('', '0'):
            e2, ok2 = attempt(text + filler + closers + '\n')
            if ok2:
                return None
            first = first or e2
        return self._syntax_error(first, text)

    @staticmethod
    def _open_brackets(text):
        """The closing brackets that the open ones in text need, or None."""
        import io
        import tokenize
        pairs = {'(': ')', '[': ']', '{': '}'}
        stack = []
        try:
            for tok in tokenize.generate_tokens(io.StringIO(text).readline):
                if tok.type == tokenize.OP:
                    if tok.string in pairs:
                        stack.append(pairs[tok.string])
                    elif tok.string in (')', ']', '}') and stack:
                        stack.pop()
        except (tokenize.TokenError, IndentationError, SyntaxError):
            pass
        except Exception:
            return None
        return ''.join(reversed(stack))

    @staticmethod
    def _decode(src):
        text = bytes(src).decode('utf-8', 'replace')
        return text.replace('\r\n', '\n').replace('\r', '\n')

    def _exc_message(self, e):
        """(type name, message) as MicroPython prints them."""
        name = type(e).__name__
        args = e.args
        old = self.p['msg_style'] == 'old'
        if isinstance(e, RecursionError):
            return 'RuntimeError', 'maximum recursion depth exceeded'
        if isinstance(e, ModuleNotFoundError):
            name = 'ImportError'
        elif isinstance(e, UnboundLocalError):
            name, args = 'NameError', ('local variable referenced before assignment',)
        elif isinstance(e, OSError) and e.errno:
            name = 'OSError'
        if len(args) == 0:
            return name, ''
        if (isinstance(e, OSError) and len(args) == 1 and not old and
                type(args[0]) is int and args[0] in ERRNO_NAMES):
            return 'OSError', '[Errno %d] %s' % (args[0], ERRNO_NAMES[args[0]])
        if len(args) > 1:
            return name, repr(tuple(args))
        a = args[0]
        if not isinstance(a, str):
            return name, str(a)
        if isinstance(e, ZeroDivisionError):
            return name, 'division by zero' if old else 'divide by zero'
        if isinstance(e, NameError):
            m = re.match(r"^name '([^']*)' is not defined", a)
            if m and not old:
                return name, "name '%s' isn't defined" % m.group(1)
            return name, a
        if isinstance(e, AttributeError):
            m = re.match(r"^module '[^']*' has no attribute '([^']*)'$", a)
            if m:
                return name, "'module' object has no attribute '%s'" % m.group(1)
        if isinstance(e, ImportError):
            m = re.match(r"^No module named '([^']*)'", a)
            if m:
                return 'ImportError', "no module named '%s'" % m.group(1)
            m = re.match(r"^cannot import name '([^']*)'", a)
            if m:
                return 'ImportError', 'cannot import name %s' % m.group(1)
        return name, a

    def format_exception(self, e, compile_error=None):
        """mp_obj_print_exception(): traceback lines + 'Name: message'."""
        if compile_error is not None:
            ce = compile_error
            return ('Traceback (most recent call last):\n  File "<stdin>", line %d\n%s: %s\n'
                    % (ce.line, ce.kind, ce.msg))
        entries = []
        tb = e.__traceback__
        while tb is not None:
            code = tb.tb_frame.f_code
            if code.co_filename == '<stdin>':
                entries.append((tb.tb_lineno, code.co_name))
            tb = tb.tb_next
        entries = entries[-64:]
        out = []
        if entries:
            out.append('Traceback (most recent call last):\n')
            for line, fname in entries:
                out.append('  File "<stdin>", line %d, in %s\n' % (line, fname))
        name, msg = self._exc_message(e)
        out.append('%s: %s\n' % (name, msg))
        return ''.join(out)

    def _run(self, code):
        """Run code with Ctrl-C armed. Returns the exception or None."""
        result = None
        started = False
        while True:
            try:
                if not started:
                    started = True
                    try:
                        self.kbd_intr_enabled = True
                        self.link.arm()
                        exec(code, self.globals)
                    except BaseException as e:   # noqa: B902 - everything is reported
                        result = e
                self.link.disarm()
                break
            except KeyboardInterrupt as e:
                # Delivered in the bookkeeping just after the code ended.
                result = e
        return result

    def execute(self, src, single=False, print_eof=False, compile_error=None, exc=None):
        """parse_compile_execute(). Returns RET_*."""
        self.link.set_busy(True)
        try:
            return self._execute(src, single, print_eof, compile_error, exc)
        finally:
            self.link.set_busy(False)
            self.heap.sync(self.globals)

    def _execute(self, src, single, print_eof, compile_error, exc):
        if src is not None:
            self.log('exec %d' % len(src))
        code = None
        if compile_error is None and exc is None:
            try:
                code = self.compile_source(self._decode(src), single)
            except _CompileError as ce:
                compile_error = ce
            except (ValueError, MemoryError, RecursionError):
                compile_error = _CompileError('SyntaxError', 'invalid syntax', 1)
        if code is not None:
            try:
                exc = self._run(code)
            except _InjectedReset:
                return RET_INJECTED_RESET
            if isinstance(exc, _InjectedReset):
                return RET_INJECTED_RESET
            if isinstance(exc, _FatalReboot) or self.fatal is not None:
                return RET_FATAL_REBOOT
            if isinstance(exc, _HardReset):
                return RET_HARD_RESET
            if isinstance(exc, KeyboardInterrupt):
                self.log('kbd-interrupt')
        if print_eof:
            self.tx(b'\x04')
        ret = RET_OK
        if isinstance(exc, SystemExit):
            if self.p['sys_exit_resets']:
                ret = RET_FORCED_EXIT
        elif exc is not None or compile_error is not None:
            self.tx(self.format_exception(exc, compile_error).replace('\n', '\r\n'))
        if print_eof:
            self.tx(b'\x04')
        return ret

    # -- friendly REPL (readline) -----------------------------------------
    def _move_back(self, n):
        if n <= 0:
            return
        if n <= 4 or not self.p['vt100']:
            self.tx(b'\b' * n)
        else:
            self.tx(b'\x1b[%dD' % n)

    def _erase_from_cursor(self, n):
        if self.p['vt100']:
            self.tx(b'\x1b[K')
        else:
            self.tx(b' ' * n)
            self._move_back(n)

    def _auto_indent(self, line):
        """readline_auto_indent(): returns the cursor position after it."""
        if len(line) > 1 and line[-1] == 10:
            i = len(line) - 1
            while i > 0 and line[i - 1] != 10:
                i -= 1
            j = i
            while j < len(line) and line[j] == 32:
                j += 1
            if i > 0 and j + 1 == len(line):
                k = i - 1
                while k > 0:
                    if line[k - 1] == 10:
                        return len(line)      # last 2 lines are all spaces
                    if line[k - 1] != 32:
                        break
                    k -= 1
            n = (j - i) // 4
            if line[-2] == ord(':'):
                n += 1
            for _ in range(n):
                line += b'    '
                self.tx(b'    ')
        return len(line)

    def readline(self, line, prompt):
        """Edit the tail of `line` (a bytearray). Returns 0 on CR or the control
        character that ended the input (readline_process_char)."""
        orig = len(line)
        self.tx(prompt)
        cursor = self._auto_indent(line)
        esc = 0          # 0 none, 1 got ESC, 2 got ESC[ or ESC O, 3 got ESC[digit
        esc_digit = 0
        while True:
            c = self.link.getc()
            last_len = len(line)
            step_back, redraw, step_fwd = 0, False, 0
            if esc == 0:
                if CTRL_A <= c <= CTRL_E and len(line) == orig:
                    return c
                if c == CTRL_A:
                    step_back = cursor - orig
                elif c == CTRL_B:
                    if cursor > orig:
                        step_back = 1
                elif c == CTRL_C:
                    return c
                elif c == CTRL_D:
                    if cursor < len(line):
                        del line[cursor]
                        redraw = True
                elif c == CTRL_E:
                    step_fwd = len(line) - cursor
                elif c == CTRL_F:
                    if cursor < len(line):
                        step_fwd = 1
                elif c == CTRL_K:
                    del line[cursor:]
                    redraw = True
                elif c == CTRL_U:
                    del line[orig:cursor]
                    step_back = cursor - orig
                    redraw = True
                elif c == 13:
                    self.tx(b'\r\n')
                    return 0
                elif c == 27:
                    esc = 1
                elif c in (8, 127):
                    if cursor > orig:
                        nspace = 0
                        for k in range(orig, cursor):
                            if line[k] != 32:
                                nspace = 0
                                break
                            nspace += 1
                        nspace = 4 if nspace >= 4 else 1
                        del line[cursor - nspace:cursor]
                        step_back = nspace
                        redraw = True
                elif 32 <= c <= 126:
                    line.insert(cursor, c)
                    redraw = True
                    step_fwd = 1
            elif esc == 1:
                esc = 2 if c in (ord('['), ord('O')) else 0
                continue
            elif esc == 2:
                esc = 0
                if ord('0') <= c <= ord('9'):
                    esc, esc_digit = 3, c
                    continue
                if c == ord('C') and cursor < len(line):
                    step_fwd = 1
                elif c == ord('D') and cursor > orig:
                    step_back = 1
                elif c == ord('H'):
                    step_back = cursor - orig
                elif c == ord('F'):
                    step_fwd = len(line) - cursor
            elif esc == 3:
                esc = 0
                if c == ord('~'):
                    if esc_digit in (ord('1'), ord('7')):
                        step_back = cursor - orig
                    elif esc_digit in (ord('4'), ord('8')):
                        step_fwd = len(line) - cursor
                    elif esc_digit == ord('3') and cursor < len(line):
                        del line[cursor]
                        redraw = True
            # Redraw, efficiently (as readline.c does).
            if step_back > 0:
                self._move_back(step_back)
                cursor -= step_back
            if redraw:
                if len(line) < last_len:
                    self._erase_from_cursor(last_len - cursor)
                self.tx(bytes(line[cursor:]))
                self._move_back(len(line) - (cursor + step_fwd))
                cursor += step_fwd
            elif step_fwd > 0:
                self.tx(bytes(line[cursor:cursor + step_fwd]))
                cursor += step_fwd

    @staticmethod
    def _continue_with_input(line):
        """mp_repl_continue_with_input()."""
        s = bytes(line)
        if not s:
            return False

        def starts_with_word(word):
            if not s.startswith(word):
                return False
            rest = s[len(word):len(word) + 1]
            return rest == b'' or not (rest.isalnum() or rest == b'_')
        compound = s[:1] == b'@' or any(starts_with_word(w) for w in (
            b'if', b'while', b'for', b'try', b'with', b'def', b'class', b'async'))
        n_paren = n_brack = n_brace = 0
        q = 0   # 0 none, 1 ', 2 ", 3 ''', 4 """
        i = 0
        while i < len(s):
            ch = s[i:i + 1]
            if ch == b"'":
                if q in (0, 3) and s[i + 1:i + 3] == b"''":
                    i += 2
                    q = 3 - q
                elif q in (0, 1):
                    q = 1 - q
            elif ch == b'"':
                if q in (0, 4) and s[i + 1:i + 3] == b'""':
                    i += 2
                    q = 4 - q
                elif q in (0, 2):
                    q = 2 - q
            elif ch == b'\\' and s[i + 1:i + 2] in (b"'", b'"', b'\\'):
                if q != 0:
                    i += 1
            elif q == 0:
                if ch == b'(':
                    n_paren += 1
                elif ch == b')':
                    n_paren -= 1
                elif ch == b'[':
                    n_brack += 1
                elif ch == b']':
                    n_brack -= 1
                elif ch == b'{':
                    n_brace += 1
                elif ch == b'}':
                    n_brace -= 1
            i += 1
        if q in (3, 4):
            return True
        if (n_paren > 0 or n_brack > 0 or n_brace > 0) and q == 0:
            return True
        if s.endswith(b'\\'):
            return True
        if compound and not s.endswith(b'\n'):
            return True
        return False

    def friendly_repl(self):
        self.set_mode('friendly')
        self.tx(self.banner)
        self.log('friendly')
        while True:
            line = bytearray()
            ret = self.readline(line, b'>>> ')
            single = True
            if ret == CTRL_A:
                self.tx(b'\r\n')
                self.set_mode('raw')
                return RET_OK
            if ret == CTRL_B:
                self.tx(b'\r\n' + self.banner)
                self.log('friendly')
                continue
            if ret == CTRL_C:
                self.tx(b'\r\n')
                continue
            if ret == CTRL_D:
                self.tx(b'\r\n')
                return RET_FORCED_EXIT
            if ret == CTRL_E:
                self.tx(b'\r\npaste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== ')
                cancelled = False
                while True:
                    c = self.link.getc()
                    if c == CTRL_C:
                        self.tx(b'\r\n')
                        cancelled = True
                        break
                    if c == CTRL_D:
                        self.tx(b'\r\n')
                        break
                    line.append(c)
                    self.tx(b'\r\n=== ' if c == 13 else bytes([c]))
                if cancelled:
                    continue
                single = False
            elif len(line) == 0:
                continue
            else:
                cancelled = False
                while self._continue_with_input(line):
                    line.append(10)
                    r = self.readline(line, b'... ')
                    if r == CTRL_C:
                        self.tx(b'\r\n')
                        cancelled = True
                        break
                    if r == CTRL_D:
                        break
                if cancelled:
                    continue
            r = self.execute(line, single=single)
            if r != RET_OK:
                return r

    # -- raw REPL ------------------------------------------------------------
    def raw_repl(self):
        self.set_mode('raw')
        self.tx(b'raw REPL; CTRL-B to exit\r\n')
        self.log('raw-enter')
        line = bytearray()
        self.tx(b'>')
        while True:
            c = self.link.getc()
            if c == CTRL_A:
                if self.has('rawpaste') and len(line) == 2 and line[0] == CTRL_E:
                    r = self.raw_paste(line[1])
                    if r != RET_OK:
                        return r
                    line = bytearray()
                    self.tx(b'>')
                    continue
                self.tx(b'raw REPL; CTRL-B to exit\r\n')
                self.log('raw-enter')
                line = bytearray()
                self.tx(b'>')
            elif c == CTRL_B:
                self.tx(b'\r\n')
                self.log('raw-exit')
                self.set_mode('friendly')
                return RET_OK
            elif c == CTRL_C:
                line = bytearray()
            elif c == CTRL_D:
                self.tx(b'OK')
                if not line:
                    self.tx(b'\r\n')
                    return RET_FORCED_EXIT
                # The whole command sits in a heap vstr on the device.
                need = len(line) + 16
                if need > self.heap.alloc_limit():
                    self.log('exec %d' % len(line))
                    exc = MemoryError('memory allocation failed, allocating %u bytes' % need)
                    r = self.execute(None, print_eof=True, exc=exc)
                else:
                    r = self.execute(line, print_eof=True)
                if r != RET_OK:
                    return r
                line = bytearray()
                self.tx(b'>')
            else:
                line.append(c)

    def raw_paste(self, cmd):
        """do_reader_stdin(): the raw-paste protocol, device side."""
        if cmd != ord('A'):
            self.tx(b'R\x00')
            return RET_OK
        self.tx(b'R\x01')
        inc = self.window
        self.log('raw-paste-start')
        self.link.paste_begin(inc)
        self.tx(struct.pack('<H', inc) + b'\x01')
        src = bytearray()
        remain = inc
        last_check = 0
        compile_error = None
        kbd = False
        while True:
            c = self.link.getc()
            if c in (CTRL_C, CTRL_D):
                self.link.paste_end()
                self.tx(b'\x04')              # end of data / receipt
                kbd = c == CTRL_C
                break
            src.append(c)
            remain -= 1
            if remain == 0:
                self.link.paste_credit(inc)
                self.tx(b'\x01')
                remain = inc
            # The device compiles while the data streams in: a definite
            # syntax error makes it stop the transfer early.
            if c == 10 and (len(src) < 16384 or len(src) - last_check >= 2048):
                last_check = len(src)
                ce = self._early_syntax_error(self._decode(src))
                if ce is not None:
                    compile_error = ce
                    self.link.paste_end()
                    self.tx(b'\x04')          # "stop sending"
                    while self.link.getc() not in (CTRL_C, CTRL_D):
                        pass
                    break
        if kbd:
            self.log('kbd-interrupt')
            exc = KeyboardInterrupt()
            self.log('exec %d' % len(src))
            return self.execute(None, print_eof=True, exc=exc)
        if compile_error is not None:
            self.log('exec %d' % len(src))
            return self.execute(None, print_eof=True, compile_error=compile_error)
        return self.execute(src, print_eof=True)

    # -- main loop -----------------------------------------------------------
    def soft_reset(self):
        self.log('soft-reset')
        self.tx(self.p['soft_reboot'])
        self.reset_vm()

    def run(self):
        self.log('boot')
        self.mode = None
        mode = 'friendly'
        while True:
            if mode == 'friendly':
                r = self.friendly_repl()
            else:
                r = self.raw_repl()
            mode = self.mode
            if r == RET_FORCED_EXIT:
                self.soft_reset()
            elif r == RET_INJECTED_RESET:
                self.tx(self.p['soft_reboot'])
                self.reset_vm()
            elif r == RET_HARD_RESET:
                self.reset_vm()
                time.sleep(0.05)
                self.log('boot')
                mode = 'friendly'
            elif r == RET_FATAL_REBOOT:
                self.fatal_reboot()
                mode = 'friendly'


def run_notpython(link, log):
    """Not a MicroPython board: an AT-modem-like thing that echoes input and
    answers every line with ERROR."""
    log('boot')
    while True:
        c = link.getc()
        link.tx(bytes([c]))
        if c == 13:
            link.tx(b'\r\nERROR\r\n')


# ---------------------------------------------------------------------------
def parse_args(argv):
    ap = argparse.ArgumentParser(
        description='Fake MicroPython board on a pty (test tool for mpeek).')
    ap.add_argument('--preset', default='new', choices=sorted(PRESETS))
    ap.add_argument('--features', default='',
                    help='comma list of +feature/-feature (features: %s)' % ', '.join(ALL_FEATURES))
    ap.add_argument('--window', type=lambda s: int(s, 0), default=0,
                    help='raw-paste window increment (default 128; nrf 32)')
    ap.add_argument('--link', help='also create a symlink PATH -> the pty slave')
    ap.add_argument('--seconds', type=float, default=3600, help='exit after N seconds')
    ap.add_argument('--line7bit', action='store_true', help='strip bit 7 of every byte sent')
    ap.add_argument('--mem', action='append', default=[],
                    help='NAME:START:SIZE[:FILL], FILL random|zero|ff|file=PATH')
    ap.add_argument('--dump-mem', action='append', default=[], help='START:SIZE:PATH')
    ap.add_argument('--heap', type=lambda s: int(s, 0), default=0, help='heap bytes')
    ap.add_argument('--ficr', choices=('qemu', 'real'), default='qemu',
                    help="old preset's nRF51 FICR: QEMU's quirky table (default) or "
                         "a real nRF51822-QFAA's")
    ap.add_argument('--rx-ring', type=lambda s: int(s, 0), default=-1,
                    help='receive ring size while busy (old: 64, i.e. 63 bytes kept)')
    ap.add_argument('--baud', type=int, default=0, help='limit output to BAUD/10 bytes/s')
    ap.add_argument('--fault', action='append', default=[], help='KIND:N[:REPEAT]')
    ap.add_argument('--log', help='event log file (appended)')
    ap.add_argument('--machine', help="the machine string (sys.implementation._machine, "
                    "os.uname().machine), e.g. a hostile one with terminal control sequences")
    ap.add_argument('--firmware', help='the firmware string (os.uname().version)')
    # "--features -x" would look like an option to argparse: glue it on.
    argv = list(argv)
    for i in range(len(argv) - 1):
        if argv[i] == '--features':
            argv[i:i + 2] = ['--features=' + argv[i + 1], '']
    return ap.parse_args([a for a in argv if a != ''])


def build_features(preset, spec):
    feats = set(PRESETS[preset]['features'])
    for item in filter(None, (x.strip() for x in spec.split(','))):
        op, name = (item[0], item[1:]) if item[0] in '+-' else ('+', item)
        if name not in ALL_FEATURES:
            raise SystemExit('fakeboard: unknown feature %r' % name)
        if op == '+':
            feats.add(name)
        else:
            feats.discard(name)
    return feats


# ---------------------------------------------------------------------------
# Memory maps of the real-port presets (board-memory.md sections 1-3, 5, 6.2).

def _rand(seed, n):
    return random.Random(seed).randbytes(n)


def _lfs_superblock(seed):
    """The start of a littlefs v2 image: block 0 with the "littlefs" magic
    at offset 8, a few pseudo-random blocks after it."""
    blk = bytearray(_rand(seed, 0x4000))
    blk[0:8] = b'\x03\x00\x00\x00\xf0\x0f\xff\xf7'
    blk[8:16] = b'littlefs'
    return bytes(blk)


def _esp8266_flash():
    """A 4 MiB ESP8266 flash: a 2MiB-variant image (the first 36 KiB hold
    the header and the IRAM/DRAM load segments, irom0 from 0x9000), the
    filesystem from flash_user_start() 0x100000, SDK parameters in the last
    20 KiB.  Only the first 1 MiB is memory-mapped (at 0x40200000)."""
    f = bytearray(b'\xff' * 0x400000)
    f[0:0x9a000] = _rand(0x8266, 0x9a000)
    f[0:4] = b'\xe9\x03\x02\x40'            # image magic, 3 segments, DIO, 4 MiB
    f[0x100000:0x104000] = _lfs_superblock(0x8267)
    f[0x3fc000:0x3fc080] = _rand(0x8268, 0x80)          # RF calibration
    return f


ESP32_PARTITIONS = [
    # label, type, subtype, offset, size  (partitions-4MiBplus.csv, v1.26)
    ('nvs', 1, 0x02, 0x9000, 0x6000),
    ('phy_init', 1, 0x01, 0xf000, 0x1000),
    ('factory', 0, 0x00, 0x10000, 0x1f0000),
]


def _esp32_flash(size=0x400000):
    """A 4 MiB ESP32 flash: bootloader at 0x1000, the binary partition table
    at 0x8000 (32-byte entries + MD5 entry), nvs, phy_init, the factory app
    at 0x10000 (image header; esp_app_desc_t at +0x20, which the DROM window
    shows at 0x3F400020) and a littlefs image in the runtime 'vfs'
    partition from 0x200000."""
    f = bytearray(b'\xff' * size)
    f[0x1000:0x7000] = _rand(0x3201, 0x6000)
    f[0x1000:0x1004] = b'\xe9\x03\x02\x20'
    table = b''
    for label, ptype, sub, off, sz in ESP32_PARTITIONS:
        table += struct.pack('<2sBBII16sI', b'\xaa\x50', ptype, sub, off, sz,
                             label.encode(), 0)
    table += b'\xeb\xeb' + b'\xff' * 14 + _hashlib.md5(table).digest()
    f[0x8000:0x8000 + len(table)] = table
    f[0x9000:0xb000] = _rand(0x3202, 0x2000)
    f[0xf000:0xf080] = _rand(0x3203, 0x80)
    f[0x10000:0x190000] = _rand(0x3204, 0x180000)
    f[0x10000:0x10018] = b'\xe9\x06\x02\x20' + bytes(20)
    f[0x10018:0x10020] = struct.pack('<II', 0x3f400020, 0x100)   # segment 0: DROM
    desc = struct.pack('<IIII32s32s16s16s32s', 0xabcd5432, 0, 0, 0, b'v1.26.0',
                       b'micropython', b'12:00:00', b'Aug  9 2025', b'v5.4.2')
    f[0x10020:0x10020 + len(desc)] = desc
    f[0x200000:0x204000] = _lfs_superblock(0x3205)
    return f


def _rp2_flash(size=0x200000):
    """A 2 MiB RPI_PICO flash: boot2 + firmware from 0, the littlefs
    filesystem in the top 1408 KiB (0xA0000, rp2.Flash())."""
    f = bytearray(b'\xff' * size)
    f[0:0x9c000] = _rand(0x2040, 0x9c000)
    # The frozen-name table (mp_frozen_names) of the modules RPI_PICO
    # freezes, as help('modules') lists them without '.py'.
    names = b'\0' + b''.join(n.encode() + b'.py\0' for n in RP2_FROZEN) + b'\0'
    f[RP2_FROZEN_NAMES - 1:RP2_FROZEN_NAMES - 1 + len(names)] = names
    f[0xa0000:0xa4000] = _lfs_superblock(0x2041)
    return f


RP2_FROZEN = ['_boot', '_boot_fat', 'asyncio/__init__', 'asyncio/core',
              'asyncio/event', 'asyncio/funcs', 'asyncio/lock', 'asyncio/stream',
              'onewire', 'ds18x20', 'dht', 'neopixel', 'rp2']
RP2_FROZEN_NAMES = 0x40100   # flash offset of the table's first name


RP2_FLASH_STORAGE = (0xa0000, 1408 * 1024)     # RPI_PICO: base offset, bytes

# FICR (0x10000000, 0x100 bytes), one u32 per word index.  QEMU's table
# (hw/nvram/nrf51_nvm.c ficr_content), shifted and with 0xFFFFFFFF RAM
# fields; and a real nRF51822-QFAA (4 RAM blocks of 4 KiB).
FICR_QEMU = {4: 0x400, 5: 0x100, 8: 2, 9: 0x2000, 10: 0x2000, 11: 0x2000,
             24: 3, 25: 0x12345678, 26: 0x9abcdef1}
FICR_REAL = {4: 0x400, 5: 0x100, 13: 4, 14: 0x1000, 15: 0x1000, 16: 0x1000,
             17: 0x1000, 23: 0xffff0072, 24: 0x5e2b6a4c, 25: 0x1d3c8f07,
             32: 0x7b1f0c95, 33: 0xe2c4a9d3, 34: 0x0f68b2e1, 35: 0x93a5d74c,
             36: 0x4c0e17b8, 37: 0xa9f23e61, 38: 0x35d87c02, 39: 0xc6b1905f,
             41: 0x8c4f3a27, 42: 0xfffff1d6, 44: 0x0c020010, 45: 0x00000025,
             46: 0x004c0aa8, 47: 0x5a000098, 48: 0x0000004d,
             59: 0x0c020010, 60: 0x00000025, 61: 0x004c0aa8, 62: 0x5a000098,
             63: 0x0000004d}


def _ficr(kind):
    words = FICR_REAL if kind == 'real' else FICR_QEMU
    return bytearray(b''.join(struct.pack('<I', words.get(i, 0xffffffff))
                              for i in range(64)))


def port_memory(port):
    """(regions, flags, flash) of a real-port preset."""
    if port == 'esp8266':
        flash = _esp8266_flash()
        regions = [
            make_region('dram', 0x3ffe8000, 0x14000, 'random'),
            make_region('sdkdata', 0x3fffc000, 0x4000, 'random'),
            make_region('rom', 0x40000000, 0x10000, 'random'),
            make_region('iram', 0x40100000, 0x8000, 'random'),
            ('flashmap', 0x40200000, memoryview(flash)[0:0x100000]),
        ]
        flags = {'rom': ('ibus', 'ro'), 'iram': ('ibus',), 'flashmap': ('ibus', 'ro')}
        return regions, flags, flash
    if port == 'esp32':
        flash = _esp32_flash()
        app = memoryview(flash)[0x10000:0x110000]      # the running app's pages
        regions = [
            ('drom', 0x3f400000, app),
            make_region('rom1', 0x3ff90000, 0x10000, 'random'),
            make_region('dram', 0x3ffae000, 0x52000, 'random'),
            make_region('rom0', 0x40000000, 0x60000, 'random'),
            make_region('iram', 0x40080000, 0x20000, 'random'),
            ('irom', 0x400d0000, app),
            make_region('rtcslow', 0x50000000, 0x2000, 'random'),
        ]
        flags = {'drom': ('ro',), 'rom1': ('ro',), 'rom0': ('ibus', 'ro'),
                 'iram': ('ibus',), 'irom': ('ibus', 'ro')}
        return regions, flags, flash
    if port == 'rp2':
        flash = _rp2_flash()
        rom = make_region('rom', 0x00000000, 0x4000, 'random')
        # Initial SP, reset vector, the 'Mu' magic and version 3 (RP2040-B2).
        rom[2][0:8] = struct.pack('<II', 0x20041f00, 0x000000ef)
        rom[2][0x10:0x14] = b'Mu\x01\x03'
        regions = [rom,
                   ('xip', 0x10000000, flash),
                   ('xip_noalloc', 0x11000000, flash),
                   ('xip_nocache', 0x12000000, flash),
                   ('xip_nocache_noalloc', 0x13000000, flash),
                   make_region('sram', 0x20000000, 0x42000, 'random')]
        flags = {n: ('ro',) for n in ('rom', 'xip', 'xip_noalloc', 'xip_nocache',
                                      'xip_nocache_noalloc')}
        return regions, flags, flash
    raise ValueError('unknown port %r' % port)


def build_memory(args, p):
    """Regions from --mem, or the defaults. Returns (Memory, pool_start, heap)."""
    heap_bytes = args.heap or p['heap']
    pool_bytes = (heap_bytes // 65) * 4 * 16
    pool_start = p['pool_start']
    regions, flags, flash = [], {}, None
    port = p.get('port')
    if port:
        # The port's flash chip exists even when --mem replaces the map.
        regions, flags, flash = port_memory(port)
    if args.mem:
        regions, flags = [], {}
        for spec in args.mem:
            parts = spec.split(':', 3)
            if len(parts) < 3:
                raise SystemExit('fakeboard: bad --mem %r' % spec)
            fill = parts[3] if len(parts) == 4 else 'random'
            regions.append(make_region(parts[0], int(parts[1], 0), int(parts[2], 0), fill))
    elif not port:
        regions.append(make_region('flash', 0, 0x40000, 'default-flash'))
        # The documented default RAM is 64 KiB (micro:bit: 16 KiB); grow it
        # (RP2040: 256 KiB) when the preset's GC pool would not fit, so the
        # pool is readable.
        size = p.get('ram_size', 0x10000)
        while 0x20000000 + size < pool_start + pool_bytes + 0x1000:
            size *= 2
        regions.append(make_region('ram', 0x20000000, size, 'random'))
        if p.get('ficr'):
            regions.append(('ficr', 0x10000000, _ficr(args.ficr)))
            flags['ficr'] = ('ro',)
            # The UICR (0x10001000, 256 bytes) is there on every nRF51:
            # erased (0xFF), as on a micro:bit that never wrote it.
            uicr = bytearray(b'\xff' * 0x100)
            regions.append(('uicr', 0x10001000, uicr))
            flags['uicr'] = ('ro',)
    mem = Memory(regions, flags)
    mem.flash = flash
    if mem.first_unmapped(pool_start, pool_bytes) is not None:
        ram = p.get('ram_region', 'ram')
        for name, start, data in mem.regions:
            if name == ram:
                pool_start = start + 0x400
                room = len(data) - 0x400 - 0x400
                heap_bytes = min(heap_bytes, max(0, room) * 65 // 64)
                break
    return mem, pool_start, heap_bytes


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    p = PRESETS[args.preset]
    if args.machine is not None or args.firmware is not None:
        p = dict(p)
        u = list(p['uname'])
        if args.machine is not None:
            p['machine'] = u[4] = args.machine
        if args.firmware is not None:
            u[3] = args.firmware
        p['uname'] = tuple(u)
    features = build_features(args.preset, args.features)
    log = Log(args.log)
    faults = Faults(args.fault)
    mem, pool_start, heap_bytes = build_memory(args, p)
    for spec in args.dump_mem:
        start, size, path = spec.split(':', 2)
        start, size = int(start, 0), int(size, 0)
        if mem.first_unmapped(start, size) is not None:
            raise SystemExit('fakeboard: --dump-mem range 0x%x+0x%x is not mapped' % (start, size))
        with open(path, 'wb') as f:
            f.write(mem.read(start, size, 'raw'))
    heap = Heap(pool_start, heap_bytes, p['baseline'], seed=pool_start,
                more_areas=p.get('more_areas', ()), max_new_split=p.get('max_new_split'))

    link = Link(args, log, faults)
    link.ctrlc_flush = 'ctrlc_flush' in features
    ring = args.rx_ring if args.rx_ring >= 0 else p['rx_ring']
    link.ring_cap = ring

    def cleanup():
        if args.link:
            try:
                if os.path.islink(args.link):
                    os.unlink(args.link)
            except OSError:
                pass

    def quit_now(*_):
        cleanup()
        os._exit(0)

    def disconnect():
        # Let the host read what was sent before the disconnect point (the
        # slave's input queue, FIONREAD on our own slave fd), then hang up.
        time.sleep(0.05)          # the pty moves written data in a work queue
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            try:
                pending = struct.unpack('i', fcntl.ioctl(link.slave, termios.FIONREAD, b'\0' * 4))[0]
            except OSError:
                break
            if pending <= 0:
                break
            time.sleep(0.01)
        try:
            os.close(link.master)
        except OSError:
            pass
        quit_now()
    link.on_disconnect = disconnect

    signal.signal(signal.SIGTERM, quit_now)
    signal.signal(signal.SIGINT, quit_now)
    signal.signal(signal.SIGHUP, quit_now)
    timer = threading.Timer(args.seconds, quit_now)
    timer.daemon = True
    timer.start()

    if args.link:
        try:
            if os.path.islink(args.link) or os.path.exists(args.link):
                os.unlink(args.link)
        except OSError:
            pass
        os.symlink(link.slave_path, args.link)
    sys.stderr.write('char device redirected to %s (label serial0)\n' % link.slave_path)
    sys.stderr.flush()

    if faults.noise:
        link._write(random.Random(faults.noise).randbytes(faults.noise))
    link.start_reader()
    try:
        if args.preset == 'notpython':
            run_notpython(link, log)
        else:
            board = Board(args, p, features, mem, heap, link, log)
            board.run()
    except SystemExit:
        raise
    except BaseException:
        import traceback
        traceback.print_exc()
        cleanup()
        os._exit(3)


if __name__ == '__main__':
    main()
