/* SPDX-License-Identifier: ISC */
/* service forward: the worker's side, relaying a peer to its upstream. */
#ifndef UDSGW_FORWARD_H
#define UDSGW_FORWARD_H

#include <stddef.h>
#include <stdint.h>

#include "gateway.h"

struct loop;
struct wlistener;

/* Bytes one direction holds in flight (buffer or pipe) at most. */
#define FORWARD_WINDOW		(64 * 1024)
/*
 * A read at least this large moves its direction to splice(2) through a
 * pipe; a pipe found empty when its source has nothing more goes back
 * to the pool (the relay copies again until the next large read). See
 * bench/README.md for the measurement behind the value.
 */
#ifndef FORWARD_SPLICE_MIN	/* bench/forward.sh builds with others */
#define FORWARD_SPLICE_MIN	(16 * 1024)
#endif
#define FORWARD_PIPE_POOL	16	/* idle pipes kept per worker */
/*
 * A splicing direction's pipe is grown to this (F_SETPIPE_SZ, capped by
 * fs.pipe-max-size; the default 64 KiB stays if that fails): fewer,
 * larger splices for a bulk stream. Kernel memory, and only while the
 * direction is busy: an idle side's pipe goes back to the pool.
 */
#define FORWARD_PIPE_SIZE	(256 * 1024)
#define FORWARD_AUTH_MAX	600	/* "AUTH " + token + CR LF */
#define FORWARD_CONNECTOR_GRACE_MS 1000	/* beyond connect_timeout */

/*
 * forward_setup: the worker's loop and its channel to the connector
 * (WORKER_FD_UPSTREAM), registered for replies. Call once, before the
 * sandbox; fatal on error.
 */
void	 forward_setup(struct loop *l, int chan);

/*
 * forward_start: take over fd, an admitted peer of forward listener wl
 * (its max_connections slot, and its per-uid slot when uid_held, are
 * released when the connection ends): wait for the AUTH line if the
 * listener has tokens, ask the connector for an upstream connection,
 * then relay. 0, or -1 (out of memory: nothing taken over).
 */
int	 forward_start(struct wlistener *wl, int fd, const struct peer *peer,
	    int uid_held);

/*
 * forward_adopt: relay peer fd and upstream ufd, both connected, from
 * now on: a proxied connection that became a tunnel (an upgrade, a
 * hijack). up[0..uplen) is sent upstream first, down[0..downlen) to the
 * peer first (each at most FORWARD_WINDOW); idle_ms is the inactivity
 * allowed; audit, if not NULL, is written when the tunnel closes.
 * Takes over both fds and the connection's max_connections
 * slot (and per-uid slot when uid_held) in every case: on failure (-1,
 * out of memory) they are closed and released.
 */
/*
 * A proxied tunnel's audit record, written when it closes: head is the
 * JSON object up to its status (no closing brace); the bytes through
 * the tunnel are added to the request's.
 */
struct forward_audit {
	int		 on;
	char		 head[1600];
	uint64_t	 start_ms;
	uint64_t	 bytes_in;
	uint64_t	 bytes_out;
};

int	 forward_adopt(struct wlistener *wl, int fd, int ufd,
	    const struct peer *peer, int uid_held, const uint8_t *up,
	    size_t uplen, const uint8_t *down, size_t downlen,
	    uint32_t idle_ms, const struct forward_audit *audit);

/* forward_sweep: timeouts (auth, connect, idle); call every tick. */
void	 forward_sweep(uint64_t now);
/* forward_reap: free the connections closed during the last dispatch. */
void	 forward_reap(void);
/* forward_count: forwarded connections open (for the drain). */
size_t	 forward_count(void);

#endif /* UDSGW_FORWARD_H */
