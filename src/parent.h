/* SPDX-License-Identifier: ISC */
/* The privileged monitor: sockets, workers, signals. */
#ifndef UDSGW_PARENT_H
#define UDSGW_PARENT_H

#include "gateway.h"

struct parent_opts {
	const char	*policy_file;	/* NULL: embedded default */
	int		 worker_flags;	/* WORKER_F_* passed to workers */
};

/* parent_run: serve p until stopped; returns the exit status. */
int	 parent_run(struct policy *p, const struct parent_opts *o);

#endif /* UDSGW_PARENT_H */
