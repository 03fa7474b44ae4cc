/*
 * cite.h — the works the derivation cites, for {{cite KEY}} and
 * {{references}} (templates/README.md).
 *
 * The list is fixed and so are its numbers: entry i is [i + 1] in every
 * handout, in the order the built-in steps first cite them, so a number
 * means the same work in every handout.  A template names the authors in
 * its text and puts {{cite}} after them: "[1]" in a handout, the year,
 * "(2013)", in the tutor, which has no list to point into.
 */
#ifndef VXR_CITE_H
#define VXR_CITE_H

#include <stddef.h>

typedef struct {
	const char *key;      /* what {{cite}} names, e.g. "pascanu2013" */
	const char *authors;  /* "R. Pascanu, T. Mikolov and Y. Bengio" */
	const char *title;
	const char *where;    /* journal, volume and pages, or the report */
	int year;
} vxr_ref;

/* How many works there are, and work i (0-based; NULL past the end). */
size_t vxr_ref_count(void);
const vxr_ref *vxr_ref_at(size_t i);

/* The index of the work named key[0..n) (not NUL-terminated), or -1. */
int vxr_ref_find(const char *key, size_t n);

/* The keys, comma-separated, for messages: "hochreiter1991, …". */
const char *vxr_ref_keys(void);

#endif
