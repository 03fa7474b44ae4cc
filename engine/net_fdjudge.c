/*
 * net_fdjudge.c — the finite-difference check of net_fdjudge.h: every entry
 * differenced at steps h, h/4 and h/16, against the forward map itself
 * (vx_net_step, vx_net_loss), which shares no code with the derivatives.
 *
 * The step is 2^-10 max(1, |x|) over how far a unit perturbation can move
 * the pre-activations per step (the largest weight, at least 1) and, for
 * perturbations that travel to step t, over the largest ‖∂S_t/∂S_k‖, so
 * that no gate leaves its linear regime; the step actually taken, the
 * difference of the points as rounded, is the one divided by.  A
 * parameter's entry is moved by the exact offset s, added as s times its
 * operand to the pre-activation it feeds (vx_net_step_batch_pert), so that
 * a batch of runs, each with its own entry moved, shares one product a
 * step with the unchanged weights.
 */
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "engine/exec.h"
#include "engine/linalg.h"
#include "engine/net_fdjudge.h"
#include "engine/rowshare.h"

#define FD_REL 0x1p-10
#define NPT 12             /* x ± h, x ± h/2, …, x ± h/32 */

typedef enum { E_PASS = 0, E_FAIL, E_LEFT, E_KINK } verdict;

/* The three Richardson estimates of one entry, from the values at the
 * twelve points (steps h and h/2, h/4 and h/8, h/16 and h/32), and the
 * rounding floor of the middle one, which is compared. */
typedef struct {
	double coarse, mid, fine, floor;
	int finite;
} estimate;

static void points(double x, double h, double pt[NPT])
{
	for (int i = 0; i < NPT / 2; i++) {
		double s = ldexp(h, -i);
		pt[2 * i] = x + s;
		pt[2 * i + 1] = x - s;
	}
}

/* (f(x+s) − f(x−s)) / (2s) for the pair at a, a+1 */
static double slope(const double *pt, const double *f, int a)
{
	return (f[a] - f[a + 1]) / (pt[a] - pt[a + 1]);
}

static estimate estimate_of(const double pt[NPT], const double f[NPT])
{
	estimate e;
	double m = 0;
	e.finite = 1;
	for (int i = 0; i < NPT; i++) {
		e.finite &= isfinite(f[i]) != 0;
		m = fmax(m, fabs(f[i]));
	}
	e.coarse = (4 * slope(pt, f, 2) - slope(pt, f, 0)) / 3;
	e.mid = (4 * slope(pt, f, 6) - slope(pt, f, 4)) / 3;
	e.fine = (4 * slope(pt, f, 10) - slope(pt, f, 8)) / 3;
	/* a step below the spacing of x leaves points equal: 0/0 */
	e.finite &= isfinite(e.coarse) && isfinite(e.mid) && isfinite(e.fine);
	/* each value within δ of its exact rounding: the middle estimate, with
	 * steps h/4 and h/8, within 12 δ / h of what exact values give */
	double delta = 4 * DBL_EPSILON * m + 4 * DBL_TRUE_MIN;
	e.floor = 12 * delta / (0.5 * (pt[0] - pt[1]));
	return e;
}

/* One entry against its analytic value an, relative to ref. */
static verdict judge(const estimate *e, double an, double ref, size_t kinks, double *rel)
{
	double miss = fabs(e->mid - an);
	*rel = miss / ref;
	if (!e->finite)
		return E_LEFT;   /* a perturbed run left the range of a double */
	if (miss <= VX_FD_TOL * ref)
		return E_PASS;
	/* A miss proves a wrong formula only when the difference itself is
	 * settled well within the tolerance: its estimate agrees with those of
	 * four times the step and a quarter of it, and rounding cannot move it,
	 * to a quarter of the tolerance.  Two estimates alone can agree by
	 * chance where neither has converged (an exploding GRU: -364974.998 and
	 * -364975.004 at h and h/4 where the derivative is -364974.347, which a
	 * step 16 times smaller gives); a third that agrees too is a converged
	 * sequence, or noise that would have to repeat itself. */
	if (fabs(e->coarse - e->mid) + fabs(e->mid - e->fine) + e->floor > 0.25 * VX_FD_TOL * ref)
		return E_LEFT;
	return kinks ? E_KINK : E_FAIL;
}

