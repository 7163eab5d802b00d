/* SPDX-License-Identifier: ISC */
/* systemd socket activation: the LISTEN_* variables, parsed (PURE). */
#include <stdint.h>
#include <string.h>

#include "activation.h"

/* Plain decimal, no sign or spaces, at most max; 0 or GW_ERR_*. */
static int
decimal(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return GW_ERR_INVALID;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return GW_ERR_INVALID;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return GW_ERR_RANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

/* Split names at ':' into out->names; exactly n fields. */
static int
split_names(const char *names, int n, struct activation *out)
{
	const char *p = names, *e;
	size_t len;
	int i;

	for (i = 0; i < n; i++) {
		e = strchr(p, ':');
		len = e != NULL ? (size_t)(e - p) : strlen(p);
		if (len < sizeof(out->names[i])) {
			memcpy(out->names[i], p, len);
			out->names[i][len] = '\0';
		}
		if (e == NULL) {
			if (i != n - 1)
				return GW_ERR_INVALID;	/* too few */
			return 0;
		}
		p = e + 1;
	}
	return GW_ERR_INVALID;			/* too many */
}

int
activation_parse(const char *listen_pid, const char *listen_fds,
    const char *names, pid_t self, struct activation *out)
{
	uint64_t pid, nfds;
	int r;

	memset(out, 0, sizeof(*out));
	if (listen_pid == NULL || listen_fds == NULL)
		return 0;
	if ((r = decimal(listen_pid, INT32_MAX, &pid)) != 0)
		return GW_ERR_INVALID;
	if (pid == 0)
		return GW_ERR_INVALID;
	if ((r = decimal(listen_fds, INT32_MAX, &nfds)) != 0)
		return GW_ERR_INVALID;
	if (self <= 0 || pid != (uint64_t)self || nfds == 0)
		return 0;
	if (nfds > ACTIVATION_MAX_FDS)
		return GW_ERR_RANGE;
	if (names != NULL && (r = split_names(names, (int)nfds, out)) != 0) {
		memset(out, 0, sizeof(*out));
		return r;
	}
	out->nfds = (int)nfds;
	return out->nfds;
}
