/*
 * test_engine_net.c — stacked vanilla, LSTM and GRU layers (engine/net*.c)
 * against independent values:
 *   - central differences of the forward map (vx_net_step) for every block
 *     of the step Jacobian, for ∂S_t/∂S_k and for every parameter gradient,
 *     written here, apart from the engine's own check (net_fd.c);
 *   - GSL's SVD (Golub–Reinsch) of explicit products for every norm, where
 *     the engine uses Lanczos and a block-skipping product;
 *   - vx_analyse on the same weights for one vanilla layer;
 *   - closed forms: an LSTM with weight_hh = 0 and no input keeps c = 0, so
 *     ∂c_t/∂c_k = σ(B)^{t−k} I for a forget bias B.
 * PyTorch's autograd is compared in tests/e2e/net_torch.sh.
 */
#include <gsl/gsl_linalg.h>
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <string.h>
#include <gsl/gsl_complex_math.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>

#include "engine/linalg.h"
#include "engine/net.h"
#include "engine/net_analysis.h"
#include "engine/net_step.h"
#include "same_bits.h"
#include "test_engine_net_util.h"

static void setup(void)
{
	gsl_set_error_handler_off();
}

TestSuite(engine_net, .init = setup);

static const char *const CELL[] = { "rnn", "lstm", "gru" };

/* A network of the given sizes filled by fill_random_net (h0, c0 N(0, 0.1²)). */
static vx_net *random_net(vx_cell cell, vx_act act, size_t L, size_t d, size_t n, size_t T,
                          double w, double bias, double fb, unsigned long long seed)
{
	vx_net *net = vx_net_alloc(cell, act, L, d, n, T);
	cr_assert(net);
	unsigned long long st = seed * 2654435761ULL + 7;
	fill_random_net(net, w, bias, fb, 0.1, &st);
	return net;
}

static vx_net_result *analyse_net(const vx_net *net, size_t t)
{
	vx_net_result *r = NULL;
	vx_error err = { 0 };
	vx_exec ex = test_exec(net->D, 1);
	vx_status st = vx_net_analyse(net, t, &ex, &r, &err);
	cr_assert_eq(st, VX_OK, "vx_net_analyse failed (%d): %s", st, err.msg);
	return r;
}

static double mag_rel(vx_mag a, vx_mag b)
{
	if (a.fits && b.fits)
		return fabs(a.value - b.value) / fmax(fabs(b.value), DBL_MIN);
	return fabs(a.log10 - b.log10) * log(10.0);
}

/* ∂S_b/∂S_a by central differences (Richardson) of vx_net_step, column q */
static void fd_column(const vx_net *net, const vx_net_result *r, size_t a, size_t b, size_t q,
                      double h, double *col)
{
	size_t D = net->D;
	double *S = malloc(D * sizeof *S), *S2 = malloc(D * sizeof *S2), *f[4];
	double *scr = malloc(vx_net_step_scratch(net) * sizeof *scr), *Sa = malloc(D * sizeof *Sa);
	vx_net_state(net, r->fwd, a, Sa);
	double pt[4] = { Sa[q] + h, Sa[q] - h, Sa[q] + h / 2, Sa[q] - h / 2 };
	for (int p = 0; p < 4; p++) {
		f[p] = malloc(D * sizeof *f[p]);
		memcpy(S, Sa, D * sizeof *S);
		S[q] = pt[p];
		for (size_t j = a + 1; j <= b; j++) {
			vx_net_step(net, j, S, S2, scr);
			memcpy(S, S2, D * sizeof *S);
		}
		memcpy(f[p], S, D * sizeof *S);
	}
	for (size_t i = 0; i < D; i++) {
		double d1 = (f[0][i] - f[1][i]) / (pt[0] - pt[1]), d2 = (f[2][i] - f[3][i]) / (pt[2] - pt[3]);
		col[i] = (4 * d2 - d1) / 3;
	}
	for (int p = 0; p < 4; p++)
		free(f[p]);
	free(S);
	free(S2);
	free(scr);
	free(Sa);
}

/* ---- generation ---- */

Test(engine_net, vanilla_generation_equals_vx_model_build)
{
	const vx_init inits[] = { VX_INIT_GAUSSIAN, VX_INIT_ORTHOGONAL, VX_INIT_IDENTITY };
	for (int q = 0; q < 3; q++) {
		vx_params p;
		vx_params_default(&p);
		p.hidden = 7;
		p.inputs = 3;
		p.steps = 11;
		p.norm = 1.7;
		p.init = inits[q];
		p.input_scale = 0.5;
		p.seed = 42 + q;
		vx_net_spec sp;
		vx_net_spec_default(&sp);
		vx_model *m = NULL;
		vx_net *net = NULL;
		vx_error err = { 0 };
		cr_assert_eq(vx_model_build(&p, &m, &err), VX_OK, "%s", err.msg);
		cr_assert_eq(vx_net_build(&p, &sp, &net, &err), VX_OK, "%s", err.msg);
		cr_expect(gsl_matrix_equal(m->W, net->layer[0].w_hh), "init %d: W", q);
		cr_expect(gsl_matrix_equal(m->U, net->layer[0].w_ih), "init %d: U", q);
		cr_expect(gsl_matrix_equal(m->x, net->x), "init %d: x", q);
		cr_expect(gsl_vector_equal(m->y, net->y), "init %d: y", q);
		vx_model_free(m);
		vx_net_free(net);
	}
}

Test(engine_net, gated_generation_follows_the_options)
{
	vx_params p;
	vx_params_default(&p);
	p.hidden = 6;
	p.inputs = 2;
	p.steps = 5;
	p.norm = 0.8;
	vx_net_spec sp = { VX_CELL_LSTM, 3, 1.5 };
	vx_net *net = NULL;
	vx_error err = { 0 };
	cr_assert_eq(vx_net_build(&p, &sp, &net, &err), VX_OK, "%s", err.msg);
	for (size_t l = 0; l < 3; l++) {
		cr_expect_eq(net->layer[l].w_ih->size2, l ? 6u : 2u);
		for (size_t g = 0; g < 4; g++) {
			gsl_matrix_const_view B = gsl_matrix_const_submatrix(net->layer[l].w_hh, g * 6, 0, 6, 6);
			cr_expect(fabs(gm_norm2(&B.matrix) - 0.8) < 1e-12, "layer %zu gate %zu: ‖U‖ = %.17g", l, g,
			          gm_norm2(&B.matrix));
			for (size_t i = 0; i < 6; i++)
				cr_expect_eq(gsl_vector_get(net->layer[l].b_ih, g * 6 + i), g == 1 ? 1.5 : 0.0);
		}
	}
	vx_net_free(net);
	/* the vanilla cell has no forget gate: a usage error, not a silent 0 */
	sp.cell = VX_CELL_RNN;
	cr_expect_eq(vx_net_build(&p, &sp, &net, &err), VX_EUSAGE);
	cr_expect_str_eq(err.msg, "the forget-gate bias B = 1.5 needs an lstm or gru cell: the rnn cell has no forget gate");
	cr_expect_eq(err.param, VX_PARAM_FORGET_BIAS, "param %d", err.param);
	sp.cell = VX_CELL_GRU;
	sp.layers = 0;
	cr_expect_eq(vx_net_build(&p, &sp, &net, &err), VX_EUSAGE);
	cr_expect_str_eq(err.msg, "the number of layers L must be from 1 to 64, got 0");
	cr_expect_eq(err.param, VX_PARAM_LAYERS, "param %d", err.param);
}

/* ---- the forward pass against a plain one written here ---- */

static double sg(double a) { return 1 / (1 + exp(-a)); }

