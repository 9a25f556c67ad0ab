// SPDX-License-Identifier: GPL-2.0
/*
 * Threads sharing buffers of each exporter do query, mmap, touch, munmap,
 * dup and close, while another thread keeps exporting new buffers and
 * retiring old ones.  Every query must give the exporter's answer; the
 * kernel log check after the run catches races the kernel reports.
 *
 *   stress [SECONDS] [THREADS_PER_EXPORTER]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "common.h"

#define SLOTS 8

struct exporter {
	const char *name;
	int (*make)(size_t size);
	_Atomic int slot[SLOTS];	/* shared buffers; -1 while being replaced */
};

static int make_udmabuf_buf(size_t size) { return make_udmabuf(size); }
static int make_system_buf(size_t size) { return make_heap_buf("system", size); }

static struct exporter exporters[] = {
	{ .name = "udmabuf", .make = make_udmabuf_buf },
	{ .name = "system-heap", .make = make_system_buf },
};

static atomic_ulong ops, wrong;
static atomic_int stop;
static size_t buf_size;

/* Take a reference of our own: the slot's fd may be closed at any time. */
static int grab(struct exporter *e, unsigned int i)
{
	int fd = atomic_load(&e->slot[i % SLOTS]);

	return fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 0);
}

static void *user(void *p)
{
	struct exporter *e = p;
	unsigned int i = (unsigned int)(uintptr_t)&i;

	while (!atomic_load(&stop)) {
		struct dma_buf_info info = { .param = DMA_BUF_INFO_MEMTYPE };
		int fd = grab(e, i++);
		unsigned char *map;

		if (fd < 0)
			continue;	/* closed under us, or being replaced */
		/*
		 * The fd may now name another file, if the slot's number was
		 * recycled: the memfd a udmabuf is being made from, perhaps
		 * before it has its size, where a touch would be SIGBUS.  The
		 * duplicate names one file for good, so a query that works
		 * says it is a dma-buf, and only then is it mapped.
		 */
		if (ioctl(fd, DMA_BUF_IOCTL_INFO, &info)) {
			close(fd);
			continue;
		}
		if (info.value != DMA_BUF_MEMTYPE_CACHED)
			atomic_fetch_add(&wrong, 1);
		map = mmap(NULL, buf_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (map != MAP_FAILED) {
			map[i % buf_size] = (unsigned char)i;
			(void)*(volatile unsigned char *)&map[(i * 7) % buf_size];
			munmap(map, buf_size);
		}
		close(fd);
		atomic_fetch_add(&ops, 1);
	}
	return NULL;
}

/* Exports new buffers and retires old ones while the users run. */
static void *exporter_thread(void *p)
{
	struct exporter *e = p;
	unsigned int i = 0;

	while (!atomic_load(&stop)) {
		int fd = e->make(buf_size), old;

		if (fd < 0)
			continue;
		old = atomic_exchange(&e->slot[i++ % SLOTS], fd);
		if (old >= 0)
			close(old);
		atomic_fetch_add(&ops, 1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 10;
	int threads = argc > 2 ? atoi(argv[2]) : 3;
	size_t n = sizeof(exporters) / sizeof(exporters[0]);
	pthread_t tid[64];
	struct timespec ts;
	int i, k, nt = 0;

	buf_size = 4 * (size_t)sysconf(_SC_PAGESIZE);
	for (i = 0; i < (int)n; i++) {
		for (k = 0; k < SLOTS; k++) {
			int fd = exporters[i].make(buf_size);

			if (fd < 0) {
				printf("not ok 1 making %s buffers: %s\n", exporters[i].name,
				       strerror(-fd));
				return 1;
			}
			atomic_store(&exporters[i].slot[k], fd);
		}
		pthread_create(&tid[nt++], NULL, exporter_thread, &exporters[i]);
		for (k = 0; k < threads && nt < 64; k++)
			pthread_create(&tid[nt++], NULL, user, &exporters[i]);
	}
	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
	atomic_store(&stop, 1);
	for (i = 0; i < nt; i++)
		pthread_join(tid[i], NULL);

	printf("# %lu operations by %d threads in %.0f s, %lu wrong answers\n",
	       atomic_load(&ops), nt, seconds, atomic_load(&wrong));
	printf("%s 1 stress: query/mmap/touch/munmap/dup/close/export on shared buffers\n",
	       atomic_load(&wrong) || atomic_load(&ops) == 0 ? "not ok" : "ok");
	printf("1..1\n");
	return atomic_load(&wrong) ? 1 : 0;
}
