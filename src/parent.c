/* SPDX-License-Identifier: ISC */
/* Privileged monitor: generations, workers, signals (after httpd proc.c). */
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "activation.h"
#include "compat.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "notify.h"
#include "parent.h"
#include "parent_int.h"
#include "policy.h"
#include "privdrop.h"
#include "worker.h"

#define START_FAIL_BUDGET	5	/* consecutive start-up deaths */
#define BACKOFF_MIN_MS		100
#define BACKOFF_MAX_MS		5000
#define WPROC_MAX		(GEN_MAX * GEN_WORKERS_MAX)
#define STATUS_EVERY_MS		5000

struct wproc {
	struct loop_ev	 ev;		/* IPC socket */
	pid_t		 pid;		/* 0: not running */
	int		 status_fd;	/* its /proc/<pid>/status; -1: none */
	int		 ready;
	uint64_t	 respawn_at;	/* slot waiting for a restart */
	int		 gen;		/* index in gens[]; -1: entry free */
	size_t		 lidx;		/* its listener in the generation */
	size_t		 slot;		/* worker number of that listener */
	int		 chan_id;	/* forward: its connector channel */
};

static const struct parent_opts	*opts;
static struct loop		 ploop;
static struct gen		 gens[GEN_MAX];
static int			 cur = -1;	/* the serving generation */
static struct wproc		 wp[WPROC_MAX];
static struct loop_ev		 sig_ev;
static struct loop_ev		 logq_ev;	/* stderr, while lines wait */
static int			 stopping;	/* 1 graceful, 2 fast */
static uint64_t			 stop_deadline;
static uint64_t			 backoff_ms = BACKOFF_MIN_MS;
static unsigned long		 gen_seq;
static uint64_t			 next_status_ms;
static char			 last_status[128];

static void	spawn(struct wproc *);
static void	gen_free(int);

/* Listener l's workers: its own "workers", else the global one. */
static size_t
worker_count(const struct policy *p, const struct listener_conf *l)
{
	long n;

	if (l->workers != 0 && l->workers != POLICY_WORKERS_AUTO)
		return l->workers;
	if (l->workers == 0 && p->workers > 0)
		return p->workers;
	/* Counted once, in the parent; the worker never calls sysconf. */
	n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	if (n > POLICY_MAX_WORKERS)
		n = POLICY_MAX_WORKERS;
	return (size_t)n;
}

size_t
parent_workers_total(const struct policy *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->nlisteners && i < POLICY_MAX_LISTENERS; i++)
		n += worker_count(p, &p->listeners[i]);
	return n;
}

static void	ipc_event(struct loop_ev *, uint32_t);

/* The name of w's listener, for logs. */
static const char *
wname(const struct wproc *w)
{
	return gens[w->gen].g_pol->listeners[w->lidx].name;
}

/*
 * A worker of the current generation did not start, or died: restart
 * its slot after the back-off. After START_FAIL_BUDGET failed starts
 * of one listener's workers in a row: before the generation was ever
 * ready (start-up, reload), give up on the daemon, as that is a broken
 * policy or host; once it has served, give up on that listener alone,
 * so that whatever keeps its workers from starting (a worker of it
 * that was compromised and wrecked what it shares) takes no other
 * listener down with it.
 */