Test(engine_net, forward_pass_equals_the_textbook_cells)
{
	for (int c = 0; c < 3; c++) {
		size_t L = 2, d = 4, n = 3, T = 6;
		vx_net *net = random_net((vx_cell)c, VX_TANH, L, d, n, T, 1.2, 0.5, 0.7, 5 + c);
		vx_net_fwd *f = NULL;
		vx_error err = { 0 };
		cr_assert_eq(vx_net_forward(net, &f, &err), VX_OK, "%s", err.msg);
		double h[2][4], cc[2][4];
		for (size_t l = 0; l < L; l++)
			for (size_t i = 0; i < d; i++) {
				h[l][i] = gsl_vector_get(net->layer[l].h0, i);
				cc[l][i] = c == VX_CELL_LSTM ? gsl_vector_get(net->layer[l].c0, i) : 0;
			}
		for (size_t j = 1; j <= T; j++)
			for (size_t l = 0; l < L; l++) {
				const vx_net_layer *ly = &net->layer[l];
				double v[4], gi[16], gh[16], nh[4];
				size_t nl = l ? d : n;
				for (size_t q = 0; q < nl; q++)
					v[q] = l ? h[l - 1][q] : gsl_matrix_get(net->x, j - 1, q);
				for (size_t i = 0; i < net->G * d; i++) {
					gi[i] = gsl_vector_get(ly->b_ih, i);
					gh[i] = gsl_vector_get(ly->b_hh, i);
					for (size_t q = 0; q < nl; q++)
						gi[i] += gsl_matrix_get(ly->w_ih, i, q) * v[q];
					for (size_t q = 0; q < d; q++)
						gh[i] += gsl_matrix_get(ly->w_hh, i, q) * h[l][q];
				}
				for (size_t i = 0; i < d; i++) {
					if (c == VX_CELL_RNN) {
						nh[i] = tanh(gi[i] + gh[i]);
					} else if (c == VX_CELL_LSTM) {
						double ig = sg(gi[i] + gh[i]), fg = sg(gi[d + i] + gh[d + i]);
						double gg = tanh(gi[2 * d + i] + gh[2 * d + i]), og = sg(gi[3 * d + i] + gh[3 * d + i]);
						cc[l][i] = fg * cc[l][i] + ig * gg;
						nh[i] = og * tanh(cc[l][i]);
					} else {
						double r = sg(gi[i] + gh[i]), z = sg(gi[d + i] + gh[d + i]);
						double nn = tanh(gi[2 * d + i] + r * gh[2 * d + i]);
						nh[i] = (1 - z) * nn + z * h[l][i];
					}
				}
				for (size_t i = 0; i < d; i++) {
					h[l][i] = nh[i];
					double got = gsl_matrix_get(f->layer[l].h, j - 1, i);
					cr_expect(fabs(got - nh[i]) <= 1e-14, "%s h^%zu_%zu[%zu]: %.17g vs %.17g", CELL[c], l, j, i,
					          got, nh[i]);
					if (c == VX_CELL_LSTM)
						cr_expect(fabs(gsl_matrix_get(f->layer[l].c, j - 1, i) - cc[l][i]) <= 1e-14,
						          "lstm c^%zu_%zu[%zu]", l, j, i);
				}
			}
		vx_net_fwd_free(f);
		vx_net_free(net);
	}
}

/* ---- the step Jacobian, block by block, against differences ---- */

typedef struct {
	vx_cell cell;
	size_t L, d, n;
	double w, bias, fb;
} jcase;

static const jcase JCASES[] = {
	{ VX_CELL_RNN, 1, 5, 3, 1.3, 0.3, 0 },
	{ VX_CELL_RNN, 3, 4, 2, 1.1, 0.3, 0 },
	{ VX_CELL_LSTM, 1, 5, 3, 1.5, 0.5, 0 },
	{ VX_CELL_LSTM, 2, 4, 3, 1.5, 0.5, 1 },
	{ VX_CELL_LSTM, 3, 3, 2, 2.0, 0.5, -1 },
	{ VX_CELL_LSTM, 2, 4, 2, 1.0, 4.0, 6 },   /* saturated gates */
	{ VX_CELL_LSTM, 2, 4, 2, 1.5, 6.0, 25 },  /* forget gates at 1 − 1e-11 */
	{ VX_CELL_GRU, 1, 5, 3, 1.5, 0.5, 0 },
	{ VX_CELL_GRU, 2, 4, 3, 1.5, 0.5, 2 },
	{ VX_CELL_GRU, 3, 3, 2, 2.0, 0.5, -1 },
	{ VX_CELL_GRU, 2, 4, 2, 1.0, 4.0, -5 },   /* saturated gates */
};
#define NJ (sizeof JCASES / sizeof JCASES[0])

/* The tanh network of case q over T steps, drawn from seed. */
static vx_net *case_net(const jcase *q, size_t T, unsigned long long seed)
{
	return random_net(q->cell, VX_TANH, q->L, q->d, q->n, T, q->w, q->bias, q->fb, seed);
}

/* The batched steps' buffers: nb states of net in *X, uniform in ±0.8 from
 * seed, room for as many in *Y, one state, and the scratch of a batch and
 * of one step. */
typedef struct {
	double *X, *Y, *one, *scr, *scr1;
} batch_bufs;

static batch_bufs batch_alloc(const vx_net *net, size_t nb, unsigned long long seed)
{
	size_t D = net->D;
	batch_bufs b = { malloc(nb * D * sizeof(double)), malloc(nb * D * sizeof(double)), malloc(D * sizeof(double)),
	                 malloc(vx_net_step_batch_scratch(net, nb) * sizeof(double)),
	                 malloc(vx_net_step_scratch(net) * sizeof(double)) };
	cr_assert(b.X && b.Y && b.one && b.scr && b.scr1);
	for (size_t i = 0; i < nb * D; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		b.X[i] = ((double)(seed >> 11) * 0x1p-53 - 0.5) * 1.6;
	}
	return b;
}

static void batch_free(batch_bufs *b)
{
	free(b->X);
	free(b->Y);
	free(b->one);
	free(b->scr);
	free(b->scr1);
}

/* The finite-difference check's batched step (vx_net_step_batch): each row
 * as the one-state step (a batch of one, by matrix-vector products) from
 * states of its own, up to the products' order of summation; and a row
 * started from the forward pass's S_{j−1} lands on its S_j, which the test
 * above holds to the textbook cells. */
Test(engine_net, batched_steps_equal_one_state_steps)
{
	for (int c = 0; c < 3; c++) {
		size_t L = 2, d = 5, n = 3, T = 4, nb = 7;
		vx_net *net = random_net((vx_cell)c, VX_TANH, L, d, n, T, 1.3, 0.4, 0.6, 11 + c);
		size_t D = net->D;
		batch_bufs bb = batch_alloc(net, nb, 99 + (unsigned long long)c);
		double *X = bb.X, *Y = bb.Y, *one = bb.one, *scr = bb.scr, *scr1 = bb.scr1;
		vx_net_fwd *fw = NULL;
		vx_error err = { 0 };
		cr_assert_eq(vx_net_forward(net, &fw, &err), VX_OK, "%s", err.msg);
		for (size_t j = 1; j <= T; j++) {
			vx_net_state(net, fw, j - 1, X + (nb - 1) * D);
			vx_net_step_batch(net, j, nb, X, Y, scr);
			vx_net_state(net, fw, j, one);
			for (size_t i = 0; i < D; i++)
				cr_expect_leq(fabs(Y[(nb - 1) * D + i] - one[i]), 1e-14 * fmax(1.0, fabs(one[i])),
				              "%s step %zu from the forward pass, entry %zu: %.17g against %.17g", CELL[c], j,
				              i, Y[(nb - 1) * D + i], one[i]);
			for (size_t r = 0; r < nb; r++) {
				vx_net_step(net, j, X + r * D, one, scr1);
				for (size_t i = 0; i < D; i++)
					cr_expect_leq(fabs(Y[r * D + i] - one[i]), 1e-14 * fmax(1.0, fabs(one[i])),
					              "%s step %zu row %zu entry %zu: %.17g against %.17g", CELL[c], j, r, i,
					              Y[r * D + i], one[i]);
			}
		}
		batch_free(&bb);
		vx_net_fwd_free(fw);
		vx_net_free(net);
	}
}

/* The batched step with an entry moved in each row (the gradients'
 * finite-difference runs) against the one-state step of a copy of the
 * network with that entry changed: every parameter of both layers, for
 * every cell; a move applied to the wrong pre-activation or with the
 * wrong operand (x_j for the layer below's h, h_{j−1} for 1) breaks it. */
