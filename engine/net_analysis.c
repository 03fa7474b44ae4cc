/*
 * net_analysis.c — every quantity of net_analysis.h for one vx_net and loss
 * step t: the result, the passes in order and on their threads, and the
 * summary once they are in (net_analysis_internal.h names the file of each
 * pass).
 *
 * Passes, each O(D² + T·D) in memory:
 *   1. the forward pass (net.c), stored per layer;
 *   2. the weights: σ_max and spectral radius of every gate block
 *      (net_stats.c);
 *   3. down from k = t: P_k = ∂S_t/∂S_k = P_{k+1} J_{k+1}, J formed
 *      explicitly per step (net_jacobian.c) and multiplied block by block,
 *      skipping its zero and diagonal blocks, P carried as a truncated
 *      factorisation once it has lost rank (lowrank.h); the norms of P and
 *      of its diagonal h and c blocks by warm-started Lanczos (net_chain.c,
 *      net_norms.c);
 *   4. the step norms ‖J_j‖₂, by Lanczos on J_jᵀ J_j for up to STEP_BATCH
 *      steps in lockstep, each application a tangent and an adjoint map of
 *      the whole batch (net_step.h: a dgemm per layer and weight;
 *      net_norms.c);
 *   5. BPTT: the adjoint of S_k from k = t down, each step's gate adjoints
 *      giving the parameter gradients as outer products and the path terms
 *      (net_bptt.c);
 *   6. the Lyapunov exponents by QR re-orthonormalisation of J_j Y
 *      (net_lyap.c);
 *   7. the bounds (net_stats.c derives them), saturation and gate
 *      statistics from the stored pass.
 *
 * Range: P and the BPTT adjoint are carried as mantissa × 2^E, renormalised
 * by powers of two (exact), so long horizons keep their log10 as in
 * analysis.c; a vanilla network's steps are formed from weight_hh scaled by
 * a power of two (vx_na_jnet), so that σ' λ does not underflow at
 * λ = 1e-300; norms outside 2^±100 do not go to Lanczos unscaled
 * (net_norms.c); step norms and bounds are vx_mags.
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include "engine/monomial.h"
#include "engine/net_analysis_internal.h"

/* ---- result ---- */

static void grads_free(vx_net_grad *g, size_t L)
{
	for (size_t l = 0; g && l < L; l++) {
		gsl_matrix_free(g[l].w_ih);
		gsl_matrix_free(g[l].w_hh);
		gsl_vector_free(g[l].b_ih);
		gsl_vector_free(g[l].b_hh);
	}
	free(g);
}

/* L zeroed gradients shaped as net's parameters, or NULL */
static vx_net_grad *grads_alloc(const vx_net *net)
{
	size_t L = net->L, gd = net->G * net->d;
	vx_net_grad *grad = calloc(L, sizeof *grad);
	for (size_t l = 0; grad && l < L; l++) {
		vx_net_grad *g = &grad[l];
		g->w_ih = gsl_matrix_calloc(gd, net->layer[l].w_ih->size2);
		g->w_hh = gsl_matrix_calloc(gd, net->d);
		g->b_ih = gsl_vector_calloc(gd);
		g->b_hh = gsl_vector_calloc(gd);
		if (!g->w_ih || !g->w_hh || !g->b_ih || !g->b_hh) {
			grads_free(grad, L);
			return NULL;
		}
	}
	return grad;
}

void vx_net_result_free(vx_net_result *r)
{
	if (!r)
		return;
	vx_net_fwd_free(r->fwd);
	free(r->step_norm);
	free(r->step_bound);
	free(r->paths);
	free(r->h_norm);
	free(r->c_norm);
	free(r->contribution);
	grads_free(r->grad, r->L);
	grads_free(r->grad_sum, r->L);
	free(r->grad_hh_norm);
	free(r->stats);
	free(r);
}

static vx_net_result *result_alloc(const vx_net *net, size_t t)
{
	vx_net_result *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	size_t L = net->L;
	r->cell = net->cell;
	r->t = t;
	r->T = net->T;
	r->L = L;
	r->d = net->d;
	r->D = net->D;
	r->step_norm = calloc(net->T, sizeof *r->step_norm);
	r->step_bound = calloc(net->T, sizeof *r->step_bound);
	r->paths = calloc(t, sizeof *r->paths);
	r->h_norm = calloc(t * L, sizeof *r->h_norm);
	r->contribution = calloc(t * L, sizeof *r->contribution);
	if (net->cell == VX_CELL_LSTM)
		r->c_norm = calloc(t * L, sizeof *r->c_norm);
	r->grad = grads_alloc(net);
	r->grad_sum = grads_alloc(net);
	r->grad_hh_norm = calloc(L, sizeof *r->grad_hh_norm);
	r->stats = calloc(L, sizeof *r->stats);
	if (!r->step_norm || !r->step_bound || !r->paths || !r->h_norm || !r->contribution ||
	    (net->cell == VX_CELL_LSTM && !r->c_norm) || !r->grad || !r->grad_sum || !r->grad_hh_norm || !r->stats) {
		vx_net_result_free(r);
		return NULL;
	}
	return r;
}

