/*
 * fuzz_quiz.c — judging what a student types (vxr_quiz_judge) under
 * fuzzing: any bytes, UTF-8 or not, against a number question (its digits
 * and answer from the first 9 bytes, within a double or beyond), a whole
 * number and a choice.
 *
 * A judgement must be one of the three; white space around the answer must
 * not change it; and the answer as the tutor shows it (printf's %.*e at the
 * question's digits) must be right, and its negation wrong (but for 0).
 */
#include "report/doc/quiz.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_INIT_GSL()

static vxr_judgement judge(const vxr_quiz *q, const char *s)
{
	vxr_judgement j = vxr_quiz_judge(q, s);
	FUZZ_CHECK(j == VXR_JUDGE_RIGHT || j == VXR_JUDGE_WRONG || j == VXR_JUDGE_UNREADABLE, "judgement %d", (int)j);
	return j;
}

/* judge(q, s) and the same with white space around it agree */
static void judge_padded(const vxr_quiz *q, const char *s)
{
	vxr_judgement j = judge(q, s);
	size_t n = strlen(s);
	char *p = malloc(n + 4);
	if (!p)
		abort();
	p[0] = ' ';
	p[1] = '\t';
	memcpy(p + 2, s, n);
	p[n + 2] = ' ';
	p[n + 3] = '\0';
	FUZZ_CHECK(judge(q, p) == j, "'%s' judged %d, with white space around %d", s, (int)j, (int)judge(q, p));
	free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 9)
		return 0;
	char *typed = malloc(size - 9 + 1);
	if (!typed)
		abort();
	memcpy(typed, data + 9, size - 9);
	typed[size - 9] = '\0';   /* a NUL inside ends it, as in the tutor's line */

	vxr_quiz q;
	memset(&q, 0, sizeof q);
	q.kind = VXR_QUIZ_NUMBER;
	q.digits = 1 + data[0] % VXR_QUIZ_DIGITS_MAX;
	q.fits = 1;
	memcpy(&q.v, data + 1, sizeof q.v);
	if (!isfinite(q.v))
		q.v = 0;
	judge_padded(&q, typed);
	char shown[64];
	snprintf(shown, sizeof shown, "%.*e", q.digits - 1, q.v);
	FUZZ_CHECK(judge(&q, shown) == VXR_JUDGE_RIGHT, "%.17g at %d digits: its own '%s' is not right", q.v, q.digits,
	           shown);
	if (q.v != 0) {
		snprintf(shown, sizeof shown, "%.*e", q.digits - 1, -q.v);
		FUZZ_CHECK(judge(&q, shown) == VXR_JUDGE_WRONG, "%.17g: '%s' is not wrong", q.v, shown);
	}

	/* beyond a double: l10 from the same bytes, kept finite */
	q.fits = 0;
	q.neg = data[0] >> 7;
	q.l10 = fmod(q.v, 1e5);
	judge_padded(&q, typed);

	memset(&q, 0, sizeof q);
	q.kind = VXR_QUIZ_INTEGER;
	q.fits = 1;
	q.v = (double)(int8_t)data[1];
	judge_padded(&q, typed);

	memset(&q, 0, sizeof q);
	q.kind = VXR_QUIZ_CHOICE;
	strcpy(q.choices[0], "w");
	strcpy(q.choices[1], "forget");
	strcpy(q.choices[2], "rho");
	strcpy(q.choices[3], "vanishing");
	q.nchoices = 4;
	strcpy(q.text, q.choices[data[2] % 4]);
	judge_padded(&q, typed);
	free(typed);
	return 0;
}
