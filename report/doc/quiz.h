/*
 * quiz.h — questions in the templates, answered by the live network.
 *
 * A step may ask the student something whose answer comes from the network
 * on screen (templates/README.md, "Questions"):
 *
 *   {{#quiz number path.norm k=(t-3):.2}}
 *   ‖∂s_t/∂s_{t−3}‖₂ to two significant digits?
 *   {{hint}}
 *   A product of three factors J_j; step 11's table has it.
 *   {{reason}}
 *   ‖∂s_t/∂s_{t−3}‖₂ = {{path.norm k=(t-3)}} …
 *   {{/quiz}}
 *
 * Filling a template (tpl.h) evaluates the answer for the network and keeps
 * each question as a vxr_quiz_md in the vxr_filled: the answer (vxr_quiz,
 * plain data the tutor judges with) and the question, hint and reason as
 * filled Markdown.  The questions follow the step's text, numbered; the
 * answers appear only in the answer key (vxr_quiz_answer_key), which a
 * handout carries when asked (`vanex report --answers`).
 */
#ifndef VXR_QUIZ_H
#define VXR_QUIZ_H

#include <stddef.h>
#include "engine/status.h"

typedef enum {
	VXR_QUIZ_NUMBER = 0,   /* a number, judged at `digits` significant digits */
	VXR_QUIZ_INTEGER,      /* a whole number */
	VXR_QUIZ_CHOICE        /* one word of `choices` */
} vxr_quiz_kind;

enum { VXR_QUIZ_MAX_CHOICES = 8, VXR_QUIZ_CHOICE_LEN = 24, VXR_QUIZ_ALIAS_LEN = 64, VXR_QUIZ_DIGITS_MAX = 17 };

/* One question's kind and its answer for one network. */
typedef struct {
	vxr_quiz_kind kind;
	int digits;                 /* NUMBER: significant digits judged, 1..VXR_QUIZ_DIGITS_MAX */
	char choices[VXR_QUIZ_MAX_CHOICES][VXR_QUIZ_CHOICE_LEN];
	size_t nchoices;            /* CHOICE: 2..VXR_QUIZ_MAX_CHOICES */
	/* CHOICE: each choice's other names, as the template gives them after
	 * a slash ("rho/spectral-radius"), in lower case and without '-' or
	 * '_' ("spectralradius"), '/'-separated, "" for none */
	char aliases[VXR_QUIZ_MAX_CHOICES][VXR_QUIZ_ALIAS_LEN];
	/* the answer: a number (in the log domain, l10 = log10 |x| and neg,
	 * when !fits: beyond a double), or for CHOICE the right word */
	int fits, neg;
	double v, l10;
	char text[VXR_QUIZ_CHOICE_LEN];
	char shown[96];             /* the answer as printed, at the asked precision */
	size_t number;              /* 1-based: the handout's numbering */
	char id[80];                /* "07-gamma.md#1": the question, whatever the network */
} vxr_quiz;

/* A question as filled: the answer and three pieces of Markdown whose
 * tokens point into the same vxr_filled (all three owned, freed with it). */
typedef struct {
	vxr_quiz q;
	char *question, *hint, *reason;
} vxr_quiz_md;

typedef enum { VXR_JUDGE_RIGHT = 0, VXR_JUDGE_WRONG, VXR_JUDGE_UNREADABLE } vxr_judgement;

/* Judges what a student typed (UTF-8) against q's answer.  Leading and
 * trailing white space never matters, and what the screen shows may be
 * copied: the minus sign −, "×10⁻²" and "x 10^-2" for a power of ten,
 * Greek letters for their names.  NUMBER: a decimal number ("0.042",
 * "4.2e-2", "4.2×10⁻²", "-1.5E+300", "1e-400" beyond a double) is right
 * when it and the answer, both rounded to q->digits significant digits from
 * their decimal digits, half away from zero, are the same number (so 0.0424
 * and 0.042 are right for 0.04249 at 2 digits, 0.043 and 0.0426 are not;
 * 0.0115 is right for 0.01153); or when it has more digits than asked and
 * they are the answer's to as many (0.0425 for 0.04249, 0.0115 for
 * 0.011472, as the screen shows them at three).  The answer is rounded so from the
 * shortest decimal that reads back as it, and also as printf rounds its
 * exact value (as it is shown): the two differ only at or next to a decimal
 * tie (0.15 is 0.1499…: 0.2 or 0.1; 0.125: 0.13 or 0.12), where either is
 * right.  INTEGER: a whole number equal to the
 * answer.  CHOICE: one of the choices, in any case, inner white space
 * ignored, or another form of one ("vanish", "exploded": a common start of
 * at least 4 letters with one choice alone, the typed word at most 2
 * letters longer), or one of its other names (the template's
 * "rho/spectral-radius": "spectral radius", "Spectral-Radius"; a '-' or '_'
 * in a name stands for any white space or none); "ρ(W)" is "rho", "the
 * forget gate" is "forget".
 * UNREADABLE when the text is not of the kind asked (letters for a number,
 * a word not among the choices). */
vxr_judgement vxr_quiz_judge(const vxr_quiz *q, const char *typed);

/* What q expects, for a message: "a number to 2 significant digits", "a
 * whole number", "vanishing, exploding or neither".  Returns buf. */
const char *vxr_quiz_expects(const vxr_quiz *q, char *buf, size_t n);

#endif
