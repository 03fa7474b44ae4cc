/*
 * load.c — from the model options to an analysed network (see load.h).
 */
#include "tui/load.h"

#include <string.h>

#include "report/modeljson.h"
#include "tui/cli.h"

vx_status vxu_load(const vx_params *p, const vxu_load_opts *o, vxu_loaded *out, vx_error *err)
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
	vx_result *r = NULL;
	if ((st = vx_params_check(&eff, err)) != VX_OK ||
	    (st = vxu_memory_check(o->bytes(m->d, m->n, m->T, t), m->d, m->T, err)) != VX_OK) {
		vx_model_free(m);
		return st;
	}
	/* the engine's thread policy for this d, applied once: the analysis and
	 * what the command computes after it (check's finite differences, the
	 * handout's other initialisations) run under it */
	vx_exec machine = o->machine ? *o->machine : vx_exec_machine();
	vx_exec ex = vx_exec_for_model(m->d, &machine);
	vx_exec_apply(&ex);
	if ((st = vx_analyse(m, t, &ex, &r, err)) != VX_OK) {
		vx_model_free(m);
		return st;
	}
	out->eff = eff;
	out->model = m;
	out->result = r;
	out->t = t;
	return VX_OK;
}

void vxu_loaded_clear(vxu_loaded *l)
{
	if (!l)
		return;
	vx_result_free(l->result);
	vx_model_free(l->model);
	memset(l, 0, sizeof *l);
}
