/*
 * zip.h — a zip archive held in memory, read through libzip, for the model
 * readers (torch.save's archives, numpy's .npz).
 *
 * Opening checks the central directory against the local headers (libzip's
 * ZIP_CHECKCONS), and refuses encrypted members, compression methods other
 * than stored and deflated, duplicate names, more than VXR_ZIP_MAX_ENTRIES
 * members, and sizes the compressed bytes cannot hold (a stored member's
 * size other than its compressed size, a deflated one's beyond 1032 times
 * it, deflate's largest ratio): so a member read from an archive of N bytes
 * takes at most ~1032 N bytes.  Reading a member checks its declared size
 * against the limits below BEFORE allocating, stops one byte after the
 * declared size (a member that inflates to more is refused: the declared
 * sizes of a zip bomb lie), and checks the CRC-32.  Nothing is ever written
 * or extracted to disk.
 */
#ifndef VXR_LOAD_ZIP_H
#define VXR_LOAD_ZIP_H

#include <stddef.h>
#include <stdint.h>
#include "engine/status.h"

/* Most members an archive may list (torch.save writes one per storage). */
#define VXR_ZIP_MAX_ENTRIES 262144u
/* Largest member read, uncompressed: 1 GiB, twice the largest weight the
 * engine accepts (4·4096 × 4096 float64, 512 MiB). */
#define VXR_ZIP_MAX_MEMBER ((uint64_t)1 << 30)
/* Most bytes inflated from one archive over its lifetime, all reads
 * together: 4 GiB. */
#define VXR_ZIP_MAX_TOTAL ((uint64_t)4 << 30)

typedef struct vxr_zip vxr_zip;

/* Opens the archive in buf[0..len), which must outlive *out (nothing is
 * copied); name is used in messages.  VX_EFORMAT (malformed, truncated,
 * inconsistent, encrypted, unsupported method, duplicate names), VX_ETOOBIG,
 * VX_ENOMEM.  *out is freed with vxr_zip_close. */
vx_status vxr_zip_open(const unsigned char *buf, size_t len, const char *name, vxr_zip **out,
                       vx_error *err);
void vxr_zip_close(vxr_zip *z); /* NULL-safe */

/* The members, in the order of the central directory. */
size_t vxr_zip_count(const vxr_zip *z);
/* Member i's name, its bytes as stored (no code-page conversion). */
const char *vxr_zip_name(const vxr_zip *z, size_t i);
/* Member i's declared uncompressed size. */
uint64_t vxr_zip_size(const vxr_zip *z, size_t i);
/* 1 and *i set when a member has exactly this name, else 0. */
int vxr_zip_find(const vxr_zip *z, const char *name, size_t *i);

/* Reads member i whole into *data (caller-freed, *data non-NULL on success
 * even for an empty member), its length the declared size.  VX_ETOOBIG
 * beyond VXR_ZIP_MAX_MEMBER or VXR_ZIP_MAX_TOTAL, VX_EFORMAT when the data
 * is shorter or longer than declared or its CRC-32 differs, VX_ENOMEM. */
vx_status vxr_zip_read(vxr_zip *z, size_t i, unsigned char **data, vx_error *err);

/* Reads the first n bytes of member i (n at most its declared size) into
 * dst, for a header; the CRC cannot be checked on a part. */
vx_status vxr_zip_peek(vxr_zip *z, size_t i, unsigned char *dst, size_t n, vx_error *err);

#endif
