// SPDX-License-Identifier: MIT
/*
 * Test helper: allocate dma-bufs the way their users do and hold them.
 *
 *   dmabuf-holder [--udmabuf N] [--heap NAME:N]... [--drm DRIVER:N]...
 *                 [--vivid ALLOCATOR:N]... [--vivid-noncoherent N]
 *                 [--size BYTES] [--name PREFIX] [--fork] [--exec CMD ARG...]
 *
 * --drm makes dumb buffers on the DRM device whose driver is DRIVER (vgem,
 * virtio_gpu) and exports them with PRIME.  --vivid exports capture
 * buffers (VIDIOC_EXPBUF, the size of vivid's default format) of the first
 * vivid instance with that allocator (0 vmalloc, 1 dma-contig) and no
 * cache hints, as the kernel command line set them up; --vivid-noncoherent
 * those of the first dma-contig instance with cache hints, allocated as
 * non-coherent memory (V4L2_MEMORY_FLAG_NON_COHERENT).
 *
 * The buffers are fds 3, 4, ... in allocation order, named PREFIX-<i>.
 * Without --exec it prints "ready <pid> <count>" and holds them until its
 * standard input is closed; --fork also leaves a child holding the same fds.
 * With --exec it runs CMD with the buffers open and exits with its status.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <drm/drm.h>
#include <drm/drm_mode.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#include <linux/videodev2.h>

static int next_fd = 3;

static void die(const char *what)
{
	fprintf(stderr, "dmabuf-holder: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Keep buffers at 3, 4, ... so a command given --exec knows where they are. */
static void place(int fd, const char *prefix)
{
	char name[DMA_BUF_NAME_LEN];

	if (fd != next_fd) {
		if (dup2(fd, next_fd) < 0)
			die("dup2");
		close(fd);
	}
	/* the buffers are for the command given --exec too */
	if (fcntl(next_fd, F_SETFD, 0))
		die("F_SETFD");
	snprintf(name, sizeof(name), "%s-%d", prefix, next_fd - 3);
	if (ioctl(next_fd, DMA_BUF_SET_NAME_B, name))
		die("DMA_BUF_SET_NAME");
	next_fd++;
}

/* Device fds live high, out of the way of the slots the buffers take. */
static int open_high(const char *path, int flags)
{
	struct rlimit rl;
	int fd = open(path, flags | O_CLOEXEC), high;

	if (fd < 0)
		die(path);
	if (getrlimit(RLIMIT_NOFILE, &rl))
		die("getrlimit");
	high = fcntl(fd, F_DUPFD_CLOEXEC, (int)rl.rlim_cur - 8);
	if (high < 0)
		die("F_DUPFD");
	close(fd);
	return high;
}

static int new_udmabuf(int dev, size_t size)
{
	struct udmabuf_create create = { 0 };
	int memfd, buf;

	memfd = memfd_create("dmabuf-holder", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, (off_t)size) ||
	    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK))
		die("memfd");
	create.memfd = (uint32_t)memfd;
	create.size = size;
	buf = ioctl(dev, UDMABUF_CREATE, &create);
	if (buf < 0)
		die("UDMABUF_CREATE");
	/* the udmabuf keeps the pages; the memfd is no longer needed */
	close(memfd);
	return buf;
}

static int new_heap_buf(int heap, size_t size)
{
	struct dma_heap_allocation_data alloc = {
		.len = size,
		.fd_flags = O_RDWR,
	};

	if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &alloc))
		die("DMA_HEAP_IOCTL_ALLOC");
	return (int)alloc.fd;
}

/* The DRM device node whose driver is called @driver, opened high. */
static int open_drm(const char *driver)
{
	char path[32], name[32];
	int i;

	for (i = 0; i < 16; i++) {
		struct drm_version version = { .name = name, .name_len = sizeof(name) - 1 };
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		if (access(path, F_OK))
			continue;
		fd = open_high(path, O_RDWR);
		memset(name, 0, sizeof(name));
		if (!ioctl(fd, DRM_IOCTL_VERSION, &version) && !strcmp(name, driver))
			return fd;
		close(fd);
	}
	errno = ENODEV;
	die(driver);
	return -1;
}

static int new_drm_buf(int dev, size_t size)
{
	struct drm_mode_create_dumb create = {
		.width = (uint32_t)(size / 4 / 16), .height = 16, .bpp = 32,
	};
	struct drm_prime_handle prime = { .flags = DRM_CLOEXEC | DRM_RDWR };

	if (ioctl(dev, DRM_IOCTL_MODE_CREATE_DUMB, &create))
		die("DRM_IOCTL_MODE_CREATE_DUMB");
	prime.handle = create.handle;
	if (ioctl(dev, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime))
		die("DRM_IOCTL_PRIME_HANDLE_TO_FD");
	return prime.fd;
}

/* One value of a vivid module parameter array, or -1. */
static int vivid_param(const char *name, unsigned int inst)
{
	char path[96], line[256], *p = line;
	unsigned int i;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/vivid/parameters/%s", name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	for (i = 0; i < inst && p; i++) {
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return p && *p >= '0' && *p <= '9' ? atoi(p) : -1;
}

