# fuzz.mk: libFuzzer builds, bounded runs and corpus coverage; included by
# the Makefile. See fuzz/README.md. Every fuzz/fuzz_<name>.c is a harness;
# its corpus is fuzz/corpus/<name>/ and its dictionary fuzz/<name>.dict
# (chunked shares http.dict, proxyhead response.dict).
#
#   make fuzz                      build $(B)/fuzz/fuzz_<name> (clang)
#   make fuzz-run FUZZ_SECONDS=60  fuzz each harness; fails on any finding
#   make fuzz-cov                  line coverage of each parser by its corpus
#   make fuzz-merge                add coverage-increasing inputs found by
#                                  fuzz-run to the in-tree corpora
#
# `make -j2 fuzz-run` runs two harnesses at a time.

FUZZ_CC		?= clang
LLVM_PROFDATA	?= $(shell command -v llvm-profdata-14 || command -v llvm-profdata)
LLVM_COV	?= $(shell command -v llvm-cov-14 || command -v llvm-cov)
FUZZ_SECONDS	?= 60
FUZZ_TIMEOUT	?= 10
FUZZ_RSS_MB	?= 2048
FUZZ_ARGS	?=

FUZZ_NAMES	= $(FUZZ_SRCS:fuzz/fuzz_%.c=%)
FUZZ_BINS	= $(FUZZ_NAMES:%=$(B)/fuzz/fuzz_%)
COV_BINS	= $(FUZZ_NAMES:%=$(B)/fuzz/cov/fuzz_%)
# What the harnesses link: the pure modules, plus src/<name>.c of a harness
# whose parser is not (yet) in PURE_NAMES.
FUZZ_LIB_SRCS	= $(sort $(PURE_SRCS) $(wildcard $(FUZZ_NAMES:%=src/%.c)))
FUZZ_OBJS	= $(FUZZ_LIB_SRCS:src/%.c=$(B)/fuzz/obj/%.o)
COV_OBJS	= $(FUZZ_LIB_SRCS:src/%.c=$(B)/fuzz/cov/obj/%.o)
FUZZ_PKG_CFLAGS	:= $(shell pkg-config --cflags libcrypto 2>/dev/null)
ifeq ($(WITH_OPENSSL),1)
FUZZ_LIBS	:= $(shell pkg-config --libs libcrypto 2>/dev/null)
endif
FUZZ_BASE	= -std=gnu11 -g -Wall -Wextra -Wno-unused-parameter \
		  -DWITH_OPENSSL=$(WITH_OPENSSL) -Isrc -I$(B) $(FUZZ_PKG_CFLAGS)
FUZZ_SAN	= -fsanitize=address,undefined -fno-sanitize-recover=all \
		  -fno-omit-frame-pointer
FUZZ_CFLAGS	= $(FUZZ_BASE) -O1 $(FUZZ_SAN)
COV_CFLAGS	= $(FUZZ_BASE) -O0 -fprofile-instr-generate -fcoverage-mapping

# Per harness: the dictionary and the parser file(s) coverage is shown for.
fuzz_dict	= $(firstword $(wildcard fuzz/$(1).dict) \
		  $(if $(filter chunked,$(1)),fuzz/http.dict) \
		  $(if $(filter proxyhead,$(1)),fuzz/response.dict))
fuzz_parser	= $(if $(filter chunked,$(1)),src/http_chunked.c, \
		  $(if $(filter response,$(1)),src/http_resp.c, \
		  $(if $(filter proxyhead,$(1)),$(FUZZ_PROXYHEAD_SRCS), \
		  $(if $(filter http,$(1)),$(FUZZ_HTTP_SRCS), \
		  $(if $(filter policy,$(1)),$(FUZZ_POLICY_SRCS), \
		  $(wildcard src/$(1).c))))))
# The proxyhead harness parses requests and responses and rebuilds them.
FUZZ_PROXYHEAD_SRCS = src/proxy_head.c src/http_resp.c
# The http harness decodes chunked bodies too.
FUZZ_HTTP_SRCS = src/http.c src/http_chunked.c
# The policy parser and printer span several files (not policy_resolve.c).
FUZZ_POLICY_SRCS = src/policy.c src/policy_value.c src/policy_print.c