static void tally(vx_net_fditem *it, verdict v, double rel, double *worst)
{
	switch (v) {
	case E_PASS:
	case E_FAIL:
		it->compared++;
		it->failed += v == E_FAIL;
		it->error = fmax(it->error, rel);   /* fmax passes over the initial NaN */
		if (worst)
			*worst = fmax(*worst, rel);
		break;
	case E_LEFT:
		it->left++;
		break;
	case E_KINK:
		it->at_kink++;
		break;
	}
}

double vx_net_fd_weight_scale(const vx_net *net)
{
	double m = 1;
	for (size_t l = 0; l < net->L; l++)
		m = fmax(m, fmax(vx_maxabs_matrix(net->layer[l].w_hh), vx_maxabs_matrix(net->layer[l].w_ih)));
	return m;
}

double vx_net_fd_growth(const vx_net_result *r)
{
	double g = 1;
	for (size_t k = 1; k <= r->t; k++)
		g = fmax(g, r->paths[k - 1].norm.fits ? r->paths[k - 1].norm.value : INFINITY);
	return g;
}

/* ReLU pre-activations exactly at the kink over steps 1..t. */
static size_t count_kinks(const vx_net *net, const vx_net_result *r)
{
	size_t n = 0;
	if (net->cell != VX_CELL_RNN || net->act != VX_RELU)
		return 0;
	for (size_t l = 0; l < net->L; l++)
		for (size_t j = 0; j < r->t; j++)
			for (size_t i = 0; i < net->d; i++)
				n += gsl_matrix_get(r->fwd->layer[l].pre, j, i) == 0;
	return n;
}

/* Columns in one batch of perturbed runs (NPT runs each): 96 states a step,
 * one product of 96 rows with weight_hh instead of 96 matrix-vector
 * products (an LSTM of d = 1024: the check took 148 s, nearly all of it in
 * these runs one state at a time) */
#define COL_BATCH 8

/* The columns cols[0..ncols) of ∂S_b/∂S_a against the analytic A (D×D),
 * the step scaled down by gain; with blocks (nblk × nblk, of size d) when
 * not NULL.  The runs of COL_BATCH columns, NPT points each, advance
 * together (vx_net_step_batch). */
