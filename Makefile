# uds-gateway: plain GNU make, Linux only. See README.md.
PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
MANDIR		?= $(PREFIX)/share/man
SYSCONFDIR	?= /etc
DESTDIR		?=
WITH_OPENSSL	?= 1
B		?= build
# TESTHOOK=1: a test-only build with src/testhook.c (attacker actions in a
# sandboxed worker, for tests/system/t_contain.sh). Never the release
# build directory, never installed or packaged.
TESTHOOK	?= 0

CC		?= cc
OPT		?= -O2 -g
WARN		= -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
		  -Wmissing-prototypes -Wno-unused-parameter
HARDEN		= -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
PKGS		= libseccomp libcap
ifeq ($(WITH_OPENSSL),1)
PKGS		+= libcrypto
endif
PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ifeq ($(TESTHOOK),1)
ifeq ($(filter-out build build-clang build-nossl build-asan,$(B)),)
$(error TESTHOOK=1 needs a build directory of its own, e.g. B=build-hook)
endif
HOOK_CFLAGS	= -DGW_TESTHOOK
else ifneq ($(TESTHOOK),0)
$(error TESTHOOK must be 0 or 1)
endif
ALL_CFLAGS	= -std=gnu11 $(OPT) $(WARN) $(HARDEN) $(PKG_CFLAGS) \
		  -DWITH_OPENSSL=$(WITH_OPENSSL) $(HOOK_CFLAGS) -Isrc -I$(B) \
		  $(SAN) $(CFLAGS)
ALL_LDFLAGS	= -pie -Wl,-z,relro -Wl,-z,now $(SAN) $(LDFLAGS)

# Modules linked into unit tests and fuzz harnesses: the pure ones, plus
# policy_resolve (NSS) for the policy tests and notify and log, whose
# address parser is pure but which also send.
PURE_NAMES	= buf compat http http_chunked http_resp proxy_head \
		  policy policy_value policy_print \
		  policy_upstream proxy_v2 \
		  policy_resolve token access metrics activation notify log fdpass \
		  ratelimit route
