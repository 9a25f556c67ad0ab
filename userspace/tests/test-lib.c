// SPDX-License-Identifier: MIT
/*
 * The library on real files.  What it can check anywhere: every refusal,
 * the virtio-gpu translation, pidfds.  Given "patched" or "pristine" as its
 * argument (in the test VM) it also checks the answer for a real udmabuf:
 * the caching on the patched kernel, "not supported" on one without the
 * series.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <linux/udmabuf.h>

#include "dmabufmap.h"
#include "tap.h"

static int make_udmabuf(size_t size, int *memfd_out)
{
	struct udmabuf_create create = { 0 };
	int memfd, dev, buf;

	memfd = memfd_create("dmabufmap-test", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, (off_t)size) ||
	    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK))
		return -errno;
	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		close(memfd);
		return -errno;
	}
	create.memfd = (uint32_t)memfd;
	create.flags = UDMABUF_FLAGS_CLOEXEC;
	create.size = size;
	buf = ioctl(dev, UDMABUF_CREATE, &create);
	close(dev);
	if (buf < 0) {
		close(memfd);
		return -errno;
	}
	*memfd_out = memfd;
	return buf;
}

static void test_translation(void)
{
	static const struct {
		enum dmabufmap_memtype memtype;
		uint32_t virtio;
		const char *name;
	} ok[] = {
		{ DMABUFMAP_MEMTYPE_CACHED, 0x01, "cached is VIRTIO_GPU_MAP_CACHE_CACHED" },
		{ DMABUFMAP_MEMTYPE_UNCACHED, 0x02, "uncached is VIRTIO_GPU_MAP_CACHE_UNCACHED" },
		{ DMABUFMAP_MEMTYPE_WC, 0x03, "wc is VIRTIO_GPU_MAP_CACHE_WC" },
	};
	struct dmabufmap_info info;
	uint32_t v = 0xff;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		info = (struct dmabufmap_info){ ok[i].memtype, DMABUFMAP_CPU_ACCESS_COHERENT };
		CHECK_EQ(dmabufmap_to_virtio_gpu(&info, &v), 0, "coherent %s translates",
			 dmabufmap_memtype_name(ok[i].memtype));
		CHECK_EQ(v, ok[i].virtio, "%s", ok[i].name);
		/* a guest cannot ask the host's exporter for cache maintenance */
		v = 0xff;
		info.cpu_access = DMABUFMAP_CPU_ACCESS_SYNC;
		CHECK_EQ(dmabufmap_to_virtio_gpu(&info, &v), -DMABUFMAP_ENEEDSYNC,
			 "%s but needing SYNC is refused",
			 dmabufmap_memtype_name(ok[i].memtype));
		CHECK_EQ(v, 0xff, "refusal leaves the output alone");
	}
	info = (struct dmabufmap_info){ DMABUFMAP_MEMTYPE_UNKNOWN, DMABUFMAP_CPU_ACCESS_COHERENT };
	CHECK_EQ(dmabufmap_to_virtio_gpu(&info, &v), -DMABUFMAP_ENOPROMISE,
		 "unknown memory type is refused, never NONE");
	info = (struct dmabufmap_info){ (enum dmabufmap_memtype)7, DMABUFMAP_CPU_ACCESS_COHERENT };
	CHECK_EQ(dmabufmap_to_virtio_gpu(&info, &v), -EINVAL, "value out of range refused");
	info = (struct dmabufmap_info){ DMABUFMAP_MEMTYPE_CACHED, (enum dmabufmap_cpu_access)7 };
	CHECK_EQ(dmabufmap_to_virtio_gpu(&info, &v), -EINVAL, "access out of range refused");
	CHECK_EQ(v, 0xff, "refusals leave the output alone");
	CHECK(dmabufmap_memtype_name((enum dmabufmap_memtype)7) == NULL, "out of range has no name");
	CHECK(dmabufmap_cpu_access_name((enum dmabufmap_cpu_access)7) == NULL,
	      "out of range access has no name");
	CHECK(!strcmp(dmabufmap_memtype_name(DMABUFMAP_MEMTYPE_WC), "write-combined"), "wc name");
	CHECK(!strcmp(dmabufmap_cpu_access_name(DMABUFMAP_CPU_ACCESS_SYNC), "sync"), "sync name");
	CHECK(strstr(dmabufmap_strerror(-EOPNOTSUPP), "DMA_BUF_IOCTL_INFO") != NULL,
	      "not-supported message names the missing ioctl");
}