static void
schedule_restart(struct wproc *w, int failed_start)
{
	struct gen *g = &gens[w->gen];
	struct glistener *gl = &g->g_l[w->lidx];
	size_t i;

	if (failed_start && ++gl->gl_failures >= START_FAIL_BUDGET) {
		if (!g->g_ready)
			fatalx("workers failed to start %d times in a row; "
			    "giving up", gl->gl_failures);
		gl->gl_given_up = 1;
		w->respawn_at = 0;
		for (i = 0; i < g->g_pol->nlisteners; i++)
			if (!g->g_l[i].gl_given_up)
				break;
		if (i == g->g_pol->nlisteners)	/* nothing left to serve */
			fatalx("workers failed to start %d times in a row; "
			    "giving up", gl->gl_failures);
		log_prio(LOG_CRIT, "listener %s: workers failed to start %d "
		    "times in a row; giving up on this listener, which no "
		    "longer serves (the others do; reload to try again)",
		    wname(w), gl->gl_failures);
		return;
	}
	/* Listening sockets stay open here: peers wait meanwhile. */
	w->respawn_at = loop_clock_ms() + backoff_ms;
	log_info("restarting worker %s#%zu in %llu ms", wname(w), w->slot,
	    (unsigned long long)backoff_ms);
	if (failed_start || backoff_ms < BACKOFF_MAX_MS / 2)
		backoff_ms = backoff_ms * 2 > BACKOFF_MAX_MS ?
		    BACKOFF_MAX_MS : backoff_ms * 2;
}

/*
 * After a spawn fails, no other slot forks until the back-off is over:
 * one resource pinch (EAGAIN, EMFILE) must cost one failed start, not
 * one per slot of the pass, and a pass must not wait 5 s per slot for
 * status descriptors that will not come.
 */
static uint64_t		 spawn_hold_until;

static void
spawn(struct wproc *w)
{
	char why[160];
	int sv[2];
	pid_t pid;

	const struct listener_conf *lc = &gens[w->gen].g_pol->listeners[w->lidx];
	int chan = -1;

	w->ready = 0;
	w->respawn_at = 0;
	if (loop_clock_ms() < spawn_hold_until) {
		w->respawn_at = spawn_hold_until;
		return;
	}
	parent_worker_repair(&gens[w->gen], w->lidx);
	if ((lc->service == SVC_FORWARD || lc->service == SVC_PROXY) &&
	    (chan = parent_connector_channel(
	    w->gen, lc->upstream_idx, &w->chan_id)) == -1) {
		schedule_restart(w, 1);
		spawn_hold_until = w->respawn_at;
		return;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("worker %s#%zu: socketpair", wname(w), w->slot);
		if (chan != -1) {
			(void)close(chan);
			parent_connector_channel_close(w->chan_id);
			w->chan_id = -1;
		}
		schedule_restart(w, 1);
		spawn_hold_until = w->respawn_at;
		return;
	}
	if ((pid = fork()) == -1) {
		log_warn("worker %s#%zu: fork", wname(w), w->slot);
		(void)close(sv[0]);
		(void)close(sv[1]);
		if (chan != -1) {
			(void)close(chan);
			parent_connector_channel_close(w->chan_id);
			w->chan_id = -1;
		}
		schedule_restart(w, 1);
		spawn_hold_until = w->respawn_at;
		return;
	}
	if (pid == 0)
		parent_worker_child_exec(&gens[w->gen], w->lidx, w->slot,
		    opts->worker_flags, sv[1], chan);
	(void)close(sv[1]);
	if (chan != -1)
		(void)close(chan);
	w->pid = pid;
	w->status_fd = parent_worker_recv_status_fd(sv[0], why, sizeof(why));
	if (w->status_fd == -1 && why[0] == '\0') {
		(void)close(sv[0]);	/* it died first: reap() counts it */
		return;
	}
	if (w->status_fd != -1) {
		w->ev.cb = ipc_event;
		w->ev.fd = sv[0];
		if (loop_add(&ploop, &w->ev, EPOLLIN, 0) == 0) {
			log_debug("worker %s#%zu (generation %lu) started, "
			    "pid %ld", wname(w), w->slot, gens[w->gen].g_id,
			    (long)pid);
			return;
		}
		(void)snprintf(why, sizeof(why), "epoll_ctl: %s",
		    strerror(errno));
		w->ev.fd = -1;
		(void)close(w->status_fd);
		w->status_fd = -1;
	}
	/*
	 * It cannot be verified or heard: never read its records, kill it
	 * (our unreaped child, so the pid is still its own), and let reap()
	 * count the death as a failed start.
	 */
	log_warnx("worker %ld: %s; killing it", (long)pid, why);
	(void)kill(pid, SIGKILL);
	(void)close(sv[0]);
	spawn_hold_until = loop_clock_ms() + backoff_ms;
}

