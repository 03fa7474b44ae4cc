/*
 * find.c — recurrent modules from tensor names and shapes (see find.h).
 */
#include "report/load/find.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/load/readers.h"

static const char *const param_names[VXR_P_COUNT] = { "weight_ih_l", "weight_hh_l", "bias_ih_l", "bias_hh_l",
	                                                  "weight_hr_l" };

/* One tensor named like a recurrent parameter. */
typedef struct {
	size_t tensor;
	const char *name; /* the tensor's */
	size_t plen;   /* bytes of its prefix, the final '.' included */
	int kind;      /* VXR_P_* */
	size_t layer;
	int rev;
} cand;

/* Parses PREFIX.KIND{layer}[_reverse]; 1 when the name is one. */
static int parse_param(const char *name, cand *c)
{
	const char *dot = strrchr(name, '.'), *p = dot ? dot + 1 : name;
	for (int k = 0; k < VXR_P_COUNT; k++) {
		size_t kl = strlen(param_names[k]);
		if (strncmp(p, param_names[k], kl) != 0)
			continue;
		const char *q = p + kl;
		/* PyTorch's suffixes: l0, l1, …, l10 — no sign, no leading zero */
		if (*q < '0' || *q > '9' || (q[0] == '0' && q[1] >= '0' && q[1] <= '9'))
			return 0;
		size_t layer = 0;
		for (; *q >= '0' && *q <= '9'; q++)
			layer = layer < 100000 ? layer * 10 + (size_t)(*q - '0') : layer;
		int rev = strcmp(q, "_reverse") == 0;
		if (*q && !rev)
			return 0;
		c->plen = (size_t)(p - name);
		c->kind = k;
		c->layer = layer;
		c->rev = rev;
		return 1;
	}
	return 0;
}

static int prefix_cmp(const cand *x, const cand *y)
{
	int c = memcmp(x->name, y->name, x->plen < y->plen ? x->plen : y->plen);
	return c ? c : (x->plen > y->plen) - (x->plen < y->plen);
}

/* Candidates grouped by prefix, in file order within a group. */
static int by_prefix(const void *a, const void *b)
{
	const cand *x = a, *y = b;
	int c = prefix_cmp(x, y);
	return c ? c : (x->tensor > y->tensor) - (x->tensor < y->tensor);
}

/* A group of candidates: one module. */
typedef struct {
	size_t start, n;
	size_t first; /* its first tensor in the file */
} group;

static int by_first(const void *a, const void *b)
{
	const group *x = a, *y = b;
	return (x->first > y->first) - (x->first < y->first);
}