PURE_SRCS	= $(filter $(addprefix src/,$(addsuffix .c,$(PURE_NAMES))), \
		  $(wildcard src/*.c))
PURE_OBJS	= $(PURE_SRCS:src/%.c=$(B)/%.o)
# The service layer, linked by the serve harness over an in-memory
# transport (fuzz/conn_mem.c) in place of conn_io.c: no socket, no loop.
SERVE_NAMES	= conn echo http_serve service proxy forward upchan loop
SERVE_OBJS	= $(SERVE_NAMES:%=$(B)/%.o)
SRCS		= $(filter-out $(if $(HOOK_CFLAGS),,src/testhook.c), \
		  $(wildcard src/*.c))
OBJS		= $(SRCS:src/%.c=$(B)/%.o)
GEN		= $(B)/worker_syscalls.inc $(B)/connector_syscalls.inc \
		  $(B)/default_policy.inc
UNIT_SRCS	= $(wildcard tests/unit/test_*.c)
UNIT_BINS	= $(UNIT_SRCS:tests/unit/%.c=$(B)/%)
FUZZ_SRCS	= $(wildcard fuzz/fuzz_*.c)
REPLAY_BINS	= $(FUZZ_SRCS:fuzz/%.c=$(B)/replay_%)

.PHONY: all run check unit replay system install clean lint deps fuzz fuzz-run

all: $(B)/uds-gateway $(B)/seccomp_probe $(B)/connector_probe

$(B):
	@mkdir -p $(B)

$(B)/worker_syscalls.inc: policy/worker.syscalls scripts/gen-syscalls.sh | $(B)
	sh scripts/gen-syscalls.sh policy/worker.syscalls $@ sb_worker_rules

$(B)/connector_syscalls.inc: policy/connector.syscalls scripts/gen-syscalls.sh | $(B)
	sh scripts/gen-syscalls.sh policy/connector.syscalls $@ sb_connector_rules

$(B)/default_policy.inc: policy/default.policy | $(B)
	sh scripts/embed.sh policy/default.policy default_policy > $@.tmp && mv $@.tmp $@

$(B)/%.o: src/%.c $(wildcard src/*.h) $(GEN) | $(B)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libpure.a: $(PURE_OBJS) Makefile
	rm -f $@ && ar rcs $@ $(PURE_OBJS)

$(B)/uds-gateway: $(OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/seccomp_probe: tests/system/seccomp_probe.c $(filter-out $(B)/main.o,$(OBJS))
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/connector_probe: tests/system/connector_probe.c src/fdpass.c \
    src/fdpass.h src/connector.h src/fwd_proto.h src/gateway.h | $(B)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ tests/system/connector_probe.c \
	    src/fdpass.c

$(B)/test_%: tests/unit/test_%.c tests/unit/*.h $(B)/libpure.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -DTEST_DATA_DIR='"tests/unit/data"' \
	    -o $@ $< $(B)/libpure.a -lcmocka $(PKG_LIBS)

$(B)/replay_%: fuzz/%.c fuzz/replay.c $(B)/libpure.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< fuzz/replay.c \
	    $(B)/libpure.a $(PKG_LIBS)

$(B)/replay_fuzz_serve: fuzz/fuzz_serve.c fuzz/conn_mem.c fuzz/conn_mem.h \
    fuzz/replay.c $(SERVE_OBJS) $(B)/libpure.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -Ifuzz -o $@ fuzz/fuzz_serve.c \
	    fuzz/conn_mem.c fuzz/replay.c $(SERVE_OBJS) $(B)/libpure.a \
	    $(PKG_LIBS)

unit: $(UNIT_BINS)
replay: $(REPLAY_BINS)

# scripts/run.sh checks, installs (deps.sh run), builds, then starts.
run:
	@MAKE='$(MAKE)' B='$(B)' sh scripts/run.sh

deps:
	@sh scripts/deps.sh build

check:
	@sh scripts/deps.sh test
	@sh tests/check.sh

# curl-style banned functions: a call, not a word in a string or comment.
BANNED		= strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|strncpy|alloca|system|popen
lint:
	@if grep -nE '(^|[^_a-zA-Z0-9.>])($(BANNED))[[:space:]]*\(' src/*.c src/*.h; then \
	    echo "lint: banned function (see STYLE.md)"; exit 1; fi

# Where the systemd files go: systemd's own pkg-config variables, else
# the usual paths. Debian and RPM builds pass them explicitly.
UNITDIR		?= $(or $(shell pkg-config --variable=systemdsystemunitdir \
		    systemd 2>/dev/null),/usr/lib/systemd/system)
SYSUSERSDIR	?= $(or $(shell pkg-config --variable=sysusersdir \
		    systemd 2>/dev/null),/usr/lib/sysusers.d)
# The units name the binary as /usr/sbin/uds-gateway; installed, it is
# wherever SBINDIR says.
UNIT_SED	= -e 's|/usr/sbin/uds-gateway|$(SBINDIR)/uds-gateway|g' \
		  -e 's|/etc/uds-gateway/|$(SYSCONFDIR)/uds-gateway/|g'

install: $(B)/uds-gateway
	@if [ "$(TESTHOOK)" != 0 ]; then \
	    echo "install: refusing a TESTHOOK=1 build"; exit 1; fi
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSCONFDIR)/uds-gateway \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	install -m 0755 $(B)/uds-gateway $(DESTDIR)$(SBINDIR)/uds-gateway
	install -m 0644 policy/gateway.policy \
	    $(DESTDIR)$(SYSCONFDIR)/uds-gateway/gateway.policy
	install -m 0644 docs/uds-gateway.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 docs/uds-gateway.policy.5 $(DESTDIR)$(MANDIR)/man5/
	for u in uds-gateway.service uds-gateway.socket; do \
	    sed $(UNIT_SED) packaging/systemd/$$u > $(DESTDIR)$(UNITDIR)/$$u.tmp && \
	    chmod 0644 $(DESTDIR)$(UNITDIR)/$$u.tmp && \
	    mv $(DESTDIR)$(UNITDIR)/$$u.tmp $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	install -m 0644 packaging/systemd/uds-gateway.sysusers \
	    $(DESTDIR)$(SYSUSERSDIR)/uds-gateway.conf

clean:
	rm -rf build build-*

# Targets kept beside what they build: fuzz, fuzz-run, fuzz-cov; bench;
# deb, rpm, package-check.
-include fuzz/fuzz.mk
-include bench/bench.mk
-include packaging/packaging.mk
