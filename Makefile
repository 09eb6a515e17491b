# sriovctl: declarative SR-IOV configuration for KVM/libvirt hosts.
#   make            build build/sriovctl
#   make check      install missing Debian packages (as root), build, run the tests
#   make demo       run sriovctl on the simulated seed host
#   make SANITIZE=1 check   the same under ASan+UBSan (in build-san/)
#   make check VALGRIND=1   the unit and CLI tests under valgrind (tests/valgrind-wrap)
#   make fuzz FUZZ_SECONDS=N  every libFuzzer target for N s (clang, in build-fuzz/)
VERSION  := 0.1.0
PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= cc
PKGS     := yaml-0.1 libudev libpci libkmod libvirt libxml-2.0 libmnl json-c
TESTPKGS := cmocka

ifeq ($(SANITIZE),1)
B        := build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
B        := build
SANFLAGS :=
endif

WERROR   ?= $(if $(filter true,$(CI)),1,0)
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Wshadow -Wno-missing-field-initializers \
            -Wformat=2 -Wno-format-nonliteral -D_GNU_SOURCE -DVERSION='"$(VERSION)"' \
            -MD -MP $(SANFLAGS) $(if $(filter 1,$(WERROR)),-Werror)
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
TEST_CFLAGS = $(shell pkg-config --cflags $(TESTPKGS) 2>/dev/null)
TEST_LIBS   = $(shell pkg-config --libs $(TESTPKGS) 2>/dev/null)

LIB_SRC  := $(sort $(wildcard reconcile/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o)
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(B)/tests/%)
SHIM_SRC := $(sort $(wildcard tests/simhost/*.c))
SHIM_SO  := $(if $(SHIM_SRC),$(B)/tests/simhost/fakekernel.so)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
BENCH_SRC := $(sort $(wildcard tests/bench/*.c))
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(B)/bench/%)

.PHONY: all check check-vm demo deps install clean fmt bench fuzz fuzz-build
all: $(B)/sriovctl

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Ireconcile -c -o $@ $<

$(B)/libsriovctl.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

CMD_OBJ  := $(patsubst %.c,$(B)/%.o,$(sort $(wildcard cmd/*.c)))

$(B)/sriovctl: $(CMD_OBJ) $(B)/libsriovctl.a
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/tests/%: tests/unit/%.c $(B)/libsriovctl.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(TEST_CFLAGS) -Ireconcile -o $@ $< $(B)/libsriovctl.a $(PKG_LIBS) $(TEST_LIBS)

$(B)/bench/%: tests/bench/%.c $(B)/libsriovctl.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Ireconcile -o $@ $< $(B)/libsriovctl.a $(PKG_LIBS)

# The fake kernel is LD_PRELOADed under umockdev: never sanitized (ASan
# must not be loaded twice), position-independent.
$(B)/tests/simhost/fakekernel.so: $(SHIM_SRC) $(wildcard tests/simhost/*.h)
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra $(if $(filter 1,$(WERROR)),-Werror) -D_GNU_SOURCE \
		-fPIC -shared -o $@ $(SHIM_SRC) -ldl

deps:
	@build-aux/deps.sh

# libFuzzer targets: the library built again with clang and the fuzzer's
# coverage instrumentation, each target run for FUZZ_SECONDS on a copy of
# its in-tree corpus (tests/fuzz/corpus/TARGET); any crash, leak or
# timeout fails (tests/fuzz/run).
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FB           := build-fuzz
FUZZ_FLAGS   := -g -O1 -std=gnu11 -D_GNU_SOURCE -DVERSION='"$(VERSION)"' -MD -MP \
                -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_OBJ     := $(LIB_SRC:%.c=$(FB)/%.o)
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=$(FB)/%)

$(FB)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link,address,undefined $(PKG_CFLAGS) -Ireconcile -c -o $@ $<

$(FB)/libsriovctl.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(FB)/fuzz_%: tests/fuzz/fuzz_%.c $(FB)/libsriovctl.a
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) -Ireconcile \
		-o $@ $< $(FB)/libsriovctl.a $(PKG_LIBS)

fuzz-build: $(FUZZ_BIN)

fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@FB=$(FB) tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_TARGETS)

check: deps
	@$(MAKE) --no-print-directory all tests
	@B=$(B) SANITIZE=$(SANITIZE) VALGRIND=$(VALGRIND) tests/run-tests.sh

tests: $(B)/sriovctl $(TEST_BIN) $(SHIM_SO) $(BENCH_BIN)

check-vm: deps all
	@tests/vm/run

demo: deps
	@$(MAKE) --no-print-directory all $(SHIM_SO)
	@B=$(B) build-aux/demo.sh

bench: all tests $(BENCH_BIN)
	@B=$(B) tests/bench/run

install: $(B)/sriovctl
	install -Dm755 $(B)/sriovctl $(DESTDIR)$(PREFIX)/bin/sriovctl
	install -Dm644 schema/sriovctl.schema.json $(DESTDIR)$(PREFIX)/share/sriovctl/sriovctl.schema.json
	install -Dm644 schema/host-state.schema.json $(DESTDIR)$(PREFIX)/share/sriovctl/host-state.schema.json
	install -Dm644 schema/plan.schema.json $(DESTDIR)$(PREFIX)/share/sriovctl/plan.schema.json

fmt:
	clang-format -i $(wildcard cmd/*.c reconcile/*.[ch] tests/unit/*.[ch] tests/simhost/*.c tests/fuzz/*.c)

clean:
	rm -rf build build-san build-fuzz

-include $(shell find build build-san build-fuzz -name '*.d' 2>/dev/null)