static void problem(vxr_module *m, vx_status st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void problem(vxr_module *m, vx_status st, const char *fmt, ...)
{
	if (m->problem[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->problem, sizeof m->problem, fmt, ap);
	va_end(ap);
	m->problem_status = st;
}

static size_t *slot(const vxr_module *m, int dir, size_t layer, int kind)
{
	return &m->idx[((size_t)dir * m->layers + layer) * VXR_P_COUNT + (size_t)kind];
}

/* The tensor's shape against [r] (c == 0) or [r, c]: 1 when it fits, else
 * records the problem. */
static int fits(const vxr_tensors *f, vxr_module *m, size_t ti, uint64_t r, uint64_t c)
{
	const vxr_tensor *t = &f->t[ti];
	size_t nd = c ? 2 : 1;
	if (t->ndim == nd && t->shape[0] == r && (nd == 1 || t->shape[1] == c))
		return 1;
	char got[128], want[64];
	vxr_tensor_shape_text(t, got, sizeof got);
	if (c)
		snprintf(want, sizeof want, "[%llu, %llu]", (unsigned long long)r, (unsigned long long)c);
	else
		snprintf(want, sizeof want, "[%llu]", (unsigned long long)r);
	problem(m, VX_ESHAPE, "%s is %s, expected %s for this module", t->name, got, want);
	return 0;
}

/* The sizes and cell from weight_hh_l0 (and weight_hr_l0), then every shape. */
static void shapes(const vxr_tensors *f, vxr_module *m)
{
	const vxr_tensor *hh = &f->t[*slot(m, 0, 0, VXR_P_W_HH)], *ih = &f->t[*slot(m, 0, 0, VXR_P_W_IH)];
	size_t hr = *slot(m, 0, 0, VXR_P_W_HR);
	char got[128];
	if (hr != SIZE_MAX) {
		const vxr_tensor *t = &f->t[hr];
		if (t->ndim != 2 || t->shape[0] == 0) {
			vxr_tensor_shape_text(t, got, sizeof got);
			problem(m, VX_ESHAPE, "%s is %s, expected [proj_size, hidden size]", t->name, got);
			return;
		}
		m->proj = (size_t)t->shape[0];
	}
	uint64_t d = hr != SIZE_MAX ? f->t[hr].shape[1] : hh->ndim == 2 ? hh->shape[1] : 0;
	uint64_t g = d && hh->ndim == 2 && hh->shape[0] % d == 0 ? hh->shape[0] / d : 0;
	if (g != 1 && g != 3 && g != 4) {
		vxr_tensor_shape_text(hh, got, sizeof got);
		if (d && hh->ndim == 2)
			problem(m, VX_ESHAPE,
			        "%s is %s: its rows are not 1, 3 or 4 times its columns, the hidden size (RNN, GRU, LSTM)",
			        hh->name, got);
		else
			problem(m, VX_ESHAPE, "%s is %s, expected [1, 3 or 4 times the hidden size, hidden size]",
			        hh->name, got);
		return;
	}
	m->cell = g == 4 ? VX_CELL_LSTM : g == 3 ? VX_CELL_GRU : VX_CELL_RNN;
	if (ih->ndim != 2) {
		vxr_tensor_shape_text(ih, got, sizeof got);
		problem(m, VX_ESHAPE, "%s is %s, expected a matrix", ih->name, got);
		return;
	}
	if (d > VX_MAX_HIDDEN || ih->shape[1] > VX_MAX_INPUTS) {
		problem(m, VX_ETOOBIG, "hidden size %llu and input size %llu (limits %u and %u)",
		        (unsigned long long)d, (unsigned long long)ih->shape[1], VX_MAX_HIDDEN, VX_MAX_INPUTS);
		return;
	}
	m->d = (size_t)d;
	m->n = (size_t)ih->shape[1];
	uint64_t gd = g * d, out = m->proj ? m->proj : d; /* what a layer passes on */
	for (int dir = 0; dir < m->directions; dir++)
		for (size_t l = 0; l < m->layers; l++) {
			uint64_t in = l == 0 ? m->n : out * (uint64_t)m->directions;
			if (!fits(f, m, *slot(m, dir, l, VXR_P_W_IH), gd, in) ||
			    !fits(f, m, *slot(m, dir, l, VXR_P_W_HH), gd, out))
				return;
			if (m->bias && (!fits(f, m, *slot(m, dir, l, VXR_P_B_IH), gd, 0) ||
			                !fits(f, m, *slot(m, dir, l, VXR_P_B_HH), gd, 0)))
				return;
			size_t w = *slot(m, dir, l, VXR_P_W_HR);
			if (m->proj && (w == SIZE_MAX || !fits(f, m, w, m->proj, d)))
				return problem(m, VX_ESHAPE, "weight_hr_l%zu missing or of another shape", l);
		}
}

/* Fills module m from its candidates c[0..nc). */
static vx_status build(const vxr_tensors *f, const cand *c, size_t nc, vxr_module *m, vx_error *err)
{
	const char *first = f->t[c[0].tensor].name;
	size_t nl = c[0].plen ? c[0].plen - 1 : 0, maxl = 0;
	m->name = malloc(nl + 1);
	if (!m->name)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	memcpy(m->name, first, nl);
	m->name[nl] = '\0';
	m->directions = 1;
	for (size_t i = 0; i < nc; i++) {
		maxl = c[i].layer > maxl ? c[i].layer : maxl;
		m->directions = c[i].rev ? 2 : m->directions;
	}
	m->layers = maxl + 1;
	snprintf(m->dtype, sizeof m->dtype, "%s", f->t[c[0].tensor].dtype_name);
	for (size_t i = 1; i < nc; i++)
		if (strcmp(f->t[c[i].tensor].dtype_name, m->dtype) != 0)
			snprintf(m->dtype, sizeof m->dtype, "mixed");
	if (maxl >= VX_MAX_LAYERS) {
		problem(m, VX_ETOOBIG, "layer %zu: more than %u layers", maxl, VX_MAX_LAYERS);
		return VX_OK;
	}
	size_t ns = (size_t)m->directions * m->layers * VXR_P_COUNT;
	if (!(m->idx = malloc(ns * sizeof *m->idx)))
		return vx_fail(err, VX_ENOMEM, "out of memory");
	for (size_t i = 0; i < ns; i++)
		m->idx[i] = SIZE_MAX;
	size_t nbias = 0, nhr = 0;
	for (size_t i = 0; i < nc; i++) {
		*slot(m, c[i].rev, c[i].layer, c[i].kind) = c[i].tensor;
		nbias += c[i].kind == VXR_P_B_IH || c[i].kind == VXR_P_B_HH;
		nhr += c[i].kind == VXR_P_W_HR;
	}
	for (int dir = 0; dir < m->directions; dir++)
		for (size_t l = 0; l < m->layers; l++)
			for (int k = VXR_P_W_IH; k <= VXR_P_W_HH; k++)
				if (*slot(m, dir, l, k) == SIZE_MAX) {
					problem(m, VX_EFORMAT, "%.*s%s%zu%s is missing", (int)c[0].plen, first, param_names[k], l,
					        dir ? "_reverse" : "");
					return VX_OK;
				}
	m->bias = nbias > 0 && nbias == 2 * m->layers * (size_t)m->directions;
	if (nbias && !m->bias)
		problem(m, VX_EFORMAT, "only %zu of its %zu biases are in the file", nbias,
		        2 * m->layers * (size_t)m->directions);
	shapes(f, m);
	for (size_t i = 0; i < nc; i++)
		if (f->t[c[i].tensor].dtype == VXR_OTHER)
			problem(m, VX_EFORMAT, "%s has dtype %s (accepted: float64, float32, float16, bfloat16)",
			        f->t[c[i].tensor].name, f->t[c[i].tensor].dtype_name);
	if (nhr)
		problem(m, VX_EFORMAT, "proj_size weights (%.*sweight_hr_l0) are not supported", (int)c[0].plen, first);
	if (m->directions == 2 && m->layers > 1)
		problem(m, VX_EFORMAT, "a %zu-layer bidirectional module: its upper layers read both directions of "
		        "the layer below, so one direction alone is not a network (1-layer ones are analysed)",
		        m->layers);
	return VX_OK;
}

void vxr_modules_free(vxr_module *mods, size_t n)
{
	for (size_t i = 0; mods && i < n; i++) {
		free(mods[i].name);
		free(mods[i].idx);
	}
	free(mods);
}

vx_status vxr_find_modules(const vxr_tensors *f, vxr_module **mods, size_t *n, vx_error *err)
{
	*mods = NULL;
	*n = 0;
	cand *c = malloc((f->n + 1) * sizeof *c);
	group *g = malloc((f->n + 1) * sizeof *g);
	if (!c || !g) {
		free(c);
		free(g);
		return vx_fail(err, VX_ENOMEM, "out of memory");
	}
	size_t nc = 0, ng = 0;
	for (size_t i = 0; i < f->n; i++)
		if (parse_param(f->t[i].name, &c[nc])) {
			c[nc].tensor = i;
			c[nc].name = f->t[i].name;
			nc++;
		}
	qsort(c, nc, sizeof *c, by_prefix);
	for (size_t i = 0; i < nc; i++) {
		if (i == 0 || prefix_cmp(&c[i - 1], &c[i]) != 0)
			g[ng++] = (group){ i, 0, c[i].tensor }; /* a group is sorted by tensor */
		g[ng - 1].n++;
	}
	qsort(g, ng, sizeof *g, by_first);
	vxr_module *m = calloc(ng + 1, sizeof *m);
	vx_status st = m ? VX_OK : vx_fail(err, VX_ENOMEM, "out of memory");
	size_t k = 0;
	for (; k < ng && st == VX_OK; k++)
		st = build(f, c + g[k].start, g[k].n, &m[k], err);
	free(c);
	free(g);
	if (st != VX_OK) {
		vxr_modules_free(m, k);
		return st;
	}
	*mods = m;
	*n = ng;
	return VX_OK;
}

/* ------------------------------------------------------------ choosing */

/* "NAME" for messages; the top level has no prefix. */
static const char *label(const vxr_module *m)
{
	return m->name[0] ? m->name : "(top level)";
}

char *vxr_module_summary(const vxr_module *m, char *buf, size_t n)
{
	if (n == 0)
		return buf;
	size_t o = (size_t)snprintf(buf, n, "%s", label(m));
	if (m->d && o < n)
		o += (size_t)snprintf(buf + o, n - o, ": %s, %zu layer%s%s, d = %zu, n = %zu, %s%s", vx_cell_name(m->cell),
		                      m->layers, m->layers == 1 ? "" : "s", m->directions == 2 ? ", bidirectional" : "", m->d,
		                      m->n, m->dtype, m->bias ? "" : ", no biases");
	if (m->problem[0] && o < n)
		snprintf(buf + o, n - o, ": not analysed: %s", m->problem);
	return buf;
}

/* The modules' names, "a (lstm), b (gru)", into buf (n bytes). */
static void names(const vxr_module *mods, size_t n, char *buf, size_t size)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && o + 1 < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%.60s (%s)", i ? ", " : "", label(&mods[i]),
		                      vx_cell_name(mods[i].cell));
}

