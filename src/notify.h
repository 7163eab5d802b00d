/* SPDX-License-Identifier: ISC */
/* sd_notify(3) in a few lines, without libsystemd. */
#ifndef UDSGW_NOTIFY_H
#define UDSGW_NOTIFY_H

/*
 * notify_init: read and unset NOTIFY_SOCKET (absolute path or "@name"
 * for the abstract namespace). Returns 1 if notifications are enabled.
 */
int	 notify_init(void);
/* notify_send: one datagram; -1 with errno, 0 otherwise (or disabled). */
int	 notify_send(const char *msg);

/*
 * notify_reloading: "RELOADING=1" with MONOTONIC_USEC (CLOCK_MONOTONIC),
 * as Type=notify-reload expects; as notify_send.
 */
int	 notify_reloading(void);

#endif /* UDSGW_NOTIFY_H */
