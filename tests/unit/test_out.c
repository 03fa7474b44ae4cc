/*
 * test_out.c — report/out.h, the writer behind every output path.
 *
 * Files are read back byte for byte and folders listed for what is left in
 * them.  A commit that fails half way is made to fail for real: this binary
 * defines renameat and linkat itself (the library's calls bind to them),
 * passing to the C library's own except for the one call a test picks.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/out.h"

/* ---- failing one call on purpose ---- */

static int rename_calls, rename_fail_at;   /* fail the n-th call (1-based); 0: never */
static int link_errno;                     /* linkat fails with this when not 0 */

int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
	static int (*real)(int, const char *, int, const char *);
	if (!real)
		real = (int (*)(int, const char *, int, const char *))dlsym(RTLD_NEXT, "renameat");
	if (++rename_calls == rename_fail_at) {
		errno = EIO;
		return -1;
	}
	return real(olddirfd, oldpath, newdirfd, newpath);
}

int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags)
{
	static int (*real)(int, const char *, int, const char *, int);
	if (!real)
		real = (int (*)(int, const char *, int, const char *, int))dlsym(RTLD_NEXT, "linkat");
	if (link_errno) {
		errno = link_errno;
		return -1;
	}
	return real(olddirfd, oldpath, newdirfd, newpath, flags);
}

/* ---- helpers ---- */

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/vanex-test-out.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	rename_calls = rename_fail_at = link_errno = 0;
}

