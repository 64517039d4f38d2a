# mailtree — plain GNU make.
#
#   make            build everything into $(O) (default build/)
#   make run        install dependencies if missing, build, set up the demo store
#   make test       install dependencies if missing, build, run every test tier
#                   on the normal build and on an ASan+UBSan build (build-asan/)
#   make check-asan the tests on the ASan+UBSan build only
#   make fuzz       build libFuzzer targets with clang (build-fuzz/)
#   make bench      benchmarks against the peer (Dovecot)
#   make install    PREFIX=/usr/local DESTDIR=
#   make clean

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
O       ?= build
CC      ?= gcc
CFLAGS  ?= -O2 -g
SAN     ?=

# Libraries are found with pkg-config.  These are recursively expanded so
# that `make test` on a fresh machine can install them before they are asked.
PKGS_LIB  = libxxhash libcrypt openssl
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS_LIB))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS_LIB))
FUSE_CFLAGS = $(shell pkg-config --cflags fuse3)
FUSE_LIBS   = $(shell pkg-config --libs fuse3)
# The daemon and the tests of its parts also need libuv.
PKGS_FRONT = libuv openssl
FRONT_CFLAGS = $(shell pkg-config --cflags $(PKGS_FRONT))
FRONT_LIBS   = $(shell pkg-config --libs $(PKGS_FRONT))

WARN     = -Wall -Wextra -Werror -Wformat=2 -Wno-format-nonliteral \
	   -Wmissing-prototypes -Wstrict-prototypes -Wvla
