// SPDX-License-Identifier: GPL-2.0
/*
 * The export, query and mmap paths while allocations fail: run by
 * tests/guest/fault-inject, which sets failslab and fail_page_alloc to fail
 * at random the allocations of tasks that ask for it.  This program asks
 * (/proc/self/make-it-fail) around each round of making a udmabuf and a
 * system-heap buffer, querying both parameters, mapping, writing and
 * reading back, and not while it prints.  The export and mmap calls must
 * either work or fail with ENOMEM; the query, which allocates nothing, must
 * never fail and must answer as it does without failures; a mapping that
 * was made must hold what was written through it.  The memfd a udmabuf is
 * made from may fail as shmem decides (ENOSPC when it cannot allocate an
 * inode): that is not a path of the dma-buf code, and it only counts.  What the kernel does with the failed
 * paths (leaks, reports) is the kernel-log check's to find.
 *
 *   fault-paths [ROUNDS]
 * Prints KTAP.
 */
#define _GNU_SOURCE
#include <stdlib.h>

#include "common.h"

enum step { S_UDMABUF, S_HEAP, S_MMAP, NR_STEPS };
static const char *const step_name[NR_STEPS] = { "udmabuf", "system heap", "mmap" };

static unsigned long made[NR_STEPS], enomem[NR_STEPS], other[NR_STEPS];
static unsigned long memfd_failed;
static unsigned long query_bad, data_bad;
static int fail_fd = -1;

static void inject(int on)
{
	if (fail_fd >= 0 && pwrite(fail_fd, on ? "1" : "0", 1, 0) != 1) {
		perror("# /proc/self/make-it-fail");
		exit(1);
	}
}

static void count(enum step s, int err)
{
	if (!err)
		made[s]++;
	else if (err == ENOMEM)
		enomem[s]++;
	else if (other[s]++ < 10)
		printf("# %s failed with %s, not ENOMEM\n", step_name[s], strerror(err));
}

/*
 * A udmabuf of @size bytes: the memfd and /dev/udmabuf are opened first,
 * and only UDMABUF_CREATE, the export, is counted as the udmabuf step.
 */
static int make_udmabuf_counted(size_t size)
{
	struct udmabuf_create create = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = size };
	int memfd, dev, buf;

	memfd = memfd_create("fault-paths", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (memfd < 0) {
		memfd_failed++;
		return -1;
	}
	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (ftruncate(memfd, (off_t)size) || fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK) ||
	    dev < 0) {
		memfd_failed++;
		if (dev >= 0)
			close(dev);
		close(memfd);
		return -1;
	}
	create.memfd = (uint32_t)memfd;
	buf = ioctl(dev, UDMABUF_CREATE, &create);
	count(S_UDMABUF, buf < 0 ? errno : 0);
	close(dev);
	close(memfd);
	return buf;
}

/* Query one buffer, then map it, write and read back. */
static void use(int buf, size_t size, __u64 want_access)
{
	struct dma_buf_info info = { .param = DMA_BUF_INFO_MEMTYPE };
	unsigned char *p;
	size_t i;

	if (ioctl(buf, DMA_BUF_IOCTL_INFO, &info) || info.value != DMA_BUF_MEMTYPE_CACHED)
		query_bad++;
	info = (struct dma_buf_info){ .param = DMA_BUF_INFO_CPU_ACCESS };
	if (ioctl(buf, DMA_BUF_IOCTL_INFO, &info) || info.value != want_access)
		query_bad++;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
	count(S_MMAP, p == MAP_FAILED ? errno : 0);
	if (p == MAP_FAILED)
		return;
	for (i = 0; i < size; i += 64)
		p[i] = (unsigned char)(i / 64 + 1);
	for (i = 0; i < size; i += 64)
		if (p[i] != (unsigned char)(i / 64 + 1)) {
			data_bad++;
			break;
		}
	munmap(p, size);
}

int main(int argc, char **argv)
{
	unsigned long rounds = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000, r;
	const size_t size = 16 * 4096;
	__u64 want_access = pages_cpu_access_here();
	unsigned long injected = 0, others = 0;
	int s;

	printf("KTAP version 1\n1..4\n");
	fail_fd = open("/proc/self/make-it-fail", O_WRONLY | O_CLOEXEC);
	if (fail_fd < 0)
		printf("# /proc/self/make-it-fail: %s (no CONFIG_FAULT_INJECTION)\n",
		       strerror(errno));

	for (r = 0; r < rounds; r++) {
		int buf;

		inject(1);
		buf = make_udmabuf_counted(size);
		if (buf >= 0) {
			use(buf, size, want_access);
			close(buf);
		}
		buf = make_heap_buf("system", size);
		count(S_HEAP, buf < 0 ? -buf : 0);
		if (buf >= 0) {
			use(buf, size, want_access);
			close(buf);
		}
		inject(0);
	}

	printf("# memfd or /dev/udmabuf before the export: %lu failed\n", memfd_failed);
	for (s = 0; s < NR_STEPS; s++) {
		printf("# %s: %lu made, %lu failed with ENOMEM, %lu otherwise\n",
		       step_name[s], made[s], enomem[s], other[s]);
		injected += enomem[s];
		others += other[s];
	}
	printf("%s 1 every failure of the export and mmap calls is ENOMEM\n",
	       others ? "not ok" : "ok");
	printf("%s 2 the query answers on every buffer made, as without failures\n",
	       query_bad ? "not ok" : "ok");
	printf("%s 3 every mapping made holds what was written through it\n",
	       data_bad ? "not ok" : "ok");
	/* without a failure, this tested nothing */
	printf("%s 4 allocations failed on the paths (%lu times in %lu rounds)\n",
	       injected ? "ok" : "not ok", injected, rounds);
	return others || query_bad || data_bad || !injected;
}