/* The four reasons a VMM gets no map_info are told apart by code and text. */
static void test_errors(void)
{
	static const int reasons[] = { EOPNOTSUPP, ENOTTY, DMABUFMAP_ENOPROMISE,
				       DMABUFMAP_ENEEDSYNC };
	size_t i, j, n = sizeof(reasons) / sizeof(reasons[0]);

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			CHECK(reasons[i] != reasons[j] &&
			      strcmp(dmabufmap_strerror(-reasons[i]),
				     dmabufmap_strerror(-reasons[j])),
			      "reasons %zu and %zu differ in code and message", i, j);
	CHECK(strstr(dmabufmap_strerror(-DMABUFMAP_ENEEDSYNC), "DMA_BUF_IOCTL_SYNC") != NULL,
	      "needs-sync message names the ioctl the guest cannot issue");
	for (i = 0; i < n; i++)
		CHECK(dmabufmap_strerror(reasons[i]) == dmabufmap_strerror(-reasons[i]),
		      "strerror takes %d with either sign", reasons[i]);
	CHECK(dmabufmap_strerror(INT_MIN) != NULL, "strerror(INT_MIN) is a message");
	CHECK(!strcmp(dmabufmap_strerror(0), "success"), "strerror(0)");
}

static void test_version(void)
{
	CHECK_EQ(DMABUFMAP_VERSION, (DMABUFMAP_VERSION_MAJOR << 16) |
		 (DMABUFMAP_VERSION_MINOR << 8) | DMABUFMAP_VERSION_PATCH,
		 "DMABUFMAP_VERSION packs major, minor, patch");
	CHECK(DMABUFMAP_VERSION >= DMABUFMAP_VERSION_OF(0, 2, 0),
	      "this header has the one-call virtio-gpu query (0.2.0)");
}

/*
 * What the kernel declares for CPU access to udmabuf's ordinary pages:
 * coherent where DMA never needs CPU cache maintenance (x86), SYNC where a
 * non-coherent device may attach (arm64).
 */
static int pages_coherent(void)
{
	struct utsname u;

	return !uname(&u) && (!strcmp(u.machine, "x86_64") || !strcmp(u.machine, "i686"));
}

static void test_not_dmabufs(void)
{
	struct dmabufmap_info c;
	int fd = memfd_create("plain", MFD_CLOEXEC), pipefd[2];
	uint32_t v;

	CHECK_EQ(dmabufmap_query(fd, &c), -ENOTTY, "memfd is not a dma-buf");
	CHECK_EQ(dmabufmap_is_dmabuf(fd), 0, "is_dmabuf(memfd) is 0");
	CHECK(pipe(pipefd) == 0, "pipe");
	CHECK_EQ(dmabufmap_query(pipefd[0], &c), -ENOTTY, "pipe is not a dma-buf");
	close(pipefd[0]);
	close(pipefd[1]);
	close(fd);
	CHECK_EQ(dmabufmap_query(fd, &c), -EBADF, "closed fd");
	CHECK_EQ(dmabufmap_query(-1, &c), -EBADF, "negative fd");
	CHECK_EQ(dmabufmap_is_dmabuf(-1), -EBADF, "is_dmabuf(-1)");
	v = 0xff;
	CHECK_EQ(dmabufmap_virtio_gpu_map_info(-1, &v), -EBADF, "one call: negative fd");
	fd = memfd_create("plain", MFD_CLOEXEC);
	CHECK_EQ(dmabufmap_virtio_gpu_map_info(fd, &v), -ENOTTY, "one call: memfd");
	CHECK_EQ(v, 0xff, "one call: no map_info on refusal");
	close(fd);
}