Test(engine_net, a_moved_entry_in_a_batch_row_is_the_changed_network)
{
	for (int c = 0; c < 3; c++) {
		size_t L = 2, d = 4, n = 3, T = 3;
		vx_net *net = random_net((vx_cell)c, VX_TANH, L, d, n, T, 1.3, 0.4, 0.6, 31 + c);
		size_t D = net->D, gd = net->G * d, nb = 0;
		vx_net_pert pert[64];
		for (size_t l = 0; l < L; l++)
			for (int q = 0; q < 4; q++)
				for (size_t e = 0; e < 5; e++) {
					size_t cols = q == 0 ? (l == 0 ? n : d) : q == 1 ? d : 1;
					pert[nb++] = (vx_net_pert){ .l = l, .row = (7 * e + 3 * (size_t)q + l) % gd,
					                            .col = (5 * e + l) % cols, .which = q,
					                            .delta = e % 2 ? -0.37 : 0.61 };
				}
		batch_bufs bb = batch_alloc(net, nb, 7 + (unsigned long long)c);
		double *X = bb.X, *Y = bb.Y, *one = bb.one, *scr = bb.scr, *scr1 = bb.scr1;
		for (size_t j = 1; j <= T; j++) {
			vx_net_step_batch_pert(net, j, nb, X, Y, scr, pert);
			for (size_t r = 0; r < nb; r++) {
				const vx_net_pert *e = &pert[r];
				vx_net *cl = vx_net_clone(net);
				cr_assert(cl);
				vx_net_layer *ly = &cl->layer[e->l];
				double *x = e->which == 0 ? gsl_matrix_ptr(ly->w_ih, e->row, e->col)
				            : e->which == 1 ? gsl_matrix_ptr(ly->w_hh, e->row, e->col)
				            : e->which == 2 ? gsl_vector_ptr(ly->b_ih, e->row)
				                            : gsl_vector_ptr(ly->b_hh, e->row);
				*x += e->delta;
				vx_net_step(cl, j, X + r * D, one, scr1);
				double gap = 0;
				for (size_t i = 0; i < D; i++) {
					cr_expect_leq(fabs(Y[r * D + i] - one[i]), 1e-14 * fmax(1.0, fabs(one[i])),
					              "%s step %zu, layer %zu parameter %d (%zu, %zu), entry %zu: %.17g against %.17g",
					              CELL[c], j, e->l, e->which, e->row, e->col, i, Y[r * D + i], one[i]);
				}
				/* and the move changed the step (not a test of nothing) */
				vx_net_step(net, j, X + r * D, one, scr1);
				for (size_t i = 0; i < D; i++)
					gap = fmax(gap, fabs(Y[r * D + i] - one[i]));
				cr_expect_gt(gap, 1e-6, "%s layer %zu parameter %d: the move changed nothing", CELL[c], e->l,
				             e->which);
				vx_net_free(cl);
			}
		}
		batch_free(&bb);
		vx_net_free(net);
	}
}

/* Columns of ∂S_t/∂S_k carried by the tangent map (vx_net_dSdS_columns)
 * against the same columns of the whole product of explicit Jacobians
 * (vx_net_dSdS), every cell and every JCASES stack; other entries 0. */
Test(engine_net, columns_of_dSdS_by_the_tangent_map_equal_the_product)
{
	for (size_t c = 0; c < NJ; c++) {
		const jcase *q = &JCASES[c];
		size_t T = 9, t = 8, k = 2;
		vx_net *net = case_net(q, T, 300 + c);
		vx_net_result *r = analyse_net(net, t);
		size_t D = net->D, cols[3] = { 0, D / 2, D - 1 };
		gsl_matrix *P = gsl_matrix_alloc(D, D), *Q = gsl_matrix_alloc(D, D);
		double l10 = 1, m10 = 1;
		cr_assert_eq(vx_net_dSdS(net, r->fwd, t, k, P, &l10), VX_OK);
		cr_assert_eq(vx_net_dSdS_columns(net, r->fwd, t, k, cols, 3, Q, &m10), VX_OK);
		cr_expect(l10 == 0 && m10 == 0);
		double mx = vx_maxabs_matrix(P);
		for (size_t i = 0; i < D; i++)
			for (size_t j = 0; j < D; j++) {
				int kept = j == cols[0] || j == cols[1] || j == cols[2];
				double want = kept ? gsl_matrix_get(P, i, j) : 0, got = gsl_matrix_get(Q, i, j);
				cr_expect_leq(fabs(got - want), 1e-13 * mx, "%s L=%zu entry (%zu, %zu): %.17g against %.17g",
				              CELL[q->cell], q->L, i, j, got, want);
			}
		size_t bad = D;
		cr_expect_eq(vx_net_dSdS_columns(net, r->fwd, t, k, &bad, 1, Q, &m10), VX_EUSAGE);
		cr_expect_eq(vx_net_dSdS_columns(net, r->fwd, t, t + 1, cols, 1, Q, &m10), VX_EUSAGE);
		gsl_matrix_free(P);
		gsl_matrix_free(Q);
		vx_net_result_free(r);
		vx_net_free(net);
	}
}

Test(engine_net, every_block_of_the_step_jacobian_equals_differences)
{
	for (size_t c = 0; c < NJ; c++) {
		const jcase *q = &JCASES[c];
		size_t T = 7;
		vx_net *net = case_net(q, T, 100 + c);
		vx_net_result *r = analyse_net(net, T);
		size_t D = net->D, sub = q->cell == VX_CELL_LSTM ? 2 : 1, nb = q->L * sub;
		gsl_matrix *J = gsl_matrix_alloc(D, D);
		double *col = malloc(D * sizeof *col);
		for (size_t j = 1; j <= T; j += 3) {
			cr_assert_eq(vx_net_step_jacobian(net, r->fwd, j, J), VX_OK);
			gsl_matrix *F = gsl_matrix_alloc(D, D);
			for (size_t b = 0; b < D; b++) {
				fd_column(net, r, j - 1, j, b, 1e-3, col);
				for (size_t i = 0; i < D; i++)
					gsl_matrix_set(F, i, b, col[i]);
			}
			for (size_t a = 0; a < nb; a++)
				for (size_t b = 0; b < nb; b++) {
					double e = 0, ref = 0, fref = 0;
					for (size_t i = 0; i < q->d; i++)
						for (size_t l = 0; l < q->d; l++) {
							double an = gsl_matrix_get(J, a * q->d + i, b * q->d + l);
							double fd = gsl_matrix_get(F, a * q->d + i, b * q->d + l);
							e = fmax(e, fabs(an - fd));
							ref = fmax(ref, fabs(an));
							fref = fmax(fref, fabs(fd));
						}
					/* above the block diagonal both are exactly 0 (no path) */
					size_t la = a / sub, lb = b / sub;
					if (lb > la)
						cr_expect(ref == 0 && fref == 0, "%s L=%zu: block (%zu,%zu) should be 0", CELL[q->cell],
						          q->L, a, b);
					cr_expect(e <= 1e-8 * fmax(ref, 1e-300) || e <= 1e-12,
					          "%s L=%zu fb=%g j=%zu block (%zu,%zu): error %.3g against %.3g", CELL[q->cell],
					          q->L, q->fb, j, a, b, e, ref);
				}
			gsl_matrix_free(F);
		}
		free(col);
		gsl_matrix_free(J);
		vx_net_result_free(r);
		vx_net_free(net);
	}
}

/* the batched tangent and adjoint maps are J x and Jᵀ y of the explicit J */
Test(engine_net, tangent_and_adjoint_maps_equal_the_explicit_jacobian)
{
	for (size_t c = 0; c < NJ; c++) {
		const jcase *q = &JCASES[c];
		size_t T = 5, nbat = 3;
		vx_net *net = case_net(q, T, 200 + c);
		vx_net_result *r = analyse_net(net, T);
		size_t D = net->D, cs = vx_net_coef_size(net);
		double *coef = malloc(nbat * cs * sizeof *coef);
		gsl_matrix *X = gsl_matrix_alloc(nbat, D), *Y = gsl_matrix_alloc(nbat, D), *J = gsl_matrix_alloc(D, D);
		unsigned long long st = 99 + c;
		for (size_t i = 0; i < nbat * D; i++)
			X->data[i] = lcg_gauss(&st);
		/* rows of different steps in one batch */
		for (size_t b = 0; b < nbat; b++)
			vx_net_coef(net, r->fwd, 1 + 2 * b, coef + b * cs);
		vx_net_ws ws;
		cr_assert_eq(vx_net_ws_init(&ws, net, nbat), VX_OK);
		for (int adj = 0; adj < 2; adj++) {
			if (adj)
				vx_net_vjp(net, coef, cs, X, Y, &ws, NULL, NULL);
			else
				vx_net_jvp(net, coef, cs, X, Y, &ws);
			for (size_t b = 0; b < nbat; b++) {
				vx_net_step_jacobian(net, r->fwd, 1 + 2 * b, J);
				for (size_t i = 0; i < D; i++) {
					double s = 0, m = 0;
					for (size_t l = 0; l < D; l++) {
						double jv = adj ? gsl_matrix_get(J, l, i) : gsl_matrix_get(J, i, l);
						s += jv * gsl_matrix_get(X, b, l);
						m += fabs(jv * gsl_matrix_get(X, b, l));
					}
					cr_expect(fabs(gsl_matrix_get(Y, b, i) - s) <= 1e-13 * fmax(m, 1e-300),
					          "%s L=%zu %s row %zu entry %zu: %.17g vs %.17g", CELL[q->cell], q->L,
					          adj ? "adjoint" : "tangent", b, i, gsl_matrix_get(Y, b, i), s);
				}
			}
		}
		vx_net_ws_clear(&ws);
		free(coef);
		gsl_matrix_free(X);
		gsl_matrix_free(Y);
		gsl_matrix_free(J);
		vx_net_result_free(r);
		vx_net_free(net);
	}
}

/* the chain refills J step after step and scales only the entries that can
 * be nonzero: the same matrix, to the bit, as forming J afresh and scaling
 * all of it; a NaN anywhere in those entries is found */
