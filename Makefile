# vanex — build, test, install.  `make help` lists the targets.
#
# Layers depend downward only: tui/ -> report/ -> engine/ -> GSL + BLAS.
# Every .c file in engine/, report/ and tui/ is picked up automatically;
# tests/unit/test_*.c each become one Criterion binary.

VERSION    := 0.1.0
PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
BUILD      ?= build
CC         ?= cc
PKG_CONFIG ?= pkg-config

CFLAGS   ?= -O2 -g
WARN     := -Werror=implicit-function-declaration -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes -Wmissing-prototypes
CPPFLAGS += -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I. -DVX_VERSION='"$(VERSION)"'

# GSL with an optimised CBLAS (OpenBLAS) where present, else GSL's reference
# CBLAS.  LAPACK (engine/lapack.h) comes with OpenBLAS; without it, from the
# reference LAPACK (pkg-config lapack: liblapack-dev).
HAVE_OPENBLAS := $(shell $(PKG_CONFIG) --exists openblas 2>/dev/null && echo yes)
ifeq ($(HAVE_OPENBLAS),yes)
BLAS_LIBS := $(shell $(PKG_CONFIG) --libs openblas)
LAPACK_MODULES :=
else
BLAS_LIBS := $(shell $(PKG_CONFIG) --libs lapack 2>/dev/null) -lgslcblas
LAPACK_MODULES := lapack:liblapack-dev
endif
GSL_CFLAGS  := $(shell $(PKG_CONFIG) --cflags gsl 2>/dev/null)
GSL_LIBS    := -lgsl $(BLAS_LIBS) -lm
# Each layer is compiled with the flags of what it may use and no more
# (tests/layers.sh checks the includes themselves; `make layers`):
#   engine/  GSL, BLAS, threads   report/  + cmark, jansson, libzip, zlib   tui/  + ncursesw
ENGINE_CFLAGS := -pthread $(GSL_CFLAGS)
REPORT_CFLAGS := $(ENGINE_CFLAGS) $(shell $(PKG_CONFIG) --cflags libcmark jansson libzip zlib 2>/dev/null)
TUI_CFLAGS    := $(REPORT_CFLAGS) $(shell $(PKG_CONFIG) --cflags ncursesw 2>/dev/null)
DEP_CFLAGS  := $(TUI_CFLAGS)
DEP_LIBS    := $(shell $(PKG_CONFIG) --libs libcmark jansson ncursesw libzip zlib 2>/dev/null) $(GSL_LIBS) -pthread
CRIT_LIBS   := $(shell $(PKG_CONFIG) --libs criterion 2>/dev/null)

# Without the libraries a build would stop at the first missing header; say
# instead which Debian packages are missing and what installs them.  Only for
# goals that compile: deps, run and test install the packages first, help,
# clean and uninstall need none.  (pkg-config module:Debian package)
BUILD_MODULES  := gsl:libgsl-dev libcmark:libcmark-dev jansson:libjansson-dev ncursesw:libncurses-dev \
                  libzip:libzip-dev zlib:zlib1g-dev $(LAPACK_MODULES)
TEST_MODULES   := criterion:libcriterion-dev
NO_BUILD_GOALS := deps run test help clean uninstall
missing_pkgs = $(foreach m,$(1),$(if $(shell $(PKG_CONFIG) --exists $(word 1,$(subst :, ,$(m))) 2>/dev/null && echo y),,$(word 2,$(subst :, ,$(m)))))
ifneq ($(filter-out $(NO_BUILD_GOALS),$(or $(MAKECMDGOALS),all)),)
MISSING := $(if $(shell command -v $(firstword $(CC))),,$(if $(filter cc gcc,$(CC)),gcc,$(CC))) \
           $(if $(shell command -v $(PKG_CONFIG)),,pkg-config) $(call missing_pkgs,$(BUILD_MODULES))
