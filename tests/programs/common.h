/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the fuzz, stress and fault-path programs: making real dma-bufs. */
#ifndef TESTS_COMMON_H
#define TESTS_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

/*
 * What the kernel declares for CPU access to ordinary cached pages (udmabuf,
 * the heaps): coherent where DMA never needs CPU cache maintenance (x86),
 * DMA_BUF_CPU_ACCESS_SYNC where a non-coherent device may attach (arm64).
 */
static inline __u64 pages_cpu_access_here(void)
{
	struct utsname u;

	if (!uname(&u) && (!strcmp(u.machine, "x86_64") || !strcmp(u.machine, "i686")))
		return DMA_BUF_CPU_ACCESS_COHERENT;
	return DMA_BUF_CPU_ACCESS_SYNC;
}

/* A udmabuf of @size bytes; the memfd is closed, the pages stay. */
static inline int make_udmabuf(size_t size)
{
	struct udmabuf_create create = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = size };
	int memfd, dev, buf;

	memfd = memfd_create("test", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (memfd < 0)
		return -errno;
	if (ftruncate(memfd, (off_t)size) || fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		close(memfd);
		return -errno;
	}
	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		close(memfd);
		return -errno;
	}
	create.memfd = (uint32_t)memfd;
	buf = ioctl(dev, UDMABUF_CREATE, &create);
	if (buf < 0)
		buf = -errno;
	close(dev);
	close(memfd);
	return buf;
}

/* A buffer of @size bytes from the dma-buf heap called @heap. */
static inline int make_heap_buf(const char *heap, size_t size)
{
	struct dma_heap_allocation_data alloc = { .len = size,
						  .fd_flags = O_RDWR | O_CLOEXEC };
	char path[64];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/dev/dma_heap/%s", heap);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, DMA_HEAP_IOCTL_ALLOC, &alloc))
		ret = -errno;
	close(fd);
	return ret ? ret : (int)alloc.fd;
}

#endif