/* Start the workers of generation gi, each listener's own. */
static void
gen_spawn(int gi)
{
	struct gen *g = &gens[gi];
	size_t l, i, j = 0;

	for (l = 0; l < g->g_pol->nlisteners; l++)
		for (i = 0; i < g->g_l[l].gl_nworkers; i++) {
			while (j < WPROC_MAX && wp[j].gen != -1)
				j++;
			if (j == WPROC_MAX)	/* GEN_MAX bounds it */
				fatalx("no free worker entry");
			memset(&wp[j], 0, sizeof(wp[j]));
			wp[j].ev.fd = -1;
			wp[j].status_fd = -1;
			wp[j].chan_id = -1;
			wp[j].gen = gi;
			wp[j].lidx = l;
			wp[j].slot = i;
			spawn(&wp[j]);
		}
}

static size_t
gen_alive(int gi)
{
	size_t i, n = 0;

	for (i = 0; i < WPROC_MAX; i++)
		n += wp[i].gen == gi && wp[i].pid > 0;
	return n;
}

static void
gen_signal(int gi, int sig)
{
	size_t i;

	for (i = 0; i < WPROC_MAX; i++)
		if (wp[i].gen != -1 && (gi == -1 || wp[i].gen == gi) &&
		    wp[i].pid > 0 && kill(wp[i].pid, sig) == -1 &&
		    errno != ESRCH)
			log_warn("kill %ld", (long)wp[i].pid);
}

/* Totals over the listeners of g: open and total connections, requests. */
static void
gen_counts(const struct gen *g, unsigned long long *open,
    unsigned long long *conns, unsigned long long *reqs)
{
	size_t i, k;

	*open = *conns = *reqs = 0;
	for (i = 0; i < g->g_pol->nlisteners; i++) {
		const struct metrics_listener *m = &g->g_l[i].gl_shm->l[0];

		*open += __atomic_load_n(&m->conn_open, __ATOMIC_RELAXED);
		*conns += __atomic_load_n(&m->conn_total, __ATOMIC_RELAXED);
		for (k = 0; k < METRICS_NSTATUS; k++)
			*reqs += __atomic_load_n(&m->requests[k],
			    __ATOMIC_RELAXED);
	}
}

static void
send_status(int force)
{
	const struct gen *g = &gens[cur];
	unsigned long long open, conns, reqs;
	char msg[sizeof(last_status)];

	gen_counts(g, &open, &conns, &reqs);
	(void)snprintf(msg, sizeof(msg), "STATUS=%zu/%zu workers, %llu "
	    "connections open, %llu requests", gen_alive(cur), g->g_nworkers,
	    open, reqs);
	if (!force && strcmp(msg, last_status) == 0)
		return;
	memcpy(last_status, msg, sizeof(last_status));
	if (notify_send(msg) == -1)
		log_warn("sd_notify");
}

/* Every worker of the current generation is sandboxed and serving. */
static void
check_ready(void)
{
	struct gen *g = &gens[cur];
	unsigned long long open, conns, reqs;
	char msg[256];
	size_t i, n = 0;

	if (g->g_ready || stopping)
		return;
	for (i = 0; i < WPROC_MAX; i++)
		n += wp[i].gen == cur && wp[i].pid > 0 && wp[i].ready;
	if (n < g->g_nworkers)
		return;
	g->g_ready = 1;
	if (g->g_id == 1)
		log_info("ready: %zu worker%s sandboxed, %zu listener%s",
		    g->g_nworkers, g->g_nworkers == 1 ? "" : "s",
		    g->g_pol->nlisteners, g->g_pol->nlisteners == 1 ? "" : "s");
	else {
		log_info("reloaded: generation %lu serving, %zu worker%s "
		    "sandboxed, %zu listener%s; older workers draining",
		    g->g_id, g->g_nworkers, g->g_nworkers == 1 ? "" : "s",
		    g->g_pol->nlisteners, g->g_pol->nlisteners == 1 ? "" : "s");
		/* Only now: until here the old workers were serving. */
		for (i = 0; i < GEN_MAX; i++)
			if (gens[i].g_used && (int)i != cur &&
			    gens[i].g_kill_at == 0) {
				gens[i].g_kill_at = ploop.now_ms +
				    gens[i].g_pol->shutdown_timeout_ms + 1000;
				gen_signal((int)i, SIGTERM);
			}
	}
	gen_counts(g, &open, &conns, &reqs);
	(void)snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%zu workers, "
	    "%zu listeners, %llu requests", g->g_nworkers,
	    g->g_pol->nlisteners, reqs);
	if (notify_send(msg) == -1)
		log_warn("sd_notify");
}

