/* SPDX-License-Identifier: ISC */
/* The monitor's listening sockets: shared by generations, made or inherited. */
#include <sys/socket.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "activation.h"
#include "log.h"
#include "parent_int.h"
#include "policy.h"
#include "sock.h"

#define SOCK_MAX		(GEN_MAX * POLICY_MAX_LISTENERS)

/* A listening socket, shared by the generations that use it. */
struct lsock {
	struct gw_sock	 ls;
	int		 refs;		/* generations using it; 0: free */
	uid_t		 uid;		/* as created, to see a change */
	gid_t		 gid;
	uint32_t	 mode;
	int		 service;
};

static struct lsock		 socks[SOCK_MAX];

void
parent_sock_unref(int k, int unlink_path)
{
	if (--socks[k].refs > 0)
		return;
	/*
	 * A path still in use by a newer socket is not ours any more:
	 * sock_commit took the lock and directory, so this only closes.
	 * A removed listener's path and lock file are unlinked here, once
	 * the workers that served it are gone.
	 */
	sock_close(&socks[k].ls, unlink_path);
}

/* The listening descriptor of socket k, for a worker being started. */
int
parent_sock_fd(int k)
{
	return socks[k].ls.s_fd;
}

void
parent_sock_refuse_new(void)
{
	int k;

	for (k = 0; k < SOCK_MAX; k++)
		if (socks[k].refs > 0 && !socks[k].ls.s_inherited &&
		    shutdown(socks[k].ls.s_fd, SHUT_RD) == -1)
			log_warn("shutdown %s", socks[k].ls.s_path);
}

/* The socket now serving path (a replaced one has lost its lock). */
static int
sock_find(const char *path)
{
	const struct gw_sock *s;
	int k;

	for (k = 0; k < SOCK_MAX; k++) {
		s = &socks[k].ls;
		if (socks[k].refs > 0 && strcmp(s->s_path, path) == 0 &&
		    (s->s_abstract || s->s_inherited || s->s_lockfd != -1))
			return k;
	}
	return -1;
}

static int
sock_slot(void)
{
	int k;

	for (k = 0; k < SOCK_MAX; k++)
		if (socks[k].refs == 0)
			return k;
	return -1;	/* GEN_MAX bounds the need: not reached */
}

static void
sock_note(int k, const struct listener_conf *lc)
{
	socks[k].refs = 1;
	socks[k].uid = lc->uid;
	socks[k].gid = lc->gid;
	socks[k].mode = lc->mode;
	socks[k].service = lc->service;
}

/* A changed owner, group, mode or service gets a new socket. */
static int
needs_new(int k, const struct listener_conf *lc)
{
	const struct lsock *l = &socks[k];

	if (l->ls.s_abstract || l->ls.s_inherited)
		return 0;	/* no file to change, or systemd's */
	return l->uid != lc->uid || l->gid != lc->gid || l->mode != lc->mode ||
	    l->service != lc->service;
}

static void
log_listener(const struct listener_conf *lc, const struct gw_sock *s,
    const char *what)
{
	log_info("listener %s: %s %s%s (mode %04o, uid %lu, gid %lu)%s",
	    lc->name, policy_service_name(lc->service), lc->path,
	    s->s_inherited ? " (from systemd)" : "", lc->mode,
	    (unsigned long)lc->uid, (unsigned long)lc->gid, what);
}

/* Use an inherited fd for lc if one is named for it or bound to its path. */
static int
adopt(const struct listener_conf *lc, struct activation *act, int *used,
    struct gw_sock *s, int *adopted)
{
	char path[POLICY_PATH_MAX], err[256];
	int j, fd;

	*adopted = 0;
	for (j = 0; j < act->nfds; j++)
		if (!used[j] && strcmp(act->names[j], lc->name) == 0)
			break;
	if (j == act->nfds)
		for (j = 0; j < act->nfds; j++)
			if (!used[j] && sock_check_inherited(
			    ACTIVATION_FD_START + j, path, sizeof(path), err,
			    sizeof(err)) == 0 && strcmp(path, lc->path) == 0)
				break;
	if (j == act->nfds)
		return 0;
	fd = ACTIVATION_FD_START + j;
	if (sock_adopt(fd, lc, s, err, sizeof(err)) == -1) {
		log_warnx("listener %s: inherited fd %d (%s): %s", lc->name,
		    fd, act->names[j][0] != '\0' ? act->names[j] : "unnamed",
		    err);
		return -1;
	}
	used[j] = 1;
	*adopted = 1;
	return 0;
}

enum { SK_REUSED, SK_OPENED, SK_PREPARED };

/*
 * Give generation g a socket for each listener: the one already serving
 * the path when unchanged, a new one renamed over it when changed, a
 * new one for a new path. All-or-nothing: on error, -1 and nothing
 * changed. The renames come last, when nothing else can fail.
 */
