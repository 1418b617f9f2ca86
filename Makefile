# sqlite-rnn. `make` builds dist/rnn.so; `make test` runs every test;
# `make asan` runs them again under AddressSanitizer + UndefinedBehaviorSanitizer.

CC      ?= cc
CFLAGS  ?= -O2
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes
ifdef WERROR
WARN    += -Werror
endif
# -ffp-contract=off: no multiply-add is fused unless the code says so (fmaf),
# so every build computes the same bits; -fno-math-errno lets sqrtf become
# one instruction (the same correctly rounded value, no errno).
XCFLAGS := -std=c11 -D_DEFAULT_SOURCE $(WARN) -fPIC -fvisibility=hidden -ffp-contract=off -fno-math-errno
# GCC's -O2 vectorises only loops that need no remainder handling; the
# "cheap" cost model lets it vectorise the activation and gate loops too,
# and -fno-trapping-math lets it turn their float selects into blends.
# Neither changes a computed value (still -O2, no -ffast-math: results stay
# exact and identical across CPUs, see core/gemm.c).
ifneq ($(shell $(CC) --version 2>/dev/null | grep -ci 'free software'),0)
XCFLAGS += -fvect-cost-model=cheap -fno-trapping-math
endif
# rnn_debug() reports the commit and the build date (SOURCE_DATE_EPOCH when
# set, for reproducible builds).
RNN_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD -- core ext 2>/dev/null || echo +changes)
RNN_DATE   := $(shell date -u -d @$${SOURCE_DATE_EPOCH:-$$(date +%s)} +%Y-%m-%d 2>/dev/null || echo unknown)
EXT_DEFS = -DRNN_BUILD_FLAGS='"$(strip $(CFLAGS) $(filter -fvect%,$(XCFLAGS)))"' \
           -DRNN_COMMIT='"$(RNN_COMMIT)"' -DRNN_BUILD_DATE='"$(RNN_DATE)"'
LDLIBS  := -lm -lpthread
SQLITE3 ?= sqlite3

