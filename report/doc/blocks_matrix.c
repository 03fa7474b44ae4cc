/*
 * blocks_matrix.c — the matrix blocks ({{matrix NAME [NAME] [j=…] [k=…]
 * [size=N]}}): W, σ', J_j, their finite-difference checks, ∂L/∂W and
 * ∂s_t/∂s_k, cut to the rows and columns a target shows, and as TeX.
 */
#include "report/doc/blocks.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/act.h"
#include "engine/analysis.h"
#include "engine/model.h"

void vxr_mat_clear(vxr_mat *m)
{
	if (!m)
		return;
	free(m->v);
	m->v = NULL;
}

static size_t pick_idx(size_t full, size_t size, size_t *idx)
{
	if (full <= size) {
		for (size_t i = 0; i < full; i++)
			idx[i] = i;
		return full;
	}
	size_t n = 0;
	for (size_t i = 0; i < size - 2; i++)
		idx[n++] = i;
	idx[n++] = SIZE_MAX;
	idx[n++] = full - 1;
	return n;
}

/* Fills m from the full matrix A (rows × cols). */
static vx_status mat_from(vxr_mat *m, const gsl_matrix *A, size_t size, double scale)
{
	m->rows = A->size1;
	m->cols = A->size2;
	m->nr = pick_idx(A->size1, size, m->ri);
	m->nc = pick_idx(A->size2, size, m->ci);
	m->log10_scale = scale;
	m->v = calloc(m->nr * m->nc, sizeof *m->v);
	if (!m->v)
		return VX_ENOMEM;
	for (size_t i = 0; i < m->nr; i++)
		for (size_t k = 0; k < m->nc; k++)
			if (m->ri[i] != SIZE_MAX && m->ci[k] != SIZE_MAX)
				m->v[i * m->nc + k] = gsl_matrix_get(A, m->ri[i], m->ci[k]);
	return VX_OK;
}

/* The columns of ∂s_t/∂s_k that a view of `size` shows, into the same
 * columns of P (d×d, the others left 0), as P × 10^*scale: only those
 * columns are carried through the chain (vx_dsds_columns). */
static vx_status dsds_columns(const vx_model *md, const vx_result *r, size_t k, size_t size, gsl_matrix *P,
                              double *scale)
{
	size_t d = r->d;
	size_t ci[48], cols[48];
	size_t nc = pick_idx(d, size, ci), m = 0;
	for (size_t i = 0; i < nc; i++)
		if (ci[i] != SIZE_MAX)
			cols[m++] = ci[i];
	gsl_matrix *X = gsl_matrix_alloc(d, m);
	if (!X)
		return VX_ENOMEM;
	vx_status st = vx_dsds_columns(md, r, r->t, k, cols, m, X, scale);
	if (st == VX_OK) {
		gsl_matrix_set_zero(P);
		for (size_t c = 0; c < m; c++)
			for (size_t i = 0; i < d; i++)
				gsl_matrix_set(P, i, cols[c], gsl_matrix_get(X, i, c));
	}
	gsl_matrix_free(X);
	return st;
}

/* diag(σ'(a_j)) (d×d), σ'(a_j) (d×1) or J_j (jac) into A as A × 10^*scale
 * when step j's largest σ' lies below the normal doubles (every unit
 * saturated: 10^-400), where the doubles themselves would show subnormals
 * that lost their digits, or 0: 1; 0 (A untouched) otherwise, −1 when out
 * of memory. */
static int saturated(const vx_model *md, const vx_result *r, size_t j, gsl_matrix *A, int jac, double *scale)
{
	size_t d = r->d;
	double *y = malloc(d * sizeof *y), e;
	if (!y)
		return -1;
	if (!vx_act_dfv_scaled(md->act, r->a->data + (j - 1) * r->a->tda, y, d, &e) || e >= -1000) {
		free(y);
		return 0;
	}
	/* 2^e = 10^*scale × f, f in [1, 10) */
	double l10 = e * 0.301029995663981195213738894724493027;
	*scale = floor(l10);
	double f = pow(10.0, l10 - *scale);
	gsl_matrix_set_zero(A);
	for (size_t i = 0; i < d; i++) {
		if (jac)
			for (size_t l = 0; l < d; l++)
				gsl_matrix_set(A, i, l, y[i] * f * gsl_matrix_get(md->W, i, l));
		else
			gsl_matrix_set(A, i, A->size2 == 1 ? 0 : i, y[i] * f);
	}
	free(y);
	return 1;
}

