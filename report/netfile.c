/*
 * netfile.c — a trained network's file on the command line (see netfile.h).
 */
#include "report/netfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/init.h"
#include "report/load/tensors.h"

/* A reader's fault is about the option that named its file; a message that
 * names an option already (vxr_find_select's "--module x: ...") is not. */
static vx_status about(vx_error *err, vx_param param, vx_status st)
{
	if (err && strncmp(err->msg, "--", 2) != 0)
		err->param = param;
	return st;
}

vx_status vxr_inputs_load(const vx_params *p, vx_inputs **out, vx_error *err)
{
	vx_inputs *in = NULL;
	*out = NULL;
	/* a checkpoint given for the inputs, known by its content (whatever its
	 * name: text named .bin is still read), rather than read as CSV text
	 * that is not numbers */
	vxr_kind kind;
	vx_status st = vxr_kind_of_content(p->inputs_file, &kind, err);
	if (st != VX_OK)
		return about(err, VX_PARAM_INPUTS_FILE, st);
	if (kind != VXR_KIND_CSV && kind != VXR_KIND_NPY)
		return about(err, VX_PARAM_INPUTS_FILE,
		             vx_fail(err, VX_EFORMAT, "%s: %s, not inputs: they are read from .npy (T x n, or B x T x n) "
		                     "or .csv (T x n); numpy.save('x.npy', x.numpy()) writes a tensor x so",
		                     p->inputs_file, kind == VXR_KIND_SAFETENSORS ? "a safetensors file"
		                     : kind == VXR_KIND_TORCH_LEGACY ? "a PyTorch checkpoint"
		                     : kind == VXR_KIND_PICKLE ? "a pickle"
		                     : "a zip archive (as torch.save and numpy.savez write)"));
	st = vx_inputs_read(p->inputs_file, &in, err);
	if (st == VX_OK && p->seq_first && !in->batch) {
		/* one sequence has no batch axis to order: said, not ignored */
		char fq[4 * 60 + 4];
		st = vx_fail(err, VX_EUSAGE, "--layout tbn: %s holds one sequence (T x n); --layout orders a batch's axes",
		             vx_quote(p->inputs_file, 60, 0, fq, sizeof fq));
		vx_inputs_free(in);
	} else if (st == VX_OK && p->seq_first && (st = vx_inputs_seq_first(in, p->inputs_file, err)) != VX_OK) {
		vx_inputs_free(in);
	}
	if (st != VX_OK)
		return about(err, VX_PARAM_INPUTS_FILE, st);
	char q[4 * 60 + 4];
	vx_quote(p->inputs_file, 60, 0, q, sizeof q);
	if ((p->set & VX_SET_STEPS) && p->steps != in->T)
		st = vx_fail(err, VX_EUSAGE, "--steps %zu: %s holds sequences of T = %zu steps (leave --steps out)",
		             p->steps, q, in->T);
	else if ((p->set & VX_SET_T) && p->t > in->T)
		st = vx_fail(err, VX_EUSAGE, "--t %zu: %s holds sequences of T = %zu steps, the last loss step", p->t, q,
		             in->T);
	else if ((p->set & VX_SET_INPUTS) && p->inputs != in->n)
		st = vx_fail(err, VX_EUSAGE, "--inputs %zu: %s holds n = %zu inputs per step", p->inputs, q, in->n);
	if (st != VX_OK) {
		vx_inputs_free(in);
		return st;
	}
	*out = in;
	return VX_OK;
}

void vxr_netfile_close(vxr_netfile *nf)
{
	if (!nf)
		return;
	vxr_modules_free(nf->mods, nf->nmods);
	vxr_tensors_free(nf->tensors);
	memset(nf, 0, sizeof *nf);
}

/* The file's tensors and modules; nothing held on an error. */
static vx_status open_modules(const char *path, vxr_netfile *nf, vx_error *err)
{
	vx_status st;
	memset(nf, 0, sizeof *nf);
	if ((st = vxr_tensors_open(path, &nf->tensors, err)) != VX_OK ||
	    (st = vxr_find_modules(nf->tensors, &nf->mods, &nf->nmods, err)) != VX_OK) {
		vxr_netfile_close(nf);
		return about(err, VX_PARAM_WEIGHTS, st);
	}
	return VX_OK;
}


/* s on lines of at most 80 columns, broken between words, the lines after
 * the first indented by two (a module's reason for not being analysed can
 * be 200 columns long) */
