// SPDX-License-Identifier: MIT
/* The query itself and what its answers mean for virtio-gpu. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>

#include <linux/dma-buf.h>

#include "dmabufmap.h"
#include "public.h"

/* The magic of the pseudo filesystem dma-buf files live on (since 5.3). */
#define DMA_BUF_FS_MAGIC 0x444d4142

DMABUFMAP_PUBLIC
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

static int query_param(int fd, uint32_t param, uint64_t *value)
{
	struct dma_buf_info info = { .param = param };

	if (ioctl(fd, DMA_BUF_IOCTL_INFO, &info)) {
		/* no such ioctl, or no such param: an older kernel either way */
		if (errno == ENOTTY || errno == EINVAL)
			return -EOPNOTSUPP;
		return -errno;
	}
	*value = info.value;
	return 0;
}

DMABUFMAP_PUBLIC
int dmabufmap_query(int fd, struct dmabufmap_info *info)
{
	uint64_t memtype, cpu_access;
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

	ret = query_param(fd, DMA_BUF_INFO_MEMTYPE, &memtype);
	if (!ret)
		ret = query_param(fd, DMA_BUF_INFO_CPU_ACCESS, &cpu_access);
	if (ret)
		return ret;
	if (memtype > DMA_BUF_MEMTYPE_UNCACHED ||
	    cpu_access > DMA_BUF_CPU_ACCESS_COHERENT)
		return -EPROTO;

	info->memtype = (enum dmabufmap_memtype)memtype;
	info->cpu_access = (enum dmabufmap_cpu_access)cpu_access;
	return 0;
}

DMABUFMAP_PUBLIC
const char *dmabufmap_memtype_name(enum dmabufmap_memtype memtype)
{
	switch (memtype) {
	case DMABUFMAP_MEMTYPE_UNKNOWN:
		return "unknown";
	case DMABUFMAP_MEMTYPE_WC:
		return "write-combined";
	case DMABUFMAP_MEMTYPE_CACHED:
		return "cached";
	case DMABUFMAP_MEMTYPE_UNCACHED:
		return "uncached";
	}
	return NULL;
}

DMABUFMAP_PUBLIC
const char *dmabufmap_cpu_access_name(enum dmabufmap_cpu_access cpu_access)
{
	switch (cpu_access) {
	case DMABUFMAP_CPU_ACCESS_SYNC:
		return "sync";
	case DMABUFMAP_CPU_ACCESS_COHERENT:
		return "coherent";
	}
	return NULL;
}

DMABUFMAP_PUBLIC
int dmabufmap_to_virtio_gpu(const struct dmabufmap_info *info, uint32_t *map_info)
{
	uint32_t v;

	switch (info->memtype) {
	case DMABUFMAP_MEMTYPE_WC:
		v = DMABUFMAP_VIRTIO_GPU_MAP_CACHE_WC;
		break;
	case DMABUFMAP_MEMTYPE_CACHED:
		v = DMABUFMAP_VIRTIO_GPU_MAP_CACHE_CACHED;
		break;
	case DMABUFMAP_MEMTYPE_UNCACHED:
		v = DMABUFMAP_VIRTIO_GPU_MAP_CACHE_UNCACHED;
		break;
	case DMABUFMAP_MEMTYPE_UNKNOWN:
		return -DMABUFMAP_ENOPROMISE;
	default:
		return -EINVAL;
	}
	switch (info->cpu_access) {
	case DMABUFMAP_CPU_ACCESS_COHERENT:
		break;
	case DMABUFMAP_CPU_ACCESS_SYNC:
		return -DMABUFMAP_ENEEDSYNC;
	default:
		return -EINVAL;
	}
	*map_info = v;
	return 0;
}

DMABUFMAP_PUBLIC
int dmabufmap_virtio_gpu_map_info(int fd, uint32_t *map_info)
{
	struct dmabufmap_info info;
	int ret;

	ret = dmabufmap_query(fd, &info);
	if (ret)
		return ret;
	return dmabufmap_to_virtio_gpu(&info, map_info);
}

DMABUFMAP_PUBLIC
const char *dmabufmap_strerror(int err)
{
	/* either sign; INT_MIN has no positive twin and no meaning */
	if (err < 0)
		err = err == INT_MIN ? EINVAL : -err;

	switch (err) {
	case 0:
		return "success";
	case EBADF:
		return "not an open file descriptor";
	case ENOTTY:
		return "not a dma-buf";
	case EOPNOTSUPP:
		return "this kernel cannot say how dma-bufs are mapped (no DMA_BUF_IOCTL_INFO)";
	case EPROTO:
		return "the kernel reported a value this library does not know; update it";
	case DMABUFMAP_ENOPROMISE:
		return "the exporter promises no memory type for this buffer's mappings: a guest could map it with the wrong one";
	case DMABUFMAP_ENEEDSYNC:
		return "CPU access to this buffer needs cache maintenance (DMA_BUF_IOCTL_SYNC) that a guest cannot ask the host's exporter for";
	case EACCES:
		return "permission denied (inspecting another process needs its user or CAP_SYS_PTRACE)";
	case ESRCH:
		return "no such process";
	case EINVAL:
		return "invalid argument";
	case ENOSYS:
		return "the kernel lacks pidfd_open/pidfd_getfd (Linux 5.6 or later needed)";
	}
	return strerror(err);
}
