/*
 * load.c — from the model options to an analysed network (see load.h).
 */
#include "tui/load.h"

#include <string.h>
#include <sys/stat.h>

#include "report/netfile.h"
#include "tui/cli.h"

/* The memory a load of these sizes holds at its peak (one vanilla layer by
 * o->bytes, a network, or B sequences of a batch, by o->net_bytes), against
 * what there is. */
static vx_status room(const vxu_load_opts *o, int vanilla, const vx_net_spec *s, size_t d, size_t n, size_t T,
                      size_t t, size_t B, vx_error *err)
{
	size_t need = vanilla && B <= 1 ? o->bytes(d, n, T, t) : o->net_bytes(s->cell, s->layers, d, n, T, t, B);
	return vxu_memory_check(need, s, d, T, err);
}

/* A command that explains one vanilla layer takes one sequence. */
static vx_status one_sequence(const vx_params *p, const vx_inputs *in, vx_error *err)
{
	char q[4 * 60 + 4];
	if (!in || in->B <= 1)
		return VX_OK;
	return vx_fail(err, VX_EUSAGE, "--inputs-file: %s holds a batch of %zu sequences: handouts and the tutor "
	               "explain one (vanex check summarises a batch)", vx_quote(p->inputs_file, 60, 0, q, sizeof q),
	               in->B);
}

/* A trained network's file (--weights, weights_net): the module chosen and
 * held to the options, the memory checked, its weights read, x set; for a
 * command that explains one vanilla layer, a vanilla module as a vx_model.
 * p holds the inputs' sizes already. */
static vx_status load_netfile(const vx_params *p, const vxu_load_opts *o, const vxr_net_opts *no,
                              const vx_inputs *in, vxu_loaded *out, vx_error *err)
{
	vxr_netfile nf;
	vx_status st = vxr_netfile_open(p, no, in, &nf, err);
	if (st != VX_OK)
		return st;
	const vxr_module *m = nf.m;
	vx_net_spec spec = { m->cell, m->layers, 0 };
	size_t t = vx_params_loss_step(p), B = in ? in->B : 1;
	int vanilla = m->cell == VX_CELL_RNN && m->layers == 1;
	vx_net *net = NULL;
	vx_model *model = NULL;
	if (!o->net_bytes && !vanilla) {
		char held[64], q[4 * 60 + 4];
		vxr_held_by(held, sizeof held, m->cell, m->layers);
		st = vx_fail(err, VX_EUSAGE, "--weights: %s holds %s: handouts and the tutor explain one vanilla layer so "
		             "far (vanex check --weights computes it)", vx_quote(p->weights, 60, 0, q, sizeof q), held);
	}
	if (st == VX_OK && t > nf.T)
		st = vx_fail_at(err, VX_PARAM_T, VX_EUSAGE, "the loss step t must be from 1 to T (%zu), got %zu", nf.T, t);
	if (st == VX_OK)
		st = room(o, !o->net_bytes, &spec, m->d, m->n, nf.T, t, B, err);
	if (st == VX_OK && o->before_load)
		st = o->before_load(o->arg, err);
	if (st == VX_OK)
		st = vxr_netfile_net(&nf, p, in, &net, err);
	if (st == VX_OK && !o->net_bytes) {
		st = vx_net_to_model(net, &model, err);
		vx_net_free(net);
		net = NULL;
	}
	if (st != VX_OK) {
		vxr_netfile_close(&nf);
		return st;
	}
	vxr_netfile_source(&nf, p, &out->src);
	vxr_netfile_close(&nf);
	out->has_src = 1;
	out->model = model;
	out->net = net;
	out->spec = spec;
	out->eff = *p;
	/* the weights and the inputs files': nothing is drawn, no seed used */
	if (in)
		out->eff.unseeded = 1;
	out->eff.act = net ? net->act : model->act;
	out->eff.hidden = net ? net->d : model->d;
	out->eff.inputs = net ? net->n : model->n;
	out->eff.steps = net ? net->T : model->T;
	out->t = t;
	return VX_OK;
}

