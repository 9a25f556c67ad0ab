// SPDX-License-Identifier: MIT
/* The query itself and what its answer means for virtio-gpu. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>

#include <linux/dma-buf.h>

#include "dmabufmap.h"

/* The magic of the pseudo filesystem dma-buf files live on (since 5.3). */
#define DMA_BUF_FS_MAGIC 0x444d4142

int dmabufmap_is_dmabuf(int fd)
{
	struct statfs sfs;
	char path[64], target[64];
	ssize_t n;

	if (fstatfs(fd, &sfs))
		return -errno;
	if ((unsigned long)sfs.f_type == DMA_BUF_FS_MAGIC)
		return 1;

	/* Older kernels made dma-bufs anonymous inodes. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return 0;
	target[n] = '\0';
	return strcmp(target, "anon_inode:dmabuf") == 0;
}

int dmabufmap_query(int fd, enum dmabufmap_caching *caching)
{
	struct dma_buf_info info = { .param = DMA_BUF_INFO_MAP_INFO };
	int ret;

	/*
	 * Ask what the file is first: another driver's ioctl with the same
	 * number must never be mistaken for an answer.
	 */
	ret = dmabufmap_is_dmabuf(fd);
	if (ret < 0)
		return ret;
	if (!ret)
		return -ENOTTY;

	if (ioctl(fd, DMA_BUF_IOCTL_INFO, &info)) {
		/* no such ioctl, or no such param: an older kernel either way */
		if (errno == ENOTTY || errno == EINVAL)
			return -EOPNOTSUPP;
		return -errno;
	}
	if (info.value > DMA_BUF_COHERENT_UNCACHED)
		return -EPROTO;

	*caching = (enum dmabufmap_caching)info.value;
	return 0;
}

const char *dmabufmap_caching_name(enum dmabufmap_caching caching)
{
	switch (caching) {
	case DMABUFMAP_INCOHERENT:
		return "incoherent";
	case DMABUFMAP_WC:
		return "write-combined";
	case DMABUFMAP_CACHED:
		return "cached";
	case DMABUFMAP_UNCACHED:
		return "uncached";
	}
	return NULL;
}

int dmabufmap_to_virtio_gpu(enum dmabufmap_caching caching, uint32_t *map_info)
{
	switch (caching) {
	case DMABUFMAP_WC:
		*map_info = DMABUFMAP_VIRTIO_GPU_MAP_CACHE_WC;
		return 0;
	case DMABUFMAP_CACHED:
		*map_info = DMABUFMAP_VIRTIO_GPU_MAP_CACHE_CACHED;
		return 0;
	case DMABUFMAP_UNCACHED:
		*map_info = DMABUFMAP_VIRTIO_GPU_MAP_CACHE_UNCACHED;
		return 0;
	case DMABUFMAP_INCOHERENT:
		break;
	}
	return -EINVAL;
}

const char *dmabufmap_strerror(int err)
{
	switch (-err) {
	case 0:
		return "success";
	case EBADF:
		return "not an open file descriptor";
	case ENOTTY:
		return "not a dma-buf";
	case EOPNOTSUPP:
		return "this kernel cannot say how dma-bufs are cached (no DMA_BUF_IOCTL_INFO)";
	case EPROTO:
		return "the kernel reported a caching mode this library does not know; update it";
	case EPERM:
		return "not allowed: the buffer cannot be mapped safely, or the process may not be inspected (needs its user or CAP_SYS_PTRACE)";
	case EACCES:
		return "permission denied";
	case ESRCH:
		return "no such process";
	case EINVAL:
		return "invalid argument";
	case ENOSYS:
		return "the kernel lacks pidfd_open/pidfd_getfd (Linux 5.6 or later needed)";
	}
	return strerror(-err);
}
