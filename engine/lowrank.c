/*
 * lowrank.c — the running product of the path passes as a truncated
 * factorisation (see lowrank.h).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_rng.h>
#include "engine/init.h"
#include "engine/lapack.h"
#include "engine/linalg.h"
#include "engine/lowrank.h"

/* The relative size of a dropped tail: the typical rounding error of one
 * n×n product, √n ulps of ‖P‖ (its worst case is n ulps; the Frobenius
 * norm of the tail is what is tested, so each dropped direction is smaller
 * still). */
static double drop_tol(size_t n)
{
	return sqrt((double)n) * DBL_EPSILON;
}

/* 10 √(2/π): the factor of the probes' bound (lowrank.h) */
#define PROBE_FACTOR 7.978845608028654
/* The factors P holds at the first attempt in full mode, and the largest
 * share of the rows a first truncation may keep. */
#define FIRST_ATTEMPT 8
#define KEEP_FULL 0.9
/* A block's next attempt is planned for when its predicted rank is this
 * share of what it holds. */
#define NEXT_SHARE 0.85
/* LAPACK's blocked QR and its rotation run at about half the speed of a
 * product per flop (n = 256 to 1024). */
#define QR_SLOWDOWN 2.0
#define NEVER SIZE_MAX

void vx_lr_clear(vx_lowrank *lr)
{
	free(lr->off);
	gsl_matrix_free(lr->C);
	free(lr->lx);
	free(lr->sq);
	free(lr->tau);
	free(lr->px);
	gsl_matrix_free(lr->Om);
	gsl_matrix_free(lr->Y);
	gsl_matrix_free(lr->Yc);
	gsl_matrix_free(lr->work);
	gsl_matrix_free(lr->bak);
	memset(lr, 0, sizeof *lr);
}

size_t vx_lr_capacity(size_t n, size_t nb)
{
	return n + nb * VX_LR_PROBES;
}

/* the largest block of n rows in nb equal blocks */
static size_t block_max(size_t n, size_t nb)
{
	return nb ? (n + nb - 1) / nb : n;
}

size_t vx_lr_bytes(size_t n, size_t nb)
{
	double dn = (double)n, m = (double)block_max(n, nb);
	double dbl = dn * VX_LR_PROBES   /* C */
	             + 7 * dn            /* lx, sq, px, tau */
	             + dn * m            /* Om */
	             + m * m + dn * m    /* Y, Yc */
	             + m * dn            /* work */
	             + dn * dn;          /* bak */
	return (size_t)(dbl * sizeof(double)) + 11 * nb * sizeof(size_t);
}

vx_status vx_lr_init(vx_lowrank *lr, size_t n, size_t nb, const size_t *sz, size_t min_n, uint64_t seed)
{
#ifdef VX_LOWRANK_OFF
	/* the full product everywhere: the benchmarks' "before" (tests/bench) */
	min_n = SIZE_MAX;
#endif
	memset(lr, 0, sizeof *lr);
	lr->n = n;
	lr->nb = nb;
	lr->seed = seed;
	lr->minn = min_n;
	lr->off = malloc(11 * nb * sizeof *lr->off);
	lr->C = gsl_matrix_alloc(n, VX_LR_PROBES);
	lr->lx = calloc(2 * n, sizeof *lr->lx);
	lr->sq = malloc(2 * n * sizeof *lr->sq);
	lr->px = calloc(2 * n, sizeof *lr->px);
	if (!lr->off || !lr->C || !lr->lx || !lr->sq || !lr->px)
		return VX_ENOMEM;
	lr->sz = lr->off + nb;
	lr->r = lr->sz + nb;
	lr->roff = lr->r + nb;
	lr->next = lr->roff + nb;
	lr->pcount = lr->next + nb;
	lr->plen = lr->pcount + nb;   /* 2 nb: older, newer */
	lr->pN = lr->plen + 2 * nb;   /* 2 nb */
	lr->pprov = lr->pN + 2 * nb;
	size_t o = 0;
	for (size_t b = 0; b < nb; b++) {
		lr->off[b] = o;
		lr->sz[b] = sz[b];
		o += sz[b];
	}
	if (o != n)
		return VX_EINTERNAL;
	vx_lr_start(lr);
	return VX_OK;
}

