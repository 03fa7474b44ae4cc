/*
 * test_tutor_state.c — the tutor's state machine and every key binding,
 * without a terminal (the state layer has no curses).
 *
 * Numbers are checked against independent computations: λ against the
 * spectral norm of the model's W by a GSL SVD done here, γ against the
 * closed forms ¼ and 1, sizes against the matrices the model holds.
 */
#include <criterion/criterion.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tui/tutor_state.h"
#include "report/text/fmt.h"
#include "report/text/utf8.h"
#include "tui/tutor_panel.h"

static vxu_state st;

static void setup(void)
{
	gsl_set_error_handler_off();
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	vx_params p;
	vx_params_default(&p);
	vx_error err = { 0 };
	/* the keys' arithmetic counts from λ = 1, the edge, whatever the
	 * default (starts_at_step_one_with_the_defaults checks that one) */
	cr_assert_eq(vx_params_set(&p, "norm", "1", &err), VX_OK);
	vx_status rc = vxu_state_init(&st, &p, 0, 1, 24, 80, &err);
	cr_assert_eq(rc, VX_OK, "vxu_state_init with the defaults and --norm 1: %s", err.msg);
}

static void teardown(void)
{
	vxu_state_free(&st);
}

TestSuite(tutor_state, .init = setup, .fini = teardown);

/* Presses a key and does the work it calls for, as the loop does. */
static vxu_reaction press(int key)
{
	vxu_reaction r = vxu_key(&st, key);
	vxu_update(&st);
	return r;
}

/* ‖W‖₂ of the current model, by a full SVD here (independent of the engine's λ). */
static double norm2_of_W(void)
{
	size_t d = st.model->d;
	gsl_matrix *A = gsl_matrix_alloc(d, d), *V = gsl_matrix_alloc(d, d);
	gsl_vector *S = gsl_vector_alloc(d), *work = gsl_vector_alloc(d);
	gsl_matrix_memcpy(A, st.model->W);
	cr_assert_eq(gsl_linalg_SV_decomp(A, V, S, work), GSL_SUCCESS, "SVD of W");
	double s = gsl_vector_get(S, 0);
	gsl_matrix_free(A);
	gsl_matrix_free(V);
	gsl_vector_free(S);
	gsl_vector_free(work);
	return s;
}

static void expect_rel(double got, double want, double tol, const char *what)
{
	double err = fabs(got - want) / (fabs(want) > 0 ? fabs(want) : 1);
	cr_expect(err <= tol, "%s: got %.17g, expected %.17g (relative error %.3g > %.1g)", what, got, want, err, tol);
}

/* ---------------------------------------------------------------- start */

Test(tutor_state, starts_at_step_one_with_the_defaults)
{
	/* the defaults themselves, not the fixture's --norm 1 */
	vxu_state_free(&st);
	vx_params p;
	vx_params_default(&p);
	vx_error err = { 0 };
	cr_assert_eq(vxu_state_init(&st, &p, 0, 1, 24, 80, &err), VX_OK, "vxu_state_init with the defaults: %s", err.msg);
	cr_expect_eq(st.step, 0, "first step");
	cr_expect_eq(st.nsteps, vxr_step_count(), "every built-in step");
	cr_expect_gt(st.nsteps, 1, "more than one step");
	cr_expect_eq(st.model->d, 8, "default d = 8");
	cr_expect_eq(st.model->T, 50, "default T = 50");
	cr_expect_eq(st.t, 50, "t defaults to T");
	cr_expect_eq(st.k, 1, "k starts at the longest path");
	cr_expect_eq(st.j, st.t, "j starts at t");
	cr_expect_not_null(st.doc, "the first step is laid out: %s", st.doc_error);
	cr_expect_gt(st.doc->nlines, 0, "the step has text");
	cr_expect_eq(st.status.nlines, 1, "one status line");
	char want[32];
	snprintf(want, sizeof want, "1/%zu", st.nsteps);
	cr_expect_str_eq(st.progress, want, "progress");
	expect_rel(st.result->lambda, 0.8, 1e-12, "default lambda is 0.8");
	expect_rel(norm2_of_W(), 0.8, 1e-12, "||W||_2 of the default model");
	cr_expect_str_eq(st.message, "", "no message at start");
}

Test(tutor_state, start_step_option)
{
	vxu_state s2;
	vx_params p;
	vx_params_default(&p);
	vx_error err = { 0 };
	cr_assert_eq(vxu_state_init(&s2, &p, 3, 1, 24, 80, &err), VX_OK, "--step 3: %s", err.msg);
	cr_expect_eq(s2.step, 2, "--step 3 opens the third step (0-based 2)");
	vxu_state_free(&s2);
	vx_status rc = vxu_state_init(&s2, &p, vxr_step_count() + 1, 1, 24, 80, &err);
	cr_expect_eq(rc, VX_EUSAGE, "--step beyond the last step is a usage error");
	cr_expect(strstr(err.msg, "--step") != NULL, "the error names --step: '%s'", err.msg);
}

Test(tutor_state, bad_model_file_fails_before_the_terminal)
{
	vxu_state s2;
	vx_params p;
	vx_params_default(&p);
	vx_error err = { 0 };
	snprintf(p.weights, sizeof p.weights, "/nonexistent/w.npy");
	p.set |= VX_SET_WEIGHTS;
	vx_status rc = vxu_state_init(&s2, &p, 0, 1, 24, 80, &err);
	cr_expect_neq(rc, VX_OK, "a missing weights file is refused");
	cr_expect(strstr(err.msg, "/nonexistent/w.npy") != NULL, "the error names the file: '%s'", err.msg);
}

/* The tutor loads as check and report do (tui/load.h): what check refuses,
 * the tutor refuses at start, with check's message. */
Test(tutor_state, options_check_refuses_are_refused_at_start)
{
	vxu_state s2;
	vx_params p;
	vx_params_default(&p);
	vx_error err = { 0 };
	cr_assert_eq(vx_params_set(&p, "t", "100", &err), VX_OK);
	cr_assert_eq(vx_params_set(&p, "steps", "50", &err), VX_OK);
	vx_status rc = vxu_state_init(&s2, &p, 0, 1, 24, 80, &err);
	if (rc == VX_OK)
		vxu_state_free(&s2);
	cr_expect_eq(rc, VX_EUSAGE, "--t 100 --steps 50: a usage error");
	cr_expect_str_eq(err.msg, "--t: the loss step must be from 1 to --steps (50), got 100");
}

/* ---------------------------------------------------------------- layout */

Test(tutor_state, layout_80x24)
{
	vxu_layout L;
	vxu_layout_for(24, 80, &L);
	cr_expect_eq(L.too_small, 0);
	cr_expect_eq(L.title_row, 0);
	cr_expect_eq(L.status_row, 22);
	cr_expect_eq(L.msg_row, 23);
	cr_expect_eq(L.place, VXU_PANEL_STRIP, "80x24 has a strip panel");
	cr_expect_eq(L.body_top, 1);
	cr_expect_eq(L.body_rows + L.panel_rows, 21, "body and panel fill rows 1..21");
	cr_expect_eq(L.panel_top, L.body_top + L.body_rows, "panel right under the text");
	cr_expect_eq(L.text_w, 77, "text uses the width less a margin at the left and, at the right, a blank column and the scroll marks");
	cr_expect_eq(L.mark_x, 79, "the scroll marks in the last column");
}

Test(tutor_state, layout_uses_more_room)
{
	vxu_layout L;
	vxu_layout_for(60, 200, &L);
	cr_expect_eq(L.place, VXU_PANEL_SIDE, "200 columns: panel beside the text");
	cr_expect_leq(L.text_w, 100, "prose kept to a readable measure");
	cr_expect_leq(L.panel_x + L.panel_w, 200, "panel inside the screen");
	cr_expect_gt(L.panel_x, L.text_x + L.text_w, "panel right of the text");
	cr_expect_eq(L.body_rows, 57);
	vxu_layout_for(48, 80, &L);
	cr_expect_eq(L.place, VXU_PANEL_BOTTOM, "tall and narrow: panel below");
	cr_expect_gt(L.panel_rows, 10, "room for a plot");
	cr_expect_eq(L.panel_top + L.panel_rows, L.status_row, "panel ends at the status line");
}

Test(tutor_state, layout_minimum)
{
	vxu_layout L;
	vxu_layout_for(VXU_MIN_ROWS, VXU_MIN_COLS, &L);
	cr_expect_eq(L.too_small, 0, "the minimum itself is enough");
	cr_expect_gt(L.body_rows, 5, "some text at the minimum");
	int sizes[][2] = { { 12, 40 }, { VXU_MIN_ROWS - 1, 80 }, { 24, VXU_MIN_COLS - 1 }, { 0, 0 }, { -3, -7 }, { 1, 1 } };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		vxu_layout_for(sizes[i][0], sizes[i][1], &L);
		cr_expect_eq(L.too_small, 1, "%dx%d is too small", sizes[i][1], sizes[i][0]);
	}
}

/* ---------------------------------------------------------------- stepping */

Test(tutor_state, next_keys)
{
	int keys[] = { VXU_K_RIGHT, 'l', 'n', ' ' };
	for (size_t i = 0; i < 4; i++) {
		size_t before = st.step;
		if (before + 1 >= st.nsteps)
			break;
		cr_expect_eq(press(keys[i]), VXU_REDRAW, "key %d redraws", keys[i]);
		cr_expect_eq(st.step, before + 1, "key %d goes to the next step", keys[i]);
		cr_expect_eq(st.scroll, 0, "a new step starts at its top");
	}
}

Test(tutor_state, previous_keys)
{
	press('G');
	int keys[] = { VXU_K_LEFT, 'h', 'p' };
	for (size_t i = 0; i < 3; i++) {
		size_t before = st.step;
		if (before == 0)
			break;
		cr_expect_eq(press(keys[i]), VXU_REDRAW);
		cr_expect_eq(st.step, before - 1, "key %d goes to the previous step", keys[i]);
	}
}

Test(tutor_state, first_last_and_clamp)
{
	press('G');
	cr_expect_eq(st.step, st.nsteps - 1, "G: last step");
	char want[32];
	snprintf(want, sizeof want, "%zu/%zu", st.nsteps, st.nsteps);
	cr_expect_str_eq(st.progress, want, "progress at the end");
	press('n');
	cr_expect_eq(st.step, st.nsteps - 1, "next at the last step stays (clamp, no wrap)");
	cr_expect(strstr(st.message, "last step") != NULL, "says it is the last step: '%s'", st.message);
	press('g');
	cr_expect_eq(st.step, 0, "g: first step");
	press('p');
	cr_expect_eq(st.step, 0, "previous at the first step stays");
	cr_expect(strstr(st.message, "first step") != NULL, "says it is the first step: '%s'", st.message);
	press(VXU_K_END);
	cr_expect_eq(st.step, st.nsteps - 1, "End: last step");
	press(VXU_K_HOME);
	cr_expect_eq(st.step, 0, "Home: first step");
}

