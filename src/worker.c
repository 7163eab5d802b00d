/* SPDX-License-Identifier: ISC */
/* The worker: drop everything, then serve the inherited listening sockets. */
#define _GNU_SOURCE	/* accept4, O_PATH, memfd_create, SO_PEERGROUPS */
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "access.h"
#include "compat.h"
#include "conn.h"
#include "forward.h"
#include "proxy.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "privdrop.h"
#include "sandbox.h"
#include "service.h"
#include "token.h"
#include "worker.h"
#ifdef GW_TESTHOOK
#include "testhook.h"	/* test builds only (make TESTHOOK=1) */
#endif

#define ACCEPT_BATCH	32
#define TICK_MS		250
#define DRAIN_ACCEPT_ROUNDS 64	/* of ACCEPT_BATCH, at drain start */

static struct policy		 pol;	/* with our listener only */
static struct loop		 wloop;
static struct wlistener		 wls[1];
static struct loop_ev		 ipc_ev;
static volatile sig_atomic_t	 stop_requested;
static int			 draining;
static uint64_t			 drain_deadline;
static uint64_t			 accept_resume;	/* after EMFILE */
static int			 accept_empty;	/* accept4 said EAGAIN */
static gid_t			 groups_small[64];
static gid_t			 groups_big[65536];

static struct metrics_shm	*wshm;
/* What /metrics shows: our listener, or with metrics_all every one. */
static const struct metrics_listener *mset[POLICY_MAX_LISTENERS];
static const char		*mnames[POLICY_MAX_LISTENERS];
static size_t			 nmset;

static void
on_term(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Read the policy blob the parent sealed into a memfd. */
static void
load_policy(void)
{
	ssize_t n;

	n = pread(WORKER_FD_POLICY, &pol, sizeof(pol), 0);
	if (n != (ssize_t)sizeof(pol) || pol.magic != POLICY_MAGIC ||
	    pol.size != sizeof(pol) || pol.nlisteners != 1)
		fatalx("worker: bad policy blob from parent");
	if (close(WORKER_FD_POLICY) == -1)
		fatal("close policy fd");
}

static void
map_metrics(void)
{
	struct stat st;
	void *m;

	/* Sized and sealed by the parent; a mapping past it would fault. */
	if (fstat(WORKER_FD_METRICS, &st) == -1 ||
	    (size_t)st.st_size != metrics_shm_size(&pol))
		fatalx("worker: bad counters memfd from parent");
	m = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE,
	    MAP_SHARED, WORKER_FD_METRICS, 0);
	if (m == MAP_FAILED)
		fatal("mmap metrics");
	if (close(WORKER_FD_METRICS) == -1)
		fatal("close metrics fd");
	if (metrics_attach(m, (size_t)st.st_size) == -1)
		fatalx("worker: bad metrics layout from parent");
	wshm = m;
}

/*
 * metrics_all: the parent passed every listener's counters read-only
 * (a PROT_WRITE mapping of them would fail), with their names in our
 * policy. Otherwise /metrics shows our listener alone.
 */
static void
map_peer_metrics(void)
{
	struct stat st;
	void *m;
	size_t i;
	int fd;

	mset[0] = &wshm->l[0];
	mnames[0] = pol.listeners[0].name;
	nmset = 1;
	if (pol.npeers == 0)
		return;
	if (pol.npeers > POLICY_MAX_LISTENERS)
		fatalx("worker: bad metrics peers from parent");
	for (i = 0; i < pol.npeers; i++) {
		fd = WORKER_FD_PEER_METRICS + (int)i;
		if (fstat(fd, &st) == -1 ||
		    (size_t)st.st_size < sizeof(struct metrics_shm) ||
		    memchr(pol.peer_names[i], '\0', POLICY_NAME_MAX) == NULL)
			fatalx("worker: bad metrics peer %zu from parent", i);
		m = mmap(NULL, sizeof(struct metrics_shm), PROT_READ,
		    MAP_SHARED, fd, 0);
		if (m == MAP_FAILED)
			fatal("mmap metrics peer");
		if (close(fd) == -1)
			fatal("close metrics peer fd");
		mset[i] = &((const struct metrics_shm *)m)->l[0];
		mnames[i] = pol.peer_names[i];
	}
	nmset = pol.npeers;
}

