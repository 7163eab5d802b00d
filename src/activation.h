/* SPDX-License-Identifier: ISC */
/* systemd socket activation: the LISTEN_* variables, parsed (PURE). */
#ifndef UDSGW_ACTIVATION_H
#define UDSGW_ACTIVATION_H

#include <sys/types.h>

#include "gateway.h"

#define ACTIVATION_FD_START	3	/* SD_LISTEN_FDS_START */
#define ACTIVATION_MAX_FDS	POLICY_MAX_LISTENERS

struct activation {
	int	 nfds;		/* fds ACTIVATION_FD_START .. + nfds - 1 */
	/* LISTEN_FDNAMES, one per fd; "" when absent or too long to match */
	char	 names[ACTIVATION_MAX_FDS][POLICY_NAME_MAX];
};

/*
 * activation_parse: decode LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES
 * (each may be NULL: unset) as sd_listen_fds_with_names(3) does. PURE.
 *
 * Returns the number of fds passed to us (> 0) and fills *out; 0 when
 * activation does not apply (a variable is unset, LISTEN_FDS is 0, or
 * LISTEN_PID is not self: the fds are some other process's); or, with
 * *out cleared:
 *	GW_ERR_INVALID	a number is not plain decimal, LISTEN_PID is not
 *			positive, or LISTEN_FDNAMES does not hold exactly
 *			LISTEN_FDS colon-separated names;
 *	GW_ERR_RANGE	LISTEN_FDS above ACTIVATION_MAX_FDS.
 * A name longer than POLICY_NAME_MAX - 1 bytes cannot be a listener
 * name and is stored as "" (the fd may still match by its path).
 */
int	 activation_parse(const char *listen_pid, const char *listen_fds,
	    const char *names, pid_t self, struct activation *out);

#endif /* UDSGW_ACTIVATION_H */
