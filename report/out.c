/*
 * out.c — one writer for every output path (see out.h): resolve what the
 * path names, then a temporary file renamed into place, or the target
 * itself written directly.
 */
/* O_PATH (a directory that can be written to but not listed) and
 * fopencookie (a stream that keeps the errno of a failed write) */
#define _GNU_SOURCE
#include "report/out.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Symbolic links followed before giving up, as the kernel's own limit. */
#define MAX_LINKS 40
/* ".vanex-XXXXXX" after the name, "." before it. */
#define TEMP_TAG ".vanex-"
#define TEMP_EXTRA (1 + sizeof TEMP_TAG - 1 + 6)
/* Large outputs (check --json at long horizons) go out in 64 KiB writes. */
#define STREAM_BUF (64u << 10)

/* A temporary file while it exists: what a signal handler deletes. */
typedef struct tmpnode {
	int dirfd;
	int flags;         /* for unlinkat: 0, or AT_REMOVEDIR for a directory */
	char name[NAME_MAX + 1];
	struct tmpnode *volatile next;
} tmpnode;

struct vxr_out {
	char *path;        /* as given, for messages */
	char *target;      /* where the bytes go: path with its links followed */
	FILE *f;           /* a stream over fd that records write errors */
	int fd;
	int werr;          /* errno of the first failed write, 0 while none */
	int direct;        /* written in place */
	int is_stdout;     /* fd is standard output: never closed */
	int dirfd;         /* a regular target's directory, else -1 */
	int dir_syncable;  /* dirfd was opened for reading, so fsync works on it */
	char *base;        /* the target's name in dirfd */
	int existed;       /* a regular file was there before */
	tmpnode tmp;       /* the temporary file (tmp.name[0] == 0: none) */
	char bk[NAME_MAX + 1]; /* the old file, kept aside during a group commit */
	int bk_state;      /* 0 none, 1 linked aside, 2 renamed aside */
	int renamed;       /* the temporary is the target now */
};

/* ================================================================ registry */

/* Temporary files in existence.  Changed with the lock held AND with the
 * termination signals blocked in the changing thread, so that a handler in
 * a single-threaded writer always walks a whole list. */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static tmpnode *volatile reg_head;
static int reg_closed;

static void reg_enter(sigset_t *old)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &s, old);
	pthread_mutex_lock(&reg_lock);
}

