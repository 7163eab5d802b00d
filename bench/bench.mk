# Benchmarks (not part of `make check`): included by the top-level Makefile.
#   make loadgen   build $(B)/loadgen
#   make bench     install nginx-light, nodejs, gnuplot-nox, wrk if missing
#                  (as root), then compare uds-gateway with nginx and Node;
#                  results in bench/results/. Knobs: REPS, DUR, WARM, IDLE_N.
LOADGEN_CFLAGS	= -std=gnu11 -O2 -Wall -Wextra -Werror

.PHONY: bench bench-reload loadgen

$(B)/loadgen: bench/loadgen.c bench/bench.mk | $(B)
	$(CC) $(LOADGEN_CFLAGS) $(CFLAGS) -o $@ bench/loadgen.c -lpthread $(LDFLAGS)

loadgen: $(B)/loadgen

bench:
	@sh scripts/deps.sh build
	@sh scripts/deps.sh bench
	@$(MAKE) --no-print-directory all loadgen
	B=$(B) bash bench/run.sh

# Requests lost across two SIGHUPs under load, uds-gateway vs nginx
# (bench/reload.sh; results in bench/results/reload.md). Knobs: REPS, DUR.
bench-reload:
	@sh scripts/deps.sh build
	@sh scripts/deps.sh bench
	@$(MAKE) --no-print-directory all loadgen
	B=$(B) bash bench/reload.sh

# make bench-forward: the forward service against socat and
# systemd-socket-proxyd on one upstream, and the splice/copy crossover;
# results in bench/results/forward.md.
.PHONY: bench-forward
bench-forward:
	@$(MAKE) --no-print-directory all loadgen
	B=$(B) bash bench/forward.sh

# make bench-proxy: service proxy against nginx proxy_pass and HAProxy on
# one upstream, and 12 routes against one (bench/proxy.sh; results in
# bench/results/proxy-DATE.txt). Knobs: REPS, DUR, KA, CONNS, PERF=1.
.PHONY: bench-proxy
$(B)/routebench: bench/routebench.c $(B)/libpure.a
	$(CC) $(LOADGEN_CFLAGS) -Isrc -I$(B) $(CFLAGS) -o $@ bench/routebench.c \
	    $(B)/libpure.a $(PKG_LIBS) $(LDFLAGS)

bench-proxy:
	@$(MAKE) --no-print-directory all loadgen $(B)/routebench
	B=$(B) bash bench/proxy.sh
