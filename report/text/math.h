/*
 * math.h — the TeX subset vanex's templates write math in, rendered for each
 * target.  cmark knows no math: the template pipeline takes $…$ and $$…$$
 * spans out before parsing and puts them back through these renderers.
 *
 * The subset: letters, digits, operators (+ − = < > ≤ ≥ etc.), ^ and _ with
 * a single token or a {group}, \frac{a}{b}, \sqrt{x}, \left( \right) and
 * plain ( ) [ ] | \| \lVert \rVert, \partial \sigma \gamma \lambda \theta
 * (all Greek letters), \prod \sum \le \ge \ne \approx \cdot \times \ldots
 * \cdots \vdots \ddots \infty \to \in \mathrm{..} \text{..} \operatorname{..}
 * \mathbf{..} \operatorname{diag}, \begin{pmatrix}…\end{pmatrix} with & and \\,
 * and numbers.  Anything else is an error with its column, never dropped.
 *
 * Also accepted: primes (σ'), \dfrac \tfrac, \max \min \sup \inf \lim
 * (limits in display), \log \ln \exp \tanh \sin \cos \det \dim, \mathbb{R}
 * (C H N P Q R Z), \top \nabla \ell \pm \mp \circ \odot \otimes \sim
 * \equiv \propto \ll \gg \leftarrow \Rightarrow \mapsto \mid \forall
 * \exists \langle \rangle \{ \} \lvert \rvert, the environments matrix
 * bmatrix vmatrix Vmatrix, the spaces \, \: \; \! \quad \qquad ~, and
 * in the source the Unicode forms of these symbols (σ − ≤ ‖ ∂ …).
 */
#ifndef VXR_MATH_H
#define VXR_MATH_H

#include <stddef.h>
#include "engine/status.h"

typedef enum {
	VXM_MATHML = 0,  /* <math> … </math> (display="block" when display) */
	VXM_UNICODE,     /* ∂sₜ/∂sₖ, Πⱼ, γλ, ‖W‖₂ for terminals and plain text */
	VXM_ASCII,       /* ds_t/ds_k, prod_j, gamma*lambda, ||W||_2 for LANG=C */
	VXM_LATEX        /* the source, checked, for the LaTeX handout */
} vxm_target;

/* Renders the TeX-subset source src (len bytes) for target.  Returns a
 * malloc'd NUL-terminated string in *out (caller frees).  On a syntax error
 * returns VX_EFORMAT, *col = the 1-based column of the fault in src, and err
 * the message ("unknown command \\foo", "unclosed {").  display selects
 * block layout ($$…$$). */
vx_status vxm_render(const char *src, size_t len, vxm_target target, int display,
                     char **out, size_t *col, vx_error *err);

/* What each target gives, for one formula:
 *   MathML   <math>…</math>, one line, & < > escaped; \prod \sum \max with
 *            limits become <munderover> when display, <msubsup> inline.
 *   Unicode  scripts as small letters when every character has one (sₜ,
 *            10⁻⁴, (γλ)ᵗ⁻ᵏ), else _x _(…) ^x ^(…), never TeX's braces;
 *            \frac as a/b with parentheses where the meaning needs them;
 *            spaces around relations and binary + −; a matrix as
 *            "[a b; c d]".  (vxm_layout sets display math in two
 *            dimensions for the terminal.)
 *   ASCII    the same layout in bytes < 0x80 only: d s_t/d s_k,
 *            prod_(j=k+1)^t, gamma*lambda, sigma', ||W||_2, <=, ~=, *.
 *   LaTeX    the formula rebuilt from its tree (Unicode input such as − or
 *            σ spelt as commands, scripts braced), without $ delimiters.
 * Columns are counted in characters (UTF-8 code points), not bytes.
 * Formulas longer than 1 MiB or nested deeper than 64 groups are refused
 * (VX_EFORMAT), so hostile input cannot exhaust the stack. */

/* A formula laid out in character cells for a terminal. */
typedef struct {
	char **rows;  /* h rows of UTF-8 (ASCII when asked), each w columns wide */
	int w, h;     /* columns (terminal cells, vxr_u8_width) and rows */
	int base;     /* the row of the baseline, 0 the top: where text beside it goes */
} vxm_box;

/* Lays out the TeX-subset source src (len bytes) in character cells into
 * *out (free it with vxm_box_free), in Unicode or, when ascii, in bytes
 * < 0x80.  display 0 gives one row, the text vxm_render writes for
 * VXM_UNICODE or VXM_ASCII.  display 1 typesets: \frac stacked over a bar,
 * matrices and \left \right grown to their content's height with bracket
 * glyphs (⎡⎢⎣ ⎛⎜⎝ │ ‖; [ ] ( ) | || on every row in ASCII), \sqrt under a
 * bar, limits of \sum \prod \max above and below, scripts in small
 * characters when every character has one and set above or below
 * otherwise.  A display formula wider than width (> 0) is broken before a
 * relation, else before a binary operator, of its outer row, the following
 * rows indented by 4; a piece with no such place stays wider.  No row
 * holds \ { } of the source.  Errors as vxm_render. */
vx_status vxm_layout(const char *src, size_t len, int ascii, int display, int width,
                     vxm_box *out, size_t *col, vx_error *err);

/* Frees the rows of b and empties it; b NULL or empty is fine. */
void vxm_box_free(vxm_box *b);

/* Spells UTF-8 text in ASCII for LANG=C (σ → sigma, − → -, ‖ → ||,
 * γλ → gamma*lambda, 10⁻⁴ → 10^(-4), sₜ → s_t, ₂₀ → _(20), anything
 * unknown → ?).
 * Returns a malloc'd string, NULL when out of memory; s NULL gives "". */
char *vxm_to_ascii(const char *s);

#endif