Test(tutor_state, digits_jump)
{
	press('3');
	cr_expect_eq(st.step, 2, "3 goes to step 3");
	press('n');
	press('2');
	cr_expect_eq(st.step, 1, "a digit after another key starts afresh");
	press('0');
	if (st.nsteps >= 20)
		cr_expect_eq(st.step, 19, "2 then 0 goes to step 20");
	else
		cr_expect_eq(st.step, 1, "2 then 0 (no step 20) stays at step 2");
	if (st.nsteps >= 12) {
		press('g');
		press('1');
		cr_expect_eq(st.step, 0, "1 goes to step 1 at once");
		press('2');
		cr_expect_eq(st.step, 11, "1 then 2 goes to step 12");
		/* the second digit must come within VXU_DIGIT_MS of the first:
		 * read step 1, then 3 is step 3, not 13 */
		press('g');
		st.key_ms = 5000;
		press('1');
		cr_expect_eq(st.step, 0);
		cr_expect(strstr(st.message, "within a second") != NULL, "1 says a second digit may follow: '%s'",
		          st.message);
		st.key_ms = 5000 + VXU_DIGIT_MS + 1;
		press('3');
		cr_expect_eq(st.step, 2, "a digit a second after the first starts afresh: step 3, not 13");
		st.key_ms = 5000 + 2 * VXU_DIGIT_MS;
		press('1');
		st.key_ms += VXU_DIGIT_MS - 1;
		press('2');
		cr_expect_eq(st.step, 11, "within the second, 1 then 2 is step 12");
	}
	press('g');
	cr_expect_eq(vxu_key(&st, '0'), VXU_NONE, "0 alone does nothing");
	cr_expect_eq(st.step, 0);
	if (st.nsteps < 9) {
		press('9');
		cr_expect_eq(st.step, 0, "a step beyond the last is refused");
		cr_expect(strstr(st.message, "steps") != NULL, "and says how many there are: '%s'", st.message);
	}
}

Test(tutor_state, scrolling)
{
	/* A small screen, and the longest step, so there is something to scroll. */
	vxu_resize(&st, VXU_MIN_ROWS, VXU_MIN_COLS);
	size_t best = 0, most = 0;
	for (size_t i = 0; i < st.nsteps; i++) {
		st.step = i;
		st.dirty |= VXU_DIRTY_DOC;
		vxu_update(&st);
		if (st.doc && st.doc->nlines > most) {
			most = st.doc->nlines;
			best = i;
		}
	}
	st.step = best;
	st.dirty |= VXU_DIRTY_DOC;
	vxu_update(&st);
	size_t max = vxu_scroll_max(&st);
	cr_assert_gt(max, 0, "the longest step (%zu lines) is longer than %d rows", most, st.lay.body_rows);
	cr_expect_eq(max, st.doc->nlines - (size_t)st.lay.body_rows, "scroll ends with the last line at the bottom");
	cr_expect_eq(press(VXU_K_UP), VXU_NONE, "up at the top does nothing");
	cr_expect_eq(press(VXU_K_DOWN), VXU_REDRAW);
	cr_expect_eq(st.scroll, 1, "down scrolls a line");
	press(VXU_K_UP);
	cr_expect_eq(st.scroll, 0, "up scrolls back");
	press(VXU_K_PGDN);
	size_t page = (size_t)st.lay.body_rows - 1;
	cr_expect_eq(st.scroll, page < max ? page : max, "PgDn scrolls a page less a line of context");
	for (int i = 0; i < 100; i++)
		press(VXU_K_PGDN);
	cr_expect_eq(st.scroll, max, "PgDn stops at the end");
	cr_expect_eq(press(VXU_K_DOWN), VXU_NONE, "down at the end does nothing");
	press(VXU_K_PGUP);
	cr_expect_eq(st.scroll, max > page ? max - page : 0, "PgUp scrolls a page back");
	for (int i = 0; i < 100; i++)
		press(VXU_K_PGUP);
	cr_expect_eq(st.scroll, 0, "PgUp stops at the top");
	press(VXU_K_PGDN);
	press(st.step > 0 ? 'p' : 'n');
	cr_expect_eq(st.scroll, 0, "a new step starts scrolled to the top");
}

/* ---------------------------------------------------------------- λ */

Test(tutor_state, plus_and_minus_scale_lambda)
{
	cr_expect_eq(vxu_key(&st, '+'), VXU_RECOMPUTE, "+ recomputes");
	vxu_update(&st);
	expect_rel(st.result->lambda, 1.1, 1e-12, "+ multiplies lambda by 1.1");
	expect_rel(norm2_of_W(), 1.1, 1e-12, "the model's W has ||W||_2 = 1.1 (SVD here)");
	cr_expect(strstr(st.message, "1.1") != NULL, "the message shows the new value: '%s'", st.message);
	press('-');
	press('-');
	expect_rel(st.result->lambda, 1.0 / 1.1, 1e-12, "- divides by 1.1");
	expect_rel(norm2_of_W(), 1.0 / 1.1, 1e-12, "||W||_2 follows");
	expect_rel(st.result->gamma * st.result->lambda, 1.0 / 1.1, 1e-12, "gamma*lambda for tanh");
}

Test(tutor_state, lambda_stays_positive)
{
	for (int i = 0; i < 400; i++)
		press('-');
	cr_expect_gt(st.result->lambda, 0.0, "lambda never reaches 0 or below");
	cr_expect_geq(st.result->lambda, 1e-6 / 1.1, "it stops near 1e-6");
	cr_expect(strstr(st.message, "stops") != NULL, "and says so: '%s'", st.message);
	double l = st.result->lambda;
	press('-');
	cr_expect_eq(st.result->lambda, l, "no change at the floor");
}

Test(tutor_state, typeahead_lambda_keys_compound)
{
	vxu_key(&st, '+');
	vxu_key(&st, '+');   /* before any update: both count */
	vxu_update(&st);
	expect_rel(st.result->lambda, 1.21, 1e-12, "two + before one update give x1.21");
}

Test(tutor_state, equals_sets_the_edge)
{
	press('=');
	expect_rel(st.result->lambda, 1.0, 1e-12, "tanh: lambda = 1/gamma = 1");
	press('A');   /* tanh -> sigmoid */
	cr_assert_eq(st.model->act, VX_SIGMOID);
	press('=');
	expect_rel(st.result->lambda, 4.0, 1e-12, "sigmoid: lambda = 1/gamma = 4");
	expect_rel(st.result->gamma * st.result->lambda, 1.0, 1e-12, "gamma*lambda = 1 at the edge");
}

/* The message after a λ key states the regime; on the edge in check's words,
 * never "γλ = 1 > 1" or "γλ = 1 < 1". */
static void expect_edge_message(const char *after)
{
	cr_expect(strstr(st.message, "γλ = 1 to 1e-12: the edge, the bound stays at 1") != NULL,
	          "after %s: the edge: '%s'", after, st.message);
	cr_expect(strstr(st.message, "> 1") == NULL && strstr(st.message, "< 1") == NULL,
	          "after %s: no side of the edge: '%s'", after, st.message);
}

/* The γλ value on the status line and its role. */
static vxt_role status_gl(char *val, size_t n)
{
	cr_assert_eq(st.status.nlines, 1);
	const vxt_line *l = &st.status.lines[0];
	for (size_t i = 0; i + 1 < l->nspans; i++) {
		size_t len = strlen(l->spans[i].text);
		if (len >= 5 && strcmp(l->spans[i].text + len - 5, "γλ=") == 0) {
			snprintf(val, n, "%s", l->spans[i + 1].text);
			return l->spans[i + 1].role;
		}
	}
	cr_assert_fail("no γλ on the status line");
	return VXT_TEXT;
}

Test(tutor_state, the_edge_keys_land_on_the_edge)
{
	/* the default network, tanh with a gaussian W rescaled to 1, has
	 * γλ = 1.0000000000000002: = and + − must still read as the edge */
	char v[48];
	press('=');
	cr_expect_eq(st.params.norm, 1.0, "= asks for exactly 1/gamma");
	expect_edge_message("=");
	cr_expect_eq(status_gl(v, sizeof v), VXT_NUMBER, "the status line's gamma*lambda is not marked bad");
	cr_expect_str_eq(v, "1");
	press('+');
	cr_expect(strstr(st.message, "γλ = 1.1 > 1: the bound grows") != NULL, "+: '%s'", st.message);
	cr_expect_eq(status_gl(v, sizeof v), VXT_BAD, "off the edge: marked");
	press('-');
	cr_expect_eq(st.params.norm, 1.0, "+ then - asks for exactly 1 again, not %.17g", st.params.norm);
	expect_edge_message("+ -");
	press('-');
	press('+');
	cr_expect_eq(st.params.norm, 1.0, "- then + too: %.17g", st.params.norm);
	expect_edge_message("- +");
	for (int i = 0; i < 30; i++)
		press('+');
	for (int i = 0; i < 30; i++)
		press('-');
	cr_expect_eq(st.params.norm, 1.0, "30 + then 30 -: no drift, %.17g", st.params.norm);
	expect_edge_message("30 + and 30 -");
	press('A');   /* tanh -> sigmoid, γ = 1/4 */
	cr_assert_eq(st.model->act, VX_SIGMOID);
	press('=');
	cr_expect_eq(st.params.norm, 4.0, "sigmoid: = asks for exactly 4");
	expect_edge_message("sigmoid =");
	press('+');
	press('-');
	cr_expect_eq(st.params.norm, 4.0, "sigmoid + -: %.17g", st.params.norm);
	expect_edge_message("sigmoid + -");
}

Test(tutor_state, off_the_edge_by_1e_minus_10_is_off_the_edge)
{
	/* γλ = 1 + 1e-10 is above the edge for check and the text; the status
	 * line says so too, with the digits that show it */
	vxu_state s2;
	vx_params p;
	vx_params_default(&p);
	vx_error err = { 0 };
	cr_assert_eq(vx_params_set(&p, "init", "identity", &err), VX_OK, "%s", err.msg);
	cr_assert_eq(vx_params_set(&p, "norm", "1.0000000001", &err), VX_OK, "%s", err.msg);
	cr_assert_eq(vxu_state_init(&s2, &p, 0, 1, 24, 80, &err), VX_OK, "%s", err.msg);
	vxu_state_free(&st);
	st = s2;
	char v[48];
	cr_expect_eq(status_gl(v, sizeof v), VXT_BAD, "above the edge: marked");
	cr_expect_str_eq(v, "1.0000000001", "not printed as 1");
	press('-');
	press('+');
	cr_expect(strstr(st.message, "γλ = 1.0000000001 > 1: the bound grows") != NULL, "'%s'", st.message);
}

/* ---------------------------------------------------------------- activation */

Test(tutor_state, a_cycles_the_activation)
{
	vx_act want[] = { VX_RELU, VX_LINEAR, VX_SIGMOID, VX_TANH };
	double gamma[] = { 1.0, 1.0, 0.25, 1.0 };
	for (size_t i = 0; i < 4; i++) {
		cr_expect_eq(press('a'), VXU_RECOMPUTE);
		cr_expect_eq(st.model->act, want[i], "a, press %zu", i + 1);
		cr_expect_eq(st.result->gamma, gamma[i], "gamma of %s", vx_act_name(want[i]));
		expect_rel(st.result->lambda, 1.0, 1e-12, "lambda kept across activations");
	}
	press('A');
	cr_expect_eq(st.model->act, VX_SIGMOID, "A goes back");
	cr_expect(strstr(st.message, "sigmoid") != NULL, "message names it: '%s'", st.message);
}

/* ---------------------------------------------------------------- t, k, j */

