/*
 * test_engine_lowrank.c — the chain of ∂S_t/∂S_k carried in factored form
 * (engine/lowrank.h) against the full product.
 *
 * The reference forms every P_k = J_t ⋯ J_{k+1} in full here, with its own
 * loop of products (BLAS, each P rescaled by a power of two) from the
 * engine's Jacobians, and takes the norms of P and of its diagonal blocks
 * from GSL's SVD (Golub–Reinsch), which the engine never uses for them.
 * Every norm vx_analyse and vx_net_analyse report must equal it to 1e-10
 * relative, on spectra that never compress (W orthogonal, a linear cell),
 * that compress at once (W of rank 3), in between (gaussian W with tanh at
 * λ = 0.9 and 1.1, the logistic at λ = 3, ReLU with dead units, every cell
 * and stacks), and where what was dropped comes back (a block of ReLU units
 * that dies), which the error bound must catch.  The counts of the result
 * (chain_truncations, chain_rank) say which of these each case was.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

#include "engine/analysis.h"
#include "engine/lowrank.h"
#include "engine/net.h"
#include "engine/net_analysis.h"
#include "engine/net_bytes.h"
#include "test_engine_net_util.h"

#include "asan_quarantine_off.h"

static void setup(void)
{
	gsl_set_error_handler_off();
}

TestSuite(engine_lowrank, .init = setup);

/* Every `every`-th k from t − 1 down and the last `tail` are compared (an SVD
 * each); the product itself is formed for every k. */
#define EVERY 6
#define TAIL 12
#define TOL 1e-10

/* ---- the reference: the full product ---- */

typedef struct {
	gsl_matrix *P, *Q;
	double E;          /* the product is P × 2^E */
	int zero;          /* the product is exactly 0 */
} refchain;

static void ref_init(refchain *c, size_t D)
{
	c->P = gsl_matrix_alloc(D, D);
	c->Q = gsl_matrix_alloc(D, D);
	c->E = 0;
	c->zero = 0;
}

static void ref_free(refchain *c)
{
	gsl_matrix_free(c->P);
	gsl_matrix_free(c->Q);
}

/* P ← P J (first: P ← J), its largest entry brought near 1 by a power of two */
static void ref_step(refchain *c, const gsl_matrix *J, int first)
{
	if (c->zero)
		return;
	if (first)
		gsl_matrix_memcpy(c->P, J);
	else {
		gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, c->P, J, 0.0, c->Q);
		gsl_matrix_memcpy(c->P, c->Q);
	}
	double mx = 0;
	for (size_t i = 0; i < c->P->size1; i++)
		for (size_t j = 0; j < c->P->size2; j++)
			mx = fmax(mx, fabs(gsl_matrix_get(c->P, i, j)));
	if (mx == 0) {
		c->zero = 1;
		return;
	}
	int e;
	frexp(mx, &e);
	gsl_matrix_scale(c->P, ldexp(1.0, -e));
	c->E += e;
}

/* log10 ‖block of P at (o, o), size n‖₂ (−∞ for 0) */
static double ref_log10(const refchain *c, size_t o, size_t n)
{
	if (c->zero)
		return -INFINITY;
	gsl_matrix_const_view B = gsl_matrix_const_submatrix(c->P, o, o, n, n);
	double v = gm_norm2(&B.matrix);
	return v > 0 ? log10(v) + c->E * log10(2.0) : -INFINITY;
}

static int compared_every(size_t k, size_t t, size_t every)
{
	return k <= TAIL || (t - k) % every == 1;
}

static int compared(size_t k, size_t t)
{
	return compared_every(k, t, EVERY);
}

/* |got/want − 1| from log10 values, 0 when both are 0 */
static double rel10(double got, double want)
{
	if (isinf(got) && isinf(want) && got < 0 && want < 0)
		return 0;
	return fabs(expm1((got - want) * log(10.0)));
}

/* ---- vanilla: vx_analyse ---- */

/* Every compared ‖∂s_t/∂s_k‖ of r against the full product; the largest
 * relative difference */
