/* SPDX-License-Identifier: ISC */
/* sd_notify(3) in a few lines, without libsystemd (after OpenSSH port-linux.c). */
#define _GNU_SOURCE	/* accept4, O_PATH, memfd_create, SO_PEERGROUPS */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

static struct sockaddr_un	notify_addr;
static socklen_t		notify_len;

socklen_t
notify_parse_addr(const char *s, struct sockaddr_un *sun)
{
	size_t n = strlen(s);

	if (n < 2 || (s[0] != '/' && s[0] != '@') ||
	    n >= sizeof(sun->sun_path))
		return 0;
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, s, n);
	if (s[0] == '@')
		sun->sun_path[0] = '\0';	/* abstract: a real NUL */
	/* Abstract names are length-delimited; paths need no NUL either. */
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
}

int
notify_init(void)
{
	const char *p = getenv("NOTIFY_SOCKET");

	if (p == NULL || *p == '\0')
		return 0;
	if ((notify_len = notify_parse_addr(p, &notify_addr)) == 0)
		log_warnx("NOTIFY_SOCKET %s: unsupported address; ignored", p);
	(void)unsetenv("NOTIFY_SOCKET");
	return notify_len != 0;
}

int
notify_send(const char *msg)
{
	ssize_t r;
	int fd, e;

	if (notify_len == 0)
		return 0;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	r = sendto(fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (struct sockaddr *)&notify_addr, notify_len);
	e = errno;
	(void)close(fd);
	errno = e;
	return r == -1 ? -1 : 0;
}

int
notify_reloading(void)
{
	struct timespec ts;
	char msg[64];

	if (notify_len == 0)
		return 0;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return -1;
	(void)snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000);
	return notify_send(msg);
}
