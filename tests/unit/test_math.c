/*
 * test_math.c — the TeX subset rendered for every target.
 *
 * Expected strings are written out by hand from DESIGN.md section 1 and the
 * rules in report/text/math.h (not produced by the code and pasted back).
 * MathML is checked for well-formedness twice, by a small tag-balance
 * checker written here and by Python's XML parser.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/text/math.h"
#include "test_proc.h"

static char *render(const char *src, vxm_target t, int display)
{
	char *out = NULL;
	size_t col = 99;
	vx_error err = { 0 };
	vx_status st = vxm_render(src, strlen(src), t, display, &out, &col, &err);
	cr_assert_eq(st, VX_OK, "render of \"%s\" (target %d) failed: col %zu: %s", src, t, col, err.msg);
	cr_assert_not_null(out, "no output for \"%s\"", src);
	return out;
}

static void expect(const char *src, vxm_target t, int display, const char *want)
{
	char *got = render(src, t, display);
	cr_expect_str_eq(got, want, "target %d of \"%s\":\n got  %s\n want %s", t, src, got, want);
	free(got);
}

/* ---- DESIGN.md section 1, one formula per row, every target ---------- */

typedef struct {
	const char *src, *uni, *ascii, *latex;
} formula;

static const formula design[] = {
	{ "\\frac{\\partial L_t}{\\partial W} = \\sum_{k=1}^{t} \\frac{\\partial L_t}{\\partial s_t}"
	  "\\frac{\\partial s_t}{\\partial s_k}\\frac{\\partial^+ s_k}{\\partial W}",
	  "∂Lₜ/∂W = Σₖ₌₁ᵗ (∂Lₜ/∂sₜ)(∂sₜ/∂sₖ)(∂⁺sₖ/∂W)",
	  "d L_t/d W = sum_(k=1)^t (d L_t/d s_t)(d s_t/d s_k)(d^+s_k/d W)",
	  "\\frac{\\partial L_{t}}{\\partial W} = \\sum_{k = 1}^{t}\\frac{\\partial L_{t}}{\\partial s_{t}}"
	  "\\frac{\\partial s_{t}}{\\partial s_{k}}\\frac{\\partial^{+}s_{k}}{\\partial W}" },
	{ "\\frac{\\partial s_t}{\\partial s_k} = \\prod_{j=k+1}^{t} \\frac{\\partial s_j}{\\partial s_{j-1}}",
	  "∂sₜ/∂sₖ = Πⱼ₌ₖ₊₁ᵗ ∂sⱼ/∂sⱼ₋₁",
	  "d s_t/d s_k = prod_(j=k+1)^t d s_j/d s_(j-1)",
	  "\\frac{\\partial s_{t}}{\\partial s_{k}} = \\prod_{j = k + 1}^{t}\\frac{\\partial s_{j}}{\\partial s_{j - 1}}" },
	{ "z = x^2 + y^2", "z = x² + y²", "z = x^2 + y^2", "z = x^{2} + y^{2}" },
	{ "\\frac{\\partial z}{\\partial \\theta} = \\begin{pmatrix} 2x & 2y \\end{pmatrix}",
	  "∂z/∂θ = [2x 2y]", "d z/d theta = [2x 2y]",
	  "\\frac{\\partial z}{\\partial\\theta} = \\begin{pmatrix}2x & 2y\\end{pmatrix}" },
	{ "\\frac{\\partial s_j}{\\partial a_j} = \\operatorname{diag}(\\sigma'(a_j))",
	  "∂sⱼ/∂aⱼ = diag(σ′(aⱼ))", "d s_j/d a_j = diag(sigma'(a_j))",
	  "\\frac{\\partial s_{j}}{\\partial a_{j}} = \\operatorname{diag}(\\sigma'(a_{j}))" },
	{ "J_j = \\frac{\\partial s_j}{\\partial s_{j-1}} = \\operatorname{diag}(\\sigma'(a_j))\\, W",
	  "Jⱼ = ∂sⱼ/∂sⱼ₋₁ = diag(σ′(aⱼ)) W", "J_j = d s_j/d s_(j-1) = diag(sigma'(a_j)) W",
	  "J_{j} = \\frac{\\partial s_{j}}{\\partial s_{j - 1}} = \\operatorname{diag}(\\sigma'(a_{j}))\\,W" },
	{ "\\|J_j\\| \\le \\gamma\\lambda", "‖Jⱼ‖ ≤ γλ", "||J_j|| <= gamma*lambda",
	  "\\|J_{j}\\| \\le \\gamma\\lambda" },
	{ "\\|W\\|_2 \\le \\lambda", "‖W‖₂ ≤ λ", "||W||_2 <= lambda", "\\|W\\|_{2} \\le \\lambda" },
	{ "\\left\\|\\frac{\\partial s_t}{\\partial s_k}\\right\\| \\le (\\gamma\\lambda)^{t-k}",
	  "‖∂sₜ/∂sₖ‖ ≤ (γλ)ᵗ⁻ᵏ", "||d s_t/d s_k|| <= (gamma*lambda)^(t-k)",
	  "\\left\\|\\frac{\\partial s_{t}}{\\partial s_{k}}\\right\\| \\le (\\gamma\\lambda)^{t - k}" },
	{ "0.5^{10} \\approx 9.77\\cdot 10^{-4}", "0.5¹⁰ ≈ 9.77·10⁻⁴", "0.5^10 ~= 9.77*10^(-4)",
	  "0.5^{10} \\approx 9.77 \\cdot 10^{-4}" },
	{ "2^{10} = 1024", "2¹⁰ = 1024", "2^10 = 1024", "2^{10} = 1024" },
	{ "\\sigma'(a) = \\sigma(a)(1-\\sigma(a)) \\le \\frac{1}{4}",
	  "σ′(a) = σ(a)(1 − σ(a)) ≤ 1/4", "sigma'(a) = sigma(a)(1 - sigma(a)) <= 1/4",
	  "\\sigma'(a) = \\sigma(a)(1 - \\sigma(a)) \\le \\frac{1}{4}" },
	{ "\\gamma = \\max_a \\sigma'(a)", "γ = maxₐ σ′(a)", "gamma = max_a sigma'(a)",
	  "\\gamma = \\max_{a}\\sigma'(a)" },
	{ "L_t = \\frac{1}{2}\\|s_t - y\\|^2", "Lₜ = (1/2)‖sₜ − y‖²", "L_t = (1/2)||s_t - y||^2",
	  "L_{t} = \\frac{1}{2}\\|s_{t} - y\\|^{2}" },
	{ "a_j = W s_{j-1} + U x_j + b", "aⱼ = Wsⱼ₋₁ + Uxⱼ + b", "a_j = Ws_(j-1) + Ux_j + b",
	  "a_{j} = Ws_{j - 1} + Ux_{j} + b" },
	{ "W^\\top \\operatorname{diag}(\\sigma')", "Wᵀ diag(σ′)", "W^T diag(sigma')",
	  "W^{\\top}\\operatorname{diag}(\\sigma')" },
	{ "\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix}", "[a b; c d]", "[a b; c d]",
	  "\\begin{pmatrix}a & b \\\\ c & d\\end{pmatrix}" },
	{ "(\\gamma\\lambda)^{t-k} \\to 0", "(γλ)ᵗ⁻ᵏ → 0", "(gamma*lambda)^(t-k) -> 0",
	  "(\\gamma\\lambda)^{t - k} \\to 0" },
	/* a script with no small form for every character falls back */
	{ "x_{j,i} + y^{q}", "x_(j,i) + y^q", "x_(j,i) + y^q", "x_{j,i} + y^{q}" },
	{ "\\frac{1}{1+e^{-x}}", "1/(1+e⁻ˣ)", "1/(1+e^(-x))", "\\frac{1}{1 + e^{-x}}" },
	{ "\\sqrt{x^2+y^2}", "√(x²+y²)", "sqrt(x^2+y^2)", "\\sqrt{x^{2} + y^{2}}" },
	/* Unicode in the source means the same as the command */
	{ "σ′(a) ≤ γ − 1", "σ′(a) ≤ γ − 1", "sigma'(a) <= gamma - 1", "\\sigma'(a) \\le \\gamma - 1" },
	{ "a_j \\in \\mathbb{R}^d", "aⱼ ∈ ℝᵈ", "a_j in R^d", "a_{j} \\in \\mathbf{R}^{d}" },
	{ "\\text{if } \\gamma\\lambda < 1", "if γλ < 1", "if gamma*lambda < 1",
	  "\\text{if }\\gamma\\lambda < 1" },
};

