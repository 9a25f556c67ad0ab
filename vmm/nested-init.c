// SPDX-License-Identifier: MIT
/*
 * The init of dmabuf-vmm --boot's guest: what a guest's Mesa and
 * compositor do with a host-visible blob, checked against what the host
 * said.  For each blob the VMM offers (blob_id 1 first) it creates the blob
 * with DRM_IOCTL_VIRTGPU_RESOURCE_CREATE_BLOB, exports it with PRIME, asks
 * DMA_BUF_IOCTL_INFO and maps the dma-buf.  KTAP on the console, then power
 * off.  The VMM passes, after the kernel's command line's "--":
 *
 *   MODE EXPECT...    EXPECT = MEMTYPE:MMAP:SIZE per blob
 *
 * MEMTYPE is the memory type the query must answer (libdmabufmap's name),
 * MMAP what mapping the dma-buf must do: "data" (map; read the host's
 * pattern, write the guest's), "maps", "fails", or "killable" (it waits for
 * a host that never answers, and SIGKILL must end the wait).
 *
 * When the kernel runs kmemleak (kmemleak=on), one more test: after every
 * blob is closed, nothing allocated since the tests began is unreferenced.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <termios.h>

#include <drm/drm.h>
#include <drm/virtgpu_drm.h>

#include "dmabufmap.h"
#include "pattern.h"

#define KILL_WAIT_MS	5000
/* syslog(2) actions */
#define SYSLOG_ACTION_READ_ALL		3
#define SYSLOG_ACTION_CONSOLE_LEVEL	8
#define SYSLOG_ACTION_SIZE_BUFFER	10

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* A child maps @fd and stays in the wait; a kill must end it. */
static int killable_mmap(int fd, size_t size, char *why, size_t len)
{
	pid_t pid = fork();
	int status, waited;

	if (pid < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		return 0;
	}
	if (!pid) {
		void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

		_exit(p == MAP_FAILED ? 1 : 0);
	}
	sleep_ms(1500);
	if (waitpid(pid, &status, WNOHANG) == pid) {
		snprintf(why, len, "mmap returned (%s) though the host never answered",
			 WIFEXITED(status) && !WEXITSTATUS(status) ? "mapped" : "failed");
		return 0;
	}
	kill(pid, SIGKILL);
	for (waited = 0; waited < KILL_WAIT_MS; waited += 50) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			snprintf(why, len, "mmap waited, and SIGKILL ended it in %d ms", waited);
			return 1;
		}
		sleep_ms(50);
	}
	snprintf(why, len, "SIGKILL did not end the wait in %d ms: the task is stuck", KILL_WAIT_MS);
	return 0;
}

static int check_mmap(const char *what, int fd, size_t size, char *why, size_t len)
{
	uint64_t *p;

	if (!strcmp(what, "killable"))
		return killable_mmap(fd, size, why, len);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!strcmp(what, "fails")) {
		snprintf(why, len, "mmap %s", p == MAP_FAILED ? strerror(errno) : "succeeded");
		if (p != MAP_FAILED)
			munmap(p, size);
		return p == MAP_FAILED;
	}
	if (p == MAP_FAILED) {
		snprintf(why, len, "mmap: %s", strerror(errno));
		return 0;
	}
	snprintf(why, len, "mapped");
	if (!strcmp(what, "data")) {
		uint64_t got = p[0];

		p[1] = GUEST_PATTERN;
		snprintf(why, len, "read %#llx (%s)", (unsigned long long)got,
			 got == HOST_PATTERN ? "the host's" : "NOT the host's");
		munmap(p, size);
		return got == HOST_PATTERN;
	}
	munmap(p, size);
	return !strcmp(what, "maps");
}

static int test_blob(int card, int n, const char *expect)
{
	struct drm_virtgpu_resource_create_blob blob = {
		.blob_mem = VIRTGPU_BLOB_MEM_HOST3D,
		.blob_flags = VIRTGPU_BLOB_FLAG_USE_MAPPABLE,
		.blob_id = (uint64_t)n,
	};
	struct drm_prime_handle prime = { .flags = DRM_CLOEXEC | DRM_RDWR };
	struct drm_gem_close close_gem = { 0 };
	struct dmabufmap_info info;
	char memtype[32], what[16], why[128] = "";
	unsigned long long size;
	int ret, ok;

	if (sscanf(expect, "%31[^:]:%15[^:]:%llu", memtype, what, &size) != 3) {
		printf("not ok %d blob %d: expectation '%s' is not MEMTYPE:MMAP:SIZE\n", n, n, expect);
		return 0;
	}
	blob.size = size;
	if (ioctl(card, DRM_IOCTL_VIRTGPU_RESOURCE_CREATE_BLOB, &blob)) {
		printf("not ok %d blob %d: RESOURCE_CREATE_BLOB: %s\n", n, n, strerror(errno));
		return 0;
	}
	prime.handle = blob.bo_handle;
	if (ioctl(card, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime)) {
		printf("not ok %d blob %d: PRIME export: %s\n", n, n, strerror(errno));
		ok = 0;
		goto out;
	}
	ret = dmabufmap_query(prime.fd, &info);
	ok = !ret && !strcmp(dmabufmap_memtype_name(info.memtype), memtype) &&
	     (info.memtype == DMABUFMAP_MEMTYPE_UNKNOWN ||
	      info.cpu_access == DMABUFMAP_CPU_ACCESS_COHERENT);
	if (ret)
		printf("# blob %d: DMA_BUF_IOCTL_INFO: %s\n", n, dmabufmap_strerror(ret));
	ok &= check_mmap(what, prime.fd, (size_t)size, why, sizeof(why));
	printf("%s %d blob %d: query %s/%s (want %s), mmap %s: %s\n", ok ? "ok" : "not ok", n, n,
	       ret ? "-" : dmabufmap_memtype_name(info.memtype),
	       ret ? "-" : dmabufmap_cpu_access_name(info.cpu_access), memtype, what, why);
	close(prime.fd);
out:
	close_gem.handle = blob.bo_handle;
	ioctl(card, DRM_IOCTL_GEM_CLOSE, &close_gem);
	return ok;
}