/*
 * The peer's LSM label (SO_PEERSEC), for the logs only: empty where the
 * kernel has no labelling LSM (ENOPROTOOPT) or the label does not fit.
 * Bytes outside printable ASCII are shown as '?'. The connection keeps
 * a copy (c_label), so that later denials (a token) name it too.
 */
#define PEER_LABEL_MAX	256
static char			 peer_label[PEER_LABEL_MAX];

static void
peer_read_label(int fd, char *label, size_t size)
{
	char raw[PEER_LABEL_MAX];
	socklen_t len = sizeof(raw);
	size_t i, n = 0;

	label[0] = '\0';
	if (getsockopt(fd, SOL_SOCKET, SO_PEERSEC, raw, &len) == -1 ||
	    len == 0 || len > sizeof(raw))
		return;		/* degrade silently */
	for (i = 0; i < len && raw[i] != '\0' && n < size - 1; i++)
		label[n++] = raw[i] > 0x20 && raw[i] < 0x7f ? raw[i] : '?';
	label[n] = '\0';
}

/*
 * Fill peer from the kernel; -1 if the credentials are unavailable.
 * SO_PEERPIDFD (Linux 6.5) is not taken: nothing here would use the
 * descriptor, and holding one per connection costs a slot of the
 * worker's RLIMIT_NOFILE.
 */
static int
peer_read(int fd, struct peer *peer)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	memset(peer, 0, sizeof(*peer));
	peer_label[0] = '\0';
	peer->label = peer_label;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1 ||
	    len != sizeof(uc))
		return -1;
	peer->pid = uc.pid;
	peer->uid = uc.uid;
	peer->gid = uc.gid;
	peer_read_label(fd, peer_label, sizeof(peer_label));
	len = sizeof(groups_small);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups_small,
	    &len) == 0) {
		peer->groups = groups_small;
		peer->ngroups = len / sizeof(gid_t);
		return 0;
	}
	if (errno != ERANGE)
		return -1;	/* fail closed: group rules need the list */
	len = sizeof(groups_big);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups_big, &len) == -1)
		return -1;
	peer->groups = groups_big;
	peer->ngroups = len / sizeof(gid_t);
	return 0;
}

static void
listener_pause(struct wlistener *wl, int pause)
{
	if (wl->wl_closed || wl->wl_paused == pause)
		return;
	/* EPOLLEXCLUSIVE registrations cannot be modified, only removed. */
	if (pause) {
		if (loop_del(&wloop, &wl->wl_ev) == -1)
			fatal("epoll_ctl del listener");
	} else if (loop_add(&wloop, &wl->wl_ev, LOOP_IN, 1) == -1)
		fatal("epoll_ctl add listener");
	wl->wl_paused = pause;
}