Test(math, design_formulas_unicode)
{
	for (size_t i = 0; i < sizeof design / sizeof design[0]; i++)
		expect(design[i].src, VXM_UNICODE, 0, design[i].uni);
}

Test(math, design_formulas_ascii)
{
	for (size_t i = 0; i < sizeof design / sizeof design[0]; i++)
		expect(design[i].src, VXM_ASCII, 0, design[i].ascii);
}

Test(math, design_formulas_latex)
{
	for (size_t i = 0; i < sizeof design / sizeof design[0]; i++)
		expect(design[i].src, VXM_LATEX, 1, design[i].latex);
}

Test(math, latex_output_parses_back_to_the_same_unicode)
{
	/* the normalised source is itself valid input with the same meaning */
	for (size_t i = 0; i < sizeof design / sizeof design[0]; i++) {
		if (strstr(design[i].src, "mathbb"))
			continue; /* \mathbb{R} goes to LaTeX as \mathbf{R}, on purpose */
		char *tex = render(design[i].src, VXM_LATEX, 0);
		expect(tex, VXM_UNICODE, 0, design[i].uni);
		free(tex);
	}
}

Test(math, mathml_expected)
{
	expect("(\\gamma\\lambda)^{t-k}", VXM_MATHML, 0,
	       "<math><mo stretchy=\"false\">(</mo><mi>γ</mi><mi>λ</mi><msup><mo stretchy=\"false\">)</mo>"
	       "<mrow><mi>t</mi><mo lspace=\"0\" rspace=\"0\">−</mo><mi>k</mi></mrow></msup></math>");
	expect("z = x^2 + y^2", VXM_MATHML, 1,
	       "<math display=\"block\"><mi>z</mi><mo>=</mo><msup><mi>x</mi><mn>2</mn></msup><mo>+</mo>"
	       "<msup><mi>y</mi><mn>2</mn></msup></math>");
	expect("0.5^{10} \\approx 9.77\\cdot 10^{-4}", VXM_MATHML, 0,
	       "<math><msup><mn>0.5</mn><mn>10</mn></msup><mo>≈</mo><mn>9.77</mn><mo>⋅</mo>"
	       "<msup><mn>10</mn><mrow><mn>−4</mn></mrow></msup></math>");
	/* where TeX reads a unary minus (first, or after an operator, a
	 * relation or a bracket): before a number one <mn>, −0.666, else a
	 * prefix operator; a − 2 stays binary */
	expect("\\mu \\approx {-0.666} \\quad (-x) \\quad a - 2 = -\\infty", VXM_MATHML, 0,
	       "<math><mi>μ</mi><mo>≈</mo><mn>−0.666</mn><mspace width=\"1em\"/><mo stretchy=\"false\">(</mo>"
	       "<mo form=\"prefix\" lspace=\"0\" rspace=\"0\">−</mo><mi>x</mi><mo stretchy=\"false\">)</mo>"
	       "<mspace width=\"1em\"/><mi>a</mi><mo>−</mo><mn>2</mn><mo>=</mo>"
	       "<mo form=\"prefix\" lspace=\"0\" rspace=\"0\">−</mo><mi mathvariant=\"normal\">∞</mi></math>");
	expect("\\|J_j\\| \\le \\gamma\\lambda", VXM_MATHML, 0,
	       "<math><mo stretchy=\"false\">‖</mo><msub><mi>J</mi><mi>j</mi></msub><mo stretchy=\"false\">‖</mo>"
	       "<mo>≤</mo><mi>γ</mi><mi>λ</mi></math>");
	expect("\\frac{\\partial s_t}{\\partial s_k}", VXM_MATHML, 0,
	       "<math><mfrac><mrow><mi mathvariant=\"normal\">∂</mi><msub><mi>s</mi><mi>t</mi></msub></mrow>"
	       "<mrow><mi mathvariant=\"normal\">∂</mi><msub><mi>s</mi><mi>k</mi></msub></mrow></mfrac></math>");
	expect("\\operatorname{diag}(\\sigma'(a_j))", VXM_MATHML, 0,
	       "<math><mi>diag</mi><mo stretchy=\"false\">(</mo><mrow><mi>σ</mi><mo lspace=\"0\" rspace=\"0\">′</mo></mrow>"
	       "<mo stretchy=\"false\">(</mo><msub><mi>a</mi><mi>j</mi></msub><mo stretchy=\"false\">)</mo>"
	       "<mo stretchy=\"false\">)</mo></math>");
	expect("\\sqrt{x}", VXM_MATHML, 0, "<math><msqrt><mi>x</mi></msqrt></math>");
	expect("\\text{a < b & c}", VXM_MATHML, 0, "<math><mtext>a &lt; b &amp; c</mtext></math>");
	expect("\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix}", VXM_MATHML, 1,
	       "<math display=\"block\"><mrow><mo>(</mo><mtable><mtr><mtd><mi>a</mi></mtd><mtd><mi>b</mi></mtd></mtr>"
	       "<mtr><mtd><mi>c</mi></mtd><mtd><mi>d</mi></mtd></mtr></mtable><mo>)</mo></mrow></math>");
	expect("x < y", VXM_MATHML, 0, "<math><mi>x</mi><mo>&lt;</mo><mi>y</mi></math>");
}

