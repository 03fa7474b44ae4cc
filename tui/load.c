/*
 * load.c — from the model options to an analysed network (see load.h).
 */
#include "tui/load.h"

#include <string.h>

#include "tui/cli.h"

vx_status vxu_load(const vx_params *p, const vxu_load_opts *o, vxu_loaded *out, vx_error *err)
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
	vx_result *r = NULL;
	vx_net_result *nr = NULL;
	if ((st = vx_params_check(&eff, err)) != VX_OK ||
	    (st = m ? vxu_memory_check(o->bytes(m->d, m->n, m->T, t), NULL, m->d, m->T, err)
	            : vxu_memory_check(o->net_bytes(net->cell, net->L, net->d, net->n, net->T, t), &spec, net->d,
	                               net->T, err)) != VX_OK)
		goto fail;
	/* the engine's thread policy for this size, applied once: the analysis
	 * and what the command computes after it (check's finite differences,
	 * the handout's other initialisations) run under it */
	vx_exec machine = o->machine ? *o->machine : vx_exec_machine();
	vx_exec ex = m ? vx_exec_for_model(m->d, &machine) : vx_exec_for_net(net->D, &machine);
	vx_exec_apply(&ex);
	if ((st = m ? vx_analyse(m, t, &ex, &r, err) : vx_net_analyse(net, t, &ex, &nr, err)) != VX_OK)
		goto fail;
	out->eff = eff;
	out->spec = spec;
	out->model = m;
	out->result = r;
	out->net = net;
	out->net_result = nr;
	out->exec = ex;
	out->t = t;
	return VX_OK;
fail:
	vx_model_free(m);
	vx_net_free(net);
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