vx_status vxu_load_model(const vx_params *p, const vxu_load_opts *o, vxu_loaded *out, vx_error *err)
{
	vx_status st;
	vxr_net_opts defaults;
	vxr_net_opts_default(&defaults);
	const vxr_net_opts *no = o->net_bytes && o->net ? o->net : &defaults;
	const vx_net_spec *s = &no->spec;
	vx_inputs *in = NULL;
	vx_params pp = *p;
	memset(out, 0, sizeof *out);
	/* a folder named for --weights: every format it takes, where the
	 * bare W's reader (which a name with no known extension reaches) names
	 * its own two */
	struct stat sb;
	if (p->weights[0] && stat(p->weights, &sb) == 0 && S_ISDIR(sb.st_mode))
		return vx_fail(err, VX_EIO, "--weights: %s: is a directory, expected a model file (.pt, .pth, "
		               ".safetensors, .npz) or one square W (.npy, .csv)", p->weights);
	/* Without --model every size is known now, or once the inputs file is
	 * read: t > steps and sizes the machine cannot hold are refused before
	 * anything is built (a weights file's d once the file is read, below). */
	if (!p->model[0] &&
	    ((st = p->inputs_file[0] ? vx_params_conflicts(p, err) : vx_params_check(p, err)) != VX_OK ||
	     (st = vxr_net_opts_check(p, no, err)) != VX_OK))
		return st;
	if (p->inputs_file[0]) {
		if ((st = vxr_inputs_load(p, &in, err)) != VX_OK)
			return st;
		if (!o->net_bytes && (st = one_sequence(p, in, err)) != VX_OK)
			goto fail;
		pp.steps = in->T;
		pp.inputs = in->n;
		out->has_src = 1;
		snprintf(out->src.inputs, sizeof out->src.inputs, "%s", p->inputs_file);
		out->src.B = in->B;
	}
	if (in && !p->model[0] && (st = vx_params_check(&pp, err)) != VX_OK)
		goto fail;
	if (p->weights[0] && p->weights_net) {
		size_t B = out->src.B;
		if ((st = load_netfile(&pp, o, no, in, out, err)) != VX_OK)
			goto fail;
		snprintf(out->src.inputs, sizeof out->src.inputs, "%s", p->inputs_file);
		out->src.B = B;
		out->inputs = in;
		if ((st = vx_params_check(&out->eff, err)) != VX_OK)
			vxu_loaded_clear(out);
		return st;
	}
	size_t B = in ? in->B : 1;
	if (!p->model[0] && !p->weights[0]) {
		size_t t = vx_params_loss_step(&pp);
		if ((st = room(o, vxr_net_opts_vanilla(no), s, pp.hidden, pp.inputs, pp.steps, t, B, err)) != VX_OK)
			goto fail;
	}
	if (o->before_load && (st = o->before_load(o->arg, err)) != VX_OK)
		goto fail;
	vx_model *m = NULL;
	vx_net *net = NULL;
	vx_params eff;
	vx_net_spec spec = *s;
	if ((st = o->net_bytes ? vxr_net_load(&pp, no, &m, &net, &eff, &spec, err) : vxr_model_load(&pp, &m, &eff, err)) !=
	    VX_OK)
		goto fail;
	size_t t = vx_params_loss_step(&eff);
	if ((st = vx_params_check(&eff, err)) != VX_OK ||
	    (st = m ? room(o, 1, &spec, m->d, m->n, m->T, t, B, err)
	            : room(o, 0, &spec, net->d, net->n, net->T, t, B, err)) != VX_OK ||
	    (in && (st = vx_inputs_sequence(in, 0, 0, m ? m->x : net->x, err)) != VX_OK)) {
		vx_model_free(m);
		vx_net_free(net);
		goto fail;
	}
	out->eff = eff;
	out->spec = spec;
	out->model = m;
	out->net = net;
	out->t = t;
	out->inputs = in;
	return VX_OK;
fail:
	vx_inputs_free(in);
	memset(out, 0, sizeof *out);
	return st;
}

/* The policy for a vanilla layer of hidden size d, or for a network's state
 * of size D (net), applied and returned. */
static vx_exec exec_use(int net, size_t size, const vx_exec *machine)
{
	vx_exec m = machine ? *machine : vx_exec_machine();
	vx_exec ex = net ? vx_exec_for_net(size, &m) : vx_exec_for_model(size, &m);
	vx_exec_apply(&ex);
	return ex;
}

vx_exec vxu_exec_use(size_t d, const vx_exec *machine)
{
	return exec_use(0, d, machine);
}

vx_exec vxu_exec_use_net(size_t D, const vx_exec *machine)
{
	return exec_use(1, D, machine);
}

vx_status vxu_analyse(vxu_loaded *l, const vx_exec *machine, vx_error *err)
{
	vx_status st;
	/* the engine's thread policy for this size, applied once: the analysis
	 * and what the command computes after it (check's finite differences,
	 * the handout's other initialisations) run under it */
	if (l->model) {
		vx_exec ex = exec_use(0, l->model->d, machine);
		st = vx_analyse(l->model, l->t, &ex, &l->result, err);
	} else {
		vx_exec ex = exec_use(1, l->net->D, machine);
		st = vx_net_analyse(l->net, l->t, &ex, &l->net_result, err);
	}
	if (st != VX_OK)
		vxu_loaded_clear(l);
	return st;
}

vx_status vxu_load(const vx_params *p, const vxu_load_opts *o, vxu_loaded *out, vx_error *err)
{
	vx_status st = vxu_load_model(p, o, out, err);
	return st != VX_OK ? st : vxu_analyse(out, o->machine, err);
}

void vxu_loaded_clear(vxu_loaded *l)
{
	if (!l)
		return;
	vx_result_free(l->result);
	vx_model_free(l->model);
	vx_net_result_free(l->net_result);
	vx_net_free(l->net);
	vx_inputs_free(l->inputs);
	memset(l, 0, sizeof *l);
}