static void put_wrapped(FILE *out, const char *s)
{
	size_t col = 0;
	while (*s) {
		size_t len = strcspn(s, " "), w = 0;
		for (size_t i = 0; i < len; i++)
			w += ((unsigned char)s[i] & 0xC0) != 0x80;
		if (col > 0 && col + 1 + w > 80) {
			fputs("\n  ", out);
			col = 2;
		} else if (col > 0) {
			fputc(' ', out);
			col++;
		}
		fwrite(s, 1, len, out);
		col += w;
		s += len;
		s += strspn(s, " ");
	}
	fputc('\n', out);
}
/* The module against the options that repeat what the file says. */
static vx_status agree(const vx_params *p, const vxr_net_opts *o, const vx_inputs *in, const vxr_module *m,
                       const char *file, vx_error *err)
{
	char held[64], name[4 * 60 + 4];
	vxr_held_by(held, sizeof held, m->cell, m->layers);
	vx_quote(m->name[0] ? m->name : "(top level)", 60, 0, name, sizeof name);
	if (p->reverse && m->directions < 2)
		return vx_fail(err, VX_EUSAGE, "--direction reverse: module %s of %s is not bidirectional", name, file);
	if ((o->set & VXR_SET_CELL) && o->spec.cell != m->cell)
		return vx_fail(err, VX_EUSAGE, "--cell %s: module %s of %s holds %s", vx_cell_name(o->spec.cell), name,
		               file, held);
	if ((o->set & VXR_SET_LAYERS) && o->spec.layers != m->layers)
		return vx_fail(err, VX_EUSAGE, "--layers %zu: module %s of %s holds %s", o->spec.layers, name, file, held);
	if ((p->set & VX_SET_HIDDEN) && p->hidden != m->d)
		return vx_fail(err, VX_EUSAGE, "--hidden %zu: module %s of %s has d = %zu hidden units", p->hidden, name,
		               file, m->d);
	if ((p->set & VX_SET_INPUTS) && p->inputs != m->n)
		return vx_fail(err, VX_EUSAGE, "--inputs %zu: module %s of %s reads n = %zu inputs per step", p->inputs,
		               name, file, m->n);
	if ((p->set & VX_SET_ACT) && m->cell != VX_CELL_RNN)
		return vx_fail(err, VX_EUSAGE, "--act: module %s of %s holds %s cells, whose gates are fixed (logistic "
		               "and tanh)", name, file, vx_cell_name(m->cell));
	if (in && in->n != m->n) {
		char x[4 * 60 + 4];
		vx_quote(p->inputs_file, 60, 0, x, sizeof x);
		/* T×n written n×T (x.T), or a batch's axes the other way round */
		const char *hint = !in->batch && in->T == m->n ? ": transposed? save x with shape (T, n)"
		                   : in->batch && in->T == m->n ? ": axes in another order? x is (B, T, n), or (T, B, n) "
		                                                  "with --layout tbn"
		                                                : "";
		return vx_fail_at(err, VX_PARAM_INPUTS_FILE, VX_ESHAPE, "%s holds %zu inputs per step; module %s of %s "
		                  "reads n = %zu%s", x, in->n, name, file, m->n, hint);
	}
	return VX_OK;
}

vx_status vxr_netfile_open(const vx_params *p, const vxr_net_opts *o, const vx_inputs *in, vxr_netfile *nf,
                           vx_error *err)
{
	vx_status st;
	size_t pick = 0;
	char file[4 * 60 + 4];
	if ((st = open_modules(p->weights, nf, err)) != VX_OK)
		return st;
	vx_quote(p->weights, 60, 0, file, sizeof file);
	if ((st = vxr_find_select(nf->tensors, nf->mods, nf->nmods, p->module[0] ? p->module : NULL, &pick, err)) !=
	    VX_OK) {
		vxr_netfile_close(nf);
		return about(err, VX_PARAM_WEIGHTS, st);
	}
	nf->m = &nf->mods[pick];
	if ((st = agree(p, o, in, nf->m, file, err)) != VX_OK) {
		vxr_netfile_close(nf);
		return st;
	}
	nf->T = in ? in->T : p->steps;
	return VX_OK;
}

vx_status vxr_netfile_net(vxr_netfile *nf, const vx_params *p, const vx_inputs *in, vx_net **out, vx_error *err)
{
	vx_net *net = NULL;
	vx_status st = vxr_find_net(nf->tensors, nf->m, p->reverse, p->act, nf->T, &net, err);
	*out = NULL;
	if (st != VX_OK)
		return about(err, VX_PARAM_WEIGHTS, st);
	if (in) {
		st = vx_inputs_sequence(in, 0, p->reverse, net->x, err);
	} else {
		/* x as vx_model_build draws it: always drawn, then scaled */
		gsl_rng *g = vx_rng_alloc(p->seed);
		if (!g) {
			st = vx_fail(err, VX_ENOMEM, "out of memory");
		} else {
			vx_fill_gaussian(net->x, g, 1.0);
			if (p->input_scale == 0)
				gsl_matrix_set_zero(net->x);
			else
				gsl_matrix_scale(net->x, p->input_scale);
			gsl_rng_free(g);
		}
	}
	if (st == VX_OK && (p->set & VX_SET_NORM))
		st = vx_net_set_norm(net, p->norm, err);
	if (st != VX_OK) {
		vx_net_free(net);
		return st;
	}
	*out = net;
	return VX_OK;
}

void vxr_netfile_source(const vxr_netfile *nf, const vx_params *p, vxr_source *src)
{
	snprintf(src->weights, sizeof src->weights, "%s", p->weights);
	snprintf(src->format, sizeof src->format, "%s", nf->tensors->format);
	snprintf(src->module, sizeof src->module, "%s", nf->m->name);
	snprintf(src->dtype, sizeof src->dtype, "%s", nf->m->dtype);
	src->directions = nf->m->directions;
	src->reverse = p->reverse;
	src->zero_target = 1;
}

vx_status vxr_netfile_list(FILE *out, const vx_params *p, int utf8, vx_error *err)
{
	vxr_netfile nf;
	vx_status st = open_modules(p->weights, &nf, err);
	if (st != VX_OK)
		return st;
	if (nf.nmods == 0) {
		size_t pick;
		st = about(err, VX_PARAM_WEIGHTS, vxr_find_select(nf.tensors, nf.mods, 0, NULL, &pick, err));
		vxr_netfile_close(&nf);
		return st;
	}
	for (size_t i = 0; i < nf.nmods; i++) {
		char line[600], q[4 * sizeof line + 4];
		vxr_module_summary(&nf.mods[i], line, sizeof line);
		put_wrapped(out, vx_quote(line, SIZE_MAX, !utf8, q, sizeof q));
	}
	vxr_netfile_close(&nf);
	if (fflush(out) != 0 || ferror(out))
		return vx_fail(err, VX_EIO, "cannot write the output: %s", strerror(errno));
	return VX_OK;
}