#define KMEMLEAK	"/sys/kernel/debug/kmemleak"
/* kmemleak reports no object younger than this (MSECS_MIN_AGE) */
#define KMEMLEAK_MIN_AGE_MS	5000

static int kmemleak(const char *command)
{
	int fd = open(KMEMLEAK, O_WRONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : write(fd, command, strlen(command));

	if (fd >= 0)
		close(fd);
	return n < 0 ? -1 : 0;
}

/*
 * Forget what boot left unreferenced: only the tests' leaks count.  An
 * object younger than kmemleak's minimum age is neither reported nor
 * cleared, so first let everything boot allocated before this init ran
 * grow old enough.
 */
static int kmemleak_start(void)
{
	if (mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL) && errno != EBUSY)
		return 0;
	if (access(KMEMLEAK, W_OK))
		return 0;
	sleep_ms(KMEMLEAK_MIN_AGE_MS + 500);
	return !kmemleak("scan") && !kmemleak("clear");
}

/* The objects kmemleak finds unreferenced now, printed; -1 if unreadable. */
static int kmemleak_report(void)
{
	char line[256];
	int leaks = 0;
	FILE *f;

	sleep_ms(KMEMLEAK_MIN_AGE_MS + 500);
	/* two scans: an object in flight during the first is not reported */
	if (kmemleak("scan") || kmemleak("scan"))
		return -1;
	f = fopen(KMEMLEAK, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		leaks += !strncmp(line, "unreferenced object", 19);
		printf("# %s", line);
	}
	fclose(f);
	return leaks;
}

static void print_kernel_log(void)
{
	int size = klogctl(SYSLOG_ACTION_SIZE_BUFFER, NULL, 0);
	char *buf = size > 0 ? malloc((size_t)size) : NULL;
	int len = buf ? klogctl(SYSLOG_ACTION_READ_ALL, buf, size) : -1;

	printf("# the nested guest's kernel log:\n");
	if (len > 0)
		fwrite(buf, 1, (size_t)len, stdout);
	else
		printf("# (not readable: %s)\n", strerror(errno));
	free(buf);
}

/* The virtio-gpu device's primary node (vgem, built in too, may come first). */
static int open_virtio_gpu(void)
{
	for (int i = 0; i < 16; i++) {
		char path[32], name[32] = "";
		struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "virtio_gpu"))
			return fd;
		close(fd);
	}
	return -1;
}

int main(int argc, char **argv)
{
	int card, i, leaks, checking_leaks;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/*
	 * The kernel's messages would cut into the results on the shared
	 * console: keep them off it (an oops turns it back on) and print the
	 * whole kernel log after the results, where the VMM's caller checks it.
	 */
	klogctl(SYSLOG_ACTION_CONSOLE_LEVEL, NULL, 1);
	if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) && errno != EBUSY)
		perror("nested-init: mount /dev");
	if (mount("sysfs", "/sys", "sysfs", 0, NULL) && errno != EBUSY)
		perror("nested-init: mount /sys");
	checking_leaks = kmemleak_start();
	printf("KTAP version 1\n1..%d\n", (argc > 2 ? argc - 2 : 0) + checking_leaks);
	printf("# nested guest, host mode %s\n", argc > 1 ? argv[1] : "?");
	card = open_virtio_gpu();
	for (i = 2; i < argc; i++) {
		if (card < 0)
			printf("not ok %d blob %d: no virtio_gpu in /dev/dri\n", i - 1, i - 1);
		else
			test_blob(card, i - 1, argv[i]);
	}
	if (card >= 0)
		close(card);
	if (checking_leaks) {
		leaks = kmemleak_report();
		printf("%s %d kmemleak: no object the tests allocated is unreferenced (%d)\n",
		       leaks ? "not ok" : "ok", argc - 1, leaks);
	}
	print_kernel_log();
	/* the console's polled UART sends after the write returns: let it */
	fflush(stdout);
	tcdrain(STDOUT_FILENO);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
