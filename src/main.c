/* SPDX-License-Identifier: ISC */
/* uds-gateway: command line, policy loading, and the mode switch. */
#define _GNU_SOURCE	/* accept4, O_PATH, memfd_create, SO_PEERGROUPS */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "access.h"
#include "activation.h"
#include "compat.h"
#include "http.h"
#include "log.h"
#include "parent.h"
#include "policy.h"
#include "privdrop.h"
#include "route.h"
#include "sandbox.h"
#include "token.h"
#include "worker.h"
#include "connector.h"

#include "default_policy.inc"

#define PACKAGED_POLICY	"/etc/uds-gateway/gateway.policy"

static void __attribute__((noreturn))
usage(int status)
{
	FILE *fp = status == 0 ? stdout : stderr;

	fprintf(fp,
	    "usage: uds-gateway [-dt] [-f file | --default-policy] "
	    "[--seccomp-debug]\n"
	    "       uds-gateway --print-seccomp | --print-seccomp-connector\n"
	    "       uds-gateway hash-token < token\n"
	    "       uds-gateway gen-token\n"
	    "       uds-gateway explain [-f file] listener --uid uid "
	    "[--gid gid]\n"
	    "           [--groups group,...] method target\n"
	    "       uds-gateway --version | --help\n"
	    "\n"
	    "  -f file          policy file (default " PACKAGED_POLICY ",\n"
	    "                   else the embedded default policy)\n"
	    "  --default-policy the embedded default policy, even when\n"
	    "                   " PACKAGED_POLICY " exists\n"
	    "  -t               check the policy, print the effective\n"
	    "                   settings, and exit (0 valid, 1 invalid)\n"
	    "  explain          which rule and which route decide a\n"
	    "                   request to a proxy listener (0 allowed,\n"
	    "                   1 refused, 2 usage or policy error)\n"
	    "  -d               debug logging (allowed connections too)\n"
	    "  --seccomp-debug  workers trap sandbox violations and name\n"
	    "                   the system call (never for production)\n"
	    "  --print-seccomp  print the workers' system call filter\n"
	    "  --print-seccomp-connector  the connectors' filter\n");
	exit(status);
}

/*
 * Before anything else (OpenSSH's sanitise_stdfd): 0, 1 and 2 must be
 * open, or the first descriptor we open (the policy file, a lock, the
 * sealed policy memfd) would become stdin or stderr, and log lines
 * would be written into it.
 */
static void
sanitise_stdfd(void)
{
	int fd, i;

	for (i = 0; i <= 2; i++) {
		if (fcntl(i, F_GETFD) != -1 || errno != EBADF)
			continue;
		if ((fd = open("/dev/null", O_RDWR)) == -1)
			_exit(GW_EXIT_FAILURE);	/* no stderr to say it on */
		if (fd != i) {		/* lower ones are open already */
			(void)dup2(fd, i);
			(void)close(fd);
		}
	}
}

/*
 * Descriptors we were started with, other than 0-2 and the sockets of
 * socket activation (LISTEN_FDS for our pid, from fd 3 on): nothing of
 * ours, so nothing to keep open for the parent's life or to leak into
 * a worker.
 */
static void
close_inherited(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	const char *errstr = NULL;
	int keep[ACTIVATION_MAX_FDS], fd, null;
	long long n = 0, i;
	size_t k = 0;

	if (pid != NULL && fds != NULL &&
	    strtonum(pid, 1, INT_MAX, &errstr) == getpid() && errstr == NULL)
		n = strtonum(fds, 0, ACTIVATION_MAX_FDS, &errstr);
	if (errstr != NULL)
		n = 0;	/* malformed: activation_parse says so later */
	/*
	 * One that is not open gets /dev/null, so that no descriptor of
	 * ours lands on its number and is later closed as an unclaimed
	 * activation fd; adopting it fails with a message.
	 */
	for (i = 0; i < n; i++) {
		fd = ACTIVATION_FD_START + (int)i;
		if (fcntl(fd, F_GETFD) == -1 && (null = open("/dev/null",
		    O_RDONLY | O_CLOEXEC)) != -1 && null != fd) {
			(void)dup3(null, fd, O_CLOEXEC);
			(void)close(null);
		}
		keep[k++] = fd;
	}
	privdrop_close_fds_except(keep, k);
}