/*
 * Not as root, every worker says which steps it skips ("privdrop: not
 * root: ..."): the same lines each time. Log each such line once. rec
 * is a worker's record, len bytes.
 */
static int
said_before(const char *rec, size_t len)
{
	static const char pfx[] = "privdrop: not root: ";
	static char seen[8][128];
	static size_t nseen;
	size_t i, skip;

	(void)log_worker_prio(rec, len, &skip);
	rec += skip;
	len -= skip;
	if (len < sizeof(pfx) - 1 || len >= sizeof(seen[0]) ||
	    memcmp(rec, pfx, sizeof(pfx) - 1) != 0)
		return 0;
	for (i = 0; i < nseen; i++)
		if (strlen(seen[i]) == len && memcmp(seen[i], rec, len) == 0)
			return 1;
	if (nseen < sizeof(seen) / sizeof(seen[0])) {
		memcpy(seen[nseen], rec, len);
		seen[nseen++][len] = '\0';
	}
	return 0;
}

/* The worker says it is sandboxed: believe its /proc status, not it. */
static void
worker_ready(struct wproc *w)
{
	static int said_not_sandboxed;
	const struct listener_conf *l = &gens[w->gen].g_pol->listeners[w->lidx];
	char why[256];

	if (privdrop_verify_status(w->status_fd, l->wuid, l->wgid, why,
	    sizeof(why)) == -1) {
		if (geteuid() == 0 && !(opts->worker_flags &
		    WORKER_F_NO_SECCOMP))
			fatalx("worker pid %ld is not sandboxed as required: "
			    "%s", (long)w->pid, why);
		if (!said_not_sandboxed)
			log_info("worker pid %ld: %s (expected when not root; "
			    "said once)", (long)w->pid, why);
		said_not_sandboxed = 1;
	}
	w->ready = 1;
	gens[w->gen].g_l[w->lidx].gl_failures = 0;
	backoff_ms = BACKOFF_MIN_MS;
	if (w->gen == cur)
		check_ready();
}

/*
 * A worker's records: each one through log_worker_record(), which
 * clamps its priority, escapes it and prefixes who sent it. At most
 * IPC_BATCH a turn, so one chatty worker cannot hold up the loop. gone:
 * the worker has been reaped, read its last words only (a "ready" then
 * is not believed: its /proc status is gone).
 */
#define IPC_BATCH	64