Test(engine_net, a_refilled_and_normalised_jacobian_equals_a_fresh_one)
{
	for (size_t c = 0; c < NJ; c++) {
		const jcase *q = &JCASES[c];
		size_t T = 4;
		vx_net *net = case_net(q, T, 300 + c);
		vx_net_result *r = analyse_net(net, T);
		size_t D = net->D;
		double *coef = malloc(vx_net_coef_size(net) * sizeof *coef);
		gsl_matrix *J = gsl_matrix_alloc(D, D), *F = gsl_matrix_alloc(D, D);
		vx_net_ws ws;
		cr_assert_eq(vx_net_ws_init(&ws, net, 1), VX_OK);
		vx_net_coef(net, r->fwd, 1, coef);
		vx_net_jacobian_from_coef(net, coef, J, &ws);
		int e, ef;
		cr_assert_eq(vx_net_jacobian_normalise(net, J, &e), 1);
		for (size_t j = 2; j <= T; j++) {
			vx_net_coef(net, r->fwd, j, coef);
			vx_net_jacobian_refill(net, coef, J, &ws);
			vx_net_jacobian_from_coef(net, coef, F, &ws);
			cr_expect_eq(memcmp(J->data, F->data, D * D * sizeof(double)), 0,
			             "%s L=%zu step %zu: refilled J differs from a fresh one", CELL[q->cell], q->L, j);
			int nz = vx_net_jacobian_normalise(net, J, &e), nzf = vx_normalise2(F, &ef);
			cr_expect(nz == nzf && e == ef && memcmp(J->data, F->data, D * D * sizeof(double)) == 0,
			          "%s L=%zu step %zu: normalised over the pattern (%d, 2^%d), over all (%d, 2^%d)",
			          CELL[q->cell], q->L, j, nz, e, nzf, ef);
		}
		/* in every row, a NaN or an infinity at the pattern's first column
		 * and at its last entry (an LSTM's c diagonal, else its own h
		 * block's last column), J otherwise finite or all zeros */
		for (size_t i = 0; i < D; i++) {
			size_t l = i / net->Ds, off = l * net->Ds;
			size_t last = q->cell == VX_CELL_LSTM ? off + net->d + (i - off) % net->d : off + net->d - 1;
			for (int k = 0; k < 4; k++) {
				size_t col = k % 2 ? last : 0;
				if (k < 2)
					gsl_matrix_memcpy(F, J);
				else
					gsl_matrix_set_zero(F);
				gsl_matrix_set(F, i, col, k == 1 ? INFINITY : NAN);
				e = 7;
				cr_expect_eq(vx_net_jacobian_normalise(net, F, &e), -1, "%s L=%zu: a %s at (%zu, %zu) unseen",
				             CELL[q->cell], q->L, k == 1 ? "inf" : "NaN", i, col);
				cr_expect_eq(e, 0);
			}
		}
		vx_net_ws_clear(&ws);
		free(coef);
		gsl_matrix_free(J);
		gsl_matrix_free(F);
		vx_net_result_free(r);
		vx_net_free(net);
	}
}

/* ---- one vanilla layer: the same numbers as vx_analyse ---- */

Test(engine_net, one_vanilla_layer_equals_vx_analyse)
{
	for (vx_act a = 0; a < VX_ACT_COUNT; a++) {
		vx_model *m = random_model(a, 9, 3, 40, a == VX_RELU ? 1.5 : 1.2, 1.0, 31 + a);
		vx_net *net = NULL;
		vx_error err = { 0 };
		cr_assert_eq(vx_net_from_model(m, &net, &err), VX_OK, "%s", err.msg);
		/* the model's one bias split over the two PyTorch biases */
		for (size_t i = 0; i < 9; i++) {
			double b = gsl_vector_get(m->b, i);
			gsl_vector_set(net->layer[0].b_ih, i, 0.25 * b);
			gsl_vector_set(net->layer[0].b_hh, i, 0.75 * b);
		}
		size_t t = 33;
		vx_result *r = analyse_ok(m, t);
		vx_net_result *q = analyse_net(net, t);
		const char *an = vx_act_name(a);
		cr_expect(mag_rel(q->loss, r->loss) < 1e-13, "%s loss", an);
		cr_expect_eq(q->bound_kind, VX_NET_BOUND_GAMMA_LAMBDA);
		for (size_t j = 0; j < m->T; j++)
			cr_expect(q->step_norm[j].fits &&
			          fabs(q->step_norm[j].value - gsl_vector_get(r->step_norm, j)) <=
			          1e-12 * gsl_vector_get(r->step_norm, j), "%s ‖J_%zu‖: %.17g vs %.17g", an, j + 1,
			          q->step_norm[j].value, gsl_vector_get(r->step_norm, j));
		for (size_t k = 1; k <= t; k++) {
			const vx_path *p = &r->paths[k - 1];
			const vx_net_path *s = &q->paths[k - 1];
			cr_expect(mag_rel(s->norm, p->norm) < 1e-11, "%s k=%zu norm 10^%.15g vs 10^%.15g", an, k,
			          s->norm.log10, p->norm.log10);
			cr_expect(mag_rel(q->h_norm[k - 1], p->norm) < 1e-11, "%s k=%zu h block", an, k);
			cr_expect(mag_rel(s->step_product, p->step_product) < 1e-11, "%s k=%zu step product", an, k);
			cr_expect(mag_rel(s->bound, p->bound) < 1e-11, "%s k=%zu bound 10^%.15g vs 10^%.15g", an, k,
			          s->bound.log10, p->bound.log10);
			cr_expect(mag_rel(q->contribution[k - 1], p->contribution) < 1e-11, "%s k=%zu contribution", an, k);
		}
		cr_expect_eq(q->grad_log10_scale, r->grad_log10_scale);
		double gmax = vx_maxabs_matrix(r->grad_W);
		for (size_t i = 0; i < 9; i++)
			for (size_t l = 0; l < 9; l++)
				cr_expect(fabs(gsl_matrix_get(q->grad[0].w_hh, i, l) - gsl_matrix_get(r->grad_W, i, l)) <=
				          1e-12 * gmax, "%s ∂L/∂W[%zu][%zu]", an, i, l);
		cr_expect(mag_rel(q->grad_hh_norm[0], r->grad_norm) < 1e-12, "%s ‖∂L/∂W‖", an);
		/* the summed loss and its ∂L/∂W, by the vanilla engine's own pass */
		cr_expect(mag_rel(q->loss_sum, r->loss_sum) < 1e-13, "%s Σ L_k", an);
		cr_expect_eq(q->grad_sum_log10_scale, r->grad_sum_log10_scale);
		double smax = vx_maxabs_matrix(r->grad_sum_W);
		for (size_t i = 0; i < 9; i++)
			for (size_t l = 0; l < 9; l++)
				cr_expect(fabs(gsl_matrix_get(q->grad_sum[0].w_hh, i, l) - gsl_matrix_get(r->grad_sum_W, i, l)) <=
				          1e-12 * smax, "%s ∂(Σ L_k)/∂W[%zu][%zu]", an, i, l);
		cr_expect(fabs(q->stats[0].sigma_hh - r->lambda) <= 1e-12 * r->lambda, "%s λ", an);
		cr_expect_eq(q->lyap_count, r->lyap_count);
		for (size_t l = 0; l < r->lyap_count; l++)
			cr_expect(q->lyap_top[l] == r->lyap_top[l] ||
		          fabs(q->lyap_top[l] - r->lyap_top[l]) <= 1e-10 * fmax(1, fabs(r->lyap_top[l])),
			          "%s Lyapunov %zu: %.17g vs %.17g", an, l, q->lyap_top[l], r->lyap_top[l]);
		cr_expect(fabs(q->lyap_bound - r->lyap_bound) <= 1e-12 * fmax(1, fabs(r->lyap_bound)), "%s ln γλ", an);
		cr_expect(fabs(q->rate - r->rate) <= 1e-10 * fmax(1e-3, fabs(r->rate)), "%s rate %.17g vs %.17g", an,
		          q->rate, r->rate);
		vx_net_result_free(q);
		vx_result_free(r);
		vx_net_free(net);
		vx_model_free(m);
	}
}

/* ---- norms against GSL's SVD of explicit products; the bounds hold ---- */

static double block_norm2(const gsl_matrix *P, size_t o, size_t d)
{
	gsl_matrix_const_view B = gsl_matrix_const_submatrix(P, o, o, d, d);
	return gm_norm2(&B.matrix);
}

/* sizes past the dense solver's (DENSE_MAX 48 in net_norms.c), where the
 * norms come from Lanczos, checked row and column lengths */
