/*
 * tutor_quiz.c — the tutor's answer line and the progress file
 * (tutor_quiz.h).
 */
#include "tui/tutor_quiz.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report/out.h"

/* ====================================================================
 * Progress
 * ==================================================================== */

int vxu_progress_path(char *buf, size_t n)
{
	const char *x = getenv("XDG_STATE_HOME");
	int w;
	/* the XDG spec: a relative path is invalid and is ignored */
	if (x && x[0] == '/') {
		w = snprintf(buf, n, "%s/vanex/progress", x);
	} else {
		const char *h = getenv("HOME");
		if (!h || !h[0])
			return -1;
		w = snprintf(buf, n, "%s/.local/state/vanex/progress", h);
	}
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

void vxu_progress_clear(vxu_progress *p)
{
	if (!p)
		return;
	free(p->ans);
	memset(p, 0, sizeof *p);
}

void vxu_progress_seen(vxu_progress *p, size_t step)
{
	if (p->step != step + 1 || (step < VXU_MAX_SEEN && !p->seen[step]))
		p->dirty = 1;
	p->step = step + 1;
	if (step < VXU_MAX_SEEN)
		p->seen[step] = 1;
}

static vxu_answer *find(const vxu_progress *p, const char *net, const char *id)
{
	for (size_t i = 0; i < p->nans; i++)
		if (strcmp(p->ans[i].net, net) == 0 && strcmp(p->ans[i].id, id) == 0)
			return &p->ans[i];
	return NULL;
}

void vxu_progress_answer(vxu_progress *p, const char *net, const char *id, int right)
{
	vxu_answer *a = find(p, net, id);
	if (a) {
		/* the newest last, so that the oldest go first when the file is full */
		vxu_answer keep = *a;
		memmove(a, a + 1, (size_t)(p->ans + p->nans - (a + 1)) * sizeof *a);
		p->ans[p->nans - 1] = keep;
		a = &p->ans[p->nans - 1];
	} else {
		if (p->nans == VXU_MAX_ANSWERS) {
			memmove(p->ans, p->ans + 1, (p->nans - 1) * sizeof *p->ans);
			p->nans--;
		}
		if (p->nans == p->cap) {
			size_t cap = p->cap ? p->cap * 2 : 16;
			vxu_answer *v = realloc(p->ans, cap * sizeof *v);
			if (!v)
				return;
			p->ans = v;
			p->cap = cap;
		}
		a = &p->ans[p->nans++];
		memset(a, 0, sizeof *a);
		snprintf(a->net, sizeof a->net, "%s", net);
		snprintf(a->id, sizeof a->id, "%s", id);
	}
	a->right = right;
	p->dirty = 1;
}

int vxu_progress_get(const vxu_progress *p, const char *net, const char *id)
{
	const vxu_answer *a = find(p, net, id);
	return a ? a->right : -1;
}

size_t vxu_progress_right(const vxu_progress *p, const char *net)
{
	size_t c = 0;
	for (size_t i = 0; i < p->nans; i++)
		c += p->ans[i].right && strcmp(p->ans[i].net, net) == 0;
	return c;
}

static const char magic[] = "vanex progress 1";

/* One line of a progress file into p: 0, or -1 when it is not one. */
static int read_line(vxu_progress *p, char *line)
{
	char *save = NULL;
	char *w = strtok_r(line, " ", &save);
	if (!w)
		return -1;
	if (strcmp(w, "step") == 0) {
		char *v = strtok_r(NULL, " ", &save), *end;
		if (!v || strtok_r(NULL, " ", &save))
			return -1;
		unsigned long s = strtoul(v, &end, 10);
		if (*end || s > 1000)
			return -1;
		p->step = s;
		return 0;
	}
	if (strcmp(w, "seen") == 0) {
		for (char *v; (v = strtok_r(NULL, " ", &save));) {
			char *end;
			unsigned long s = strtoul(v, &end, 10);
			if (*end || s < 1 || s > VXU_MAX_SEEN)
				return -1;
			p->seen[s - 1] = 1;
		}
		return 0;
	}
	if (strcmp(w, "answer") == 0) {
		char *net = strtok_r(NULL, " ", &save), *id = strtok_r(NULL, " ", &save),
		     *how = strtok_r(NULL, " ", &save);
		if (!net || !id || !how || strtok_r(NULL, " ", &save) || strlen(net) != VXU_NET_KEY - 1 ||
		    strspn(net, "0123456789abcdef") != VXU_NET_KEY - 1 || strlen(id) >= sizeof p->ans[0].id ||
		    (strcmp(how, "right") != 0 && strcmp(how, "wrong") != 0))
			return -1;
		size_t before = p->nans;
		vxu_progress_answer(p, net, id, how[0] == 'r');
		return p->nans >= before ? 0 : -1;
	}
	return -1;
}

vx_status vxu_progress_load(vxu_progress *p, const char *path, vx_error *err)
{
	memset(p, 0, sizeof *p);
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT || errno == ENOTDIR)
			return VX_OK;
		return vx_fail(err, VX_EIO, "progress not read (%s): %s", strerror(errno), path);
	}
	char line[512];
	size_t lineno = 0, bytes = 0;
	vx_status st = VX_OK;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		size_t n = strlen(line);
		bytes += n;
		if (bytes > (1u << 20)) {
			st = vx_fail(err, VX_EFORMAT, "progress larger than 1 MiB, starting afresh: %s", path);
			break;
		}
		/* the first line first: a file of another kind may have no line at all */
		if (lineno == 1 && (strncmp(line, magic, sizeof magic - 1) != 0 || strcmp(line + sizeof magic - 1, "\n") != 0)) {
			st = vx_fail(err, VX_EFORMAT, "progress: not a vanex progress file, starting afresh: %s", path);
			break;
		}
		if (n == 0 || line[n - 1] != '\n' || memchr(line, '\0', n - 1)) {
			st = vx_fail(err, VX_EFORMAT, "progress damaged at line %zu, starting afresh: %s", lineno, path);
			break;
		}
		line[n - 1] = '\0';
		if (lineno == 1)
			continue;
		if (read_line(p, line) < 0) {
			st = vx_fail(err, VX_EFORMAT, "progress damaged at line %zu, starting afresh: %s", lineno, path);
			break;
		}
	}
	if (st == VX_OK && ferror(f))
		st = vx_fail(err, VX_EIO, "progress not read (%s): %s", strerror(errno), path);
	if (st == VX_OK && lineno == 0)
		st = vx_fail(err, VX_EFORMAT, "progress empty, starting afresh: %s", path);
	fclose(f);
	if (st != VX_OK)
		vxu_progress_clear(p);
	p->dirty = 0;
	return st;
}