static void reg_leave(const sigset_t *old)
{
	pthread_mutex_unlock(&reg_lock);
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* Call with the registry entered. */
static void reg_add(tmpnode *n)
{
	n->next = reg_head;
	reg_head = n;
}

static void reg_remove(tmpnode *n)
{
	for (tmpnode *volatile *p = &reg_head; *p; p = &(*p)->next)
		if (*p == n) {
			*p = n->next;
			return;
		}
}

void vxr_out_remove_temps(void)
{
	for (tmpnode *n = reg_head; n; n = n->next)
		if (n->name[0])
			unlinkat(n->dirfd, n->name, n->flags);
}

void vxr_out_abandon(void)
{
	pthread_mutex_lock(&reg_lock);
	reg_closed = 1;
	vxr_out_remove_temps();
	pthread_mutex_unlock(&reg_lock);
}

/* ================================================================ names */

/* ".NAME.vanex-XXXXXX" with NAME cut to fit name_max bytes in all, at a
 * UTF-8 character boundary, and six random letters or digits. */
static void temp_name(char *dst, const char *base, long name_max)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	static uint64_t state;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	state ^= (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15u ^ (uint64_t)getpid() << 32 ^ (uint64_t)ts.tv_sec;
	size_t len = strlen(base);
	size_t room = name_max > (long)TEMP_EXTRA ? (size_t)name_max - TEMP_EXTRA : 0;
	if (len > room) {
		len = room;
		while (len > 0 && ((unsigned char)base[len] & 0xC0) == 0x80)
			len--;
	}
	char *p = dst;
	*p++ = '.';
	memcpy(p, base, len);
	p += len;
	memcpy(p, TEMP_TAG, sizeof TEMP_TAG - 1);
	p += sizeof TEMP_TAG - 1;
	for (int i = 0; i < 6; i++) {
		/* xorshift64*: names only need to differ, O_EXCL settles clashes */
		state ^= state >> 12;
		state ^= state << 25;
		state ^= state >> 27;
		*p++ = al[((state * 0x2545F4914F6CDD1Du) >> 33) % (sizeof al - 1)];
	}
	*p = '\0';
}

/* The longest file name the directory takes. */
static long name_max_of(int dirfd)
{
	long m = fpathconf(dirfd, _PC_NAME_MAX);
	return m > 0 && m <= NAME_MAX ? m : NAME_MAX;
}

/* The directory part of p with its slash ("" for a bare name), and the rest. */
static size_t dir_len(const char *p)
{
	const char *slash = strrchr(p, '/');
	return slash ? (size_t)(slash - p) + 1 : 0;
}

/* N when dir/base names this process's descriptor N (/proc/self/fd/N,
 * /dev/fd/N and /dev/stdout all lead there), else -1.  rdir is resolved. */
static int own_fd(const char *rdir, const char *base)
{
	char mine[64];
	snprintf(mine, sizeof mine, "/proc/%ld/fd", (long)getpid());
	if (strcmp(rdir, mine) != 0 || !*base || strlen(base) > 9)
		return -1;
	for (const char *c = base; *c; c++)
		if (*c < '0' || *c > '9')
			return -1;
	return atoi(base);
}

static int under_proc(const char *rdir)
{
	return strcmp(rdir, "/proc") == 0 || strncmp(rdir, "/proc/", 6) == 0;
}

/* ================================================================ opening */

/* Deletes o's temporary file (if any) and forgets it. */
static void drop_temp(vxr_out *o)
{
	if (!o->tmp.name[0])
		return;
	sigset_t mask;
	reg_enter(&mask);
	unlinkat(o->dirfd, o->tmp.name, 0);
	reg_remove(&o->tmp);
	o->tmp.name[0] = '\0';
	reg_leave(&mask);
}


static vx_status fail_errno(vx_error *err, const char *path, int e)
{
	if (e == ENOMEM)
		return vx_fail(err, VX_ENOMEM, "out of memory writing %s", path);
	return vx_fail(err, VX_EIO, "cannot write %s: %s", path, strerror(e));
}

static vxr_out *out_new(const char *path)
{
	vxr_out *o = calloc(1, sizeof *o);
	if (!o)
		return NULL;
	o->dirfd = -1;
	o->fd = -1;
	o->tmp.dirfd = -1;
	o->path = strdup(path);
	if (!o->path) {
		free(o);
		return NULL;
	}
	return o;
}

static void out_free(vxr_out *o)
{
	if (!o)
		return;
	if (o->dirfd >= 0)
		close(o->dirfd);
	free(o->path);
	free(o->target);
	free(o->base);
	free(o);
}

/* The stream's writes: every byte or the errno of the failure, kept for
 * the message (stdio itself only keeps a flag). */
static ssize_t stream_write(void *cookie, const char *buf, size_t n)
{
	vxr_out *o = cookie;
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(o->fd, buf + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (!o->werr)
				o->werr = w < 0 ? errno : EIO;
			break;
		}
		done += (size_t)w;
	}
	return (ssize_t)done;
}

static int stream_close(void *cookie)
{
	vxr_out *o = cookie;
	int fd = o->fd;
	o->fd = -1;
	return o->is_stdout ? 0 : close(fd);
}

/* A stream on descriptor fd (taken over: closed on failure, unless it is
 * standard output). */