/* nobody is shared: any process running as it can signal the workers. */
static void
warn_nobody(const struct policy *p)
{
	size_t i;

	if (geteuid() != 0)
		return;
	if (strcmp(p->user, "nobody") == 0)
		log_warnx("%s:%u: worker user 'nobody' is shared with other "
		    "programs: any process running as nobody can signal or "
		    "stop the workers; use a dedicated user (uds-gateway)",
		    p->file, p->user_pos.line);
	for (i = 0; i < p->nlisteners; i++)
		if (strcmp(p->listeners[i].user, "nobody") == 0)
			log_warnx("%s:%u: listener %s: worker user 'nobody' "
			    "is shared with other programs; use a dedicated "
			    "user", p->file, p->listeners[i].user_pos.line,
			    p->listeners[i].name);
}

/* Read a whole policy file; NULL with a message in msg. */
static uint8_t *
read_file(const char *path, size_t *lenp, char *msg, size_t msglen)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		(void)snprintf(msg, msglen, "uds-gateway: %s: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > POLICY_FILE_MAX) {
		(void)snprintf(msg, msglen, "uds-gateway: %s: not a regular "
		    "file of at most %d bytes", path, POLICY_FILE_MAX);
		goto fail;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		(void)snprintf(msg, msglen, "uds-gateway: out of memory");
		goto fail;
	}
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			(void)snprintf(msg, msglen, "uds-gateway: read %s: %s",
			    path, n == 0 ? "short read" : strerror(errno));
			goto fail;
		}
		len += (size_t)n;
	}
	(void)close(fd);
	*lenp = len;
	return buf;
fail:
	free(buf);
	(void)close(fd);
	return NULL;
}

/*
 * The placeholders of policy/default.policy. They may appear in any
 * policy file, so that a copy of the template is checked (-t) and run
 * as the embedded default would be.
 */
static const char rundir_key[] = "@RUNDIR@", group_key[] = "@GROUP@";

static int
has_placeholder(const uint8_t *text, size_t len)
{
	return memmem(text, len, rundir_key, sizeof(rundir_key) - 1) != NULL ||
	    memmem(text, len, group_key, sizeof(group_key) - 1) != NULL;
}

/* --default-policy: the embedded default even if PACKAGED_POLICY exists. */
static int use_default;

/*
 * @GROUP@: as root, the invoking user's group when started through
 * sudo(8) (SUDO_GID), else root's; not as root, our own. 0, or -1 with
 * the message in msg.
 */
static int
placeholder_group(char *name, size_t namelen, char *msg, size_t msglen)
{
	const char *v = getenv("SUDO_GID"), *errstr = NULL;
	struct group *gr;
	gid_t gid = getegid();

	if (geteuid() == 0 && v != NULL && *v != '\0') {
		gid = (gid_t)strtonum(v, 0, UINT32_MAX - 1, &errstr);
		if (errstr != NULL) {
			(void)snprintf(msg, msglen, "uds-gateway: SUDO_GID "
			    "'%.32s' is %s", v, errstr);
			return -1;
		}
	}
	errno = 0;
	if ((gr = getgrgid(gid)) == NULL) {
		(void)snprintf(msg, msglen, "uds-gateway: @GROUP@: no name "
		    "for group %lu%s%s", (unsigned long)gid,
		    errno != 0 ? ": " : "", errno != 0 ? strerror(errno) : "");
		return -1;
	}
	if (strlen(gr->gr_name) >= namelen) {
		(void)snprintf(msg, msglen, "uds-gateway: @GROUP@: the name "
		    "of group %lu is too long", (unsigned long)gid);
		return -1;
	}
	gw_strlcpy(name, gr->gr_name, namelen);
	return 0;
}

/*
 * text (of file, NULL: the embedded default) with @RUNDIR@ and @GROUP@
 * replaced.
 */