static double vanilla_against_full(const char *what, const vx_model *m, const vx_result *r)
{
	size_t d = m->d, t = r->t;
	refchain c;
	ref_init(&c, d);
	gsl_matrix *J = gsl_matrix_alloc(d, d);
	double worst = 0;
	for (size_t k = t - 1; k >= 1; k--) {
		cr_assert_eq(vx_step_jacobian(m, r, k + 1, J), VX_OK);
		ref_step(&c, J, k == t - 1);
		if (!compared(k, t))
			continue;
		double want = ref_log10(&c, 0, d), got = r->paths[k - 1].norm.log10;
		double e = rel10(got, want);
		worst = fmax(worst, e);
		cr_expect(e <= TOL, "%s: ‖∂s_t/∂s_%zu‖ = 10^%.15g, the full product's 10^%.15g (%.3g apart)", what, k,
		          got, want, e);
	}
	gsl_matrix_free(J);
	ref_free(&c);
	return worst;
}

typedef struct {
	const char *name;
	vx_act act;
	double lambda;
} vcase;

/* spectra that compress over the run: the factored chain must truncate,
 * end well below d rows, and stay within TOL of the full product */
Test(engine_lowrank, gaussian_spectra_equal_the_full_product)
{
	static const vcase cases[] = {
		{ "tanh, λ = 0.9", VX_TANH, 0.9 },
		{ "tanh, λ = 1.1", VX_TANH, 1.1 },
		{ "logistic, λ = 3", VX_SIGMOID, 3.0 },
		{ "ReLU, λ = 1.5 (dead units)", VX_RELU, 1.5 },
	};
	size_t d = 128, T = 240;
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		vx_model *m = random_model(cases[c].act, d, 4, T, cases[c].lambda, 1.0, 11 + c);
		vx_result *r = analyse_ok(m, m->T);
		cr_expect_gt(r->chain_truncations, 0, "%s: never truncated", cases[c].name);
		cr_expect_lt(r->chain_rank, d / 2, "%s: %zu rows at k = 1", cases[c].name, r->chain_rank);
		vanilla_against_full(cases[c].name, m, r);
		vx_result_free(r);
		vx_model_free(m);
	}
}

/* W = A Bᵀ of rank 3: P has rank 3 from the first factor on, and the chain
 * drops the rest at the first step */
Test(engine_lowrank, a_rank_3_w_compresses_at_once)
{
	size_t d = 128, T = 120, q = 3;
	vx_model *m = random_model(VX_TANH, d, 4, T, 1.0, 1.0, 5);
	unsigned long long st = 99;
	double A[128][3], B[128][3];
	for (size_t i = 0; i < d; i++)
		for (size_t l = 0; l < q; l++) {
			A[i][l] = lcg_gauss(&st) / sqrt((double)d);
			B[i][l] = lcg_gauss(&st) / sqrt((double)d);
		}
	for (size_t i = 0; i < d; i++)
		for (size_t j = 0; j < d; j++) {
			double s = 0;
			for (size_t l = 0; l < q; l++)
				s += A[i][l] * B[j][l];
			gsl_matrix_set(m->W, i, j, 1.5 * s);
		}
	vx_result *r = analyse_ok(m, m->T);
	cr_expect_gt(r->chain_truncations, 0, "never truncated");
	cr_expect_leq(r->chain_rank, q, "%zu rows at k = 1", r->chain_rank);
	vanilla_against_full("rank 3", m, r);
	vx_result_free(r);
	vx_model_free(m);
}

/* J = Q diag(s) with Q orthogonal (the QR of a gaussian matrix, by GSL) */
static gsl_matrix *orthogonal_times_diag(size_t n, const double *s, unsigned long long seed)
{
	gsl_matrix *A = gsl_matrix_alloc(n, n), *Q = gsl_matrix_alloc(n, n), *R = gsl_matrix_alloc(n, n);
	gsl_vector *tau = gsl_vector_alloc(n);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			gsl_matrix_set(A, i, j, lcg_gauss(&seed));
	cr_assert_eq(gsl_linalg_QR_decomp(A, tau), 0);
	cr_assert_eq(gsl_linalg_QR_unpack(A, tau, Q, R), 0);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			gsl_matrix_set(A, i, j, gsl_matrix_get(Q, i, j) * s[j]);
	gsl_matrix_free(Q);
	gsl_matrix_free(R);
	gsl_vector_free(tau);
	return A;
}