static void set_full(vx_lowrank *lr)
{
	for (size_t b = 0; b < lr->nb; b++) {
		lr->r[b] = lr->sz[b];
		lr->roff[b] = lr->off[b];
	}
	lr->rank = lr->rows = lr->n;
}

void vx_lr_start(vx_lowrank *lr)
{
	set_full(lr);
	lr->mode = VX_LR_FULL;
	lr->N = 0;
	lr->full_next = 1;
	for (size_t b = 0; b < lr->nb; b++) {
		lr->next[b] = NEVER;
		lr->pcount[b] = 0;
		lr->pprov[b] = 0;
		/* the first profile shifts these into the older slot, which
		 * predicted_rank reads (converting pN) before it knows it has one
		 * profile only: valgrind saw them uninitialised at d = 64 */
		lr->plen[2 * b] = lr->plen[2 * b + 1] = 0;
		lr->pN[2 * b] = lr->pN[2 * b + 1] = 0;
	}
	lr->attempts = lr->truncations = lr->rotations = 0;
}

void vx_lr_off(vx_lowrank *lr)
{
	set_full(lr);
	lr->mode = VX_LR_OFF;
}

/* the scratch of the attempts, and the sketch Ω: uniform entries in
 * (−1, 1) from the chain's seed, drawn once */
static int scratch(vx_lowrank *lr)
{
	if (lr->Om)
		return 0;
	size_t n = lr->n, m = block_max(n, lr->nb);
	lr->Om = gsl_matrix_alloc(n, m);
	lr->Y = gsl_matrix_alloc(m, m);
	lr->Yc = gsl_matrix_alloc(n, m);
	lr->tau = malloc(n * sizeof *lr->tau);
	lr->work = gsl_matrix_alloc(m, n > VX_LR_PROBES ? n : VX_LR_PROBES);
	lr->bak = gsl_matrix_alloc(n, n);
	gsl_rng *g = vx_rng_alloc(lr->seed);
	if (!lr->Om || !lr->Y || !lr->Yc || !lr->tau || !lr->work || !lr->bak || !g) {
		gsl_rng_free(g);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < m; j++)
			gsl_matrix_set(lr->Om, i, j, 2 * gsl_rng_uniform(g) - 1);
	gsl_rng_free(g);
	return 0;
}

/* ---- the plan ---- */

/* The cost of an attempt on r rows with a sketch of l columns, in rows of
 * products (one row: 2 n² flops): the sketch 2 r l n, the QR about
 * 2 l² (r − l/3), the rotation 4 r l n. */
static double attempt_cost(size_t n, size_t r, size_t l)
{
	double dn = (double)n, dr = (double)r, dl = (double)l;
	return QR_SLOWDOWN * (3 * dr * dl / dn + dl * dl * (dr - dl / 3) / (dn * dn));
}

/* Block b's rank after N factors as its profiles predict: the rows whose
 * log ratio, extrapolated linearly in N from the last two profiles (from 0
 * at N = 0 with one), stays above ln of the drop tolerance; rows beyond
 * the newer profile count as kept. */
static size_t predicted_rank(const vx_lowrank *lr, size_t b, size_t N)
{
	size_t r = lr->r[b], cnt = lr->pcount[b];
	if (cnt == 0)
		return r;
	size_t len2 = lr->plen[2 * b + 1], len1 = lr->plen[2 * b];
	double N2 = (double)lr->pN[2 * b + 1], N1 = (double)lr->pN[2 * b];
	const double *y2 = lr->lx + lr->n + lr->off[b], *y1 = lr->lx + lr->off[b];
	double lt = log(drop_tol(lr->n)), dN = (double)N;
	size_t keep = 0;
	for (size_t i = 0; i < r; i++) {
		if (i >= len2) {
			keep++;
			continue;
		}
		if (y2[i] == -INFINITY)
			continue;
		double pred;
		if (cnt >= 2 && i < len1 && N1 < N2 && y1[i] > -INFINITY) {
			double slope = fmin((y2[i] - y1[i]) / (N2 - N1), 0.0);
			pred = y2[i] + slope * (dN - N2);
		} else {
			pred = y2[i] * dN / N2;
		}
		keep += pred > lt;
	}
	return keep;
}

