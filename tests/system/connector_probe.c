/* SPDX-License-Identifier: ISC */
/*
 * connector_probe: play a compromised worker against a real connector.
 *
 * Usage: connector_probe BIN UNIX_PATH IDX UID GID
 *
 * Starts "BIN --connector IDX" the way the parent does (fd 3 its IPC
 * socket, fd 4 a sealed memfd with its configuration: upstream IDX at
 * UNIX_PATH, run as UID:GID), hands it one channel, then sends on that
 * channel what a compromised worker could: a request for another
 * upstream's index, records of the wrong size, a bad magic, a request
 * with a descriptor attached, and finally a valid request. Prints one
 * line per answer ("idx=N: errno E" or "fd") and the connector's log
 * records; exits 0 if every bad request was refused with EPERM, no
 * descriptor came back for any of them, and the valid one got one.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connector.h"
#include "fdpass.h"
#include "fwd_proto.h"

static int chan = -1, ipc = -1;

/* Print the connector's log records that have arrived. */
static void
drain_log(void)
{
	char rec[1200];
	ssize_t n;

	while ((n = recv(ipc, rec, sizeof(rec) - 1, MSG_DONTWAIT)) > 0) {
		rec[n] = '\0';
		printf("log: %s\n", rec[0] >= '0' && rec[0] <= '7' ? rec + 1 :
		    rec);
	}
}

/*
 * Wait for one answer: its errno, 0 with *fd set, or -1 (none). *fd is
 * -2 when the answer carried descriptors in a shape no worker accepts
 * (fdpass closed them): as much a failure as an unexpected one.
 */
static int
answer(uint64_t id, int *fd)
{
	struct pollfd pfd = { .fd = chan, .events = POLLIN };
	struct fwd_rep rep;
	int badrec;

	*fd = -1;
	if (poll(&pfd, 1, 5000) != 1)
		return -1;
	if (fdpass_recv(chan, &rep, sizeof(rep), MSG_CMSG_CLOEXEC, fd,
	    &badrec) != (ssize_t)sizeof(rep) || badrec) {
		if (badrec)
			*fd = -2;
		return -1;
	}
	if (rep.magic != FWD_REP_MAGIC || rep.id != id)
		return -1;
	return rep.error;
}

/* A record of len bytes, with a descriptor (stdin) attached if withfd. */
static int
send_rec(const void *p, size_t len, int withfd)
{
	return fdpass_send(chan, p, len, withfd ? 0 : -1, MSG_NOSIGNAL) ==
	    (ssize_t)len ? 0 : -1;
}

/* A bad request must come back EPERM without a descriptor. */
static int
expect_refused(const char *what, const void *p, size_t len, int withfd,
    uint64_t id)
{
	int fd, e;

	if (send_rec(p, len, withfd) == -1) {
		drain_log();
		printf("%s: send failed\n", what);
		return 1;
	}
	e = answer(id, &fd);
	printf("%s: %s%s\n", what, e == EPERM ? "refused (EPERM)" :
	    e == -1 ? "no answer" : strerror(e), fd != -1 ? ", WITH fd" : "");
	if (fd != -1)
		return 1;
	/* A record that is not a request has no id to answer to. */
	return len == sizeof(struct fwd_req) ? e != EPERM : e != -1;
}

int
main(int argc, char **argv)
{
	struct connector_conf cc;
	struct fwd_req rq;
	char idxs[16], big[64];
	int sv[2], ch[2], conf, fd, bad = 0, e;
	pid_t pid;
	char tag = CONNECTOR_MSG_CHANNEL;

	if (argc != 6)
		return 2;
	memset(&cc, 0, sizeof(cc));
	cc.magic = CONNECTOR_MAGIC;
	cc.size = sizeof(cc);
	cc.idx = (uint32_t)atoi(argv[3]);
	cc.nofile = 256;
	cc.up.kind = UP_UNIX;
	snprintf(cc.up.path, sizeof(cc.up.path), "%s", argv[2]);
	snprintf(cc.up.name, sizeof(cc.up.name), "probe");
	cc.up.uid = (uid_t)atoi(argv[4]);
	cc.up.gid = (gid_t)atoi(argv[5]);
	cc.up.connect_timeout_ms = 2000;
	if ((conf = memfd_create("probe", MFD_ALLOW_SEALING)) == -1 ||
	    write(conf, &cc, sizeof(cc)) != (ssize_t)sizeof(cc) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, ch) == -1)
		return 2;
	if ((pid = fork()) == 0) {
		int a = fcntl(sv[1], F_DUPFD, 10), b = fcntl(conf, F_DUPFD, 10);

		if (a == -1 || b == -1 || dup2(a, 3) == -1 || dup2(b, 4) == -1)
			_exit(127);
		snprintf(idxs, sizeof(idxs), "%s", argv[3]);
		execl(argv[1], "uds-gw-c:probe", "--connector", idxs,
		    (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	close(conf);
	ipc = sv[0];
	chan = ch[0];
	/* The parent's step: hand the connector its end of the channel. */
	if (fdpass_send(ipc, &tag, 1, ch[1], MSG_NOSIGNAL) != 1)
		return 2;
	close(ch[1]);

	memset(&rq, 0, sizeof(rq));
	rq.magic = FWD_REQ_MAGIC;
	rq.upstream = cc.idx + 1;	/* another listener's upstream */
	rq.id = 1;
	bad |= expect_refused("another upstream's index", &rq, sizeof(rq), 0, 1);
	rq.upstream = 0xffffffffu;
	rq.id = 2;
	bad |= expect_refused("index out of range", &rq, sizeof(rq), 0, 2);
	rq.upstream = cc.idx;
	rq.magic = 0x41414141;
	rq.id = 3;
	bad |= expect_refused("bad magic", &rq, sizeof(rq), 0, 3);
	rq.magic = FWD_REQ_MAGIC;
	rq.id = 4;
	bad |= expect_refused("descriptor attached", &rq, sizeof(rq), 1, 4);
	memset(big, 'A', sizeof(big));
	bad |= expect_refused("oversized record", big, sizeof(big), 0, 0);
	bad |= expect_refused("short record", big, 4, 0, 0);
	rq.id = 5;
	send_rec(&rq, sizeof(rq), 0);
	e = answer(5, &fd);
	printf("own upstream: %s\n", e == 0 && fd != -1 ? "fd" :
	    e == -1 ? "no answer" : strerror(e));
	if (e != 0 || fd == -1)
		bad = 1;
	/* Ten more bad records make 16: the channel is then closed. */
	for (e = 0; e < 10; e++)
		(void)send_rec(big, 4, 0);
	{
		struct pollfd pfd = { .fd = chan, .events = POLLIN };
		char b;

		if (poll(&pfd, 1, 5000) == 1 && recv(chan, &b, 1, 0) == 0)
			printf("after %d bad records: channel closed\n",
			    CONNECTOR_BAD_MAX);
		else {
			printf("channel still open after %d bad records\n",
			    CONNECTOR_BAD_MAX);
			bad = 1;
		}
	}
	usleep(200000);
	drain_log();
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	printf("%s\n", bad ? "FAIL" : "PASS");
	return bad;
}