/* The chain's rows ← rows J, FIRST_ATTEMPT (8) times from P = J, each
 * followed by vx_lr_step with `remaining` products to come; the rows S held
 * before the last step into *before */
static void eight_factors(vx_lowrank *lr, gsl_matrix *S, const gsl_matrix *J, size_t remaining, gsl_matrix **before)
{
	size_t n = J->size1;
	gsl_matrix *X = gsl_matrix_alloc(S->size1, n);
	gsl_matrix_view P = gsl_matrix_submatrix(S, 0, 0, n, n);
	gsl_matrix_memcpy(&P.matrix, J);
	*before = gsl_matrix_alloc(S->size1, n);
	for (size_t N = 1; N <= 8; N++) {
		if (N > 1) {
			gsl_matrix_view Sr = gsl_matrix_submatrix(S, 0, 0, lr->rows, n);
			gsl_matrix_view Xr = gsl_matrix_submatrix(X, 0, 0, lr->rows, n);
			gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &Sr.matrix, J, 0.0, &Xr.matrix);
			gsl_matrix_memcpy(&Sr.matrix, &Xr.matrix);
		}
		if (N == 8)
			gsl_matrix_memcpy(*before, S);
		cr_assert_geq(vx_lr_step(lr, S, remaining + 8 - N), 0);
	}
	gsl_matrix_free(X);
}

/* The first attempt in full mode is made at the eighth factor, for one
 * block (a vanilla chain) and for two (a gated cell's h and c).  The QR of
 * every block's sketch comes before any rotation, and the rows the R
 * factors keep decide whether the rotations are worth their cost:
 * - J's singular values in [½, 1]: P = J⁸ keeps every direction, and its
 *   stable rank, about n/8, lets the attempt be made.  With 20 products to
 *   come, no later attempt could pay for itself: the attempt ends after
 *   its QRs, with no rotation, the chain full and its rows untouched.
 * - The same with 1000 to come: R's rows predict the fall that a later
 *   attempt will use, so every block is rotated for the finer profile,
 *   and the attempt keeps nothing (its rows restored).
 * - 16 singular values of 1 and the rest in [0.9, 0.95], 200 to come: the
 *   rows predict no fall before the end, and a later attempt is planned
 *   at 16 on the chance of one; that attempt will make its own QRs, so
 *   this one ends with no rotation.
 * - Singular values from 1 down to 10⁻²⁰: most of J itself is below the
 *   rounding of a product; the attempt in full mode (at the first factor,
 *   with a narrow sketch, for a stable rank this small) rotates the rows
 *   and keeps the truncation. */