/* The sketch for block b now: square before the first truncation, else
 * just wider than the predicted rank */
static size_t sketch_width(const vx_lowrank *lr, size_t b)
{
	size_t r = lr->r[b];
	if (lr->mode == VX_LR_FULL || lr->pcount[b] == 0)
		return r;
	size_t l = predicted_rank(lr, b, lr->N);
	l += l / 10 + 8;
	return l < r ? l : r;
}

/* The next attempt of block b after one at N, with remaining factors to
 * come: the first N' whose predicted rank is NEXT_SHARE of r_b, if what
 * that saves until the end covers twice the attempt; when the profiles
 * predict no such drop, twice N on the same terms. */
static void plan_block(vx_lowrank *lr, size_t b, size_t remaining)
{
	size_t r = lr->r[b], end = lr->N + remaining;
	lr->next[b] = NEVER;
	if (r <= 1 || remaining == 0)
		return;
	size_t target = (size_t)(NEXT_SHARE * (double)r);
	if (target >= r)
		target = r - 1;
	size_t at;
	if (predicted_rank(lr, b, end) > target) {
		at = 2 * lr->N;
	} else {
		size_t lo = lr->N + 1, hi = end;   /* predicted_rank(hi) <= target */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (predicted_rank(lr, b, mid) <= target)
				hi = mid;
			else
				lo = mid + 1;
		}
		at = lo;
	}
	if (at > end)
		return;
	double save = (double)(r - target) * (double)(end - at);
	if (save >= 2 * attempt_cost(lr->n, r, target + target / 10 + 8))
		lr->next[b] = at;
}

/* The next attempt in full mode after one at N that kept too much: when
 * the predicted rows fall to KEEP_FULL − 0.15 of n (the rows an attempt
 * keeps run above the prediction: its ordering is a sketch's), at least
 * N/4 later, or at twice N when the profiles predict no such fall; if the
 * saving until the end covers twice a square attempt.  1 when an attempt
 * is planned where the profiles predict the fall, else 0. */
static int plan_full(vx_lowrank *lr, size_t remaining)
{
	size_t n = lr->n, end = lr->N + remaining, nz = lr->nb * VX_LR_PROBES;
	double cost = 0, lim = (KEEP_FULL - 0.15) * (double)n, save = (1 - KEEP_FULL) * (double)n;
	for (size_t b = 0; b < lr->nb; b++)
		cost += attempt_cost(n, lr->sz[b], lr->sz[b]);
	size_t at = 2 * lr->N;
	int fall = 0;
	for (size_t N = lr->N + 1 + lr->N / 4; N <= end; N += 1 + (N - lr->N) / 8) {
		size_t rows = nz;
		for (size_t b = 0; b < lr->nb; b++)
			rows += predicted_rank(lr, b, N);
		if ((double)rows <= lim) {
			fall = 1;
			at = N;
			save = (double)n - lim;
			break;
		}
	}
	lr->full_next = NEVER;
	if (at <= end && save * (double)(end - at) >= 2 * cost)
		lr->full_next = at;
	return fall && lr->full_next != NEVER;
}

/* Whether block b can lose rows at all: its stable rank ‖M_b‖_F² / ‖M_b‖₂²
 * is below 0.9 r_b.  ‖M_b‖₂ is estimated from below, by the largest row
 * norm and three steps of the power method on M_bᵀ M_b from a fixed vector,
 * so that the estimate of the stable rank is high, if anything; into *sr.
 * The scratch sq (2n) is used. */
