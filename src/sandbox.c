/* SPDX-License-Identifier: ISC */
/* Sandbox: build and load the worker's seccomp filter from the allowlist. */
#define _GNU_SOURCE	/* SPLICE_F_*, MSG_CMSG_CLOEXEC in the allowlists */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <linux/futex.h>

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

/* One argument comparison of a rule, see policy/worker.syscalls. */
#define SB_EQ		1	/* aN == value */
#define SB_NE		2	/* aN != value */
#define SB_MASKED_EQ	3	/* (aN & mask) == value */

#define SB_VAL_CONST	0	/* value is the constant in the table */
#define SB_VAL_PID	1	/* value is getpid() when the filter is built */
#define SB_VAL_FAMILY	2	/* value is sandbox_set_family()'s */

#define SB_ALLOW	1
#define SB_ERRNO	2
#define SB_KILL		3	/* documentation: same as the default action */

#define SB_MAXCOND	6	/* one per syscall argument */

#ifndef SYS_SECCOMP
#define SYS_SECCOMP	1	/* si_code of a trap, <asm-generic/siginfo.h> */
#endif

struct sb_cond {
	unsigned int	 arg;
	int		 op;
	scmp_datum_t	 mask;
	scmp_datum_t	 value;
	int		 special;
};

struct sb_rule {
	const char	*name;
	int		 optional;	/* absent on some architectures */
	int		 action;	/* SB_ALLOW, SB_ERRNO, SB_KILL */
	int		 err;		/* errno for SB_ERRNO */
	const char	*action_text;	/* as written, for sandbox_print() */
	unsigned int	 line;		/* in policy/worker.syscalls */
	unsigned int	 ncond;
	struct sb_cond	 cond[SB_MAXCOND];
	const char	*cond_text;
	const char	*reason;
};

/* Generated from policy/worker.syscalls and connector.syscalls by scripts/gen-syscalls.sh. */
#include "worker_syscalls.inc"
#include "connector_syscalls.inc"

struct sb_table {
	const struct sb_rule	*rules;
	size_t			 n;
	const char		*src;
};

static const struct sb_table sb_tables[] = {
	[SANDBOX_WORKER] = { sb_worker_rules,
	    sizeof(sb_worker_rules) / sizeof(sb_worker_rules[0]),
	    "policy/worker.syscalls" },
	[SANDBOX_CONNECTOR] = { sb_connector_rules,
	    sizeof(sb_connector_rules) / sizeof(sb_connector_rules[0]),
	    "policy/connector.syscalls" },
};

/* The table in use: the worker's unless sandbox_select() said otherwise. */
static const struct sb_table *sb_cur = &sb_tables[SANDBOX_WORKER];
static long		 sb_family = -1;

#define SB_NRULES	(sb_cur->n)
#define SB_POLICY	(sb_cur->src)

void
sandbox_select(int table, int family)
{
	if (table != SANDBOX_WORKER && table != SANDBOX_CONNECTOR)
		fatalx("seccomp: unknown table %d", table);
	sb_cur = &sb_tables[table];
	sb_family = family;
}

/*
 * State of the SANDBOX_DEBUG trap handler. Everything it needs is
 * computed before the filter is loaded, because resolving a number to a
 * name allocates and the handler must stay async-signal-safe.
 */
#define SB_DBG_MAXNR	1024
static const char	*dbg_name[SB_DBG_MAXNR];
static int		 dbg_fd = -1;
static int		 dbg_record;	/* report_fd is a log socket */

static int
resolve(const struct sb_rule *r)
{
	int nr;

	/* Pseudo-numbers (< -1) name calls of other architectures. */
	nr = seccomp_syscall_resolve_name(r->name);
	return nr < 0 ? -1 : nr;
}

int
sandbox_check_table(void)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < SB_NRULES; i++) {
		if (sb_cur->rules[i].optional || resolve(&sb_cur->rules[i]) != -1)
			continue;
		log_warnx("seccomp: %s:%u: \"%s\" is not a syscall on "
		    "this architecture (libseccomp %u.%u.%u)", SB_POLICY,
		    sb_cur->rules[i].line, sb_cur->rules[i].name,
		    seccomp_version()->major, seccomp_version()->minor,
		    seccomp_version()->micro);
		ret = -1;
	}
	return ret;
}