Test(engine_lowrank, an_attempt_whose_sketch_shows_full_rank_stops_before_its_rotation)
{
	size_t n = 256;
	double s[256];
	enum { HALF, FLAT, STEEP };
	static const struct { int kind; size_t remaining, rotations, next; } cases[] = {
		{ HALF, 20, 0, SIZE_MAX }, { HALF, 1000, 1, 0 }, { FLAT, 200, 0, 16 }, { STEEP, 1000, 1, 0 }
	};
	static const size_t sizes[2][2] = { { 256 }, { 128, 128 } };
	for (size_t nb = 1; nb <= 2; nb++)
		for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
			int kind = cases[c].kind;
			for (size_t i = 0; i < n; i++)
				s[i] = kind == HALF ? 1.0 - 0.5 * (double)i / (double)(n - 1)
				     : kind == FLAT ? (i < 16 ? 1.0 : 0.95 - 0.05 * (double)i / (double)(n - 1))
				                    : pow(10.0, -20.0 * (double)i / (double)(n - 1));
			gsl_matrix *J = orthogonal_times_diag(n, s, 7 + (unsigned long long)kind);
			if (kind == FLAT) {
				/* diagonal: J⁸'s singular values are s⁸, its stable rank about 85 */
				gsl_matrix_set_zero(J);
				for (size_t i = 0; i < n; i++)
					gsl_matrix_set(J, i, i, s[i]);
			}
			vx_lowrank lr;
			cr_assert_eq(vx_lr_init(&lr, n, nb, sizes[nb - 1], 64, 12345), VX_OK);
			gsl_matrix *S = gsl_matrix_calloc(vx_lr_capacity(n, nb), n), *before;
			eight_factors(&lr, S, J, cases[c].remaining, &before);
			if (kind != STEEP) {
				cr_expect_eq(lr.attempts, 1, "%zu blocks, case %zu: %zu attempts", nb, c, lr.attempts);
				cr_expect_eq(lr.rotations, cases[c].rotations * nb, "%zu blocks, case %zu: %zu rotations", nb, c,
				             lr.rotations);
				cr_expect_eq(lr.truncations, 0);
				cr_expect_eq(lr.mode, VX_LR_FULL);
				cr_expect_eq(lr.rows, n);
				if (cases[c].next)
					cr_expect_eq(lr.full_next, cases[c].next, "%zu blocks, case %zu: next attempt at %zu", nb, c,
					             lr.full_next);
				cr_expect(memcmp(S->data, before->data, n * n * sizeof(double)) == 0,
				          "%zu blocks, case %zu: rows changed", nb, c);
			} else {
				cr_expect_geq(lr.rotations, nb, "%zu blocks, low rank: %zu rotations", nb, lr.rotations);
				cr_expect_geq(lr.truncations, 1, "%zu blocks, low rank: no truncation", nb);
				cr_expect_eq(lr.mode, VX_LR_SPLIT);
				cr_expect_leq(lr.rows, 9 * n / 10, "%zu blocks, low rank: %zu rows kept", nb, lr.rows);
			}
			gsl_matrix_free(before);
			gsl_matrix_free(S);
			gsl_matrix_free(J);
			vx_lr_clear(&lr);
		}
}

/* The model of the options, analysed: its chain must stay full (never
 * truncated, d rows at the end) and equal the full product */
static vx_result *stays_full(const char *what, const char *const *opt, vx_model **m)
{
	vx_params p;
	*m = model_of(&p, opt);
	vx_result *r = analyse_ok(*m, (*m)->T);
	cr_expect_eq(r->chain_truncations, 0, "%s: truncated", what);
	cr_expect_eq(r->chain_rank, (*m)->d, "%s: %zu rows at k = 1", what, r->chain_rank);
	vanilla_against_full(what, *m, r);
	return r;
}

/* W orthogonal and a linear cell: every P_k is λ^{t−k} times an orthogonal
 * matrix, nothing can be dropped, the chain stays full */
Test(engine_lowrank, an_orthogonal_linear_chain_stays_full)
{
	static const char *const opt[] = { "act", "linear", "init", "orthogonal", "norm", "1.01", "hidden", "128",
	                                   "steps", "200", NULL };
	vx_model *m;
	vx_result *r = stays_full("orthogonal, linear", opt, &m);
	for (size_t k = 1; k < r->t; k++) {
		double want = (double)(r->t - k) * log10(1.01);
		cr_expect(fabs(r->paths[k - 1].norm.log10 - want) <= 1e-11, "k = %zu: 10^%.15g, not 1.01^%zu", k,
		          r->paths[k - 1].norm.log10, r->t - k);
	}
	vx_result_free(r);
	vx_model_free(m);
}

/* W = I: P_k is diagonal, its entries (its singular values) change places
 * when a unit saturates late, and a product of them is formed exactly in
 * full: the chain stays full */
Test(engine_lowrank, a_monomial_w_stays_full)
{
	static const char *const opt[] = { "act", "tanh", "init", "identity", "norm", "1", "hidden", "128",
	                                   "steps", "200", NULL };
	vx_model *m;
	vx_result_free(stays_full("identity", opt, &m));
	vx_model_free(m);
}