/* ---- pass 7: products, rate, horizon ---- */

/* f and e with m = f × 2^e, f in [½, 1) (0 for m = 0): exact when m fits a
 * double, else from its log10 (to about |log10 m| 5e-16 relative) */
static void mag_split(vx_mag m, double *f, double *e)
{
	int x;
	if (m.fits) {
		*f = frexp(m.value, &x);
		*e = x;
		return;
	}
	double l2 = m.log10 / VX_LOG10_2, fl = floor(l2);
	*f = 0.5 * exp2(l2 - fl);
	*e = fl + 1;
}

/* ln m (−∞ for 0): exact to rounding when m fits a double */
static double mag_ln(vx_mag m)
{
	return m.fits && m.value > 0 ? log(m.value) : m.log10 * M_LN10;
}

/* Π over j = k+1..t of m_j (at index j−1) for every k, into the field at
 * byte offset off of each path.  One rounded multiplication of mantissas in
 * [½, 1) per step, the exponents summed apart, as vx_analyse accumulates its
 * step products and (γλ)^{t−k}: nothing over- or underflows, and equal
 * factors give the bits of the same product. */
static void products(const vx_net_result *r, const vx_mag *m, size_t off)
{
	size_t t = r->t;
	double prod = 1.0, pe = 0;
	*(vx_mag *)((char *)&r->paths[t - 1] + off) = vx_mag_ldexp(1.0, 0);
	for (size_t k = t - 1; k >= 1; k--) {
		if (prod != 0) {
			double f, fe;
			int e;
			mag_split(m[k], &f, &fe);
			prod = frexp(prod * f, &e);
			pe = prod == 0 ? 0 : pe + e + fe;
		}
		*(vx_mag *)((char *)&r->paths[k - 1] + off) = vx_mag_ldexp(prod, pe);
	}
}

/* ---- the network of the derivatives ---- */

void vx_na_jacobian_net_clear(vx_na_jnet *jn)
{
	for (size_t l = 0; jn->layer && l < jn->net.L; l++)
		gsl_matrix_free(jn->layer[l].w_hh);
	free(jn->layer);
	memset(jn, 0, sizeof *jn);
}

vx_status vx_na_jacobian_net(const vx_net *net, vx_na_jnet *jn)
{
	memset(jn, 0, sizeof *jn);
	jn->net = *net;
	if (net->cell != VX_CELL_RNN)
		return VX_OK;
	double mx = 0;
	for (size_t l = 0; l < net->L; l++)
		mx = fmax(mx, vx_maxabs_matrix(net->layer[l].w_hh));
	if (mx == 0 || vx_expo(mx) == 0)
		return VX_OK;
	jn->ej = vx_expo(mx);
	jn->layer = calloc(net->L, sizeof *jn->layer);
	if (!jn->layer)
		goto nomem;
	jn->net.layer = jn->layer;
	for (size_t l = 0; l < net->L; l++) {
		jn->layer[l] = net->layer[l];
		const gsl_matrix *W = net->layer[l].w_hh;
		if (!(jn->layer[l].w_hh = gsl_matrix_alloc(W->size1, W->size2)))
			goto nomem;
		gsl_matrix_memcpy(jn->layer[l].w_hh, W);
		vx_scale2_matrix(jn->layer[l].w_hh, -jn->ej);
	}
	return VX_OK;
nomem:
	vx_na_jacobian_net_clear(jn);
	return VX_ENOMEM;
}

/* r->underflow_steps (vx_net_coef_lost over the steps) */
static vx_status count_underflow(const vx_net *net, vx_net_result *r)
{
	double *coef = malloc(vx_net_coef_size(net) * sizeof *coef);
	if (!coef)
		return VX_ENOMEM;
	for (size_t j = 1; j <= net->T; j++)
		r->underflow_steps += vx_net_coef_lost(net, r->fwd, j, coef) > 0;
	free(coef);
	return VX_OK;
}

