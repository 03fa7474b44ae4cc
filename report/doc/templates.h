/*
 * templates.h — the templates compiled into the binary.
 *
 * The Makefile turns every Markdown file of templates/ into
 * build/gen/templates_embed.c (report/doc/embed.sh): a table sorted by file
 * name, ended by a NULL name, so an installed vanex needs no data files.  The steps of the derivation are
 * the files named NN-*.md; "handout.md" is the frame of a whole handout
 * and "references.md" its end;
 * README.md documents the language and is not a template.
 */
#ifndef VXR_TEMPLATES_H
#define VXR_TEMPLATES_H

#include <stddef.h>

struct vx_embedded {
	const char *name;   /* file name, e.g. "05-diagonal.md" */
	const char *text;   /* NUL-terminated contents */
	size_t size;        /* bytes, without the NUL */
	const char *title;  /* its first heading, made by embed.sh ("" when none) */
};

extern const struct vx_embedded vx_embedded_templates[];

/* The embedded template of that file name, or NULL. */
const struct vx_embedded *vxr_template_find(const char *name);

#endif