Test(math, large_operators_take_limits_only_in_display)
{
	/* operators inside scripts are set tight, as TeX does: j=k+1 */
	expect("\\prod_{j=k+1}^{t} J_j", VXM_MATHML, 1,
	       "<math display=\"block\"><munderover><mo>∏</mo><mrow><mi>j</mi><mo lspace=\"0\" rspace=\"0\">=</mo>"
	       "<mi>k</mi><mo lspace=\"0\" rspace=\"0\">+</mo>"
	       "<mn>1</mn></mrow><mi>t</mi></munderover><msub><mi>J</mi><mi>j</mi></msub></math>");
	expect("\\prod_{j=k+1}^{t} J_j", VXM_MATHML, 0,
	       "<math><msubsup><mo>∏</mo><mrow><mi>j</mi><mo lspace=\"0\" rspace=\"0\">=</mo>"
	       "<mi>k</mi><mo lspace=\"0\" rspace=\"0\">+</mo>"
	       "<mn>1</mn></mrow><mi>t</mi></msubsup><msub><mi>J</mi><mi>j</mi></msub></math>");
	/* a prime sits beside its base; a named operator keeps a thin space from its operand */
	expect("\\max_a \\sigma'", VXM_MATHML, 1,
	       "<math display=\"block\"><munder><mi>max</mi><mi>a</mi></munder><mspace width=\"0.1667em\"/>"
	       "<mrow><mi>σ</mi><mo lspace=\"0\" rspace=\"0\">′</mo></mrow></math>");
	expect("x'^2_t", VXM_MATHML, 0,
	       "<math><msubsup><mrow><mi>x</mi><mo lspace=\"0\" rspace=\"0\">′</mo></mrow><mi>t</mi><mn>2</mn>"
	       "</msubsup></math>");
	expect("a/b", VXM_MATHML, 0, "<math><mi>a</mi><mo lspace=\"0\" rspace=\"0\">/</mo><mi>b</mi></math>");
	expect("\\sum_k x_k", VXM_MATHML, 1,
	       "<math display=\"block\"><munder><mo>∑</mo><mi>k</mi></munder><msub><mi>x</mi><mi>k</mi></msub></math>");
}

