/* SPDX-License-Identifier: ISC */
/* Connection life cycle shared by every service: buffers, timeouts, close. */
#ifndef UDSGW_CONN_H
#define UDSGW_CONN_H

#include <sys/types.h>
#include <stdint.h>

#include "buf.h"
#include "gateway.h"
#include "loop.h"

struct conn;
struct wlistener;

/*
 * A service is a set of callbacks (Postfix's single_server shape): the
 * worker owns accept and the peer check, the connection layer owns the
 * buffers, timeouts and the close; the service only turns input bytes
 * into output bytes. It reaches everything else through the connection:
 * c->c_l is its context (below), c->c_pid/c_uid/c_gid/c_label the peer,
 * and the conn_* functions change the connection's state. A service
 * never includes worker.h and never sets c_flags itself.
 *
 * open:  a peer passed the access rules; set timeouts. 0, or -1 to close.
 * deny:  a peer failed the rules; queue a refusal (or nothing). The
 *        connection closes once it is written.
 * input: c_in holds new bytes, or conn_eof() is true. Consume from c_in,
 *        append to c_out. Return 0, or -1 to close at once.
 * drain: the worker is stopping (CONN_DRAINING is set). Nothing may be
 *        lost: a request in flight, or one the peer sends before it can
 *        know, is still answered; the service closes where its protocol
 *        lets the peer see the end (HTTP: after an answer that says
 *        "Connection: close"), or leaves the connection to the peer's
 *        own close and shutdown_timeout.
 * close: release service state (c_svc).
 */
struct service {
	const char	*name;
	int		(*open)(struct conn *);
	void		(*deny)(struct conn *);
	int		(*input)(struct conn *);
	void		(*drain)(struct conn *);
	void		(*close)(struct conn *);
};

/*
 * The worker's view of one listening socket, and the context a service
 * reads through c->c_l: its listener's configuration, where that came
 * from (for logs), the counters and what /metrics renders. The worker
 * fills it in; a test can fill one in by hand (wl_ev unused then).
 */
struct wlistener {
	struct loop_ev		 wl_ev;
	int			 wl_idx;	/* metrics slot */
	const struct listener_conf *wl_conf;
	const struct route	*wl_routes;	/* proxy: wl_conf's routes */
	const struct service	*wl_svc;
	const char		*wl_file;	/* policy file name, for logs */
	/* What /metrics shows: counters wl_mset[i]->, named wl_mnames[i]. */
	const struct metrics_listener *const *wl_mset;
	const char *const	*wl_mnames;
	size_t			 wl_nmset;
	uint32_t		 wl_nconns;
	int			 wl_paused;	/* full: not polled */
	int			 wl_closed;	/* draining */
};

/* c_flags: the connection's state, set only by conn.c. */
#define CONN_EOF	0x01	/* peer shut down its write side */
#define CONN_CLOSING	0x02	/* close once c_out is flushed */
#define CONN_DRAINING	0x04	/* worker is stopping */
#define CONN_READ_OFF	0x08	/* service paused reading */
#define CONN_UID_HELD	0x10	/* counted against the per-uid cap */
#define CONN_IDLE	0x40	/* no traffic since the last sweep */
#define CONN_LINGER	0x80	/* close: half-close, drain input, close */
#define CONN_LINGERING	0x100	/* doing that now */
#define CONN_PENDING	0x20	/* input left unparsed: call input again
				   once c_out drains below CONN_OUT_HIGH */
#define CONN_REFUSED	0x200	/* refused at accept: holds no slot of
				   max_connections */
#define CONN_REFUSE_HELD 0x400	/* holds one of CONN_REFUSE_LINGER */
#define CONN_BUSY	0x800	/* an answer is being made: the peer's
				   EOF does not close the connection */
#define CONN_DEAD	0x1000	/* closed; freed by conn_reap() */

struct conn {
	struct loop_ev		 c_ev;
	struct wlistener	*c_l;
	struct conn		*c_prev, *c_next;
	struct buf		 c_in;
	struct buf		 c_out;
	uint64_t		 c_deadline;	/* monotonic ms; 0: none */
	pid_t			 c_pid;
	uid_t			 c_uid;
	gid_t			 c_gid;
	char			*c_label;	/* LSM label; NULL: none */
	uint32_t		 c_flags;
	uint32_t		 c_linger;	/* bytes discarded while lingering */
	uint64_t		 c_rbytes;	/* bytes read from the peer, total */
	uint64_t		 c_drain_mark;	/* c_rbytes when the drain began */
	void			*c_svc;		/* service state */
};

/* Set the deadline ms from now (0: none); expiry closes the connection. */
void	 conn_timeout(struct conn *, uint32_t ms);
/* Queue bytes for the peer; -1 if the output limit is reached. */
int	 conn_write(struct conn *, const void *, size_t);
/* Stop or resume reading from the peer (service-level back-pressure). */
void	 conn_read_pause(struct conn *, int pause);
/*
 * While draining: 1 if bytes read before the drain began lie beyond the
 * first `held` bytes of c_in (the end of the request being answered),
 * that is, a pipelined request already read is still to be answered;
 * 0 if the answer being made is the last. 1 when not draining.
 */
int	 conn_drain_more(const struct conn *, size_t held);
/* Close once c_out is written; lingering also half-closes first and
 * reads what the peer still sends, so that it sees the answer. */