/* A model whose dropped directions come back.  ReLU units in two blocks of
 * d/2 with non-negative weights and a positive bias stay alive (σ' = 1):
 * block A grows by 1.5 a step, block B shrinks by 0.5, so after about 31
 * factors the chain drops B entirely (ratio 3^−31 < √d ε).  At step j0 an
 * input kills every unit of A: from there on only B's part of the product
 * is left, ~0.5^{t−k}, far from 0 — and the truncated chain holds nothing of
 * it.  Only the error bound (the probes carry B's dropped part) can notice;
 * it must, and the chain fall back to the full product. */
static vx_model *dying_block_model(size_t d, size_t T, size_t j0)
{
	vx_model *m = vx_model_alloc(VX_RELU, d, 1, T);
	size_t h = d / 2;
	gsl_matrix_set_zero(m->W);
	for (size_t i = 0; i < d; i++) {
		int a = i < h;
		size_t o = a ? 0 : h, next = o + (i - o + 1) % h;
		double s = a ? 1.5 : 0.5;
		/* s (I + shift)/2 within the block: non-negative, ‖·‖₂ = s */
		gsl_matrix_set(m->W, i, i, 0.5 * s);
		gsl_matrix_set(m->W, i, next, 0.5 * s);
		gsl_matrix_set(m->U, i, 0, a ? -1.0 : 0.0);
		gsl_vector_set(m->b, i, 1.0);
		gsl_vector_set(m->s0, i, 0.0);
		gsl_vector_set(m->y, i, 0.0);
	}
	gsl_matrix_set_zero(m->x);
	gsl_matrix_set(m->x, j0 - 1, 0, 1e300);
	return m;
}

Test(engine_lowrank, dropped_directions_that_come_back_fall_back_to_the_full_product)
{
	size_t d = 128, T = 160, j0 = 80;
	vx_model *m = dying_block_model(d, T, j0);
	vx_result *r = analyse_ok(m, m->T);
	cr_expect_gt(r->chain_truncations, 0, "never truncated: the case tests nothing");
	cr_expect_eq(r->chain_rank, d, "did not fall back (%zu rows at k = 1)", r->chain_rank);
	/* below j0 the norms are B's, 0.5^(t−k) up to a constant: not 0 */
	cr_expect(r->paths[j0 - 3].norm.log10 > -60 && r->paths[j0 - 3].norm.log10 < -10,
	          "‖∂s_t/∂s_%zu‖ = 10^%g", j0 - 2, r->paths[j0 - 3].norm.log10);
	vanilla_against_full("a block that dies", m, r);
	vx_result_free(r);
	vx_model_free(m);
}

/* ---- gated cells and stacks: vx_net_analyse ---- */

static vx_net_result *analyse_net(const vx_net *net)
{
	vx_net_result *r = NULL;
	vx_error err = { 0 };
	vx_exec ex = test_exec(net->D, 1);
	vx_status st = vx_net_analyse(net, net->T, &ex, &r, &err);
	cr_assert_eq(st, VX_OK, "vx_net_analyse: %s", err.msg);
	return r;
}

/* Every every-th ‖∂S_t/∂S_k‖ and diagonal block norm of r (and the last
 * TAIL) against the full product */
static void net_against_full_every(const char *what, const vx_net *net, const vx_net_result *r, size_t every)
{
	size_t D = net->D, d = net->d, t = r->t, L = net->L;
	int lstm = net->cell == VX_CELL_LSTM;
	refchain c;
	ref_init(&c, D);
	gsl_matrix *J = gsl_matrix_alloc(D, D);
	for (size_t k = t - 1; k >= 1; k--) {
		cr_assert_eq(vx_net_step_jacobian(net, r->fwd, k + 1, J), VX_OK);
		ref_step(&c, J, k == t - 1);
		if (!compared_every(k, t, every))
			continue;
		double e = rel10(r->paths[k - 1].norm.log10, ref_log10(&c, 0, D));
		cr_expect(e <= TOL, "%s: ‖∂S_t/∂S_%zu‖ %.3g from the full product's", what, k, e);
		for (size_t l = 0; l < L; l++) {
			e = rel10(r->h_norm[(k - 1) * L + l].log10, ref_log10(&c, l * net->Ds, d));
			cr_expect(e <= TOL, "%s: ‖∂h^%zu_t/∂h^%zu_%zu‖ %.3g from the full product's", what, l, l, k, e);
			if (lstm) {
				e = rel10(r->c_norm[(k - 1) * L + l].log10, ref_log10(&c, l * net->Ds + d, d));
				cr_expect(e <= TOL, "%s: ‖∂c^%zu_t/∂c^%zu_%zu‖ %.3g from the full product's", what, l, l, k,
				          e);
			}
		}
	}
	gsl_matrix_free(J);
	ref_free(&c);
}