Test(tutor_state, t_and_T_within_1_to_T)
{
	cr_expect_eq(press('T'), VXU_REDRAW, "T at t = T only explains");
	cr_expect_eq(st.t, 50, "t stays at T");
	cr_expect(strstr(st.message, "at most") != NULL, "'%s'", st.message);
	cr_expect_eq(press('t'), VXU_RECOMPUTE);
	cr_expect_eq(st.t, 49, "t decreases");
	cr_expect_eq(st.result->t, 49, "the analysis is for t = 49");
	cr_expect_eq(st.k, 1, "k unchanged");
	press('T');
	cr_expect_eq(st.t, 50, "T increases t");
	for (int i = 0; i < 60; i++)
		press('t');
	cr_expect_eq(st.t, 1, "t stops at 1");
	cr_expect_eq(st.result->t, 1);
	cr_expect_eq(st.k, 1);
}

/* The messages after t and T speak of one path, one factor and one step in
 * the singular: "1 paths", "1 factors" and "T = 1 steps" read wrong. */
Test(tutor_state, t_and_T_messages_count_in_the_singular_for_one)
{
	while (st.t > 2)
		press('t');
	cr_expect_str_eq(st.message, "loss step t = 2: 2 paths, the longest with 1 factor");
	press('t');
	cr_expect_str_eq(st.message, "loss step t = 1: 1 path, the longest with 0 factors");
	while (st.model->T > 1)
		press('s');
	cr_expect_str_eq(st.message, "T = 1 step, loss step t = 1");
}

Test(tutor_state, k_within_1_to_t_and_follows_t_down)
{
	cr_expect_eq(press('k'), VXU_REDRAW, "k at 1 only explains");
	cr_expect_eq(st.k, 1);
	press('K');
	press('K');
	cr_expect_eq(st.k, 3, "K increases k");
	cr_expect_str_eq(st.message, "path from k = 3: 47 factors J₄ … J₅₀",
	                 "the factors written as the panel writes them");
	for (int i = 0; i < 60; i++)
		press('K');
	cr_expect_eq(st.k, st.t, "k stops at t");
	press('k');
	cr_expect_str_eq(st.message, "path from k = 49: 1 factor J₅₀", "one factor, named once");
	press('K');
	press('K');
	cr_expect(strstr(st.message, "at most t") != NULL, "'%s'", st.message);
	press('t');
	cr_expect_eq(st.t, 49);
	cr_expect_eq(st.k, 49, "k follows t down (k <= t)");
	press('k');
	cr_expect_eq(st.k, 48, "k decreases");
}

Test(tutor_state, j_within_1_to_T)
{
	cr_expect_eq(st.j, 50);
	press('J');
	cr_expect_eq(st.j, 50, "j stops at T");
	press('j');
	cr_expect_eq(st.j, 49, "j decreases");
	for (int i = 0; i < 60; i++)
		press('j');
	cr_expect_eq(st.j, 1, "j stops at 1");
	press('J');
	cr_expect_eq(st.j, 2, "J increases j");
}

/* ---------------------------------------------------------------- sizes, seed */

Test(tutor_state, d_and_D_change_the_hidden_size)
{
	press('D');
	cr_expect_eq(st.model->d, 12, "D: 8 -> 12");
	cr_expect_eq(st.model->W->size1, 12, "W is 12x12");
	expect_rel(norm2_of_W(), 1.0, 1e-12, "lambda kept for the new W");
	press('d');
	press('d');
	cr_expect_eq(st.model->d, 6, "d: 12 -> 8 -> 6");
	for (int i = 0; i < 10; i++)
		press('d');
	cr_expect_eq(st.model->d, 1, "d stops at 1");
	cr_expect(strstr(st.message, "at least") != NULL, "'%s'", st.message);
}

Test(tutor_state, s_and_S_change_the_number_of_steps)
{
	press('s');
	cr_expect_eq(st.model->T, 40, "s: 50 -> 40");
	cr_expect_eq(st.t, 40, "t at T follows T");
	cr_expect_eq(st.j, 40, "j at T follows T");
	press('t');
	press('S');
	cr_expect_eq(st.model->T, 50, "S: 40 -> 50");
	cr_expect_eq(st.t, 39, "t below T stays put");
	for (int i = 0; i < 20; i++)
		press('s');
	cr_expect_eq(st.model->T, 1, "T stops at 1");
	cr_expect_eq(st.t, 1, "t <= T");
	cr_expect_eq(st.k, 1, "k <= t");
	cr_expect_eq(st.j, 1, "j <= T");
}

Test(tutor_state, r_and_R_reseed_reproducibly)
{
	size_t d = st.model->d;
	gsl_matrix *W0 = gsl_matrix_alloc(d, d);
	gsl_matrix_memcpy(W0, st.model->W);
	unsigned long s0 = st.params.seed;
	press('r');
	cr_expect_eq(st.params.seed, s0 + 1, "r: next seed");
	cr_expect_neq(gsl_matrix_get(st.model->W, 0, 0), gsl_matrix_get(W0, 0, 0), "a new W");
	expect_rel(norm2_of_W(), 1.0, 1e-12, "with the same lambda");
	press('R');
	cr_expect_eq(st.params.seed, s0, "R: previous seed");
	for (size_t i = 0; i < d; i++)
		for (size_t l = 0; l < d; l++)
			cr_assert_eq(gsl_matrix_get(st.model->W, i, l), gsl_matrix_get(W0, i, l),
			             "the same seed gives the same W bit for bit (%zu,%zu)", i, l);
	gsl_matrix_free(W0);
}

/* The text of n lines of spans, one line per row, into a malloc'd string. */
static char *lines_text(const vxt_line *lines, size_t n)
{
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		for (size_t s = 0; s < lines[i].nspans; s++)
			len += strlen(lines[i].spans[s].text) + 1;
	char *out = calloc(len + n, 1);
	cr_assert_not_null(out);
	for (size_t i = 0; i < n; i++) {
		for (size_t s = 0; s < lines[i].nspans; s++)
			strcat(out, lines[i].spans[s].text);
		strcat(out, "\n");
	}
	return out;
}

/* b and B move the forget bias of the LSTM and GRU of the step on gates by
 * 1, and the step and its panel follow: the panel's LSTM ‖∂c_t/∂c_1‖ is then
 * that of a network made afresh with the new bias (a fresh environment,
 * extras of its own), not the one kept from bias 0. */
Test(tutor_state, b_and_B_move_the_forget_bias_and_the_gates_step_follows)
{
	press('1');
	press('5');
	cr_assert_str_eq(vxr_step_name(st.step), "15-gates.md");
	cr_expect_eq(st.shown_view, VXU_VIEW_GATES, "the step shows its panel");
	vx_mag want[2];
	for (int i = 0; i < 2; i++) {
		double b = i;
		vxr_ctx c = { &st.eff, st.model, st.result, st.j, st.k, "", NULL, 0, b, VX_CELL_RNN, 0, NULL };
		vxr_env *e = vxr_env_alloc(&c);
		const vx_net_result *g;
		vx_error err = { 0 };
		cr_assert_eq(vxr_env_gated(e, VX_CELL_LSTM, &g, &err), VX_OK, "%s", err.msg);
		want[i] = g->c_norm[0];
		vxr_env_free(e);
	}
	cr_assert(want[1].log10 > want[0].log10 + 3, "a bias of 1 keeps far more of the cell: 10^%g against 10^%g",
	          want[1].log10, want[0].log10);
	static const int keys[3] = { 0, 'B', 'b' };
	static const char *const heads[3] = { "forget bias 0 (b B)", "forget bias 1 (b B)", "forget bias 0 (b B)" };
	for (int i = 0; i < 3; i++) {
		if (keys[i])
			cr_expect_eq(press(keys[i]), VXU_RECOMPUTE, "%c moves the bias", keys[i]);
		cr_expect_eq(st.forget_bias, i == 1 ? 1.0 : 0.0, "after key %d", i);
		char *p = lines_text(st.panel.lines, st.panel.nlines);
		char num[48];
		vxf_mag(num, sizeof num, want[i == 1], 3, VXF_UNICODE);
		cr_expect(strstr(p, heads[i]) != NULL, "the panel names the bias: %s", p);
		cr_expect(strstr(p, num) != NULL, "the panel shows the LSTM's %s: %s", num, p);
		free(p);
		char *d = lines_text(st.doc->lines, st.doc->nlines);
		cr_expect(strstr(d, i == 1 ? "forget bias b = 1" : "forget bias b = 0") != NULL, "the step says the bias");
		free(d);
	}
	for (int i = 0; i < 10; i++)
		press('b');
	cr_expect_eq(st.forget_bias, -VXU_KEY_MAX_BIAS, "b stops at -%d", VXU_KEY_MAX_BIAS);
	cr_expect_eq(press('b'), VXU_REDRAW, "no further");
	cr_expect_eq(st.forget_bias, -VXU_KEY_MAX_BIAS);
}

/* ---------------------------------------------------------------- others */

Test(tutor_state, v_cycles_the_panel)
{
	vxu_view first = st.shown_view;
	for (int i = 1; i < VXU_VIEW_COUNT; i++) {
		press('v');
		cr_expect_eq(st.view, (vxu_view)i, "v: view %d", i);
		cr_expect_eq(st.shown_view, (vxu_view)i, "the panel shows it");
		cr_expect_gt(st.panel.nlines, 1, "view %d has content", i);
	}
	press('v');
	cr_expect_eq(st.view, VXU_VIEW_AUTO, "back to the step's own view");
	cr_expect_eq(st.shown_view, first);
	press('V');
	cr_expect_eq(st.view, VXU_VIEW_COUNT - 1, "V goes back");
}

/* ---------------------------------------------------------------- plots */

/* The text of a line, its spans joined. */
static void line_text(const vxt_line *ln, char *buf, size_t n)
{
	buf[0] = '\0';
	for (size_t s = 0; s < ln->nspans; s++)
		strncat(buf, ln->spans[s].text, n - strlen(buf) - 1);
}

/* The panel line holding `text` (strstr), or -1. */
/* i opens the answer line with the question on the screen: at 80x24
 * step 9's question is two lines below the first screenful. */
Test(tutor_state, i_shows_the_question_it_asks)
{
	press('9');
	cr_assert_eq(st.step, 8);
	cr_assert_not_null(st.doc, "%s", st.doc_error);
	cr_assert_eq(st.scroll, 0);
	long q = -1;
	for (size_t i = 0; i < st.doc->nlines && q < 0; i++) {
		char b[512];
		line_text(&st.doc->lines[i], b, sizeof b);
		if (strstr(b, "Question 4."))
			q = (long)i;
	}
	cr_assert_geq(q, (long)st.lay.body_rows, "the question starts below the first screenful");
	press('i');
	cr_assert_eq(st.quiz.mode, VXU_QZ_TYPING, "the answer line is open");
	cr_expect(q >= (long)st.scroll && q < (long)st.scroll + st.lay.body_rows,
	          "line %ld, the question, is on the screen (lines %zu to %zu)", q, st.scroll,
	          st.scroll + (size_t)st.lay.body_rows - 1);
}

static long panel_line_with(const char *text)
{
	char b[2048];
	for (size_t i = 0; i < st.panel.nlines; i++) {
		line_text(&st.panel.lines[i], b, sizeof b);
		if (strstr(b, text))
			return (long)i;
	}
	return -1;
}

/* 60×200: a side panel with room for the plots. */
static void wide_panel(vxu_view v)
{
	vxu_resize(&st, 60, 200);
	st.view = v;
	st.dirty |= VXU_DIRTY_DOC;
	vxu_update(&st);
	cr_assert_eq(st.lay.place, VXU_PANEL_SIDE);
	cr_assert_eq(st.shown_view, v);
}