vx_status vxr_find_select(const vxr_tensors *f, const vxr_module *mods, size_t n, const char *want, size_t *pick,
                          vx_error *err)
{
	const char *file = f->priv->name;
	char list[200];
	if (n == 0) {
		size_t o = 0;
		list[0] = '\0';
		for (size_t i = 0; i < f->n && i < 3 && o + 1 < sizeof list; i++)
			o += (size_t)snprintf(list + o, sizeof list - o, "%s%.50s", i ? ", " : ": ", f->t[i].name);
		return vx_fail(err, VX_EFORMAT, "%s: no recurrent module (no NAME.weight_hh_l0 of nn.RNN, nn.LSTM or "
		               "nn.GRU) among its %zu tensors%s%s", file, f->n, list, f->n > 3 ? ", ..." : "");
	}
	size_t hit = SIZE_MAX, hits = 0;
	if (!want) {
		if (n > 1) {
			names(mods, n, list, sizeof list);
			return vx_fail(err, VX_EUSAGE, "%s: %zu recurrent modules, %s: pick one with --module NAME", file, n,
			               list);
		}
		hit = 0;
	} else {
		/* the name --list and the messages give one without a prefix */
		for (size_t i = 0; i < n && hit == SIZE_MAX; i++)
			if (strcmp(mods[i].name, want) == 0 || strcmp(label(&mods[i]), want) == 0)
				hit = i;
		/* "rnn" for "module.rnn" or "model.encoder.rnn", when only one fits */
		size_t wl = strlen(want);
		for (size_t i = 0; i < n && hit == SIZE_MAX; i++) {
			size_t ml = strlen(mods[i].name);
			if (wl > 0 && ml > wl && mods[i].name[ml - wl - 1] == '.' && strcmp(mods[i].name + ml - wl, want) == 0) {
				hits++;
				*pick = i;
			}
		}
		if (hit == SIZE_MAX && hits == 1)
			hit = *pick;
		if (hit == SIZE_MAX) {
			names(mods, n, list, sizeof list);
			return vx_fail(err, VX_EUSAGE, "--module %.60s: %s in %s; its recurrent modules: %s", want,
			               hits ? "ambiguous" : "no such module", file, list);
		}
	}
	const vxr_module *m = &mods[hit];
	if (m->problem[0])
		return vx_fail(err, m->problem_status, "%s: module %s: %s", file, label(m), m->problem);
	*pick = hit;
	return VX_OK;
}

