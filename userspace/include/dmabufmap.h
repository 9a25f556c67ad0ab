/* SPDX-License-Identifier: MIT */
/*
 * libdmabufmap: the memory type of a dma-buf's CPU mappings and whether CPU
 * access needs DMA_BUF_IOCTL_SYNC, and what a VMM does with those answers.
 *
 * Every function returns 0 (or a count) on success and a negative errno on
 * failure; dmabufmap_strerror() turns the codes with a meaning of their own
 * here into a sentence a user can act on.
 */
#ifndef DMABUFMAP_H
#define DMABUFMAP_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this header; the library's file name carries the same. */
#define DMABUFMAP_VERSION_MAJOR 0
#define DMABUFMAP_VERSION_MINOR 2
#define DMABUFMAP_VERSION_PATCH 0
/* For compile-time tests: DMABUFMAP_VERSION >= DMABUFMAP_VERSION_OF(0, 2, 0) */
#define DMABUFMAP_VERSION_OF(major, minor, patch) \
	(((major) << 16) | ((minor) << 8) | (patch))
#define DMABUFMAP_VERSION \
	DMABUFMAP_VERSION_OF(DMABUFMAP_VERSION_MAJOR, DMABUFMAP_VERSION_MINOR, \
			     DMABUFMAP_VERSION_PATCH)

/*
 * Why a buffer cannot be offered to a guest, as a negative value of these,
 * each distinct from the others and from "not a dma-buf" (-ENOTTY) and
 * "this kernel cannot say" (-EOPNOTSUPP):
 */
/* the exporter promises no memory type for the buffer's mappings */
#define DMABUFMAP_ENOPROMISE	ENODATA
/* CPU access needs cache maintenance only the host's exporter can do */
#define DMABUFMAP_ENEEDSYNC	EPERM

/* The kernel's enum dma_buf_memtype, with the same values. */
enum dmabufmap_memtype {
	DMABUFMAP_MEMTYPE_UNKNOWN = 0,	/* no promise: may differ between mappings */
	DMABUFMAP_MEMTYPE_WC = 1,	/* write-combined */
	DMABUFMAP_MEMTYPE_CACHED = 2,	/* write-back cached */
	DMABUFMAP_MEMTYPE_UNCACHED = 3,	/* uncached */
};

/* The kernel's enum dma_buf_cpu_access, with the same values. */
enum dmabufmap_cpu_access {
	DMABUFMAP_CPU_ACCESS_SYNC = 0,		/* needs DMA_BUF_IOCTL_SYNC */
	DMABUFMAP_CPU_ACCESS_COHERENT = 1,	/* no cache maintenance needed */
};

/* What the kernel reports of a dma-buf's CPU mappings. */
struct dmabufmap_info {
	enum dmabufmap_memtype memtype;
	enum dmabufmap_cpu_access cpu_access;
};

/* virtio-gpu's VIRTIO_GPU_MAP_CACHE_* values for a blob's map_info. */
#define DMABUFMAP_VIRTIO_GPU_MAP_CACHE_NONE	0x00
#define DMABUFMAP_VIRTIO_GPU_MAP_CACHE_CACHED	0x01
#define DMABUFMAP_VIRTIO_GPU_MAP_CACHE_UNCACHED	0x02
#define DMABUFMAP_VIRTIO_GPU_MAP_CACHE_WC	0x03

/*
 * Query the memory type of mmap()s of the dma-buf @fd and whether CPU
 * access to it needs DMA_BUF_IOCTL_SYNC.
 *
 * Returns 0 and fills *@info, or:
 *   -EBADF       @fd is not an open file descriptor
 *   -ENOTTY      @fd is open but is not a dma-buf
 *   -EOPNOTSUPP  @fd is a dma-buf, but the running kernel has no
 *                DMA_BUF_IOCTL_INFO (or not both DMA_BUF_INFO_MEMTYPE and
 *                DMA_BUF_INFO_CPU_ACCESS): nothing is known, and nothing is
 *                guessed
 *   -EPROTO      the kernel answered with a value this library does not know
 */
int dmabufmap_query(int fd, struct dmabufmap_info *info);

/* 1 if @fd is a dma-buf, 0 if it is another file, -EBADF if not open. */
int dmabufmap_is_dmabuf(int fd);

/* "unknown", "write-combined", "cached", "uncached", or NULL. */
const char *dmabufmap_memtype_name(enum dmabufmap_memtype memtype);

/* "sync" (needs DMA_BUF_IOCTL_SYNC), "coherent", or NULL. */
const char *dmabufmap_cpu_access_name(enum dmabufmap_cpu_access cpu_access);