static vx_status stream_on(vxr_out *o, int fd, vx_error *err)
{
	static const cookie_io_functions_t io = { NULL, stream_write, NULL, stream_close };
	o->fd = fd;
	o->f = fopencookie(o, "w", io);
	if (!o->f) {
		int e = errno;
		stream_close(o);
		return fail_errno(err, o->path, e);
	}
	setvbuf(o->f, NULL, _IOFBF, STREAM_BUF);
	return VX_OK;
}

/* Creates and registers the temporary file beside o->base in o->dirfd. */
static vx_status open_temp(vxr_out *o, const struct stat *old, vx_error *err)
{
	long nm = name_max_of(o->dirfd);
	int fd = -1, e = 0;
	sigset_t mask;
	reg_enter(&mask);
	if (reg_closed) {
		reg_leave(&mask);
		return vx_fail(err, VX_EIO, "cannot write %s: vanex is ending", o->path);
	}
	for (int tries = 0; tries < 100; tries++) {
		temp_name(o->tmp.name, o->base, nm);
		fd = openat(o->dirfd, o->tmp.name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0666);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		e = errno;
		o->tmp.name[0] = '\0';
	} else {
		o->tmp.dirfd = o->dirfd;
		reg_add(&o->tmp);
	}
	reg_leave(&mask);
	/* the file is written whole beside its place, then renamed: what
	 * failed is that new file (into /proc, say, where the target exists
	 * and ENOENT alone would say it does not) */
	if (fd < 0 && e == ENOMEM)
		return fail_errno(err, o->path, e);
	if (fd < 0)
		return vx_fail(err, VX_EIO, "cannot write %s: cannot create a file in its directory: %s", o->path,
		               strerror(e));
	/* a file replaced keeps its permissions; a new one gets 0666 less the umask */
	if (old)
		(void)fchmod(fd, old->st_mode & 0777);
	return stream_on(o, fd, err);
}

/* Follows path's symbolic links to the file they lead to.  Sets o->target
 * and *rdir (the resolved directory, caller frees), or *fdnum when the path
 * names one of our descriptors, or *magic when a link under /proc is left
 * for the kernel to follow. */
static vx_status resolve(vxr_out *o, char **rdir, int *fdnum, int *magic, vx_error *err)
{
	*rdir = NULL;
	*fdnum = -1;
	*magic = 0;
	char *cur = strdup(o->path);
	if (!cur)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	for (int hops = 0;; hops++) {
		size_t dl = dir_len(cur);
		const char *base = cur + dl;
		if (!*base) {
			struct stat sb;
			int isdir = stat(cur, &sb) == 0 && S_ISDIR(sb.st_mode);
			free(cur);
			if (isdir)
				return vx_fail(err, VX_EIO, "cannot write %s: it is a directory", o->path);
			return vx_fail(err, VX_EUSAGE, "-o %s: a file name is expected, not a directory", o->path);
		}
		char *dir = dl == 0 ? strdup(".") : dl == 1 ? strdup("/") : strndup(cur, dl - 1);
		char *rd = dir ? realpath(dir, NULL) : NULL;
		int e = errno;
		free(dir);
		if (!rd) {
			free(cur);
			return fail_errno(err, o->path, e);
		}
		if ((*fdnum = own_fd(rd, base)) >= 0) {
			free(rd);
			o->target = cur;
			return VX_OK;
		}
		size_t rl = strlen(rd);
		char *full = malloc(rl + strlen(base) + 2);
		if (!full) {
			free(rd);
			free(cur);
			return vx_fail(err, VX_ENOMEM, "out of memory");
		}
		sprintf(full, "%s/%s", strcmp(rd, "/") == 0 ? "" : rd, base);
		struct stat sb;
		int islink = lstat(full, &sb) == 0 && S_ISLNK(sb.st_mode);
		if (!islink || under_proc(rd)) {
			/* a link under /proc (/proc/PID/fd/N of another process) only
			 * the kernel can follow */
			*magic = islink;
			free(full);
			*rdir = rd;
			o->target = cur;
			return VX_OK;
		}
		if (hops >= MAX_LINKS) {
			free(full);
			free(rd);
			free(cur);
			return fail_errno(err, o->path, ELOOP);
		}
		char link[PATH_MAX];
		ssize_t n = readlink(full, link, sizeof link - 1);
		e = errno;
		free(full);
		free(rd);
		if (n < 0) {
			free(cur);
			return fail_errno(err, o->path, e);
		}
		link[n] = '\0';
		/* a relative link is relative to the directory holding it */
		size_t keep = link[0] == '/' ? 0 : dl;
		char *next = malloc(keep + (size_t)n + 1);
		if (!next) {
			free(cur);
			return vx_fail(err, VX_ENOMEM, "out of memory");
		}
		memcpy(next, cur, keep);
		memcpy(next + keep, link, (size_t)n + 1);
		free(cur);
		cur = next;
	}
}