/* ---------------------------------------------------------- the network */

/* Reads tensor ti into dst (numel doubles) and refuses a non-finite entry. */
static vx_status load(vxr_tensors *f, size_t ti, double *dst, vx_error *err)
{
	const vxr_tensor *t = &f->t[ti];
	vx_status st = vxr_tensors_read(f, ti, dst, err);
	if (st != VX_OK)
		return st;
	for (uint64_t i = 0; i < t->numel; i++)
		if (!isfinite(dst[i])) {
			char at[64];
			if (t->ndim == 2)
				snprintf(at, sizeof at, "[%llu, %llu]", (unsigned long long)(i / t->shape[1]),
				         (unsigned long long)(i % t->shape[1]));
			else
				snprintf(at, sizeof at, "[%llu]", (unsigned long long)i);
			return vx_fail(err, VX_ENONFINITE, "%s: %s%s is %s (weights must be finite)", f->priv->name, t->name,
			               at, isnan(dst[i]) ? "NaN" : dst[i] > 0 ? "+inf" : "-inf");
		}
	return VX_OK;
}

vx_status vxr_find_net(vxr_tensors *f, const vxr_module *m, int reverse, vx_act act, size_t T, vx_net **out,
                       vx_error *err)
{
	*out = NULL;
	const char *file = f->priv->name;
	if (m->problem[0])
		return vx_fail(err, m->problem_status, "%s: module %s: %s", file, label(m), m->problem);
	if (reverse && m->directions < 2)
		return vx_fail(err, VX_EUSAGE, "%s: module %s is not bidirectional: it has no reverse direction", file,
		               label(m));
	if (T == 0 || (unsigned)act >= VX_ACT_COUNT)
		return vx_fail(err, VX_EINTERNAL, "vxr_find_net: bad arguments");
	vx_net *net = vx_net_alloc(m->cell, act, m->layers, m->d, m->n, T);
	if (!net)
		return vx_fail(err, VX_ENOMEM, "%s: out of memory for module %s (%zu layers, d = %zu, n = %zu)", file,
		               label(m), m->layers, m->d, m->n);
	int dir = reverse ? 1 : 0;
	vx_status st = VX_OK;
	for (size_t l = 0; l < m->layers && st == VX_OK; l++) {
		vx_net_layer *ly = &net->layer[l];
		/* vx_net_alloc's matrices are contiguous (tda = columns), as the tensors */
		st = load(f, *slot(m, dir, l, VXR_P_W_IH), ly->w_ih->data, err);
		if (st == VX_OK)
			st = load(f, *slot(m, dir, l, VXR_P_W_HH), ly->w_hh->data, err);
		if (st == VX_OK && m->bias)
			st = load(f, *slot(m, dir, l, VXR_P_B_IH), ly->b_ih->data, err);
		if (st == VX_OK && m->bias)
			st = load(f, *slot(m, dir, l, VXR_P_B_HH), ly->b_hh->data, err);
	}
	if (st != VX_OK) {
		vx_net_free(net);
		return st;
	}
	net->no_bias = !m->bias;
	*out = net;
	return VX_OK;
}
