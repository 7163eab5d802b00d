/* SPDX-License-Identifier: ISC */
/* The privileged monitor: sockets, workers, signals. */
#ifndef UDSGW_PARENT_H
#define UDSGW_PARENT_H

#include "gateway.h"

#include <stddef.h>

/*
 * How the parent re-reads the policy on SIGHUP: load(file, p, msg, len)
 * parses and resolves file (NULL: the default) into *p and returns 0,
 * or -1 with "file:line:col: message" in msg.
 */
typedef int parent_load_fn(const char *file, struct policy *p, char *msg,
    size_t msglen);

struct parent_opts {
	const char	*policy_file;	/* absolute; NULL: the default */
	int		 worker_flags;	/* WORKER_F_* passed to workers */
	parent_load_fn	*load;
};

/*
 * parent_run: serve p (copied) until stopped; returns the exit status.
 * Signals: SIGHUP reload, SIGTERM/SIGINT drain, SIGQUIT fast stop,
 * SIGUSR1 a status line in the log.
 */
int	 parent_run(struct policy *p, const struct parent_opts *o);

/*
 * parent_workers_total: the workers the policy starts, every listener's
 * together ("auto" counted on this host); more than PARENT_WORKERS_MAX
 * is a policy error.
 */
#define PARENT_WORKERS_MAX	256
size_t	 parent_workers_total(const struct policy *p);

#endif /* UDSGW_PARENT_H */