ifneq ($(filter unit sanitize update-golden,$(MAKECMDGOALS))$(findstring /tests/,$(MAKECMDGOALS)),)
MISSING_TEST := $(call missing_pkgs,$(TEST_MODULES))
endif
ifneq ($(strip $(MISSING_TEST)),)
$(error vanex: missing packages: $(strip $(MISSING) $(MISSING_TEST)) (run 'make test' or 'sh tests/deps.sh test' to install them))
else ifneq ($(strip $(MISSING)),)
$(error vanex: missing build packages: $(strip $(MISSING)) (run 'make deps' or 'make run' to install them))
endif
endif

ENGINE_SRC := $(sort $(wildcard engine/*.c))
REPORT_SRC := $(sort $(wildcard report/*.c report/*/*.c))
TUI_SRC    := $(sort $(filter-out tui/main.c,$(wildcard tui/*.c)))
TEMPLATES  := $(sort $(wildcard templates/*.md))
GEN_SRC    := $(BUILD)/gen/templates_embed.c

LIB_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(ENGINE_SRC) $(REPORT_SRC) $(TUI_SRC)) $(BUILD)/gen/templates_embed.o
MAIN_OBJ := $(BUILD)/tui/main.o
LIB      := $(BUILD)/libvanex.a
BIN      := vanex

UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
E2E        := $(sort $(wildcard tests/e2e/*.sh))

ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all run test layers unit e2e deps install uninstall clean help update-golden sanitize fuzz bench \
        fuzz-replay fuzz-build valgrind tsan
all: $(BIN)

$(BUILD)/engine/%.o: LAYER_CFLAGS := $(ENGINE_CFLAGS)
$(BUILD)/report/%.o: LAYER_CFLAGS := $(REPORT_CFLAGS)
$(BUILD)/tui/%.o: LAYER_CFLAGS := $(TUI_CFLAGS)
$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(or $(LAYER_CFLAGS),$(DEP_CFLAGS)) $(WARN) $(CFLAGS) -MMD -MP -c $< -o $@

# The derivation's text is compiled into the binary, so an installed vanex
# needs no data files; tests and --template read the same files from disk.
$(GEN_SRC): $(TEMPLATES) report/doc/embed.sh
	@mkdir -p $(dir $@)
	$(Q)sh report/doc/embed.sh $(TEMPLATES) > $@.tmp && mv $@.tmp $@
$(BUILD)/gen/templates_embed.o: $(GEN_SRC)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(MAIN_OBJ) $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(DEP_LIBS) -o $@

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST-CC $<")
	$(Q)$(CC) $(CPPFLAGS) $(DEP_CFLAGS) $(WARN) -Wno-missing-prototypes $(CFLAGS) -MMD -MP $< $(LIB) $(CRIT_LIBS) $(DEP_LIBS) -o $@

# Installs missing build dependencies (apt-get; sudo when not root). Silent when all are there.
deps:
	$(Q)sh tests/deps.sh build

run: deps
	$(Q)$(MAKE) --no-print-directory $(BIN)
	./$(BIN)

# The layering rules of README.md "Layout", checked on the sources.
layers:
	$(Q)sh tests/layers.sh && echo "layers: every include points down; curses, cmark, jansson and printing where they belong"

# Every suite runs even after one fails, and the failed ones are named at the end.
unit: $(UNIT_BIN)
	$(Q)failed=; for t in $(UNIT_BIN); do echo "== $$t"; $$t --jobs=2 $(CRITERION_FLAGS) || failed="$$failed $$t"; done; \
	  if [ -n "$$failed" ]; then echo "unit: FAILED:$$failed" >&2; exit 1; fi

e2e: $(BIN)
	$(Q)failed=; for s in $(E2E); do echo "== $$s"; VANEX=./$(BIN) sh $$s || failed="$$failed $$s"; done; \
	  if [ -n "$$failed" ]; then echo "e2e: FAILED:$$failed" >&2; exit 1; fi

test: deps
	$(Q)sh tests/deps.sh test
	$(Q)$(MAKE) --no-print-directory $(BIN) $(UNIT_BIN)
	$(Q)$(MAKE) --no-print-directory --keep-going layers unit e2e fuzz-replay
	$(Q)$(MAKE) --no-print-directory sanitize

# The engine's own threads under ThreadSanitizer (tests/tsan/threads.c):
# every entry point that computes on threads of its own, on them and on one,
# compared bit for bit, the run stopped at the first data race.  The engine
# alone is built in build-tsan/; OpenBLAS on one thread, as its own threads
# are not instrumented.  Run by .ci/run, not by `make test`: GCC 12's
# sanitizer cannot start on kernels that randomise mmap with 32 bits (newer
# Ubuntu's default), and a newcomer's `make test` must pass there too.
TSAN_BUILD := build-tsan
tsan:
	$(Q)$(MAKE) --no-print-directory BUILD=$(TSAN_BUILD) CFLAGS='-O1 -g -fsanitize=thread' $(TSAN_BUILD)/tsan/threads
	$(Q)OPENBLAS_NUM_THREADS=1 TSAN_OPTIONS='halt_on_error=1 exitcode=66' $(TSAN_BUILD)/tsan/threads

$(BUILD)/tsan/threads: tests/tsan/threads.c tests/unit/same_bits.h $(patsubst %.c,$(BUILD)/%.o,$(ENGINE_SRC))
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TSAN-CC $<")
	$(Q)$(CC) $(CPPFLAGS) $(ENGINE_CFLAGS) $(WARN) $(CFLAGS) $(filter-out %.h,$^) $(GSL_LIBS) -pthread -o $@

# Builds everything with ASan+UBSan in build-san/ and runs the unit and e2e suites.
# Leaks inside system libraries are suppressed in tests/sanitize.supp (each with why).
sanitize:
	$(Q)ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitize.supp:print_suppressions=0 \
	  $(MAKE) --no-print-directory BUILD=build-san BIN=build-san/vanex \
	  CFLAGS='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
	  LDFLAGS='-fsanitize=address,undefined' --keep-going build-san/vanex unit e2e fuzz-replay

# ---- fuzzing (tests/fuzz/): one libFuzzer harness per parser of outside data ----
# Every tests/fuzz/fuzz_*.c is built and replayed: a harness that calls a
# function the sources do not define stops the build, naming both.
# fuzz-replay runs every harness over its seed corpus and saved regressions
# with the current compiler (and under ASan/UBSan in `make sanitize`);
# `make fuzz` builds with clang's libFuzzer in build-fuzz/ and fuzzes each
# target for FUZZ_SECONDS.
FUZZ_SECONDS ?= 10
FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
REPLAY_BIN   := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/replay_%,$(FUZZ_SRC))
FUZZ_BIN     := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
FUZZ_CFLAGS  := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

$(BUILD)/fuzz/replay_%: tests/fuzz/%.c tests/fuzz/replay.c tests/fuzz/fuzz_util.h $(LIB)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(DEP_CFLAGS) $(WARN) $(CFLAGS) $(LDFLAGS) $< tests/fuzz/replay.c $(LIB) $(DEP_LIBS) -o $@

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_util.h $(LIB)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(DEP_CFLAGS) $(WARN) $(CFLAGS) -fsanitize=fuzzer $< $(LIB) $(DEP_LIBS) -o $@

fuzz-replay: $(REPLAY_BIN)
	$(Q)sh tests/fuzz/replay.sh $(BUILD) $(FUZZ_SRC)

fuzz-build: $(FUZZ_BIN)

fuzz:
	$(Q)$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang CFLAGS='$(FUZZ_CFLAGS)' fuzz-build
	$(Q)sh tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_SRC)

# Valgrind memcheck over check, report and a tutor session (about 40 s: not
# in make test, run by .ci/run).
valgrind: $(BIN)
	$(Q)VANEX=./$(BIN) sh tests/valgrind/run.sh

# ---- benchmarks (tests/bench/): for people and notes, not run by CI ----
# Each tests/bench/*.c becomes $(BUILD)/bench/<name>, linked with the library;
# tests/bench/run.sh runs them beside the numpy and PyTorch versions and
# prints one table (its knobs, BENCH_SIZES, BENCH_BUDGET, ..., are in run.sh).
BENCH_SRC := $(sort $(wildcard tests/bench/*.c))
BENCH_BIN := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
# bench_engine_full and bench_net_full: the same drivers with engine/lowrank.c
# compiled -DVX_LOWRANK_OFF (the chain of products in full everywhere, as
# before it was factored), linked ahead of the library, whose lowrank.o the
# linker then leaves out; run.sh interleaves them with the others.
BENCH_FULL := $(BUILD)/bench/bench_engine_full $(BUILD)/bench/bench_net_full
BENCH_BIN += $(BENCH_FULL)

$(BUILD)/bench/lowrank_off.o: engine/lowrank.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(ENGINE_CFLAGS) $(WARN) $(CFLAGS) -DVX_LOWRANK_OFF -MMD -MP -c $< -o $@

$(BENCH_FULL): $(BUILD)/bench/%_full: tests/bench/%.c $(BUILD)/bench/lowrank_off.o $(LIB)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(DEP_CFLAGS) $(WARN) $(CFLAGS) $(LDFLAGS) $< $(BUILD)/bench/lowrank_off.o $(LIB) $(DEP_LIBS) -o $@

$(BUILD)/bench/%: tests/bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(DEP_CFLAGS) $(WARN) $(CFLAGS) $(LDFLAGS) $< $(LIB) $(DEP_LIBS) -o $@

bench: $(BENCH_BIN) $(BIN)
	$(Q)sh tests/deps.sh bench
	$(Q)BUILD=$(BUILD) VANEX=./$(BIN) sh tests/bench/run.sh

# The tutor's start-up and key-to-frame times (medians; TUTOR_BENCH_ARGS, e.g. --reps 21).
.PHONY: bench-tutor
bench-tutor: $(BUILD)/bench/tutor_bench
	$(Q)$(BUILD)/bench/tutor_bench $(TUTOR_BENCH_ARGS)

update-golden: $(BIN) $(UNIT_BIN)
	$(Q)VANEX_UPDATE_GOLDEN=1 $(MAKE) --no-print-directory unit e2e

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/vanex
	install -m 644 tui/vanex.1 $(DESTDIR)$(MANDIR)/man1/vanex.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vanex $(DESTDIR)$(MANDIR)/man1/vanex.1

clean:
	rm -rf $(BUILD) build-san build-fuzz $(TSAN_BUILD) $(BIN)

help:
	@echo "make            build ./vanex (objects under $(BUILD)/)"
	@echo "make run        install build dependencies if missing, build, start the tutor"
	@echo "make deps       install the build dependencies (apt-get) if missing"
	@echo "make test       install test dependencies if missing, build, run every test"
	@echo "make layers     check that every include points down a layer (part of make test)"
	@echo "make sanitize   the test suite under AddressSanitizer + UBSan"
	@echo "make tsan       the engine's threads under ThreadSanitizer (CI)"
	@echo "make fuzz       run each fuzz target for a bounded time (FUZZ_SECONDS=10)"
	@echo "make valgrind   memcheck over check, report and a tutor session"
	@echo "make bench      benchmarks against numpy / PyTorch / the dgemm floor"
	@echo "make bench-tutor  the tutor's start-up and key-to-frame times"
	@echo "make update-golden  regenerate golden files for review"
	@echo "make install    PREFIX=$(PREFIX) DESTDIR=... ; make clean"

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
