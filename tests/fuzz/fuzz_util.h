/*
 * fuzz_util.h — what every harness checks besides "no crash".
 *
 * A harness aborts (which libFuzzer and tests/fuzz/replay.c both report as a
 * failure, with the input saved) when a parser breaks its contract: an error
 * without its one line of detail, a message spanning lines, a value outside
 * the domain the header promises.  Header-only and static, so each harness
 * stays one translation unit.
 */
#ifndef VX_FUZZ_UTIL_H
#define VX_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include "engine/status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond, ...)                                                \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: contract broken: %s: ",      \
			        __FILE__, __LINE__, #cond);                  \
			fprintf(stderr, __VA_ARGS__);                        \
			fputc('\n', stderr);                                 \
			abort();                                             \
		}                                                            \
	} while (0)

/* The error policy of engine/status.h: a failure carries exactly one
 * non-empty line of printable detail that fits its buffer. */
static inline void fuzz_check_error(vx_status st, const vx_error *err)
{
	FUZZ_CHECK(st > VX_OK && st <= VX_EINTERNAL, "status %d out of range", (int)st);
	FUZZ_CHECK(st != VX_EINTERNAL, "internal error on outside input: %s", err->msg);
	size_t n = strnlen(err->msg, sizeof err->msg);
	FUZZ_CHECK(n < sizeof err->msg, "error message not NUL-terminated");
	FUZZ_CHECK(n > 0, "status %d (%s) with an empty message", (int)st, vx_strerror(st));
	FUZZ_CHECK(strchr(err->msg, '\n') == NULL, "multi-line message: %s", err->msg);
}

/* A copy of the input as a NUL-terminated string (for APIs taking C strings). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* GSL's default handler aborts; production code switches it off, so do we. */
#define FUZZ_INIT_GSL()                                                      \
	int LLVMFuzzerInitialize(int *argc, char ***argv)                    \
	{                                                                    \
		(void)argc;                                                  \
		(void)argv;                                                  \
		gsl_set_error_handler_off();                                 \
		return 0;                                                    \
	}

#endif