/* One step and one path read in the singular on the panel: the network
 * view's "T = 1 step", the paths view's "the 1 path from L₁ to W". */
Test(tutor_state, the_panel_counts_in_the_singular_for_one)
{
	while (st.model->T > 1)
		press('s');
	wide_panel(VXU_VIEW_NETWORK);
	cr_expect_geq(panel_line_with("T = 1 step"), 0, "the network view has T = 1 step");
	cr_expect_eq(panel_line_with("T = 1 steps"), -1, "and not T = 1 steps");
	wide_panel(VXU_VIEW_PATHS);
	cr_expect_geq(panel_line_with("the 1 path from"), 0, "the paths view's heading has 1 path");
	cr_expect_geq(panel_line_with("1 path k = 1"), 0, "its sum has 1 path");
	cr_expect_eq(panel_line_with("1 paths"), -1, "and no line has 1 paths");
	/* the one path is shown once, and K points to no path k = 2 */
	long i = panel_line_with("k = 1 (0 factors)");
	cr_assert_geq(i, 0, "the paths view shows the path k = t = 1");
	char b[2048];
	line_text(&st.panel.lines[i], b, sizeof b);
	const char *first = strstr(b, "k = 1 (0 factors)");
	cr_expect(strstr(first + 1, "k = 1 (0 factors)") == NULL, "path 1 shown once: '%s'", b);
	cr_expect_eq(panel_line_with("k = 2"), -1, "no k = 2 where t = 1");
}

/* The panel's σ′ plot is the handout's {{plot dact}}: σ′ with the level
 * line of its maximum γ, this network's σ′(a_j,i) as marks in the role of
 * live values (VXT_NUMBER, as render_term.c gives them), the handout's
 * legend. */
Test(tutor_state, the_dact_plot_is_the_handouts)
{
	wide_panel(VXU_VIEW_DACT);
	long lg = panel_line_with("γ = max σ′ = 1");
	cr_expect_geq(lg, 0, "the legend names the level line γ");
	cr_expect_geq(panel_line_with("σ′(aⱼ), j = 50"), 0, "the legend names the marks as the handout does");
	int marks = 0, dashes = 0;
	for (size_t i = 0; i < st.panel.nlines; i++)
		for (size_t s = 0; s < st.panel.lines[i].nspans; s++) {
			const vxt_span *sp = &st.panel.lines[i].spans[s];
			if (strstr(sp->text, "●")) {
				marks++;
				cr_expect_eq(sp->role, VXT_NUMBER, "line %zu: a mark '%s' in the role of a live value", i,
				             sp->text);
			}
			dashes += sp->role == VXT_SERIES2;
		}
	cr_expect_geq(marks, 2, "the marks are there (8 units, some may share a cell)");
	cr_expect_gt(dashes, 1, "the γ line is drawn in its series' role");
}

/* The panel's paths plot is the handout's {{plot contrib}}: against t − k,
 * like the chain's plot beside it. */
Test(tutor_state, the_paths_plot_is_against_t_minus_k)
{
	wide_panel(VXU_VIEW_PATHS);
	cr_expect_geq(panel_line_with("t − k"), 0, "x axis t − k");
	cr_expect_geq(panel_line_with("‖term‖"), 0, "y axis ‖term‖");
	cr_expect_geq(panel_line_with("⠶⠶⠶ path k"), 0, "legend 'path k'");
	cr_expect_lt(panel_line_with("k's term of"), 0, "not the panel's own legend");
}

/* One plot wherever it is shown: the panel's σ′ plot at 72×12 cells is the
 * handout's block in step 7's text at 72×12, cell for cell and role for
 * role. */
Test(tutor_state, the_panels_plot_is_the_texts_cell_for_cell)
{
	vxu_resize(&st, 60, 200);
	st.step = 6;
	st.view = VXU_VIEW_DACT;
	st.dirty |= VXU_DIRTY_DOC;
	vxu_update(&st);
	cr_assert_not_null(st.doc, "%s", st.doc_error);
	cr_assert_geq(st.lay.text_w, 72, "the text holds the block's 72 columns");
	/* the plot in the text: its header "σ′(a)" over "1.0┤" */
	char b[2048], c2[2048];
	long at = -1;
	for (size_t i = 0; i + 1 < st.doc->nlines && at < 0; i++) {
		line_text(&st.doc->lines[i], b, sizeof b);
		line_text(&st.doc->lines[i + 1], c2, sizeof c2);
		if (strncmp(b, "σ′(a) ", strlen("σ′(a) ")) == 0 && strstr(c2, "┤"))
			at = (long)i;
	}
	cr_assert_geq(at, 0, "step 7 shows the σ′ plot");
	/* the panel 72 wide, with 12 rows for the plot after its text */
	st.lay.panel_w = 72;
	st.dirty |= VXU_DIRTY_DOC;
	vxu_update(&st);
	size_t text_lines = 0;
	while (text_lines < st.panel.nlines && st.panel.lines[text_lines].nspans)
		text_lines++;
	st.lay.panel_rows = (int)text_lines + 1 + 12;
	st.dirty |= VXU_DIRTY_DOC;
	vxu_update(&st);
	cr_assert_eq(st.panel.nlines, text_lines + 1 + 12, "the text, a blank line, 12 rows of plot");
	for (size_t r = 0; r < 12; r++) {
		const vxt_line *a = &st.doc->lines[(size_t)at + r], *p = &st.panel.lines[text_lines + 1 + r];
		line_text(a, b, sizeof b);
		line_text(p, c2, sizeof c2);
		cr_expect_str_eq(c2, b, "row %zu: the panel's cells are the text's", r);
		cr_expect_eq(p->nspans, a->nspans, "row %zu: as many runs of one role", r);
		for (size_t s = 0; s < a->nspans && s < p->nspans; s++)
			cr_expect(p->spans[s].role == a->spans[s].role && strcmp(p->spans[s].text, a->spans[s].text) == 0,
			          "row %zu, run %zu: '%s' in role %d, the text's '%s' in role %d", r, s, p->spans[s].text,
			          p->spans[s].role, a->spans[s].text, a->spans[s].role);
	}
}

Test(tutor_state, help_overlay)
{
	cr_expect_eq(press('?'), VXU_REDRAW);
	cr_expect_eq(st.overlay, VXU_OV_HELP, "? opens the help");
	size_t step = st.step;
	cr_expect_eq(press('n'), VXU_REDRAW);
	cr_expect_eq(st.overlay, VXU_OV_NONE, "any key closes it");
	cr_expect_eq(st.step, step, "without acting");
	press('?');
	cr_expect_eq(vxu_key(&st, VXU_K_CTRL_L), VXU_REDRAW_ALL, "Ctrl-L redraws from the help");
	cr_expect_eq(st.overlay, VXU_OV_HELP, "and leaves it open");
	cr_expect_eq(vxu_key(&st, 'q'), VXU_QUIT, "q quits from the help");
}

Test(tutor_state, esc_closes_the_help_and_q_still_quits)
{
	press('?');
	cr_assert_eq(st.overlay, VXU_OV_HELP);
	cr_expect_eq(press(VXU_K_ESC), VXU_REDRAW, "Esc in the help is not a quit");
	cr_expect_eq(st.overlay, VXU_OV_NONE, "Esc closes the help");
	/* a second Esc, as a student makes sure, still does not quit */
	cr_expect_eq(press(VXU_K_ESC), VXU_REDRAW, "a second Esc is not a quit");
	cr_expect(strstr(st.message, "q quits") != NULL, "it says how to quit: '%s'", st.message);
	size_t step = st.step;
	cr_expect_eq(press('n'), VXU_REDRAW, "the tutor goes on after Esc");
	cr_expect_eq(st.step, step + 1, "n still moves on");
	cr_expect_eq(vxu_key(&st, 'q'), VXU_QUIT, "q quits");
}

Test(tutor_state, quit_redraw_export_unknown)
{
	cr_expect_eq(vxu_key(&st, 'q'), VXU_QUIT);
	cr_expect_eq(vxu_key(&st, VXU_K_ESC), VXU_REDRAW, "Esc does not quit the main screen");
	cr_expect_eq(vxu_key(&st, VXU_K_CTRL_L), VXU_REDRAW_ALL);
	cr_expect_eq(vxu_key(&st, 'e'), VXU_EXPORT);
	cr_expect_eq(vxu_key(&st, 'x'), VXU_REDRAW);
	cr_expect(strstr(st.message, "?") != NULL, "an unbound key points to the help: '%s'", st.message);
}

Test(tutor_state, too_small_ignores_all_but_quit)
{
	vxu_resize(&st, 12, 40);
	vxu_update(&st);
	cr_expect_eq(st.lay.too_small, 1);
	int keys[] = { 'n', '+', 'a', '?', VXU_K_DOWN, 'e', '3' };
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		cr_expect_eq(vxu_key(&st, keys[i]), VXU_NONE, "key %d ignored while too small", keys[i]);
	cr_expect_eq(st.step, 0);
	cr_expect_eq(st.overlay, VXU_OV_NONE);
	cr_expect_eq(vxu_key(&st, 'q'), VXU_QUIT, "q quits the too-small screen");
	cr_expect_eq(vxu_key(&st, VXU_K_ESC), VXU_NONE, "Esc is ignored there, like other keys");
	vxu_resize(&st, 24, 80);
	vxu_update(&st);
	cr_expect_eq(st.lay.too_small, 0);
	cr_expect_not_null(st.doc, "laid out again after growing back");
}

Test(tutor_state, resize_relays_out_at_the_new_width)
{
	vxu_resize(&st, 60, 200);
	vxu_update(&st);
	cr_assert_not_null(st.doc);
	for (size_t i = 0; i < st.doc->nlines; i++) {
		int w = 0;
		for (size_t s = 0; s < st.doc->lines[i].nspans; s++)
			w += vxr_u8_width(st.doc->lines[i].spans[s].text);
		cr_expect_leq(w, st.lay.text_w, "line %zu fits the new width %d", i, st.lay.text_w);
	}
	cr_expect_gt(st.panel.nlines, 3, "the side panel has room for more than the strip");
}

Test(tutor_state, export_writes_html)
{
	char dir[] = "/tmp/vanex-tutor-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	st.export_dir = dir;
	cr_expect_eq(vxu_export(&st), VX_OK, "export: %s", st.message);
	char path[4200];
	snprintf(path, sizeof path, "%s/vanex-handout.html", dir);
	struct stat sb;
	cr_assert_eq(stat(path, &sb), 0, "%s exists", path);
	cr_expect_gt(sb.st_size, 1000, "and is not empty");
	FILE *f = fopen(path, "r");
	char head[256] = { 0 };
	size_t n = fread(head, 1, sizeof head - 1, f);
	fclose(f);
	head[n] = '\0';
	cr_expect(strstr(head, "<!DOCTYPE html") != NULL || strstr(head, "<html") != NULL, "it is HTML: '%.60s'", head);
	cr_expect(strstr(st.message, "vanex-handout.html") != NULL, "the message shows the path: '%s'", st.message);
	cr_expect(st.export_path[0] == '/', "as an absolute path: '%s'", st.export_path);
	unlink(path);
	rmdir(dir);
}

Test(tutor_state, export_failure_is_a_message)
{
	st.export_dir = "/nonexistent-dir-for-vanex";
	cr_expect_neq(vxu_export(&st), VX_OK);
	cr_expect_eq(st.msg_kind, VXU_MSG_ERROR);
	cr_expect(strstr(st.message, "not written") != NULL, "'%s'", st.message);
}