static void net_against_full(const char *what, const vx_net *net, const vx_net_result *r)
{
	net_against_full_every(what, net, r, EVERY);
}

typedef struct {
	const char *name;
	vx_cell cell;
	size_t L, d, T;
	double w, fb;
} ncase;

Test(engine_lowrank, every_cell_and_stack_equals_the_full_product)
{
	static const ncase cases[] = {
		{ "rnn, 1 layer", VX_CELL_RNN, 1, 128, 200, 1.5, 0 },
		{ "rnn, 2 layers", VX_CELL_RNN, 2, 64, 200, 1.5, 0 },
		{ "lstm, 1 layer", VX_CELL_LSTM, 1, 64, 240, 1.5, 1 },
		{ "lstm, 2 layers", VX_CELL_LSTM, 2, 32, 240, 1.5, 1 },
		{ "gru, 1 layer", VX_CELL_GRU, 1, 128, 240, 1.5, 0 },
		{ "gru, 2 layers", VX_CELL_GRU, 2, 64, 240, 1.5, 0 },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		const ncase *q = &cases[c];
		vx_net *net = vx_net_alloc(q->cell, VX_TANH, q->L, q->d, 3, q->T);
		cr_assert(net);
		unsigned long long st = 1000 + c;
		fill_random_net(net, q->w, 0.3, q->fb, 0.1, &st);
		vx_net_result *r = analyse_net(net);
		cr_expect_gt(r->chain_truncations, 0, "%s: never truncated", q->name);
		cr_expect_lt(r->chain_rank, net->D, "%s: %zu rows at the end", q->name, r->chain_rank);
		net_against_full(q->name, net, r);
		vx_net_result_free(r);
		vx_net_free(net);
	}
}

/* the vanilla model above as one layer of a net: the producer's fallback */
Test(engine_lowrank, a_net_whose_dropped_directions_come_back_falls_back)
{
	size_t d = 128, T = 160, j0 = 80;
	vx_model *m = dying_block_model(d, T, j0);
	vx_net *net = NULL;
	vx_error err = { 0 };
	cr_assert_eq(vx_net_from_model(m, &net, &err), VX_OK, "%s", err.msg);
	vx_net_result *r = analyse_net(net);
	cr_expect_gt(r->chain_truncations, 0, "never truncated: the case tests nothing");
	cr_expect_eq(r->chain_rank, d, "did not fall back (%zu rows at the end)", r->chain_rank);
	net_against_full("a block that dies, as a net", net, r);
	vx_net_result_free(r);
	vx_net_free(net);
	vx_model_free(m);
}

/* The producer checks the error bound against lower bounds of the norms.
 * An LSTM whose chain was first truncated at step 181 saw there a lower
 * bound of ‖∂h_t/∂h_k‖ from a power method that had just started (from a
 * vector nearly orthogonal to the block's top direction): 1.8e-12 of it
 * looked like the bound, and the chain fell back to the full product for
 * the rest of the run.  The bounds include the largest row norm and, before
 * a fallback, 30 steps of the power method: the chain stays factored. */