/* mkdir -p of the directories that lead to path, mode 0700. */
static int make_dirs(const char *path)
{
	char d[4096];
	if (snprintf(d, sizeof d, "%s", path) >= (int)sizeof d)
		return -1;
	for (char *s = d + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(d, 0700) != 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return 0;
}

vx_status vxu_progress_save(vxu_progress *p, const char *path, vx_error *err)
{
	if (make_dirs(path) != 0)
		return vx_fail(err, VX_EIO, "progress not kept (%s): %s", strerror(errno), path);
	vxr_out *o = NULL;
	vx_status st = vxr_out_open(path, &o, err);
	if (st != VX_OK)
		return st;
	FILE *f = vxr_out_stream(o);
	fprintf(f, "%s\nstep %zu\nseen", magic, p->step);
	for (size_t i = 0; i < VXU_MAX_SEEN; i++)
		if (p->seen[i])
			fprintf(f, " %zu", i + 1);
	fputc('\n', f);
	for (size_t i = 0; i < p->nans; i++)
		fprintf(f, "answer %s %s %s\n", p->ans[i].net, p->ans[i].id, p->ans[i].right ? "right" : "wrong");
	st = vxr_out_commit(&o, 1, err);
	if (st == VX_OK)
		p->dirty = 0;
	return st;
}

void vxu_net_key(const vx_params *e, size_t t, char out[VXU_NET_KEY])
{
	char buf[3 * VX_PATH_MAX + 400];
	snprintf(buf, sizeof buf, "%d|%zu|%zu|%zu|%zu|%.17g|%d|%.17g|%lu|%d|%s|%s|%s|%s|%d", (int)e->act, e->hidden,
	         e->inputs, e->steps, t, e->norm, (int)e->init, e->input_scale, e->unseeded ? 0UL : e->seed,
	         e->unseeded, e->weights, e->model, e->inputs_file, e->module, e->reverse);
	/* FNV-1a, 64 bits: a key, not a secret */
	uint64_t h = 1469598103934665603ULL;
	for (const unsigned char *s = (const unsigned char *)buf; *s; s++)
		h = (h ^ *s) * 1099511628211ULL;
	snprintf(out, VXU_NET_KEY, "%016llx", (unsigned long long)h);
}

/* ====================================================================
 * The answer line
 * ==================================================================== */

void vxu_quiz_reset(vxu_quiz *qz)
{
	memset(qz, 0, sizeof *qz);
}

static void start_typing(vxu_quiz *qz)
{
	qz->mode = VXU_QZ_TYPING;
	qz->len = 0;
	qz->pending = 0;
	qz->line[0] = '\0';
	qz->unreadable = 0;
}

/* Backspace: the line's last character, all its bytes. */
static void erase_char(vxu_quiz *qz)
{
	while (qz->len && ((unsigned char)qz->line[qz->len - 1] & 0xc0) == 0x80)
		qz->len--;
	if (qz->len)
		qz->len--;
	qz->line[qz->len] = '\0';
	qz->pending = 0;
}

/* A typed byte into the line, which stays whole UTF-8: a character's
 * first byte only with room for all of it, a continuation byte only where
 * one is due (a character left unfinished is taken out). */
static void type_byte(vxu_quiz *qz, unsigned char c)
{
	if (c >= 0x80 && c <= 0xbf) {
		if (!qz->pending)
			return;
		qz->pending--;
	} else {
		size_t need = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
		            : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
		if (qz->pending)
			erase_char(qz);
		if (need == 0 || qz->len + need >= sizeof qz->line)
			return;
		qz->pending = (int)need - 1;
	}
	qz->line[qz->len++] = (char)c;
	qz->line[qz->len] = '\0';
}

int vxu_quiz_open(vxu_quiz *qz, const vxt_doc *doc, const vxu_progress *p, const char *net)
{
	if (!doc || doc->nquiz == 0)
		return -1;
	size_t q = doc->nquiz;
	for (size_t i = 0; i < doc->nquiz && q == doc->nquiz; i++)
		if (!p || vxu_progress_get(p, net, doc->quiz[i].q.id) != 1)
			q = i;
	if (q == doc->nquiz)   /* all right: go round, from the one after the last shown */
		q = qz->doc == doc && qz->mode != VXU_QZ_IDLE ? (qz->q + 1) % doc->nquiz : 0;
	vxu_quiz_reset(qz);
	qz->doc = doc;
	qz->q = q;
	qz->number = doc->quiz[q].q.number;
	snprintf(qz->id, sizeof qz->id, "%s", doc->quiz[q].q.id);
	snprintf(qz->net, sizeof qz->net, "%s", net ? net : "");
	start_typing(qz);
	return 0;
}

void vxu_quiz_follow(vxu_quiz *qz, const vxt_doc *doc, const char *net)
{
	if (qz->mode == VXU_QZ_IDLE || qz->doc == doc)
		return;
	if (strcmp(qz->net, net ? net : "") != 0) {
		vxu_quiz_reset(qz);
		return;
	}
	qz->doc = doc;
	if (!doc)
		return;
	for (size_t i = 0; i < doc->nquiz; i++)
		if (strcmp(doc->quiz[i].q.id, qz->id) == 0) {
			qz->q = i;
			return;
		}
	vxu_quiz_reset(qz);
}

vxu_qz_result vxu_quiz_key(vxu_quiz *qz, vxu_progress *p, const char *net, int in)
{
	if (qz->mode == VXU_QZ_IDLE)
		return VXU_QZ_PASS;
	if (qz->doc && qz->q >= qz->doc->nquiz) {
		vxu_quiz_reset(qz);
		return VXU_QZ_PASS;
	}
	/* no layout for a moment (being made again): typing goes on, Enter waits */
	const vxr_quiz *q = qz->doc ? &qz->doc->quiz[qz->q].q : NULL;
	if (!q && qz->mode != VXU_QZ_TYPING) {
		vxu_quiz_reset(qz);
		return VXU_QZ_PASS;
	}
	if (qz->mode == VXU_QZ_TYPING) {
		if (in == VXU_QZ_CANCEL) {
			vxu_quiz_reset(qz);
			return VXU_QZ_DONE;
		}
		if (in == VXU_QZ_ERASE) {
			erase_char(qz);
			qz->unreadable = 0;
			return VXU_QZ_DONE;
		}
		if (in == VXU_QZ_JUDGE) {
			if (!q)
				return VXU_QZ_DONE;
			if (qz->pending)
				erase_char(qz);
			vxr_judgement j = vxr_quiz_judge(q, qz->line);
			snprintf(qz->said, sizeof qz->said, "%s", qz->line);
			if (j == VXR_JUDGE_UNREADABLE) {
				/* the line starts again empty, still open: the tutor
				 * shows what was said beside it (a line kept whole but
				 * out of sight took the next keys into it unseen) */
				start_typing(qz);
				qz->unreadable = 1;
				return VXU_QZ_DONE;
			}
			qz->mode = j == VXR_JUDGE_RIGHT ? VXU_QZ_RIGHT : VXU_QZ_WRONG;
			/* a question once answered right stays right: trying it again
			 * (after going round) is practice */
			if (p && (j == VXR_JUDGE_RIGHT || vxu_progress_get(p, net, q->id) != 1))
				vxu_progress_answer(p, net, q->id, j == VXR_JUDGE_RIGHT);
			return VXU_QZ_DONE;
		}
		if ((in >= 0x20 && in < 0x7f) || (in >= 0x80 && in <= 0xff)) {
			type_byte(qz, (unsigned char)in);
			qz->unreadable = 0;
			return VXU_QZ_DONE;
		}
		return VXU_QZ_DONE;   /* arrows and the like do nothing while typing */
	}
	/* a verdict is shown */
	if (in == 'i') {
		if (qz->mode == VXU_QZ_WRONG)
			start_typing(qz);
		else
			vxu_quiz_open(qz, qz->doc, p, net);
		return VXU_QZ_DONE;
	}
	if (in == '!' && qz->mode == VXU_QZ_WRONG) {
		qz->mode = VXU_QZ_REVEALED;
		return VXU_QZ_DONE;
	}
	if (in == VXU_QZ_CANCEL) {
		vxu_quiz_reset(qz);
		return VXU_QZ_DONE;
	}
	vxu_quiz_reset(qz);
	return VXU_QZ_PASS;
}