static vx_status compare_columns(const vx_net *net, const vx_net_result *r, size_t a, size_t b,
                                 const gsl_matrix *A, const size_t *cols, size_t ncols, double gain,
                                 size_t kinks, vx_net_fditem *it, double *blocks, size_t nblk)
{
	size_t D = net->D, d = net->d, nr = COL_BATCH * NPT;
	double amax = vx_maxabs_matrix(A), f[NPT], pt[COL_BATCH][NPT];
	/* each d×d block's largest entry, once (not once an entry: D²·d² reads,
	 * 27 s of a 28 s check of an LSTM at d = 256): the entries of a block
	 * are judged at its scale */
	double *bmax = blocks ? malloc(nblk * nblk * sizeof *bmax) : NULL;
	double *S = malloc(((2 * nr + 1) * D + vx_net_step_batch_scratch(net, nr)) * sizeof *S);
	if ((blocks && !bmax) || !S) {
		free(bmax);
		free(S);
		return VX_ENOMEM;
	}
	double *S2 = S + nr * D, *Sa = S2 + nr * D, *scratch = Sa + D;
	for (size_t u = 0; blocks && u < nblk; u++)
		for (size_t v = 0; v < nblk; v++) {
			gsl_matrix_const_view B = gsl_matrix_const_submatrix(A, u * d, v * d, d, d);
			bmax[u * nblk + v] = vx_maxabs_matrix(&B.matrix);
		}
	vx_net_state(net, r->fwd, a, Sa);
	for (size_t q0 = 0; q0 < ncols; q0 += COL_BATCH) {
		size_t nc = ncols - q0 < COL_BATCH ? ncols - q0 : COL_BATCH, rows = nc * NPT;
		double *X = S, *Y = S2;
		for (size_t c = 0; c < nc; c++) {
			size_t q = cols[q0 + c];
			points(Sa[q], FD_REL * fmax(1.0, fabs(Sa[q])) / gain, pt[c]);
			for (int p = 0; p < NPT; p++) {
				double *row = X + (c * NPT + (size_t)p) * D;
				memcpy(row, Sa, D * sizeof *row);
				row[q] = pt[c][p];
			}
		}
		for (size_t j = a + 1; j <= b; j++) {
			vx_net_step_batch(net, j, rows, X, Y, scratch);
			double *tmp = X;
			X = Y;
			Y = tmp;
		}
		for (size_t c = 0; c < nc; c++) {
			size_t q = cols[q0 + c];
			for (size_t i = 0; i < D; i++) {
				double ref = amax > 0 ? amax : 1, *worst = NULL;
				if (blocks) {
					double bm = bmax[(i / d) * nblk + q / d];
					ref = bm > 0 ? bm : ref;
					worst = &blocks[(i / d) * nblk + q / d];
				}
				for (int p = 0; p < NPT; p++)
					f[p] = X[(c * NPT + (size_t)p) * D + i];
				estimate e = estimate_of(pt[c], f);
				double rel = NAN;
				verdict v = judge(&e, gsl_matrix_get(A, i, q), ref, kinks, &rel);
				tally(it, v, rel, worst);
			}
		}
	}
	free(bmax);
	free(S);
	return VX_OK;
}

/* The columns to difference into cols (D entries): all when max is 0 or
 * at least D, else in each block of d the same number, max / nblk rounded
 * up but at least 2 (all of them when that reaches d), evenly spaced from
 * its first column to its last.  Their count. */
static size_t choose_columns(size_t D, size_t d, size_t max, size_t *cols)
{
	size_t nblk = D / d, per = max == 0 ? d : (max + nblk - 1) / nblk, n = 0;
	if (per < 2)
		per = 2;
	if (per >= d) {
		/* every column of every block (d = 1 included) */
		for (size_t q = 0; q < D; q++)
			cols[q] = q;
		return D;
	}
	for (size_t b = 0; b < nblk; b++)
		for (size_t i = 0; i < per; i++)
			cols[n++] = b * d + i * (d - 1) / (per - 1);
	return n;
}

/* Index i (of n, row-major with cols columns and stride tda) into the
 * list top of the m largest |x| so far (m <= cap), largest first. */
static size_t keep_largest(const double *x, size_t tda, size_t cols, size_t i, size_t *top, size_t m, size_t cap)
{
	double v = fabs(x[i / cols * tda + i % cols]);
	size_t p = m;
	while (p > 0 && fabs(x[top[p - 1] / cols * tda + top[p - 1] % cols]) < v)
		p--;
	if (p >= cap)
		return m;
	size_t last = m < cap ? m : cap - 1;
	memmove(top + p + 1, top + p, (last - p) * sizeof *top);
	top[p] = i;
	return m < cap ? m + 1 : m;
}

/* One parameter entry to difference: where it is (vx_net_pert's l, row,
 * col, which), its analytic derivative, the scale it is judged at and the
 * worst miss of its parameter. */
typedef struct {
	vx_net_pert at;
	double an, ref, *worst;
} entry;

/* The parameters' runs: up to COL_BATCH entries waiting, NPT rows each. */
typedef struct {
	const vx_net *net;
	const vx_net_result *r;
	double gain;
	size_t kinks;
	vx_net_fditem *it;
	entry e[COL_BATCH];
	size_t ne;
	double *S0, *X, *Y, *scratch;   /* nr × D each, then the step's scratch */
	double *scratch2;               /* the helper's, when there is one */
	vx_net_pert *pert;              /* nr */
	vx_rowshare *lend;              /* the columns' thread, done with them, takes
	                                 * the lower rows of each step (NULL: none) */
} param_runs;