.PHONY: fuzz fuzz-run fuzz-cov fuzz-merge fuzz-clean
.PHONY: $(FUZZ_NAMES:%=fuzz-run-%) $(FUZZ_NAMES:%=fuzz-merge-%)

fuzz: $(FUZZ_BINS)

$(B)/fuzz/obj/%.o: src/%.c $(wildcard src/*.h) $(GEN)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(B)/fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) \
	    $(FUZZ_LIBS)

# The serve harness links the service layer too (SERVE_NAMES, see the
# Makefile), over fuzz/conn_mem.c instead of conn_io.c.
FUZZ_SERVE_OBJS	= $(SERVE_NAMES:%=$(B)/fuzz/obj/%.o)
COV_SERVE_OBJS	= $(SERVE_NAMES:%=$(B)/fuzz/cov/obj/%.o)
FUZZ_SERVE_SRCS	= src/conn.c src/echo.c src/http_serve.c

$(B)/fuzz/fuzz_serve: fuzz/fuzz_serve.c fuzz/conn_mem.c fuzz/conn_mem.h \
    $(FUZZ_OBJS) $(FUZZ_SERVE_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Ifuzz -o $@ \
	    fuzz/fuzz_serve.c fuzz/conn_mem.c $(FUZZ_OBJS) $(FUZZ_SERVE_OBJS) \
	    $(FUZZ_LIBS)

# fuzz-run-<name>: fuzz a scratch copy of the corpus (new inputs land
# there; the in-tree corpus is only read), keep crashes in artifacts/, and
# print the final figures. The log is $(B)/fuzz/logs/<name>.log.
fuzz-run: $(FUZZ_NAMES:%=fuzz-run-%)

$(FUZZ_NAMES:%=fuzz-run-%): fuzz-run-%: $(B)/fuzz/fuzz_%
	@mkdir -p $(B)/fuzz/work/$* $(B)/fuzz/artifacts $(B)/fuzz/logs
	@if [ -d fuzz/corpus/$* ]; then cp -n fuzz/corpus/$*/* $(B)/fuzz/work/$*/ 2>/dev/null; true; fi
	@d='$(call fuzz_dict,$*)'; \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	$(B)/fuzz/fuzz_$* -max_total_time=$(FUZZ_SECONDS) \
	    -timeout=$(FUZZ_TIMEOUT) -rss_limit_mb=$(FUZZ_RSS_MB) \
	    $${d:+-dict=$$d} -print_final_stats=1 \
	    -artifact_prefix=$(B)/fuzz/artifacts/$*- $(FUZZ_ARGS) \
	    $(B)/fuzz/work/$* $(wildcard fuzz/corpus/$*) \
	    >$(B)/fuzz/logs/$*.log 2>&1; rc=$$?; \
	sh fuzz/stats.sh $* $(B)/fuzz/logs/$*.log $$rc

# fuzz-merge: fold what fuzz-run found into the in-tree corpora, keeping
# only inputs that add coverage (files are named by their SHA-1).
fuzz-merge: $(FUZZ_NAMES:%=fuzz-merge-%)

$(FUZZ_NAMES:%=fuzz-merge-%): fuzz-merge-%: $(B)/fuzz/fuzz_%
	@mkdir -p fuzz/corpus/$* $(B)/fuzz/work/$*
	@n=$$(ls fuzz/corpus/$* | wc -l); \
	$(B)/fuzz/fuzz_$* -merge=1 -timeout=$(FUZZ_TIMEOUT) \
	    -rss_limit_mb=$(FUZZ_RSS_MB) fuzz/corpus/$* $(B)/fuzz/work/$* \
	    >$(B)/fuzz/logs/$*-merge.log 2>&1 || { tail -20 $(B)/fuzz/logs/$*-merge.log; exit 1; }; \
	echo "fuzz-merge $*: $$n -> $$(ls fuzz/corpus/$* | wc -l) files"

# fuzz-cov: replay each corpus through a source-coverage build (the gcc
# replay driver, no libFuzzer) and report lines of the harness's parser.
fuzz-cov: $(COV_BINS)
	@rm -f $(B)/fuzz/cov/*.profraw $(B)/fuzz/cov/*.profdata
	@set -e; for n in $(FUZZ_NAMES); do \
	    [ -d fuzz/corpus/$$n ] || { echo "fuzz-cov $$n: no corpus"; continue; }; \
	    LLVM_PROFILE_FILE=$(B)/fuzz/cov/$$n.profraw \
	        $(B)/fuzz/cov/fuzz_$$n fuzz/corpus/$$n >/dev/null; \
	    $(LLVM_PROFDATA) merge -sparse -o $(B)/fuzz/cov/$$n.profdata \
	        $(B)/fuzz/cov/$$n.profraw; \
	done
	@for n in $(FUZZ_NAMES); do \
	    case $$n in chunked) p=src/http_chunked.c ;; \
	        response) p=src/http_resp.c ;; \
	        proxyhead) p='$(FUZZ_PROXYHEAD_SRCS)' ;; \
	        http) p='$(FUZZ_HTTP_SRCS)' ;; \
	        serve) p='$(FUZZ_SERVE_SRCS)' ;; \
	        policy) p='$(FUZZ_POLICY_SRCS)' ;; *) p=src/$$n.c ;; esac; \
	    [ -f $${p%% *} ] && [ -f $(B)/fuzz/cov/$$n.profdata ] || continue; \
	    $(LLVM_COV) report $(B)/fuzz/cov/fuzz_$$n \
	        -instr-profile=$(B)/fuzz/cov/$$n.profdata $$p \
	        >$(B)/fuzz/cov/$$n.txt; \
	    awk -v n=$$n -v p="$$p" '$$1 == "TOTAL" { printf "fuzz-cov %-10s %-16s lines %s (%s of %s missed), functions %s, branches %s\n", n, p, $$10, $$9, $$8, $$7, $$13 }' $(B)/fuzz/cov/$$n.txt; \
	done
	@if [ -f $(B)/fuzz/cov/http.profraw ] && [ -f $(B)/fuzz/cov/chunked.profraw ]; then \
	    $(LLVM_PROFDATA) merge -sparse -o $(B)/fuzz/cov/http+chunked.profdata \
	        $(B)/fuzz/cov/http.profraw $(B)/fuzz/cov/chunked.profraw; \
	    $(LLVM_COV) report $(B)/fuzz/cov/fuzz_http -object $(B)/fuzz/cov/fuzz_chunked \
	        -instr-profile=$(B)/fuzz/cov/http+chunked.profdata $(FUZZ_HTTP_SRCS) \
	        >$(B)/fuzz/cov/http+chunked.txt; \
	    awk '$$1 == "TOTAL" { printf "fuzz-cov %-10s %-16s lines %s (%s of %s missed), functions %s, branches %s\n", "http+chunked", "src/http{,_chunked}.c", $$10, $$9, $$8, $$7, $$13 }' $(B)/fuzz/cov/http+chunked.txt; \
	fi
	@if [ -f $(B)/fuzz/cov/token.profdata ]; then \
	    $(LLVM_COV) report -show-functions $(B)/fuzz/cov/fuzz_token \
	        -instr-profile=$(B)/fuzz/cov/token.profdata src/token.c \
	        >$(B)/fuzz/cov/token-functions.txt; \
	    awk '/(^|:)(hexval|token_parse_|token_chars_ok)/ { l += $$5; m += $$6 } END { if (l) printf "fuzz-cov %-10s %-16s lines %.2f%% (%d of %d missed) [parse functions only]\n", "token", "src/token.c", 100 * (l - m) / l, m, l }' $(B)/fuzz/cov/token-functions.txt; \
	fi

$(B)/fuzz/cov/obj/%.o: src/%.c $(wildcard src/*.h) $(GEN)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(COV_CFLAGS) -c -o $@ $<

$(B)/fuzz/cov/fuzz_%: fuzz/fuzz_%.c fuzz/replay.c $(COV_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(COV_CFLAGS) -o $@ $< fuzz/replay.c $(COV_OBJS) $(FUZZ_LIBS)

$(B)/fuzz/cov/fuzz_serve: fuzz/fuzz_serve.c fuzz/conn_mem.c fuzz/replay.c \
    $(COV_OBJS) $(COV_SERVE_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(COV_CFLAGS) -Ifuzz -o $@ fuzz/fuzz_serve.c \
	    fuzz/conn_mem.c fuzz/replay.c $(COV_OBJS) $(COV_SERVE_OBJS) \
	    $(FUZZ_LIBS)

fuzz-clean:
	rm -rf $(B)/fuzz