static const jcase BIG[] = {
	{ VX_CELL_LSTM, 2, 30, 3, 1.5, 0.5, 0 },
	{ VX_CELL_LSTM, 1, 60, 3, 1.0, 6.0, 25 },
	{ VX_CELL_GRU, 2, 30, 3, 1.5, 0.5, 1 },
	/* one GRU layer: ‖J_j‖ from the explicit J_j Jᵀ_j (net_norms.c) */
	{ VX_CELL_GRU, 1, 64, 3, 1.5, 0.5, 0 },
	{ VX_CELL_GRU, 1, 80, 2, 1.0, 4.0, -5 },   /* saturated gates */
	{ VX_CELL_RNN, 1, 64, 3, 1.1, 0.3, 0 },
	/* from d = 64 the step norms' maps multiply by packed weights
	 * (packed.h): weight_ih of the upper layers, and the GRU's adjoint
	 * added onto its direct term */
	{ VX_CELL_LSTM, 2, 64, 3, 1.5, 0.5, 0 },
	{ VX_CELL_GRU, 2, 64, 3, 1.5, 0.5, 1 },
};

static void norms_against_svd(const jcase *cases, size_t ncases, size_t seed);

Test(engine_net, path_and_step_norms_equal_the_svd_and_stay_under_the_bound)
{
	norms_against_svd(JCASES, NJ, 300);
}

Test(engine_net, lanczos_sized_norms_equal_the_svd)
{
	/* one BLAS thread, as the front ends give these sizes: from d = 64 the
	 * step norms' maps then go through packed.h's kernel */
	vx_exec one = { 1, 1, NULL };
	vx_exec_apply(&one);
	norms_against_svd(BIG, sizeof BIG / sizeof BIG[0], 700);
}

static void norms_against_svd(const jcase *cases, size_t ncases, size_t seed)
{
	for (size_t c = 0; c < ncases; c++) {
		const jcase *q = &cases[c];
		size_t T = 14, t = 12;
		vx_net *net = case_net(q, T, seed + c);
		vx_net_result *r = analyse_net(net, t);
		size_t D = net->D, d = q->d, sub = q->cell == VX_CELL_LSTM ? 2 : 1;
		gsl_matrix *P = gsl_matrix_alloc(D, D), *J = gsl_matrix_alloc(D, D);
		const char *cn = CELL[q->cell];
		/* the norms came from the Lanczos runs, not from the dense solver
		 * that a run whose operator is wrong falls back to */
		cr_expect_eq(r->fallbacks, 0, "%s L=%zu d=%zu: %zu norms by the dense fallback", cn, q->L, d, r->fallbacks);
		for (size_t j = 1; j <= T; j++) {
			vx_net_step_jacobian(net, r->fwd, j, J);
			double want = gm_norm2(J), got = r->step_norm[j - 1].fits ? r->step_norm[j - 1].value : NAN;
			cr_expect(fabs(got - want) <= 1e-12 * want, "%s L=%zu ‖J_%zu‖: %.17g vs SVD %.17g", cn, q->L, j,
			          got, want);
			cr_expect(r->step_bound[j - 1].fits && r->step_bound[j - 1].value >= want,
			          "%s L=%zu b_%zu = %.17g < ‖J‖ = %.17g", cn, q->L, j, r->step_bound[j - 1].value, want);
		}
		for (size_t k = 1; k <= t; k++) {
			double l10;
			cr_assert_eq(vx_net_dSdS(net, r->fwd, t, k, P, &l10), VX_OK);
			cr_assert_eq(l10, 0.0);
			const vx_net_path *p = &r->paths[k - 1];
			double want = gm_norm2(P);
			cr_expect(fabs(p->norm.value - want) <= 1e-11 * want, "%s L=%zu k=%zu ‖∂S_t/∂S_k‖ %.17g vs %.17g",
			          cn, q->L, k, p->norm.value, want);
			for (size_t l = 0; l < q->L; l++) {
				double wh = block_norm2(P, l * net->Ds, d);
				cr_expect(fabs(r->h_norm[(k - 1) * q->L + l].value - wh) <= 1e-11 * wh,
				          "%s L=%zu k=%zu ‖∂h^%zu_t/∂h^%zu_k‖ %.17g vs %.17g", cn, q->L, k, l, l,
				          r->h_norm[(k - 1) * q->L + l].value, wh);
				if (sub == 2) {
					double wc = block_norm2(P, l * net->Ds + d, d);
					cr_expect(fabs(r->c_norm[(k - 1) * q->L + l].value - wc) <= 1e-11 * wc,
					          "%s L=%zu k=%zu ‖∂c_t/∂c_k‖ layer %zu", cn, q->L, k, l);
				}
			}
			cr_expect(p->step_product.log10 >= p->norm.log10 - 1e-12, "%s k=%zu: Π‖J‖ below ‖P‖", cn, k);
			cr_expect(p->bound.log10 >= p->step_product.log10 - 1e-12, "%s k=%zu: bound below Π‖J‖", cn, k);
		}
		gsl_matrix_free(P);
		gsl_matrix_free(J);
		vx_net_result_free(r);
		vx_net_free(net);
	}
}

/* ---- ∂S_t/∂S_k and every parameter gradient against differences ---- */

/* A loss of net run from S0 (D entries) with scratch S, S2 and scr: the
 * loss at step t, or the sum over all steps. */
typedef double (*loss_fn)(const vx_net *net, const double *S0, size_t t, double *S, double *S2, double *scr);

static double loss_at_t(const vx_net *net, const double *S0, size_t t, double *S, double *S2, double *scr)
{
	memcpy(S, S0, net->D * sizeof *S);
	for (size_t j = 1; j <= t; j++) {
		vx_net_step(net, j, S, S2, scr);
		memcpy(S, S2, net->D * sizeof *S);
	}
	return vx_net_loss(net, S);
}

/* The summed loss L = Σ_{k=1}^{T} L_k. */
static double summed_loss(const vx_net *net, const double *S0, size_t t, double *S, double *S2, double *scr)
{
	(void)t;
	double sum = 0;
	memcpy(S, S0, net->D * sizeof *S);
	for (size_t j = 1; j <= net->T; j++) {
		vx_net_step(net, j, S, S2, scr);
		memcpy(S, S2, net->D * sizeof *S);
		sum += vx_net_loss(net, S);
	}
	return sum;
}

/* Every entry of every parameter of net (analysed into r) against central
 * differences (Richardson pairs) of loss with that entry moved: grad within
 * 1e-7 of each parameter's largest entry.  *sq (when not NULL) receives the
 * sum of the differences' squares. */
static void expect_param_grads(const vx_net *net, const vx_net_result *r, const vx_net_grad *grad, loss_fn loss,
                               size_t t, const char *what, double *sq)
{
	size_t D = net->D;
	vx_net *cl = vx_net_clone(net);
	double *S = malloc(D * sizeof *S), *S2 = malloc(D * sizeof *S2);
	double *scr = malloc(vx_net_step_scratch(net) * sizeof *scr), *S0 = malloc(D * sizeof *S0);
	vx_net_state(net, r->fwd, 0, S0);
	double total = 0;
	for (size_t l = 0; l < net->L; l++) {
		vx_net_layer *ly = &cl->layer[l];
		const vx_net_grad *g = &grad[l];
		gsl_matrix *pm2[4] = { ly->w_ih, ly->w_hh, NULL, NULL };
		gsl_vector *pv[4] = { NULL, NULL, ly->b_ih, ly->b_hh };
		const gsl_matrix *gm[4] = { g->w_ih, g->w_hh, NULL, NULL };
		const gsl_vector *gv[4] = { NULL, NULL, g->b_ih, g->b_hh };
		static const char *const pn[4] = { "weight_ih", "weight_hh", "bias_ih", "bias_hh" };
		for (int p = 0; p < 4; p++) {
			size_t rows = p < 2 ? pm2[p]->size1 : pv[p]->size, cols = p < 2 ? pm2[p]->size2 : 1;
			double err = 0, ref = 0;
			for (size_t i = 0; i < rows; i++)
				for (size_t m2 = 0; m2 < cols; m2++) {
					double *x = p < 2 ? gsl_matrix_ptr(pm2[p], i, m2) : gsl_vector_ptr(pv[p], i);
					double an = p < 2 ? gsl_matrix_get(gm[p], i, m2) : gsl_vector_get(gv[p], i);
					double x0 = *x, h = 1e-3, f[4], pt[4] = { x0 + h, x0 - h, x0 + h / 2, x0 - h / 2 };
					for (int s = 0; s < 4; s++) {
						*x = pt[s];
						f[s] = loss(cl, S0, t, S, S2, scr);
					}
					*x = x0;
					double fd = (4 * (f[2] - f[3]) / (pt[2] - pt[3]) - (f[0] - f[1]) / (pt[0] - pt[1])) / 3;
					err = fmax(err, fabs(fd - an));
					ref = fmax(ref, fabs(an));
					total += fd * fd;
				}
			cr_expect(ref > 0 && err <= 1e-7 * ref, "%s layer %zu ∂L/∂%s: error %.3g against %.3g", what, l, pn[p],
			          err, ref);
		}
	}
	if (sq)
		*sq = total;
	free(S);
	free(S2);
	free(S0);
	free(scr);
	vx_net_free(cl);
}