static void test_map_fixed_refusals(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	size_t rsize = 16 * (size_t)ps;
	char *region = mmap(NULL, rsize, PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	int fd = memfd_create("plain", MFD_CLOEXEC);
	uint32_t v = 0xff;

	CHECK(region != MAP_FAILED, "reserve a region");
	CHECK_EQ(dmabufmap_map_fixed(fd, region + 1, (size_t)ps, 0, PROT_READ, region,
				     rsize, &v), -EINVAL, "unaligned address");
	CHECK_EQ(dmabufmap_map_fixed(fd, region, (size_t)ps + 1, 0, PROT_READ, region,
				     rsize, &v), -EINVAL, "unaligned size");
	CHECK_EQ(dmabufmap_map_fixed(fd, region, 0, 0, PROT_READ, region, rsize, &v),
		 -EINVAL, "empty mapping");
	CHECK_EQ(dmabufmap_map_fixed(fd, region, (size_t)ps, 12, PROT_READ, region,
				     rsize, &v), -EINVAL, "unaligned offset");
	CHECK_EQ(dmabufmap_map_fixed(fd, region - ps, (size_t)ps, 0, PROT_READ, region,
				     rsize, &v), -EINVAL, "starts before the region");
	CHECK_EQ(dmabufmap_map_fixed(fd, region + rsize - ps, 2 * (size_t)ps, 0, PROT_READ,
				     region, rsize, &v), -EINVAL, "runs past the region");
	CHECK_EQ(dmabufmap_map_fixed(fd, region + rsize, (size_t)ps, 0, PROT_READ, region,
				     rsize, &v), -EINVAL, "starts at the region's end");
	CHECK_EQ(dmabufmap_map_fixed(fd, region, SIZE_MAX - (size_t)ps + 1, 0, PROT_READ,
				     region, rsize, &v), -EINVAL, "size that wraps");
	CHECK_EQ(dmabufmap_map_fixed(fd, region, (size_t)ps, 0, PROT_READ, region, rsize,
				     &v), -ENOTTY, "memfd refused: not a dma-buf");
	CHECK_EQ(v, 0xff, "no map_info on refusal");
	close(fd);
	munmap(region, rsize);
}

static void test_remote(void)
{
	int fd = memfd_create("shared-with-child", 0);
	int sync[2], got;
	pid_t child;
	char c;

	CHECK(pipe(sync) == 0, "pipe");
	child = fork();
	if (child == 0) {
		close(sync[1]);
		if (read(sync[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(sync[0]);
	got = dmabufmap_fd_from_pid(child, fd);
	CHECK(got >= 0, "fd of a child (same user) through pidfd_getfd: %d", got);
	if (got >= 0) {
		CHECK(fcntl(got, F_GETFD) & FD_CLOEXEC, "duplicated fd is close-on-exec");
		close(got);
	}
	CHECK_EQ(dmabufmap_fd_from_pid(child, 999), -EBADF, "child has no fd 999");
	CHECK_EQ(dmabufmap_fd_from_pid(0x3fffffff, 0), -ESRCH, "no such process");
	CHECK_EQ(dmabufmap_fd_from_pid(-5, 0), -EINVAL, "negative pid");
	if (write(sync[1], "x", 1) < 0)
		CHECK(0, "wake child");
	close(sync[1]);
	waitpid(child, NULL, 0);
	close(fd);
}

static void test_udmabuf(const char *kernel)
{
	long ps = sysconf(_SC_PAGESIZE);
	size_t size = 4 * (size_t)ps, rsize = 8 * (size_t)ps;
	struct dmabufmap_info c = { (enum dmabufmap_memtype)99, (enum dmabufmap_cpu_access)99 };
	char *region, *p;
	int memfd = -1, buf, patched = !strcmp(kernel, "patched");
	int coherent = pages_coherent(), want;
	uint32_t v = 0xff;

	buf = make_udmabuf(size, &memfd);
	CHECK(buf >= 0, "create a udmabuf: %s", dmabufmap_strerror(buf < 0 ? buf : 0));
	if (buf < 0)
		return;
	CHECK_EQ(dmabufmap_is_dmabuf(buf), 1, "udmabuf is a dma-buf");

	if (!patched) {
		CHECK_EQ(dmabufmap_query(buf, &c), -EOPNOTSUPP,
			 "kernel without the series: not supported, no guess");
		CHECK_EQ(c.memtype, 99, "no answer written");
	} else {
		CHECK_EQ(dmabufmap_query(buf, &c), 0, "query a udmabuf");
		CHECK_EQ(c.memtype, DMABUFMAP_MEMTYPE_CACHED, "udmabuf is cached");
		CHECK_EQ(c.cpu_access, coherent ? DMABUFMAP_CPU_ACCESS_COHERENT :
						  DMABUFMAP_CPU_ACCESS_SYNC,
			 "udmabuf CPU access is %s here", coherent ? "coherent" : "sync");
	}
	CHECK_EQ(dmabufmap_virtio_gpu_map_info(buf, &v),
		 !patched ? -EOPNOTSUPP : coherent ? 0 : -DMABUFMAP_ENEEDSYNC,
		 "one call gives the map_info or why not");
	if (patched && coherent)
		CHECK_EQ(v, 0x01, "one call: VIRTIO_GPU_MAP_CACHE_CACHED");
	v = 0xff;

	/* what mapping it for a guest gives when the buffer fits */
	want = !patched ? -EOPNOTSUPP : coherent ? 0 : -DMABUFMAP_ENEEDSYNC;
	region = mmap(NULL, rsize, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p = region + ps;
	CHECK_EQ(dmabufmap_map_fixed(buf, p, size + (size_t)ps, 0, PROT_READ | PROT_WRITE,
				     region, rsize, &v), want ? want : -EINVAL,
		 "mapping more than the buffer is refused");
	CHECK_EQ(dmabufmap_map_fixed(buf, p, size, (uint64_t)ps, PROT_READ | PROT_WRITE,
				     region, rsize, &v), want ? want : -EINVAL,
		 "offset + size past the buffer is refused");
	CHECK_EQ(dmabufmap_map_fixed(buf, p, size, 0, PROT_READ | PROT_WRITE, region,
				     rsize, &v), want,
		 "map into the reserved region: %s", dmabufmap_strerror(want));
	if (want == 0) {
		char *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);

		CHECK_EQ(v, 0x01, "guest gets VIRTIO_GPU_MAP_CACHE_CACHED");
		p[0] = 'V';
		p[size - 1] = 'M';
		CHECK(mem[0] == 'V' && mem[size - 1] == 'M',
		      "writes through the fixed mapping reach the memfd");
		munmap(mem, size);
	}
	munmap(region, rsize);
	close(buf);
	close(memfd);
}

int main(int argc, char **argv)
{
	const char *kernel = argc > 1 ? argv[1] : NULL;

	test_version();
	test_translation();
	test_errors();
	test_not_dmabufs();
	test_map_fixed_refusals();
	test_remote();
	if (kernel)
		test_udmabuf(kernel);
	return tap_done();
}