/* Rows [r0, r1) of one step of the parameters' runs: each row a run of its
 * own, so the rows split anywhere the products keep their bits
 * (rowshare.h); the lower part has a scratch of its own */
typedef struct {
	const param_runs *b;
	size_t j;
	const double *X;
	double *Y;
} step_part;

static int step_rows(void *ctx, size_t r0, size_t r1)
{
	const step_part *s = ctx;
	size_t D = s->b->net->D;
	vx_net_step_batch_pert(s->b->net, s->j, r1 - r0, s->X + r0 * D, s->Y + r0 * D,
	                       r0 == 0 ? s->b->scratch : s->b->scratch2, s->b->pert + r0);
	return 0;
}

/* The parameter's value behind an entry. */
static double entry_value(const vx_net *net, const vx_net_pert *e)
{
	const vx_net_layer *ly = &net->layer[e->l];
	switch (e->which) {
	case 0: return gsl_matrix_get(ly->w_ih, e->row, e->col);
	case 1: return gsl_matrix_get(ly->w_hh, e->row, e->col);
	case 2: return gsl_vector_get(ly->b_ih, e->row);
	default: return gsl_vector_get(ly->b_hh, e->row);
	}
}

/* The waiting entries' NPT runs each, t steps from S_0 together
 * (vx_net_step_batch_pert: the entry moved in its own row), and their
 * verdicts.  The points are x + s for the offsets s, exact in real
 * arithmetic, so the slopes divide by the offsets' differences. */
static void run_entries(param_runs *b)
{
	const vx_net *net = b->net;
	size_t D = net->D, nc = b->ne, rows = nc * NPT;
	double off[COL_BATCH][NPT], f[NPT];
	for (size_t c = 0; c < nc; c++) {
		double x = entry_value(net, &b->e[c].at);
		points(0.0, FD_REL * fmax(1.0, fabs(x)) / b->gain, off[c]);
		for (int p = 0; p < NPT; p++) {
			b->pert[c * NPT + (size_t)p] = b->e[c].at;
			b->pert[c * NPT + (size_t)p].delta = off[c][p];
		}
	}
	double *X = b->X, *Y = b->Y;
	memcpy(X, b->S0, rows * D * sizeof *X);
	/* the smallest product of a step: rows × G·d × d (weight_hh's) */
	double madds = (double)rows * (double)(net->G * net->d) * (double)net->d;
	for (size_t j = 1; j <= b->r->t; j++) {
		step_part sp = { b, j, X, Y };
		vx_rowshare_run(b->lend, step_rows, &sp, rows, madds);
		double *tmp = X;
		X = Y;
		Y = tmp;
	}
	for (size_t c = 0; c < nc; c++) {
		for (int p = 0; p < NPT; p++)
			f[p] = vx_net_loss(net, X + (c * NPT + (size_t)p) * D);
		estimate es = estimate_of(off[c], f);
		double rel = NAN;
		verdict v = judge(&es, b->e[c].an, b->e[c].ref, b->kinks, &rel);
		tally(b->it, v, rel, b->e[c].worst);
	}
	b->ne = 0;
}

/* Every parameter's gradient at its entries (all, or the max_entries
 * largest of each), NPT runs of t steps an entry, COL_BATCH entries' runs
 * at once, across parameters. */
