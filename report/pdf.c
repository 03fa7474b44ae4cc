/*
 * pdf.c — pdflatex run on a handout in a directory of its own (pdf.h).
 */
#define _GNU_SOURCE   /* prctl's PR_SET_PDEATHSIG */
#include "report/pdf.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/fileio.h"
#include "report/out.h"

/* Found with kpsewhich and dpkg -S for every \usepackage of the preamble:
 * article, inputenc, fontenc, amsmath, geometry, longtable, color,
 * graphicx: texlive-latex-base; amssymb: texlive-base (which latex-base
 * pulls in); booktabs: texlive-latex-recommended (the preamble falls back
 * to \hline without it; lmodern, package lmodern, only changes the font
 * when it is there). */
const char vxr_pdf_packages[] = "texlive-latex-base texlive-latex-recommended";

/* The job's name, and every file pdflatex writes for it. */
#define JOB "handout"
static const char *const job_files[] = { JOB ".tex", JOB ".aux", JOB ".log", JOB ".out", JOB ".pdf" };
#define NJOB_FILES (sizeof job_files / sizeof *job_files)

/* A PDF larger than this is not a handout: refuse it rather than read it. */
#define MAX_PDF (256u << 20)

/* 1 when pdflatex is on PATH, else 0. */
static int pdflatex_found(void)
{
	const char *path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	for (const char *p = path;; p++) {
		const char *e = strchr(p, ':');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char full[4096];
		/* an empty entry is the current directory, as for execvp */
		int w = n ? snprintf(full, sizeof full, "%.*s/pdflatex", (int)n, p) : snprintf(full, sizeof full, "pdflatex");
		struct stat sb;
		if (w > 0 && (size_t)w < sizeof full && stat(full, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    access(full, X_OK) == 0)
			return 1;
		if (!e)
			return 0;
		p = e;
	}
}

vx_status vxr_pdf_ready(vx_error *err)
{
	if (pdflatex_found())
		return VX_OK;
	return vx_fail(err, VX_EIO, "-f pdf runs pdflatex, which is not installed (Debian packages: %s)",
	               vxr_pdf_packages);
}

/* Writes the whole of s (n bytes) to a new file at path. */
static vx_status write_file(const char *path, const char *s, size_t n, vx_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return vx_fail(err, VX_EIO, "cannot write %s: %s", path, strerror(errno));
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(fd, s + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : EIO;
			close(fd);
			return vx_fail(err, VX_EIO, "cannot write %s: %s", path, strerror(e));
		}
		done += (size_t)w;
	}
	if (close(fd) != 0)
		return vx_fail(err, VX_EIO, "cannot write %s: %s", path, strerror(errno));
	return VX_OK;
}

/* Runs pdflatex once in dir; *status as from waitpid (exit status 127:
 * it could not be started). */
static vx_status run_pdflatex(const char *dir, int *status, vx_error *err)
{
	char *const argv[] = { "pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", JOB ".tex",
	                       NULL };
	/* pdflatex may prompt for nothing (nonstopmode), and what it prints is
	 * a copy of the log: both ends go to /dev/null, opened before the fork
	 * so that the child only calls async-signal-safe functions */
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return vx_fail(err, VX_EIO, "cannot open /dev/null: %s", strerror(errno));
	/* the parent's pid, for the child to notice it is orphaned already */
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(null);
		return vx_fail(err, e == ENOMEM || e == EAGAIN ? VX_ENOMEM : VX_EIO, "cannot run pdflatex: %s",
		               strerror(e));
	}
	if (pid == 0) {
		/* a vanex killed outright takes pdflatex with it */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);
		if (dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 || chdir(dir) != 0)
			_exit(127);
		/* the tutor's or the shell's choices are not pdflatex's */
		signal(SIGPIPE, SIG_DFL);
		execvp("pdflatex", argv);
		_exit(127);
	}
	close(null);
	pid_t r;
	while ((r = waitpid(pid, status, 0)) < 0 && errno == EINTR)
		;
	if (r < 0)
		return vx_fail(err, VX_EIO, "waiting for pdflatex: %s", strerror(errno));
	return VX_OK;
}

