#!/bin/sh
# deps.sh [build|run|test]: install the Debian packages mpeek needs for that
# job, if any are missing.  build: compile mpeek; run: also QEMU and the
# micro:bit firmware (--port emu, what 'make run' uses without a board);
# test: also what the tests use (sanitizers, valgrind, tmux, the ARM
# cross compiler, man).  Runs 'apt-get update' once, then
# 'apt-get install -y' non-interactively, as root or through sudo.
set -eu

job=${1:-build}
build="make gcc pkg-config libncurses-dev libserialport-dev libmbedtls-dev libelf-dev libcapstone-dev"
run="$build qemu-system-arm firmware-microbit-micropython"
test="$run clang libclang-rt-14-dev valgrind python3 tmux xxd binutils-arm-none-eabi gcc-arm-none-eabi man-db groff-base"

case "$job" in
build) want=$build ;;
run) want=$run ;;
test) want=$test ;;
*) echo "usage: $0 build|run|test" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
else
    echo "mpeek: missing packages:$missing; install them as root (apt-get install$missing)" >&2
    exit 1
fi
echo "mpeek: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
# shellcheck disable=SC2086
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null