static vx_status compare_params(const vx_net *net, const vx_net_result *r, size_t max_entries, double gain,
                                size_t kinks, vx_rowshare *lend, vx_net_fdjudge *out)
{
	vx_net_fditem *it = &out->item[VX_NET_FD_GRAD];
	size_t L = net->L, D = net->D, nr = COL_BATCH * NPT;
	size_t widest = net->G * net->d * (net->n > net->d ? net->n : net->d);
	size_t cap = max_entries == 0 || max_entries > widest ? widest : max_entries;
	if (r->grad_log10_scale != 0) {
		it->too_large = 1;
		return VX_OK;
	}
	param_runs b = { .net = net, .r = r, .gain = gain, .kinks = kinks, .it = it, .lend = lend };
	size_t *top = malloc(cap * sizeof *top), sc = vx_net_step_batch_scratch(net, nr);
	b.S0 = malloc((3 * nr * D + (lend ? 2 : 1) * sc) * sizeof *b.S0);
	b.pert = malloc(nr * sizeof *b.pert);
	if (!top || !b.S0 || !b.pert) {
		free(top);
		free(b.S0);
		free(b.pert);
		return VX_ENOMEM;
	}
	b.X = b.S0 + nr * D;
	b.Y = b.X + nr * D;
	b.scratch = b.Y + nr * D;
	b.scratch2 = b.scratch + sc;
	vx_net_state(net, r->fwd, 0, b.S0);
	for (size_t i = 1; i < nr; i++)
		memcpy(b.S0 + i * D, b.S0, D * sizeof *b.S0);
	for (size_t l = 0; l < L; l++) {
		const vx_net_grad *g = &r->grad[l];
		for (int q = 0; q < (net->no_bias ? 2 : 4); q++) {
			/* the gradient as rows × cols, row-major with a stride (a
			 * bias: one row; GSL's vectors here have stride 1) */
			const gsl_matrix *G = q == 0 ? g->w_ih : q == 1 ? g->w_hh : NULL;
			const gsl_vector *gv = q == 2 ? g->b_ih : g->b_hh;
			size_t cols = G ? G->size2 : gv->size, all = G ? G->size1 * cols : cols;
			size_t gtda = G ? G->tda : cols;
			const double *an = G ? G->data : gv->data;
			size_t m = 0;
			double ref = 0;
			for (size_t i = 0; i < all; i++) {
				ref = fmax(ref, fabs(an[i / cols * gtda + i % cols]));
				m = keep_largest(an, gtda, cols, i, top, m, cap);
			}
			for (size_t e = 0; e < m; e++) {
				size_t i = top[e] / cols, c = top[e] % cols;
				/* a bias's entry c is the pre-activation row it feeds */
				b.e[b.ne++] = (entry){ .at = { .l = l, .row = G ? i : c, .col = G ? c : 0, .which = q },
				                       .an = an[i * gtda + c],
				                       .ref = ref > 0 ? ref : 1,
				                       .worst = &out->param[4 * l + (size_t)q] };
				if (b.ne == COL_BATCH)
					run_entries(&b);
			}
		}
	}
	if (b.ne)
		run_entries(&b);
	free(top);
	free(b.S0);
	free(b.pert);
	return VX_OK;
}

void vx_net_fdjudge_clear(vx_net_fdjudge *fd)
{
	if (!fd)
		return;
	free(fd->block);
	free(fd->param);
	memset(fd, 0, sizeof *fd);
}

/* compare_params on a thread of its own */
typedef struct {
	const vx_net *net;
	const vx_net_result *r;
	size_t max_entries, kinks;
	double gain;
	vx_net_fdjudge *out;
	vx_rowshare *lend;
	vx_status st;
	pthread_t thread_id;
} params_job;

static void *params_thread(void *arg)
{
	params_job *p = arg;
	p->st = compare_params(p->net, p->r, p->max_entries, p->gain, p->kinks, p->lend, p->out);
	/* the columns' thread, helping or not, may go */
	vx_rowshare_done(p->lend);
	return NULL;
}

vx_status vx_net_fd_judge(const vx_net *net, const vx_net_result *r, size_t j, size_t k, size_t max_entries,
                          vx_net_fdjudge *out)
{
	return vx_net_fd_judge_on(net, r, j, k, max_entries, 0, NULL, out);
}