/* Decide one accepted peer and hand it to the connection layer. */
static void
admit(struct wlistener *wl, int fd)
{
	const struct listener_conf *lc = wl->wl_conf;
	struct peer peer;
	struct conn *c;
	size_t in_max, out_max;
	int allowed, which = -1, uid_held = 0, r = METRICS_UID_OK;

	if (peer_read(fd, &peer) == -1) {
		log_warn("%s: peer credentials", lc->name);
		goto drop;
	}
	allowed = access_check(lc->rules, lc->nrules, &peer, &which);
	if (!allowed) {
		metrics_deny(wl->wl_idx, which < 0 ? DENY_DEFAULT : DENY_RULE);
		conn_log_denial(wl, &peer, which, which < 0 ?
		    "no rule matched (default deny)" : "deny rule");
	} else if ((r = metrics_uid_acquire(wl->wl_idx, peer.uid,
	    lc->lim.max_connections_per_uid)) != METRICS_UID_OK) {
		allowed = 0;
		metrics_deny(wl->wl_idx, r == METRICS_UID_CAP ?
		    DENY_UID_LIMIT : DENY_UID_TABLE);
		conn_log_denial(wl, &peer, -1, r == METRICS_UID_CAP ?
		    "max_connections_per_uid reached" : "per-uid table full");
	} else {
		uid_held = 1;
		log_debug("%s: allowed pid %ld uid %lu gid %lu%s%s "
		    "(rule at %s:%u)", lc->name, (long)peer.pid,
		    (unsigned long)peer.uid, (unsigned long)peer.gid,
		    peer.label[0] ? " label " : "", peer.label,
		    wl->wl_file, lc->rules[which].line);
	}
	if (lc->service == SVC_FORWARD) {
		/* A refused peer is closed, as for echo: no answer. */
		if (allowed && forward_start(wl, fd, &peer, uid_held) == 0)
			return;
		if (allowed)
			log_warnx("%s: out of memory for a connection",
			    lc->name);
		if (uid_held)
			metrics_uid_release(wl->wl_idx, peer.uid);
		goto drop;
	}
	service_buffers(lc, &in_max, &out_max);
	if ((c = conn_new(wl, fd, &peer, in_max, out_max)) == NULL) {
		log_warnx("%s: out of memory for a connection", lc->name);
		if (uid_held)
			metrics_uid_release(wl->wl_idx, peer.uid);
		goto drop;
	}
	if (uid_held)
		c->c_flags |= CONN_UID_HELD;
	conn_start(c, allowed);
	return;
drop:
	metrics_conn_release(wl->wl_idx);
	(void)close(fd);
}

/*
 * A listening socket that reports a hang-up or an error no longer
 * accepts (someone shut it down): stop polling it rather than spin on
 * a level-triggered event that accept() can never clear, and say so.
 */
static int
listener_broken(struct wlistener *wl, uint32_t events)
{
	if (!(events & (EPOLLHUP | EPOLLERR)) || wl->wl_closed)
		return 0;
	log_warnx("%s: the listening socket reports %s; it accepts no more "
	    "connections here", wl->wl_conf->name, events & EPOLLERR ?
	    "an error" : "a hang-up");
	if (!wl->wl_paused)
		(void)loop_del(&wloop, &wl->wl_ev);
	wl->wl_paused = 1;
	wl->wl_closed = 1;
	stop_requested = 1;	/* drain what we have; the parent restarts */
	return 1;
}

static void
listener_event(struct loop_ev *ev, uint32_t events)
{
	struct wlistener *wl = (struct wlistener *)((char *)ev -
	    offsetof(struct wlistener, wl_ev));
	const struct listener_conf *lc = wl->wl_conf;
	int fd, i;

	if (listener_broken(wl, events))
		return;
	for (i = 0; i < ACCEPT_BATCH; i++) {
		if (metrics_conn_acquire(wl->wl_idx,
		    lc->lim.max_connections) == -1) {
			/* Full: leave new peers in the backlog. */
			listener_pause(wl, 1);
			return;
		}
		fd = accept4(ev->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			metrics_conn_release(wl->wl_idx);
			/* EINVAL: shut down by the parent at stop, empty */
			if (errno == EAGAIN || errno == EINVAL)
				accept_empty = 1;
			if (errno == EAGAIN || errno == EINTR ||
			    errno == ECONNABORTED || errno == EINVAL)
				return;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				log_warn("%s: accept, pausing for 1s", lc->name);
				listener_pause(wl, 1);
				accept_resume = wloop.now_ms + 1000;
				return;
			}
			fatal("%s: accept4", lc->name);
		}
		metrics_conn_accepted(wl->wl_idx);
		admit(wl, fd);
	}
}

static void
ipc_event(struct loop_ev *ev, uint32_t events)
{
	char b[64];
	ssize_t n;

	n = recv(ev->fd, b, sizeof(b), MSG_DONTWAIT);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR) ||
	    (events & (EPOLLHUP | EPOLLERR)))
		_exit(0);	/* the parent is gone: so are we */
}

/*
 * Stop accepting. First take what is already queued on each listener:
 * after a reload renamed a new socket over this one nobody else will,
 * and a peer left in its backlog would be reset (at stop the parent has
 * shut the socket down first, so nothing new can join the queue). Then
 * tell every connection: none is closed for being idle (see
 * http_drain); the worker exits when the last one has closed, or at
 * shutdown_timeout.
 */