Test(engine_net, products_and_parameter_gradients_equal_differences)
{
	for (size_t c = 0; c < NJ; c++) {
		const jcase *q = &JCASES[c];
		size_t T = 9, t = 8, k = 3;
		vx_net *net = case_net(q, T, 400 + c);
		vx_net_result *r = analyse_net(net, t);
		size_t D = net->D;
		const char *cn = CELL[q->cell];
		gsl_matrix *P = gsl_matrix_alloc(D, D);
		double l10, *col = malloc(D * sizeof *col);
		vx_net_dSdS(net, r->fwd, t, k, P, &l10);
		double e = 0, pm = vx_maxabs_matrix(P);
		for (size_t b = 0; b < D; b++) {
			fd_column(net, r, k, t, b, 1e-3, col);
			for (size_t i = 0; i < D; i++)
				e = fmax(e, fabs(col[i] - gsl_matrix_get(P, i, b)));
		}
		cr_expect(e <= 1e-8 * pm, "%s L=%zu ∂S_t/∂S_k: error %.3g against %.3g", cn, q->L, e, pm);
		/* every entry of every parameter: L_t of the network with it moved */
		char what[64];
		snprintf(what, sizeof what, "%s L=%zu", cn, q->L);
		expect_param_grads(net, r, r->grad, loss_at_t, t, what, NULL);
		free(col);
		gsl_matrix_free(P);
		vx_net_result_free(r);
		vx_net_free(net);
	}
}

/* L = Σ_k L_k over all T steps (whatever t) and ∂L/∂θ for every entry of
 * every parameter against central differences (Richardson pairs) of the
 * summed loss of the network with that entry moved */
Test(engine_net, summed_loss_gradients_equal_differences)
{
	for (size_t c = 0; c < NJ; c++) {
		const jcase *q = &JCASES[c];
		size_t T = 9, t = 4;
		vx_net *net = case_net(q, T, 450 + c);
		vx_net_result *r = analyse_net(net, t);
		char what[64];
		snprintf(what, sizeof what, "%s L=%zu summed", CELL[q->cell], q->L);
		size_t D = net->D;
		double *S = malloc(3 * D * sizeof *S), *scr = malloc(vx_net_step_scratch(net) * sizeof *scr);
		vx_net_state(net, r->fwd, 0, S + 2 * D);
		double want = summed_loss(net, S + 2 * D, 0, S, S + D, scr), sq;
		cr_expect(r->loss_sum.fits && fabs(r->loss_sum.value - want) <= 1e-13 * want, "%s Σ L_k: %.17g vs %.17g",
		          what, r->loss_sum.value, want);
		cr_expect_eq(r->grad_sum_log10_scale, 0);
		expect_param_grads(net, r, r->grad_sum, summed_loss, 0, what, &sq);
		cr_expect(fabs(r->grad_sum_norm.value - sqrt(sq)) <= 1e-7 * sqrt(sq), "%s ‖∂L/∂θ‖_F %.12g vs %.12g", what,
		          r->grad_sum_norm.value, sqrt(sq));
		free(S);
		free(scr);
		vx_net_result_free(r);
		vx_net_free(net);
	}
}

/* Over T = 75 steps the gated passes add the steps' outer products to the
 * weight gradients in blocks (net_bptt.c), so the blocks' seams and the
 * last, partial block are all inside the sum: ∂L_T/∂θ and ∂L/∂θ of every
 * cell and stack against central differences, every entry. */
Test(engine_net, gradients_summed_over_several_blocks_equal_differences, .timeout = 300)
{
	for (size_t c = 0; c < NJ; c++) {
		const jcase *q = &JCASES[c];
		size_t T = 75;
		vx_net *net = case_net(q, T, 470 + c);
		vx_net_result *r = analyse_net(net, T);
		char what[64];
		snprintf(what, sizeof what, "%s L=%zu T=%zu", CELL[q->cell], q->L, T);
		expect_param_grads(net, r, r->grad, loss_at_t, T, what, NULL);
		snprintf(what, sizeof what, "%s L=%zu T=%zu summed", CELL[q->cell], q->L, T);
		expect_param_grads(net, r, r->grad_sum, summed_loss, 0, what, NULL);
		vx_net_result_free(r);
		vx_net_free(net);
	}
}

/* ---- the chain's products shared with the thread done with its passes ---- */

/* b, of three threads, has every number of a, of one, to the bit */
static void expect_bits_of_one(const vx_net_result *a, const vx_net_result *b, const vx_net *net, size_t T,
                               size_t c)
{
	size_t L = net->L;
	int paths = 1;
	for (size_t k = 0; k < T; k++)
		paths &= same_mags(&a->paths[k].norm, &b->paths[k].norm, 1);
	cr_expect(paths, "case %zu: ‖∂S_t/∂S_k‖ to the bit", c);
	cr_expect(same_mags(a->h_norm, b->h_norm, T * L), "case %zu: the h blocks' norms", c);
	if (a->c_norm)
		cr_expect(same_mags(a->c_norm, b->c_norm, T * L), "case %zu: the c blocks' norms", c);
	cr_expect(same_mags(a->step_norm, b->step_norm, net->T), "case %zu: ‖J_j‖", c);
	for (size_t l = 0; l < L; l++) {
		cr_expect(same_matrix(a->grad[l].w_hh, b->grad[l].w_hh) && same_matrix(a->grad[l].w_ih, b->grad[l].w_ih),
		          "case %zu: ∂L_t/∂weight_l%zu", c, l);
		cr_expect(same_matrix(a->grad_sum[l].w_hh, b->grad_sum[l].w_hh), "case %zu: ∂L/∂weight_hh_l%zu", c, l);
		cr_expect(same_bits(a->stats[l].gate_radius, b->stats[l].gate_radius, sizeof a->stats[l].gate_radius) &&
		          same_bits(a->stats[l].gate_sigma_hh, b->stats[l].gate_sigma_hh, sizeof a->stats[l].gate_sigma_hh),
		          "case %zu: layer %zu's gates' ρ and σ", c, l);
	}
	cr_expect(same_mag(a->loss, b->loss) && same_mag(a->loss_sum, b->loss_sum) &&
	          same_mags(a->contribution, b->contribution, T * L),
	          "case %zu: the losses and the paths' contributions", c);
	cr_expect(a->chain_rank == b->chain_rank && a->chain_truncations == b->chain_truncations &&
	          a->lanczos_steps == b->lanczos_steps, "case %zu: the chain's rank, truncations, Lanczos steps", c);
	cr_expect(same_bits(a->lyap_top, b->lyap_top, sizeof a->lyap_top), "case %zu: the exponents", c);
}

/* With three threads the caller's, its passes done, takes the lower rows of
 * the chain's products (net_chain.c, rowshare.h): every number keeps the
 * bits of the run on one thread.  A linear vanilla cell with an orthogonal
 * weight_hh, whose 119 products of 256 rows never lose rank and outlast the
 * other passes, so that they are shared; and two tanh LSTM layers (D = 512),
 * whose c columns the products form entry by entry and whose rows fall to
 * sizes that are no multiple of the split's alignment as the chain loses
 * rank. */