vx_status vxr_out_open(const char *path, vxr_out **out, vx_error *err)
{
	*out = NULL;
	if (!path)
		path = "-";
	vxr_out *o = out_new(path);
	if (!o)
		return vx_fail(err, VX_ENOMEM, "out of memory");
	if (strcmp(path, "-") == 0) {
		o->target = strdup("-");
		if (!o->target) {
			out_free(o);
			return vx_fail(err, VX_ENOMEM, "out of memory");
		}
		o->direct = o->is_stdout = 1;
		vx_status st = stream_on(o, STDOUT_FILENO, err);
		if (st != VX_OK) {
			out_free(o);
			return st;
		}
		*out = o;
		return VX_OK;
	}
	char *rdir = NULL;
	int fdnum, magic;
	vx_status st = resolve(o, &rdir, &fdnum, &magic, err);
	if (st != VX_OK) {
		out_free(o);
		return st;
	}
	o->direct = 1;
	if (fdnum >= 0) {
		int fd = fcntl(fdnum, F_DUPFD_CLOEXEC, 3);
		st = fd < 0 ? fail_errno(err, path, errno) : stream_on(o, fd, err);
		goto done;
	}
	struct stat sb;
	int exists = stat(o->target, &sb) == 0;
	if (!exists && errno != ENOENT) {
		st = fail_errno(err, path, errno);
		goto done;
	}
	if (exists && S_ISDIR(sb.st_mode)) {
		st = vx_fail(err, VX_EIO, "cannot write %s: it is a directory", path);
		goto done;
	}
	if (exists && S_ISSOCK(sb.st_mode)) {
		st = vx_fail(err, VX_EIO, "cannot write %s: it is a socket", path);
		goto done;
	}
	if (exists && (!S_ISREG(sb.st_mode) || magic)) {
		/* a device, a FIFO, or a file behind another process's descriptor:
		 * its own bytes, written in place and never created or truncated */
		int fd = open(o->target, O_WRONLY | O_NOCTTY | O_CLOEXEC);
		st = fd < 0 ? fail_errno(err, path, errno) : stream_on(o, fd, err);
		goto done;
	}
	o->direct = 0;
	o->existed = exists;
	o->base = strdup(o->target + dir_len(o->target));
	if (!o->base) {
		st = vx_fail(err, VX_ENOMEM, "out of memory");
		goto done;
	}
	o->dirfd = open(rdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	o->dir_syncable = o->dirfd >= 0;
	if (o->dirfd < 0 && errno == EACCES)
		o->dirfd = open(rdir, O_PATH | O_DIRECTORY | O_CLOEXEC);   /* -wx: write, no listing */
	if (o->dirfd < 0) {
		st = fail_errno(err, path, errno);
		goto done;
	}
	st = open_temp(o, exists ? &sb : NULL, err);
done:
	free(rdir);
	if (st != VX_OK) {
		drop_temp(o);
		out_free(o);
		return st;
	}
	*out = o;
	return VX_OK;
}

FILE *vxr_out_stream(vxr_out *o)
{
	return o->f;
}

int vxr_out_direct(const vxr_out *o)
{
	return o->direct;
}

const char *vxr_out_target(const vxr_out *o)
{
	return o->target;
}

/* ================================================================ closing */

void vxr_out_discard(vxr_out *o)
{
	if (!o)
		return;
	if (o->f)
		fclose(o->f);
	drop_temp(o);
	out_free(o);
}

/* Flushes, syncs (a temporary file) and closes the stream. */
static vx_status finish(vxr_out *o, vx_error *err)
{
	errno = 0;
	int e = fflush(o->f) != 0 || ferror(o->f) ? (errno ? errno : EIO) : 0;
	if (!e && !o->direct && fsync(o->fd) != 0)
		e = errno;
	if (fclose(o->f) != 0 && !e)
		e = errno ? errno : EIO;
	o->f = NULL;
	if (o->werr)
		e = o->werr;   /* the first failure says most (ENOSPC, not a later EBADF) */
	if (!e)
		return VX_OK;
	if (o->is_stdout)
		return vx_fail(err, VX_EIO, "cannot write to standard output: %s", strerror(e));
	return fail_errno(err, o->path, e);
}

/* Keeps the old file of o aside under a name of its own while the new one
 * replaces it: a second link (the target is never missing), else a rename. */
static int set_aside(vxr_out *o)
{
	long nm = name_max_of(o->dirfd);
	int tries = 0;
	for (; tries < 100; tries++) {
		temp_name(o->bk, o->base, nm);
		if (linkat(o->dirfd, o->base, o->dirfd, o->bk, 0) == 0) {
			o->bk_state = 1;
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	if (tries == 100)
		return -1;
	/* no second link here (a file system without them, a file of another
	 * user under protected_hardlinks): move the old file aside instead */
	if (renameat(o->dirfd, o->base, o->dirfd, o->bk) == 0) {
		o->bk_state = 2;
		return 0;
	}
	o->bk[0] = '\0';
	return -1;
}

/* Puts o's target back as it was before the commit. */
static void roll_back(vxr_out *o)
{
	if (o->bk_state == 1 && !o->renamed)
		unlinkat(o->dirfd, o->bk, 0);   /* still the same file as the target */
	else if (o->bk_state)
		renameat(o->dirfd, o->bk, o->dirfd, o->base);
	else if (o->renamed)
		unlinkat(o->dirfd, o->base, 0);
	o->bk_state = 0;
}

vx_status vxr_out_commit(vxr_out **outs, size_t n, vx_error *err)
{
	vx_status st = VX_OK;
	size_t files = 0;
	for (size_t i = 0; i < n; i++) {
		if (!outs[i])
			continue;
		vx_status s = finish(outs[i], err);
		if (st == VX_OK)
			st = s;
		files += !outs[i]->direct;
	}
	sigset_t mask;
	reg_enter(&mask);
	size_t i = 0;
	for (; st == VX_OK && i < n; i++) {
		vxr_out *o = outs[i];
		if (!o || o->direct)
			continue;
		/* a lone file needs no copy: rename either replaces it or fails */
		if (files > 1 && o->existed && set_aside(o) != 0) {
			st = fail_errno(err, o->path, errno);
			break;
		}
		if (renameat(o->dirfd, o->tmp.name, o->dirfd, o->base) != 0) {
			st = fail_errno(err, o->path, errno);
			break;
		}
		o->renamed = 1;
		reg_remove(&o->tmp);
		o->tmp.name[0] = '\0';
	}
	for (size_t j = 0; j < n; j++) {
		vxr_out *o = outs[j];
		if (!o || o->direct)
			continue;
		if (st != VX_OK)
			roll_back(o);
		else if (o->bk_state == 1)
			unlinkat(o->dirfd, o->bk, 0);
		if (o->tmp.name[0]) {
			unlinkat(o->dirfd, o->tmp.name, 0);
			reg_remove(&o->tmp);
			o->tmp.name[0] = '\0';
		}
		/* the new name itself on disk, not only the data */
		if (st == VX_OK && o->dir_syncable)
			(void)fsync(o->dirfd);
	}
	reg_leave(&mask);
	for (size_t j = 0; j < n; j++)
		out_free(outs[j]);
	return st;
}

/* ================================================================ working directories */

struct vxr_workdir {
	char *path;        /* "$TMPDIR/vanex-XXXXXX" */
	int fd;            /* the directory itself */
	int parentfd;      /* where it stands */
	tmpnode self;      /* the directory, removed last */
	tmpnode *files;    /* the names a signal handler deletes first */
	size_t nfiles;
};

vx_status vxr_workdir_open(const char *const *names, size_t n, vxr_workdir **out, vx_error *err)
{
	*out = NULL;
	const char *tmp = getenv("TMPDIR");
	if (!tmp || tmp[0] != '/')
		tmp = "/tmp";
	vxr_workdir *w = calloc(1, sizeof *w);
	tmpnode *files = calloc(n ? n : 1, sizeof *files);
	size_t tl = strlen(tmp);
	char *path = malloc(tl + sizeof "/vanex-XXXXXX");
	if (!w || !files || !path) {
		free(w);
		free(files);
		free(path);
		return vx_fail(err, VX_ENOMEM, "out of memory");
	}
	while (tl > 0 && tmp[tl - 1] == '/')
		tl--;
	sprintf(path, "%.*s/vanex-XXXXXX", (int)tl, tmp);
	w->path = path;
	w->files = files;
	w->fd = w->parentfd = -1;
	sigset_t mask;
	reg_enter(&mask);
	int e = 0;
	if (reg_closed) {
		e = ECANCELED;
	} else if (!mkdtemp(path)) {
		e = errno;
	} else {
		/* mkdtemp makes it 0700: nobody else reads or plants files in it */
		size_t dl = dir_len(path);
		char *parent = dl > 1 ? strndup(path, dl - 1) : strdup("/");
		w->parentfd = parent ? open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
		w->fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		free(parent);
		if (w->parentfd < 0 || w->fd < 0) {
			e = errno ? errno : ENOMEM;
			rmdir(path);
		} else {
			w->self.dirfd = w->parentfd;
			w->self.flags = AT_REMOVEDIR;
			snprintf(w->self.name, sizeof w->self.name, "%s", path + dl);
			reg_add(&w->self);
			/* after the directory: the handler walks from the newest */
			for (size_t i = 0; i < n; i++) {
				w->files[i].dirfd = w->fd;
				snprintf(w->files[i].name, sizeof w->files[i].name, "%s", names[i]);
				reg_add(&w->files[i]);
			}
			w->nfiles = n;
		}
	}
	reg_leave(&mask);
	if (e) {
		if (w->parentfd >= 0)
			close(w->parentfd);
		if (w->fd >= 0)
			close(w->fd);
		free(w->path);
		free(w->files);
		free(w);
		if (e == ECANCELED)
			return vx_fail(err, VX_EIO, "cannot make a working directory: vanex is ending");
		return vx_fail(err, e == ENOMEM ? VX_ENOMEM : VX_EIO, "cannot make a working directory in %s: %s", tmp,
		               strerror(e));
	}
	*out = w;
	return VX_OK;
}

const char *vxr_workdir_path(const vxr_workdir *w)
{
	return w->path;
}

void vxr_workdir_free(vxr_workdir *w)
{
	if (!w)
		return;
	sigset_t mask;
	reg_enter(&mask);
	for (size_t i = 0; i < w->nfiles; i++)
		reg_remove(&w->files[i]);
	reg_remove(&w->self);
	/* whatever the program wrote, named in advance or not */
	DIR *d = opendir(w->path);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	rmdir(w->path);
	reg_leave(&mask);
	close(w->fd);
	close(w->parentfd);
	free(w->path);
	free(w->files);
	free(w);
}