static uint8_t *
expand(const char *file, const uint8_t *text, size_t len, size_t *lenp,
    char *msg, size_t msglen)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char rundir[128], group[64] = "";
	uint8_t *out;
	size_t i, o = 0, cap;

	if (memmem(text, len, group_key, sizeof(group_key) - 1) != NULL &&
	    placeholder_group(group, sizeof(group), msg, msglen) == -1)
		return NULL;
	if (memmem(text, len, rundir_key, sizeof(rundir_key) - 1) == NULL)
		rundir[0] = '\0';
	else if (geteuid() == 0)
		gw_strlcpy(rundir, "/run/uds-gateway", sizeof(rundir));
	else if (xdg != NULL && xdg[0] == '/' && strlen(xdg) < 64)
		(void)snprintf(rundir, sizeof(rundir), "%s/uds-gateway", xdg);
	else if (file == NULL) {
		(void)snprintf(msg, msglen, "uds-gateway: no policy given, "
		    "and XDG_RUNTIME_DIR is not set (or too long) for the "
		    "embedded default; use -f FILE");
		return NULL;
	} else {
		(void)snprintf(msg, msglen, "uds-gateway: %s: @RUNDIR@ needs "
		    "XDG_RUNTIME_DIR (not set, or too long) when not root",
		    file);
		return NULL;
	}
	cap = len * (1 + strlen(rundir) + strlen(group)) + 1;
	if ((out = malloc(cap)) == NULL) {
		(void)snprintf(msg, msglen, "uds-gateway: out of memory");
		return NULL;
	}
	for (i = 0; i < len; ) {
		if (len - i >= sizeof(rundir_key) - 1 &&
		    memcmp(text + i, rundir_key, sizeof(rundir_key) - 1) == 0) {
			memcpy(out + o, rundir, strlen(rundir));
			o += strlen(rundir);
			i += sizeof(rundir_key) - 1;
		} else if (len - i >= sizeof(group_key) - 1 &&
		    memcmp(text + i, group_key, sizeof(group_key) - 1) == 0) {
			memcpy(out + o, group, strlen(group));
			o += strlen(group);
			i += sizeof(group_key) - 1;
		} else
			out[o++] = text[i++];
	}
	*lenp = o;
	return out;
}

/* The policy text of file, or of the embedded default; expanded. */
static uint8_t *
policy_text(const char *file, size_t *lenp, char *msg, size_t msglen)
{
	uint8_t *text, *x;
	size_t len = 0;

	if (file == NULL)
		return expand(NULL, default_policy, default_policy_len, lenp,
		    msg, msglen);
	if ((text = read_file(file, &len, msg, msglen)) == NULL)
		return NULL;
	if (!has_placeholder(text, len)) {
		*lenp = len;
		return text;
	}
	x = expand(file, text, len, lenp, msg, msglen);
	free(text);
	return x;
}

/*
 * Parse and resolve the policy: file, else the packaged one if present,
 * else the embedded default. 0, or -1 with every error in *dl, named
 * *namep, or (dl->n == 0: the file could not be read) the message in
 * msg.
 */
static int
load_all(const char *file, struct policy *p, struct policy_diags *dl,
    const char **namep, char *msg, size_t msglen)
{
	struct gw_diag *d;
	const char *name;
	uint8_t *text;
	size_t len = 0;
	int r;

	memset(dl, 0, sizeof(*dl));
	if (file == NULL && !use_default && access(PACKAGED_POLICY, F_OK) == 0)
		file = PACKAGED_POLICY;
	name = file != NULL ? file : "(embedded default policy)";
	*namep = name;
	if ((text = policy_text(file, &len, msg, msglen)) == NULL)
		return -1;
	policy_init(p);
	r = policy_parse_all(name, text, len, p, dl);
	free(text);
	if (r == 0)
		r = policy_resolve_all(p, dl);
	if (r == 0) {
		d = &dl->d[0];
		if (privdrop_nofile_problem(p->nofile,
		    p->nofile_pos.line != 0 ? "nofile" : "the default nofile",
		    d->msg, sizeof(d->msg)) == -1) {
			d->line = p->nofile_pos.line;
			d->col = p->nofile_pos.col;
			dl->n = 1;
			r = GW_ERR_INVALID;
		}
	}
	if (r == 0 && parent_workers_total(p) > PARENT_WORKERS_MAX) {
		d = &dl->d[0];
		d->line = d->col = 0;
		(void)snprintf(d->msg, sizeof(d->msg), "the policy starts "
		    "%zu workers ('workers' of each of its %zu listeners, "
		    "auto = %ld CPUs here); at most %d are supported: lower "
		    "'workers'", parent_workers_total(p), p->nlisteners,
		    sysconf(_SC_NPROCESSORS_ONLN), PARENT_WORKERS_MAX);
		dl->n = 1;
		r = GW_ERR_INVALID;
	}
	if (r != 0)
		return -1;
	/* Denial logs name the deciding rule as file:line. */
	gw_strlcpy(p->file, name, sizeof(p->file));
	warn_nobody(p);
	return 0;
}