static int may_drop(vx_lowrank *lr, const gsl_matrix *S, size_t b, double *sr)
{
	size_t r = lr->r[b], n = lr->n;
	*sr = (double)r;
	if (r <= 1)
		return 0;
	gsl_matrix_const_view M = gsl_matrix_const_submatrix(S, lr->roff[b], 0, r, n);
	double fro = 0, top = 0;
	for (size_t i = 0; i < r; i++) {
		const double *m = vx_row(S, lr->roff[b] + i);
		double s = 0;
		for (size_t j = 0; j < n; j++)
			s += m[j] * m[j];
		fro += s;
		top = fmax(top, s);
	}
	if (!(top > 0))
		return 0;
	/* x ← Mᵀ M x / ‖·‖ from x_j = 1 + j/n: ‖M x‖² <= ‖M‖₂² ‖x‖² */
	double *x = lr->sq, *y = lr->sq + n;
	for (size_t j = 0; j < n; j++)
		x[j] = 1 + (double)j / (double)n;
	for (int it = 0; it < 3; it++) {
		double xx = 0, yy = 0;
		for (size_t j = 0; j < n; j++)
			xx += x[j] * x[j];
		cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)r, (int)n, 1.0, M.matrix.data, (int)M.matrix.tda, x, 1,
		            0.0, y, 1);
		for (size_t i = 0; i < r; i++)
			yy += y[i] * y[i];
		top = fmax(top, yy / xx);
		if (!(yy > 0))
			break;
		cblas_dgemv(CblasRowMajor, CblasTrans, (int)r, (int)n, 1.0, M.matrix.data, (int)M.matrix.tda, y, 1, 0.0,
		            x, 1);
	}
	*sr = fro / top;
	return fro < 0.9 * (double)r * top;
}

/* Row i of S's probe rows for block b */
static const double *zrow(const vx_lowrank *lr, const gsl_matrix *S, size_t b, size_t i)
{
	return vx_row(S, lr->rank + b * VX_LR_PROBES + i);
}

/* ---- an attempt ---- */

/* The profile of block b from the squared row norms sq[0..len) (top: the
 * largest), as the newer of its two: ln(‖row i‖ / max ‖row‖).  prov: R's
 * rows (r_rows_least), which run below those of Qᵀ M_b by up to a factor
 * of 6; the next profile takes their place instead of pushing them back
 * to the older, so that an attempt that goes on past its QR leaves the
 * profiles it left before the test existed. */
static void record_profile(vx_lowrank *lr, size_t b, const double *sq, size_t len, double top, int prov)
{
	size_t c0 = lr->off[b], cn = lr->sz[b];
	double *y1 = lr->lx + c0, *y2 = lr->lx + lr->n + c0;
	if (!lr->pprov[b]) {
		memcpy(y1, y2, cn * sizeof *y1);
		lr->plen[2 * b] = lr->plen[2 * b + 1];
		lr->pN[2 * b] = lr->pN[2 * b + 1];
		if (lr->pcount[b] < 2)
			lr->pcount[b]++;
	}
	for (size_t i = 0; i < len; i++)
		y2[i] = top > 0 && sq[i] > 0 ? 0.5 * log(sq[i] / top) : -INFINITY;
	lr->plen[2 * b + 1] = len;
	lr->pN[2 * b + 1] = lr->N;
	lr->pprov[b] = (size_t)(prov != 0);
}

/* The rows of Qᵀ M_b that surely stay, as R's rows say: R = Qᵀ M_b Ω,
 * and a row of Qᵀ M_b is at least about half as large against the first
 * as R's row against R's first (Ω's largest singular value is about twice
 * the size ‖xᵀ Ω‖ / ‖x‖ takes for the top row; measured at n = 512 and
 * 1024, rows of Qᵀ M_b were 1.3 to 6.4 times R's relative size).  So the
 * rows before the tail that R leaves at most ABORT_MARGIN times the drop
 * tolerance stay.  R's squared row norms go to lr->sq + n + off[b], for
 * record_profile. */
#define ABORT_MARGIN 4.0
static size_t r_rows_least(vx_lowrank *lr, size_t b, size_t l)
{
	size_t r = lr->r[b], k = l < r ? l : r;
	const double *yc = lr->Yc->data + lr->off[b] * lr->Yc->tda;
	double *sq = lr->sq + lr->n + lr->off[b], top = 0;
	for (size_t i = 0; i < k; i++) {
		double s = 0;
		for (size_t j = i; j < l; j++)
			s += yc[j * r + i] * yc[j * r + i];
		sq[i] = s;
		top = fmax(top, s);
	}
	double lim = ABORT_MARGIN * drop_tol(lr->n), tail = 0;
	lim *= lim * top;
	size_t m = k;
	while (m > 0 && tail + sq[m - 1] <= lim)
		tail += sq[--m];
	return m;
}

