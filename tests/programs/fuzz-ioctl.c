// SPDX-License-Identifier: GPL-2.0
/*
 * Random DMA_BUF_IOCTL_* requests on dma-buf and other files, with random
 * parameters, pads, sizes and pointers (NULL, unmapped, read-only,
 * misaligned, straddling a hole, kernel addresses).  Every answer to
 * DMA_BUF_IOCTL_INFO is checked against what the documentation says it
 * must be; the other dma-buf ioctls only have to survive.  The kernel log
 * check after the run catches any report.
 *
 *   fuzz-ioctl [CALLS] [SECONDS] [SEED]
 * Prints TAP and the number of calls made.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <time.h>

#include "common.h"

enum target { T_UDMABUF, T_HEAP, T_MEMFD, T_DEVNULL, T_PIPE, T_CLOSED, NR_TARGETS };
enum arg_kind { A_NULL, A_UNMAPPED, A_READONLY, A_WRITABLE, A_MISALIGNED,
		A_STRADDLE, A_KERNEL, NR_ARGS };

static uint64_t rng;

static uint64_t next(void)
{
	/* xorshift64*: reproducible from the seed */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned long calls = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000000;
	double seconds = argc > 2 ? atof(argv[2]) : 120;
	long ps = sysconf(_SC_PAGESIZE);
	int fds[NR_TARGETS], pipefd[2], bad = 0;
	unsigned long i, info_calls = 0, done = 0;
	char *area, *ro, *rw, *hole;
	double start = now();
	__u64 pages_cpu_access = pages_cpu_access_here();

	rng = argc > 3 ? strtoull(argv[3], NULL, 0) : 0x9e3779b97f4a7c15ULL;
	fds[T_UDMABUF] = make_udmabuf(4 * (size_t)ps);
	fds[T_HEAP] = make_heap_buf("system", 4 * (size_t)ps);
	fds[T_MEMFD] = memfd_create("fuzz", MFD_CLOEXEC);
	fds[T_DEVNULL] = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (pipe(pipefd))
		return 1;
	fds[T_PIPE] = pipefd[0];
	/* high, so that no fd the fuzzing creates (sync_files) can take it */
	fds[T_CLOSED] = fcntl(pipefd[1], F_DUPFD_CLOEXEC, 900);
	close(fds[T_CLOSED]);
	if (fds[T_UDMABUF] < 0 || fds[T_HEAP] < 0) {
		printf("not ok 1 making the buffers: %s %s\n",
		       strerror(-fds[T_UDMABUF]), strerror(-fds[T_HEAP]));
		return 1;
	}

	/* [ro page][rw page][hole] */
	area = mmap(NULL, 3 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = area;
	rw = area + ps;
	hole = area + 2 * ps;
	munmap(hole, ps);

	for (i = 0; i < calls; i++) {
		enum target t = next() % NR_TARGETS;
		enum arg_kind a = next() % NR_ARGS;
		uint64_t r = next();
		struct dma_buf_info want = {
			/* mostly the valid params, sometimes anything */
			.param = (r & 3) == 0 ? (uint32_t)(r >> 32) :
				 (r & 3) == 1 ? DMA_BUF_INFO_CPU_ACCESS :
						DMA_BUF_INFO_MEMTYPE,
			.pad = (r & 0x30) ? 0 : (uint32_t)(r >> 8),
			.value = next(),
		};
		unsigned long cmd;
		void *arg;
		int ret, err, is_info;

		if ((i & 1023) == 0 && now() - start > seconds)
			break;

		switch (next() % 8) {
		case 0:
			cmd = DMA_BUF_IOCTL_SYNC;
			break;
		case 1:
			cmd = DMA_BUF_SET_NAME_B;
			break;
		case 2:
			cmd = DMA_BUF_IOCTL_EXPORT_SYNC_FILE;
			break;
		case 3:
			cmd = DMA_BUF_IOCTL_IMPORT_SYNC_FILE;
			break;
		case 4:
			/* 'b' with any number, direction and size */
			cmd = _IOC(next() % 4, 'b', next() % 16, next() % 64);
			break;
		default:
			cmd = DMA_BUF_IOCTL_INFO;
			break;
		}
		is_info = cmd == DMA_BUF_IOCTL_INFO;
		/* no renaming with random bytes: names must stay readable */
		if (cmd == DMA_BUF_SET_NAME_B && a == A_WRITABLE)
			a = A_NULL;

		mprotect(ro, ps, PROT_READ | PROT_WRITE);
		memcpy(ro + ps - sizeof(want), &want, sizeof(want));
		mprotect(ro, ps, PROT_READ);
		memcpy(rw, &want, sizeof(want));
		memcpy(rw + 65, &want, sizeof(want));
		memcpy(rw + ps - 8, &want, 8);

		switch (a) {
		case A_NULL:
			arg = NULL;
			break;
		case A_UNMAPPED:
			arg = hole;
			break;
		case A_READONLY:
			arg = ro + ps - sizeof(want);
			break;
		case A_WRITABLE:
			arg = rw;
			break;
		case A_MISALIGNED:
			arg = rw + 65;
			break;
		case A_STRADDLE:
			arg = rw + ps - 8;
			break;
		default:
			arg = (void *)(uintptr_t)(0xffff888000000000ULL + (next() & 0xffff000));
			break;
		}

		ret = ioctl(fds[t], cmd, arg);
		err = ret ? errno : 0;
		done++;
		/* a sync_file was made: do not run out of descriptors */
		if (!ret && cmd == DMA_BUF_IOCTL_EXPORT_SYNC_FILE)
			close(((struct dma_buf_export_sync_file *)arg)->fd);
		if (!is_info)
			continue;
		info_calls++;

		/* the documented answer */
		{
			int want_err, dmabuf = t == T_UDMABUF || t == T_HEAP;
			/* param and pad are read, value is only written */
			int readable = a == A_READONLY || a == A_WRITABLE ||
				       a == A_MISALIGNED || a == A_STRADDLE;
			int writable = a == A_WRITABLE || a == A_MISALIGNED;
			int valid = (want.param == DMA_BUF_INFO_MEMTYPE ||
				     want.param == DMA_BUF_INFO_CPU_ACCESS) && !want.pad;

			if (t == T_CLOSED)
				want_err = EBADF;
			else if (!dmabuf)
				want_err = ENOTTY;
			else if (!readable)
				want_err = EFAULT;
			else if (!valid)
				want_err = EINVAL;
			else if (!writable)
				want_err = EFAULT;
			else
				want_err = 0;

			if (err != want_err && bad++ < 20)
				printf("# call %lu: fd kind %d arg kind %d param %#x pad %#x: got %s, want %s\n",
				       i, t, a, want.param, want.pad, strerror(err),
				       strerror(want_err));
			if (!err) {
				struct dma_buf_info got;

				memcpy(&got, arg, sizeof(got));
				__u64 want_value = want.param == DMA_BUF_INFO_MEMTYPE ?
						   DMA_BUF_MEMTYPE_CACHED : pages_cpu_access;

				if (got.value != want_value && bad++ < 20)
					printf("# call %lu: param %u value %llu, want %llu\n", i,
					       want.param, (unsigned long long)got.value,
					       (unsigned long long)want_value);
			}
		}
	}

	printf("# %lu ioctl calls (%lu DMA_BUF_IOCTL_INFO) in %.1f s\n", done, info_calls,
	       now() - start);
	printf("%s 1 fuzz: every DMA_BUF_IOCTL_INFO answer is the documented one (%lu calls)\n",
	       bad ? "not ok" : "ok", done);
	printf("1..1\n");
	return bad ? 1 : 0;
}