static void
start_drain(void)
{
	size_t i;
	int j;

	draining = 1;
	drain_deadline = wloop.now_ms + pol.shutdown_timeout_ms;
	for (i = 0; i < pol.nlisteners; i++) {
		struct wlistener *wl = &wls[i];

		if (wl->wl_closed)
			continue;
		for (j = 0; j < DRAIN_ACCEPT_ROUNDS && !wl->wl_paused; j++) {
			/*
			 * Not "no new connection": refused peers may be
			 * closed at once, with more queued behind them.
			 */
			accept_empty = 0;
			listener_event(&wl->wl_ev, 0);
			if (accept_empty)
				break;	/* queue empty (full up: paused) */
		}
		if (!wl->wl_paused)
			(void)loop_del(&wloop, &wl->wl_ev);
		/* The parent keeps its copy: clients wait in the backlog. */
		(void)close(wl->wl_ev.fd);
		wl->wl_closed = 1;
	}
	log_debug("draining: %zu connection%s open, up to %u ms",
	    conn_count(), conn_count() == 1 ? "" : "s",
	    pol.shutdown_timeout_ms);
	conn_drain_all();
}

/* shutdown_timeout: what is still open now is cut, and said so. */
static void
drain_expired(void)
{
	size_t n = conn_count() + forward_count();

	if (n > 0)
		log_info("shutdown_timeout: closing %zu connection%s still "
		    "open", n, n == 1 ? "" : "s");
	exit(0);
}

static void
tick(void)
{
	static uint64_t next;
	size_t i;

	/* Timeouts have a resolution of TICK_MS; no per-event scan. */
	if (wloop.now_ms < next)
		return;
	next = wloop.now_ms + TICK_MS;
	conn_sweep(wloop.now_ms);
	log_denial_summaries(wloop.now_ms);
	(void)log_flush();	/* "dropped N log records", if any */
	forward_sweep(wloop.now_ms);
	proxy_sweep(wloop.now_ms);
	if (draining)
		return;
	for (i = 0; i < pol.nlisteners; i++) {
		struct wlistener *wl = &wls[i];

		if (wl->wl_paused && wloop.now_ms >= accept_resume &&
		    metrics_open(wl->wl_idx) < wl->wl_conf->lim.max_connections)
			listener_pause(wl, 0);
	}
}

static void
setup_listeners(void)
{
	struct stat st;
	size_t i;

	pol.file[sizeof(pol.file) - 1] = '\0';	/* a string, for logs */
	for (i = 0; i < pol.nlisteners; i++) {
		struct wlistener *wl = &wls[i];
		int fd = WORKER_FD_LISTEN;

		if (fstat(fd, &st) == -1 || !S_ISSOCK(st.st_mode))
			fatalx("worker: fd %d is not the listening socket "
			    "for %s", fd, pol.listeners[i].name);
		wl->wl_idx = (int)i;
		wl->wl_conf = &pol.listeners[i];
		if (wl->wl_conf->nroutes > POLICY_MAX_ROUTES ||
		    wl->wl_conf->route0 > POLICY_MAX_ROUTES_ALL -
		    wl->wl_conf->nroutes)
			fatalx("worker: routes out of bounds");
		wl->wl_routes = policy_routes(&pol, wl->wl_conf);
		wl->wl_file = pol.file;
		wl->wl_mset = mset;
		wl->wl_mnames = mnames;
		wl->wl_nmset = nmset;
		if ((wl->wl_svc = service_lookup(wl->wl_conf->service)) == NULL)
			fatalx("worker: listener %s has no service",
			    wl->wl_conf->name);
		wl->wl_ev.cb = listener_event;
		wl->wl_ev.fd = fd;
	}
}

static void
setup_signals(void)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		fatal("sigaction");
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1 ||
	    sigaction(SIGHUP, &sa, NULL) == -1 ||
	    sigaction(SIGUSR1, &sa, NULL) == -1)
		fatal("sigaction");
	sigemptyset(&set);
	if (sigprocmask(SIG_SETMASK, &set, NULL) == -1)
		fatal("sigprocmask");
}

