// SPDX-License-Identifier: GPL-2.0
/*
 * Runs inside the test VM for 'make bench'.  Each mode prints lines
 * "name min median max" (CPU counter ticks per operation over repeated
 * rounds), measured side by side in one process so the ratios mean something
 * under TCG, where absolute times do not.  The counter is read directly: the
 * test kernel often has only a jiffies clocksource under TCG.
 *
 *   bench query ROUNDS CALLS    DMA_BUF_IOCTL_INFO, the ENOTTY floor, and
 *                               the fdinfo-based guess, interleaved
 *   bench mmap ROUNDS CALLS     mmap + first touch + munmap of 1 MiB
 *   bench scale DMABUF_INFO PROCS PER_PROC
 *                               time and peak RSS of dmabuf-info --all over
 *                               PROCS processes holding PER_PROC buffers each
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <time.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "../programs/common.h"
#include "dmabufmap.h"

static double now_ns(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned int lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (double)(((uint64_t)hi << 32) | lo);
#elif defined(__aarch64__)
	uint64_t v;

	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
	return (double)v;
#else
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
#endif
}

/* Wall time for the scaling run, which lasts long enough for jiffies. */
static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *name, double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	printf("%s %.1f %.1f %.1f\n", name, v[0], v[n / 2], v[n - 1]);
}

/* What callers do today: read fdinfo, look the exporter up in a table. */
static int guess_from_fdinfo(int fd)
{
	static const struct { const char *exporter; int memtype; } table[] = {
		{ "udmabuf", DMABUFMAP_MEMTYPE_CACHED }, { "system", DMABUFMAP_MEMTYPE_CACHED },
		{ "i915", DMABUFMAP_MEMTYPE_WC }, { "amdgpu", DMABUFMAP_MEMTYPE_WC },
		{ "msm", DMABUFMAP_MEMTYPE_WC }, { "virtio_gpu", DMABUFMAP_MEMTYPE_CACHED },
	};
	struct dmabufmap_fdinfo info;
	size_t i;

	if (dmabufmap_read_fdinfo(0, fd, &info))
		return -1;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(info.exp_name, table[i].exporter))
			return table[i].memtype;
	return DMABUFMAP_MEMTYPE_UNKNOWN;
}

static int bench_query(int rounds, int calls)
{
	double *q = calloc(rounds, sizeof(double)), *f = calloc(rounds, sizeof(double));
	double *g = calloc(rounds, sizeof(double));
	int fd = make_udmabuf(1 << 20), r, i;
	unsigned long floor_cmd = _IOWR('b', 15, struct dma_buf_info);

	if (fd < 0)
		return 1;
	for (r = 0; r < rounds; r++) {
		struct dma_buf_info info = { .param = DMA_BUF_INFO_MEMTYPE };
		double t;

		t = now_ns();
		for (i = 0; i < calls; i++)
			if (ioctl(fd, DMA_BUF_IOCTL_INFO, &info))
				return 1;
		q[r] = (now_ns() - t) / calls;

		t = now_ns();
		for (i = 0; i < calls; i++)
			if (!ioctl(fd, floor_cmd, &info) || errno != ENOTTY)
				return 1;
		f[r] = (now_ns() - t) / calls;

		t = now_ns();
		for (i = 0; i < calls / 10; i++)
			if (guess_from_fdinfo(fd) != DMABUFMAP_MEMTYPE_CACHED)
				return 1;
		g[r] = (now_ns() - t) / (calls / 10);
	}
	report("query", q, rounds);
	report("floor", f, rounds);
	report("fdinfo", g, rounds);
	return 0;
}

static int bench_mmap(int rounds, int calls)
{
	double *m = calloc(rounds, sizeof(double));
	size_t size = 1 << 20;
	int fd = make_udmabuf(size), r, i;

	if (fd < 0)
		return 1;
	for (r = 0; r < rounds; r++) {
		double t = now_ns();

		for (i = 0; i < calls; i++) {
			volatile unsigned char *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
							 MAP_SHARED, fd, 0);

			if (p == MAP_FAILED)
				return 1;
			p[0] = 1;
			munmap((void *)p, size);
		}
		m[r] = (now_ns() - t) / calls;
	}
	report("mmap", m, rounds);
	return 0;
}

static int bench_scale(const char *info_cmd, int procs, int per_proc)
{
	pid_t *holders = calloc(procs, sizeof(pid_t)), pid;
	int p, status, sync[2];
	struct rusage ru;
	double t;

	for (p = 0; p < procs; p++) {
		if (pipe(sync))
			return 1;
		holders[p] = fork();
		if (holders[p] == 0) {
			int i;
			char c = 1;

			for (i = 0; i < per_proc; i++)
				if (make_udmabuf(4096) < 0)
					_exit(1);
			if (write(sync[1], &c, 1) != 1)
				_exit(1);
			pause();
			_exit(0);
		}
		close(sync[1]);
		if (read(sync[0], &status, 1) != 1)
			return 1;
		close(sync[0]);
	}

	t = wall_s();
	pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, 1);
		execl(info_cmd, info_cmd, "--all", (char *)NULL);
		_exit(127);
	}
	wait4(pid, &status, 0, &ru);
	t = wall_s() - t;
	printf("scale %d %.3f %ld %d\n", procs * per_proc, t, ru.ru_maxrss,
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1);

	for (p = 0; p < procs; p++)
		kill(holders[p], SIGKILL);
	for (p = 0; p < procs; p++)
		waitpid(holders[p], NULL, 0);
	return !WIFEXITED(status) || WEXITSTATUS(status) != 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "query"))
		return bench_query(atoi(argv[2]), atoi(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "mmap"))
		return bench_mmap(atoi(argv[2]), atoi(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "scale"))
		return bench_scale(argv[2], atoi(argv[3]), atoi(argv[4]));
	fprintf(stderr, "usage: see the comment at the top of bench.c\n");
	return 2;
}