Test(engine_net, a_chain_shared_by_the_idle_thread_has_the_bits_of_one, .timeout = 300)
{
	struct {
		vx_cell cell;
		vx_act act;
		size_t L, d, T;
	} cases[] = { { VX_CELL_RNN, VX_LINEAR, 1, 256, 120 }, { VX_CELL_LSTM, VX_TANH, 2, 128, 60 },
	              { VX_CELL_GRU, VX_TANH, 1, 256, 1200 } };
	vx_exec one = { 1, 1, NULL }, three = { 3, 1, NULL };
	vx_exec_apply(&one);
	for (size_t c = 0; c < 3; c++) {
		vx_net *net = random_net(cases[c].cell, cases[c].act, cases[c].L, cases[c].d, 4, cases[c].T, 1.0, 0.3, 1,
		                         4800 + c);
		if (c == 0) {
			size_t d = cases[c].d;
			gsl_matrix *W = net->layer[0].w_hh, *Q = gsl_matrix_alloc(d, d), *R = gsl_matrix_alloc(d, d);
			gsl_vector *tau = gsl_vector_alloc(d);
			gsl_linalg_QR_decomp(W, tau);
			gsl_linalg_QR_unpack(W, tau, Q, R);
			gsl_matrix_memcpy(W, Q);
			gsl_matrix_free(Q);
			gsl_matrix_free(R);
			gsl_vector_free(tau);
		}
		/* the GRU's loss at t = 100: its chain walks 100 steps, its step
		 * norms take all 1200 (see below) */
		size_t T = c == 2 ? 100 : net->T;
		vx_net_result *a = NULL, *b = NULL;
		cr_assert_eq(vx_net_analyse(net, T, &one, &a, NULL), VX_OK);
		cr_expect(a->chain_shared == 0 && a->steps_shared == 0, "case %zu: one thread shares nothing", c);
		cr_expect(a->tasks_shared == 0, "case %zu: one thread moves no pass", c);
		/* case 0: the chain's products shared.  Case 2: the GRU's step
		 * norms take about 100 Lanczos steps each on the explicit
		 * J_j Jᵀ_j (net_norms.c): over 1200 steps they outlast the chain's
		 * walk of 100, and its thread takes the passes that the caller
		 * would have run after its step norms (BPTT, the summed loss's,
		 * the exponents and the gates' spectral radii), then joins the
		 * step norms (from 67-70% of the analysis on a Zen 3; with the
		 * loss at t = T = 1200 it joined in 1 run of 2) */
		int run = 1, shown = 0;
		for (;; run++) {
			cr_assert_eq(vx_net_analyse(net, T, &three, &b, NULL), VX_OK);
			expect_bits_of_one(a, b, net, T, c);
			shown = c == 0 ? b->chain_shared > 0 : c == 2 ? b->steps_shared > 0 && b->tasks_shared > 0 : 1;
			if (shown || run == VX_TEST_SHARE_RUNS)
				break;
			vx_net_result_free(b);
		}
		if (c == 0)
			cr_expect_gt(b->chain_shared, 0, "case %zu: products shared (in none of %d runs)", c, run);
		if (c == 2) {
			cr_expect_gt(b->steps_shared, 0, "case %zu: the step norms' products shared (%d runs)", c, run);
			cr_expect_gt(b->tasks_shared, 0, "case %zu: passes taken by the chain's thread (%d runs)", c, run);
		}
		cr_expect(net->D == a->D);
		vx_net_result_free(a);
		vx_net_result_free(b);
		vx_net_free(net);
	}
}

/* The summed loss beyond a double: a linear layer with weight_hh = 3I, no
 * input, no bias, h_0 = 1 and y = 0 has h_t = 3^t 1, so
 * L = ½ d Σ_{t=1}^{600} 9^t = ½ d (9^601 − 9)/8 (10^573); every entry of
 * ∂L/∂weight_hh is Σ_t Σ_{k<=t} 3^(2t−k) 3^(k−1) = (4799 · 9^601 + 9)/192
 * and of ∂L/∂bias_* is Σ_t Σ_{k<=t} 3^(2t−k) = ½ Σ_t (9^t − 3^t), whose
 * 3^t part is 3^-601 of it: 10^574, carried by their log10. */
Test(engine_net, summed_loss_beyond_a_double_keeps_its_log10)
{
	size_t d = 3, T = 600;
	vx_net *net = vx_net_alloc(VX_CELL_RNN, VX_LINEAR, 1, d, 1, T);
	cr_assert(net);
	gsl_matrix_set_identity(net->layer[0].w_hh);
	gsl_matrix_scale(net->layer[0].w_hh, 3.0);
	gsl_vector_set_all(net->layer[0].h0, 1.0);
	vx_net_result *r = analyse_net(net, 10);
	double l9 = 601 * log10(9.0);
	double want = log10(0.5 * (double)d / 8) + l9;
	cr_expect(!r->loss_sum.fits && fabs(r->loss_sum.log10 - want) < 1e-13 * want, "log10 L = %.17g, want %.17g",
	          r->loss_sum.log10, want);
	double ew = log10(4799.0 / 192) + l9, eb = log10(1.0 / 16) + l9;
	cr_expect(r->grad_sum_log10_scale != 0, "the gradient does not fit a double");
	const vx_net_grad *g = &r->grad_sum[0];
	for (size_t i = 0; i < d; i++) {
		for (size_t q = 0; q < d; q++) {
			double l = log10(gsl_matrix_get(g->w_hh, i, q)) + r->grad_sum_log10_scale;
			cr_expect(fabs(l - ew) < 1e-13 * ew, "weight_hh[%zu][%zu]: 10^%.17g, want 10^%.17g", i, q, l, ew);
		}
		for (int b = 0; b < 2; b++) {
			double l = log10(gsl_vector_get(b ? g->b_hh : g->b_ih, i)) + r->grad_sum_log10_scale;
			cr_expect(fabs(l - eb) < 1e-13 * eb, "bias %d [%zu]: 10^%.17g, want 10^%.17g", b, i, l, eb);
		}
		cr_expect(gsl_matrix_get(g->w_ih, i, 0) == 0, "no input, no weight_ih gradient");
	}
	/* ‖·‖_F² = d² W² + 2 d B², in logs */
	double nrm = ew + 0.5 * log10((double)(d * d) + 2.0 * (double)d * pow(10.0, 2 * (eb - ew)));
	cr_expect(!r->grad_sum_norm.fits && fabs(r->grad_sum_norm.log10 - nrm) < 1e-13 * nrm,
	          "log10 ‖∂L/∂θ‖_F = %.17g, want %.17g", r->grad_sum_norm.log10, nrm);
	vx_net_result_free(r);
	vx_net_free(net);
}

/* the path terms: weight_hh_l used at step k alone, by differences */
Test(engine_net, path_terms_equal_the_gradient_of_one_step_s_weights)
{
	for (size_t c = 0; c < NJ; c += 2) {
		const jcase *q = &JCASES[c];
		size_t T = 6, t = 6;
		vx_net *net = case_net(q, T, 500 + c);
		vx_net_result *r = analyse_net(net, t);
		vx_net *cl = vx_net_clone(net);
		size_t D = net->D;
		double *S = malloc(D * sizeof *S), *S2 = malloc(D * sizeof *S2);
		double *scr = malloc(vx_net_step_scratch(net) * sizeof *scr);
		for (size_t l = 0; l < q->L; l++)
			for (size_t k = 1; k <= t; k++) {
				gsl_matrix *W = cl->layer[l].w_hh;
				double s2 = 0;
				for (size_t i = 0; i < W->size1; i++)
					for (size_t m2 = 0; m2 < W->size2; m2++) {
						double w0 = gsl_matrix_get(W, i, m2), h = 1e-3, f[4];
						double pt[4] = { w0 + h, w0 - h, w0 + h / 2, w0 - h / 2 };
						for (int s = 0; s < 4; s++) {
							vx_net_state(net, r->fwd, 0, S);
							for (size_t j = 1; j <= t; j++) {
								gsl_matrix_set(W, i, m2, j == k ? pt[s] : w0);
								vx_net_step(cl, j, S, S2, scr);
								memcpy(S, S2, D * sizeof *S);
							}
							f[s] = vx_net_loss(cl, S);
						}
						gsl_matrix_set(W, i, m2, w0);
						double fd = (4 * (f[2] - f[3]) / (pt[2] - pt[3]) - (f[0] - f[1]) / (pt[0] - pt[1])) / 3;
						s2 += fd * fd;
					}
				double want = sqrt(s2), got = r->contribution[(k - 1) * q->L + l].value;
				cr_expect(fabs(got - want) <= 1e-7 * want + 1e-11, "%s L=%zu layer %zu k=%zu term %.12g vs %.12g",
				          CELL[q->cell], q->L, l, k, got, want);
			}
		free(S);
		free(S2);
		free(scr);
		vx_net_free(cl);
		vx_net_result_free(r);
		vx_net_free(net);
	}
}

/* ---- closed forms ---- */

/* weight_hh = 0 and no input: every gate is constant, c stays 0, and
 * J = [[0, diag(βf)], [0, diag(f)]] with f = σ(B), β = σ(0)·tanh'(0) = ½:
 * ∂c_t/∂c_k = f^{t−k} I, ‖∂S_t/∂S_k‖ = f^{t−k} √(1 + β²) for t−k >= 1. */
