/*
 * fmt.h — the one number-formatting policy of vanex.
 *
 * Every number a user sees (check's table, handouts, the tutor) goes through
 * here: rounded to `sig` significant digits at every magnitude (trailing
 * zeros after the point dropped), the sign kept, scientific notation outside
 * [1e-3, 1e6) (decided on the value rounded to `sig` digits; at 3 digits:
 * 0.0123, 1020 for 1024, 27800 for 27784.3, 9.77e-04, 1e+06), and
 * magnitudes that do not fit a double written from their log10 (vx_mag),
 * never as 0 or inf.  Whole numbers meant exactly (sizes, steps) are not
 * passed here with few digits.  Styles differ in how ×10ⁿ is spelt
 * (vxf_exp10) and in the minus of a negative number (a true minus, U+2212,
 * in Unicode; '-' elsewhere, which TeX sets as a minus in math):
 *
 *   VXF_ASCII    9.765625e-04     3.2e-603      -0.666
 *   VXF_UNICODE  9.765625×10⁻⁴    3.2×10⁻⁶⁰³    −0.666
 *   VXF_TEX      9.765625\times10^{-4}
 *   VXF_JSON     round-trip (17 significant digits), "null" for non-finite
 */
#ifndef VXR_FMT_H
#define VXR_FMT_H

#include <stddef.h>
#include "engine/analysis.h"

typedef enum { VXF_ASCII = 0, VXF_UNICODE, VXF_TEX, VXF_JSON } vxf_style;

/* Formats x into buf (always NUL-terminated, truncated to n); returns buf.
 * NaN prints as "nan", infinities as "inf"/"-inf" (in JSON: null). */
char *vxf_num(char *buf, size_t n, double x, int sig, vxf_style st);

/* Rewrites the leading '-' of the number in buf (n bytes, NUL-terminated)
 * as the style's minus: U+2212 in VXF_UNICODE (when buf has the 2 bytes
 * more it takes), unchanged in the other styles; returns buf. */
char *vxf_minus(char *buf, size_t n, vxf_style st);

/* Formats 10^l10 (a magnitude known by its log10), e.g. l10 = -602.49 gives
 * "3.2e-603"; -INFINITY gives "0". */
char *vxf_log10(char *buf, size_t n, double l10, int sig, vxf_style st);

/* Formats a vx_mag: its value when it fits, else from its log10; its
 * underflow state (analysis.h) as vxf_underflow. */
char *vxf_mag(char *buf, size_t n, vx_mag m, int sig, vxf_style st);

/* "underflow" (TeX: \text{underflow}; JSON: null): a value computed as 0
 * that is not known to be 0. */
char *vxf_underflow(char *buf, size_t n, vxf_style st);

/* Appends the power of ten of scientific notation, 10^e as the style
 * spells it after a mantissa ("×10⁻⁴", "\times10^{-4}", "e-04"; ASCII and
 * JSON alike), to the NUL-terminated string in buf (size n), truncated to
 * n like vxf_num; returns buf. */
char *vxf_exp10(char *buf, size_t n, long e, vxf_style st);

/* Writes v in superscript digits, its sign as ⁻ (-12: "⁻¹²"), into buf
 * (always NUL-terminated, truncated to n before a digit that does not fit
 * whole; 64 bytes hold any long long); returns buf. */
char *vxf_sup_int(char *buf, size_t n, long long v);

/* The same in subscript digits, its sign as ₋ (-12: "₋₁₂"; 50: "₅₀"). */
char *vxf_sub_int(char *buf, size_t n, long long v);

#endif
