/*
 * test_math_box.c — display math laid out in character cells (vxm_layout).
 *
 * Every expected box is written out here by hand from the rules of math.h
 * (a bar as wide as the wider part plus one cell each side, parts centred,
 * cells of a matrix centred with two spaces between columns, scripts in
 * small characters only when every character has one, else in Unicode set
 * apart and in ASCII on the line, s_(j-1)), rows right-trimmed;
 * width, height and baseline are checked beside the rows.  Each box is also
 * checked for what a terminal needs: every row exactly w cells wide, no
 * TeX source (\ { }) on any row, bytes < 0x80 in ASCII.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "report/text/math.h"
#include "report/text/utf8.h"

/* The box's rows, right-trimmed, one per line. */
static char *rows_of(const vxm_box *b)
{
	size_t n = 1;
	for (int y = 0; y < b->h; y++)
		n += strlen(b->rows[y]) + 1;
	char *s = malloc(n), *p = s;
	cr_assert_not_null(s);
	for (int y = 0; y < b->h; y++) {
		size_t l = strlen(b->rows[y]);
		while (l && b->rows[y][l - 1] == ' ')
			l--;
		memcpy(p, b->rows[y], l);
		p += l;
		*p++ = '\n';
	}
	*p = '\0';
	return s;
}

static void expect_box(const char *src, int ascii, int width, int w, int h, int base, const char *want)
{
	vxm_box b;
	size_t col = 99;
	vx_error err = { 0 };
	vx_status st = vxm_layout(src, strlen(src), ascii, 1, width, &b, &col, &err);
	cr_assert_eq(st, VX_OK, "layout of \"%s\" failed: col %zu: %s", src, col, err.msg);
	char *got = rows_of(&b);
	cr_expect_str_eq(got, want, "%s of \"%s\" at width %d:\n--- got\n%s--- want\n%s", ascii ? "ASCII" : "UTF-8",
	                 src, width, got, want);
	cr_expect(b.w == w && b.h == h && b.base == base, "\"%s\": w %d h %d base %d, want %d %d %d", src, b.w,
	          b.h, b.base, w, h, base);
	for (int y = 0; y < b.h; y++) {
		cr_expect_eq(vxr_u8_width(b.rows[y]), b.w, "\"%s\" row %d is %d cells, the box %d", src, y,
		             vxr_u8_width(b.rows[y]), b.w);
		cr_expect(!strpbrk(b.rows[y], "\\{}"), "\"%s\" row %d shows TeX: %s", src, y, b.rows[y]);
		for (const char *c = b.rows[y]; ascii && *c; c++)
			cr_expect((unsigned char)*c < 0x80, "\"%s\" ASCII row %d has byte 0x%02x", src, y,
			          (unsigned char)*c);
	}
	free(got);
	vxm_box_free(&b);
}

/* ---- fractions ------------------------------------------------------- */

Test(math_box, fraction_stacked_over_a_bar)
{
	expect_box("\\frac{a+b}{2}", 0, 0, 7, 3, 1,
	           " a + b\n"
	           "───────\n"
	           "   2\n");
	expect_box("\\frac{a+b}{2}", 1, 0, 7, 3, 1,
	           " a + b\n"
	           "-------\n"
	           "   2\n");
	/* the loss of step 1: the fraction's bar on the baseline of the row */
	expect_box("L_t = \\frac{1}{2} \\|s_t - y\\|^2", 0, 0, 17, 3, 1,
	           "      1\n"
	           "Lₜ = ───‖sₜ − y‖²\n"
	           "      2\n");
}

/* ---- matrices -------------------------------------------------------- */

Test(math_box, matrix_with_bracket_glyphs)
{
	/* a row holding a fraction is three high: a blank row parts it from the next */
	expect_box("\\begin{bmatrix} 1 & -2 \\\\ x_1 & \\frac{1}{2} \\end{bmatrix}", 0, 0, 11, 5, 2,
	           "⎡ 1   −2  ⎤\n"
	           "⎢         ⎥\n"
	           "⎢      1  ⎥\n"
	           "⎢ x₁  ─── ⎥\n"
	           "⎣      2  ⎦\n");
	expect_box("\\begin{bmatrix} 1 & -2 \\\\ x_1 & \\frac{1}{2} \\end{bmatrix}", 1, 0, 12, 5, 2,
	           "[  1   -2  ]\n"
	           "[          ]\n"
	           "[       1  ]\n"
	           "[ x_1  --- ]\n"
	           "[       2  ]\n");
	expect_box("W = \\begin{vmatrix} a & b \\\\ c & d \\end{vmatrix}", 0, 0, 12, 2, 0,
	           "W = │ a  b │\n"
	           "    │ c  d │\n");
	expect_box("W = \\begin{vmatrix} a & b \\\\ c & d \\end{vmatrix}", 1, 0, 12, 2, 0,
	           "W = | a  b |\n"
	           "    | c  d |\n");
}