Test(tutor_state, engine_failure_keeps_the_last_good_state)
{
	/* A linear network with a huge norm overflows in the forward pass. */
	press('a');
	press('a');   /* relu, linear */
	cr_assert_eq(st.model->act, VX_LINEAR);
	double l = st.result->lambda;
	st.params.norm = 1e300;
	st.params.set |= VX_SET_NORM;
	st.dirty |= VXU_DIRTY_MODEL;
	cr_expect_neq(vxu_update(&st), VX_OK, "the update reports the failure");
	cr_expect_eq(st.msg_kind, VXU_MSG_ERROR);
	cr_expect(strstr(st.message, "not changed") != NULL, "'%s'", st.message);
	/* no option was typed: the message names the quantity, not --norm */
	cr_expect(strstr(st.message, "a smaller λ") && !strstr(st.message, "--"), "'%s'", st.message);
	cr_expect_eq(st.result->lambda, l, "the previous result is kept");
	cr_expect_eq(st.params.norm, st.good.norm, "the parameters are restored");
	press('+');
	expect_rel(st.result->lambda, 1.1 * l, 1e-12, "and the tutor goes on");
}

Test(tutor_state, engine_failure_is_spelt_in_ascii_outside_utf8)
{
	vxu_state s2;
	vx_params p;
	vx_params_default(&p);
	p.act = VX_LINEAR;
	vx_error err = { 0 };
	cr_assert_eq(vxu_state_init(&s2, &p, 0, 0, 24, 80, &err), VX_OK, "%s", err.msg);
	s2.params.norm = 1e300;
	s2.params.set |= VX_SET_NORM;
	s2.dirty |= VXU_DIRTY_MODEL;
	cr_expect_neq(vxu_update(&s2), VX_OK, "the update reports the failure");
	cr_expect(strstr(s2.message, "(linear, lambda = ||W||_2 too large for this horizon): a smaller lambda"),
	          "'%s'", s2.message);
	for (const char *c = s2.message; *c; c++)
		cr_expect((unsigned char)*c < 0x80, "plain ASCII: '%s'", s2.message);
	vxu_state_free(&s2);
}

Test(tutor_state, weights_file_fixes_d)
{
	char path[] = "/tmp/vanex-w-XXXXXX.csv";
	int fd = mkstemps(path, 4);
	cr_assert_geq(fd, 0);
	FILE *f = fdopen(fd, "w");
	fprintf(f, "0.5,0.1,0\n0,0.3,0.2\n0.1,0,0.4\n");
	fclose(f);
	vxu_state s2;
	vx_params p;
	vx_params_default(&p);
	vx_error err = { 0 };
	cr_assert_eq(vx_params_set(&p, "weights", path, &err), VX_OK, "%s", err.msg);
	cr_assert_eq(vxu_state_init(&s2, &p, 0, 1, 24, 80, &err), VX_OK, "%s", err.msg);
	cr_expect_eq(s2.model->d, 3);
	cr_expect_eq(vxu_key(&s2, 'D'), VXU_REDRAW);
	cr_expect(strstr(s2.message, "fixed") != NULL, "'%s'", s2.message);
	vxu_update(&s2);
	cr_expect_eq(s2.model->d, 3, "d unchanged");
	vxu_state_free(&s2);
	unlink(path);
}

/* Every key the state layer binds is listed in the help overlay. */
Test(tutor_state, help_lists_every_binding)
{
	const char *keys = "lnhpgG+-=aAtTkKjJdDsSrRve?q";
	for (int utf8 = 0; utf8 <= 1; utf8++) {
		size_t n;
		const vxu_help_entry *h = vxu_help(utf8, &n);
		for (const char *k = keys; *k; k++) {
			int found = 0;
			for (size_t i = 0; i < n && !found; i++) {
				if (!h[i].keys)
					continue;
				for (const char *c = h[i].keys; *c; c++)
					if (*c == *k && (c == h[i].keys || c[-1] == ' ') && (c[1] == ' ' || c[1] == '\0'))
						found = 1;
			}
			cr_expect(found, "key '%c' is in the %s help", *k, utf8 ? "UTF-8" : "ASCII");
		}
		const char *words[] = { "Space", "Home", "End", "PgUp", "PgDn", "Esc", "Ctrl-L", "1-9" };
		for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
			int found = 0;
			for (size_t i = 0; i < n; i++)
				if (h[i].keys && strstr(h[i].keys, words[w]))
					found = 1;
			cr_expect(found || (!utf8 && strcmp(words[w], "Space") == 0), "'%s' is in the help", words[w]);
		}
	}
}

Test(tutor_state, ascii_mode_is_ascii)
{
	vxu_state s2;
	vx_params p;
	vx_params_default(&p);
	vx_error err = { 0 };
	cr_assert_eq(vxu_state_init(&s2, &p, 0, 0, 24, 80, &err), VX_OK, "%s", err.msg);
	/* 80×24, then 200×60 where the panel has its plots, in every view */
	for (size_t step = 0; step < 2 * s2.nsteps + VXU_VIEW_COUNT; step++) {
		if (step == s2.nsteps)
			vxu_resize(&s2, 60, 200);
		s2.step = step < 2 * s2.nsteps ? step % s2.nsteps : 0;
		s2.view = step < 2 * s2.nsteps ? VXU_VIEW_AUTO : (vxu_view)(step - 2 * s2.nsteps);
		s2.dirty |= VXU_DIRTY_DOC;
		vxu_update(&s2);
		vxt_lines *parts[2] = { &s2.panel, &s2.status };
		for (int p2 = 0; p2 < 2; p2++)
			for (size_t i = 0; i < parts[p2]->nlines; i++)
				for (size_t s = 0; s < parts[p2]->lines[i].nspans; s++)
					for (const unsigned char *c = (const unsigned char *)parts[p2]->lines[i].spans[s].text; *c; c++)
						cr_assert_lt(*c, 0x80, "step %zu: non-ASCII byte in '%s'", step + 1,
						             parts[p2]->lines[i].spans[s].text);
		for (const unsigned char *c = (const unsigned char *)s2.message; *c; c++)
			cr_assert_lt(*c, 0x80, "message '%s'", s2.message);
	}
	vxu_state_free(&s2);
}

Test(tutor_state, view_named)
{
	cr_expect_eq(vxu_view_named("lyap"), VXU_VIEW_LYAP);
	cr_expect_eq(vxu_view_named("paths"), VXU_VIEW_PATHS);
	cr_expect_eq(vxu_view_named("dact"), VXU_VIEW_DACT);
	cr_expect_eq(vxu_view_named("jacobian"), VXU_VIEW_JACOBIAN);
	cr_expect_eq(vxu_view_named("network"), VXU_VIEW_NETWORK);
	cr_expect_eq(vxu_view_named("chain"), VXU_VIEW_CHAIN);
	cr_expect_eq(vxu_view_named("eigen"), VXU_VIEW_EIGEN);
	cr_expect_eq(vxu_view_named("gates"), VXU_VIEW_GATES);
	cr_expect_eq(vxu_view_named(NULL), VXU_VIEW_CHAIN);
}

/* Each step names in its front matter (`panel:`) the view the tutor picks
 * today from the words of its heading, so the screens stay the same when
 * the tutor reads the name instead. */
/* Each step names its panel in its front matter: what the panel shows does
 * not hang on the words of a heading.  The views as they were chosen from
 * the headings, step by step, are the reference. */
Test(tutor_state, every_step_names_its_view)
{
	static const vxu_view want[] = {
		VXU_VIEW_NETWORK, VXU_VIEW_PATHS, VXU_VIEW_CHAIN, VXU_VIEW_JACOBIAN, VXU_VIEW_DACT,
		VXU_VIEW_JACOBIAN, VXU_VIEW_DACT, VXU_VIEW_JACOBIAN, VXU_VIEW_CHAIN, VXU_VIEW_CHAIN,
		VXU_VIEW_CHAIN, VXU_VIEW_PATHS, VXU_VIEW_LYAP, VXU_VIEW_EIGEN, VXU_VIEW_GATES, VXU_VIEW_CHAIN,
	};
	cr_assert_eq(vxr_step_count(), sizeof want / sizeof want[0]);
	for (size_t i = 0; i < vxr_step_count(); i++) {
		cr_expect_not_null(vxr_step_panel(i), "step %zu (%s) names its panel", i + 1, vxr_step_name(i));
		cr_expect_eq(vxu_view_named(vxr_step_panel(i)), want[i], "step %zu (%s): %s", i + 1, vxr_step_name(i),
		             vxr_step_panel(i));
	}
	cr_expect_null(vxr_step_panel(vxr_step_count()), "no step past the end");
}

/* Steps already laid out are kept for revisits, and dropped when what they show changes. */
Test(tutor_state, revisited_steps_are_not_laid_out_again)
{
	const vxt_doc *first = st.doc;
	cr_assert_not_null(first);
	press('n');
	cr_expect_neq(st.doc, first, "another step, another layout");
	press('p');
	cr_expect_eq(st.doc, first, "back to step 1: the same layout, not a new one");
	press('+');
	cr_expect_neq(st.doc, first, "a new lambda lays the step out again");
	cr_expect_not_null(st.doc);
	const vxt_doc *after = st.doc;
	press('K');
	cr_expect_neq(st.doc, after, "a new k lays the step out again (the text may quote k)");
	/* laid out again, not only at a new address (a freed layout's memory
	 * may come back for the next one): lines wider than the old width */
	int old_w = st.lay.text_w;
	vxu_resize(&st, 30, 90);
	vxu_update(&st);
	cr_assert_not_null(st.doc);
	int widest = 0;
	for (size_t i = 0; i < st.doc->nlines; i++) {
		int w = 0;
		for (size_t s = 0; s < st.doc->lines[i].nspans; s++)
			w += vxr_u8_width(st.doc->lines[i].spans[s].text);
		widest = w > widest ? w : widest;
	}
	cr_expect_gt(st.lay.text_w, old_w, "a wider screen, a wider text (%d, was %d)", st.lay.text_w, old_w);
	cr_expect_gt(widest, old_w, "a new width lays the step out again: a line of %d columns, the old width %d",
	             widest, old_w);
	after = st.doc;
	press('v');
	cr_expect_eq(st.doc, after, "a new panel view leaves the text alone");
}

/* The check the tutor's extras give for the network on screen, into *out. */
static void fd_of_extras(vx_fdcheck *out)
{
	cr_assert_not_null(st.extras, "the state owns extras");
	vxr_ctx ctx = { &st.eff, st.model, st.result, st.j, st.k, st.date, st.extras, 0, st.forget_bias, st.cell, 0, NULL };
	vxr_env *e = vxr_env_alloc(&ctx);
	cr_assert_not_null(e);
	vx_error err = { 0 };
	const vx_fdcheck *fd = vxr_env_fd(e, &err);
	cr_assert_not_null(fd, "%s", err.msg);
	*out = *fd;
	vxr_env_free(e);
}

static int fd_same(const vx_fdcheck *a, const vx_fdcheck *b)
{
	return a->j == b->j && a->k == b->k && memcmp(&a->dsda, &b->dsda, sizeof a->dsda) == 0 &&
	       memcmp(&a->dads, &b->dads, sizeof a->dads) == 0 && memcmp(&a->dsds, &b->dsds, sizeof a->dsds) == 0 &&
	       memcmp(&a->dLdW, &b->dLdW, sizeof a->dLdW) == 0;
}