/* pdflatex with amsmath, as the LaTeX handout uses it, accepts every
 * normalised formula, inline and displayed. */
Test(math, latex_compiles_with_pdflatex, .timeout = 120)
{
	char dir[] = "/tmp/vxm-latex-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof path, "%s/f.tex", dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n", f);
	const char *more[] = {
		"\\left. \\frac{\\partial f}{\\partial x} \\right|_{x=0} \\quad \\{ a \\} \\langle u, v \\rangle",
		/* TeX's specials inside \\text are plain text here, escaped for LaTeX */
		"\\text{50% of #1 & a_b {~x^y}} \\mathrm{d}x \\, \\mathbf{W}",
		"\\begin{bmatrix} 0.25 & \\cdots \\\\ \\vdots & \\ddots \\end{bmatrix} \\begin{vmatrix} a \\end{vmatrix}",
		"x'' + {}^{2}x + \\sqrt{2} \\odot \\nabla \\ell \\pm \\infty \\to \\exp \\log \\tanh",
	};
	size_t nd = sizeof design / sizeof design[0], nm = sizeof more / sizeof more[0];
	for (size_t i = 0; i < nd + nm; i++) {
		const char *src = i < nd ? design[i].src : more[i - nd];
		char *tex = render(src, VXM_LATEX, 0);
		fprintf(f, "Inline $%s$ and displayed\n\\[ %s \\]\n\n", tex, tex);
		free(tex);
	}
	fputs("\\end{document}\n", f);
	fclose(f);
	const char *const tex[] = { "pdflatex", "-interaction=nonstopmode", "-halt-on-error",
		                    "-output-directory", dir, path, NULL };
	char why[600];
	int ok = tp_run(tex, NULL, why, sizeof why);
	cr_expect(ok, "pdflatex on the normalised formulas: %s; see %s/f.log"
	          " (Debian texlive-latex-base, 'sh tests/deps.sh test')", why, dir);
	if (ok) {
		const char *const rm[] = { "rm", "-rf", dir, NULL };
		cr_expect(tp_run(rm, NULL, why, sizeof why), "%s", why);
	}
}

/* ---- well-formed MathML ------------------------------------------------ */

static const char *const mathml_tags[] = {
	"math", "mi", "mo", "mn", "msub", "msup", "msubsup", "mfrac", "msqrt", "mrow",
	"munderover", "munder", "mover", "mtable", "mtr", "mtd", "mtext", "mspace", NULL
};

/* Independent of the renderer: a stack of open tags, known element names
 * only, quoted attributes, and entities limited to the five XML ones.
 * Returns NULL when well formed, else what is wrong. */