static void teardown(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[PATH_MAX];
	while (d && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		if (unlink(p) != 0)
			rmdir(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

TestSuite(out, .init = setup, .fini = teardown);

static char *path_of(const char *name)
{
	static char p[2][PATH_MAX];
	static int i;
	i ^= 1;
	snprintf(p[i], sizeof p[i], "%s/%s", dir, name);
	return p[i];
}

static void put_file(const char *name, const char *text)
{
	FILE *f = fopen(path_of(name), "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

/* The file's whole content ("" when it does not exist: "<none>"). */
static const char *content(const char *name)
{
	static char buf[4096];
	FILE *f = fopen(path_of(name), "r");
	if (!f)
		return "<none>";
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* How many hidden entries the folder holds; the first one's name into first. */
static int hidden(char *first, size_t n)
{
	int count = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	if (first && n)
		first[0] = '\0';
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.' || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (count++ == 0 && first)
			snprintf(first, n, "%s", e->d_name);
	}
	closedir(d);
	return count;
}

static vxr_out *open_ok(const char *name, const char *text)
{
	vxr_out *o = NULL;
	vx_error err = { 0 };
	cr_assert_eq(vxr_out_open(path_of(name), &o, &err), VX_OK, "open %s: %s", name, err.msg);
	fputs(text, vxr_out_stream(o));
	return o;
}

/* ---- tests ---- */

Test(out, a_new_file_and_a_replaced_one)
{
	vxr_out *o = open_ok("a.txt", "one\n");
	char tmp[NAME_MAX + 1];
	cr_expect_eq(hidden(tmp, sizeof tmp), 1, "one temporary file while writing");
	cr_expect(strncmp(tmp, ".a.txt.vanex-", 13) == 0 && strlen(tmp) == 19, "its name: '%s'", tmp);
	cr_expect_str_eq(content("a.txt"), "<none>", "nothing at the target before the commit");
	vx_error err = { 0 };
	cr_assert_eq(vxr_out_commit(&o, 1, &err), VX_OK, "%s", err.msg);
	cr_expect_str_eq(content("a.txt"), "one\n");
	cr_expect_eq(hidden(NULL, 0), 0, "no temporary file left");

	/* a file replaced keeps its permissions */
	chmod(path_of("a.txt"), 0640);
	o = open_ok("a.txt", "two\n");
	cr_expect_str_eq(content("a.txt"), "one\n", "the old file whole while the new one is written");
	cr_assert_eq(vxr_out_commit(&o, 1, &err), VX_OK, "%s", err.msg);
	cr_expect_str_eq(content("a.txt"), "two\n");
	struct stat sb;
	cr_assert_eq(stat(path_of("a.txt"), &sb), 0);
	cr_expect_eq(sb.st_mode & 0777, 0640, "mode %o, expected 640", (unsigned)(sb.st_mode & 0777));
	cr_expect_eq(hidden(NULL, 0), 0);
}

/* The temporary file of a 255-byte name: a name that fits, made of a whole
 * number of characters of the target's name. */
Test(out, names_of_255_bytes)
{
	char name[NAME_MAX + 1];
	/* "é" is 2 bytes: 126 of them and "abc" make 255, and the cut of the
	 * temporary's name (255 - 14 = 241 bytes) falls inside one */
	size_t n = 0;
	for (int i = 0; i < 126; i++) {
		name[n++] = (char)0xc3;
		name[n++] = (char)0xa9;
	}
	memcpy(name + n, "abc", 4);
	cr_assert_eq(strlen(name), 255);
	vxr_out *o = open_ok(name, "long\n");
	char tmp[NAME_MAX + 2];
	cr_assert_eq(hidden(tmp, sizeof tmp), 1);
	size_t tl = strlen(tmp);
	cr_expect(tl <= NAME_MAX, "temporary name of %zu bytes", tl);
	const char *tag = strstr(tmp, ".vanex-");
	cr_assert_not_null(tag, "'%s' is recognisable", tmp);
	size_t stem = (size_t)(tag - tmp) - 1;
	cr_expect(stem >= 200 && memcmp(tmp + 1, name, stem) == 0, "the stem (%zu bytes) starts the name", stem);
	cr_expect(((unsigned char)name[stem] & 0xC0) != 0x80, "cut at a character boundary (byte %zu)", stem);
	vx_error err = { 0 };
	cr_assert_eq(vxr_out_commit(&o, 1, &err), VX_OK, "%s", err.msg);
	cr_expect_str_eq(content(name), "long\n");
	cr_expect_eq(hidden(NULL, 0), 0);
}

/* Three files replaced together; the last rename fails: all three keep their
 * old bytes, and neither a temporary nor a copy stays. */
Test(out, a_failed_group_commit_leaves_the_old_files)
{
	static const char *names[] = { "h.md", "h-1.svg", "h-2.svg" };
	for (int i = 0; i < 3; i++)
		put_file(names[i], names[i]);
	for (int variant = 0; variant < 2; variant++) {
		/* 0: the old files linked aside; 1: no links here, moved aside */
		link_errno = variant ? EPERM : 0;
		vxr_out *o[3];
		for (int i = 0; i < 3; i++)
			o[i] = open_ok(names[i], "new");
		rename_calls = 0;
		/* with links, one rename per file: the third; without, two per file */
		rename_fail_at = variant ? 6 : 3;
		vx_error err = { 0 };
		cr_expect_eq(vxr_out_commit(o, 3, &err), VX_EIO, "variant %d fails", variant);
		cr_expect(strstr(err.msg, "h-2.svg") && strstr(err.msg, "Input/output error"), "names the file: %s",
		          err.msg);
		for (int i = 0; i < 3; i++)
			cr_expect_str_eq(content(names[i]), names[i], "variant %d: %s whole", variant, names[i]);
		char left[NAME_MAX + 1];
		cr_expect_eq(hidden(left, sizeof left), 0, "variant %d: left '%s'", variant, left);
	}
	/* and without a failure the group goes through */
	link_errno = 0;
	rename_fail_at = 0;
	vxr_out *o[3];
	for (int i = 0; i < 3; i++)
		o[i] = open_ok(names[i], "new");
	vx_error err = { 0 };
	cr_expect_eq(vxr_out_commit(o, 3, &err), VX_OK, "%s", err.msg);
	for (int i = 0; i < 3; i++)
		cr_expect_str_eq(content(names[i]), "new");
	cr_expect_eq(hidden(NULL, 0), 0, "the old files' copies are gone");
}

/* A file that did not exist before is taken away again when a later one fails. */
Test(out, a_failed_group_commit_removes_new_files)
{
	put_file("b.svg", "old b");
	vxr_out *o[2] = { open_ok("a.md", "new a"), open_ok("b.svg", "new b") };
	rename_fail_at = 2;
	vx_error err = { 0 };
	cr_expect_eq(vxr_out_commit(o, 2, &err), VX_EIO);
	cr_expect_str_eq(content("a.md"), "<none>");
	cr_expect_str_eq(content("b.svg"), "old b");
	cr_expect_eq(hidden(NULL, 0), 0);
}

/* What a signal handler calls: the temporary goes, the commit then fails
 * and creates nothing. */
Test(out, temporaries_removed_as_by_a_signal)
{
	vxr_out *o = open_ok("c.json", "{}");
	cr_expect_eq(hidden(NULL, 0), 1);
	vxr_out_remove_temps();
	cr_expect_eq(hidden(NULL, 0), 0, "removed");
	vx_error err = { 0 };
	cr_expect_eq(vxr_out_commit(&o, 1, &err), VX_EIO, "the commit cannot finish");
	cr_expect_str_eq(content("c.json"), "<none>");
}

/* The tutor quitting during an export: the temporary goes and no new one is
 * created after. */
Test(out, abandon)
{
	vxr_out *o = open_ok("d.html", "x");
	vxr_out_abandon();
	cr_expect_eq(hidden(NULL, 0), 0);
	vxr_out *o2 = NULL;
	vx_error err = { 0 };
	cr_expect_eq(vxr_out_open(path_of("e.html"), &o2, &err), VX_EIO);
	cr_expect(strstr(err.msg, "e.html") != NULL, "%s", err.msg);
	cr_expect_eq(hidden(NULL, 0), 0, "nothing created after");
	vxr_out_discard(o);
	cr_expect_str_eq(content("d.html"), "<none>");
}

Test(out, links_devices_and_refusals)
{
	vx_error err = { 0 };
	vxr_out *o = NULL;
	/* a link is written through and stays a link */
	put_file("real.txt", "old");
	cr_assert_eq(symlink("real.txt", path_of("link.txt")), 0);
	o = open_ok("link.txt", "through");
	cr_expect_str_eq(vxr_out_target(o), path_of("real.txt"), "the target is the link's file");
	cr_expect_eq(vxr_out_commit(&o, 1, &err), VX_OK, "%s", err.msg);
	struct stat sb;
	cr_expect(lstat(path_of("link.txt"), &sb) == 0 && S_ISLNK(sb.st_mode), "still a link");
	cr_expect_str_eq(content("real.txt"), "through");

	/* two links that point at each other */
	cr_assert_eq(symlink("loop2", path_of("loop1")), 0);
	cr_assert_eq(symlink("loop1", path_of("loop2")), 0);
	cr_expect_eq(vxr_out_open(path_of("loop1"), &o, &err), VX_EIO);
	cr_expect(strstr(err.msg, "Too many levels of symbolic links") != NULL, "%s", err.msg);

	/* a folder */
	cr_assert_eq(mkdir(path_of("sub"), 0755), 0);
	cr_expect_eq(vxr_out_open(path_of("sub"), &o, &err), VX_EIO);
	cr_expect(strstr(err.msg, "it is a directory") != NULL, "%s", err.msg);

	/* devices: written in place */
	cr_assert_eq(vxr_out_open("/dev/null", &o, &err), VX_OK, "%s", err.msg);
	cr_expect(vxr_out_direct(o), "/dev/null is written directly");
	fputs("gone", vxr_out_stream(o));
	cr_expect_eq(vxr_out_commit(&o, 1, &err), VX_OK, "%s", err.msg);
	cr_expect(stat("/dev/null", &sb) == 0 && S_ISCHR(sb.st_mode), "/dev/null is still a device");
	cr_assert_eq(vxr_out_open("/dev/full", &o, &err), VX_OK, "%s", err.msg);
	fputs("full", vxr_out_stream(o));
	cr_expect_eq(vxr_out_commit(&o, 1, &err), VX_EIO);
	cr_expect_str_eq(err.msg, "cannot write /dev/full: No space left on device");
	cr_expect_eq(hidden(NULL, 0), 0);

	/* a regular file whose directory takes no new file (/proc/version: it
	 * exists, and creating the file beside it fails with ENOENT): the
	 * message says what failed, not that the target is missing */
	if (stat("/proc/version", &sb) == 0 && S_ISREG(sb.st_mode)) {
		cr_expect_eq(vxr_out_open("/proc/version", &o, &err), VX_EIO);
		cr_expect_str_eq(err.msg, "cannot write /proc/version: cannot create a file in its directory: No such "
		                          "file or directory");
	}
}

/* Entries of the test folder (dot files included). */
static int entries(void)
{
	int count = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL)
		count += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	if (d)
		closedir(d);
	return count;
}

static void touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	cr_assert(fd >= 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, "x\n", 2), 2);
	close(fd);
}

/* pdflatex's directory: private, under $TMPDIR, and gone with everything in
 * it afterwards, named in advance or not. */
Test(out, a_working_directory_is_private_and_removed_whole)
{
	setenv("TMPDIR", dir, 1);
	static const char *const names[] = { "job.tex", "job.log" };
	vxr_workdir *w = NULL;
	vx_error err = { 0 };
	cr_assert_eq(vxr_workdir_open(names, 2, &w, &err), VX_OK, "%s", err.msg);
	const char *p = vxr_workdir_path(w);
	cr_expect(strncmp(p, dir, strlen(dir)) == 0 && strstr(p, "/vanex-") != NULL, "%s under %s", p, dir);
	struct stat sb;
	cr_assert_eq(stat(p, &sb), 0);
	cr_expect(S_ISDIR(sb.st_mode) && (sb.st_mode & 0777) == 0700, "mode %o", (unsigned)sb.st_mode);
	char f[PATH_MAX];
	snprintf(f, sizeof f, "%s/job.tex", p);
	touch(f);
	snprintf(f, sizeof f, "%s/unexpected.aux", p);
	touch(f);
	cr_expect_eq(entries(), 1);
	vxr_workdir_free(w);
	cr_expect_eq(entries(), 0, "the directory and both files are gone");
	vxr_workdir_free(NULL);
}

/* A signal during pdflatex: the handler's call deletes the files named in
 * advance and then the directory. */
Test(out, a_working_directory_removed_as_by_a_signal)
{
	setenv("TMPDIR", dir, 1);
	static const char *const names[] = { "job.tex", "job.log", "job.pdf" };
	vxr_workdir *w = NULL;
	vx_error err = { 0 };
	cr_assert_eq(vxr_workdir_open(names, 3, &w, &err), VX_OK, "%s", err.msg);
	char f[PATH_MAX];
	snprintf(f, sizeof f, "%s/job.tex", vxr_workdir_path(w));
	touch(f);
	snprintf(f, sizeof f, "%s/job.pdf", vxr_workdir_path(w));
	touch(f);
	vxr_out_remove_temps();
	cr_expect_eq(entries(), 0, "files and directory removed");
	vxr_workdir_free(w);
	cr_expect_eq(entries(), 0);
}

Test(out, a_working_directory_where_none_can_be_made)
{
	setenv("TMPDIR", "/nonexistent-vanex-dir", 1);
	vxr_workdir *w = NULL;
	vx_error err = { 0 };
	cr_expect_eq(vxr_workdir_open(NULL, 0, &w, &err), VX_EIO);
	cr_expect_null(w);
	cr_expect_str_eq(err.msg, "cannot make a working directory in /nonexistent-vanex-dir: No such file or directory");
}