/*
 * load_all with the first error in msg, and how many more there are:
 * the parent's SIGHUP reload (parent_load_fn) logs one line.
 */
static int
load_policy(const char *file, struct policy *p, char *msg, size_t msglen)
{
	struct policy_diags *dl;
	const char *name = NULL;
	size_t n;
	int r;

	if ((dl = calloc(1, sizeof(*dl))) == NULL) {
		(void)snprintf(msg, msglen, "uds-gateway: out of memory");
		return -1;
	}
	r = load_all(file, p, dl, &name, msg, msglen);
	if (r != 0 && dl->n > 0) {
		policy_format_diag(name, &dl->d[0], msg, msglen);
		n = strlen(msg);
		if (dl->n > 1 || dl->more)
			(void)snprintf(msg + n, msglen - n, " (and %s%zu more "
			    "errors: uds-gateway -t shows them)",
			    dl->more ? "over " : "", dl->n - 1);
	}
	free(dl);
	return r;
}

/* Every error of a policy, one "file:line:col: message" line each. */
static void
print_diags(FILE *fp, const char *name, const struct policy_diags *dl)
{
	char line[512];
	size_t i;

	for (i = 0; i < dl->n && i < POLICY_MAX_DIAGS; i++) {
		policy_format_diag(name, &dl->d[i], line, sizeof(line));
		fprintf(fp, "%s\n", line);
	}
	if (dl->more)
		fprintf(fp, "%s: too many errors, stopped after %d\n", name,
		    POLICY_MAX_DIAGS);
}

/*
 * Is fd 2 the journal? JOURNAL_STREAM is "dev:ino" of the stream
 * systemd connected; a child that inherited the variable but not the
 * stream must not prefix <N> (systemd.exec(5)).
 */