Test(engine_net, lstm_carousel_closed_form)
{
	const double B[] = { -3, 0, 2, 8 };
	for (int q = 0; q < 4; q++) {
		vx_params p;
		vx_params_default(&p);
		p.hidden = 5;
		p.steps = 300;
		p.norm = 0;
		p.input_scale = 0;
		/* two layers: the c blocks; one: the whole state */
		for (size_t L = 1; L <= 2; L++) {
		vx_net_spec sp = { VX_CELL_LSTM, L, B[q] };
		vx_net *net = NULL;
		vx_error err = { 0 };
		cr_assert_eq(vx_net_build(&p, &sp, &net, &err), VX_OK, "%s", err.msg);
		vx_net_result *r = analyse_net(net, 300);
		double f = 1 / (1 + exp(-B[q])), l10f = log10(f);
		for (size_t k = 1; k < 300; k += 37) {
			double gap = 300.0 - (double)k;
			for (size_t l = 0; l < L; l++) {
				double got = r->c_norm[(k - 1) * L + l].log10;
				cr_expect(fabs(got - gap * l10f) <= 1e-12 * fmax(1, fabs(gap * l10f)),
				          "B=%g k=%zu layer %zu: log10 ‖∂c_t/∂c_k‖ %.15g vs %.15g", B[q], k, l, got, gap * l10f);
			}
			double want = gap * l10f + 0.5 * log10(1.25);
			if (L == 1)
				cr_expect(fabs(r->paths[k - 1].norm.log10 - want) <= 1e-12 * fmax(1, fabs(want)),
			          "B=%g k=%zu: log10 ‖∂S_t/∂S_k‖ %.15g vs %.15g", B[q], k, r->paths[k - 1].norm.log10, want);
		}
		cr_expect(fabs(r->stats[L - 1].keep_mean - f) < 1e-15 && r->stats[L - 1].keep_sd < 1e-15,
		          "B=%g forget mean %.17g", B[q], r->stats[L - 1].keep_mean);
		/* forget gates σ(8) = 0.99966 are saturated open, σ(−3) = 0.047 not yet */
		cr_expect_eq(r->stats[L - 1].gate_high[1], B[q] == 8 ? 1.0 : 0.0, "B=%g", B[q]);
		/* the horizon: the first gap with f^gap √1.25 < 1e-3 */
		if (B[q] < 8 && L == 1) {
			double g = ceil((-3 - 0.5 * log10(1.25)) / l10f);
			if (B[q] == 2)
				cr_expect_eq(r->horizon_kind, VX_HORIZON_VANISH);
			cr_expect_eq((double)r->horizon, g, "B=%g horizon %zu vs %g", B[q], r->horizon, g);
		}
		vx_net_result_free(r);
		vx_net_free(net);
		}
	}
}

/* ---- the engine's own finite-difference check ---- */

Test(engine_net, fd_check_passes_on_every_cell_and_reports_each_block)
{
	for (size_t c = 0; c < NJ; c++) {
		const jcase *q = &JCASES[c];
		size_t T = 8;
		vx_net *net = case_net(q, T, 600 + c);
		vx_net_result *r = analyse_net(net, T);
		vx_net_fdcheck fd;
		cr_assert_eq(vx_net_fd_check(net, r, 4, 2, 0, &fd), VX_OK);
		cr_expect_eq(fd.nblk, q->L * (q->cell == VX_CELL_LSTM ? 2 : 1));
		for (size_t i = 0; i < fd.nblk * fd.nblk; i++)
			cr_expect(fd.block[i] <= 1e-8, "%s L=%zu block %zu: %.3g", CELL[q->cell], q->L, i, fd.block[i]);
		cr_expect(fd.dSdS <= 1e-8, "%s L=%zu dSdS %.3g", CELL[q->cell], q->L, fd.dSdS);
		for (size_t i = 0; i < 4 * q->L; i++)
			cr_expect(fd.param[i] <= 1e-8, "%s L=%zu param %zu: %.3g", CELL[q->cell], q->L, i, fd.param[i]);
		/* a caller-held struct (status.h): _clear leaves it zeroed, and takes it again */
		vx_net_fdcheck_clear(&fd);
		cr_expect(fd.block == NULL && fd.param == NULL && fd.nblk == 0 && fd.entries == 0 && fd.j == 0 &&
		          fd.k == 0 && fd.dSdS == 0, "%s L=%zu: cleared", CELL[q->cell], q->L);
		vx_net_fdcheck_clear(&fd);
		vx_net_fdcheck_clear(NULL);
		vx_net_result_free(r);
		vx_net_free(net);
	}
}

/* ---- the weights' spectra and the gates' statistics ---- */

/* The largest modulus of A's eigenvalues by GSL's own Francis QR, apart
 * from the LAPACK path the engine takes */
static double gsl_radius(const gsl_matrix *A)
{
	size_t n = A->size1;
	gsl_matrix *B = gsl_matrix_alloc(n, n);
	gsl_vector_complex *ev = gsl_vector_complex_alloc(n);
	gsl_eigen_nonsymm_workspace *w = gsl_eigen_nonsymm_alloc(n);
	gsl_matrix_memcpy(B, A);
	cr_assert_eq(gsl_eigen_nonsymm(B, ev, w), GSL_SUCCESS);
	double rho = 0;
	for (size_t i = 0; i < n; i++)
		rho = fmax(rho, gsl_complex_abs(gsl_vector_complex_get(ev, i)));
	gsl_eigen_nonsymm_free(w);
	gsl_vector_complex_free(ev);
	gsl_matrix_free(B);
	return rho;
}

Test(engine_net, gate_block_spectra_equal_svd_and_closed_forms)
{
	const vx_init inits[] = { VX_INIT_GAUSSIAN, VX_INIT_ORTHOGONAL, VX_INIT_IDENTITY };
	for (int q = 0; q < 3; q++) {
		vx_params p;
		vx_params_default(&p);
		p.hidden = 9;
		p.inputs = 4;
		p.steps = 6;
		p.norm = 1.3;
		p.init = inits[q];
		vx_net_spec sp = { VX_CELL_GRU, 2, 0 };
		vx_net *net = NULL;
		vx_error err = { 0 };
		cr_assert_eq(vx_net_build(&p, &sp, &net, &err), VX_OK, "%s", err.msg);
		vx_net_result *r = analyse_net(net, 6);
		for (size_t l = 0; l < 2; l++) {
			const vx_net_layer_stats *s = &r->stats[l];
			cr_expect(fabs(s->sigma_hh - gm_norm2(net->layer[l].w_hh)) <= 1e-12 * s->sigma_hh, "σ(weight_hh)");
			cr_expect(fabs(s->sigma_ih - gm_norm2(net->layer[l].w_ih)) <= 1e-12 * s->sigma_ih, "σ(weight_ih)");
			for (size_t g = 0; g < 3; g++) {
				gsl_matrix_const_view I = gsl_matrix_const_submatrix(net->layer[l].w_ih, g * 9, 0, 9,
				                                                     net->layer[l].w_ih->size2);
				cr_expect(fabs(s->gate_sigma_hh[g] - 1.3) <= 1e-12, "init %d gate %zu σ %.17g", q, g,
				          s->gate_sigma_hh[g]);
				cr_expect(fabs(s->gate_sigma_ih[g] - gm_norm2(&I.matrix)) <= 1e-12 * s->gate_sigma_ih[g], "τ");
				/* λQ and λI have every eigenvalue on the circle of radius λ;
				 * a Gaussian block's radius lies below its σ_max */
				if (q > 0)
					cr_expect(fabs(s->gate_radius[g] - 1.3) <= 1e-12, "init %d gate %zu ρ %.17g", q, g,
					          s->gate_radius[g]);
				else {
					/* each layer's and gate's own block (every block is a
					 * task of its own, on either thread) */
					gsl_matrix_const_view H = gsl_matrix_const_submatrix(net->layer[l].w_hh, g * 9, 0, 9, 9);
					double want = gsl_radius(&H.matrix);
					cr_expect(s->gate_radius[g] < 1.3 && fabs(s->gate_radius[g] - want) <= 1e-12 * want,
					          "layer %zu gate %zu: ρ %.17g, GSL's %.17g", l, g, s->gate_radius[g], want);
				}
			}
			cr_expect(isnan(s->gate_sigma_hh[3]) && isnan(s->gate_radius[3]) && isnan(s->cell_sat),
			          "no fourth gate, no cell in a GRU");
		}
		cr_expect(r->lyap_max <= r->lyap_bound, "Lyapunov %.17g above its bound %.17g", r->lyap_max, r->lyap_bound);
		vx_net_result_free(r);
		vx_net_free(net);
	}
}

/* ReLU units pushed below 0 by their bias are dead: saturated low at every
 * step, so nothing flows back and ∂S_t/∂S_k is exactly 0 */
Test(engine_net, dead_relu_units_count_as_saturated_and_stop_the_gradient)
{
	vx_net *net = random_net(VX_CELL_RNN, VX_RELU, 2, 5, 2, 10, 0.5, 0.0, 0, 77);
	for (size_t l = 0; l < 2; l++)
		gsl_vector_set_all(net->layer[l].b_hh, -100);
	vx_net_result *r = analyse_net(net, 10);
	for (size_t l = 0; l < 2; l++) {
		cr_expect_eq(r->stats[l].gate_low[0], 1.0);
		cr_expect_eq(r->stats[l].gate_high[0], 0.0);
	}
	cr_expect(r->paths[0].norm.fits && r->paths[0].norm.value == 0, "‖∂S_t/∂S_1‖ should be exactly 0");
	cr_expect(r->grad_norm.value == 0, "no gradient through dead units");
	cr_expect_eq(r->horizon_kind, VX_HORIZON_VANISH);
	cr_expect_eq(r->horizon, 1u);
	vx_net_result_free(r);
	vx_net_free(net);
}