ifeq ($(SAN),1)
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
endif
ALL_CFLAGS  = -std=gnu11 $(WARN) $(CFLAGS) $(SANFLAGS) -D_GNU_SOURCE \
	      -Ifs -Ifrontends $(PKG_CFLAGS) $(FRONT_CFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

LIB_SRC   = $(wildcard fs/*.c)
LIB_OBJ   = $(LIB_SRC:%.c=$(O)/%.o)
LIB       = $(O)/libmailtree.a
TOOL_SRC  = $(wildcard tools/*.c)
TOOL_OBJ  = $(TOOL_SRC:%.c=$(O)/%.o)
# The FUSE view: fs/view/ is a program, not part of the library.  Its
# FUSE-free files (names, property rendering) are also linked into the
# tests/unit/test-view-*.c unit tests.
VIEW_SRC  = $(wildcard fs/view/*.c)
VIEW_OBJ  = $(VIEW_SRC:%.c=$(O)/%.o)
VIEW_PURE = $(O)/fs/view/names.o $(O)/fs/view/props.o
# mailtreed: every frontends/*.c and frontends/*/*.c; all but the one with
# main() also go into an archive that the unit tests and fuzz targets link.
FRONT_SRC  = $(wildcard frontends/*.c frontends/*/*.c)
FRONT_MAIN = $(O)/frontends/mailtreed.o
FRONT_OBJ  = $(filter-out $(FRONT_MAIN),$(FRONT_SRC:%.c=$(O)/%.o))
FRONT_LIB  = $(O)/libfrontends.a
UNIT_SRC  = $(wildcard tests/unit/test-*.c)
UNIT_BIN  = $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)
# Helper programs of the shell tests: tests/tools/NAME.c -> $(O)/tests/NAME.
TOOLT_SRC = $(wildcard tests/tools/*.c)
TOOLT_BIN = $(TOOLT_SRC:tests/tools/%.c=$(O)/tests/%)
FUZZ_SRC  = $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_BIN  = $(FUZZ_SRC:tests/fuzz/%.c=$(O)/tests/%)
PROGS     = $(O)/mailtree $(O)/mailtree-fs $(O)/mailtreed
MANPAGES  = $(wildcard man/*.[1-8])

.PHONY: all deps run test check-asan tests-build fuzz bench install clean
# Keep the objects of test programs: they are inputs, not scratch files.
.SECONDARY:

all: $(PROGS)

deps:
	@tools/install-deps --check || tools/install-deps

# Quiet by default; `make V=1` prints the full commands.
ifeq ($(V),1)
Q =
else
Q = @
endif

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	@$(if $(Q),echo "  AR      $@")
	$(Q)$(AR) rcs $@ $^

$(O)/mailtree: $(TOOL_OBJ) $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(TOOL_OBJ) $(LIB) $(PKG_LIBS)

$(O)/fs/view/%.o: fs/view/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(FUSE_CFLAGS) -c -o $@ $<

$(O)/mailtree-fs: $(VIEW_OBJ) $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(VIEW_OBJ) $(LIB) $(PKG_LIBS) $(FUSE_LIBS)

$(O)/tests/test-view-%: $(O)/tests/unit/test-view-%.o $(VIEW_PURE) $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(VIEW_PURE) $(LIB) $(PKG_LIBS)

$(FRONT_LIB): $(FRONT_OBJ)
	@rm -f $@
	@$(if $(Q),echo "  AR      $@")
	$(Q)$(AR) rcs $@ $^

$(O)/mailtreed: $(FRONT_MAIN) $(FRONT_LIB) $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(FRONT_MAIN) $(FRONT_LIB) $(LIB) \
	    $(PKG_LIBS) $(FRONT_LIBS)

$(O)/tests/test-%: $(O)/tests/unit/test-%.o $(FRONT_LIB) $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(FRONT_LIB) $(LIB) $(PKG_LIBS) \
	    $(FRONT_LIBS)

$(O)/tests/%: $(O)/tests/tools/%.o $(VIEW_PURE) $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(VIEW_PURE) $(LIB) $(PKG_LIBS)

# The floor under the FUSE rows of make bench: a FUSE file system that
# does nothing, with mailtree-fs's request loop for its -o fast.
$(O)/tests/fuse-floor: tests/bench/fuse-floor.c $(O)/fs/view/loop.o $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(FUSE_CFLAGS) $(ALL_LDFLAGS) -o $@ $< \
	    $(O)/fs/view/loop.o $(LIB) $(PKG_LIBS) $(FUSE_LIBS)

# Fuzz targets are also built with an ordinary main() that replays files,
# so the test suite runs every target over the corpus without clang.
$(O)/tests/fuzz-%: $(O)/tests/fuzz/fuzz-%.o $(O)/tests/fuzz/driver.o \
		   $(FRONT_LIB) $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(O)/tests/fuzz/driver.o \
	    $(FRONT_LIB) $(LIB) $(PKG_LIBS) $(FRONT_LIBS)

$(O)/tests/fuzz/driver.o: tests/fuzz/driver.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

tests-build: $(PROGS) $(UNIT_BIN) $(FUZZ_BIN) $(TOOLT_BIN)

run: deps
	@$(MAKE) --no-print-directory all
	@tools/demo $(O)

# The suite runs twice: on the normal build and on an ASan+UBSan build.
test: deps
	@$(MAKE) --no-print-directory tests-build
	@$(MAKE) --no-print-directory O=build-asan SAN=1 tests-build
	@tests/run-tests $(O) build-asan

check-asan: deps
	@$(MAKE) --no-print-directory O=build-asan SAN=1 tests-build
	@tests/run-tests build-asan

fuzz: deps
	@$(MAKE) --no-print-directory O=build-fuzz CC=clang \
	    SANFLAGS="-fsanitize=fuzzer-no-link,address,undefined" \
	    build-fuzz/libmailtree.a build-fuzz/libfrontends.a
	@tests/fuzz/build-libfuzzer build-fuzz

bench: deps
	@$(MAKE) --no-print-directory all $(O)/tests/fuse-floor
	@tests/bench/run $(O)

# mailtreed is a daemon an administrator starts, so it goes to sbin.
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(O)/mailtree $(O)/mailtree-fs $(DESTDIR)$(BINDIR)/
	install -m 755 $(O)/mailtreed $(DESTDIR)$(SBINDIR)/
	for m in $(MANPAGES); do \
		s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/; \
	done

clean:
	@! mountpoint -q demo/mnt 2>/dev/null || fusermount3 -u demo/mnt
	@! test -f demo/mailtreed.pid || kill $$(cat demo/mailtreed.pid) 2>/dev/null || true
	rm -rf build build-asan build-fuzz demo

-include $(LIB_OBJ:.o=.d) $(TOOL_OBJ:.o=.d) $(VIEW_OBJ:.o=.d) \
	$(FRONT_SRC:%.c=$(O)/%.d) $(UNIT_SRC:%.c=$(O)/%.d) $(FUZZ_SRC:%.c=$(O)/%.d) \
	$(TOOLT_SRC:%.c=$(O)/%.d)