static int
stderr_is_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev = 0, ino = 0, *cur = &dev;
	struct stat st;

	if (v == NULL || *v == '\0')
		return 0;
	for (; *v != '\0'; v++) {
		if (*v == ':' && cur == &dev && v[1] != '\0') {
			cur = &ino;
			continue;
		}
		if (*v < '0' || *v > '9' || *cur > (~0ULL - 9) / 10)
			return 0;
		*cur = *cur * 10 + (unsigned long long)(*v - '0');
	}
	if (cur != &ino || fstat(2, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

static int
cmd_hash_token(void)
{
	char line[1024];
	uint8_t d[POLICY_TOKEN_LEN];
	size_t len, i;

	if (fgets(line, sizeof(line), stdin) == NULL) {
		fprintf(stderr, "uds-gateway: hash-token: no token on "
		    "standard input\n");
		return 1;
	}
	len = strcspn(line, "\r\n");
	line[len] = '\0';
	/* Refuse what no client could present (AUTH line, Bearer). */
	if (!token_valid((const uint8_t *)line, len)) {
		fprintf(stderr, "uds-gateway: hash-token: a token is 1 to %d "
		    "visible ASCII characters without spaces\n", TOKEN_MAX);
		explicit_bzero(line, sizeof(line));
		return 1;
	}
	if (token_sha256((const uint8_t *)line, len, d) != 0) {
		fprintf(stderr, "uds-gateway: hash-token: this build has no "
		    "OpenSSL (WITH_OPENSSL=0)\n");
		explicit_bzero(line, sizeof(line));
		return 1;
	}
	explicit_bzero(line, sizeof(line));
	printf("sha256:");
	for (i = 0; i < sizeof(d); i++)
		printf("%02x", d[i]);
	printf("\n");
	return 0;
}

static int
cmd_gen_token(void)
{
	uint8_t raw[32], d[POLICY_TOKEN_LEN];
	char hex[2 * sizeof(raw) + 1];
	size_t i;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		perror("uds-gateway: getrandom");
		return 1;
	}
	for (i = 0; i < sizeof(raw); i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	if (token_sha256((const uint8_t *)hex, strlen(hex), d) != 0) {
		fprintf(stderr, "uds-gateway: gen-token: this build has no "
		    "OpenSSL (WITH_OPENSSL=0)\n");
		return 1;
	}
	printf("token   %s\npolicy  token sha256:", hex);
	for (i = 0; i < sizeof(d); i++)
		printf("%02x", d[i]);
	printf("\n");
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(hex, sizeof(hex));
	return 0;
}

/* Print every warning of a valid policy (policy_warnings) to fp. */
static void
print_warnings(FILE *fp, const char *name, const struct policy *p)
{
	struct policy_diags *wl;
	struct gw_diag d;
	char line[512];
	size_t i;

	if ((wl = calloc(1, sizeof(*wl))) == NULL)
		return;
	policy_warnings(p, wl);
	for (i = 0; i < wl->n && i < POLICY_MAX_DIAGS; i++) {
		d = wl->d[i];
		(void)snprintf(d.msg, sizeof(d.msg), "warning: %s",
		    wl->d[i].msg);
		policy_format_diag(name, &d, line, sizeof(line));
		if (fp != NULL)
			fprintf(fp, "%s\n", line);
		else
			log_warnx("%s", line);
	}
	free(wl);
}

/* A uid or gid: a number, or the name of a user (group: of a group). */
static int
explain_id(const char *s, int group, uint32_t *id)
{
	const char *errstr = NULL;
	struct passwd *pw;
	struct group *gr;

	*id = (uint32_t)strtonum(s, 0, UINT32_MAX - 1, &errstr);
	if (errstr == NULL)
		return 0;
	if (group && (gr = getgrnam(s)) != NULL) {
		*id = (uint32_t)gr->gr_gid;
		return 0;
	}
	if (!group && (pw = getpwnam(s)) != NULL) {
		*id = (uint32_t)pw->pw_uid;
		return 0;
	}
	fprintf(stderr, "uds-gateway: explain: unknown %s '%s'\n",
	    group ? "group" : "user", s);
	return -1;
}

#define EXPLAIN_MAX_GROUPS	256

/*
 * The peer explain reasons about: --uid; --gid, else the uid's primary
 * group from the user database, else the uid's number; --groups, else
 * the user's groups from the group database (getgrouplist), else none.
 */
static int
explain_peer(const char *uid, const char *gid, const char *groups,
    struct peer *peer, gid_t *gl)
{
	struct passwd *pw;
	char buf[1024], *s, *e;
	uint32_t id;
	int n = EXPLAIN_MAX_GROUPS;

	memset(peer, 0, sizeof(*peer));
	peer->groups = gl;
	if (explain_id(uid, 0, &id) == -1)
		return -1;
	peer->uid = (uid_t)id;
	pw = getpwuid(peer->uid);
	if (gid != NULL) {
		if (explain_id(gid, 1, &id) == -1)
			return -1;
		peer->gid = (gid_t)id;
	} else
		peer->gid = pw != NULL ? pw->pw_gid : (gid_t)peer->uid;
	if (groups == NULL) {
		if (pw != NULL && getgrouplist(pw->pw_name, peer->gid, gl,
		    &n) != -1)
			peer->ngroups = (size_t)n;
		return 0;
	}
	if (strlen(groups) >= sizeof(buf)) {
		fprintf(stderr, "uds-gateway: explain: --groups is too "
		    "long\n");
		return -1;
	}
	gw_strlcpy(buf, groups, sizeof(buf));
	for (s = buf; *s != '\0'; s = e) {
		if ((e = strchr(s, ',')) != NULL)
			*e++ = '\0';
		else
			e = s + strlen(s);
		if (*s == '\0')
			continue;
		if (peer->ngroups >= EXPLAIN_MAX_GROUPS) {
			fprintf(stderr, "uds-gateway: explain: more than %d "
			    "groups\n", EXPLAIN_MAX_GROUPS);
			return -1;
		}
		if (explain_id(s, 1, &id) == -1)
			return -1;
		gl[peer->ngroups++] = (gid_t)id;
	}
	return 0;
}

/*
 * explain: which connection rule and which route decide METHOD TARGET
 * from the given peer on a proxy listener, as a worker would decide it
 * (the request line through the HTTP parser, then route_normalise and
 * route_decide). Starts nothing; needs no privilege.
 */
static int
cmd_explain(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "uid",	required_argument,	NULL, 'u' },
		{ "gid",	required_argument,	NULL, 'g' },
		{ "groups",	required_argument,	NULL, 'G' },
		{ NULL,		0,			NULL, 0 }
	};
	static struct policy p;
	static struct policy_diags dl;
	static gid_t gl[EXPLAIN_MAX_GROUPS];
	const char *file = NULL, *uid = NULL, *gid = NULL, *groups = NULL;
	const char *name, *lname, *method, *target;
	const struct listener_conf *l = NULL;
	struct http_header hdr[4];
	struct http_request req;
	struct http_limits lim;
	struct peer peer;
	char msg[512], text[512], norm[8192], reqline[8400];
	size_t i, pathlen, skip;
	int ch, n, r, which, len;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			file = optarg;
			break;
		case 'u':
			uid = optarg;
			break;
		case 'g':
			gid = optarg;
			break;
		case 'G':
			groups = optarg;
			break;
		default:
			usage(2);
		}
	}
	if (argc - optind != 3 || uid == NULL)
		usage(2);
	lname = argv[optind];
	method = argv[optind + 1];
	target = argv[optind + 2];
	log_init("uds-gateway", LOG_INFO);
	if (load_all(file, &p, &dl, &name, msg, sizeof(msg)) == -1) {
		if (dl.n > 0)
			print_diags(stderr, name, &dl);
		else
			fprintf(stderr, "%s\n", msg);
		return 2;
	}
	name = p.file;
	for (i = 0; i < p.nlisteners && l == NULL; i++)
		if (strcmp(p.listeners[i].name, lname) == 0)
			l = &p.listeners[i];
	if (l == NULL) {
		fprintf(stderr, "uds-gateway: explain: %s has no listener "
		    "'%s'\n", name, lname);
		return 2;
	}
	if (l->service != SVC_PROXY) {
		fprintf(stderr, "uds-gateway: explain: listener '%s' is %s, "
		    "not proxy: it has no routes\n", lname,
		    policy_service_name(l->service));
		return 2;
	}
	if (explain_peer(uid, gid, groups, &peer, gl) == -1)
		return 2;
	printf("peer: uid %lu gid %lu groups", (unsigned long)peer.uid,
	    (unsigned long)peer.gid);
	for (i = 0; i < peer.ngroups; i++)
		printf("%s%lu", i == 0 ? " " : ",", (unsigned long)gl[i]);
	printf("%s\n", peer.ngroups == 0 ? " none" : "");

	r = access_check(l->rules, l->nrules, &peer, &which);
	if (which < 0)
		printf("connect: deny: no rule matched (default deny)\n");
	else {
		policy_rule_text(&l->rules[which], text, sizeof(text));
		printf("connect: %s: %s:%u: %s\n", r == ACCESS_ALLOW ?
		    "allow" : "deny", name, l->rules[which].line, text);
	}
	if (r != ACCESS_ALLOW)
		return 1;

	/* The request line as a client would send it, parsed as such. */
	n = snprintf(reqline, sizeof(reqline), "%s %s HTTP/1.1\r\n"
	    "Host: localhost\r\n\r\n", method, target);
	if (n < 0 || (size_t)n >= sizeof(reqline)) {
		printf("request: 414: target too long\n");
		return 1;
	}
	memset(&req, 0, sizeof(req));
	req.headers = hdr;
	req.max_headers = sizeof(hdr) / sizeof(hdr[0]);
	lim.max_request_line = l->lim.max_request_line;
	lim.max_header_bytes = l->lim.max_header_bytes;
	lim.max_headers = l->lim.max_headers;
	lim.max_body = l->lim.max_body;
	if ((r = http_parse_request((const uint8_t *)reqline, (size_t)n,
	    &lim, &req)) < 0) {
		printf("request: %d: %s\n", r == HTTP_AGAIN ? 400 :
		    http_error_status(r), r == HTTP_AGAIN ? "incomplete "
		    "request" : http_error_reason(r));
		return 1;
	}
	if ((len = route_normalise(req.target, req.target_len, norm,
	    sizeof(norm), &pathlen)) < 0) {
		printf("target: 400: %s\n", route_error_reason(len));
		return 1;
	}
	printf("target: %s\n", norm);
	if (l->api_version_prefix &&
	    (skip = route_version_skip(norm, pathlen)) > 0)
		printf("match: %.*s (version prefix %.*s ignored)\n",
		    pathlen > skip ? (int)(pathlen - skip) : 1,
		    pathlen > skip ? norm + skip : "/", (int)skip, norm);
	r = route_decide(policy_routes(&p, l), l->nroutes, l->api_version_prefix,
	    req.method_id, 0, norm, pathlen, (size_t)len, &peer, &which);
	if (which < 0) {
		printf("route: deny: no route matched: 403\n");
		return 1;
	}
	policy_route_text(&policy_routes(&p, l)[which], text, sizeof(text));
	printf("route: %s: %s:%u: route %s\n", r == ROUTE_ALLOW ? "allow" :
	    "deny: 403", name, policy_routes(&p, l)[which].line, text);
	return r == ROUTE_ALLOW ? 0 : 1;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help",		no_argument,		NULL, 'h' },
		{ "version",		no_argument,		NULL, 'V' },
		{ "seccomp-debug",	no_argument,		NULL, 'S' },