/*
 * The virtio-gpu map_info for a host-visible blob backed by this buffer.
 * Refused with -DMABUFMAP_ENOPROMISE when the exporter promises no memory
 * type (answering VIRTIO_GPU_MAP_CACHE_NONE would make the guest driver map
 * the blob cached, which is only right by luck) and with
 * -DMABUFMAP_ENEEDSYNC when CPU access needs DMA_BUF_IOCTL_SYNC (the guest
 * cannot ask the host's exporter for cache maintenance); values outside the
 * enums are refused with -EINVAL.  *@map_info is written only on success.
 */
int dmabufmap_to_virtio_gpu(const struct dmabufmap_info *info, uint32_t *map_info);

/*
 * The one call a VMM needs: dmabufmap_query() and dmabufmap_to_virtio_gpu()
 * of the dma-buf @fd.  Returns 0 and sets *@map_info, or one of:
 *   -EOPNOTSUPP            the kernel cannot say (no DMA_BUF_IOCTL_INFO)
 *   -ENOTTY                @fd is not a dma-buf
 *   -DMABUFMAP_ENOPROMISE  the exporter promises no memory type
 *   -DMABUFMAP_ENEEDSYNC   CPU access needs cache maintenance
 * and -EBADF, -EPROTO as dmabufmap_query().
 */
int dmabufmap_virtio_gpu_map_info(int fd, uint32_t *map_info);

/* What /proc/<pid>/fdinfo/<fd> says of a dma-buf. */
struct dmabufmap_fdinfo {
	uint64_t size;		/* bytes */
	uint64_t inode;		/* ino: the buffer's identity across processes */
	long count;		/* file references, -1 if the kernel did not say */
	int flags;		/* open flags (octal in fdinfo) */
	char exp_name[64];	/* exporter name */
	char name[64];		/* DMA_BUF_SET_NAME name, "" if none */
};

/*
 * Parse fdinfo text.  Returns 0, or -ENOTTY when the text is well formed but
 * not a dma-buf's (no exp_name), or -EINVAL when a field it needs is
 * malformed (a size that is not a number, an exporter name that does not
 * fit).
 */
int dmabufmap_parse_fdinfo(const char *text, size_t len,
			   struct dmabufmap_fdinfo *info);

/*
 * Read and parse /proc/<pid>/fdinfo/<fd>; @pid 0 means this process.
 * Errors: -ESRCH no such process, -EBADF no such fd, -EACCES not allowed
 * to look, -ENOTTY not a dma-buf, and what dmabufmap_parse_fdinfo()
 * returns.
 */
int dmabufmap_read_fdinfo(pid_t pid, int fd, struct dmabufmap_fdinfo *info);

/*
 * Duplicate another process's fd into this one (pidfd_open + pidfd_getfd),
 * close-on-exec.  Returns the new fd, or -ESRCH (no such process), -EACCES
 * (not allowed to ptrace it: run as its user or with CAP_SYS_PTRACE; the
 * kernel's EPERM, reported as EACCES so that -EPERM keeps one meaning in
 * this library), -EBADF (it has no such fd), -ENOSYS (kernel older than
 * 5.6).
 */
int dmabufmap_fd_from_pid(pid_t pid, int fd);

/*
 * Map @size bytes of the dma-buf @fd at @offset to the fixed address @addr,
 * which must lie inside the region [@region, @region + @region_size) the
 * caller reserved (as a VMM reserves the host-visible shared-memory region
 * of a virtio-gpu device), and return the virtio-gpu map_info the guest must
 * use for it in *@map_info.
 *
 * Refused before anything is mapped:
 *   -EINVAL      @addr, @size or @offset not page aligned, @size 0, or the
 *                mapping would leave the region or the buffer
 *   -EOPNOTSUPP  the kernel cannot say how the buffer is cached
 *   -DMABUFMAP_ENOPROMISE, -DMABUFMAP_ENEEDSYNC
 *                as dmabufmap_virtio_gpu_map_info(): a guest could not map
 *                it safely
 * and what dmabufmap_query() and mmap() return.  On success the old
 * mapping in that range (the reservation) is replaced; if mmap() itself
 * fails, the range is left reserved as inaccessible anonymous memory.
 */
int dmabufmap_map_fixed(int fd, void *addr, size_t size, uint64_t offset,
			int prot, void *region, size_t region_size,
			uint32_t *map_info);

/*
 * A message for the error codes above, in the context of this library;
 * @err may be given with either sign.
 */
const char *dmabufmap_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* DMABUFMAP_H */