/* The sketch of block b's rows with l columns and its QR: R and the
 * reflectors in lr->Yc from row off[b] on (column-major, r × l), their τ
 * at lr->tau + off[b].  0, or −1 on failure. */
static int sketch_qr(vx_lowrank *lr, const gsl_matrix *S, size_t b, size_t l)
{
	size_t n = lr->n, r = lr->r[b];
	gsl_matrix_const_view Mb = gsl_matrix_const_submatrix(S, lr->roff[b], 0, r, n);
	gsl_matrix_view Om = gsl_matrix_submatrix(lr->Om, 0, 0, n, l);
	gsl_matrix_view Y = gsl_matrix_submatrix(lr->Y, 0, 0, r, l);
	if (gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &Mb.matrix, &Om.matrix, 0.0, &Y.matrix))
		return -1;
	/* Y = Q R by LAPACK (lapack.h), on a column-major copy of Y, whose
	 * columns' Householder steps then run down contiguous memory; Qᵀ M_b
	 * is the transpose of M_bᵀ Q, dormqr's product on M_b's rows read as
	 * columns (rotate_block).  At 1024×300 (tanh, λ = 0.9) the QRs took
	 * 0.17 s and the rotations 0.12 s by GSL's blocked QR, 0.07 and 0.10 s
	 * so (an LQ on Y's rows read as columns, strided, took 0.15 s); at
	 * 256×1000, 17.5 ms against 6.7. */
	double *yc = lr->Yc->data + lr->off[b] * lr->Yc->tda, *tau = lr->tau + lr->off[b];
	double *wk = lr->work->data;
	for (size_t i = 0; i < r; i++) {
		const double *y = vx_row(&Y.matrix, i);
		for (size_t j = 0; j < l; j++)
			yc[j * r + i] = y[j];
	}
	int il = (int)l, ir = (int)r, info = 0;
	int lwork = (int)(lr->work->size1 * lr->work->tda);
	dgeqrf_(&ir, &il, yc, &ir, tau, wk, &lwork, &info);
	return info ? -1 : 0;
}

/* After sketch_qr of block b: rotates its rows of S (and of C) by Qᵀ, records
 * the rotated rows' profile, and drops the tail that lowrank.h allows,
 * adding it to the probes; lr->r[b] becomes the rows kept (their place
 * unchanged until compact).  0, or −1 on failure. */