#ifdef GW_SANITIZER_BUILD
		/* ASan and UBSan need calls the filter refuses. */
		{ "no-seccomp",		no_argument,		NULL, 'N' },
#endif
		{ "print-seccomp",	no_argument,		NULL, 'P' },
		{ "print-seccomp-connector", no_argument,	NULL, 'Q' },
		{ "default-policy",	no_argument,		NULL, 'D' },
		{ "worker",		required_argument,	NULL, 'W' },
		{ "connector",		required_argument,	NULL, 'C' },
		{ NULL,			0,			NULL, 0 }
	};
	static char abs_file[PATH_MAX];
	/* About 1 MB each: not on the stack. */
	static struct policy p;
	static struct policy_diags dl;
	struct parent_opts o;
	char msg[512];
	const char *name, *errstr;
	int ch, test = 0, debug = 0, worker = -1, connector = -1;

	sanitise_stdfd();
	memset(&o, 0, sizeof(o));
	if (argc >= 2 && strcmp(argv[1], "hash-token") == 0 && argc == 2)
		return cmd_hash_token();
	if (argc >= 2 && strcmp(argv[1], "gen-token") == 0 && argc == 2)
		return cmd_gen_token();
	if (argc >= 2 && strcmp(argv[1], "explain") == 0)
		return cmd_explain(argc - 1, argv + 1);
	while ((ch = getopt_long(argc, argv, "df:ht", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'f':
			o.policy_file = optarg;
			break;
		case 't':
			test = 1;
			break;
		case 'D':
			use_default = 1;
			break;
		case 'h':
			usage(0);
		case 'V':
			printf("uds-gateway %s\n", GW_VERSION);
			return 0;
		case 'S':
			o.worker_flags |= WORKER_F_SECCOMP_DEBUG;
			break;
#ifdef GW_SANITIZER_BUILD
		case 'N':
			o.worker_flags |= WORKER_F_NO_SECCOMP;
			break;
#endif
		case 'P':
			sandbox_print(stdout);
			return 0;
		case 'Q':
			sandbox_select(SANDBOX_CONNECTOR, -1);
			sandbox_print(stdout);
			return 0;
		case 'C':
			connector = (int)strtonum(optarg, 0,
			    POLICY_MAX_UPSTREAMS - 1, &errstr);
			if (errstr != NULL)
				usage(2);
			break;
		case 'W':
			worker = (int)strtonum(optarg, 0, POLICY_MAX_WORKERS - 1,
			    &errstr);
			if (errstr != NULL)
				usage(2);
			break;
		default:
			usage(2);
		}
	}
	if (optind != argc || (use_default && o.policy_file != NULL))
		usage(2);
	/* A worker's or connector's fds are placed by the parent. */
	if (worker < 0 && connector < 0)
		close_inherited();
	log_init("uds-gateway", debug ? LOG_DEBUG : LOG_INFO);
	if (worker >= 0)
		worker_main(worker, o.worker_flags);
	if (connector >= 0)
		connector_main(connector, o.worker_flags);
	if (stderr_is_journal())
		log_set_journal(1);

	if (load_all(o.policy_file, &p, &dl, &name, msg, sizeof(msg)) == -1) {
		if (dl.n > 0)
			print_diags(stderr, name, &dl);
		else
			fprintf(stderr, "%s\n", msg);
		return test ? 1 : GW_EXIT_CONFIG;
	}
	name = p.file;
	print_warnings(test ? stderr : NULL, name, &p);
	if (test) {
		printf("# %s: policy is valid\n", name);
		policy_print(stdout, &p);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (strcmp(name, "(embedded default policy)") == 0)
		log_info("uds-gateway %s starting with the embedded default "
		    "policy", GW_VERSION);
	else
		log_info("uds-gateway %s starting with %s", GW_VERSION, name);
	/* SIGHUP re-reads the same file; the parent's cwd will be "/". */
	if (o.policy_file != NULL && o.policy_file[0] != '/' &&
	    realpath(o.policy_file, abs_file) != NULL)
		o.policy_file = abs_file;
	o.load = load_policy;
	return parent_run(&p, &o);
}