void
worker_main(int idx, int flags)
{
	struct privdrop pd;
	int keep[4], nkeep = 0;
	size_t i;
	char ready = WORKER_MSG_READY, comm[16];
	pid_t parent = getppid();	/* before anything can let it die */

	log_set_sink(LOG_SINK_IPC, WORKER_FD_IPC);
	load_policy();
	map_metrics();
	map_peer_metrics();
	setup_listeners();
	setup_signals();
	/* ps, top and pkill -x show what this worker serves, not "exe". */
	memcpy(comm, "uds-gw:", 7);	/* the kernel keeps 15 bytes */
	gw_strlcpy(comm + 7, pol.listeners[0].name, sizeof(comm) - 7);
	(void)prctl(PR_SET_NAME, comm, 0, 0, 0);

	/* Initialise before the jail: time zone, crypto (STYLE rule 2). */
	tzset();
	token_init();

	keep[nkeep++] = WORKER_FD_IPC;
	keep[nkeep++] = WORKER_FD_LISTEN;
	if (geteuid() == 0)
		keep[nkeep++] = WORKER_FD_CHROOT;
	if (pol.listeners[0].service == SVC_FORWARD ||
	    pol.listeners[0].service == SVC_PROXY)
		keep[nkeep++] = WORKER_FD_UPSTREAM;
	privdrop_close_fds_except(keep, (size_t)nkeep);

	memset(&pd, 0, sizeof(pd));
	pd.uid = pol.uid;
	pd.gid = pol.gid;
	pd.change_ids = geteuid() == 0;
	/* privdrop says so when it skips it (not root) */
	pd.chroot_fd = geteuid() == 0 ? WORKER_FD_CHROOT : -1;
	pd.nofile = pol.nofile;
	pd.try_unshare = 1;
	pd.parent = parent;
	privdrop_apply(&pd);

	if (loop_init(&wloop) == -1)
		fatal("epoll_create1");
	conn_setup(&wloop);
	if (pol.listeners[0].service == SVC_FORWARD ||
	    pol.listeners[0].service == SVC_PROXY)
		forward_setup(&wloop, WORKER_FD_UPSTREAM);
	if (pol.listeners[0].service == SVC_PROXY)
		proxy_setup(&wloop);
	ipc_ev.cb = ipc_event;
	ipc_ev.fd = WORKER_FD_IPC;
	if (loop_add(&wloop, &ipc_ev, LOOP_IN, 0) == -1)
		fatal("epoll_ctl ipc");
	for (i = 0; i < pol.nlisteners; i++)
		if (loop_add(&wloop, &wls[i].wl_ev, LOOP_IN, 1) == -1)
			fatal("epoll_ctl listener");

	/* Last: nothing above may need a system call the filter denies. */
#ifdef GW_SANITIZER_BUILD
	if (flags & WORKER_F_NO_SECCOMP)
		log_warnx("worker %d: seccomp disabled (--no-seccomp)", idx);
	else
#endif
		sandbox_apply(flags & WORKER_F_SECCOMP_DEBUG ?
		    SANDBOX_DEBUG : SANDBOX_ENFORCE, WORKER_FD_IPC);
	if (send(WORKER_FD_IPC, &ready, 1, MSG_NOSIGNAL) != 1)
		_exit(0);
#ifdef GW_TESTHOOK
	/* Attacker code under the real sandbox; never in a release build. */
	testhook_run(pol.listeners[0].name, WORKER_FD_LISTEN);
#endif

	for (;;) {
		if (stop_requested && !draining)
			start_drain();
		if (draining && conn_count() + forward_count() == 0)
			exit(0);
		if (draining && wloop.now_ms >= drain_deadline)
			drain_expired();
		if (loop_once(&wloop, !draining ? TICK_MS :
		    drain_deadline - wloop.now_ms < TICK_MS ?
		    (int)(drain_deadline - wloop.now_ms) : TICK_MS) == -1)
			fatal("epoll_wait");
		forward_reap();
		conn_reap();
		proxy_reap();
		tick();
	}
}
