/*
 * tutor_quiz.h — the tutor's questions: the answer line, the verdict it
 * shows, and the student's progress kept between sessions.
 *
 * Plain C, no curses.  A step's questions come laid out with it
 * (report/doc/layout.h vxt_doc.quiz: the answer, the hint and the reason
 * for the network shown).  `i` opens an answer line (vxu_quiz_open); keys
 * edit it and Enter judges (vxu_quiz_key), which records the result in a
 * vxu_progress; drawing reads the vxu_quiz.  Nothing here draws, and
 * nothing but vxu_progress_load and vxu_progress_save touches a file.
 *
 * The progress file, $XDG_STATE_HOME/vanex/progress (~/.local/state/vanex
 * when XDG_STATE_HOME is unset, empty or not absolute), is text:
 *
 *   vanex progress 1
 *   step 11
 *   seen 1 2 3 4 5 6 7 8 9 10 11
 *   answer 9c1f0e3a5b7d2c44 05-diagonal.md#1 right
 *
 * Answers are keyed by the network (vxu_net_key: a hash of the model's
 * parameters and the loss step), so that another network asks again; the
 * last step seen and the steps seen hold for every network.
 */
#ifndef VXU_TUTOR_QUIZ_H
#define VXU_TUTOR_QUIZ_H

#include <stddef.h>
#include "engine/params.h"
#include "engine/status.h"
#include "report/doc/layout.h"

/* ---- progress ------------------------------------------------------------ */

enum { VXU_NET_KEY = 17, VXU_MAX_ANSWERS = 2000, VXU_MAX_SEEN = 64 };

typedef struct {
	char net[VXU_NET_KEY];   /* vxu_net_key of the network answered */
	char id[80];             /* vxr_quiz.id: "05-diagonal.md#1" */
	int right;
} vxu_answer;

typedef struct {
	size_t step;             /* the last step seen, 1-based; 0 = none */
	unsigned char seen[VXU_MAX_SEEN];   /* seen[i]: step i + 1 was shown */
	vxu_answer *ans;         /* the newest last; at most VXU_MAX_ANSWERS */
	size_t nans, cap;
	int dirty;               /* changed since loaded or saved */
} vxu_progress;

/* The progress file's path into buf (n bytes): $XDG_STATE_HOME/vanex/progress,
 * or $HOME/.local/state/vanex/progress when XDG_STATE_HOME is unset or not
 * an absolute path.  -1 when there is neither (no HOME): nothing is kept. */
int vxu_progress_path(char *buf, size_t n);

/* Reads path into *p (zeroed first).  Tolerant: a missing file is an empty
 * progress and VX_OK; a file that is not a vanex progress file, or has a
 * line it cannot read, leaves *p empty (start fresh) and returns VX_EFORMAT
 * with err saying so in one line; an unreadable one VX_EIO.  Never more
 * than 1 MiB is read. */
vx_status vxu_progress_load(vxu_progress *p, const char *path, vx_error *err);

/* Writes *p to path atomically (a temporary file renamed over it,
 * report/out.h), creating the directories that lead to it (mode 0700).
 * VX_EIO with err naming the file when it cannot; *p is not changed but
 * for dirty, cleared on success. */
vx_status vxu_progress_save(vxu_progress *p, const char *path, vx_error *err);

void vxu_progress_clear(vxu_progress *p);   /* frees and zeroes; NULL-safe */

/* Records step (0-based) as seen and as the last one. */
void vxu_progress_seen(vxu_progress *p, size_t step);

/* Records an answer (replacing the one of the same network and question).
 * Out of memory drops it silently: progress is a convenience. */
void vxu_progress_answer(vxu_progress *p, const char *net, const char *id, int right);

/* 1 right, 0 wrong, -1 not answered for this network. */
int vxu_progress_get(const vxu_progress *p, const char *net, const char *id);

/* How many questions were answered right for this network (a wrong
 * answer, or one shown with !, is still to be found). */
size_t vxu_progress_right(const vxu_progress *p, const char *net);

/* The key of a network: 16 hex digits of a hash of its effective parameters
 * (activation, sizes, λ, init, input scale, seed, files) and loss step t. */
void vxu_net_key(const vx_params *eff, size_t t, char out[VXU_NET_KEY]);

/* ---- the answer line ----------------------------------------------------- */

typedef enum {
	VXU_QZ_IDLE = 0,   /* nothing shown */
	VXU_QZ_TYPING,     /* the answer line is open */
	VXU_QZ_RIGHT,      /* judged right: the reason is shown */
	VXU_QZ_WRONG,      /* judged wrong: the hint is shown */
	VXU_QZ_REVEALED    /* the student asked for the answer: answer and reason shown */
} vxu_qz_mode;

typedef struct {
	vxu_qz_mode mode;
	const vxt_doc *doc;      /* the step's layout the question is of (not owned) */
	size_t q;                /* the question: doc->quiz[q] */
	size_t number;           /* its number, as the step's text shows it */
	char id[80];             /* its vxr_quiz.id, and the network it was asked */
	char net[VXU_NET_KEY];   /* for: a new layout of the same step (a resize)
	                          * keeps what is typed (vxu_quiz_follow) */
	char line[64];           /* what is typed: whole UTF-8 characters, but
	                          * for the one being typed */
	size_t len;
	int pending;             /* continuation bytes still due in line's last character */
	char said[64];           /* the last answer judged (or not readable) */
	int unreadable;          /* the last Enter was not an answer of the kind asked:
	                          * said holds it, line is empty again */
} vxu_quiz;

/* What the answer line takes besides printable characters (their ASCII
 * codes): the tutor translates its keys (tutor_state.h) into these. */
enum {
	VXU_QZ_CANCEL = -1,   /* Esc */
	VXU_QZ_ERASE = -2,    /* Backspace */
	VXU_QZ_JUDGE = -3,    /* Enter */
	VXU_QZ_OTHER = -4     /* any other key (arrows, PgDn…) */
};

/* What a key did to the quiz. */
typedef enum {
	VXU_QZ_PASS = 0,   /* not the quiz's: the tutor handles the key */
	VXU_QZ_DONE        /* taken: redraw */
} vxu_qz_result;

/* Opens the answer line for doc's first question not answered right for
 * net (or, all right, the one after the last shown).  -1 when the step asks
 * nothing (doc NULL or without questions). */
int vxu_quiz_open(vxu_quiz *qz, const vxt_doc *doc, const vxu_progress *p, const char *net);

/* A key while the quiz shows something (mode != IDLE): typing, Backspace,
 * Esc (cancel or close), Enter (judge, recorded in p under net), and after
 * a wrong answer `i` (again) and `!` (show the answer).  A key the quiz
 * does not take closes what it showed and is VXU_QZ_PASS.  in is a
 * printable ASCII character, a byte of a UTF-8 character (0x80 to 0xff:
 * "×10⁻²", "ρ", as the screen shows them; bytes that do not make a
 * character are dropped) or one of VXU_QZ_CANCEL … VXU_QZ_OTHER. */
vxu_qz_result vxu_quiz_key(vxu_quiz *qz, vxu_progress *p, const char *net, int in);

/* Closes whatever is shown (a step change, another network). */
void vxu_quiz_reset(vxu_quiz *qz);

/* The step is laid out anew (doc, NULL while it is being laid out) for the
 * network net: the quiz follows its question into doc when it is the same
 * question of the same network, and closes otherwise.  While doc is NULL
 * the answer line keeps what is typed and judges nothing. */
void vxu_quiz_follow(vxu_quiz *qz, const vxt_doc *doc, const char *net);

#endif