vx_status vx_net_fd_judge_on(const vx_net *net, const vx_net_result *r, size_t j, size_t k, size_t max_entries,
                             size_t max_columns, const vx_exec *ex, vx_net_fdjudge *out)
{
	memset(out, 0, sizeof *out);
	if (!net || !r || !r->fwd || r->D != net->D || r->T != net->T || r->L != net->L)
		return VX_ESHAPE;
	if (j < 1 || j > net->T || k < 1 || k > r->t)
		return VX_EUSAGE;
	size_t D = net->D, L = net->L, nblk = D / net->d;
	out->j = j;
	out->k = k;
	out->nblk = nblk;
	out->block = malloc(nblk * nblk * sizeof *out->block);
	out->param = malloc(4 * L * sizeof *out->param);
	gsl_matrix *A = gsl_matrix_alloc(D, D);
	size_t *cols = malloc(D * sizeof *cols);
	int two = ex && ex->threads >= 2;
	vx_status st = VX_ENOMEM;
	params_job pj = { 0 };
	int joined = 1;
	/* the columns done first, their thread takes the lower rows of each
	 * step of the parameters' runs (rowshare.h: same bits, with a BLAS
	 * that computes on its caller's thread).  check's LSTM of d = 512, T =
	 * 1000 (176 columns, 2 entries of each parameter): 4.5 s with the
	 * parameters' 96 runs on one thread, 2.9 s with 79% of their steps
	 * shared */
	vx_rowshare lend;
	vx_rowshare_init(&lend, 1);
	if (!out->block || !out->param || !A || !cols)
		goto done;
	for (size_t i = 0; i < nblk * nblk; i++)
		out->block[i] = NAN;
	for (size_t i = 0; i < 4 * L; i++)
		out->param[i] = NAN;
	for (int q = 0; q < VX_NET_FD_ITEMS; q++)
		out->item[q].error = NAN;
	double ws = vx_net_fd_weight_scale(net), gain = ws * vx_net_fd_growth(r);
	out->kinks = count_kinks(net, r);
	out->columns = choose_columns(D, net->d, max_columns, cols);
	/* the parameters' runs (each of t steps) beside the columns' when a
	 * second thread is allowed: they write their own items and rows */
	if (two) {
		pj = (params_job){ .net = net, .r = r, .max_entries = max_entries, .kinks = out->kinks, .gain = gain,
		                   .out = out, .lend = vx_exec_blas_single() ? &lend : NULL };
		joined = pthread_create(&pj.thread_id, NULL, params_thread, &pj) != 0;
		two = !joined;
	}

	if ((st = vx_net_step_jacobian(net, r->fwd, j, A)))
		goto done;
	if ((st = compare_columns(net, r, j - 1, j, A, cols, out->columns, ws, out->kinks, &out->item[VX_NET_FD_J],
	                          out->block, nblk)))
		goto done;

	double l10;
	if ((st = out->columns < D ? vx_net_dSdS_columns(net, r->fwd, r->t, k, cols, out->columns, A, &l10)
	                           : vx_net_dSdS(net, r->fwd, r->t, k, A, &l10)))
		goto done;
	if (l10 != 0)
		out->item[VX_NET_FD_DSDS].too_large = 1;
	else if ((st = compare_columns(net, r, k, r->t, A, cols, out->columns, gain, out->kinks,
	                               &out->item[VX_NET_FD_DSDS], NULL, 0)))
		goto done;

	if (two && pj.lend)
		vx_rowshare_help(pj.lend);
	if (!two)
		st = compare_params(net, r, max_entries, gain, out->kinks, NULL, out);
done:
	if (!joined) {
		pthread_join(pj.thread_id, NULL);
		out->shared = lend.shared;
		if (st == VX_OK)
			st = pj.st;
	}
	vx_rowshare_destroy(&lend);
	if (st)
		vx_net_fdjudge_clear(out);
	gsl_matrix_free(A);
	free(cols);
	return st;
}
