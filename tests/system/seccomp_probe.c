/* SPDX-License-Identifier: ISC */
/* seccomp_probe: run one action under the worker's filter (system tests). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "privdrop.h"
#include "sandbox.h"

/*
 * Usage: seccomp_probe [-d|-l] MODE [ARGS]
 *
 * Modes that run under the filter (sandbox_apply(SANDBOX_ENFORCE, 2), or
 * SANDBOX_DEBUG with -d, SANDBOX_LEARN with -l), and what a test expects:
 *   ok            allowed work (malloc/realloc/free of large blocks, qsort,
 *                 clock_gettime, getpid, a log line); prints "ok", exit 0
 *   execve socket_inet socket_unix openat open mmap_exec fork kill
 *                 a forbidden call: killed by SIGSYS (shell status 159)
 *   fstat ioctl clone3 mremap
 *                 a soft denial: the expected errno; prints "ok", exit 0
 *   abort doublefree fortify
 *                 glibc's abort paths still work: SIGABRT (status 134)
 *   shutdown_rd shutdown_rdwr
 *                 shutdown() of a listening socket other than SHUT_WR,
 *                 which would stop it accepting for every process that
 *                 shares it: SIGSYS
 *   shutdown_wr   the half-close the worker does use: prints "ok"
 *   status CHROOT_DIR [UID GID]
 *                 privdrop_apply() to UID:GID (default 65534) in
 *                 CHROOT_DIR ("-": none), then the filter; prints its pid
 *                 and "ready", waits for a byte or EOF on stdin, exit 0
 * Modes without the filter:
 *   check         sandbox_check_table(): exit 0 if every name resolves
 *   print         sandbox_print(stdout)
 *   verify PID UID GID
 *                 privdrop_verify_status() on /proc/PID/status: exit 0,
 *                 or print why, exit 1
 */

static const char *const filtered_modes[] = {
	"ok", "execve", "socket_inet", "socket_unix", "openat", "open",
	"mmap_exec", "fork", "kill", "fstat", "ioctl", "clone3", "mremap",
	"abort", "doublefree", "fortify", "shutdown_rd", "shutdown_rdwr",
	"shutdown_wr", NULL
};

/* A listening Unix socket made before the filter, for the shutdown modes. */
static int		 probe_listener = -1;

static void
usage(void)
{
	fprintf(stderr, "usage: seccomp_probe [-d|-l] ok|execve|socket_inet|"
	    "socket_unix|openat|open|mmap_exec|fork|kill|fstat|ioctl|clone3|"
	    "mremap|abort|doublefree|fortify|check|print|\n"
	    "    status CHROOT_DIR [UID GID]|verify PID UID GID\n");
	exit(2);
}

static void
say(const char *s)
{
	if (write(STDOUT_FILENO, s, strlen(s)) == -1)
		_exit(1);
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

/* What a worker does in steady state, minus the sockets. */
static int
do_ok(void)
{
	struct timespec ts;
	char *p, *q, *small[64];
	int *v;
	size_t i;

	if ((p = malloc(1 << 20)) == NULL)
		return 1;
	memset(p, 'x', 1 << 20);
	/* An mmapped chunk: mremap is ENOSYS, glibc copies instead. */
	if ((q = realloc(p, 4 << 20)) == NULL)
		return 1;
	memset(q, 'y', 4 << 20);
	free(q);
	for (i = 0; i < 64; i++)
		if ((small[i] = malloc(100 + i * 1000)) == NULL)
			return 1;
	for (i = 0; i < 64; i++)
		free(small[i]);
	/* glibc's merge sort calls sysinfo() for arrays over ~1 KiB. */
	if ((v = calloc(2000, sizeof(*v))) == NULL)
		return 1;
	for (i = 0; i < 2000; i++)
		v[i] = (int)((i * 7919) % 2000);
	qsort(v, 2000, sizeof(*v), cmp_int);
	free(v);
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1 ||
	    syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts) == -1)
		return 1;
	if (getpid() <= 0 || syscall(SYS_gettid) <= 0)
		return 1;
	errno = EAGAIN;
	log_warn("probe: log line under the filter");
	say("ok\n");
	return 0;
}

/* A soft denial must fail with exactly this errno. */
static int
expect_errno(long r, int want, const char *what)
{
	if (r != -1 || errno != want) {
		fprintf(stderr, "%s: returned %ld errno %d, want -1 errno %d\n",
		    what, r, r == -1 ? errno : 0, want);
		return 1;
	}
	say("ok\n");
	return 0;
}

static int
do_fortify(void)
{
	char dst[8], src[32];
	volatile size_t n = sizeof(src);

	memset(src, 'a', sizeof(src));
	memcpy(dst, src, n);	/* __memcpy_chk fails: n > sizeof(dst) */
	return dst[0];
}

static int
do_doublefree(void)
{
	char *volatile p;

	if ((p = malloc(64)) == NULL)
		return 1;
	free(p);
	free(p);
	return 0;
}