/* The tutor owns its network's extras (report/doc/env.h): a new result,
 * from a new λ or a new loss step, comes with new extras, whose check is
 * the engine's for that network (run here), never the last one's. */
Test(tutor_state, every_result_gets_its_own_extras)
{
	vx_fdcheck before, after, want;
	fd_of_extras(&before);
	cr_assert_eq(vx_fd_check(st.model, st.result, &want), VX_OK);
	cr_expect(fd_same(&before, &want), "the check of the network at start");
	static const int keys[] = { '+', 't' };   /* a new model; a new analysis of the same model */
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		press(keys[i]);
		fd_of_extras(&after);
		cr_assert_eq(vx_fd_check(st.model, st.result, &want), VX_OK);
		cr_assert(!fd_same(&want, &before), "key %c: the engine's check changes (else this test tells nothing)",
		          keys[i]);
		cr_expect(fd_same(&after, &want), "key %c: the extras check the new network (dsda %g, the engine's %g)",
		          keys[i], after.dsda, want.dsda);
		before = after;
	}
}

/* ---------------------------------------------------------------- jobs
 * What the tutor's loop does with a worker thread, in sequence: a job is
 * taken, keys come while it is out, then it ends.  λ is checked against
 * the SVD of the model's W done here, t against the result the engine
 * gives. */

/* The status line's text, its spans joined, into buf. */
static void status_text(char *buf, size_t n)
{
	cr_assert_eq(st.status.nlines, 1);
	line_text(&st.status.lines[0], buf, n);
}

Test(tutor_state, a_key_asks_and_the_screen_says_it_is_updating)
{
	cr_expect_eq(vxu_stale(&st), 0, "at start every part is up to date");
	cr_expect_null(vxu_busy_note(&st));
	cr_expect_eq(vxu_key(&st, '+'), VXU_RECOMPUTE);
	cr_expect_eq(vxu_key(&st, 'D'), VXU_RECOMPUTE);
	cr_expect_eq(vxu_key(&st, 'a'), VXU_RECOMPUTE);
	cr_expect_eq(st.model->d, 8, "a key leaves the network shown as it was");
	expect_rel(st.result->lambda, 1.0, 1e-12, "and its numbers");
	unsigned s = vxu_stale(&st);
	cr_expect(s & VXU_STALE_NET, "the numbers are of the earlier network");
	cr_expect(s & VXU_STALE_TEXT, "so is the text");
	cr_expect(s & VXU_STALE_PANEL, "and the panel");
	cr_expect_str_eq(vxu_busy_note(&st), "updating…");
	char b[512], v[48];
	status_text(b, sizeof b);
	cr_expect(strstr(b, " relu ") && strstr(b, "d=12") && strstr(b, "λ=1.1 "),
	          "what the keys chose shows at once: '%s'", b);
	/* γλ of what was chosen: relu's γ = 1, λ = 1.1 */
	cr_expect_eq(status_gl(v, sizeof v), VXT_BAD, "γλ as chosen, above the edge, at once");
	cr_expect_str_eq(v, "1.1");
	vxu_update(&st);
	cr_expect_eq(vxu_stale(&st), 0, "up to date after the work");
	cr_expect_null(vxu_busy_note(&st));
	cr_expect_eq(st.model->d, 12);
	cr_expect_eq(st.model->act, VX_RELU);
	expect_rel(norm2_of_W(), 1.1, 1e-12, "||W||_2 of the new W (SVD here)");
	cr_expect_neq(status_gl(v, sizeof v), VXT_DIM, "no longer dimmed");
}

Test(tutor_state, a_job_nobody_superseded_is_taken_whole)
{
	unsigned long g0 = st.gen;
	vxu_key(&st, '+');
	cr_expect_gt(st.gen, g0, "an ask is a new generation");
	vxu_job *j = vxu_job_take(&st);
	cr_assert_not_null(j);
	cr_expect_null(vxu_job_take(&st), "nothing else is owed");
	cr_expect(vxu_job_wanted(&st, j));
	vxu_key(&st, VXU_K_DOWN);   /* scrolling asks for nothing */
	cr_expect(vxu_job_wanted(&st, j), "a key that asks for nothing leaves it wanted");
	vxu_job_run(j);
	cr_expect_eq(vxu_job_end(&st, j), VX_OK);
	expect_rel(st.result->lambda, 1.1, 1e-12, "its network is shown");
	expect_rel(norm2_of_W(), 1.1, 1e-12, "||W||_2 (SVD here)");
	cr_expect_not_null(st.doc, "with its step laid out");
	cr_expect_eq(vxu_stale(&st), 0, "and nothing else owed: one job answered the key");
	cr_expect(strstr(st.message, "λ = 1.1") != NULL, "the change is told once its numbers are in: '%s'",
	          st.message);
}

Test(tutor_state, a_newer_key_supersedes_the_running_job)
{
	vxu_key(&st, '+');
	vxu_job *j = vxu_job_take(&st);
	cr_assert_not_null(j);
	vxu_key(&st, '+');   /* 1.21 asked while 1.1 is computed */
	cr_expect_not(vxu_job_wanted(&st, j), "its network is stale");
	vxu_job_run(j);
	cr_expect_eq(vxu_job_end(&st, j), VX_OK);
	expect_rel(st.result->lambda, 1.0, 1e-12, "the stale network (1.1) is never shown");
	cr_expect(vxu_stale(&st) & VXU_STALE_NET, "the screen still says it is updating");
	cr_expect_eq(st.msg_kind, VXU_MSG_PENDING);
	cr_expect_str_eq(st.message, "computing the network with λ = 1.21 …",
	                 "the message names the λ on its way, not the one dropped");
	vxu_update(&st);
	expect_rel(st.result->lambda, 1.21, 1e-12, "the newest parameters win");
	cr_expect(strstr(st.message, "λ = 1.21, γλ = 1.21 > 1") != NULL, "and say what they did: '%s'", st.message);
	cr_expect_eq(st.msg_kind, VXU_MSG_INFO);
	expect_rel(norm2_of_W(), 1.21, 1e-12, "||W||_2 (SVD here)");
}

/* A t key alone asks only for a new analysis of the model shown: when it
 * comes while a new model is computed, the model must be asked for again,
 * not the old one analysed at the new t. */
Test(tutor_state, a_loss_step_after_a_superseded_model_analyses_the_new_model)
{
	vxu_key(&st, '+');
	vxu_job *j = vxu_job_take(&st);
	cr_assert_not_null(j);
	vxu_key(&st, 't');
	vxu_job_run(j);
	vxu_job_end(&st, j);
	vxu_update(&st);
	cr_expect_eq(st.result->t, 49, "the analysis is at t = 49");
	expect_rel(st.result->lambda, 1.1, 1e-12, "of the model with lambda = 1.1");
	expect_rel(norm2_of_W(), 1.1, 1e-12, "||W||_2 (SVD here)");
}

Test(tutor_state, a_step_passed_is_kept_but_not_its_panel)
{
	vxu_key(&st, VXU_K_RIGHT);
	vxu_job *j = vxu_job_take(&st);
	cr_assert_not_null(j);
	cr_expect(vxu_stale(&st) & VXU_STALE_TEXT, "step 2 is not laid out yet");
	cr_expect_null(st.doc, "nothing to show for it meanwhile");
	vxu_key(&st, VXU_K_RIGHT);   /* on to step 3 before step 2 is in */
	cr_expect_eq(st.step, 2, "the step moves at once");
	cr_expect_not(vxu_job_wanted(&st, j), "step 2 and its panel are no longer shown");
	vxu_job_run(j);
	vxu_job_end(&st, j);
	cr_expect_not_null(st.docs[1], "step 2's layout is kept for a revisit");
	cr_expect_null(st.doc, "step 3 still to lay out");
	cr_expect(vxu_stale(&st) & VXU_STALE_PANEL, "step 2's panel is not step 3's");
	vxu_update(&st);
	cr_expect_eq(st.doc, st.docs[2], "step 3 laid out");
	cr_expect_eq(st.shown_view, vxu_view_named(vxr_step_panel(2)), "the panel is step 3's");
	const vxt_doc *kept = st.docs[1];
	vxu_key(&st, VXU_K_LEFT);
	cr_expect_eq(st.doc, kept, "back on step 2: shown at once, from the layout kept");
}

Test(tutor_state, a_cancelled_job_leaves_its_work_asked_for)
{
	vxu_key(&st, '+');
	vxu_job *j = vxu_job_take(&st);
	cr_assert_not_null(j);
	vxu_job_cancel(j);
	vxu_job_run(j);
	vxu_job_end(&st, j);
	expect_rel(st.result->lambda, 1.0, 1e-12, "nothing computed");
	cr_expect(vxu_stale(&st) & VXU_STALE_NET, "still owed");
	vxu_update(&st);
	expect_rel(st.result->lambda, 1.1, 1e-12, "and done by the next job");
}

/* A failure of parameters a newer key replaced says nothing: the newer ones
 * are computed (and only their failure would be told). */
Test(tutor_state, a_failure_of_superseded_parameters_is_dropped)
{
	press('a');
	press('a');   /* relu, linear */
	cr_assert_eq(st.model->act, VX_LINEAR);
	st.params.norm = 1e300;   /* a linear network this large overflows */
	st.params.set |= VX_SET_NORM;
	vxu_ask(&st, VXU_DIRTY_MODEL);
	vxu_job *j = vxu_job_take(&st);
	cr_assert_not_null(j);
	vxu_key(&st, 'a');   /* sigmoid: bounded, computes */
	vxu_job_run(j);
	cr_expect_eq(vxu_job_end(&st, j), VX_OK, "the stale failure is not reported");
	cr_expect(strstr(st.message, "not changed") == NULL, "nor told: '%s'", st.message);
	cr_expect_eq(vxu_update(&st), VX_OK);
	cr_expect_eq(st.model->act, VX_SIGMOID, "the newer parameters are computed");
	expect_rel(st.result->lambda, 1e300, 1e-12, "with the lambda asked");
	cr_expect(strstr(st.message, "not changed") == NULL, "'%s'", st.message);
}

/* The file at path into buf (size bytes, NUL-ended); fails the test when
 * there is none. */
static void slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "%s written", path);
	size_t n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
}

/* The handout asked for after a key is of the network that key asks for,
 * written by the job after the one that computes it (whose step and panel
 * come at once, not after the handout). */
Test(tutor_state, a_handout_after_a_key_is_of_the_new_network)
{
	char dir[] = "/tmp/vanex-tutor-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	st.export_dir = dir;
	char path[4200];
	snprintf(path, sizeof path, "%s/vanex-handout.html", dir);
	vxu_key(&st, 'a');   /* relu */
	cr_expect_eq(vxu_key(&st, 'e'), VXU_EXPORT);
	cr_expect(vxu_stale(&st) & VXU_STALE_EXPORT, "a handout is owed");
	vxu_job *j = vxu_job_take(&st);
	cr_assert_not_null(j);
	vxu_job_run(j);
	cr_expect_eq(vxu_job_end(&st, j), VX_OK);
	cr_expect_eq(vxu_stale(&st), VXU_STALE_EXPORT, "the network, its step and its panel in; the handout owed");
	cr_expect_neq(access(path, F_OK), 0);
	cr_expect_str_eq(vxu_busy_note(&st), "writing…", "the status line says so");
	j = vxu_job_take(&st);
	cr_assert_not_null(j);
	vxu_job_run(j);
	cr_expect_eq(vxu_job_end(&st, j), VX_OK);
	cr_expect_eq(vxu_stale(&st), 0, "then the handout");
	static char html[1 << 20];
	slurp(path, html, sizeof html);
	cr_expect(strstr(html, "relu") != NULL, "the handout is of the relu network");
	cr_expect(strstr(st.message, "wrote") != NULL, "'%s'", st.message);
	unlink(path);
	rmdir(dir);
}

