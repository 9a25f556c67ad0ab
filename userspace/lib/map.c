// SPDX-License-Identifier: MIT
/* Map a dma-buf into a region a VMM reserved, with the guest's map_info. */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/mman.h>

#include "dmabufmap.h"
#include "public.h"

DMABUFMAP_PUBLIC
int dmabufmap_map_fixed(int fd, void *addr, size_t size, uint64_t offset,
			int prot, void *region, size_t region_size,
			uint32_t *map_info)
{
	uintptr_t start = (uintptr_t)addr, base = (uintptr_t)region;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint32_t virtio;
	off_t buf_size;
	void *p;
	int ret;

	if (!size || start % page || size % page || offset % page)
		return -EINVAL;
	/* inside the reservation, written so that nothing can overflow */
	if (start < base || start - base > region_size ||
	    size > region_size - (start - base))
		return -EINVAL;

	ret = dmabufmap_virtio_gpu_map_info(fd, &virtio);
	if (ret)
		return ret;

	/* a dma-buf's size is where SEEK_END lands */
	buf_size = lseek(fd, 0, SEEK_END);
	if (buf_size < 0)
		return -errno;
	if (offset > (uint64_t)buf_size || size > (uint64_t)buf_size - offset)
		return -EINVAL;

	p = mmap(addr, size, prot, MAP_SHARED | MAP_FIXED, fd, (off_t)offset);
	if (p == MAP_FAILED) {
		ret = -errno;
		/*
		 * Linux may already have dropped the reservation there: put
		 * an inaccessible one back so nothing else lands in the
		 * VMM's region.
		 */
		mmap(addr, size, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
		return ret;
	}
	*map_info = virtio;
	return 0;
}
