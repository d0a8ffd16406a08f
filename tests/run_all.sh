#!/bin/sh
# run_all.sh: every test of mpeek, as `make test` runs it.
#
#   1. build (warnings are errors) and the ASan+UBSan build
#   2. unit tests, plain, under ASan+UBSan, and under valgrind
#   3. the test runners' and the fake board's own self-tests
#   4. end to end against the fake board (newest and old firmware, faults),
#      with the ASan+UBSan mpeek; the command line, the first run
#      (make deps/run), the manual page, completion and make install
#   5. end to end against real MicroPython firmware in QEMU (micro:bit;
#      MicroPython 1.29 from ../shared/firmware when it is there): the
#      commands, objects against repr(), snapshots explored with no
#      board, the explorer in tmux
#   6. every fuzz target for FUZZ_SECONDS (default 20)
#
# Each part prints "NAME: N passed, N failed" (tests, not checks; ", N
# skipped" follows when tests could not run here, saying why); the last
# line sums them up.  One test alone: build/tests/test_view diff_next,
# python3 tests/test_qemu.py -k stall (--list names the tests).
set -u
export MPEEK_REQUIRE_LD=1
# mpeek's caches (what earlier runs learnt of a port) start empty for
# every run, apart from the user's own.
XDG_CACHE_HOME=$(mktemp -d "${TMPDIR:-/tmp}/mpeek-test-cache.XXXXXX")
export XDG_CACHE_HOME
trap 'rm -rf "$XDG_CACHE_HOME"' EXIT
cd "$(dirname "$0")/.."
MAKE=${MAKE:-make}
jobs=$(nproc 2>/dev/null || echo 2)
total_pass=0
total_fail=0
total_skip=0
log=build/test-summary.txt
mkdir -p build
: >"$log"