static void *run_job(void *j)
{
	vxu_job_run(j);
	return NULL;
}

/* The loop's way, with a real thread: jobs run beside keys that change the
 * state, some ended at once and some after more keys.  The end is the state
 * the same keys give when each is computed before the next. */
Test(tutor_state, jobs_on_a_thread_end_where_the_keys_do_one_by_one)
{
	static const int keys[] = { '+', VXU_K_RIGHT, '+', 't', 'K', VXU_K_RIGHT, 'a', 'v', 'D',
	                            'r', VXU_K_LEFT, '-', 'J', 's', '+', VXU_K_RIGHT, 'A', 'T' };
	vxu_state ref;
	vx_params p;
	vx_params_default(&p);
	vx_error err = { 0 };
	cr_assert_eq(vx_params_set(&p, "norm", "1", &err), VX_OK);   /* the fixture's network */
	cr_assert_eq(vxu_state_init(&ref, &p, 0, 1, 24, 80, &err), VX_OK, "%s", err.msg);
	vxu_job *j = NULL;
	pthread_t th;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		vxu_key(&ref, keys[i]);
		vxu_update(&ref);
		vxu_key(&st, keys[i]);
		if (j && !vxu_job_wanted(&st, j))
			vxu_job_cancel(j);
		if (j && i % 3 == 2) {   /* now and then the job ends before the next key */
			pthread_join(th, NULL);
			vxu_job_end(&st, j);
			j = NULL;
		}
		if (!j && (j = vxu_job_take(&st)) != NULL)
			cr_assert_eq(pthread_create(&th, NULL, run_job, j), 0);
	}
	while (j) {
		pthread_join(th, NULL);
		vxu_job_end(&st, j);
		if ((j = vxu_job_take(&st)) != NULL)
			cr_assert_eq(pthread_create(&th, NULL, run_job, j), 0);
	}
	cr_expect_eq(vxu_stale(&st), 0);
	cr_expect_eq(st.model->d, ref.model->d);
	cr_expect_eq(st.model->T, ref.model->T);
	cr_expect_eq(st.model->act, ref.model->act);
	cr_expect_eq(st.params.seed, ref.params.seed);
	cr_expect_eq(st.result->lambda, ref.result->lambda, "lambda %.17g, one by one %.17g", st.result->lambda,
	             ref.result->lambda);
	cr_expect_eq(st.result->t, ref.result->t);
	cr_expect_eq(st.k, ref.k);
	cr_expect_eq(st.j, ref.j);
	cr_expect_eq(st.step, ref.step);
	char a[512], b[512];
	status_text(a, sizeof a);
	line_text(&ref.status.lines[0], b, sizeof b);
	cr_expect_str_eq(a, b, "the same status line");
	cr_assert_not_null(st.doc);
	cr_assert_not_null(ref.doc);
	cr_expect_eq(st.doc->nlines, ref.doc->nlines, "the same step text");
	for (size_t i = 0; i < st.doc->nlines && i < ref.doc->nlines; i++) {
		line_text(&st.doc->lines[i], a, sizeof a);
		line_text(&ref.doc->lines[i], b, sizeof b);
		cr_expect_str_eq(a, b, "text line %zu", i);
	}
	cr_expect_eq(st.panel.nlines, ref.panel.nlines, "the same panel");
	for (size_t i = 0; i < st.panel.nlines && i < ref.panel.nlines; i++) {
		line_text(&st.panel.lines[i], a, sizeof a);
		line_text(&ref.panel.lines[i], b, sizeof b);
		cr_expect_str_eq(a, b, "panel line %zu", i);
	}
	vxu_state_free(&ref);
}

/* q while a job is out: the state goes, the job keeps what it reads and is
 * dropped after (what the tutor does when the job ends within its wait). */
Test(tutor_state, a_job_outlives_the_state_it_came_from)
{
	vxu_key(&st, '+');
	vxu_key(&st, VXU_K_RIGHT);
	vxu_job *j = vxu_job_take(&st);
	cr_assert_not_null(j);
	pthread_t th;
	cr_assert_eq(pthread_create(&th, NULL, run_job, j), 0);
	cr_expect_eq(vxu_key(&st, 'q'), VXU_QUIT, "q while it runs");
	vxu_job_cancel(j);
	vxu_state_free(&st);   /* the fixture's teardown frees the zeroed state again */
	pthread_join(th, NULL);
	vxu_job_drop(j);
}

/* A new model is analysed at the t asked for: a + and a t before one job
 * are one computation, not a model and then an analysis of it again. */
Test(tutor_state, a_model_and_a_loss_step_asked_together_are_one_job)
{
	vxu_key(&st, '+');
	vxu_key(&st, 't');
	vxu_job *j = vxu_job_take(&st);
	cr_assert_not_null(j);
	vxu_job_run(j);
	vxu_job_end(&st, j);
	vxu_job *again = vxu_job_take(&st);
	cr_expect_null(again, "nothing left to compute after one job");
	vxu_job_drop(again);
	cr_expect_eq(vxu_stale(&st), 0);
	cr_expect_eq(st.result->t, 49, "the analysis is at t = 49");
	expect_rel(norm2_of_W(), 1.1, 1e-12, "of the model with lambda = 1.1 (SVD here)");
}

/* Width of a panel line, its spans' columns summed. */
static int panel_line_width(const vxt_line *ln)
{
	int w = 0;
	for (size_t i = 0; i < ln->nspans; i++)
		w += vxr_u8_width(ln->spans[i].text);
	return w;
}

/* Every view at 60x16, 80x24, 100x30, 80x40 and 120x40, d = 8, 96 and 256,
 * UTF-8 and ASCII: the panel's text (the heading and the lines before the
 * first blank one, where a plot may follow) keeps the panel's last column
 * free, the heading two (it shares the strip's rule), so nothing the drawing
 * clips at the edge is ever a word cut in two; at 80x24, d = 96, σ′'s
 * values end with how many are left. */
Test(tutor_state, panel_lines_fit_the_panel, .timeout = 120)
{
	static const int sizes[][2] = { { 16, 60 }, { 24, 80 }, { 30, 100 }, { 40, 80 }, { 40, 120 } };
	static const char *const hidden[] = { "8", "96", "256" };
	for (size_t h = 0; h < 3; h++)
		for (int utf8 = 0; utf8 <= 1; utf8++) {
			vx_params p;
			vx_params_default(&p);
			vx_error err = { 0 };
			cr_assert_eq(vx_params_set(&p, "hidden", hidden[h], &err), VX_OK);
			vxu_state s2;
			cr_assert_eq(vxu_state_init(&s2, &p, 0, utf8, 24, 80, &err), VX_OK, "%s", err.msg);
			for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
				vxu_resize(&s2, sizes[z][0], sizes[z][1]);
				for (int v = 0; v < VXU_VIEW_COUNT; v++) {
					vxu_key(&s2, 'v');
					vxu_update(&s2);
					const vxt_lines *pl = &s2.panel;
					cr_assert_gt(pl->nlines, 1, "a panel is built");
					for (size_t i = 0; i < pl->nlines; i++) {
						if (i > 0 && pl->lines[i].nspans == 0)
							break;   /* a plot may follow */
						int w = panel_line_width(&pl->lines[i]), room = s2.lay.panel_w - (i == 0 ? 2 : 1);
						cr_expect_leq(w, room, "d = %s, %dx%d, %s, view %d, line %zu: %d columns, room for %d",
						              hidden[h], sizes[z][1], sizes[z][0], utf8 ? "UTF-8" : "ASCII", (int)s2.shown_view,
						              i, w, room);
					}
					if (h == 1 && sizes[z][1] == 80 && sizes[z][0] == 24 && s2.shown_view == VXU_VIEW_DACT) {
						const vxt_line *ln = &pl->lines[1];
						cr_expect(ln->nspans > 0 && strstr(ln->spans[ln->nspans - 1].text, " more)"),
						          "σ′'s values at d = 96 end with how many are left");
					}
				}
			}
			vxu_state_free(&s2);
		}
}

/* ---------------------------------------------------------------- work left for later */

/* A tutor on the gates step of a network beyond d³t = 2×10⁸ (d = 128,
 * T = 100), its first jobs done. */
/* The tutor at step 15 of a network of hidden × steps, its names read of
 * the LSTM beside it when lstm (its name then in the status line) */
static void later_state_of(vxu_state *s, int lstm, const char *hidden, const char *steps)
{
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	vx_params p;
	vx_params_default(&p);
	vx_error err = { 0 };
	cr_assert_eq(vx_params_set(&p, "hidden", hidden, &err), VX_OK);
	cr_assert_eq(vx_params_set(&p, "steps", steps, &err), VX_OK);
	cr_assert_eq(vxu_state_init(s, &p, 15, 1, 24, 80, &err), VX_OK, "%s", err.msg);
	if (lstm)
		vxu_key(s, 'c');
}

static void later_state(vxu_state *s)
{
	later_state_of(s, 0, "128", "100");
}

/* The gates step of an LSTM network beyond d³t = 2×10⁸ (d = 128, T = 100):
 * the step is laid out at once and says the LSTM and GRU are being
 * computed; they are a job of their own, taken only when nothing else is
 * owed, giving way to a key that asks for work and owed again after; once
 * in, the step and the panel are laid out again with their numbers.  The
 * numbers are those of the gated networks analysed here on their own. */
