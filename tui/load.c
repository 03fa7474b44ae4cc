/*
 * load.c — from the model options to an analysed network (see load.h).
 */
#include "tui/load.h"

#include <string.h>

#include "report/modeljson.h"
#include "tui/cli.h"

vx_status vxu_load_model(const vx_params *p, const vxu_load_opts *o, vxu_loaded *out, vx_error *err)
{
	vx_status st;
	memset(out, 0, sizeof *out);
	/* Without --model every size is known now: t > steps and sizes the
	 * machine cannot hold are refused before anything is built (a weights
	 * file's d once the file is read, below). */
	if (!p->model[0] && (st = vx_params_check(p, err)) != VX_OK)
		return st;
	if (!p->model[0] && !p->weights[0] &&
	    (st = vxu_memory_check(o->bytes(p->hidden, p->inputs, p->steps, vx_params_loss_step(p)), p->hidden,
	                           p->steps, err)) != VX_OK)
		return st;
	if (o->before_load && (st = o->before_load(o->arg, err)) != VX_OK)
		return st;
	vx_model *m = NULL;
	vx_params eff;
	if ((st = vxr_model_load(p, &m, &eff, err)) != VX_OK)
		return st;
	size_t t = vx_params_loss_step(&eff);
	if ((st = vx_params_check(&eff, err)) != VX_OK ||
	    (st = vxu_memory_check(o->bytes(m->d, m->n, m->T, t), m->d, m->T, err)) != VX_OK) {
		vx_model_free(m);
		return st;
	}
	out->eff = eff;
	out->model = m;
	out->t = t;
	return VX_OK;
}

vx_exec vxu_exec_use(size_t d, const vx_exec *machine)
{
	vx_exec m = machine ? *machine : vx_exec_machine();
	vx_exec ex = vx_exec_for_model(d, &m);
	vx_exec_apply(&ex);
	return ex;
}

vx_status vxu_load(const vx_params *p, const vxu_load_opts *o, vxu_loaded *out, vx_error *err)
{
	vx_status st = vxu_load_model(p, o, out, err);
	if (st != VX_OK)
		return st;
	/* the engine's thread policy for this d, applied once: the analysis and
	 * what the command computes after it (check's finite differences, the
	 * handout's other initialisations) run under it */
	vx_exec ex = vxu_exec_use(out->model->d, o->machine);
	if ((st = vx_analyse(out->model, out->t, &ex, &out->result, err)) != VX_OK)
		vxu_loaded_clear(out);
	return st;
}

void vxu_loaded_clear(vxu_loaded *l)
{
	if (!l)
		return;
	vx_result_free(l->result);
	vx_model_free(l->model);
	memset(l, 0, sizeof *l);
}