static int rotate_block(vx_lowrank *lr, gsl_matrix *S, size_t b, size_t l)
{
	size_t n = lr->n, r = lr->r[b], o = lr->roff[b];
	size_t c0 = lr->off[b], cn = lr->sz[b];
	gsl_matrix_view Mb = gsl_matrix_submatrix(S, o, 0, r, n);
	gsl_matrix_view Cb = gsl_matrix_submatrix(lr->C, o, 0, r, VX_LR_PROBES);
	size_t k = l < r ? l : r;
	const double *yc = lr->Yc->data + c0 * lr->Yc->tda, *tau = lr->tau + c0;
	double *wk = lr->work->data;
	int ir = (int)r, ik = (int)k, info = 0;
	int in = (int)n, ip = VX_LR_PROBES, ldm = (int)Mb.matrix.tda, ldc = (int)Cb.matrix.tda;
	int lwork = (int)(lr->work->size1 * lr->work->tda);
	lr->rotations++;
	dormqr_("R", "N", &in, &ir, &ik, yc, &ir, tau, Mb.matrix.data, &ldm, wk, &lwork, &info, 1, 1);
	if (info)
		return -1;
	dormqr_("R", "N", &ip, &ir, &ik, yc, &ir, tau, Cb.matrix.data, &ldc, wk, &lwork, &info, 1, 1);
	if (info)
		return -1;
	/* the rows' squared norms, whole and on the diagonal block's columns */
	double *sq = lr->sq, *sqd = lr->sq + r, top = 0, topd = 0;
	for (size_t i = 0; i < r; i++) {
		const double *m = vx_row(&Mb.matrix, i);
		double s = 0, sd = 0;
		for (size_t j = 0; j < n; j++) {
			double v = m[j] * m[j];
			s += v;
			if (j - c0 < cn)
				sd += v;
		}
		sq[i] = s;
		sqd[i] = sd;
		top = fmax(top, s);
		topd = fmax(topd, sd);
	}
	/* the profile: the first l rows are ordered by size (the first l
	 * columns of Q span about the sketch's top l directions), the rest are
	 * only their residual */
	record_profile(lr, b, sq, l, top, 0);

	double tol = drop_tol(n), lim = tol * tol * top, limd = tol * tol * topd;
	size_t keep = r;
	double tail = 0, taild = 0;
	while (keep > 0) {
		double t = tail + sq[keep - 1], td = taild + sqd[keep - 1];
		if (t > lim || td > limd)
			break;
		tail = t;
		taild = td;
		keep--;
	}
	if (keep < r) {
		/* z_{b,i} += (rows keep.. of Qᵀ U_bᵀ ω_{b,i})ᵀ (rows keep.. of Qᵀ M_b) */
		gsl_matrix_view Ct = gsl_matrix_submatrix(&Cb.matrix, keep, 0, r - keep, VX_LR_PROBES);
		gsl_matrix_view Mt = gsl_matrix_submatrix(&Mb.matrix, keep, 0, r - keep, n);
		gsl_matrix_view Z = gsl_matrix_submatrix(S, lr->rank + b * VX_LR_PROBES, 0, VX_LR_PROBES, n);
		gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &Ct.matrix, &Mt.matrix, 1.0, &Z.matrix);
	}
	lr->r[b] = keep;
	return 0;
}

/* An attempt on block b with a sketch of l columns, once split:
 * sketch_qr, then rotate_block.  0, or −1 on failure. */
static int compress_block(vx_lowrank *lr, gsl_matrix *S, size_t b, size_t l)
{
	return sketch_qr(lr, S, b, l) ? -1 : rotate_block(lr, S, b, l);
}

/* Moves the blocks' rows of S and C up to follow each other, then the probe
 * rows after them. */
static void compact(vx_lowrank *lr, gsl_matrix *S)
{
	size_t n = lr->n, o = 0, old_rank = lr->rank;
	for (size_t b = 0; b < lr->nb; b++) {
		for (size_t i = 0; i < lr->r[b]; i++) {
			if (o + i != lr->roff[b] + i) {
				memmove(vx_row(S, o + i), vx_row(S, lr->roff[b] + i), n * sizeof(double));
				memmove(vx_row(lr->C, o + i), vx_row(lr->C, lr->roff[b] + i), VX_LR_PROBES * sizeof(double));
			}
		}
		lr->roff[b] = o;
		o += lr->r[b];
	}
	lr->rank = o;
	size_t nz = lr->nb * VX_LR_PROBES;
	if (o != old_rank)
		for (size_t i = 0; i < nz; i++)
			memmove(vx_row(S, o + i), vx_row(S, old_rank + i), n * sizeof(double));
	lr->rows = o + nz;
}

/* The attempt of full mode: every block with a square sketch (or width
 * thin, when not 0), kept when the rows fall to KEEP_FULL of n, else undone
 * (the profiles stay).  Every block's QR comes before the first rotation.
 * With a square sketch, when the rows R says stay (r_rows_least) already
 * pass KEEP_FULL of n, the attempt cannot be kept: the blocks' R rows plan
 * the next one, and unless they plan it where they predict the fall, the
 * attempt ends there, with no rotation.  R's rows ran below the rotated
 * rows' wherever they were measured, and so predict no higher ranks; an
 * attempt planned only on the chance of a fall (at twice N) makes its own
 * QRs.  Where R's rows predict the fall, the attempt goes on and the
 * rotated rows' profiles replace R's: planned from R's rows alone,
 * 1024×100 (tanh, λ = 1.1) was truncated once, to 792 rows, where the
 * rotated rows' profile truncates it twice, to 651, and took 10% longer.
 * An attempt that kept nothing took 1.07 s at 2048×60 and now 0.71-0.84 s
 * (tanh, λ = 1.1); an LSTM of d = 512 over 100 steps spent 0.35 s a run in
 * three such attempts and now 0.20 s, two layers of d = 256 over 60 steps
 * 0.14 s and now 0.05 s (tests/bench/README.md).  1 when kept, 0 when
 * undone, −1 on failure. */