static const char *xml_check(const char *s)
{
	static char why[200];
	char stack[256][16];
	int sp = 0;
	for (const char *p = s; *p;) {
		if (*p == '&') {
			const char *ents[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };
			int ok = 0;
			for (int i = 0; i < 5; i++)
				if (strncmp(p, ents[i], strlen(ents[i])) == 0)
					ok = (int)strlen(ents[i]);
			if (!ok)
				return "bare &";
			p += ok;
			continue;
		}
		if (*p == '>')
			return "bare >";
		if (*p != '<') {
			p++;
			continue;
		}
		int closing = p[1] == '/';
		const char *q = p + 1 + closing;
		char name[16];
		size_t n = 0;
		while ((*q >= 'a' && *q <= 'z') && n < sizeof name - 1)
			name[n++] = *q++;
		name[n] = '\0';
		int known = 0;
		for (int i = 0; mathml_tags[i]; i++)
			known |= strcmp(mathml_tags[i], name) == 0;
		if (!known) {
			snprintf(why, sizeof why, "unknown element <%s>", name);
			return why;
		}
		/* attributes: name="value" pairs */
		while (*q == ' ') {
			q++;
			while ((*q >= 'a' && *q <= 'z') || *q == '-')
				q++;
			if (q[0] != '=' || q[1] != '"')
				return "unquoted attribute";
			q += 2;
			while (*q && *q != '"' && *q != '<' && *q != '>')
				q++;
			if (*q != '"')
				return "unterminated attribute";
			q++;
		}
		int selfclose = *q == '/';
		if (selfclose)
			q++;
		if (*q != '>')
			return "malformed tag";
		if (closing) {
			if (sp == 0 || strcmp(stack[sp - 1], name) != 0) {
				snprintf(why, sizeof why, "</%s> closes <%s>", name, sp ? stack[sp - 1] : "nothing");
				return why;
			}
			sp--;
		} else if (!selfclose) {
			if (sp == 256)
				return "too deep";
			strcpy(stack[sp++], name);
		}
		p = q + 1;
	}
	return sp == 0 ? NULL : "unclosed element";
}

Test(math, tag_checker_catches_faults)
{
	/* the checker itself must be able to fail */
	cr_assert_null(xml_check("<math><mi>x</mi></math>"));
	cr_assert_not_null(xml_check("<math><mi>x</math></mi>"));
	cr_assert_not_null(xml_check("<math><mo>&</mo></math>"));
	cr_assert_not_null(xml_check("<math><mo><</mo></math>"));
	cr_assert_not_null(xml_check("<math><mi>x</mi>"));
	cr_assert_not_null(xml_check("<math><script>x</script></math>"));
}

/* Python's XML parser (Debian's /usr/bin/python3) accepts xml; a missing
 * or failing interpreter is a failure too (test_proc.h). */
static void expect_python_wellformed(const char *xml)
{
	const char *const argv[] = { TP_PYTHON, "-c",
		"import sys, xml.dom.minidom; xml.dom.minidom.parseString(sys.stdin.buffer.read())", NULL };
	char why[600];
	cr_expect(tp_run(argv, xml, why, sizeof why), "the MathML not accepted by Python's XML parser: %s"
	          " (Debian python3, 'sh tests/deps.sh test')", why);
}

static const char *const extra[] = {
	"\\left( \\frac{a}{b} \\right)^{2} \\cdot \\sqrt{\\frac{1}{x}}",
	"\\begin{bmatrix} 0.25 & \\cdots \\\\ \\vdots & \\ddots \\end{bmatrix}",
	"\\text{\"quoted\" <tag> & more}",
	"x'' + x'_t + {}^{2}x",
	"\\left. \\frac{\\partial f}{\\partial x} \\right|_{x=0}",
	"\\mathrm{d}x \\, \\mathbf{W} \\quad \\{ a \\} \\langle u, v \\rangle",
};

Test(math, mathml_is_well_formed)
{
	char *doc = NULL;
	size_t cap = 0, len = 0;
	FILE *mem = open_memstream(&doc, &cap);
	cr_assert_not_null(mem);
	fputs("<root>", mem);
	for (size_t i = 0; i < sizeof design / sizeof design[0] + sizeof extra / sizeof extra[0]; i++) {
		const char *src = i < sizeof design / sizeof design[0] ? design[i].src
		                  : extra[i - sizeof design / sizeof design[0]];
		for (int disp = 0; disp < 2; disp++) {
			char *ml = render(src, VXM_MATHML, disp);
			const char *why = xml_check(ml);
			cr_expect_null(why, "MathML of \"%s\" is malformed (%s): %s", src, why ? why : "", ml);
			cr_expect(strncmp(ml, disp ? "<math display=\"block\">" : "<math>", disp ? 22 : 6) == 0,
			          "MathML of \"%s\" does not open with <math>: %s", src, ml);
			cr_expect(strchr(ml, '\n') == NULL, "MathML of \"%s\" spans lines", src);
			fputs(ml, mem);
			free(ml);
		}
	}
	fputs("</root>", mem);
	fclose(mem);
	len = strlen(doc);
	cr_assert_gt(len, 100);
	expect_python_wellformed(doc);
	free(doc);
}