static void
add_rule(scmp_filter_ctx ctx, const struct sb_rule *r, int nr, pid_t pid)
{
	struct scmp_arg_cmp cmp[SB_MAXCOND];
	const struct sb_cond *c;
	uint32_t action;
	unsigned int i;
	int rc;

	if (r->ncond > SB_MAXCOND)
		fatalx("seccomp: %s:%u: too many conditions", SB_POLICY,
		    r->line);
	memset(cmp, 0, sizeof(cmp));
	for (i = 0; i < r->ncond; i++) {
		c = &r->cond[i];
		cmp[i].arg = c->arg;
		cmp[i].datum_a = c->special == SB_VAL_PID ?
		    (scmp_datum_t)pid : c->value;
		if (c->special == SB_VAL_FAMILY) {
			if (sb_family < 0)
				fatalx("seccomp: %s:%u: no address family "
				    "given", SB_POLICY, r->line);
			cmp[i].datum_a = (scmp_datum_t)sb_family;
		}
		switch (c->op) {
		case SB_EQ:
			cmp[i].op = SCMP_CMP_EQ;
			break;
		case SB_NE:
			cmp[i].op = SCMP_CMP_NE;
			break;
		case SB_MASKED_EQ:
			cmp[i].op = SCMP_CMP_MASKED_EQ;
			cmp[i].datum_b = cmp[i].datum_a;
			cmp[i].datum_a = c->mask;
			break;
		default:
			fatalx("seccomp: %s:%u: bad condition", SB_POLICY,
			    r->line);
		}
	}
	if (r->action == SB_ALLOW)
		action = SCMP_ACT_ALLOW;
	else if (r->action == SB_ERRNO && r->err > 0 && r->err < 4096)
		action = SCMP_ACT_ERRNO((uint32_t)r->err);
	else
		fatalx("seccomp: %s:%u: bad action", SB_POLICY, r->line);

	/* _exact: refuse rather than let libseccomp rewrite the rule. */
	rc = seccomp_rule_add_exact_array(ctx, action, nr, r->ncond, cmp);
	if (rc != 0) {
		errno = -rc;
		fatal("seccomp: %s:%u: rule for %s %s", SB_POLICY, r->line,
		    r->name, r->cond_text);
	}
}

static size_t
put_str(char *buf, size_t len, size_t off, const char *s)
{
	while (*s != '\0' && off < len)
		buf[off++] = *s++;
	return off;
}

static size_t
put_num(char *buf, size_t len, size_t off, unsigned long v, unsigned int base)
{
	char tmp[24];
	size_t n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v != 0 && n < sizeof(tmp));
	while (n > 0 && off < len)
		buf[off++] = tmp[--n];
	return off;
}

/*
 * SIGSYS handler of SANDBOX_DEBUG: name the call, then exit. Only
 * async-signal-safe calls, all of them in the allowlist: send() on a log
 * socket (MSG_NOSIGNAL: the parent may be gone), write() otherwise, _exit().
 */
static void
dbg_handler(int sig, siginfo_t *si, void *uctx)
{
	char buf[160];
	const char *name = "unknown";
	size_t off = 0;
	ssize_t w;
	int nr;

	(void)sig;
	(void)uctx;
	nr = si->si_syscall;
	if (nr >= 0 && nr < SB_DBG_MAXNR && dbg_name[nr] != NULL)
		name = dbg_name[nr];
	if (dbg_record)
		buf[off++] = (char)('0' + LOG_CRIT);
	off = put_str(buf, sizeof(buf) - 1, off,
	    si->si_code == SYS_SECCOMP ? "seccomp: blocked syscall " :
	    "seccomp: SIGSYS, syscall ");
	if (nr < 0) {
		off = put_str(buf, sizeof(buf) - 1, off, "-");
		nr = -nr;
	}
	off = put_num(buf, sizeof(buf) - 1, off, (unsigned long)nr, 10);
	off = put_str(buf, sizeof(buf) - 1, off, " (");
	off = put_str(buf, sizeof(buf) - 1, off, name);
	off = put_str(buf, sizeof(buf) - 1, off, ") arch 0x");
	off = put_num(buf, sizeof(buf) - 1, off, si->si_arch, 16);
	if (dbg_record)
		w = send(dbg_fd, buf, off, MSG_NOSIGNAL);
	else {
		buf[off++] = '\n';
		w = write(dbg_fd, buf, off);
	}
	(void)w;	/* nobody to tell if the report is lost */
	_exit(SANDBOX_DEBUG_EXIT);
}