Test(tutor_later, a_slow_comparison_follows_the_step_and_gives_way_to_keys)
{
	vxu_state s;
	vx_error err = { 0 };
	later_state(&s);
	cr_assert_str_eq(vxr_step_name(s.step), "15-gates.md");
	/* the LSTM's cell over the longest gap, b = 0 and 1, computed here */
	char want[2][48];
	for (int i = 0; i < 2; i++) {
		vxr_ctx c = { &s.eff, s.model, s.result, s.j, s.k, "", NULL, 0, i, VX_CELL_RNN, 0, NULL };
		vxr_env *e = vxr_env_alloc(&c);
		const vx_net_result *g;
		cr_assert_eq(vxr_env_gated(e, VX_CELL_LSTM, &g, &err), VX_OK, "%s", err.msg);
		vxf_mag(want[i], sizeof want[i], g->c_norm[0], 3, VXF_UNICODE);
		vxr_env_free(e);
	}
	/* the first update ran every job, the comparison's too */
	char *d = lines_text(s.doc->lines, s.doc->nlines), *pn = lines_text(s.panel.lines, s.panel.nlines);
	cr_expect(strstr(d, "being computed") == NULL, "%s", d);
	cr_expect(strstr(pn, want[0]) != NULL, "the panel has the LSTM's %s: %s", want[0], pn);
	free(d);
	free(pn);
	cr_expect_eq(s.extras_want, 0);
	cr_expect_null(vxu_busy_note(&s));

	/* another forget bias: other networks, left for later */
	cr_expect_eq(vxu_key(&s, 'B'), VXU_RECOMPUTE);
	vxu_job *j = vxu_job_take(&s);
	cr_assert_not_null(j);
	vxu_job_run(j);
	cr_expect_eq(vxu_job_end(&s, j), VX_OK);
	d = lines_text(s.doc->lines, s.doc->nlines);
	pn = lines_text(s.panel.lines, s.panel.nlines);
	cr_expect(strstr(d, "are being computed") != NULL, "the step says so: %s", d);
	cr_expect(strstr(pn, "being computed") != NULL, "and the panel: %s", pn);
	free(d);
	free(pn);
	cr_expect_eq(s.extras_want, VXR_LATER_GATES);
	cr_expect_str_eq(vxu_busy_note(&s), "computing…");

	/* the comparison's job, given way to by a key that asks for work */
	j = vxu_job_take(&s);
	cr_assert_not_null(j);
	cr_expect_null(vxu_job_take(&s), "nothing else is owed");
	vxu_key(&s, VXU_K_DOWN);
	cr_expect(vxu_job_wanted(&s, j), "scrolling asks for nothing");
	vxu_key(&s, 'v');
	cr_expect_not(vxu_job_wanted(&s, j), "another panel is asked for: it gives way");
	vxu_job_cancel(j);
	vxu_job_run(j);
	cr_expect_eq(vxu_job_end(&s, j), VX_OK);
	cr_expect_eq(s.extras_want, VXR_LATER_GATES, "stopped: still owed");
	j = vxu_job_take(&s);
	cr_assert_not_null(j, "the panel's layout first");
	vxu_job_run(j);
	vxu_job_end(&s, j);
	vxu_key(&s, 'V');   /* back to the step's own view */
	cr_expect_eq(vxu_update(&s), VX_OK);
	cr_expect_eq(s.extras_want, 0, "all in");
	cr_expect_null(vxu_busy_note(&s));
	d = lines_text(s.doc->lines, s.doc->nlines);
	pn = lines_text(s.panel.lines, s.panel.nlines);
	cr_expect(strstr(d, "being computed") == NULL, "%s", d);
	cr_expect(strstr(d, "forget bias b = 1") != NULL, "%s", d);
	cr_expect(strstr(pn, want[1]) != NULL, "the panel has the LSTM's %s with b = 1: %s", want[1], pn);
	free(d);
	free(pn);
	vxu_state_free(&s);
}

/* What the step shown left for later comes before what a step visited
 * earlier did, and is laid out again as soon as it is in; a new set of
 * laid-out steps drops what only forgotten steps wanted (asked for again
 * when they are shown again). */
Test(tutor_later, the_step_shown_is_served_first)
{
	vxu_state s;
	later_state(&s);
	/* step 15 at another bias: its LSTM and GRU left for later */
	vxu_key(&s, 'B');
	vxu_job *j = vxu_job_take(&s);
	cr_assert_not_null(j);
	vxu_job_run(j);
	vxu_job_end(&s, j);
	cr_expect_eq(s.extras_want, VXR_LATER_GATES);
	/* step 14 before they are in: its powers left for later too */
	vxu_key(&s, VXU_K_LEFT);
	cr_assert_str_eq(vxr_step_name(s.step), "14-eigen.md");
	j = vxu_job_take(&s);
	cr_assert_not_null(j);
	vxu_job_run(j);
	vxu_job_end(&s, j);
	cr_expect_eq(s.extras_want, VXR_LATER_GATES | VXR_LATER_POWERS);
	char *d = lines_text(s.doc->lines, s.doc->nlines);
	cr_expect(strstr(d, "take a while") != NULL && strstr(d, "Between the two ends") == NULL, "%s", d);
	free(d);
	/* the next job computes step 14's alone, then step 14 is laid out again */
	j = vxu_job_take(&s);
	cr_assert_not_null(j);
	vxu_job_run(j);
	vxu_job_end(&s, j);
	cr_expect_eq(s.extras_want, VXR_LATER_GATES, "the powers in, the gates still owed");
	j = vxu_job_take(&s);
	cr_assert_not_null(j, "step 14 laid out again");
	vxu_job_run(j);
	vxu_job_end(&s, j);
	d = lines_text(s.doc->lines, s.doc->nlines);
	cr_expect(strstr(d, "take a while") == NULL && strstr(d, "Between the two ends") != NULL, "%s", d);
	free(d);
	cr_expect_eq(s.extras_want, 0, "step 15, forgotten, wants nothing until shown");
	cr_expect_null(vxu_job_take(&s), "nothing owed");
	cr_expect_null(vxu_busy_note(&s));
	vxu_key(&s, VXU_K_RIGHT);
	cr_expect_eq(vxu_update(&s), VX_OK);
	d = lines_text(s.doc->lines, s.doc->nlines);
	cr_expect(strstr(d, "being computed") == NULL && strstr(d, "forget bias b = 1") != NULL, "%s", d);
	free(d);
	vxu_state_free(&s);
}

/* `e` at a size whose comparisons are slow: the handout's job gives way to
 * a key that asks for work, writes nothing then, and is done after it, the
 * handout whole (every comparison in, nothing "stopped" or "being
 * computed"). */
Test(tutor_later, a_handout_gives_way_to_a_key_and_is_written_after)
{
	vxu_state s;
	later_state(&s);
	char dir[] = "/tmp/vanex-tutor-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	s.export_dir = dir;
	char path[4200];
	snprintf(path, sizeof path, "%s/vanex-handout.html", dir);
	cr_expect_eq(vxu_key(&s, 'e'), VXU_EXPORT);
	vxu_job *j = vxu_job_take(&s);
	cr_assert_not_null(j);
	cr_expect(vxu_job_wanted(&s, j));
	vxu_key(&s, 'v');
	cr_expect_not(vxu_job_wanted(&s, j), "another panel asked for: the handout gives way");
	vxu_job_cancel(j);
	vxu_job_run(j);
	cr_expect_eq(vxu_job_end(&s, j), VX_OK);
	cr_expect_neq(access(path, F_OK), 0, "nothing written yet");
	cr_expect(vxu_stale(&s) & VXU_STALE_EXPORT, "the handout still owed");
	cr_expect_eq(vxu_update(&s), VX_OK);
	static char html[1 << 22];
	slurp(path, html, sizeof html);
	cr_expect(strstr(html, "being computed") == NULL && strstr(html, "stopped") == NULL);
	cr_expect(strstr(html, "An LSTM and a GRU beside this network") != NULL, "step 15's comparison in it");
	unlink(path);
	rmdir(dir);
	vxu_state_free(&s);
}

/* The status line and the note beside it ("updating…", "computing…", or
 * "…" where the words do not fit) fit every width from 60 columns up, γλ
 * whole: nothing is cut by the note.  A vanilla network, and an LSTM's
 * longer line (its name, d = 256, T = 1000), which at 60 columns needs the
 * "…" and lost γλ when the next line built took the words back. */
Test(tutor_later, the_status_line_and_its_note_fit)
{
	for (int net = 0; net < 2; net++) {
		vxu_state s;
		if (net)
			later_state_of(&s, 1, "256", "1000");
		else
			later_state(&s);
		vxu_key(&s, 'B');   /* another bias: the gates left for later, owed throughout */
		for (int cols = 60; cols <= 80; cols++) {
			for (int phase = 0; phase < 2; phase++) {
				if (phase == 0) {
					vxu_resize(&s, 16, cols);   /* the step asked again: updating */
				} else {
					vxu_job *j = vxu_job_take(&s);   /* laid out: the gates still owed */
					cr_assert_not_null(j);
					vxu_job_run(j);
					vxu_job_end(&s, j);
				}
				/* and the same line built again from the same state (the
				 * same size again: only the status is built; what one build
				 * decides must not change the next) */
				for (int again = 0; again < 3; again++) {
					if (again)
						vxu_resize(&s, 16, cols);
					const char *busy = vxu_busy_note(&s);
					cr_assert_not_null(busy, "%d columns, phase %d: a note", cols, phase);
					char b[512];
					cr_assert_eq(s.status.nlines, 1);
					line_text(&s.status.lines[0], b, sizeof b);
					int room = cols - (int)strlen(s.status_right) - 2 - vxr_u8_width(busy) - 2;
					cr_expect(vxr_u8_width(b) <= room, "%d columns, build %d: '%s' beside '%s' and '%s'",
					          cols, again, b, busy, s.status_right);
					cr_expect(strstr(b, "γλ=0.8") != NULL, "%d columns: γλ whole in '%s'", cols, b);
					cr_expect(phase == 0 ? strstr(busy, "updating") || !strcmp(busy, "…")
					                     : strstr(busy, "computing") || !strcmp(busy, "…"),
					          "%d columns: '%s'", cols, busy);
				}
			}
		}
		if (!net) {
			/* the gates in: nothing owed, no note */
			cr_expect_eq(vxu_update(&s), VX_OK);
			cr_expect_null(vxu_busy_note(&s));
		}
		vxu_state_free(&s);
	}
}

/* The first line with text from the top of the view down. */
static void view_top(const vxu_state *s, char *b, size_t n)
{
	b[0] = '\0';
	for (size_t i = s->scroll; i < s->doc->nlines && !b[0]; i++)
		line_text(&s->doc->lines[i], b, n);
}

/* The reader's line stays at the top of the view when the step is laid
 * out again with the comparison that was being computed above it (a plot
 * many lines longer than the placeholder). */
Test(tutor_later, the_view_stays_on_its_line_when_a_comparison_comes_in)
{
	vxu_state s;
	later_state(&s);
	vxu_resize(&s, 16, 80);   /* a short screen: room to scroll past the placeholder */
	cr_expect_eq(vxu_update(&s), VX_OK);
	vxu_key(&s, 'B');   /* another bias: laid out with the placeholder */
	vxu_job *j = vxu_job_take(&s);
	cr_assert_not_null(j);
	vxu_job_run(j);
	vxu_job_end(&s, j);
	char *d = lines_text(s.doc->lines, s.doc->nlines);
	cr_assert(strstr(d, "are being computed") != NULL, "%s", d);
	free(d);
	size_t at = SIZE_MAX;
	for (size_t i = 0; i < s.doc->nlines && at == SIZE_MAX; i++) {
		char b[512];
		line_text(&s.doc->lines[i], b, sizeof b);
		if (strstr(b, "The forget bias."))
			at = i;
	}
	cr_assert_neq(at, SIZE_MAX);
	size_t max = vxu_scroll_max(&s);
	s.scroll = at < max ? at : max;
	size_t ph = 0;
	for (size_t i = 0; i < s.doc->nlines && !ph; i++) {
		char b[512];
		line_text(&s.doc->lines[i], b, sizeof b);
		if (strstr(b, "The comparison needs"))
			ph = i;
	}
	cr_assert(ph > 0 && s.scroll > ph, "scrolled below the placeholder (line %zu): %zu", ph, s.scroll);
	char before[512], after[512];
	view_top(&s, before, sizeof before);
	size_t old = s.scroll;
	cr_expect_eq(vxu_update(&s), VX_OK);   /* the comparison in */
	d = lines_text(s.doc->lines, s.doc->nlines);
	cr_expect(strstr(d, "are being computed") == NULL, "%s", d);
	free(d);
	view_top(&s, after, sizeof after);
	cr_expect_str_eq(after, before);
	cr_expect_gt(s.scroll, old + 5, "the view moved down with its line: %zu, was %zu", s.scroll, old);
	vxu_state_free(&s);
}
