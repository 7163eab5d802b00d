/* SPDX-License-Identifier: ISC */
/*
 * cmocka tests for what the parent makes of a worker's log record:
 * escaping, priority clamping, the identity prefix, and truncation.
 * A compromised worker chooses every byte of its records.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/socket.h>

#include "log.h"

static void
test_escape(void **state)
{
	char out[64];
	size_t used;

	(void)state;
	assert_int_equal(log_escape(out, sizeof(out), "plain text", 10, &used),
	    10);
	assert_string_equal(out, "plain text");
	assert_int_equal(used, 10);
	log_escape(out, sizeof(out), "a\nb\rc\td\x1b[0m\x7f", 12, NULL);
	assert_string_equal(out, "a\\x0ab\\x0dc\\x09d\\x1b[0m\\x7f");
	log_escape(out, sizeof(out), "back\\slash", 10, NULL);
	assert_string_equal(out, "back\\\\slash");
	/* NUL inside a record, high bytes (U+2028 is e2 80 a8). */
	log_escape(out, sizeof(out), "x\0y\xe2\x80\xa8\xff", 7, NULL);
	assert_string_equal(out, "x\\x00y\\xe2\\x80\\xa8\\xff");
}

/* Every byte value: output is printable ASCII only. */
static void
test_escape_all_bytes(void **state)
{
	unsigned char in[256];
	char out[4 * 256 + 1];
	size_t i, n, used;

	(void)state;
	for (i = 0; i < 256; i++)
		in[i] = (unsigned char)i;
	n = log_escape(out, sizeof(out), in, sizeof(in), &used);
	assert_int_equal(used, 256);
	assert_int_equal(n, strlen(out));
	for (i = 0; i < n; i++)
		assert_true(out[i] >= 0x20 && out[i] < 0x7f);
}