static int attempt_full(vx_lowrank *lr, gsl_matrix *S, size_t thin, size_t remaining)
{
	size_t n = lr->n, nz = lr->nb * VX_LR_PROBES, stay = nz;
	gsl_matrix_view P = gsl_matrix_submatrix(S, 0, 0, n, n);
	lr->attempts++;
	for (size_t b = 0; b < lr->nb; b++) {
		size_t l = thin && thin < lr->r[b] ? thin : lr->r[b];
		if (sketch_qr(lr, S, b, l))
			return -1;
		if (!thin)
			stay += r_rows_least(lr, b, l);
	}
	if (!thin && (double)stay > KEEP_FULL * (double)n) {
		for (size_t b = 0; b < lr->nb; b++) {
			size_t r = lr->r[b];
			const double *sq = lr->sq + n + lr->off[b];
			double top = 0;
			for (size_t i = 0; i < r; i++)
				top = fmax(top, sq[i]);
			record_profile(lr, b, sq, r, top, 1);
		}
		if (!plan_full(lr, remaining))
			return 0;
	}
	gsl_matrix_memcpy(lr->bak, &P.matrix);
	/* the probes' coordinates are the ω themselves (U = I), their rows 0 */
	gsl_rng *g = vx_rng_alloc(lr->seed ^ 0x6a09e667f3bcc909u);
	if (!g)
		return -1;
	vx_fill_gaussian(lr->C, g, 1.0);
	gsl_rng_free(g);
	for (size_t i = 0; i < nz; i++)
		memset(vx_row(S, n + i), 0, n * sizeof(double));
	for (size_t b = 0; b < lr->nb; b++) {
		size_t l = thin && thin < lr->r[b] ? thin : lr->r[b];
		if (rotate_block(lr, S, b, l)) {
			gsl_matrix_memcpy(&P.matrix, lr->bak);
			set_full(lr);
			return -1;
		}
	}
	compact(lr, S);
	if ((double)lr->rows > KEEP_FULL * (double)n) {
		gsl_matrix_memcpy(&P.matrix, lr->bak);
		set_full(lr);
		return 0;
	}
	lr->mode = VX_LR_SPLIT;
	lr->truncations++;
	return 1;
}

int vx_lr_step(vx_lowrank *lr, gsl_matrix *S, size_t remaining)
{
	if (lr->mode == VX_LR_OFF || lr->n < lr->minn)
		return 0;
	lr->N++;
	if (lr->mode == VX_LR_FULL) {
		if (lr->N < lr->full_next)
			return 0;
		/* a first factor of small stable rank (a W of low rank) is tried at
		 * once with a narrow sketch; anything else from FIRST_ATTEMPT on */
		size_t thin = 0;
		double srmax = 0;
		int any = 0;
		for (size_t b = 0; b < lr->nb; b++) {
			double sr;
			any |= may_drop(lr, S, b, &sr);
			srmax = fmax(srmax, sr);
		}
		if (lr->N == 1) {
			lr->full_next = FIRST_ATTEMPT;
			if (!(srmax * 16 <= (double)block_max(lr->n, lr->nb)))
				return 0;
			thin = 4 * (size_t)ceil(srmax) + 16;
		}
		if (!any) {
			lr->full_next = 2 * lr->N;
			return 0;
		}
		if (scratch(lr))
			return -1;
		int kept = attempt_full(lr, S, thin, remaining);
		if (kept < 0)
			return -1;
		if (!kept) {
			if (lr->N > 1)
				plan_full(lr, remaining);
			return 0;
		}
		for (size_t b = 0; b < lr->nb; b++)
			plan_block(lr, b, remaining);
		return 1;
	}
	size_t before = lr->rows;
	int any = 0;
	for (size_t b = 0; b < lr->nb; b++) {
		if (lr->next[b] > lr->N)
			continue;
		double sr;
		if (lr->r[b] > 1 && may_drop(lr, S, b, &sr)) {
			if (compress_block(lr, S, b, sketch_width(lr, b)))
				return -1;
			any = 1;
			lr->attempts++;
		}
		plan_block(lr, b, remaining);
	}
	if (!any)
		return 0;
	compact(lr, S);
	if (lr->rows < before)
		lr->truncations++;
	return 1;
}