/* A 0 the analysis computed where a coefficient underflowed (vx_mag's
 * underflow state): not known to be 0 */
static void mark_underflow(vx_mag *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].log10 == -INFINITY)
			m[i].fits = 0;
}

/* One vanilla layer whose W has one nonzero per row and column: ‖∂S_t/∂S_k‖₂
 * entry by entry (monomial.h), as vx_analyse takes it: the chain's matrix
 * loses a unit's σ' far below the step's largest. */
static vx_status monomial_norms(const vx_net *net, vx_net_result *r)
{
	double mono;
	const gsl_matrix *W = net->layer[0].w_hh;
	if (net->cell != VX_CELL_RNN || net->L != 1 || !vx_monomial_norm(W, &mono))
		return VX_OK;
	size_t t = r->t;
	double *mant = malloc(2 * t * sizeof *mant);
	if (!mant)
		return VX_ENOMEM;
	int zero;
	vx_status st = vx_monomial_chain(W, net->act, r->fwd->layer[0].pre, t, mant, mant + t, &zero);
	for (size_t k = 1; st == VX_OK && k < t; k++) {
		vx_mag v = mant[k - 1] == 0 ? vx_mag_ldexp(0.0, 0) : vx_mag_ldexp(mant[k - 1], mant[t + k - 1]);
		r->paths[k - 1].norm = v;
		r->h_norm[k - 1] = v;   /* one layer: its block is the whole */
	}
	free(mant);
	return st;
}

static void summarise(vx_net_result *r)
{
	size_t t = r->t;
	for (size_t k = 1; k <= t; k++) {
		r->paths[k - 1].k = k;
		r->paths[k - 1].gap = t - k;
	}
	products(r, r->step_norm, offsetof(vx_net_path, step_product));
	products(r, r->step_bound, offsetof(vx_net_path, bound));
	/* the mean of ln b_j, ln(γλ) itself when every b_j is γλ; −∞ when one
	 * is 0 */
	double s = 0;
	size_t n = r->bound_kind == VX_NET_BOUND_GAMMA_LAMBDA ? 1 : r->T;
	for (size_t j = 0; j < n; j++)
		s += mag_ln(r->step_bound[j]);
	r->lyap_bound = s / (double)n;
	r->rate = vx_gap_slope(&r->paths[0].norm.log10, sizeof *r->paths, t);
	int h = vx_gap_leave(&r->paths[0].norm.log10, sizeof *r->paths, t, log10(VX_HORIZON_LOW),
	                     log10(VX_HORIZON_HIGH), &r->horizon);
	r->horizon_kind = h < 0 ? VX_HORIZON_VANISH : h > 0 ? VX_HORIZON_EXPLODE : VX_HORIZON_NONE;
	/* a stack's layer block that came out 0 beside a whole P_k that did not,
	 * where one gap shorter it was more than 10^-250 below the whole: the
	 * chain holds P_k with one power of two, and a block beyond 10^-308 of
	 * the largest entries is lost (2 tanh layers at λ = 50: 10^-486 of layer
	 * 1 beside 10^-164 of the whole, then 0); it reads underflow from there
	 * on.  A block that falls to 0 from nearer the whole is 0 in truth (a
	 * layer of dead relu units, a nilpotent weight_hh). */
	if (r->L > 1 && t >= 2)
		for (int q = 0; q < (r->c_norm ? 2 : 1); q++) {
			vx_mag *b = q ? r->c_norm : r->h_norm;
			for (size_t l = 0; l < r->L; l++) {
				int lost = 0;
				for (size_t k = t - 1; k-- > 0;) {
					const vx_mag *prev = &b[(k + 1) * r->L + l];
					vx_mag *cur = &b[k * r->L + l];
					if (r->paths[k].norm.log10 == -INFINITY || cur->log10 != -INFINITY)
						continue;
					lost = lost || (prev->log10 > -INFINITY &&
					                prev->log10 - r->paths[k + 1].norm.log10 < -250);
					if (lost && cur->fits) {
						cur->fits = 0;
						r->block_underflow++;
					}
				}
			}
		}
	if (r->underflow_steps == 0)
		return;
	/* the norms of products and the gradients' norms (not the path terms,
	 * which are 0 in truth where the state before is, as h_0 = 0) */
	for (size_t k = 0; k < t; k++) {
		mark_underflow(&r->paths[k].norm, 1);
		mark_underflow(&r->paths[k].step_product, 1);
	}
	mark_underflow(r->step_norm, r->T);
	mark_underflow(r->h_norm, t * r->L);
	if (r->c_norm)
		mark_underflow(r->c_norm, t * r->L);
	mark_underflow(&r->grad_norm, 1);
	mark_underflow(&r->grad_sum_norm, 1);
	mark_underflow(r->grad_hh_norm, r->L);
}