void	 conn_close_after_flush(struct conn *);
void	 conn_close_lingering(struct conn *);
/* Input was left unparsed: call input again once c_out has drained. */
void	 conn_input_pending(struct conn *);
/*
 * The service answers a request from elsewhere (the proxy's upstream):
 * while busy, the peer's EOF (a client that half-closed after its
 * request) does not close the connection; the service closes it.
 */
void	 conn_busy(struct conn *, int busy);
/*
 * conn_kick: the service changed c_out or its state outside of an input
 * call (an upstream event): flush, run a pending input, re-poll. It may
 * close the connection: -1 then, and c is gone.
 */
int	 conn_kick(struct conn *);
/*
 * conn_detach: hand the socket over (the proxy's tunnels): stop watching
 * it and free the connection without closing the fd or giving back its
 * slots, which the new owner now holds (*uid_held: its per-uid slot
 * too). The service's close is not called: it has released c_svc and
 * set it NULL. Returns the fd.
 */
int	 conn_detach(struct conn *, int *uid_held);
/* c_in may carry a secret (a token): zero its storage when freed. */
void	 conn_wipe_input(struct conn *);

/* What the service may ask of the connection's state. */
static inline int
conn_eof(const struct conn *c)
{
	return (c->c_flags & CONN_EOF) != 0;
}

static inline int
conn_closing(const struct conn *c)
{
	return (c->c_flags & CONN_CLOSING) != 0;
}

static inline int
conn_draining(const struct conn *c)
{
	return (c->c_flags & CONN_DRAINING) != 0;
}

/*
 * conn_log_denial: the one line logged for every refused peer: who (pid,
 * uid, gid, LSM label when there is one), why, and where in the policy
 * (the deciding rule's line, or with which < 0 the listener's, for a
 * default deny, a limit or a token).
 */
void	 conn_log_denial(const struct wlistener *, const struct peer *,
	    int which, const char *why);
/*
 * conn_token_check: the token check of every service. With tok NULL the
 * service found no usable token and says why ("missing", "malformed");
 * else tok[0..len) is hashed and compared in constant time with the
 * listener's hashes. 0 if the token is good (or the listener needs
 * none); else the denial is counted and logged ("<why> token") and -1
 * is returned. The caller has made c_in wipe on free (conn_wipe_input).
 */
int	 conn_token_check(struct conn *, const uint8_t *tok, size_t len,
	    const char *why);


/* Worker side: the connection table. */
#define CONN_IN_MAX	(64 * 1024)	/* input buffer cap */
#define CONN_OUT_HIGH	(64 * 1024)	/* stop reading above this */
#define CONN_READ_MAX	(64 * 1024)	/* bytes asked of one read() */
#define CONN_LINGER_MS	2000		/* lingering close: at most this */
#define CONN_LINGER_MAX	(1024 * 1024)	/* and at most this much input */
#define CONN_REFUSE_LINGER 16		/* refused peers lingering, per
					   listener; beyond: answer, close */

/*
 * conn_new: take over fd (accepted, non-blocking); NULL on ENOMEM or if
 * the transport refuses it (fd is then still the caller's).
 */
struct conn *conn_new(struct wlistener *, int fd, const struct peer *,
	    size_t in_max, size_t out_max);
/*
 * conn_close: close now. The memory is freed by conn_reap(), called
 * after each round of events: a connection closed by another's event
 * (the proxy's upstream) may still have an event in the same round,
 * which finds it dead and is ignored.
 */
void	 conn_close(struct conn *);
void	 conn_reap(void);
/*
 * conn_start: run the service's open or deny callback and flush. A
 * refused peer gives its max_connections slot back at once: refusals
 * never take the listener's capacity. It lingers only while one of the
 * listener's CONN_REFUSE_LINGER refusal slots is free, and at most
 * CONN_LINGER_MS in all; otherwise it is closed once its answer is
 * written.
 */
void	 conn_start(struct conn *, int allowed);
void	 conn_sweep(uint64_t now);
void	 conn_drain_all(void);
size_t	 conn_count(void);
/* conn_event: the transport has events (LOOP_IN, LOOP_OUT, EPOLLHUP...). */
void	 conn_event(struct conn *, uint32_t events);

/*
 * The transport under the connections: conn_io.c (a socket watched by
 * the worker's epoll loop), or a test's own, in memory (fuzz/conn_mem.c).
 * conn.c does no I/O of its own; read, write and shutdown return what
 * the system calls would (-1 with errno EAGAIN: not now).
 */
void	 conn_setup(struct loop *);
int	 conn_io_add(struct conn *);		/* watch for input */
int	 conn_io_set(struct conn *, uint32_t events); /* LOOP_IN|LOOP_OUT */
void	 conn_io_close(struct conn *);		/* stop watching, close */
void	 conn_io_detach(struct conn *);		/* stop watching only */
ssize_t	 conn_io_read(struct conn *, void *, size_t);
ssize_t	 conn_io_write(struct conn *, const void *, size_t);
int	 conn_io_shutdown(struct conn *);	/* our write side */
/* The peer's supplementary groups, asked of the kernel now; -1/errno. */
int	 conn_io_groups(struct conn *, gid_t *, size_t max, size_t *n);
uint64_t conn_io_now(void);			/* monotonic ms */
#endif /* UDSGW_CONN_H */