/* ---- ASCII is ASCII ----------------------------------------------------- */

static const char *const unicode_heavy[] = {
	"σ′(a) ≤ γ − 1 · ‖W‖ × ∞ → ∈ ⋯ ⋮ ⋱ … ∏ ∑ ∂ ∇ ⊙ ≈ ≠ ≥ ⟨u⟩",
	"\\text{é ü — 漢字}",
	"\\alpha\\beta\\gamma\\delta\\epsilon\\zeta\\eta\\theta\\iota\\kappa\\lambda\\mu\\nu\\xi\\pi\\rho"
	"\\sigma\\tau\\upsilon\\phi\\chi\\psi\\omega\\Gamma\\Delta\\Theta\\Lambda\\Xi\\Pi\\Sigma\\Phi\\Psi\\Omega",
	"\\mathbb{R}^{d \\times d} \\ni x_{q}^{\\gamma}",
};

Test(math, ascii_target_is_pure_ascii)
{
	size_t nd = sizeof design / sizeof design[0], nu = sizeof unicode_heavy / sizeof unicode_heavy[0];
	size_t ne = sizeof extra / sizeof extra[0];
	for (size_t i = 0; i < nd + nu + ne; i++) {
		const char *src = i < nd ? design[i].src : i < nd + nu ? unicode_heavy[i - nd] : extra[i - nd - nu];
		char *out = NULL;
		size_t col;
		vx_error err;
		if (vxm_render(src, strlen(src), VXM_ASCII, 0, &out, &col, &err) != VX_OK)
			continue; /* \ni is not in the subset: an error is fine, bytes are checked below */
		for (const unsigned char *p = (const unsigned char *)out; *p; p++)
			cr_expect(*p < 0x80 && (*p >= 0x20 || *p == '\n'),
			          "byte 0x%02X in ASCII of \"%s\": %s", *p, src, out);
		free(out);
	}
	expect("\\text{é}", VXM_ASCII, 0, "?");
	expect("∂ · ≈", VXM_ASCII, 0, "d* ~=");
}

Test(math, to_ascii_folds_labels)
{
	struct { const char *in, *want; } c[] = {
		{ "‖∂s_t/∂s_k‖", "||ds_t/ds_k||" },
		{ "t − k", "t - k" },
		{ "(γλ)ᵗ⁻ᵏ", "(gamma*lambda)^(t-k)" },
		{ "10⁻⁴", "10^(-4)" },
		{ "‖W‖₂₀", "||W||_(20)" },
		{ "λt 2σ", "lambda*t 2*sigma" },
		{ "sₜ", "s_t" },
		{ "10²3 sₜx", "10^(2)3 s_(t)x" },   /* a lone script before a letter or digit */
		{ "10² 3", "10^2 3" },
		{ "Π‖J‖ · σ′", "Pi||J|| * sigma'" },
		{ "plain", "plain" },
		{ "漢", "?" },
		{ "\xff", "?" },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		char *got = vxm_to_ascii(c[i].in);
		cr_assert_not_null(got);
		cr_expect_str_eq(got, c[i].want, "vxm_to_ascii(\"%s\") = \"%s\", want \"%s\"", c[i].in, got, c[i].want);
		free(got);
	}
	char *e = vxm_to_ascii(NULL);
	cr_expect_str_eq(e, "");
	free(e);
}

/* ---- errors, each with its column --------------------------------------- */

typedef struct {
	const char *src;
	size_t col;
	const char *msg;   /* a substring of the message */
} bad;

static const bad errors[] = {
	{ "x + \\foo", 5, "unknown command \\foo" },
	{ "x^", 2, "missing argument for ^" },
	{ "a_{", 3, "unclosed {" },
	{ "{a", 1, "unclosed {" },
	{ "a}", 2, "unmatched }" },
	{ "x^a^b", 4, "double superscript" },
	{ "x_a_b", 4, "double subscript" },
	{ "\\left( x", 1, "\\left without \\right" },
	{ "x \\right)", 3, "\\right without \\left" },
	{ "\\left\\foo x \\right)", 6, "not a delimiter" },
	{ "\\frac{a}", 1, "missing argument for \\frac" },
	{ "\\frac{a}}", 9, "missing argument for \\frac" },
	{ "\\begin{foo} x \\end{foo}", 8, "unknown environment" },
	{ "\\begin{pmatrix} a \\end{bmatrix}", 19, "does not match" },
	{ "\\begin{pmatrix} a", 1, "without \\end" },
	{ "a & b", 3, "& outside a matrix" },
	{ "a \\\\ b", 3, "outside a matrix" },
	{ "\\end{pmatrix}", 1, "\\end without \\begin" },
	{ "x # 2", 3, "unexpected character #" },
	{ "50%", 3, "comment" },
	{ "$x$", 1, "$ inside math" },
	{ "σ + é", 5, "unsupported character U+00E9" },
	{ "x^\\frac12", 3, "in braces" },
	{ "\\sqrt[3]{x}", 6, "\\sqrt[n] is not supported" },
	{ "\\text{a\\b}", 8, "not allowed inside \\text" },
	{ "\\text x", 7, "expected {" },
	{ "\\mathrm{a+b}", 10, "only letters and digits" },
	{ "\\mathbb{x}", 9, "\\mathbb takes" },
	{ "γλ \\", 4, "lone \\" },
	{ "x^'", 3, "missing argument" },
	{ "x'''''", 6, "more than four primes" },
	{ "x^2'", 4, "prime after a superscript" },
	{ "\\\\", 1, "outside a matrix" },
};