/* An escape that does not fit is not started, and out stays a string. */
static void
test_escape_truncated(void **state)
{
	char out[6];
	size_t used;

	(void)state;
	assert_int_equal(log_escape(out, sizeof(out), "ab\ncd", 5, &used), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(used, 2);
	assert_int_equal(log_escape(out, 1, "ab", 2, &used), 0);
	assert_string_equal(out, "");
	assert_int_equal(used, 0);
	assert_int_equal(log_escape(out, sizeof(out), "abcdefgh", 8, &used),
	    5);
	assert_int_equal(used, 5);
}

static void
test_prio_clamped(void **state)
{
	size_t skip;

	(void)state;
	assert_int_equal(log_worker_prio("0emerg", 6, &skip), LOG_ERR);
	assert_int_equal(skip, 1);
	assert_int_equal(log_worker_prio("1alert", 6, &skip), LOG_ERR);
	assert_int_equal(log_worker_prio("2crit", 5, &skip), LOG_ERR);
	assert_int_equal(log_worker_prio("3err", 4, &skip), LOG_ERR);
	assert_int_equal(log_worker_prio("4warn", 5, &skip), LOG_WARNING);
	assert_int_equal(log_worker_prio("7debug", 6, &skip), LOG_DEBUG);
	assert_int_equal(skip, 1);
	/* Raw stderr text (glibc): ERR, nothing skipped. */
	assert_int_equal(log_worker_prio("*** stack smashing", 18, &skip),
	    LOG_ERR);
	assert_int_equal(skip, 0);
	assert_int_equal(log_worker_prio("8", 1, &skip), LOG_ERR);
	assert_int_equal(skip, 0);
	assert_int_equal(log_worker_prio("", 0, &skip), LOG_ERR);
	assert_int_equal(skip, 0);
}

/* The attacks of issue 13: a forged journal line and a forged reload. */
static void
test_format_forged(void **state)
{
	static const char forged[] = "x\n<0>uds-gateway[1]: reloaded: "
	    "generation 9 serving";
	char out[LOG_LINE_MAX];
	size_t n;

	(void)state;
	n = log_format_line(out, sizeof(out), 1, "uds-gateway", 1, LOG_ERR,
	    "worker 123", forged, sizeof(forged) - 1);
	assert_int_equal(n, strlen(out));
	assert_string_equal(out, "<3>worker 123: x\\x0a<0>uds-gateway[1]: "
	    "reloaded: generation 9 serving\n");
	/* One line: the only newline is the last byte. */
	assert_ptr_equal(strchr(out, '\n'), out + n - 1);
	n = log_format_line(out, sizeof(out), 0, "uds-gateway", 42,
	    LOG_WARNING, "worker 7", "a\r\nb", 4);
	assert_string_equal(out, "uds-gateway[42]: worker 7: a\\x0d\\x0ab\n");
	n = log_format_line(out, sizeof(out), 0, "uds-gateway", 42,
	    LOG_INFO, NULL, "ready", 5);
	assert_string_equal(out, "uds-gateway[42]: ready\n");
}

/* Too long: cut at an escape boundary, "..." and still one line. */
static void
test_format_truncated(void **state)
{
	char msg[3000], out[LOG_LINE_MAX], small[40];
	size_t n, i;

	(void)state;
	memset(msg, '\n', sizeof(msg));
	n = log_format_line(out, sizeof(out), 1, "t", 1, LOG_ERR, "w", msg,
	    sizeof(msg));
	assert_true(n <= sizeof(out) - 1);
	assert_int_equal(n, strlen(out));
	assert_memory_equal(out + n - 4, "...\n", 4);
	assert_ptr_equal(strchr(out, '\n'), out + n - 1);
	for (i = 0; i < 3; i++)
		assert_true(out[n - 5 - i] != '\\');	/* whole "\x0a" */
	assert_memory_equal(out + n - 8, "\\x0a", 4);
	/* A prefix longer than the line. */
	memset(msg, 'a', 100);
	msg[100] = '\0';
	n = log_format_line(small, sizeof(small), 0, msg, 1, LOG_ERR, msg,
	    "z", 1);
	assert_true(n < sizeof(small));
	assert_int_equal(n, strlen(small));
	assert_int_equal(small[n - 1], '\n');
}

/* Standard error into a pipe for one test; *saved to put it back. */
static int
stderr_to_pipe(int *saved)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_true((*saved = dup(2)) != -1);
	assert_int_equal(dup2(p[1], 2), 2);
	assert_int_equal(close(p[1]), 0);
	assert_int_equal(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	return p[0];
}

/* Read what is in the pipe, flushing the log queue, until both are dry. */
static size_t
drain(int rfd, char *out, size_t outlen)
{
	size_t len = 0;
	ssize_t n;
	int i, pending = 1;

	for (i = 0; i < 100000 && len < outlen - 1; i++) {
		n = read(rfd, out + len, outlen - 1 - len);
		if (n > 0)
			len += (size_t)n;
		else if (n == -1 && errno == EAGAIN && !pending)
			break;
		pending = log_flush();
	}
	out[len] = '\0';
	return len;
}

static void
restore_stderr(int rfd, int saved)
{
	assert_int_equal(dup2(saved, 2), 2);
	assert_int_equal(close(saved), 0);
	assert_int_equal(close(rfd), 0);
}

/* The whole parent path for one record: clamp, prefix, escape, strip. */
static void
test_worker_record(void **state)
{
	static const char emerg[] = "0boom\n<0>uds-gateway[1]: forged";
	static const char smash[] = "*** stack smashing detected ***: "
	    "terminated\n";
	char out[1024], want[256];
	int rfd, saved;

	(void)state;
	rfd = stderr_to_pipe(&saved);
	log_init("gw", LOG_INFO);
	log_worker_record("worker api#1 pid 123", emerg, sizeof(emerg) - 1);
	log_worker_record("worker 9", smash, sizeof(smash) - 1);
	log_worker_record("worker 9", "7debug is filtered", 18);
	(void)drain(rfd, out, sizeof(out));
	restore_stderr(rfd, saved);
	(void)snprintf(want, sizeof(want), "gw[%ld]: worker api#1 pid 123: "
	    "boom\\x0a<0>uds-gateway[1]: forged\n"
	    "gw[%ld]: worker 9: *** stack smashing detected ***: "
	    "terminated\n", (long)getpid(), (long)getpid());
	assert_string_equal(out, want);
}

/*
 * Worker side: the parent does not read its socket. Logging returns at
 * once, records that find no room are counted, and the count reaches
 * the parent first once there is room.
 */
static void
test_ipc_drops(void **state)
{
	char rec[1200], want[96];
	int sv[2], sz = 4096, i, got = 0;
	ssize_t n;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz,
	    sizeof(sz)), 0);
	log_init("gw", LOG_INFO);
	log_set_sink(LOG_SINK_IPC, sv[0]);
	alarm(30);	/* a blocked send would hang here: fail instead */
	for (i = 0; i < 2000; i++)
		log_info("record %d", i);
	alarm(0);
	while ((n = recv(sv[1], rec, sizeof(rec), MSG_DONTWAIT)) > 0) {
		assert_int_equal(rec[0], '0' + LOG_INFO);
		got++;
	}
	assert_true(got > 0 && got < 2000);
	assert_int_equal(log_flush(), 0);
	n = recv(sv[1], rec, sizeof(rec) - 1, MSG_DONTWAIT);
	assert_true(n > 0);
	rec[n] = '\0';
	(void)snprintf(want, sizeof(want), "%cdropped %d log records: the "
	    "parent was not reading", '0' + LOG_WARNING, 2000 - got);
	assert_string_equal(rec, want);
	log_info("after");
	n = recv(sv[1], rec, sizeof(rec) - 1, MSG_DONTWAIT);
	assert_int_equal(n, 6);
	assert_memory_equal(rec, "6after", 6);
	log_set_sink(LOG_SINK_STDERR, 2);
	assert_int_equal(close(sv[0]), 0);
	assert_int_equal(close(sv[1]), 0);
}