/* The capture node of the first vivid instance with @allocator and @cache_hints. */
static int open_vivid(unsigned int allocator, int cache_hints)
{
	for (int i = 0; i < 64; i++) {
		struct v4l2_capability cap = { 0 };
		char path[32];
		unsigned int inst;
		int fd;

		snprintf(path, sizeof(path), "/dev/video%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!ioctl(fd, VIDIOC_QUERYCAP, &cap) && !strcmp((char *)cap.driver, "vivid") &&
		    (cap.device_caps & V4L2_CAP_VIDEO_CAPTURE) &&
		    sscanf((char *)cap.bus_info, "platform:vivid-%u", &inst) == 1 &&
		    vivid_param("allocators", inst) == (int)allocator &&
		    (vivid_param("cache_hints", inst) > 0) == cache_hints) {
			close(fd);
			return open_high(path, O_RDWR);
		}
		close(fd);
	}
	errno = ENODEV;
	die("no vivid capture node with that allocator and cache hints");
	return -1;
}

static void new_vivid_bufs(int dev, int count, uint8_t flags, const char *prefix)
{
	struct v4l2_requestbuffers req = {
		.count = (uint32_t)count,
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_MMAP,
		.flags = flags,
	};

	if (ioctl(dev, VIDIOC_REQBUFS, &req))
		die("VIDIOC_REQBUFS");
	for (uint32_t i = 0; i < req.count && i < (uint32_t)count; i++) {
		struct v4l2_exportbuffer exp = {
			.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
			.index = i,
			.flags = O_RDWR | O_CLOEXEC,
		};

		if (ioctl(dev, VIDIOC_EXPBUF, &exp))
			die("VIDIOC_EXPBUF");
		place(exp.fd, prefix);
	}
}

int main(int argc, char **argv)
{
	const char *prefix = "holder";
	size_t size = (size_t)sysconf(_SC_PAGESIZE);
	int i, n, dev, fork_child = 0;
	struct rlimit rl;
	char **exec_argv = NULL;
	pid_t child = 0;

	/* enough descriptors for the scaling benchmark */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* nothing may sit in the slots the buffers take */
	for (i = 3; i < 64; i++)
		close(i);

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--size") && i + 1 < argc) {
			size = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--name") && i + 1 < argc) {
			prefix = argv[++i];
		} else if (!strcmp(argv[i], "--fork")) {
			fork_child = 1;
		} else if (!strcmp(argv[i], "--udmabuf") && i + 1 < argc) {
			n = atoi(argv[++i]);
			dev = open_high("/dev/udmabuf", O_RDWR);
			while (n-- > 0)
				place(new_udmabuf(dev, size), prefix);
			close(dev);
		} else if (!strcmp(argv[i], "--heap") && i + 1 < argc) {
			char path[128], *colon = strchr(argv[++i], ':');

			if (!colon) {
				fprintf(stderr, "dmabuf-holder: --heap NAME:COUNT\n");
				return 2;
			}
			*colon = '\0';
			n = atoi(colon + 1);
			snprintf(path, sizeof(path), "/dev/dma_heap/%s", argv[i]);
			dev = open_high(path, O_RDONLY);
			while (n-- > 0)
				place(new_heap_buf(dev, size), prefix);
			close(dev);
		} else if (!strcmp(argv[i], "--drm") && i + 1 < argc) {
			char *colon = strchr(argv[++i], ':');

			if (!colon) {
				fprintf(stderr, "dmabuf-holder: --drm DRIVER:COUNT\n");
				return 2;
			}
			*colon = '\0';
			n = atoi(colon + 1);
			/* the device stays open: it owns the GEM handles */
			dev = open_drm(argv[i]);
			while (n-- > 0)
				place(new_drm_buf(dev, size), prefix);
		} else if (!strcmp(argv[i], "--vivid") && i + 1 < argc) {
			char *colon = strchr(argv[++i], ':');

			if (!colon) {
				fprintf(stderr, "dmabuf-holder: --vivid ALLOCATOR:COUNT\n");
				return 2;
			}
			/* the node stays open: it owns the buffers' queue */
			dev = open_vivid((unsigned int)atoi(argv[i]), 0);
			new_vivid_bufs(dev, atoi(colon + 1), 0, prefix);
		} else if (!strcmp(argv[i], "--vivid-noncoherent") && i + 1 < argc) {
			n = atoi(argv[++i]);
			dev = open_vivid(1, 1);
			new_vivid_bufs(dev, n, V4L2_MEMORY_FLAG_NON_COHERENT, prefix);
		} else if (!strcmp(argv[i], "--exec") && i + 1 < argc) {
			exec_argv = &argv[i + 1];
			break;
		} else {
			fprintf(stderr, "dmabuf-holder: bad argument '%s'\n", argv[i]);
			return 2;
		}
	}

	if (exec_argv) {
		execvp(exec_argv[0], exec_argv);
		die(exec_argv[0]);
	}
	if (fork_child) {
		child = fork();
		if (child < 0)
			die("fork");
		if (child == 0) {
			/* hold until the parent's stdin closes, like the parent */
			char c;

			while (read(0, &c, 1) > 0)
				;
			_exit(0);
		}
	}
	printf("ready %d %d %d\n", (int)getpid(), next_fd - 3, (int)child);
	fflush(stdout);
	{
		char c;

		while (read(0, &c, 1) > 0)
			;
	}
	if (child > 0)
		waitpid(child, NULL, 0);
	return 0;
}