/* The passes that read only the forward pass, the weights and the steps
 * and write fields of their own: each gate's spectral radius (a task of its
 * own: a GRU of d = 512 at T = 60 spent 0.86 s of its 1.43 s in its three
 * gates' spectra, one after the other on the caller), BPTT, the summed
 * loss's BPTT and the Lyapunov exponents.  The caller takes them one
 * at a time after its step norms, and so does the chain's consumer once its
 * walk is done, before it lends itself to the step norms (with two threads,
 * where the consumer's walk runs on the caller beside the producer, all of
 * them then, before the step norms).  A GRU of d = 512
 * at T = 1000 has its chain done at about half of the analysis, and these
 * passes (1.4 s of CPU) ran on the caller alone after its step norms, the
 * consumer lending itself to the step norms' products at a loss: 6.2 s,
 * 5.5 s taken so (a GRU of d = 256: 1.51 s, 1.12-1.31 s). */
/* Tasks 0 .. 4L − 1: the spectral radius of gate k % 4 of layer k / 4;
 * then BPTT, the summed loss's BPTT and the Lyapunov exponents. */
enum { TASK_BPTT, TASK_BPTT_SUM, TASK_LYAP, NTASK_T };
#define NTASK_MAX (4 * VX_MAX_LAYERS + NTASK_T)

typedef struct {
	const vx_net *net, *jn;
	int ej;
	vx_net_result *r;
	const atomic_int *stop;
	atomic_int next;      /* the next task to hand out */
	int ntask;            /* 4L + NTASK_T */
	vx_status st[NTASK_MAX];
	size_t taken;         /* by the consumer (vx_net_result's tasks_shared) */
} task_pool;

/* Runs the tasks not handed out yet; the number it ran. */
static size_t pool_take(task_pool *p)
{
	size_t n = 0;
	for (;; n++) {
		int k = atomic_fetch_add(&p->next, 1);
		if (k >= p->ntask)
			return n;
		int nr = p->ntask - NTASK_T, tk = k - nr;
		p->st[k] = k < nr ? vx_na_gate_radius(p->net, p->r, (size_t)k / 4, (size_t)k % 4, p->stop)
		           : tk == TASK_BPTT ? vx_na_backprop(p->jn, p->ej, p->r, p->stop)
		           : tk == TASK_BPTT_SUM ? vx_na_backprop_sum(p->jn, p->ej, p->r, p->stop)
		                                 : vx_na_lyapunov(p->jn, p->ej, p->r, p->stop);
	}
}

/* the consumer's side (chain's tasks hook) */
static void pool_run(void *arg)
{
	task_pool *p = arg;
	p->taken = pool_take(p);
}

/* the first failure of the pool's tasks, in their order */
static vx_status pool_status(const task_pool *p)
{
	for (int k = 0; k < p->ntask; k++)
		if (p->st[k])
			return p->st[k];
	return VX_OK;
}