static int
run(const char *mode)
{
	struct stat st;
	char *const argv[] = { "true", NULL };

	if (strcmp(mode, "ok") == 0)
		return do_ok();
	if (strcmp(mode, "execve") == 0)
		return execve("/bin/true", argv, environ) == -1 ? 1 : 0;
	if (strcmp(mode, "socket_inet") == 0)
		return socket(AF_INET, SOCK_STREAM, 0) == -1 ? 1 : 0;
	if (strcmp(mode, "socket_unix") == 0)
		return socket(AF_UNIX, SOCK_STREAM, 0) == -1 ? 1 : 0;
	if (strcmp(mode, "openat") == 0)
		return openat(AT_FDCWD, "/etc/passwd", O_RDONLY) == -1 ? 1 : 0;
#ifdef SYS_open
	if (strcmp(mode, "open") == 0)
		return syscall(SYS_open, "/etc/passwd", O_RDONLY) == -1;
#endif
	if (strcmp(mode, "mmap_exec") == 0)
		return mmap(NULL, 4096, PROT_READ | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED;
	if (strcmp(mode, "fork") == 0)
		return fork() == -1 ? 1 : 0;
	if (strcmp(mode, "kill") == 0)
		return kill(1, 0) == -1 ? 1 : 0;
	if (strcmp(mode, "fstat") == 0)
		return expect_errno(fstat(0, &st), EACCES, "fstat");
	if (strcmp(mode, "ioctl") == 0)
		return expect_errno(isatty(0) ? 0 : -1, ENOTTY, "isatty");
	if (strcmp(mode, "clone3") == 0)
		return expect_errno(syscall(SYS_clone3, NULL, 0), ENOSYS,
		    "clone3");
	if (strcmp(mode, "mremap") == 0)
		return expect_errno(syscall(SYS_mremap, NULL, 4096, 8192, 0),
		    ENOSYS, "mremap");
	if (strcmp(mode, "shutdown_rd") == 0)
		return shutdown(probe_listener, SHUT_RD) == -1 ? 1 : 0;
	if (strcmp(mode, "shutdown_rdwr") == 0)
		return shutdown(probe_listener, SHUT_RDWR) == -1 ? 1 : 0;
	if (strcmp(mode, "shutdown_wr") == 0) {
		/* ENOTCONN on a listener: the call itself was let through. */
		if (shutdown(probe_listener, SHUT_WR) == -1 &&
		    errno != ENOTCONN)
			return 1;
		say("ok\n");
		return 0;
	}
	if (strcmp(mode, "abort") == 0)
		abort();
	if (strcmp(mode, "doublefree") == 0)
		return do_doublefree();
	if (strcmp(mode, "fortify") == 0)
		return do_fortify();
	usage();
	/* NOTREACHED */
	return 2;
}

static unsigned long
number(const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v > max)
		fatalx("bad number %s", s);
	return v;
}

static int
do_status(int mode, int argc, char **argv)
{
	struct privdrop pd;
	char buf[64];
	ssize_t r;
	int n;

	if (argc != 2 && argc != 4)
		usage();
	memset(&pd, 0, sizeof(pd));
	pd.uid = argc == 4 ? (uid_t)number(argv[2], UINT_MAX - 1) : 65534;
	pd.gid = argc == 4 ? (gid_t)number(argv[3], UINT_MAX - 1) : 65534;
	pd.change_ids = geteuid() == 0;
	pd.chroot_fd = -1;
	if (strcmp(argv[1], "-") != 0 && (pd.chroot_fd = open(argv[1],
	    O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC)) == -1)
		err(1, "%s", argv[1]);
	pd.nofile = 64;
	pd.try_unshare = 1;
	pd.parent = getppid();

	privdrop_close_fds_except(&pd.chroot_fd, pd.chroot_fd == -1 ? 0 : 1);
	privdrop_apply(&pd);
	sandbox_apply(mode, STDERR_FILENO);

	n = snprintf(buf, sizeof(buf), "%ld ready\n", (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(buf))
		return 1;
	say(buf);
	while ((r = read(STDIN_FILENO, buf, 1)) == -1 && errno == EINTR)
		;
	return 0;
}

int
main(int argc, char **argv)
{
	char why[256];
	size_t i;
	int ch, mode = SANDBOX_ENFORCE;

	log_init("seccomp_probe", LOG_INFO);
	while ((ch = getopt(argc, argv, "dl")) != -1) {
		switch (ch) {
		case 'd':
			mode = SANDBOX_DEBUG;
			break;
		case 'l':
			mode = SANDBOX_LEARN;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();

	if (strcmp(argv[0], "check") == 0)
		return sandbox_check_table() == 0 ? 0 : 1;
	if (strcmp(argv[0], "print") == 0) {
		sandbox_print(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (strcmp(argv[0], "verify") == 0) {
		char path[64];
		int fd, r;

		if (argc != 4)
			usage();
		(void)snprintf(path, sizeof(path), "/proc/%ld/status",
		    number(argv[1], INT_MAX));
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
			printf("not demoted: %s: %s\n", path, strerror(errno));
			return 1;
		}
		r = privdrop_verify_status(fd, (uid_t)number(argv[2],
		    UINT_MAX - 1), (gid_t)number(argv[3], UINT_MAX - 1), why,
		    sizeof(why));
		(void)close(fd);
		if (r == -1) {
			printf("not demoted: %s\n", why);
			return 1;
		}
		printf("demoted\n");
		return 0;
	}
	if (strcmp(argv[0], "status") == 0)
		return do_status(mode, argc, argv);

	for (i = 0; filtered_modes[i] != NULL; i++)
		if (strcmp(argv[0], filtered_modes[i]) == 0)
			break;
	if (argc != 1 || filtered_modes[i] == NULL)
		usage();
	if (strncmp(argv[0], "shutdown_", 9) == 0) {
		/* An abstract name: nothing to clean up in the file system. */
		struct sockaddr_un sun;

		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		(void)snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
		    "udsgw-probe-%ld", (long)getpid());
		if ((probe_listener = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
		    bind(probe_listener, (struct sockaddr *)&sun,
		    sizeof(sun)) == -1 || listen(probe_listener, 1) == -1)
			fatal("probe listener");
	}
	/* What privdrop_apply() leaves behind; sandbox_apply() checks it. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("prctl(PR_SET_NO_NEW_PRIVS)");
	sandbox_apply(mode, STDERR_FILENO);
	return run(argv[0]);
}