Test(engine_lowrank, a_cold_lower_bound_does_not_make_the_chain_fall_back)
{
	vx_params p;
	vx_params_default(&p);
	vx_error err = { 0 };
	static const char *const opt[] = { "hidden", "128", "steps", "300", "seed", "3", "norm", "1", NULL };
	for (const char *const *o = opt; o[0]; o += 2)
		cr_assert_eq(vx_params_set(&p, o[0], o[1], &err), VX_OK, "%s", err.msg);
	vx_net_spec sp;
	vx_net_spec_default(&sp);
	sp.cell = VX_CELL_LSTM;
	sp.forget_bias = 1;
	vx_net *net = NULL;
	cr_assert_eq(vx_net_build(&p, &sp, &net, &err), VX_OK, "%s", err.msg);
	vx_net_result *r = analyse_net(net);
	cr_expect_gt(r->chain_truncations, 0, "never truncated: the case tests nothing");
	cr_expect_lt(r->chain_rank, net->D, "fell back to the full product (%zu truncations)", r->chain_truncations);
	net_against_full_every("lstm d = 128, seed 3", net, r, 40);
	vx_net_result_free(r);
	vx_net_free(net);
}

/* ---- memory: the estimates count the factored chain's buffers ---- */

typedef struct {
	int net;          /* vx_net_analyse of an LSTM, else vx_analyse */
	size_t d, T;
} memcase;

/* a small run first: the libraries' own buffers in place */
static void warm(void *arg)
{
	(void)arg;
	vx_model *m = random_model(VX_TANH, 8, 2, 10, 1.0, 1.0, 1);
	vx_result_free(analyse_ok(m, 10));
	vx_net *net = vx_net_alloc(VX_CELL_LSTM, VX_TANH, 1, 4, 2, 10);
	unsigned long long st = 3;
	fill_random_net(net, 1.0, 0.3, 1, 0.1, &st);
	vx_net_result *r = NULL;
	vx_exec ex = test_exec(8, 1);
	vx_net_analyse(net, 10, &ex, &r, NULL);
	vx_net_result_free(r);
	vx_net_free(net);
	vx_model_free(m);
}

/* the run, which must truncate its chain (else it tests nothing): 0 */
static int factored_run(void *arg)
{
	const memcase *c = arg;
	size_t trunc = 0;
	if (c->net) {
		vx_net *net = vx_net_alloc(VX_CELL_LSTM, VX_TANH, 1, c->d, 3, c->T);
		unsigned long long st = 1002;
		fill_random_net(net, 1.5, 0.3, 1, 0.1, &st);
		vx_net_result *r = NULL;
		vx_exec ex = test_exec(net->D, 1);
		if (vx_net_analyse(net, c->T, &ex, &r, NULL) == VX_OK)
			trunc = r->chain_truncations;
		vx_net_result_free(r);
		vx_net_free(net);
	} else {
		vx_model *m = random_model(VX_TANH, c->d, 4, c->T, 1.1, 1.0, 12);
		vx_result *r = NULL;
		vx_exec ex = test_exec(c->d, 0);
		if (vx_analyse(m, c->T, &ex, &r, NULL) == VX_OK)
			trunc = r->chain_truncations;
		vx_result_free(r);
		vx_model_free(m);
	}
	return trunc > 0 ? 0 : -1;
}

Test(engine_lowrank, the_memory_estimates_hold_for_a_factored_chain)
{
	static const memcase cases[] = { { 0, 256, 400 }, { 1, 128, 300 } };
#if defined(__SANITIZE_ADDRESS__)
	const double low = 0.9;   /* its allocator's redzones and headers: +2.7% for the LSTM */
#else
	const double low = 1.0;
#endif
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		const memcase *q = &cases[c];
		double got = peak_growth(warm, factored_run, (void *)q, q->net ? "lstm" : "vanilla");
		double est = q->net ? (double)vx_net_bytes(VX_CELL_LSTM, 1, q->d, 3, q->T) +
		                              (double)vx_net_analyse_bytes(VX_CELL_LSTM, 1, q->d, 3, q->T, q->T)
		                    : (double)vx_model_bytes(q->d, 4, q->T) + (double)vx_analyse_bytes(q->d, q->T, q->T);
		/* at most twice: the estimate counts the step norms' Lanczos bases
		 * whole (64 runs × 129 vectors), runs fill them only as far as they
		 * go (test_engine_net_bytes.c) */
		cr_expect(est >= low * got && est <= 2.0 * got, "%s d = %zu, T = %zu: estimate %.0f bytes, peak grew by %.0f",
		          q->net ? "lstm" : "vanilla", q->d, q->T, est, got);
	}
}