tally() { # NAME, then the output of a test program on stdin
    name=$1
    out=$(cat)
    printf '%s\n' "$out"
    line=$(printf '%s\n' "$out" | grep -E '^[A-Za-z0-9_-]+: [0-9]+ passed, [0-9]+ failed' | tail -1)
    if [ -z "$line" ]; then
        echo "$name: 0 passed, 1 failed (no result line)"
        total_fail=$((total_fail + 1))
        echo "$name: no result" >>"$log"
        return
    fi
    p=$(printf '%s' "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1/')
    f=$(printf '%s' "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\2/')
    s=$(printf '%s' "$line" | sed -nE 's/.*: [0-9]+ passed, [0-9]+ failed, ([0-9]+) skipped.*/\1/p')
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
    total_skip=$((total_skip + ${s:-0}))
    echo "$line" >>"$log"
}

step() { echo; echo "==== $*"; }

# run NAME CMD...: run a test program, show its output, count its result.
run() {
    name=$1
    shift
    "$@" >build/out-$name.txt 2>&1
    tally "$name" <build/out-$name.txt
}

# result NAME OK: count a pass/fail that is not a test program.
result() {
    if [ "$2" = 0 ]; then
        echo "$1: 1 passed, 0 failed" >build/out-$1.txt
    else
        echo "$1: 0 passed, 1 failed" >build/out-$1.txt
    fi
    tally "$1" <build/out-$1.txt
}

step "build"
if ! $MAKE -j"$jobs" --no-print-directory all; then
    echo "build: 0 passed, 1 failed"; exit 1
fi
if ! $MAKE -j"$jobs" --no-print-directory SANITIZE=address,undefined all; then
    echo "build-san: 0 passed, 1 failed"; exit 1
fi
$MAKE -j"$jobs" --no-print-directory build/libmpeek.a >/dev/null
$MAKE -j"$jobs" --no-print-directory SANITIZE=address,undefined build-san/libmpeek.a >/dev/null

step "unit tests"
if ! $MAKE -j"$jobs" --no-print-directory fixtures; then
    echo "fixtures: 0 passed, 1 failed"; total_fail=$((total_fail + 1))
fi
for src in tests/test_*.c; do
    t=$(basename "$src" .c)
    $MAKE --no-print-directory "build/tests/$t" >/dev/null || { echo "$t: 0 passed, 1 failed (build)"; total_fail=$((total_fail+1)); continue; }
    $MAKE --no-print-directory SANITIZE=address,undefined "build-san/tests/$t" >/dev/null || { echo "$t-san: 0 passed, 1 failed (build)"; total_fail=$((total_fail+1)); continue; }
    run "$t" timeout 120 "build/tests/$t"
    run "$t-asan" timeout 120 "build-san/tests/$t"
    timeout 900 valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        -q "build/tests/$t" >build/valgrind-$t.log 2>&1
    vrc=$?
    [ "$vrc" = 0 ] || tail -30 build/valgrind-$t.log
    result "$t-valgrind" "$vrc"
done

step "the test runners (harness.h, testlib.run_tests)"
run runner timeout 120 python3 tests/test_runner.py

if [ -f tests/test_fakeboard.py ]; then
    step "fake board self-test"
    run fakeboard timeout 300 python3 tests/test_fakeboard.py
fi

if [ -f tests/test_attach.py ]; then
    step "attaching and leaving (fake board, ASan+UBSan build)"
    run attach env MPEEK=build-san/mpeek timeout 300 python3 tests/test_attach.py
fi
if [ -f tests/test_fake.py ]; then
    step "mpeek against the fake board (ASan+UBSan build)"
    run fake env MPEEK=build-san/mpeek timeout 900 python3 tests/test_fake.py
fi

step "mpeek itself under valgrind (fake board)"
vg="valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 -q"
$vg ./mpeek -p "execpty:exec python3 tests/fakeboard.py --preset old" regions \
    >build/vg-regions.out 2>build/vg-regions.log
result valgrind-regions $?
$vg ./mpeek -p "execpty:exec python3 tests/fakeboard.py --preset new" --unsafe \
    read 0 64K -o build/vg-read.bin >build/vg-read.out 2>build/vg-read.log
result valgrind-read $?

$vg ./mpeek frozen --image build/fixtures/frozen_v119.elf --format json \
    >build/vg-frozen.out 2>build/vg-frozen.log
result valgrind-frozen $?
$vg ./mpeek -p "execpty:exec python3 tests/fakeboard.py --preset old" \
    verify build/fixtures/img_basic.bin@0 >build/vg-verify.out 2>build/vg-verify.log
# img_basic is not what the fake board holds: 3 (differs) is the answer.
[ $? = 3 ] && grep -q "DIFFERENT" build/vg-verify.out
result valgrind-verify $?

step "command line without a board"
run cli timeout 300 python3 tests/test_cli.py

step "first run, manual page, completion, install"
run docs timeout 600 python3 tests/test_docs.py

step "mpeek against MicroPython 1.9.2 in QEMU"
run qemu timeout 900 python3 tests/test_qemu.py

step "objects decoded from memory against the board's repr() (1.9.2 and 1.29 in QEMU)"
run obj timeout 900 python3 tests/test_obj.py

step "bytecode listings (dis) from the 1.29 ELF and board against golden listings"
run dis timeout 900 python3 tests/test_dis.py

step "snapshots of MicroPython 1.9.2 and 1.29 in QEMU, explored with no board"
run snapshot timeout 900 python3 tests/test_snapshot.py

step "what each module holds on the heap, against gc.mem_alloc() (1.9.2 and 1.29 in QEMU)"
run modules timeout 900 python3 tests/test_modules.py

step "the explorer in tmux against QEMU"
run tui timeout 300 python3 tests/test_tui.py

step "fuzzing (${FUZZ_SECONDS:-20} s per target)"
$MAKE --no-print-directory fuzz-run FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
result fuzz $?

echo
echo "==== summary"
cat "$log"
if [ "$total_skip" -gt 0 ]; then
    echo "all: $total_pass passed, $total_fail failed, $total_skip skipped"
else
    echo "all: $total_pass passed, $total_fail failed"
fi
[ "$total_fail" -eq 0 ]
