#!/bin/sh
# run.sh [MPEEK ARGS]: the main job.  Uses the first MicroPython board
# plugged in; with none, starts the emulated BBC micro:bit (QEMU) instead.
set -eu
cd "$(dirname "$0")/.."
port="emu"
if ./mpeek ports 2>/dev/null | grep -q '\[micropython\]'; then
    port="auto"
fi
case " $* " in
*" --port "* | *" -p "*) exec ./mpeek "$@" ;;
esac
echo "mpeek: using --port $port" >&2
exec ./mpeek --port "$port" "$@"