vx_status vx_net_analyse(const vx_net *net, size_t t, const vx_exec *ex, vx_net_result **out,
                         vx_error *err)
{
	*out = NULL;
	vx_status st = vx_net_validate(net, err);
	if (st)
		return st;
	if ((st = vx_loss_step_check(t, net->T, err)))
		return st;
	vx_net_result *r = result_alloc(net, t);
	if (!r)
		return vx_fail(err, VX_ENOMEM, "out of memory for the analysis (D = %zu, T = %zu)", net->D,
		               net->T);
	if ((st = vx_net_forward(net, &r->fwd, err)))
		goto fail;
	vx_na_path_identity(r);
	if ((st = count_underflow(net, r)))
		goto fail;
	vx_na_jnet jn;
	chain ch;
	st = vx_na_jacobian_net(net, &jn);
	if (!st && (st = vx_na_chain_init(&ch, &jn.net, jn.ej, r)))
		vx_na_chain_clear(&ch);
	if (st) {
		vx_na_jacobian_net_clear(&jn);
		vx_fail(err, st, "out of memory for the analysis (D = %zu)", net->D);
		goto fail;
	}
	/* With three threads the chain's products and its norms run on two of
	 * their own, beside the other passes here (exec.h has the figures); with
	 * two, the products beside the norms, then the other passes. */
	int threads = ex ? ex->threads : 1;
	const atomic_int *stop = ex ? ex->stop : NULL;
	ch.stop = ch.ls.stop = stop;
	int two = threads >= 2 && t > 2;
	pthread_t tp, tc;
	int ran = 0;
	/* with three threads this one, its passes done, takes the lower rows
	 * of the products the chain still forms (rowshare.h); a stack of two
	 * LSTM layers of d = 256 (D = 1024) at T = 300 spent 4.7 s of CPU on
	 * them, the other passes 1.7 s and the norms 2.3 s */
	vx_rowshare help;
	vx_rowshare_init(&help, 0);
	ch.help = two && threads >= 3 && vx_exec_blas_single() ? &help : NULL;
	/* and the other way: the chain done first (its products fewer than
	 * the step norms' own, a GRU of d = 512 at T = 1000: the chain 2.1 s,
	 * this thread's passes 5.9 s), the consumer takes the lower
	 * rows of the step norms' products, or (one GRU layer, net_norms.c)
	 * steps of their chunks.  Once it is helping, the producer
	 * has ended (or, after a failure or a stop, is ending): two threads on
	 * two cores, and a waiting one spins. */
	vx_rowshare lend;
	vx_rowshare_init(&lend, 1);
	ch.lend = ch.help ? &lend : NULL;
	task_pool pool = { net, &jn.net, jn.ej, r, stop, 0, (int)(4 * net->L) + NTASK_T, { VX_OK }, 0 };
	atomic_init(&pool.next, 0);
	ch.tasks = pool_run;
	ch.tasks_arg = &pool;
	if (two) {
		if (pthread_create(&tp, NULL, vx_na_producer_thread, &ch)) {
			two = 0;
			ch.help = NULL;
			ch.lend = NULL;
		} else if (threads < 3 || pthread_create(&tc, NULL, vx_na_consumer_thread, &ch)) {
			/* the consumer's work then runs here, beside the producer,
			 * with no step norms to help */
			ch.lend = NULL;
			vx_na_consumer_thread(&ch);
			pthread_join(tp, NULL);
			two = 0;
			ran = 1;
		}
	}
	vx_status cst = two ? VX_OK : ran ? (ch.pst ? ch.pst : ch.cst) : vx_na_chain_inline(&ch);
	st = vx_na_weight_stats(net, r);
	if (!st)
		st = vx_na_step_bounds(net, r);
	if (!st)
		st = vx_na_step_norms(&jn.net, jn.ej, r, stop, ch.lend);
	/* the consumer's last work, helping or not: it may go */
	vx_rowshare_done(ch.lend);
	if (!st)
		pool_take(&pool);
	else
		atomic_store(&pool.next, pool.ntask);   /* none left for the consumer */
	/* the consumer may still be in a task: its status is read after the
	 * join */
	if (!st && !two)
		st = pool_status(&pool);
	if (two && !st && ch.help)
		vx_rowshare_help(ch.help);
	if (two) {
		if (st) {
			/* stop the chain early: the consumer's failure ends both */
			pthread_mutex_lock(&ch.mu);
			ch.cst = ch.cst ? ch.cst : st;
			pthread_cond_broadcast(&ch.cv);
			pthread_mutex_unlock(&ch.mu);
		}
		pthread_join(tp, NULL);
		pthread_join(tc, NULL);
		cst = ch.pst ? ch.pst : ch.cst;
		if (!st)
			st = pool_status(&pool);
	}
	r->lanczos_steps += ch.ls.steps;
	r->fallbacks += ch.ls.fallbacks;
	r->chain_truncations = ch.lr.truncations;
	r->chain_shared = help.shared;
	r->steps_shared = lend.shared;
	r->tasks_shared = ran ? 0 : pool.taken;
	vx_rowshare_destroy(&help);
	vx_rowshare_destroy(&lend);
	r->chain_rank = ch.lr.mode == VX_LR_SPLIT ? ch.lr.rank : net->D;
	vx_na_chain_clear(&ch);
	vx_na_jacobian_net_clear(&jn);
	if (!st)
		st = cst;
	if (st) {
		if (st == VX_ECANCELLED)
			vx_fail(err, st, "the analysis was stopped before it ended");
		else
			vx_fail(err, st, "the analysis failed: %s", vx_strerror(st));
		goto fail;
	}
	if ((st = monomial_norms(net, r))) {
		vx_fail(err, st, "the analysis failed: %s", vx_strerror(st));
		goto fail;
	}
	summarise(r);
	vx_na_gate_stats(net, r);
	*out = r;
	return VX_OK;
fail:
	vx_net_result_free(r);
	return st;
}