/* The first line of the log that starts with '!' (TeX's mark of an
 * error), into line (n bytes); 0 when there is none. */
static int first_error(const char *log, size_t len, char *line, size_t n)
{
	for (size_t i = 0; i < len;) {
		size_t e = i;
		while (e < len && log[e] != '\n')
			e++;
		if (log[i] == '!') {
			size_t ll = e - i;
			snprintf(line, n, "%.*s", (int)(ll < 200 ? ll : 200), log + i);
			return 1;
		}
		i = e + 1;
	}
	return 0;
}

/* Whether the log asks for another run (cross-references changed). */
static int wants_rerun(const char *log)
{
	return strstr(log, "Rerun to get") || strstr(log, "Label(s) may have changed") ||
	       strstr(log, "There were undefined references");
}

vx_status vxr_pdf_compile(const char *tex, size_t len, char **pdf, size_t *n, vx_error *err)
{
	*pdf = NULL;
	*n = 0;
	vx_status st = vxr_pdf_ready(err);
	if (st != VX_OK)
		return st;
	vxr_workdir *w = NULL;
	st = vxr_workdir_open(job_files, NJOB_FILES, &w, err);
	if (st != VX_OK)
		return st;
	const char *dir = vxr_workdir_path(w);
	size_t dl = strlen(dir);
	char *path = malloc(dl + sizeof "/" JOB ".tex");
	if (!path) {
		vxr_workdir_free(w);
		return vx_fail(err, VX_ENOMEM, "out of memory");
	}
	sprintf(path, "%s/" JOB ".tex", dir);
	st = write_file(path, tex, len, err);
	char *log = NULL;
	size_t loglen = 0;
	int status = 0;
	for (int run = 0; st == VX_OK && run < 3; run++) {
		st = run_pdflatex(dir, &status, err);
		if (st != VX_OK)
			break;
		free(log);
		log = NULL;
		sprintf(path, "%s/" JOB ".log", dir);
		vx_error lerr;
		if (vx_read_file(path, 64u << 20, "a log", &log, &loglen, &lerr) != VX_OK)
			log = NULL;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !log || !wants_rerun(log))
			break;
	}
	if (st == VX_OK && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
		char line[256];
		if (log && first_error(log, loglen, line, sizeof line))
			/* a package missing from this TeX installation: say which to add */
			st = vx_fail(err, VX_EIO, "pdflatex: %s%s%s%s", line, strstr(line, "not found") ? " (Debian packages: " : "",
			             strstr(line, "not found") ? vxr_pdf_packages : "", strstr(line, "not found") ? ")" : "");
		else if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !log)
			st = vx_fail(err, VX_EIO, "pdflatex could not be started (Debian packages: %s)", vxr_pdf_packages);
		else if (WIFEXITED(status))
			st = vx_fail(err, VX_EIO, "pdflatex failed (exit status %d) and its log names no error",
			             WEXITSTATUS(status));
		else
			st = vx_fail(err, VX_EIO, "pdflatex was killed by signal %d", WTERMSIG(status));
	}
	if (st == VX_OK) {
		sprintf(path, "%s/" JOB ".pdf", dir);
		vx_error rerr;
		st = vx_read_file(path, MAX_PDF, "a PDF", pdf, n, &rerr);
		if (st == VX_ENOMEM)
			vx_fail(err, st, "out of memory");
		else if (st != VX_OK)
			st = vx_fail(err, VX_EIO, "pdflatex ended without an error and without a PDF");
		else if (*n < 5 || memcmp(*pdf, "%PDF-", 5) != 0) {
			free(*pdf);
			*pdf = NULL;
			*n = 0;
			st = vx_fail(err, VX_EIO, "pdflatex wrote a file that is not a PDF");
		}
	}
	free(log);
	free(path);
	vxr_workdir_free(w);
	return st;
}
