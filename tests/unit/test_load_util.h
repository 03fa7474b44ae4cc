/*
 * test_load_util.h — what the test_load*.c suites share: running a Python
 * generator of files into a fresh directory and reading its manifest, the
 * manifest's fields, and a refusal's status by name.
 *
 * The generators run under Debian's /usr/bin/python3, where python3-numpy
 * and python3-torch live (tests/deps.sh installs them); a generator that
 * cannot run fails the test, never skips it.
 */
#ifndef TEST_LOAD_UTIL_H
#define TEST_LOAD_UTIL_H

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/status.h"

/* Runs tests/unit/SCRIPT ARGS with a fresh directory (written into dir, 64
 * bytes) before ARGS; returns its DIR/manifest.json, caller-freed.  SCRIPT
 * is relative to tests/unit ("load_files.py", "../fixtures/gen_ckpt.py"). */
static inline json_t *load_generate(const char *script, const char *args, char *dir)
{
	strcpy(dir, "/tmp/vanex-load.XXXXXX");
	cr_assert(mkdtemp(dir), "mkdtemp");
	const char *me = __FILE__, *slash = strrchr(me, '/');
	char cmd[1024], path[600];
	snprintf(cmd, sizeof cmd, "OMP_NUM_THREADS=1 /usr/bin/python3 %.*s/%s %s %s", slash ? (int)(slash - me) : 1,
	         slash ? me : ".", script, dir, args);
	cr_assert_eq(system(cmd), 0, "%s failed (it needs python3-numpy and python3-torch: sh tests/deps.sh test)", cmd);
	snprintf(path, sizeof path, "%s/manifest.json", dir);
	json_error_t je;
	json_t *m = json_load_file(path, 0, &je);
	cr_assert(m, "manifest %s: %s", path, je.text);
	return m;
}

static inline void load_remove_dir(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_expect_eq(system(cmd), 0);
}

static inline const char *jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static inline size_t jsize(const json_t *o, const char *k)
{
	return (size_t)json_integer_value(json_object_get(o, k));
}

/* A status by its name without the prefix ("EFORMAT"). */
static inline vx_status status_named(const char *s)
{
	static const char *const names[] = { "OK", "EUSAGE", "ENOMEM", "EIO", "EFORMAT", "ESHAPE", "ENONFINITE",
		                                 "ETOOBIG", "ENUMERIC", "EINTERNAL" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(s, names[i]) == 0)
			return (vx_status)i;
	cr_assert_fail("unknown status %s", s);
	return VX_EINTERNAL;
}

/* One printable line: no control byte (a newline included). */
static inline void expect_one_line(const char *msg, const char *file)
{
	for (const char *p = msg; *p; p++)
		cr_expect((unsigned char)*p >= 0x20 && *p != 0x7f, "%s: control byte in '%s'", file, msg);
}

#endif
