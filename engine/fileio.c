/*
 * fileio.c — see fileio.h.
 */
#include "engine/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static vx_status too_big(vx_error *err, const char *path, size_t max)
{
	return vx_fail(err, VX_ETOOBIG, "%s: file too large (limit %zu bytes)", path, max);
}

vx_status vx_read_file(const char *path, size_t max, const char *what, char **buf, size_t *len, vx_error *err)
{
	*buf = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return vx_fail(err, VX_EIO, "%s: cannot open: %s", path, strerror(errno));
	struct stat sb;
	if (fstat(fd, &sb) != 0) {
		int e = errno;
		close(fd);
		return vx_fail(err, VX_EIO, "%s: cannot stat: %s", path, strerror(e));
	}
	if (S_ISDIR(sb.st_mode)) {
		close(fd);
		return vx_fail(err, VX_EIO, "%s: is a directory, expected %s", path, what);
	}
	int regular = S_ISREG(sb.st_mode) && sb.st_size > 0;
	if (regular && (uintmax_t)sb.st_size > max) {
		close(fd);
		return too_big(err, path, max);
	}
	/* a regular file in one read (plus one more to see its end); anything
	 * else grows by doubling */
	size_t cap = regular ? (size_t)sb.st_size + 1 : (size_t)1 << 16, n = 0;
	char *b = malloc(cap + 1);
	if (!b) {
		close(fd);
		return vx_fail(err, VX_ENOMEM, "%s: out of memory", path);
	}
	for (;;) {
		if (n == cap) {
			if (cap > max) {
				free(b);
				close(fd);
				return too_big(err, path, max);
			}
			char *nb = realloc(b, cap * 2 + 1);
			if (!nb) {
				free(b);
				close(fd);
				return vx_fail(err, VX_ENOMEM, "%s: out of memory", path);
			}
			b = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(b);
			close(fd);
			return vx_fail(err, VX_EIO, "%s: cannot read: %s", path, strerror(e));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > max) {
		free(b);
		return too_big(err, path, max);
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return VX_OK;
}
