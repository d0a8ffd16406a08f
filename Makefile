# mpeek: look inside the memory of a running MicroPython board.
#
#   make            build ./mpeek
#   make run        install what is missing, build, and open the board
#                   (the emulated micro:bit when no board is plugged in)
#   make deps       install what 'make run' needs: the build packages,
#                   QEMU and the micro:bit firmware
#   make test       install what is missing, build, run every test
#   make check      the unit tests alone (quick; see README.md, Testing)
#   make bench      throughput benchmarks (writes BENCHMARKS.md results)
#   make install    PREFIX=/usr/local DESTDIR=  (also the manual page and
#                   the bash completion; make uninstall removes them)
#   make clean
#   make SANITIZE=address,undefined   (builds into build-san/)
#   V=1             show the commands

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
PKG_CONFIG ?= pkg-config
PKGS := ncursesw libserialport libelf capstone

ifeq ($(V),1)
Q :=
else
Q := @
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wwrite-strings -Wpointer-arith -Wundef
CFLAGS ?= -O2 -g
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS := -std=c11 -D_DEFAULT_SOURCE $(WARN) -Iinclude $(PKG_CFLAGS) \
	-DMPEEK_DATADIR='"$(PREFIX)/share/mpeek"' $(CFLAGS) $(CFLAGS_EXTRA)
LIBS := $(PKG_LIBS) -lmbedcrypto -lpthread
ifeq ($(PKG_LIBS),)
LIBS := -lncursesw -lserialport -lelf -lmbedcrypto -lpthread
endif

ifneq ($(SANITIZE),)
BUILD := build-san
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
BIN := $(BUILD)/mpeek
else
BUILD := build
BIN := mpeek
endif