static void
ipc_read(struct wproc *w, int gone)
{
	struct loop_ev *ev = &w->ev;
	char rec[1200], who[32 + POLICY_NAME_MAX];
	ssize_t n;
	int i, empty = 0;

	for (i = 0; i < IPC_BATCH && ev->fd != -1; i++) {
		n = recv(ev->fd, rec, sizeof(rec), MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		/*
		 * 0 is the end, or an empty record: ASan writes "" to its
		 * stderr between the lines of a report, and taken for the
		 * end it cost the rest of the report. Only the end reads as
		 * 0 twice in a row.
		 */
		if (n == 0 && !empty) {
			empty = 1;
			continue;
		}
		empty = 0;
		if (n <= 0) {
			/* Worker gone; SIGCHLD does the bookkeeping. */
			(void)loop_del(&ploop, ev);
			(void)close(ev->fd);
			ev->fd = -1;
			return;
		}
		if (rec[0] == WORKER_MSG_READY && n == 1) {
			if (!gone)
				worker_ready(w);
			continue;
		}
		if (said_before(rec, (size_t)n))
			continue;
		/* Digits: a log record; else raw stderr, e.g. from glibc. */
		(void)snprintf(who, sizeof(who), "worker %s#%zu pid %ld",
		    wname(w), w->slot, (long)w->pid);
		log_worker_record(who, rec, (size_t)n);
	}
}

static void
ipc_event(struct loop_ev *ev, uint32_t events)
{
	(void)events;
	ipc_read((struct wproc *)((char *)ev - offsetof(struct wproc, ev)),
	    0);
}

static void
describe_death(pid_t pid, int status, int ready, int quiet)
{
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		log_prio(LOG_ERR, "worker %ld killed by SIGSYS: sandbox "
		    "violation (seccomp). The kernel audit log names the "
		    "system call (syscall=N); --seccomp-debug makes the "
		    "worker name it", (long)pid);
	else if (WIFSIGNALED(status))
		log_prio(LOG_ERR, "worker %ld killed by signal %d (%s)%s",
		    (long)pid, WTERMSIG(status), strsignal(WTERMSIG(status)),
		    ready ? "" : " during start-up");
	else if (WEXITSTATUS(status) != 0 || !quiet)
		log_prio(quiet ? LOG_INFO : LOG_ERR, "worker %ld exited "
		    "with status %d%s", (long)pid, WEXITSTATUS(status),
		    ready ? "" : " during start-up");
}

static void
wproc_release(struct wproc *w)
{
	if (w->ev.fd != -1) {
		(void)loop_del(&ploop, &w->ev);
		(void)close(w->ev.fd);
		w->ev.fd = -1;
	}
	if (w->status_fd != -1) {
		(void)close(w->status_fd);	/* read-only */
		w->status_fd = -1;
	}
	parent_connector_channel_close(w->chan_id);
	w->chan_id = -1;
	w->pid = 0;
}

static void
reap(void)
{
	struct wproc *w;
	pid_t pid;
	int status, gi;
	size_t i;

	while ((pid = waitpid(-1, &status, WNOHANG | WUNTRACED)) > 0) {
		for (i = 0; i < WPROC_MAX; i++)
			if (wp[i].gen != -1 && wp[i].pid == pid)
				break;
		if (i == WPROC_MAX) {
			(void)parent_connector_reaped(pid, status, stopping);
			continue;
		}
		w = &wp[i];
		if (WIFSTOPPED(status)) {
			/*
			 * A stopped worker holds its connections and takes
			 * its share of new ones (EPOLLEXCLUSIVE) without
			 * serving them: replace it.
			 */
			log_warnx("worker %s#%zu pid %ld stopped by signal %d "
			    "(%s); killing it", wname(w), w->slot, (long)pid,
			    WSTOPSIG(status), strsignal(WSTOPSIG(status)));
			(void)kill(pid, SIGKILL);
			continue;
		}
		gi = w->gen;
		ipc_read(w, 1);		/* its last words before its death */
		describe_death(pid, status, w->ready, stopping || gi != cur);
		wproc_release(w);
		if (stopping)
			continue;
		if (gi != cur) {
			/* A draining generation: never restarted. */
			w->gen = -1;
			if (gen_alive(gi) == 0)
				gen_free(gi);
			continue;
		}
		schedule_restart(w, !w->ready);
	}
}

/*
 * Counters are per generation (listener indexes may change). When a
 * draining generation is gone, add its totals to the listener of the
 * same name in the current one, so that the exported counters do not
 * go backwards for good; open-connection gauges are not carried.
 */
static void
fold_metrics(const struct gen *old, struct gen *g)
{
	const struct metrics_listener *o;
	struct metrics_listener *n;
	size_t i, j, k;

	for (i = 0; i < old->g_pol->nlisteners; i++) {
		for (j = 0; j < g->g_pol->nlisteners; j++)
			if (strcmp(old->g_pol->listeners[i].name,
			    g->g_pol->listeners[j].name) == 0)
				break;
		if (j == g->g_pol->nlisteners)
			continue;
		o = &old->g_l[i].gl_shm->l[0];
		n = &g->g_l[j].gl_shm->l[0];
		__atomic_fetch_add(&n->conn_total, o->conn_total,
		    __ATOMIC_RELAXED);
		__atomic_fetch_add(&n->bytes_in, o->bytes_in, __ATOMIC_RELAXED);
		__atomic_fetch_add(&n->bytes_out, o->bytes_out,
		    __ATOMIC_RELAXED);
		__atomic_fetch_add(&n->timeouts, o->timeouts, __ATOMIC_RELAXED);
		__atomic_fetch_add(&n->fwd_total, o->fwd_total,
		    __ATOMIC_RELAXED);
		__atomic_fetch_add(&n->fwd_bytes_up, o->fwd_bytes_up,
		    __ATOMIC_RELAXED);
		__atomic_fetch_add(&n->fwd_bytes_down, o->fwd_bytes_down,
		    __ATOMIC_RELAXED);
		__atomic_fetch_add(&n->fwd_fail, o->fwd_fail, __ATOMIC_RELAXED);
		__atomic_fetch_add(&n->fwd_connect_us, o->fwd_connect_us,
		    __ATOMIC_RELAXED);
		for (k = 0; k < METRICS_NSTATUS; k++)
			__atomic_fetch_add(&n->requests[k], o->requests[k],
			    __ATOMIC_RELAXED);
		for (k = 0; k < DENY_NREASONS; k++)
			__atomic_fetch_add(&n->denials[k], o->denials[k],
			    __ATOMIC_RELAXED);
	}
}

static void
gen_free(int gi)
{
	struct gen *g = &gens[gi];
	size_t i;

	if (!g->g_used)
		return;
	if (gi != cur && cur != -1 && !stopping)
		fold_metrics(g, &gens[cur]);
	for (i = 0; i < WPROC_MAX; i++)
		if (wp[i].gen == gi) {
			wproc_release(&wp[i]);
			wp[i].gen = -1;
		}
	for (i = 0; i < g->g_pol->nlisteners; i++)
		parent_sock_unref(g->g_sock[i], 1);
	parent_connector_gen_free(gi);
	parent_worker_free_shared(g);
	if (gi != cur)
		log_info("generation %lu: all workers gone", g->g_id);
	explicit_bzero(g->g_pol, sizeof(*g->g_pol));	/* token hashes */
	free(g->g_pol);
	memset(g, 0, sizeof(*g));
	parent_worker_gen_init(g);
}

static int
gen_slot(void)
{
	int i;

	for (i = 0; i < GEN_MAX; i++)
		if (!gens[i].g_used)
			return i;
	return -1;
}

/*
 * Make p (allocated, taken over) generation gi and start its workers.
 * With act (the first generation), inherited descriptors that no
 * listener claimed are closed before any worker is forked.
 */
static int
gen_start(int gi, struct policy *p, struct activation *act, int *used)
{
	struct gen *g = &gens[gi];
	size_t i;

	memset(g, 0, sizeof(*g));
	parent_worker_gen_init(g);
	g->g_pol = p;
	g->g_id = ++gen_seq;
	for (i = 0; i < p->nlisteners; i++) {
		g->g_l[i].gl_nworkers = worker_count(p, &p->listeners[i]);
		g->g_nworkers += g->g_l[i].gl_nworkers;
	}
	if (g->g_nworkers > GEN_WORKERS_MAX) {
		log_warnx("the policy starts %zu workers; at most %d are "
		    "supported (lower 'workers')", g->g_nworkers,
		    GEN_WORKERS_MAX);
		goto fail;
	}
	/* Before the sockets, whose renames are the last step. */
	if (parent_worker_make_shared(g) == -1 ||
	    parent_sock_gen(g, act, used) == -1)
		goto fail;
	if (act != NULL)
		parent_sock_activation_close_unused(act, used);
	g->g_used = 1;
	parent_connector_gen_start(gi, p, g->g_id);
	gen_spawn(gi);
	return 0;
 fail:
	parent_worker_free_shared(g);
	memset(g, 0, sizeof(*g));
	parent_worker_gen_init(g);
	return -1;
}

static void
reload(void)
{
	struct policy *np = NULL;
	char msg[512];
	int gi, old = cur;
	size_t i;

	if (notify_reloading() == -1)
		log_warn("sd_notify");
	log_info("SIGHUP: reloading %s", opts->policy_file != NULL ?
	    opts->policy_file : "the policy");
	if ((np = calloc(1, sizeof(*np))) == NULL) {
		log_warn("reload");
		goto fail;
	}
	if (opts->load(opts->policy_file, np, msg, sizeof(msg)) == -1) {
		log_warnx("reload failed, the current policy stays: %s", msg);
		goto fail;
	}
	if ((gi = gen_slot()) == -1) {
		log_warnx("reload refused: %d generations still draining; "
		    "try again later", GEN_MAX - 1);
		goto fail;
	}
	if (gen_start(gi, np, NULL, NULL) == -1) {
		log_warnx("reload failed, the current policy stays");
		goto fail;
	}
	cur = gi;
	/* Slots of the old generation waiting for a restart: never. */
	for (i = 0; i < WPROC_MAX; i++)
		if (wp[i].gen == old && wp[i].pid == 0) {
			wproc_release(&wp[i]);
			wp[i].gen = -1;
		}
	if (gen_alive(old) == 0)
		gen_free(old);
	log_info("generation %lu starting with %zu worker%s",
	    gens[cur].g_id, gens[cur].g_nworkers,
	    gens[cur].g_nworkers == 1 ? "" : "s");
	return;
fail:
	free(np);
	if (notify_send("READY=1\nSTATUS=reload failed; serving the previous "
	    "policy") == -1)
		log_warn("sd_notify");
}

static void
status_line(void)
{
	const struct gen *g = &gens[cur];
	unsigned long long open, conns, reqs;
	size_t i, draining = 0;

	gen_counts(g, &open, &conns, &reqs);
	for (i = 0; i < WPROC_MAX; i++)
		draining += wp[i].gen != -1 && wp[i].gen != cur &&
		    wp[i].pid > 0;
	log_info("status: generation %lu, %zu/%zu workers, %zu draining, "
	    "%llu connections open, %llu total, %llu requests", g->g_id,
	    gen_alive(cur), g->g_nworkers, draining, open, conns, reqs);
}

static void
begin_stop(int how)
{
	if (stopping >= how)
		return;
	stopping = how;
	if (notify_send("STOPPING=1") == -1)
		log_warn("sd_notify");
	if (how == 2) {
		log_info("fast stop");
		gen_signal(-1, SIGKILL);
		stop_deadline = ploop.now_ms;
	} else {
		log_info("stopping: draining connections (up to %u ms)",
		    gens[cur].g_pol->shutdown_timeout_ms);
		/* First: then the workers' last accept empties the queue. */
		parent_sock_refuse_new();
		gen_signal(-1, SIGTERM);
		stop_deadline = ploop.now_ms +
		    gens[cur].g_pol->shutdown_timeout_ms + 1000;
	}
}

static void
signal_event(struct loop_ev *ev, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(ev->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap();
			break;
		case SIGTERM:
		case SIGINT:
			begin_stop(1);
			break;
		case SIGQUIT:
			begin_stop(2);
			break;
		case SIGUSR1:
			status_line();
			break;
		case SIGHUP:
			if (!stopping)
				reload();
			break;
		}
	}
}