/* A lower bound on ‖A‖₂ (A: r × c, rows of stride tda) by `steps` steps of
 * the power method on AᵀA from x (c entries, updated: warm from the last
 * call; 1 + j/c when it is 0), with y (r entries) as scratch, and the
 * largest row norm: ‖A x‖ / ‖x‖ <= ‖A‖₂ for any x ≠ 0. */
static double power_lower(const double *A, size_t r, size_t c, size_t tda, double *x, double *y, int steps)
{
	double best = 0, xx = 0;
	for (size_t i = 0; i < r; i++) {
		const double *a = A + i * tda;
		double s = 0;
		for (size_t j = 0; j < c; j++)
			s += a[j] * a[j];
		best = fmax(best, s);
	}
	best = sqrt(best);
	for (size_t j = 0; j < c; j++)
		xx += x[j] * x[j];
	if (!(xx > 0))
		for (size_t j = 0; j < c; j++)
			x[j] = 1 + (double)j / (double)c;
	for (int it = 0; it < steps; it++) {
		double yy = 0;
		xx = 0;
		for (size_t j = 0; j < c; j++)
			xx += x[j] * x[j];
		cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)r, (int)c, 1.0, A, (int)tda, x, 1, 0.0, y, 1);
		for (size_t i = 0; i < r; i++)
			yy += y[i] * y[i];
		best = fmax(best, sqrt(yy / xx));
		if (!(yy > 0))
			break;
		cblas_dgemv(CblasRowMajor, CblasTrans, (int)r, (int)c, 1.0 / sqrt(yy), A, (int)tda, y, 1, 0.0, x, 1);
	}
	return best;
}

void vx_lr_lower_norms(vx_lowrank *lr, const gsl_matrix *S, int steps, double *blk, double *whole)
{
	size_t n = lr->n;
	double *y = lr->sq;
	for (size_t b = 0; b < lr->nb; b++) {
		size_t c0 = lr->off[b], r = lr->r[b];
		blk[b] = r ? power_lower(gsl_matrix_const_ptr(S, lr->roff[b], c0), r, lr->sz[b], S->tda, lr->px + c0, y,
		                         steps)
		           : 0;
	}
	*whole = lr->rank ? power_lower(S->data, lr->rank, n, S->tda, lr->px + n, y, steps) : 0;
}

/* ‖x‖₂ of n entries */
static double norm2(const double *x, size_t n)
{
	double s = 0;
	for (size_t j = 0; j < n; j++)
		s += x[j] * x[j];
	return sqrt(s);
}

int vx_lr_within(const vx_lowrank *lr, const gsl_matrix *S, const double *blk, double whole, double tol)
{
	if (lr->mode != VX_LR_SPLIT)
		return 1;
	double sum = 0;
	for (size_t b = 0; b < lr->nb; b++) {
		double e = 0, ed = 0;
		for (size_t i = 0; i < VX_LR_PROBES; i++) {
			const double *z = zrow(lr, S, b, i);
			e = fmax(e, norm2(z, lr->n));
			ed = fmax(ed, norm2(z + lr->off[b], lr->sz[b]));
		}
		if (blk && PROBE_FACTOR * ed > tol * blk[b]) {
			return 0;
		}
		sum += e * e;
	}
	return !(PROBE_FACTOR * sqrt(sum) > tol * whole);
}