/*
 * A reader that does not read: logging returns at once, lines beyond
 * the queue are dropped and counted, a warning still finds room after a
 * flood of info lines, and the count is written once the queue drains.
 */
static void
test_queue_stalled_reader(void **state)
{
	char *out;
	const char *s;
	unsigned long dropped = 0;
	size_t len, lines = 0;
	int rfd, saved, i;

	(void)state;
	out = calloc(1, 1 << 20);
	assert_non_null(out);
	rfd = stderr_to_pipe(&saved);
	log_init("gw", LOG_INFO);
	log_queue_init();
	alarm(30);	/* a blocked write would hang here: fail instead */
	for (i = 0; i < 3000; i++)
		log_info("info line %d, padded to about a hundred bytes of "
		    "text so that the pipe fills up", i);
	log_warnx("the warning after the flood");
	alarm(0);
	assert_int_equal(log_flush(), 1);	/* still waiting */
	len = drain(rfd, out, 1 << 20);
	restore_stderr(rfd, saved);
	assert_true(len > 0);
	for (s = out; (s = strstr(s, ": info line ")) != NULL; s++)
		lines++;
	assert_non_null(strstr(out, ": the warning after the flood\n"));
	s = strstr(out, " log lines dropped: the log output was not taking "
	    "them\n");
	assert_non_null(s);
	while (s > out && s[-1] >= '0' && s[-1] <= '9')
		s--;
	dropped = strtoul(s, NULL, 10);
	assert_true(lines < 3000);
	assert_int_equal(lines + dropped, 3000);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_all_bytes),
		cmocka_unit_test(test_escape_truncated),
		cmocka_unit_test(test_prio_clamped),
		cmocka_unit_test(test_format_forged),
		cmocka_unit_test(test_format_truncated),
		cmocka_unit_test(test_worker_record),
		cmocka_unit_test(test_ipc_drops),
		cmocka_unit_test(test_queue_stalled_reader),	/* last */
	};

	/* As in the parent: a reader gone is EPIPE, not death. */
	(void)signal(SIGPIPE, SIG_IGN);

	return cmocka_run_group_tests(tests, NULL, NULL);
}