/*
 * Standard error is watched for room only while log lines wait for it
 * (log.c queues them); an output epoll refuses (a regular file,
 * /dev/null) never makes them wait, and is flushed every turn anyway.
 */
static void
logq_update(void)
{
	int pending = log_flush();

	if (pending && logq_ev.mask == 0 && logq_ev.fd != -1) {
		if (loop_add(&ploop, &logq_ev, EPOLLOUT, 0) == -1)
			logq_ev.fd = -1;
	} else if (!pending && logq_ev.mask != 0)
		(void)loop_del(&ploop, &logq_ev);
}

static void
logq_event(struct loop_ev *ev, uint32_t events)
{
	(void)ev;
	(void)events;
	logq_update();
}

static void
setup_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		fatal("sigprocmask");
	if ((sig_ev.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("signalfd");
	sig_ev.cb = signal_event;
	if (loop_add(&ploop, &sig_ev, EPOLLIN, 0) == -1)
		fatal("epoll_ctl");
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("signal");
}

static int
workers_alive(void)
{
	size_t i;

	for (i = 0; i < WPROC_MAX; i++)
		if (wp[i].gen != -1 && wp[i].pid > 0)
			return 1;
	return 0;
}

/* Draining generations that outstay their shutdown_timeout. */
static void
check_draining(void)
{
	int i;

	for (i = 0; i < GEN_MAX; i++)
		if (gens[i].g_used && i != cur && gens[i].g_kill_at != 0 &&
		    ploop.now_ms >= gens[i].g_kill_at) {
			log_warnx("generation %lu: drain timeout, killing its "
			    "workers", gens[i].g_id);
			gen_signal(i, SIGKILL);
			gens[i].g_kill_at = ploop.now_ms + 1000;
		}
}

int
parent_run(struct policy *p, const struct parent_opts *o)
{
	struct activation act;
	int used[ACTIVATION_MAX_FDS];
	struct policy *first;
	size_t i;

	opts = o;
	for (i = 0; i < GEN_MAX; i++)
		parent_worker_gen_init(&gens[i]);
	for (i = 0; i < WPROC_MAX; i++) {
		wp[i].gen = -1;
		wp[i].ev.fd = -1;
		wp[i].status_fd = -1;
		wp[i].chan_id = -1;
	}
	(void)notify_init();
	if (parent_sock_activation_init(&act) == -1)
		return GW_EXIT_CONFIG;
	memset(used, 0, sizeof(used));
	if (loop_init(&ploop) == -1)
		fatal("epoll_create1");
	log_queue_init();
	logq_ev.cb = logq_event;
	logq_ev.fd = log_queue_fd();
	setup_signals();
	parent_connector_init(&ploop, o);
	parent_worker_prepare_chroot();
	if ((first = calloc(1, sizeof(*first))) == NULL)
		fatal("calloc");
	memcpy(first, p, sizeof(*first));
	if (gen_start(0, first, &act, used) == -1) {
		free(first);
		return GW_EXIT_FAILURE;
	}
	cur = 0;

	for (;;) {
		if (loop_once(&ploop, 100) == -1)
			fatal("epoll_wait");
		logq_update();
		if (stopping) {
			if (!workers_alive())
				break;
			if (ploop.now_ms >= stop_deadline) {
				log_warnx("shutdown timeout: killing workers");
				gen_signal(-1, SIGKILL);
				stop_deadline = ploop.now_ms + 1000;
			}
			continue;
		}
		for (i = 0; i < WPROC_MAX; i++)
			if (wp[i].gen == cur && wp[i].pid == 0 &&
			    wp[i].respawn_at != 0 &&
			    ploop.now_ms >= wp[i].respawn_at)
				spawn(&wp[i]);
		parent_connector_tick(ploop.now_ms);
		check_draining();
		if (gens[cur].g_ready && ploop.now_ms >= next_status_ms) {
			next_status_ms = ploop.now_ms + STATUS_EVERY_MS;
			send_status(0);
		}
	}
	for (i = 0; i < GEN_MAX; i++)
		if (gens[i].g_used && (int)i != cur)
			gen_free((int)i);
	gen_free(cur);
	log_info("stopped");
	return 0;
}