int
parent_sock_gen(struct gen *g, struct activation *act, int *used)
{
	const struct listener_conf *lc;
	char err[512];
	int kind[POLICY_MAX_LISTENERS], old[POLICY_MAX_LISTENERS];
	size_t i, n = g->g_pol->nlisteners;
	int k, ad;

	for (i = 0; i < n; i++) {
		lc = &g->g_pol->listeners[i];
		old[i] = k = sock_find(lc->path);
		if (k != -1 && !needs_new(k, lc)) {
			kind[i] = SK_REUSED;
			g->g_sock[i] = k;
			socks[k].refs++;
			if (socks[k].ls.s_inherited &&
			    (socks[k].uid != lc->uid ||
			    socks[k].gid != lc->gid ||
			    socks[k].mode != lc->mode))
				log_warnx("listener %s: owner, group and mode "
				    "of an inherited socket are the socket "
				    "unit's; not changed", lc->name);
			continue;
		}
		if ((g->g_sock[i] = sock_slot()) == -1) {
			(void)snprintf(err, sizeof(err), "out of socket slots");
			goto bad;
		}
		if (k != -1) {
			kind[i] = SK_PREPARED;
			if (sock_prepare(lc, &socks[k].ls,
			    &socks[g->g_sock[i]].ls, err, sizeof(err)) == -1)
				goto bad;
		} else {
			kind[i] = SK_OPENED;
			ad = 0;
			if (act != NULL && adopt(lc, act, used,
			    &socks[g->g_sock[i]].ls, &ad) == -1) {
				(void)snprintf(err, sizeof(err), "inherited "
				    "socket unusable");
				goto bad;
			}
			if (!ad && sock_open(lc, &socks[g->g_sock[i]].ls, err,
			    sizeof(err)) == -1)
				goto bad;
		}
		sock_note(g->g_sock[i], lc);
	}
	for (i = 0; i < n; i++) {
		lc = &g->g_pol->listeners[i];
		k = g->g_sock[i];
		if (kind[i] == SK_PREPARED && sock_commit(&socks[k].ls,
		    &socks[old[i]].ls, err, sizeof(err)) == -1) {
			/* Rare (the directory changed under us): keep it. */
			log_warnx("listener %s: %s; keeping the old socket",
			    lc->name, err);
			socks[k].refs = 0;
			g->g_sock[i] = old[i];
			socks[old[i]].refs++;
			continue;
		}
		if (kind[i] != SK_REUSED || g->g_id == 1)
			log_listener(lc, &socks[k].ls, kind[i] == SK_PREPARED ?
			    ": replaced" : g->g_id == 1 ? "" : ": added");
	}
	return 0;
bad:
	log_warnx("listener %s: %s", g->g_pol->listeners[i].name, err);
	while (i-- > 0) {
		k = g->g_sock[i];
		if (kind[i] == SK_REUSED)
			socks[k].refs--;
		else if (kind[i] == SK_PREPARED) {
			sock_abort(&socks[k].ls);
			socks[k].refs = 0;
		} else {
			socks[k].refs = 0;
			sock_close(&socks[k].ls, 1);
		}
	}
	return -1;
}

/*
 * Socket activation (sd_listen_fds(3)): read and unset LISTEN_PID,
 * LISTEN_FDS and LISTEN_FDNAMES. Returns 0 (with act->nfds 0 when there
 * is nothing for us), -1 when the variables are malformed.
 */
int
parent_sock_activation_init(struct activation *act)
{
	int r, j;

	r = activation_parse(getenv("LISTEN_PID"), getenv("LISTEN_FDS"),
	    getenv("LISTEN_FDNAMES"), getpid(), act);
	if (getenv("LISTEN_FDS") != NULL && r == 0)
		log_info("LISTEN_FDS ignored: LISTEN_PID is not ours");
	(void)unsetenv("LISTEN_PID");
	(void)unsetenv("LISTEN_FDS");
	(void)unsetenv("LISTEN_FDNAMES");
	if (r < 0) {
		log_warnx("socket activation: malformed LISTEN_* variables: "
		    "%s", gw_strerror(r));
		return -1;
	}
	if (r > 0)
		log_info("socket activation: %d inherited fd%s", r,
		    r == 1 ? "" : "s");
	/* Never into a forked child by accident: placed explicitly. */
	for (j = 0; j < act->nfds; j++)
		(void)fcntl(ACTIVATION_FD_START + j, F_SETFD, FD_CLOEXEC);
	return 0;
}

/* Inherited fds no listener claimed: not ours to serve. */
void
parent_sock_activation_close_unused(const struct activation *act,
    const int *used)
{
	int j;

	for (j = 0; j < act->nfds; j++)
		if (!used[j]) {
			log_warnx("inherited fd %d (%s) matches no listener; "
			    "closed", ACTIVATION_FD_START + j,
			    act->names[j][0] != '\0' ? act->names[j] :
			    "unnamed");
			(void)close(ACTIVATION_FD_START + j);
		}
}