/* ---- scripts --------------------------------------------------------- */

Test(math_box, nested_scripts_small_or_set_apart)
{
	/* iₖ has no subscript form (ₖ is one already): the subscript goes
	 * below; 2ⁿ likewise above; ⁻ᵗ exists in small letters, j,i does not */
	expect_box("x_{i_{k}}^{2^{n}} + e^{-t}_{j,i}", 0, 0, 12, 3, 1,
	           " 2ⁿ\n"
	           "x   + e⁻ᵗ\n"
	           " iₖ      j,i\n");
	/* ASCII has no small characters: every script on the line as inline
	 * math writes it, one token bare (s_t), more in ( ) (s_(j-1)) */
	expect_box("x_{i_{k}}^{2^{n}} + e^{-t}_{j,i}", 1, 0, 28, 1, 0, "x_(i_k)^(2^n) + e_(j,i)^(-t)\n");
	expect_box("a_j = W s_{j-1} + U x_j + b", 1, 0, 25, 1, 0, "a_j = Ws_(j-1) + Ux_j + b\n");
	/* all small: one row, exactly as inline */
	expect_box("(\\gamma\\lambda)^{t-k} \\le \\|W\\|_2^n", 0, 0, 15, 1, 0, "(γλ)ᵗ⁻ᵏ ≤ ‖W‖₂ⁿ\n");
	/* a small script on a tall base: superscript at its top, subscript at its bottom */
	expect_box("\\left\\| \\frac{\\partial s_t}{\\partial s_k} \\right\\|_2^{2}", 0, 0, 8, 3, 1,
	           "‖ ∂sₜ ‖²\n"
	           "‖─────‖\n"
	           "‖ ∂sₖ ‖₂\n");
}

Test(math_box, limits_above_and_below)
{
	expect_box("\\left\\| \\frac{\\partial s_t}{\\partial s_k} \\right\\|_2 \\le \\prod_{j=k+1}^{t} \\|J_j\\|_2", 0, 0,
	           22, 3, 1,
	           "‖ ∂sₜ ‖      t\n"
	           "‖─────‖  ≤   Π   ‖Jⱼ‖₂\n"
	           "‖ ∂sₖ ‖₂   j=k+1\n");
	/* the limit below max; the subscript j,i on the line, as inline */
	expect_box("\\max_i \\sigma'(a_{j,i}) \\le \\gamma", 1, 0, 28, 2, 0,
	           "max sigma'(a_(j,i)) <= gamma\n"
	           " i\n");
}

/* ---- roots and fences ------------------------------------------------ */

Test(math_box, sqrt_under_a_bar_and_growing)
{
	expect_box("\\sqrt{x+1} = \\sqrt{\\frac{1}{y}}", 0, 0, 17, 4, 2,
	           "              ___\n"
	           "  _____      ╱ 1\n"
	           "╲╱x + 1 =   ╱ ───\n"
	           "          ╲╱   y\n");
	expect_box("\\sqrt{x+1} = \\sqrt{\\frac{1}{y}}", 1, 0, 23, 3, 1,
	           "                  [ 1 ]\n"
	           "sqrt(x + 1) = sqrt[---]\n"
	           "                  [ y ]\n");
	/* one token under the root: no bar, as inline */
	expect_box("\\sqrt{d}", 0, 0, 2, 1, 0, "√d\n");
	expect_box("\\left( \\sum_{k=1}^{t} x_k \\right)^2 \\ge \\left\\{ \\frac{1}{2} \\right.", 0, 0, 16, 3, 1,
	           "⎛ t    ⎞²   ⎧ 1\n"
	           "⎜ Σ  xₖ⎟  ≥ ⎨───\n"
	           "⎝k=1   ⎠    ⎩ 2\n");
}

/* ---- the Jacobian of step 5 ------------------------------------------ */

#define JACOBIAN                                                                                           \
	"\\frac{\\partial s_j}{\\partial a_j} = \\begin{pmatrix} \\sigma'(a_{j,1}) & 0 & \\cdots & 0 \\\\ 0 & " \
	"\\sigma'(a_{j,2}) & \\cdots & 0 \\\\ \\vdots & & \\ddots & \\vdots \\\\ 0 & 0 & \\cdots & "             \
	"\\sigma'(a_{j,d}) \\end{pmatrix} = \\operatorname{diag}(\\sigma'(a_j))."

