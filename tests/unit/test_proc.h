/*
 * test_proc.h — an outside program as a test's independent judge (xmllint,
 * Python's XML parser, pdflatex, localedef): its standard input fed from a
 * string, its verdict its exit status.
 *
 * Every program run here is installed by `sh tests/deps.sh test` (callers
 * name the Debian package in their messages).  One that
 * is missing, dies, or stops reading its input early makes the test FAIL
 * with a message saying so; it never crashes the test and never lets it
 * pass unchecked.  (popen() + fputs() to a program the shell could not find
 * killed the test with SIGPIPE, and a status of 127 used to be taken as
 * "no checker here, skip".)
 */
#ifndef TEST_PROC_H
#define TEST_PROC_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Debian's interpreter, where python3-numpy and python3-torch live: a
 * python3 found first in PATH (pyenv, a virtualenv) has neither. */
#ifndef TP_PYTHON
#define TP_PYTHON "/usr/bin/python3"
#endif

/* Copies the last bytes of the program's output (stdout and stderr, read
 * from `out`) into why after `len` bytes already there, newlines shown as
 * " | ": the end of a traceback or of a parser's complaint. */
static inline void tp_tail(FILE *out, char *why, size_t n, size_t len)
{
	char buf[400];
	long end;
	if (len + 8 >= n || fseek(out, 0, SEEK_END) != 0 || (end = ftell(out)) <= 0)
		return;
	long from = end > (long)sizeof buf - 1 ? end - (long)sizeof buf + 1 : 0;
	fseek(out, from, SEEK_SET);
	size_t got = fread(buf, 1, sizeof buf - 1, out);
	while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == ' '))
		got--;
	buf[got] = '\0';
	len += (size_t)snprintf(why + len, n - len, ": %s", from > 0 ? "..." : "");
	for (size_t i = 0; i < got && len + 4 < n; i++) {
		if (buf[i] == '\n') {
			memcpy(why + len, " | ", 3);
			len += 3;
		} else {
			why[len++] = buf[i];
		}
	}
	why[len < n ? len : n - 1] = '\0';
}

/* Runs argv[0] (looked up in PATH unless it holds a '/') with arguments
 * argv (NULL-terminated), `in` on its standard input (NULL: nothing) and
 * its output kept for the message.  Returns 1 when the program ran, read
 * all of `in` and exited with status 0; otherwise 0, with why[] (n bytes)
 * saying what happened: it could not be started (not installed), was
 * killed by a signal, exited non-zero (with the end of its output), or
 * exited without reading all of its input.  SIGPIPE is ignored while
 * writing, so a program that dies early is reported, not fatal. */
static inline int tp_run(const char *const argv[], const char *in, char *why, size_t n)
{
	int inpipe[2], errpipe[2];
	size_t inlen = in ? strlen(in) : 0, put = 0;
	FILE *out = tmpfile();
	if (!out || pipe(inpipe) != 0 || pipe(errpipe) != 0 || fcntl(errpipe[1], F_SETFD, FD_CLOEXEC) != 0) {
		snprintf(why, n, "%s: no pipe or temporary file: %s", argv[0], strerror(errno));
		if (out)
			fclose(out);
		return 0;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, n, "%s: fork: %s", argv[0], strerror(errno));
		fclose(out);
		return 0;
	}
	if (pid == 0) {
		dup2(inpipe[0], 0);
		dup2(fileno(out), 1);
		dup2(fileno(out), 2);
		close(inpipe[0]);
		close(inpipe[1]);
		execvp(argv[0], (char *const *)argv);
		/* the errno goes to the parent through the close-on-exec pipe */
		int e = errno;
		if (write(errpipe[1], &e, sizeof e) < 0)
			_exit(126);
		_exit(127);
	}
	close(inpipe[0]);
	close(errpipe[1]);

	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old);
	while (put < inlen) {
		ssize_t w = write(inpipe[1], in + put, inlen - put);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break; /* EPIPE: it stopped reading; its status says why */
		put += (size_t)w;
	}
	close(inpipe[1]);
	sigaction(SIGPIPE, &old, NULL);

	int exec_errno = 0, st = 0;
	ssize_t r;
	while ((r = read(errpipe[0], &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR)
		;
	close(errpipe[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	int ok = 0;
	if (r == (ssize_t)sizeof exec_errno)
		snprintf(why, n, "%s: cannot run it: %s", argv[0], strerror(exec_errno));
	else if (WIFSIGNALED(st))
		snprintf(why, n, "%s: killed by signal %d", argv[0], WTERMSIG(st));
	else if (WEXITSTATUS(st) != 0)
		tp_tail(out, why, n, (size_t)snprintf(why, n, "%s: exit status %d", argv[0], WEXITSTATUS(st)));
	else if (put < inlen)
		snprintf(why, n, "%s: exited 0 without taking all its input (%zu of %zu bytes)", argv[0], put, inlen);
	else
		ok = 1;
	fclose(out);
	return ok;
}

#endif
