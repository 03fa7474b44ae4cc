/*
 * tpl_net.h — a small network and its template environment for the tests of
 * the template language (test_tpl.c, test_quiz.c): built and analysed by
 * the engine from the options given, so a test fills templates against it
 * and compares with values it computes itself from the model.
 */
#ifndef TEST_TPL_NET_H
#define TEST_TPL_NET_H

#include <criterion/criterion.h>
#include <gsl/gsl_errno.h>
#include "engine/analysis.h"
#include "engine/model.h"
#include "report/doc/env.h"
#include "report/doc/tpl.h"

/* ---- a network to fill against ---------------------------------------- */

typedef struct {
	vx_params p;
	vx_model *m;
	vx_result *r;
	vxr_ctx ctx;
	vxr_env *env;
} net;

/* act, init, norm, steps as given; d = 4, n = 2, seed 3. */
static inline void net_make(net *n, const char *act, const char *init, const char *norm, const char *steps)
{
	vx_error err;
	gsl_set_error_handler_off();
	vx_params_default(&n->p);
	cr_assert_eq(vx_params_set(&n->p, "act", act, &err), VX_OK, "%s", err.msg);
	cr_assert_eq(vx_params_set(&n->p, "init", init, &err), VX_OK, "%s", err.msg);
	cr_assert_eq(vx_params_set(&n->p, "norm", norm, &err), VX_OK, "%s", err.msg);
	cr_assert_eq(vx_params_set(&n->p, "steps", steps, &err), VX_OK, "%s", err.msg);
	cr_assert_eq(vx_params_set(&n->p, "hidden", "4", &err), VX_OK, "%s", err.msg);
	cr_assert_eq(vx_params_set(&n->p, "inputs", "2", &err), VX_OK, "%s", err.msg);
	cr_assert_eq(vx_params_set(&n->p, "seed", "3", &err), VX_OK, "%s", err.msg);
	cr_assert_eq(vx_model_build(&n->p, &n->m, &err), VX_OK, "%s", err.msg);
	cr_assert_eq(vx_analyse(n->m, vx_params_loss_step(&n->p), NULL, &n->r, &err), VX_OK, "%s", err.msg);
	n->ctx = (vxr_ctx){ &n->p, n->m, n->r, n->r->t, 1, "2001-02-03", NULL, 0, 0, VX_CELL_RNN, 0, NULL };
	n->env = vxr_env_alloc(&n->ctx);
	cr_assert_not_null(n->env);
}

static inline void net_free(net *n)
{
	vxr_env_free(n->env);
	vx_result_free(n->r);
	vx_model_free(n->m);
}

/* Fills src (named "t.md") in a style; returns VX status, md in *out (or the
 * error in err). */
#endif