SRCS := $(sort $(wildcard src/*.c))
LIB_SRCS := $(filter-out src/main.c,$(SRCS))
OBJS := $(SRCS:src/%.c=$(BUILD)/obj/%.o)
LIB_OBJS := $(LIB_SRCS:src/%.c=$(BUILD)/obj/%.o)
TEST_SRCS := $(sort $(wildcard tests/test_*.c))
TEST_BINS := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)

.PHONY: all run test check unit bench install uninstall clean deps fuzz fuzz-run fixtures

# Test fixtures: small ARM firmware images built with Debian's cross
# compiler from tests/fixtures/*.c (linked by tests/fixtures/fixture.ld),
# plus their Intel HEX and raw binary copies.  Always in build/fixtures.
ARM_CC ?= arm-none-eabi-gcc
ARM_OBJCOPY ?= arm-none-eabi-objcopy
FIXTURE_SRCS := $(sort $(wildcard tests/fixtures/*.c))
FIXTURES := $(FIXTURE_SRCS:tests/fixtures/%.c=build/fixtures/%.elf) \
	$(FIXTURE_SRCS:tests/fixtures/%.c=build/fixtures/%.hex) \
	$(FIXTURE_SRCS:tests/fixtures/%.c=build/fixtures/%.bin)

# Fuzz targets (libFuzzer, clang): make fuzz; make fuzz-run FUZZ_SECONDS=30
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 20
FUZZ_CFLAGS := -std=c11 -D_DEFAULT_SOURCE $(WARN) -Iinclude $(PKG_CFLAGS) -g -O1 \
	-fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_OBJS := $(LIB_SRCS:src/%.c=build-fuzz/obj/%.o)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))

all: $(BIN)

$(BIN): $(OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LIBS)

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libmpeek.a: $(LIB_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $(LIB_OBJS)

# Unit tests that make realloc() fail on purpose (tests/failalloc.h).
FAILALLOC_TESTS := test_board test_buf test_cmd test_fmt test_image test_rmap test_rrepl test_verify
$(FAILALLOC_TESTS:%=$(BUILD)/tests/%): TEST_LDFLAGS := -Wl,--wrap=realloc

$(BUILD)/tests/%: tests/%.c tests/harness.h tests/failalloc.h $(BUILD)/libmpeek.a
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -Itests $(LDFLAGS) $(TEST_LDFLAGS) -o $@ $< $(BUILD)/libmpeek.a $(LIBS)

# The theme parser and model are pure (theme_curses.c is the curses side):
# their unit test and fuzz target link without curses, so a curses call
# creeping in fails the link.
THEME_PURE := theme datadir rc
$(BUILD)/tests/test_theme: tests/test_theme.c tests/harness.h $(BUILD)/libmpeek.a
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -Itests $(LDFLAGS) -o $@ $< $(BUILD)/libmpeek.a

$(BUILD)/bench_read: bench/bench_read.c $(BUILD)/libmpeek.a
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libmpeek.a $(LIBS)

build/fixtures/%.elf: tests/fixtures/%.c tests/fixtures/fixture.ld
	@mkdir -p $(dir $@)
	@echo "  ARMCC   $<"
	$(Q)$(ARM_CC) -mcpu=cortex-m0 -mthumb -Os -g -nostdlib -ffreestanding \
		-fno-common -Wl,--build-id=none -Wl,--no-gc-sections \
		-T tests/fixtures/fixture.ld -o $@ $<

build/fixtures/%.hex: build/fixtures/%.elf
	$(Q)$(ARM_OBJCOPY) -O ihex $< $@

build/fixtures/%.bin: build/fixtures/%.elf
	$(Q)$(ARM_OBJCOPY) -O binary $< $@

.SECONDARY: $(FIXTURES)

fixtures: $(FIXTURES)

# The unit tests alone (the C test programs), a minute or so: make check.
# Each program takes test names (build/tests/test_view diff_next) and
# --list; the last line sums them up.  make test runs everything.
check: $(TEST_BINS) fixtures
	$(Q){ fail=0; for t in $(TEST_BINS); do \
		$$t >$$t.out 2>&1; rc=$$?; cat $$t.out; [ $$rc = 0 ] || fail=1; \
		grep -Eq '^[A-Za-z0-9_-]+: [0-9]+ passed, [0-9]+ failed' $$t.out || \
		echo "$${t##*/}: 0 passed, 1 failed (exit status $$rc, no result line)"; \
	done; echo $$fail >$(BUILD)/check.rc; } | tee $(BUILD)/check.log
	$(Q)awk '/^[A-Za-z0-9_-]+: [0-9]+ passed, [0-9]+ failed/ { p += $$2; f += $$4; \
		if ($$7 == "skipped") s += $$6 } \
		END { printf "check: %d passed, %d failed", p, f; \
		if (s) printf ", %d skipped", s; print "" }' $(BUILD)/check.log
	$(Q)test "$$(cat $(BUILD)/check.rc)" = 0

unit: check

build-fuzz/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(FUZZ_OBJS)
	@echo "  FUZZLD  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) $(LIBS)

build-fuzz/fuzz_theme: tests/fuzz/fuzz_theme.c $(THEME_PURE:%=build-fuzz/obj/%.o)
	@echo "  FUZZLD  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
		$(THEME_PURE:%=build-fuzz/obj/%.o)

fuzz: $(FUZZ_BINS)

.SECONDARY: $(FUZZ_OBJS)

# Run every fuzz target for FUZZ_SECONDS from its seed corpus.
fuzz-run: fuzz
	$(Q)set -e; for f in $(FUZZ_BINS); do \
		n=$${f#build-fuzz/fuzz_}; mkdir -p build-fuzz/corpus/$$n; \
		echo "  FUZZ    $$n ($(FUZZ_SECONDS) s)"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
			-artifact_prefix=build-fuzz/$$n- \
			-print_final_stats=0 build-fuzz/corpus/$$n tests/fuzz/corpus/$$n \
			>build-fuzz/$$n.log 2>&1 || { tail -40 build-fuzz/$$n.log; exit 1; }; \
		grep -E "^(#[0-9]+ +DONE|Done [0-9]+ runs)" build-fuzz/$$n.log | tail -1; \
	done

# What 'make run' runs: the build packages, and QEMU with the micro:bit
# firmware for when no board is plugged in.
deps:
	$(Q)./scripts/deps.sh run

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)./scripts/run.sh $(ARGS)

# The whole suite; installs what it needs first.
test: deps
	$(Q)./scripts/deps.sh test
	$(Q)./tests/run_all.sh

bench: deps
	$(Q)./scripts/deps.sh test
	$(Q)$(MAKE) --no-print-directory all build/bench_read
	$(Q)python3 bench/bench.py

MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions

# The manual page names the data folder: $(PREFIX)/share/mpeek.
install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/mpeek
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/mpeek
	install -d $(DESTDIR)$(PREFIX)/share/mpeek/profiles
	install -m 644 profiles/*.board $(DESTDIR)$(PREFIX)/share/mpeek/profiles/
	install -d $(DESTDIR)$(PREFIX)/share/mpeek/themes
	install -m 644 themes/*.theme $(DESTDIR)$(PREFIX)/share/mpeek/themes/
	install -d $(DESTDIR)$(MANDIR)/man1
	sed 's|/usr/local/share/mpeek|$(PREFIX)/share/mpeek|g' doc/mpeek.1 \
		>$(DESTDIR)$(MANDIR)/man1/mpeek.1
	chmod 644 $(DESTDIR)$(MANDIR)/man1/mpeek.1
	install -d $(DESTDIR)$(BASHCOMPDIR)
	install -m 644 completion/mpeek.bash $(DESTDIR)$(BASHCOMPDIR)/mpeek

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/mpeek
	rm -rf $(DESTDIR)$(PREFIX)/share/mpeek
	rm -f $(DESTDIR)$(MANDIR)/man1/mpeek.1
	rm -f $(DESTDIR)$(BASHCOMPDIR)/mpeek

clean:
	rm -rf build build-san build-fuzz mpeek

-include $(OBJS:.o=.d)