static vx_status one_mat(const vxr_ctx *c, const char *name, size_t j, size_t k, size_t size, vxr_mat *m,
                         vx_error *err)
{
	const vx_result *r = c->result;
	const vx_model *md = c->model;
	size_t d = r->d;
	memset(m, 0, sizeof *m);
	if (size > 40)
		size = 40;
	gsl_matrix *A = NULL;
	double scale = 0;
	vx_status st = VX_OK;
	if (strcmp(name, "W") == 0) {
		snprintf(m->label, sizeof m->label, "W");
		return mat_from(m, md->W, size, 0) == VX_OK ? VX_OK : vx_fail(err, VX_ENOMEM, "out of memory");
	}
	if (strcmp(name, "grad") == 0) {
		snprintf(m->label, sizeof m->label, "\\frac{\\partial L_{%zu}}{\\partial W}", (size_t)r->t);
		return mat_from(m, r->grad_W, size, r->grad_log10_scale) == VX_OK
		       ? VX_OK : vx_fail(err, VX_ENOMEM, "out of memory");
	}
	if (strcmp(name, "dact") == 0)
		A = gsl_matrix_alloc(d, 1);
	else
		A = gsl_matrix_alloc(d, d);
	if (!A)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	int sat = strcmp(name, "D") == 0 || strcmp(name, "dact") == 0 || strcmp(name, "J") == 0
	          ? saturated(md, r, j, A, name[0] == 'J', &scale) : 0;
	if (sat) {
		if (sat < 0)
			st = vx_fail(err, VX_ENOMEM, "out of memory");
		else if (name[0] == 'J')
			snprintf(m->label, sizeof m->label, "J_{%zu}", j);
		else if (name[0] == 'D')
			snprintf(m->label, sizeof m->label, "\\frac{\\partial s_{%zu}}{\\partial a_{%zu}}", j, j);
		else
			snprintf(m->label, sizeof m->label, "\\sigma'(a_{%zu})", j);
	} else if (strcmp(name, "D") == 0 || strcmp(name, "dact") == 0) {
		gsl_matrix_set_zero(A);
		for (size_t i = 0; i < d; i++) {
			double g = vx_act_df(md->act, gsl_matrix_get(r->a, j - 1, i));
			if (name[0] == 'D')
				gsl_matrix_set(A, i, i, g);
			else
				gsl_matrix_set(A, i, 0, g);
		}
		if (name[0] == 'D')
			snprintf(m->label, sizeof m->label, "\\frac{\\partial s_{%zu}}{\\partial a_{%zu}}", j, j);
		else
			snprintf(m->label, sizeof m->label, "\\sigma'(a_{%zu})", j);
	} else if (strcmp(name, "J") == 0) {
		st = vx_step_jacobian(md, r, j, A);
		snprintf(m->label, sizeof m->label, "J_{%zu}", j);
	} else if (strcmp(name, "fd_dads") == 0) {
		st = vx_fd_dads(md, r, j, A);
		snprintf(m->label, sizeof m->label,
		         "\\left(\\frac{\\partial a_{%zu}}{\\partial s_{%zu}}\\right)_{\\mathrm{FD}}", j, j - 1);
	} else if (strcmp(name, "fd_dsda") == 0) {
		st = vx_fd_dsda(md, r, j, A);
		snprintf(m->label, sizeof m->label,
		         "\\left(\\frac{\\partial s_{%zu}}{\\partial a_{%zu}}\\right)_{\\mathrm{FD}}", j, j);
	} else if (strcmp(name, "dsds") == 0) {
		st = dsds_columns(md, r, k, size, A, &scale);
		snprintf(m->label, sizeof m->label, "\\frac{\\partial s_{%zu}}{\\partial s_{%zu}}", (size_t)r->t, k);
	} else {
		gsl_matrix_free(A);
		return vx_fail(err, VX_EINTERNAL, "internal: unknown matrix %s", name);
	}
	if (st == VX_OK && mat_from(m, A, size, scale) != VX_OK)
		st = vx_fail(err, VX_ENOMEM, "out of memory");
	else if (st != VX_OK)
		vx_fail(err, st, "computing the matrix %s: %s", name, vx_strerror(st));
	gsl_matrix_free(A);
	return st;
}

vx_status vxr_mats_build(vxr_env *env, const vxr_obj *o, vxr_mat *m, size_t *n, vx_error *err)
{
	const vxr_ctx *c = vxr_env_ctx(env);
	*n = 0;
	for (int i = 0; i < 2 && o->mat[i][0]; i++) {
		vx_status st = one_mat(c, o->mat[i], o->j, o->k ? o->k : c->k, o->size ? o->size : 6, &m[i], err);
		if (st != VX_OK) {
			for (int q = 0; q <= i; q++)
				vxr_mat_clear(&m[q]);
			return st;
		}
		(*n)++;
	}
	return VX_OK;
}

char *vxr_mat_tex(const vxr_mat *m)
{
	vxr_buf b = { 0 };
	vxr_buf_printf(&b, "%s = ", m->label);
	if (m->log10_scale != 0)
		vxr_buf_printf(&b, "10^{%.0f} \\times ", m->log10_scale);
	vxr_buf_puts(&b, "\\begin{pmatrix}");
	for (size_t i = 0; i < m->nr; i++) {
		if (i)
			vxr_buf_puts(&b, " \\\\ ");
		for (size_t k = 0; k < m->nc; k++) {
			if (k)
				vxr_buf_puts(&b, " & ");
			int er = m->ri[i] == SIZE_MAX, ec = m->ci[k] == SIZE_MAX;
			if (er && ec)
				vxr_buf_puts(&b, "\\ddots");
			else if (er)
				vxr_buf_puts(&b, "\\vdots");
			else if (ec)
				vxr_buf_puts(&b, "\\cdots");
			else {
				char num[64];
				vxf_num(num, sizeof num, m->v[i * m->nc + k], 3, VXF_TEX);
				vxr_buf_puts(&b, num);
			}
		}
	}
	vxr_buf_puts(&b, "\\end{pmatrix}");
	return vxr_buf_take(&b);
}


vx_status vxr_mats_latex(const vxr_obj *o, const vxr_mat *m, size_t n, const char *open, const char *close,
                         char **out, vx_error *err)
{
	*out = NULL;
	vxr_buf tex = { 0 };
	for (size_t i = 0; i < n; i++) {
		char *s = vxr_mat_tex(&m[i]);
		if (i)
			vxr_buf_puts(&tex, " \\qquad ");
		vxr_buf_puts(&tex, s ? s : "");
		free(s);
	}
	char *src = vxr_buf_take(&tex);
	vx_status st = src ? vxr_latex_wrapped(o, src, 1, open, close, out, err) : vx_fail(err, VX_ENOMEM, "out of memory");
	free(src);
	return st;
}
