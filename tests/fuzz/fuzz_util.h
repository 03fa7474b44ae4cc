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

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include "engine/act.h"
#include "engine/params.h"
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

/* While a bug is open, VANEX_FUZZ_SKIP=ctrl,vxq (names of checks) lets a
 * local run look past it for other bugs.  Never set in `make test` or CI. */
static inline int fuzz_skip(const char *check)
{
	const char *s = getenv("VANEX_FUZZ_SKIP");
	size_t n = strlen(check);
	for (; s && *s; s = strchr(s, ',') ? strchr(s, ',') + 1 : "")
		if (strncmp(s, check, n) == 0 && (s[n] == ',' || s[n] == '\0'))
			return 1;
	return 0;
}

/* The error policy of engine/status.h: a failure carries exactly one
 * non-empty line of printable detail that fits its buffer. */
static inline void fuzz_check_error(vx_status st, const vx_error *err)
{
	FUZZ_CHECK(st > VX_OK && st <= VX_EINTERNAL, "status %d out of range", (int)st);
	FUZZ_CHECK(st != VX_EINTERNAL, "internal error on outside input: %s", err->msg);
	size_t n = strnlen(err->msg, sizeof err->msg);
	FUZZ_CHECK(n < sizeof err->msg, "error message not NUL-terminated");
	FUZZ_CHECK(n > 0, "status %d (%s) with an empty message", (int)st, vx_strerror(st));
	/* A newline or control byte echoed from the input (ESC, CR, BS) would
	 * let a file name or value rewrite the user's terminal line. */
	int allow_ctrl = fuzz_skip("ctrl");
	FUZZ_CHECK(allow_ctrl || strchr(err->msg, '\n') == NULL, "multi-line message: %s", err->msg);
	for (size_t i = 0; i < n && !allow_ctrl; i++) {
		unsigned char c = (unsigned char)err->msg[i];
		FUZZ_CHECK(c >= 0x20 && c != 0x7f, "control byte 0x%02x at %zu in message: %s", c, i, err->msg);
	}
}

/* Every field of a vx_params inside the domain engine/params.h documents. */
static inline void fuzz_check_params(const vx_params *p)
{
	FUZZ_CHECK((int)p->act >= 0 && (int)p->act < VX_ACT_COUNT, "act = %d", (int)p->act);
	FUZZ_CHECK(p->hidden >= 1 && p->hidden <= VX_MAX_HIDDEN, "hidden = %zu", p->hidden);
	FUZZ_CHECK(p->inputs >= 1 && p->inputs <= VX_MAX_INPUTS, "inputs = %zu", p->inputs);
	FUZZ_CHECK(p->steps >= 1 && p->steps <= VX_MAX_STEPS, "steps = %zu", p->steps);
	FUZZ_CHECK(p->t <= VX_MAX_STEPS, "t = %zu", p->t);
	/* 0, or a normal double: a nonzero value that underflowed is refused */
	FUZZ_CHECK(isfinite(p->norm) && (p->norm == 0 || p->norm >= DBL_MIN), "norm = %g", p->norm);
	FUZZ_CHECK(isfinite(p->input_scale) && (p->input_scale == 0 || p->input_scale >= DBL_MIN),
	           "input_scale = %g", p->input_scale);
	FUZZ_CHECK(p->seed <= VX_MAX_SEED, "seed = %lu", p->seed);
	FUZZ_CHECK((int)p->init >= VX_INIT_GAUSSIAN && (int)p->init <= VX_INIT_IDENTITY, "init = %d", (int)p->init);
	FUZZ_CHECK(memchr(p->weights, 0, sizeof p->weights) != NULL, "weights not terminated");
	FUZZ_CHECK(memchr(p->model, 0, sizeof p->model) != NULL, "model not terminated");
	FUZZ_CHECK(memchr(p->inputs_file, 0, sizeof p->inputs_file) != NULL, "inputs_file not terminated");
	FUZZ_CHECK(memchr(p->module, 0, sizeof p->module) != NULL, "module not terminated");
	FUZZ_CHECK(p->reverse == 0 || p->reverse == 1, "reverse = %d", p->reverse);
	/* only a file's first bytes say it holds a trained network */
	FUZZ_CHECK(!p->weights_net || p->weights[0], "weights_net without --weights");
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