Test(math, errors_have_columns_and_messages)
{
	for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
		for (int t = VXM_MATHML; t <= VXM_LATEX; t++) {
			char *out = (char *)1;
			size_t col = 0;
			vx_error err = { 0 };
			vx_status st = vxm_render(errors[i].src, strlen(errors[i].src), t, 0, &out, &col, &err);
			cr_expect_eq(st, VX_EFORMAT, "\"%s\" should fail (target %d), gave %d", errors[i].src, t, st);
			cr_expect_null(out, "\"%s\": *out must be NULL on error", errors[i].src);
			cr_expect_eq(col, errors[i].col, "\"%s\": column %zu, want %zu (%s)", errors[i].src, col,
			             errors[i].col, err.msg);
			cr_expect(strstr(err.msg, errors[i].msg) != NULL, "\"%s\": message \"%s\" lacks \"%s\"",
			          errors[i].src, err.msg, errors[i].msg);
		}
	}
}

Test(math, control_bytes_nul_and_bad_utf8)
{
	const char src[] = { 'x', '+', '\0', 'y' };
	char *out = NULL;
	size_t col = 0;
	vx_error err;
	cr_expect_eq(vxm_render(src, sizeof src, VXM_UNICODE, 0, &out, &col, &err), VX_EFORMAT);
	cr_expect_eq(col, 3, "NUL at column 3, got %zu", col);
	const char *bad8[] = { "a\xff", "a\xc3", "a\xe2\x88", "a\xc0\xaf", "a\xed\xa0\x80", "a\x01" };
	for (size_t i = 0; i < sizeof bad8 / sizeof bad8[0]; i++) {
		out = NULL;
		cr_expect_eq(vxm_render(bad8[i], strlen(bad8[i]), VXM_MATHML, 0, &out, &col, &err), VX_EFORMAT,
		             "bad byte sequence %zu accepted", i);
		cr_expect_eq(col, 2, "bad sequence %zu: column %zu, want 2", i, col);
		cr_expect_null(out);
	}
}

Test(math, columns_count_characters_not_bytes)
{
	char *out = NULL;
	size_t col = 0;
	vx_error err;
	const char *src = "γλσ \\nope";   /* three 2-byte letters, a space, then the fault */
	cr_assert_eq(vxm_render(src, strlen(src), VXM_UNICODE, 0, &out, &col, &err), VX_EFORMAT);
	cr_expect_eq(col, 5, "column %zu, want 5", col);
}

Test(math, source_need_not_be_nul_terminated)
{
	/* a span cut out of a larger template: exactly len bytes, no NUL after */
	const char *text = "x^2 $ and more";
	char *span = malloc(3);
	memcpy(span, text, 3);
	char *out = NULL;
	size_t col;
	vx_error err;
	cr_assert_eq(vxm_render(span, 3, VXM_UNICODE, 0, &out, &col, &err), VX_OK, "%s", err.msg);
	cr_expect_str_eq(out, "x²");
	free(out);
	free(span);
}

Test(math, empty_and_bad_arguments)
{
	expect("", VXM_UNICODE, 0, "");
	expect("", VXM_MATHML, 1, "<math display=\"block\"></math>");
	expect("   ", VXM_ASCII, 0, "");
	char *out = NULL;
	size_t col;
	vx_error err;
	cr_expect_eq(vxm_render("x", 1, VXM_UNICODE, 0, NULL, &col, &err), VX_EUSAGE);
	cr_expect_eq(vxm_render("x", 1, (vxm_target)17, 0, &out, &col, &err), VX_EUSAGE);
	cr_expect_eq(vxm_render(NULL, 0, VXM_UNICODE, 0, &out, NULL, NULL), VX_OK);
	cr_expect_str_eq(out, "");
	free(out);
	cr_expect_eq(vxm_render("x +", 3, VXM_UNICODE, 0, &out, NULL, NULL), VX_OK, "NULL col and err allowed");
	free(out);
	cr_expect_eq(vxm_render("\\bad", 4, VXM_UNICODE, 0, &out, NULL, NULL), VX_EFORMAT);
}

