# sriovctl: declarative SR-IOV configuration for KVM/libvirt hosts.
#   make            build build/sriovctl
#   make check      install missing Debian packages (as root), build, run the tests
#   make demo       run sriovctl on the simulated seed host
#   make SANITIZE=1 check   the same under ASan+UBSan (in build-san/)
#   make check VALGRIND=1   the unit and CLI tests under valgrind (tests/valgrind-wrap)
#   make fuzz FUZZ_SECONDS=N  every libFuzzer target for N s (clang, in build-fuzz/)
#   make man        the man pages (scdoc) in build/doc/
#   make deb        the Debian package (dpkg-buildpackage in a copy of the tree) and lintian
#   make install / uninstall  PREFIX=/usr/local DESTDIR= (see the directories below)
#   make check NODEPS=1  install nothing (a package build); TESTS="PREFIX..." runs only
#                   the tests whose path starts with one (e.g. "build/tests/ tests/plan/")
VERSION  := 0.1.0
PREFIX   ?= /usr/local
DESTDIR  ?=
# an administrator's tool: sbin, section 8, as Debian places them
SBINDIR  ?= $(PREFIX)/sbin
DATADIR  ?= $(PREFIX)/share
MANDIR   ?= $(DATADIR)/man
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
# systemd and udev read /usr/local/lib too; a package passes /lib/... (see debian/rules)
UNITDIR  ?= $(PREFIX)/lib/systemd/system
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
SCDOC    ?= scdoc
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
# sriovctl itself: libvirt is dlopen()ed by its workers (reconcile/libvirt.c),
# libkmod when a module is looked at (reconcile/kmodlib.c)
CMD_LIBS   = -Wl,--as-needed $(shell pkg-config --libs $(filter-out libvirt libkmod,$(PKGS)) 2>/dev/null) -lpthread
# ASan binds its XDR interceptors at start-up: libvirt's libtirpc must be
# there then, or the dlopen()ed libvirt calls through a null pointer
SAN_LIBS  := -Wl,--no-as-needed -ltirpc
CMD_LIBS  += $(if $(filter 1,$(SANITIZE)),$(SAN_LIBS))
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
# programs the VM tier runs in the guest (tests/vm/*.c)
VM_SRC   := $(sort $(wildcard tests/vm/*.c))
VM_BIN   := $(VM_SRC:tests/vm/%.c=$(B)/tests/vm/%)

.PHONY: all check check-vm demo deps deb install uninstall man clean fmt bench bench-deps fuzz fuzz-build
all: $(B)/sriovctl

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -Ireconcile -c -o $@ $<

$(B)/libsriovctl.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

CMD_OBJ  := $(patsubst %.c,$(B)/%.o,$(sort $(wildcard cmd/*.c)))

$(B)/sriovctl: $(CMD_OBJ) $(B)/libsriovctl.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(CMD_LIBS)

$(B)/tests/%: tests/unit/%.c $(B)/libsriovctl.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(TEST_CFLAGS) -Ireconcile -o $@ $< $(B)/libsriovctl.a $(PKG_LIBS) $(TEST_LIBS)

$(B)/bench/%: tests/bench/%.c $(B)/libsriovctl.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Ireconcile -o $@ $< $(B)/libsriovctl.a $(PKG_LIBS)

$(B)/tests/vm/%: tests/vm/%.c $(B)/libsriovctl.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Ireconcile -o $@ $< $(B)/libsriovctl.a $(PKG_LIBS)

# The fake kernel is LD_PRELOADed under umockdev: never sanitized (ASan
# must not be loaded twice), position-independent.
$(B)/tests/simhost/fakekernel.so: $(SHIM_SRC) $(wildcard tests/simhost/*.h)
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra $(if $(filter 1,$(WERROR)),-Werror) -D_GNU_SOURCE \
		-fPIC -shared -o $@ $(SHIM_SRC) -ldl

# NODEPS=1: check what is there, install nothing (a package build, where
# Build-Depends is dpkg's to check)
deps:
	@$(if $(filter 1,$(NODEPS)),true,build-aux/deps.sh)

MAN_SRC  := $(sort $(wildcard doc/*.scd))
MAN_OUT  := $(MAN_SRC:doc/%.scd=$(B)/doc/%)

$(B)/doc/%: doc/%.scd
	@mkdir -p $(@D)
	$(SCDOC) <$< >$@.tmp && mv $@.tmp $@

man: $(MAN_OUT)

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
	@B=$(B) SANITIZE=$(SANITIZE) VALGRIND=$(VALGRIND) SRIOVCTL_TESTS="$(TESTS)" tests/run-tests.sh

tests: $(B)/sriovctl $(TEST_BIN) $(SHIM_SO) $(BENCH_BIN) $(VM_BIN) $(MAN_OUT)

check-vm: deps all
	@tests/vm/run

demo: deps
	@$(MAKE) --no-print-directory all $(SHIM_SO)
	@B=$(B) build-aux/demo.sh

# the Debian package, built in a copy of the tree, and lintian (build/deb/)
deb:
	@build-aux/deb.sh

# what only the benchmarks need (netplan, to run side by side); make check
# never asks for it
bench-deps:
	@$(if $(filter 1,$(NODEPS)),true,build-aux/deps.sh bench)

bench: bench-deps all tests $(BENCH_BIN)
	@B=$(B) tests/bench/run

# systemd units and udev rules, installed as they are
UNITS      ?= $(wildcard systemd/*.service systemd/*.path systemd/*.timer)
UDEV_RULES ?= $(wildcard udev/*.rules)
# What make install puts where; uninstall removes exactly these.
# name:source:destination-directory:mode
INSTALL_FILES := \
	sriovctl:$(B)/sriovctl:$(SBINDIR):755 \
	$(foreach f,$(MAN_OUT),$(notdir $(f)):$(f):$(MANDIR)/man$(subst .,,$(suffix $(f))):644) \
	sriovctl:completion/sriovctl.bash:$(BASHCOMPDIR):644 \
	$(foreach f,$(wildcard schema/*.json),$(notdir $(f)):$(f):$(DATADIR)/sriovctl:644) \
	$(foreach f,$(wildcard examples/*.yaml),$(notdir $(f)):$(f):$(DATADIR)/sriovctl/examples:644) \
	$(foreach f,$(wildcard examples/hosts/*.yaml),$(notdir $(f)):$(f):$(DATADIR)/sriovctl/examples/hosts:644) \
	$(foreach f,$(UNITS),$(notdir $(f)):$(f):$(UNITDIR):644) \
	$(foreach f,$(UDEV_RULES),$(notdir $(f)):$(f):$(UDEVRULESDIR):644)
install_field = $(word $(2),$(subst :, ,$(1)))

install: $(B)/sriovctl $(MAN_OUT)
	@set -e; $(foreach e,$(INSTALL_FILES),\
		echo "install $(call install_field,$(e),2) $(DESTDIR)$(call install_field,$(e),3)/$(call install_field,$(e),1)"; \
		install -Dm$(call install_field,$(e),4) $(call install_field,$(e),2) \
			$(DESTDIR)$(call install_field,$(e),3)/$(call install_field,$(e),1);)

# the files, then the directories of sriovctl's own that are left empty
uninstall:
	@set -e; $(foreach e,$(INSTALL_FILES),\
		rm -fv $(DESTDIR)$(call install_field,$(e),3)/$(call install_field,$(e),1);)
	@for d in $(DESTDIR)$(DATADIR)/sriovctl/examples/hosts $(DESTDIR)$(DATADIR)/sriovctl/examples \
		$(DESTDIR)$(DATADIR)/sriovctl; do \
		[ ! -d "$$d" ] || rmdir --ignore-fail-on-non-empty "$$d"; done

fmt:
	clang-format -i $(wildcard cmd/*.c reconcile/*.[ch] tests/unit/*.[ch] tests/simhost/*.c tests/fuzz/*.c)

clean:
	rm -rf build build-san build-fuzz

-include $(shell find build build-san build-fuzz -name '*.d' 2>/dev/null)
