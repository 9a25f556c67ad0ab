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
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
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
	uint32_t v = 0xff;

	CHECK_EQ(dmabufmap_to_virtio_gpu(DMABUFMAP_CACHED, &v), 0, "cached translates");
	CHECK_EQ(v, 0x01, "cached is VIRTIO_GPU_MAP_CACHE_CACHED");
	CHECK_EQ(dmabufmap_to_virtio_gpu(DMABUFMAP_UNCACHED, &v), 0, "uncached translates");
	CHECK_EQ(v, 0x02, "uncached is VIRTIO_GPU_MAP_CACHE_UNCACHED");
	CHECK_EQ(dmabufmap_to_virtio_gpu(DMABUFMAP_WC, &v), 0, "wc translates");
	CHECK_EQ(v, 0x03, "wc is VIRTIO_GPU_MAP_CACHE_WC");
	v = 0xff;
	CHECK_EQ(dmabufmap_to_virtio_gpu(DMABUFMAP_INCOHERENT, &v), -EINVAL,
		 "incoherent is refused, never NONE");
	CHECK_EQ(v, 0xff, "refusal leaves the output alone");
	CHECK_EQ(dmabufmap_to_virtio_gpu((enum dmabufmap_caching)7, &v), -EINVAL,
		 "unknown value refused");
	CHECK(dmabufmap_caching_name((enum dmabufmap_caching)7) == NULL, "unknown has no name");
	CHECK(!strcmp(dmabufmap_caching_name(DMABUFMAP_WC), "write-combined"), "wc name");
	CHECK(strstr(dmabufmap_strerror(-EOPNOTSUPP), "DMA_BUF_IOCTL_INFO") != NULL,
	      "not-supported message names the missing ioctl");
}

static void test_not_dmabufs(void)
{
	enum dmabufmap_caching c;
	int fd = memfd_create("plain", MFD_CLOEXEC), pipefd[2];

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
	enum dmabufmap_caching c = (enum dmabufmap_caching)99;
	char *region, *p;
	int memfd = -1, buf, patched = !strcmp(kernel, "patched");
	uint32_t v = 0xff;

	buf = make_udmabuf(size, &memfd);
	CHECK(buf >= 0, "create a udmabuf: %s", dmabufmap_strerror(buf < 0 ? buf : 0));
	if (buf < 0)
		return;
	CHECK_EQ(dmabufmap_is_dmabuf(buf), 1, "udmabuf is a dma-buf");

	if (!patched) {
		CHECK_EQ(dmabufmap_query(buf, &c), -EOPNOTSUPP,
			 "kernel without the series: not supported, no guess");
		CHECK_EQ(c, 99, "no answer written");
	} else {
		CHECK_EQ(dmabufmap_query(buf, &c), 0, "query a udmabuf");
		CHECK_EQ(c, DMABUFMAP_CACHED, "udmabuf is cached");
	}

	region = mmap(NULL, rsize, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p = region + ps;
	CHECK_EQ(dmabufmap_map_fixed(buf, p, size + (size_t)ps, 0, PROT_READ | PROT_WRITE,
				     region, rsize, &v), patched ? -EINVAL : -EOPNOTSUPP,
		 "mapping more than the buffer is refused");
	CHECK_EQ(dmabufmap_map_fixed(buf, p, size, (uint64_t)ps, PROT_READ | PROT_WRITE,
				     region, rsize, &v), patched ? -EINVAL : -EOPNOTSUPP,
		 "offset + size past the buffer is refused");
	CHECK_EQ(dmabufmap_map_fixed(buf, p, size, 0, PROT_READ | PROT_WRITE, region,
				     rsize, &v), patched ? 0 : -EOPNOTSUPP,
		 "map into the reserved region");
	if (patched) {
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

	test_translation();
	test_not_dmabufs();
	test_map_fixed_refusals();
	test_remote();
	if (kernel)
		test_udmabuf(kernel);
	return tap_done();
}
