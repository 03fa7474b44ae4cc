/*
 * load.c — from the model options to an analysed network (see load.h).
 */
#include "tui/load.h"

#include <string.h>

#include "tui/cli.h"

vx_status vxu_load_model(const vx_params *p, const vxu_load_opts *o, vxu_loaded *out, vx_error *err)
{
	vx_status st;
	vxr_net_opts defaults;
	vxr_net_opts_default(&defaults);
	const vxr_net_opts *no = o->net_bytes && o->net ? o->net : &defaults;
	const vx_net_spec *s = &no->spec;
	memset(out, 0, sizeof *out);
	/* Without --model every size is known now: t > steps and sizes the
	 * machine cannot hold are refused before anything is built (a weights
	 * file's d once the file is read, below). */
	if (!p->model[0] && ((st = vx_params_check(p, err)) != VX_OK || (st = vxr_net_opts_check(p, no, err)) != VX_OK))
		return st;
	if (!p->model[0] && !p->weights[0]) {
		size_t t = vx_params_loss_step(p);
		size_t need = vxr_net_opts_vanilla(no) ? o->bytes(p->hidden, p->inputs, p->steps, t)
		                                       : o->net_bytes(s->cell, s->layers, p->hidden, p->inputs, p->steps, t);
		if ((st = vxu_memory_check(need, s, p->hidden, p->steps, err)) != VX_OK)
			return st;
	}
	if (o->before_load && (st = o->before_load(o->arg, err)) != VX_OK)
		return st;
	vx_model *m = NULL;
	vx_net *net = NULL;
	vx_params eff;
	vx_net_spec spec = *s;
	if ((st = o->net_bytes ? vxr_net_load(p, no, &m, &net, &eff, &spec, err) : vxr_model_load(p, &m, &eff, err)) !=
	    VX_OK)
		return st;
	size_t t = vx_params_loss_step(&eff);
	if ((st = vx_params_check(&eff, err)) != VX_OK ||
	    (st = m ? vxu_memory_check(o->bytes(m->d, m->n, m->T, t), NULL, m->d, m->T, err)
	            : vxu_memory_check(o->net_bytes(net->cell, net->L, net->d, net->n, net->T, t), &spec, net->d,
	                               net->T, err)) != VX_OK) {
		vx_model_free(m);
		vx_net_free(net);
		return st;
	}
	out->eff = eff;
	out->spec = spec;
	out->model = m;
	out->net = net;
	out->t = t;
	return VX_OK;
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

vx_status vxu_load(const vx_params *p, const vxu_load_opts *o, vxu_loaded *out, vx_error *err)
{
	vx_status st = vxu_load_model(p, o, out, err);
	if (st != VX_OK)
		return st;
	/* the engine's thread policy for this size, applied once: the analysis
	 * and what the command computes after it (check's finite differences,
	 * the handout's other initialisations) run under it */
	if (out->model) {
		vx_exec ex = exec_use(0, out->model->d, o->machine);
		st = vx_analyse(out->model, out->t, &ex, &out->result, err);
	} else {
		vx_exec ex = exec_use(1, out->net->D, o->machine);
		st = vx_net_analyse(out->net, out->t, &ex, &out->net_result, err);
	}
	if (st != VX_OK)
		vxu_loaded_clear(out);
	return st;
}

void vxu_loaded_clear(vxu_loaded *l)
{
	if (!l)
		return;
	vx_result_free(l->result);
	vx_model_free(l->model);
	vx_net_result_free(l->net_result);
	vx_net_free(l->net);
	memset(l, 0, sizeof *l);
}