CORE_SRC := $(filter-out core/alloc_libc.c,$(wildcard core/*.c))
EXT_SRC  := $(wildcard ext/*.c)
HEADERS  := $(wildcard core/*.h ext/*.h tests/*.h) Makefile
C_TESTS  := test_json test_grad test_ref test_blob test_text test_gemm test_global

# Everything is built in $(B); the sanitizer build uses build-asan/.
B ?= build

.PHONY: all test asan fuzz cross bench eval eval-text demo deps dev-deps clean install uninstall amalgamation python-package node-package
all: dist/rnn.so

dist/rnn.so: $(CORE_SRC) $(EXT_SRC) $(HEADERS)
	@mkdir -p dist
	$(CC) $(XCFLAGS) $(CFLAGS) $(EXT_DEFS) -shared -o $@ $(CORE_SRC) $(EXT_SRC) $(LDLIBS)

# The core is compiled once per build directory ($(B)/obj) and linked into
# the extension and every test: the same flags, so the same code as
# compiling it into each (no link-time optimisation crosses files).
CORE_OBJ := $(patsubst core/%.c,$(B)/obj/%.o,$(CORE_SRC))
LIBC_OBJ := $(B)/obj/alloc_libc.o
$(B)/obj/%.o: core/%.c $(HEADERS)
	@mkdir -p $(B)/obj
	$(CC) $(XCFLAGS) $(CFLAGS) -c -o $@ $<
.SECONDARY: $(LIBC_OBJ) # kept, not an intermediate file

$(B)/rnn.so: $(CORE_OBJ) $(EXT_SRC) $(HEADERS)
	@mkdir -p $(B)
	$(CC) $(XCFLAGS) $(CFLAGS) $(EXT_DEFS) -shared -o $@ $(CORE_OBJ) $(EXT_SRC) $(LDLIBS)

$(B)/%: tests/%.c $(CORE_OBJ) $(LIBC_OBJ) $(HEADERS)
	@mkdir -p $(B)
	$(CC) $(XCFLAGS) $(CFLAGS) -o $@ $< $(CORE_OBJ) $(LIBC_OBJ) $(LDLIBS)

# Tests of the extension inside SQLite link it statically (-DSQLITE_CORE,
# which only the extension's sources read).
$(B)/test_limits $(B)/test_oom: $(B)/%: tests/%.c $(CORE_OBJ) $(EXT_SRC) $(HEADERS)
	@mkdir -p $(B)
	$(CC) $(XCFLAGS) $(CFLAGS) -DSQLITE_CORE -o $@ $< $(CORE_OBJ) $(EXT_SRC) -lsqlite3 $(LDLIBS)

# The threads test runs under ThreadSanitizer in every build (without the
# run-time CPU dispatch of gemm.c, whose ifunc resolvers run before TSan).
$(B)/test_threads: tests/test_threads.c $(CORE_SRC) $(EXT_SRC) $(HEADERS)
	@mkdir -p $(B)
	$(CC) $(XCFLAGS) -O1 -g -fsanitize=thread -DSQLITE_CORE -o $@ $< $(CORE_SRC) $(EXT_SRC) -lsqlite3 $(LDLIBS)

SQL_TESTS := test_limits test_oom test_threads

test: $(B)/rnn.so $(addprefix $(B)/,$(C_TESTS) $(SQL_TESTS)) $(B)/model_crc dist/sqlite-rnn.c
	@tests/run.sh --sqlite3 "$(SQLITE3)" --ext $(B)/rnn --bin $(B) $(addprefix $(B)/,$(C_TESTS) $(SQL_TESTS))

# The Python and npm helper packages, with dist/rnn.so inside
# (dist/packages/python, dist/packages/node; bindings/build.sh).
python-package node-package: dist/rnn.so
	bindings/build.sh dist/rnn.so dist/packages

# The single-file build (tools/amalgamate.py): dist/sqlite-rnn.c and .h.
amalgamation: dist/sqlite-rnn.c
dist/sqlite-rnn.c: $(CORE_SRC) $(EXT_SRC) $(HEADERS) tools/amalgamate.py
	python3 tools/amalgamate.py dist

# The sanitizer build loads an instrumented extension into the system
# sqlite3 shell, so the runtime is preloaded (RNN_PRELOAD, see tests/run.sh).
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=all
asan:
	$(MAKE) test B=build-asan CFLAGS="$(ASAN_FLAGS)" \
	  RNN_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CC) -print-file-name=libubsan.so)"
export RNN_PRELOAD

# libFuzzer targets (clang, libclang-rt-14-dev), each run FUZZ_SECONDS on a
# copy of its committed seed corpus (tests/fuzz/corpus/<kind>). Predictions
# on fuzzed models may plan at most 256 MiB here.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 20
FUZZ_FLAGS   := -std=c11 -D_DEFAULT_SOURCE -g -O1 -fno-omit-frame-pointer \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                -DRNN_MAX_MEMORY='((size_t)256 << 20)'
FUZZ_TARGETS := fuzz_blob fuzz_options fuzz_json fuzz_sql fuzz_text

FUZZ_OBJ := $(patsubst core/%.c,build/fuzz/obj/%.o,$(CORE_SRC))
build/fuzz/obj/%.o: core/%.c $(HEADERS)
	@mkdir -p build/fuzz/obj
	$(FUZZ_CC) $(FUZZ_FLAGS) -c -o $@ $<
.SECONDARY: $(FUZZ_OBJ) build/fuzz/obj/alloc_libc.o

build/fuzz/fuzz_sql: tests/fuzz/fuzz_sql.c $(FUZZ_OBJ) $(EXT_SRC) $(HEADERS)
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) -DSQLITE_CORE -o $@ $< $(FUZZ_OBJ) $(EXT_SRC) -lsqlite3 $(LDLIBS)

build/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJ) build/fuzz/obj/alloc_libc.o $(HEADERS)
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_OBJ) build/fuzz/obj/alloc_libc.o $(LDLIBS)

fuzz: $(addprefix build/fuzz/,$(FUZZ_TARGETS))
	@set -e; for t in $(FUZZ_TARGETS); do \
	  kind=$${t#fuzz_}; work=build/fuzz/corpus-$$kind; \
	  rm -rf $$work; mkdir -p $$work; cp tests/fuzz/corpus/$$kind/* $$work/; \
	  build/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 $$work > build/fuzz/$$t.log 2>&1 \
	    || { tail -60 build/fuzz/$$t.log; echo "$$t: FAILED"; exit 1; }; \
	  echo "$$t: $$(grep -o 'Done [0-9]* runs in [0-9]* second(s)' build/fuzz/$$t.log), corpus $$(ls $$work | wc -l) inputs"; \
	done

# The core on aarch64 (gcc-aarch64-linux-gnu, qemu-user): its C tests pass,
# and models are byte-identical to this machine's (tests/model_crc.c).
CROSS_CC ?= aarch64-linux-gnu-gcc
QEMU     ?= qemu-aarch64 -L /usr/aarch64-linux-gnu
CROSS_OBJ := $(patsubst core/%.c,build/aarch64/obj/%.o,$(CORE_SRC) core/alloc_libc.c)
build/aarch64/obj/%.o: core/%.c $(HEADERS)
	@mkdir -p build/aarch64/obj
	$(CROSS_CC) $(XCFLAGS) -O2 -c -o $@ $<
cross: $(B)/model_crc $(CROSS_OBJ)
	@mkdir -p build/aarch64
	@set -e; for t in $(C_TESTS) model_crc; do \
	  $(CROSS_CC) $(XCFLAGS) -O2 -o build/aarch64/$$t tests/$$t.c \
	    $(CROSS_OBJ) $(LDLIBS); done
	@set -e; for t in $(C_TESTS); do $(QEMU) build/aarch64/$$t > build/aarch64/$$t.out 2>&1 \
	  || { cat build/aarch64/$$t.out; echo "aarch64 $$t: FAILED"; exit 1; }; \
	  echo "aarch64 $$t: $$(grep -c '^ok' build/aarch64/$$t.out) passed"; done
	@$(B)/model_crc > build/aarch64/crc.native
	@$(QEMU) build/aarch64/model_crc > build/aarch64/crc.aarch64
	@diff build/aarch64/crc.native build/aarch64/crc.aarch64 \
	  && echo "aarch64 models byte-identical to this machine's:" && cat build/aarch64/crc.native

# sqlite-rnn against PyTorch (python3-torch, with OpenBLAS selected as
# libblas.so.3: libopenblas0-pthread), same CPU, same run; see bench/.
BENCH_ARGS ?=
bench: $(B)/rnn.so $(B)/peak
	BENCH_PEAK=$(B)/peak /usr/bin/python3 bench/bench.py --ext $(B)/rnn $(BENCH_ARGS)

$(B)/peak: bench/peak.c core/act.h
	@mkdir -p $(B)
	$(CC) $(XCFLAGS) $(CFLAGS) -o $@ $< -lm

# Forecast accuracy of the defaults on the dev data sets (../shared/data),
# scored with the M4 protocol against Naive2 and seasonal naive; see bench/eval.py.
EVAL_ARGS ?=
eval: $(B)/rnn.so
	/usr/bin/python3 bench/eval.py --ext $(B)/rnn $(EVAL_ARGS)

# Language models on Debian's fortunes beside a unigram model and the same
# network in PyTorch (needs fortunes or fortunes-min, python3-torch); the
# last run is in bench/EVAL_TEXT.md.
eval-text: $(B)/rnn.so
	/usr/bin/python3 bench/eval_text.py --ext $(B)/rnn --out bench/EVAL_TEXT.md $(EVAL_TEXT_ARGS)

demo: dist/rnn.so
	$(SQLITE3) < sql/demo.sql

# `make deps` installs what `make demo` and `make test` need; `make
# dev-deps` adds the tools of asan, fuzz, cross, bench, eval and eval-text.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEPS     := build-essential sqlite3 libsqlite3-dev python3 pkg-config sqlite-utils litecli chromium
DEV_DEPS := clang libclang-rt-14-dev gcc-aarch64-linux-gnu qemu-user python3-torch \
            python3-numpy libopenblas0-pthread fortunes-min wamerican wngerman wfrench \
            r-cran-forecast
deps:
	$(SUDO) apt-get update
	$(SUDO) apt-get install -y $(DEPS)
	command -v node >/dev/null && command -v npm >/dev/null || $(SUDO) apt-get install -y nodejs npm
dev-deps: deps
	$(SUDO) apt-get install -y $(DEV_DEPS)

# make install [PREFIX=/usr/local] [DESTDIR=]: the loadable extension
# ($(PREFIX)/lib/sqlite-rnn/rnn.so), a static library and the header for
# programs that build it in, and a pkg-config file (sqlite-rnn.pc).
PREFIX  ?= /usr/local
LIBDIR  := $(PREFIX)/lib
INCDIR  := $(PREFIX)/include
$(B)/static/libsqlite-rnn.a: dist/sqlite-rnn.c
	@mkdir -p $(B)/static
	$(CC) $(CFLAGS) -DSQLITE_CORE -ffp-contract=off -fno-math-errno -c -o $(B)/static/sqlite-rnn.o dist/sqlite-rnn.c
	$(AR) rcs $@ $(B)/static/sqlite-rnn.o
install: dist/rnn.so $(B)/static/libsqlite-rnn.a
	install -d $(DESTDIR)$(LIBDIR)/sqlite-rnn $(DESTDIR)$(INCDIR) $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 644 dist/rnn.so $(DESTDIR)$(LIBDIR)/sqlite-rnn/rnn.so
	install -m 644 $(B)/static/libsqlite-rnn.a $(DESTDIR)$(LIBDIR)/libsqlite-rnn.a
	install -m 644 dist/sqlite-rnn.h $(DESTDIR)$(INCDIR)/sqlite-rnn.h
	sed -e 's#@PREFIX@#$(PREFIX)#' -e 's#@VERSION@#$(shell sed -n 's/^#define RNN_VERSION "\(.*\)"/\1/p' core/rnn.h)#' \
	  tools/sqlite-rnn.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/sqlite-rnn.pc
uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/sqlite-rnn/rnn.so $(DESTDIR)$(LIBDIR)/libsqlite-rnn.a \
	  $(DESTDIR)$(INCDIR)/sqlite-rnn.h $(DESTDIR)$(LIBDIR)/pkgconfig/sqlite-rnn.pc
	-rmdir $(DESTDIR)$(LIBDIR)/sqlite-rnn 2>/dev/null

clean:
	rm -rf build build-asan dist