static void
dbg_prepare(int report_fd)
{
	struct sigaction sa;
	sigset_t set;
	socklen_t len;
	uint32_t arch;
	int nr, type;

	log_warnx("seccomp: debug mode: violations trap and are named; "
	    "never use this in production");
	arch = seccomp_arch_native();
	for (nr = 0; nr < SB_DBG_MAXNR; nr++)
		dbg_name[nr] = seccomp_syscall_resolve_num_arch(arch, nr);
	dbg_fd = report_fd;
	len = sizeof(type);
	dbg_record = getsockopt(report_fd, SOL_SOCKET, SO_TYPE, &type,
	    &len) == 0 && (type == SOCK_SEQPACKET || type == SOCK_DGRAM);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = dbg_handler;
	sa.sa_flags = SA_SIGINFO;
	if (sigfillset(&sa.sa_mask) == -1 ||
	    sigaction(SIGSYS, &sa, NULL) == -1)
		fatal("seccomp: SIGSYS handler");
	if (sigemptyset(&set) == -1 || sigaddset(&set, SIGSYS) == -1 ||
	    sigprocmask(SIG_UNBLOCK, &set, NULL) == -1)
		fatal("seccomp: unblock SIGSYS");
}

void
sandbox_apply(int mode, int report_fd)
{
	scmp_filter_ctx ctx = NULL;
	uint32_t def;
	size_t i, nrules = 0;
	pid_t pid;
	int nr, rc;

	switch (mode) {
	case SANDBOX_ENFORCE:
		def = SCMP_ACT_KILL_PROCESS;
		break;
	case SANDBOX_DEBUG:
		if (report_fd < 0)
			fatalx("seccomp: debug mode needs a report fd");
		def = SCMP_ACT_TRAP;
		break;
	case SANDBOX_LEARN:
		log_warnx("seccomp: learn mode: violations are only logged");
		def = SCMP_ACT_LOG;
		break;
	default:
		fatalx("seccomp: unknown mode %d", mode);
	}
	if (sandbox_check_table() == -1)
		fatalx("seccomp: %s does not match this architecture; "
		    "refusing to run unsandboxed", SB_POLICY);

	/* privdrop_apply() set it already; the filter needs it unprivileged. */
	if ((rc = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)) == -1)
		fatal("prctl(PR_GET_NO_NEW_PRIVS)");
	if (rc != 1 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("prctl(PR_SET_NO_NEW_PRIVS)");

	if ((ctx = seccomp_init(def)) == NULL)
		fatalx("seccomp_init failed");
	/* Native architecture only; x32 numbers count as foreign too. */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS)) != 0) {
		errno = -rc;
		fatal("seccomp: bad-architecture action");
	}
	pid = getpid();
	for (i = 0; i < SB_NRULES; i++) {
		if ((nr = resolve(&sb_cur->rules[i])) == -1) {
			log_debug("seccomp: %s absent on this architecture",
			    sb_cur->rules[i].name);
			continue;
		}
		/* Same as the default action, which libseccomp refuses. */
		if (sb_cur->rules[i].action == SB_KILL)
			continue;
		add_rule(ctx, &sb_cur->rules[i], nr, pid);
		nrules++;
	}
	if (mode == SANDBOX_DEBUG)
		dbg_prepare(report_fd);
	log_debug("seccomp: loading %zu rules", nrules);
	if ((rc = seccomp_load(ctx)) != 0) {
		errno = -rc;
		fatal("seccomp_load");
	}
	seccomp_release(ctx);
}

static const char *
arch_name(uint32_t arch)
{
	switch (arch) {
	case SCMP_ARCH_X86_64:
		return "x86_64";
	case SCMP_ARCH_X86:
		return "x86";
	case SCMP_ARCH_AARCH64:
		return "aarch64";
	case SCMP_ARCH_ARM:
		return "arm";
	case SCMP_ARCH_RISCV64:
		return "riscv64";
	default:
		return "other";
	}
}

void
sandbox_print(FILE *fp)
{
	const struct sb_rule *r;
	char num[16];
	uint32_t arch;
	size_t i;
	int nr;

	arch = seccomp_arch_native();
	fprintf(fp, "# seccomp allowlist from %s: %zu rules, "
	    "architecture %s (0x%08x)\n", SB_POLICY, SB_NRULES,
	    arch_name(arch), arch);
	fprintf(fp, "# anything else: kill process (SIGSYS); "
	    "other architectures and x32: kill process\n");
	fprintf(fp, "# %-16s %5s  %-13s %-40s %s\n", "syscall", "nr",
	    "action", "conditions", "reason");
	for (i = 0; i < SB_NRULES; i++) {
		r = &sb_cur->rules[i];
		if ((nr = resolve(r)) == -1)
			(void)snprintf(num, sizeof(num), "-");
		else
			(void)snprintf(num, sizeof(num), "%d", nr);
		fprintf(fp, "%-18s %5s  %-13s %-40s # %s%s\n", r->name, num,
		    r->action_text, r->cond_text, r->reason,
		    nr == -1 ? " (absent here)" : "");
	}
}