/* ---- hostile input ------------------------------------------------------ */

Test(math, deep_nesting_is_refused_not_overflowed)
{
	size_t depth = 100000;
	char *s = malloc(2 * depth + 2);
	for (size_t i = 0; i < depth; i++)
		s[i] = '{';
	s[depth] = 'x';
	for (size_t i = 0; i < depth; i++)
		s[depth + 1 + i] = '}';
	char *out = NULL;
	size_t col = 0;
	vx_error err;
	cr_expect_eq(vxm_render(s, 2 * depth + 1, VXM_MATHML, 0, &out, &col, &err), VX_EFORMAT);
	cr_expect(strstr(err.msg, "deeper than 64") != NULL, "message: %s", err.msg);
	cr_expect_eq(col, 65, "column %zu", col);

	/* 63 nested groups inside the formula's own row are fine */
	for (size_t i = 0; i < 63; i++)
		s[i] = '{';
	s[63] = 'x';
	for (size_t i = 0; i < 63; i++)
		s[64 + i] = '}';
	cr_expect_eq(vxm_render(s, 127, VXM_MATHML, 0, &out, &col, &err), VX_OK, "%s", err.msg);
	free(out);

	/* superscripts of superscripts, \left of \left, \sqrt of \sqrt: same limit */
	const char *unit[] = { "x^{", "\\left(", "\\sqrt{", "\\frac{", "\\begin{pmatrix}" };
	for (size_t u = 0; u < sizeof unit / sizeof unit[0]; u++) {
		size_t ul = strlen(unit[u]), reps = 5000;
		char *h = malloc(ul * reps + 1);
		for (size_t i = 0; i < reps; i++)
			memcpy(h + i * ul, unit[u], ul);
		h[ul * reps] = '\0';
		out = NULL;
		cr_expect_eq(vxm_render(h, ul * reps, VXM_UNICODE, 0, &out, &col, &err), VX_EFORMAT,
		             "%s repeated: %s", unit[u], err.msg);
		cr_expect_null(out);
		free(h);
	}
	free(s);
}

Test(math, random_input_never_crashes)
{
	/* a fixed-seed generator over the characters that matter to the parser */
	static const char *const pieces[] = {
		"{", "}", "^", "_", "'", "\\frac", "\\sqrt", "\\left(", "\\right)", "\\begin{pmatrix}",
		"\\end{pmatrix}", "&", "\\\\", "x", "2", "0.5", " ", "\\gamma", "σ", "−", "\\text{a}",
		"\\", "(", ")", "|", "\\|", "\\,", "\\sum", "\\prod", "\\operatorname{diag}", "$", "\xe2",
		"\\mathbb{R}", "\\left.", "\\right|", "+", "=", "\\le", "\\cdots",
	};
	unsigned long long st = 0x9E3779B97F4A7C15ull;
	size_t np = sizeof pieces / sizeof pieces[0];
	char buf[512];
	for (int it = 0; it < 20000; it++) {
		size_t n = 0;
		st = st * 6364136223846793005ull + 1442695040888963407ull;
		int count = (int)((st >> 33) % 24);
		for (int k = 0; k < count; k++) {
			st = st * 6364136223846793005ull + 1442695040888963407ull;
			const char *p = pieces[(st >> 33) % np];
			size_t l = strlen(p);
			if (n + l >= sizeof buf)
				break;
			memcpy(buf + n, p, l);
			n += l;
		}
		for (int t = VXM_MATHML; t <= VXM_LATEX; t++) {
			char *out = NULL;
			size_t col = 0;
			vx_error err = { 0 };
			vx_status s = vxm_render(buf, n, t, it & 1, &out, &col, &err);
			if (s == VX_OK) {
				cr_assert_not_null(out);
				if (t == VXM_MATHML)
					cr_assert_null(xml_check(out), "malformed MathML for \"%.*s\": %s", (int)n, buf, out);
				if (t == VXM_LATEX) {
					/* what LaTeX gets must itself parse */
					char *again = NULL;
					cr_assert_eq(vxm_render(out, strlen(out), VXM_LATEX, 0, &again, &col, &err), VX_OK,
					             "normalised \"%s\" of \"%.*s\" does not parse: %s", out, (int)n, buf, err.msg);
					free(again);
				}
				free(out);
			} else {
				cr_assert_eq(s, VX_EFORMAT);
				cr_assert_null(out);
				cr_assert(col >= 1 && col <= n + 1, "column %zu outside 1..%zu for \"%.*s\"", col, n + 1,
				          (int)n, buf);
				cr_assert(err.msg[0] != '\0', "empty message");
			}
		}
	}
}