Test(math_box, jacobian_of_step_5)
{
	expect_box(JACOBIAN, 0, 80, 59, 7, 3,
	           "        ⎛ σ′(a   )     0      ⋯     0     ⎞\n"
	           "        ⎜     j,1                         ⎟\n"
	           " ∂sⱼ    ⎜    0      σ′(a   )  ⋯     0     ⎟\n"
	           "───── = ⎜               j,2               ⎟ = diag(σ′(aⱼ)).\n"
	           " ∂aⱼ    ⎜    ⋮                ⋱     ⋮     ⎟\n"
	           "        ⎜    0         0      ⋯  σ′(a   ) ⎟\n"
	           "        ⎝                            j,d  ⎠\n");
	/* narrower than the whole: broken before the last = that fits, the
	 * matrix kept whole */
	expect_box(JACOBIAN, 0, 50, 43, 8, 3,
	           "        ⎛ σ′(a   )     0      ⋯     0     ⎞\n"
	           "        ⎜     j,1                         ⎟\n"
	           " ∂sⱼ    ⎜    0      σ′(a   )  ⋯     0     ⎟\n"
	           "───── = ⎜               j,2               ⎟\n"
	           " ∂aⱼ    ⎜    ⋮                ⋱     ⋮     ⎟\n"
	           "        ⎜    0         0      ⋯  σ′(a   ) ⎟\n"
	           "        ⎝                            j,d  ⎠\n"
	           "    = diag(σ′(aⱼ)).\n");
	/* ASCII: a_(j,1) on one line, as inline math writes it ... */
	expect_box(JACOBIAN, 1, 78, 68, 5, 1,
	           " d s_j    [ sigma'(a_(j,1))         0         ...         0        ]\n"
	           "------- = [        0         sigma'(a_(j,2))  ...         0        ]\n"
	           " d a_j    [        :                          ...         :        ]\n"
	           "          [        0                0         ...  sigma'(a_(j,d)) ]\n"
	           "    = diag(sigma'(a_j)).\n");
	/* ... except where that is too wide: the 58-column matrix does not fit
	 * 60, the one with j,1 below its a (49) does */
	expect_box(JACOBIAN, 1, 60, 59, 8, 3,
	           "          [ sigma'(a   )       0        ...       0       ]\n"
	           "          [         j,1                                   ]\n"
	           " d s_j    [      0        sigma'(a   )  ...       0       ]\n"
	           "------- = [                       j,2                     ]\n"
	           " d a_j    [      :                      ...       :       ]\n"
	           "          [      0             0        ...  sigma'(a   ) ]\n"
	           "          [                                          j,d  ]\n"
	           "    = diag(sigma'(a_j)).\n");
}

/* ---- breaking, inline, errors ---------------------------------------- */

Test(math_box, wide_formula_breaks_at_a_relation_first)
{
	/* at 12 columns: before the = (a relation wins over the + before it),
	 * then before the − */
	expect_box("a + b = c + d - e", 0, 12, 11, 3, 0,
	           "a + b\n"
	           "    = c + d\n"
	           "    − e\n");
	/* no limit: one row */
	expect_box("a + b = c + d - e", 0, 0, 17, 1, 0, "a + b = c + d − e\n");
}

Test(math_box, inline_is_the_linear_text)
{
	const char *src[] = { "s_{j,i} = \\sigma(a_{j,i})", "\\frac{1}{1+e^{-x}}", JACOBIAN };
	for (size_t i = 0; i < sizeof src / sizeof src[0]; i++)
		for (int ascii = 0; ascii < 2; ascii++) {
			char *lin = NULL;
			size_t col;
			vx_error err;
			cr_assert_eq(vxm_render(src[i], strlen(src[i]), ascii ? VXM_ASCII : VXM_UNICODE, 0, &lin, &col,
			                        &err), VX_OK);
			vxm_box b;
			cr_assert_eq(vxm_layout(src[i], strlen(src[i]), ascii, 0, 10, &b, &col, &err), VX_OK);
			cr_expect_eq(b.h, 1, "inline \"%s\" has %d rows", src[i], b.h);
			cr_expect_str_eq(b.rows[0], lin, "inline \"%s\"", src[i]);
			cr_expect(!strstr(lin, "_{") && !strstr(lin, "^{"), "inline \"%s\" shows braces: %s", src[i], lin);
			vxm_box_free(&b);
			free(lin);
		}
	expect_box("s_{j,i}", 0, 0, 4, 2, 0, "s\n j,i\n");
}

Test(math_box, errors_as_vxm_render)
{
	vxm_box b;
	size_t col = 0;
	vx_error err = { 0 };
	cr_expect_eq(vxm_layout("\\frac{a}", 8, 0, 1, 80, &b, &col, &err), VX_EFORMAT);
	cr_expect_eq(col, 1);
	cr_expect(strstr(err.msg, "missing argument") != NULL, "%s", err.msg);
	cr_expect_eq(b.rows, NULL);
	cr_expect_eq(vxm_layout(NULL, 3, 0, 1, 80, &b, &col, &err), VX_EUSAGE);
	vxm_box_free(NULL);
}
