/* SPDX-License-Identifier: ISC */
/* Monitor internals shared by parent.c, parent_sock.c, parent_worker.c. */
#ifndef UDSGW_PARENT_INT_H
#define UDSGW_PARENT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "gateway.h"
#include "parent.h"

#define GEN_MAX			4	/* serving + draining generations */
#define GEN_WORKERS_MAX		PARENT_WORKERS_MAX	/* of one generation */

struct activation;
struct metrics_shm;

/*
 * What one listener's workers get, and nothing of any other listener:
 * a sealed memfd with a policy that holds only this listener (its
 * rules, limits and token hashes; its worker user as the policy's),
 * and its own counters.
 */
struct glistener {
	int			 gl_policy_fd;	/* sealed memfd */
	int			 gl_metrics_fd;	/* sealed against resizing */
	int			 gl_metrics_ro;	/* the same, read-only */
	struct metrics_shm	*gl_shm;	/* our mapping of it */
	size_t			 gl_shm_size;
	size_t			 gl_nworkers;
	int			 gl_failures;	/* failed starts in a row */
	int			 gl_given_up;	/* ... too many: not restarted */
	struct metrics_shm	*gl_layout;	/* our copy of gl_shm's layout */
};

/*
 * A generation: one policy, the workers started with it and the sockets
 * they serve. SIGHUP makes a new one current; the older ones drain and
 * are freed when their last worker has exited.
 */
struct gen {
	int			 g_used;
	unsigned long		 g_id;		/* 1, 2, ... for logs */
	struct policy		*g_pol;
	struct glistener	 g_l[POLICY_MAX_LISTENERS];
	int			 g_sock[POLICY_MAX_LISTENERS]; /* in socks[] */
	size_t			 g_nworkers;	/* of all its listeners */
	int			 g_ready;	/* every worker was ready */
	uint64_t		 g_kill_at;	/* draining: SIGKILL then */
};

/*
 * The listening sockets (parent_sock.c) live in one table for every
 * generation; a generation's g_sock[] holds indexes into it.
 *
 * parent_sock_gen: give generation g (g_pol and g_id set) a socket for
 * each listener, in g->g_sock[], adopting inherited fds from act (NULL
 * on a reload) and marking them in used. Returns 0, or -1 with nothing
 * changed.
 */
int	 parent_sock_gen(struct gen *g, struct activation *act, int *used);

/*
 * parent_sock_unref: a generation is done with socket k; the last one
 * closes it, and removes its path when unlink_path is set.
 */
void	 parent_sock_unref(int k, int unlink_path);

/* parent_sock_fd: the listening descriptor of socket k. */
int	 parent_sock_fd(int k);
/*
 * parent_sock_refuse_new: at stop, shut the read side of every socket we
 * made: a connect() from then on fails (ECONNREFUSED) instead of waiting
 * in a backlog nobody will accept; what is queued is still accepted.
 * Sockets from systemd are left alone (their queue is the next start's).
 */
void	 parent_sock_refuse_new(void);

/*
 * parent_sock_activation_init: read and unset the LISTEN_* variables
 * into act; 0, or -1 when they are malformed.
 * parent_sock_activation_close_unused: close the inherited fds that no
 * listener claimed.
 */
int	 parent_sock_activation_init(struct activation *act);
void	 parent_sock_activation_close_unused(const struct activation *act,
	    const int *used);

/*
 * Starting a worker (parent_worker.c).
 *
 * parent_worker_prepare_chroot: as root, check the runtime directory
 * (GW_RUN_DIR: root's, not group or world writable), make (if missing)
 * and check the empty, root-owned GW_CHROOT_DIR the workers chroot
 * into, and keep it open (O_PATH) for them; fatal if it is not so.
 * parent_worker_gen_init: mark g's descriptors unused (-1), before a
 * make or after a free.
 * parent_worker_make_shared: give each listener of g its sealed policy
 * memfd and fresh counters (g_l[]); 0, or -1 logged
 * (parent_worker_free_shared then undoes the part made).
 * parent_worker_free_shared: close and unmap them.
 * parent_worker_child_exec: in the forked child, hand the parent the
 * status descriptor on ipc, place the descriptors of listener l of g
 * (and chan, its connector channel, or -1) where worker.h says and
 * exec worker number slot with flags
 * (WORKER_F_*); on any error it exits 127, it never returns.
 * parent_worker_recv_status_fd: that status descriptor, read from ipc
 * (waiting a few seconds at most), or -1: with why empty if the child
 * died before sending it, else why says what went wrong.
 */
void	 parent_worker_prepare_chroot(void);
/* parent_worker_chroot_fd: that directory (O_PATH), or -1 when not root. */
int	 parent_worker_chroot_fd(void);
void	 parent_worker_gen_init(struct gen *g);
int	 parent_worker_make_shared(struct gen *g);
void	 parent_worker_free_shared(struct gen *g);
void	 parent_worker_repair(struct gen *g, size_t l);
void	 parent_worker_child_exec(const struct gen *g, size_t l, size_t slot,
	    int flags, int ipc, int chan);
int	 parent_worker_recv_status_fd(int ipc, char *why, size_t whylen);

/*
 * Connectors (parent_connector.c): one per upstream of each generation.
 *
 * parent_connector_init: the monitor's loop and options, once.
 * parent_connector_gen_start: start the connectors of generation gi
 * (policy p, which must outlive them; gen_id for logs).
 * parent_connector_gen_free: stop them (SIGTERM) and close every
 * channel of gi.
 * parent_connector_channel: a new channel from a worker of gi to the
 * connector of upstream up: returns the worker's end (close it after
 * the fork), or -1 logged; the connector's end is kept under *chan_id
 * and handed to the connector now and whenever it restarts.
 * parent_connector_channel_close: the worker is gone: forget its channel.
 * parent_connector_reaped: 1 if pid was a connector (logged, and
 * restarted with back-off unless stopping), else 0.
 * parent_connector_tick: start the connectors whose back-off is over.
 * parent_connector_signal_all: send sig to every connector.
 */
struct loop;
struct parent_opts;
void	 parent_connector_init(struct loop *l, const struct parent_opts *o);
void	 parent_connector_gen_start(int gi, const struct policy *p,
	    unsigned long gen_id);
void	 parent_connector_gen_free(int gi);
int	 parent_connector_channel(int gi, size_t up, int *chan_id);
void	 parent_connector_channel_close(int chan_id);
int	 parent_connector_reaped(pid_t pid, int status, int stopping);
void	 parent_connector_tick(uint64_t now);
void	 parent_connector_signal_all(int sig);

#endif /* UDSGW_PARENT_INT_H */
