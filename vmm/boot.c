// SPDX-License-Identifier: MIT
/*
 * dmabuf-vmm --boot: the host dma-buf as a virtio-gpu host-visible blob of
 * a Linux guest.  The VMM asks libdmabufmap for each buffer's map_info,
 * boots a kernel with a virtio-gpu device offering the buffers as blobs
 * (blob_id 1 for the first) and an init (nested-init.c) that creates each
 * blob the way Mesa does, exports it with PRIME and asks DMA_BUF_IOCTL_INFO.
 * The guest's answer must be the host's, and data must cross both ways.
 * The init's KTAP comes back over the console; the VMM prints it as a
 * subtest, then one line per buffer and one for the guest's shutdown.
 *
 *   dmabuf-vmm --boot KERNEL --init PROGRAM [--host MODE] [--console FILE]
 *              [--append ARGS] FD...
 *
 * MODE is how the host answers the guest's mapping requests: answer (the
 * default), late, silent or invalid (see virtio-gpu.h).  ARGS go on the
 * guest kernel's command line (kmemleak=on makes the init check for leaks).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>

#include "arch.h"
#include "boot.h"
#include "census.h"
#include "dmabufmap.h"
#include "virtio-gpu.h"

/* the whole boot, test and power-off, under nested virtualization */
#define BOOT_TIMEOUT_MS	240000
#define TICK_MS		100
#define MAX_BLOBS	16
/* the init's: one per blob, and its leak check */
#define MAX_TESTS	(MAX_BLOBS + 1)

static const char *const mode_names[] = {
	[GPU_HOST_ANSWER] = "answer",
	[GPU_HOST_LATE] = "late",
	[GPU_HOST_SILENT] = "silent",
	[GPU_HOST_INVALID] = "invalid",
};

/* What the guest's console printed, and the init's results in it. */
struct console {
	FILE *log;
	char line[512];
	size_t len;
	/* per test of the init, from 1: '+' ok, '-' not ok */
	char result[MAX_TESTS + 1];
	int plan;
	int powered_off;
};

static void console_line(struct console *c)
{
	int n, ok = strncmp(c->line, "not ok ", 7) != 0;
	const char *num = ok ? c->line + 3 : c->line + 7;

	fprintf(c->log, "%s\n", c->line);
	/* the kernel's lines start with a timestamp; the init's are KTAP */
	if (sscanf(c->line, "1..%d", &n) == 1) {
		c->plan = n;
	} else if ((!ok || !strncmp(c->line, "ok ", 3)) && sscanf(num, "%d", &n) == 1 &&
		   n >= 1 && n <= MAX_TESTS) {
		c->result[n] = ok ? '+' : '-';
	} else {
		return;
	}
	printf("  %s\n", c->line);
}

static void console_out(void *ctx, char ch)
{
	struct console *c = ctx;

	if (ch == '\r')
		return;
	if (ch != '\n' && c->len < sizeof(c->line) - 1) {
		c->line[c->len++] = ch;
		return;
	}
	c->line[c->len] = '\0';
	console_line(c);
	c->len = 0;
}

/* cpio "newc" for the initramfs: one header, name and data, 4-byte aligned */
static size_t cpio_entry(uint8_t *out, const char *name, unsigned int mode,
			 unsigned int rmajor, unsigned int rminor, const void *data, size_t size)
{
	static unsigned int ino = 1;
	size_t namesize = strlen(name) + 1, n;

	n = (size_t)sprintf((char *)out, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
			    ino++, mode, 0, 0, 1, 0, (unsigned int)size, 0, 0, rmajor, rminor,
			    (unsigned int)namesize, 0);
	memcpy(out + n, name, namesize);
	n = (n + namesize + 3) & ~(size_t)3;
	if (size)
		memcpy(out + n, data, size);
	return (n + size + 3) & ~(size_t)3;
}

/* An initramfs: /dev/console, mount points and the init; NULL on error. */
static uint8_t *make_initramfs(const char *init, size_t *size)
{
	uint8_t *buf = NULL, *program = NULL;
	long len = 0;
	FILE *f = fopen(init, "rb");

	if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "dmabuf-vmm: %s: %s\n", init, f ? "cannot read its size" : strerror(errno));
		goto out;
	}
	program = malloc((size_t)len);
	buf = program ? malloc((size_t)len + 4096) : NULL;
	if (!buf || fread(program, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "dmabuf-vmm: %s: cannot read it\n", init);
		free(buf);
		buf = NULL;
		goto out;
	}
	*size = cpio_entry(buf, "dev", 040755, 0, 0, NULL, 0);
	*size += cpio_entry(buf + *size, "sys", 040755, 0, 0, NULL, 0);
	*size += cpio_entry(buf + *size, "dev/console", 020600, 5, 1, NULL, 0);
	*size += cpio_entry(buf + *size, "init", 0100755, 0, 0, program, (size_t)len);
	*size += cpio_entry(buf + *size, "TRAILER!!!", 0, 0, 0, NULL, 0);
out:
	free(program);
	if (f)
		fclose(f);
	return buf;
}

/*
 * Each buffer as the guest may have it: mapped with the map_info of its
 * answer, or refused with the library's reason, the same rules as the
 * direct mode.  Returns 0, or -1 if the buffer is no dma-buf at all.
 */
static int offer(struct gpu_blob *blob, struct dmabufmap_info *info, int fd)
{
	long page = sysconf(_SC_PAGESIZE);
	off_t size;
	int ret;

	blob->fd = fd;
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % page) {
		fprintf(stderr, "dmabuf-vmm: fd %d: size %lld\n", fd, (long long)size);
		return -1;
	}
	blob->size = (uint64_t)size;
	ret = dmabufmap_query(fd, info);
	if (!ret)
		ret = dmabufmap_to_virtio_gpu(info, &blob->map_info);
	if (ret == -DMABUFMAP_ENOPROMISE || ret == -DMABUFMAP_ENEEDSYNC) {
		blob->refused = ret;
		return 0;
	}
	if (ret) {
		fprintf(stderr, "dmabuf-vmm: fd %d: %s\n", fd, dmabufmap_strerror(ret));
		return -1;
	}
	blob->map = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (blob->map == MAP_FAILED) {
		fprintf(stderr, "dmabuf-vmm: fd %d: mmap: %s\n", fd, strerror(errno));
		return -1;
	}
	memset(blob->map, 0, (size_t)size);
	((uint64_t *)blob->map)[0] = HOST_PATTERN;
	return 0;
}

/* The memory type the guest's query must answer, and what its mmap must do. */
static void expectation(const struct gpu_blob *blob, const struct dmabufmap_info *host,
			enum gpu_host_mode mode, char *out, size_t size)
{
	static const char *const mmap_does[] = {
		[GPU_HOST_ANSWER] = "data",	/* maps; data crosses both ways */
		[GPU_HOST_LATE] = "data",	/* waits for the answer, then maps */
		[GPU_HOST_SILENT] = "killable",	/* waits, and a kill ends the wait */
		[GPU_HOST_INVALID] = "maps",	/* maps, with the driver's default */
	};
	const char *unknown = dmabufmap_memtype_name(DMABUFMAP_MEMTYPE_UNKNOWN);
	unsigned long long blob_size = blob->size;

	/* a mapping request for a refused blob fails, at once or late */
	if (blob->refused)
		snprintf(out, size, "%s:%s:%llu", unknown,
			 mode == GPU_HOST_SILENT ? "killable" : "fails", blob_size);
	/* only an answer in time tells the guest's export the host's type */
	else
		snprintf(out, size, "%s:%s:%llu", mode == GPU_HOST_ANSWER ?
			 dmabufmap_memtype_name(host->memtype) : unknown, mmap_does[mode], blob_size);
}

static volatile sig_atomic_t ticks;

static void on_tick(int sig)
{
	(void)sig;
	ticks++;
}

/* Serve the guest until it powers off; 0, or a negative errno. */
static int run(struct linux_guest *g, struct virtio_mmio *transport, struct virtio_gpu *gpu,
	       struct uart *uart, struct console *c)
{
	struct sigaction sa = { .sa_handler = on_tick };	/* no SA_RESTART */
	struct itimerval tick = { { 0, TICK_MS * 1000 }, { 0, TICK_MS * 1000 } };
	uint64_t deadline = vmm_now_ms() + BOOT_TIMEOUT_MS;
	struct kvm_run *r = g->vm.run;
	int ret = 0;

	if (sigaction(SIGALRM, &sa, NULL) || setitimer(ITIMER_REAL, &tick, NULL))
		return -errno;
	while (!ret) {
		uint64_t now = vmm_now_ms();

		if (now > deadline) {
			fprintf(stderr, "dmabuf-vmm: the guest did not power off within %d s\n",
				BOOT_TIMEOUT_MS / 1000);
			ret = -ETIMEDOUT;
			break;
		}
		virtio_gpu_tick(gpu, transport, now);
		if (ioctl(g->vm.vcpu, KVM_RUN, 0)) {
			if (errno != EINTR)
				ret = -errno;
			continue;
		}
		switch (r->exit_reason) {
		case KVM_EXIT_MMIO: {
			uint64_t a = r->mmio.phys_addr;

			if (a >= g->uart_gpa && a < g->uart_gpa + UART_SIZE)
				uart_access(uart, a - g->uart_gpa, r->mmio.is_write, r->mmio.data,
					    r->mmio.len);
			else if (a >= g->virtio_gpa && a < g->virtio_gpa + VIRTIO_MMIO_SIZE)
				virtio_mmio_access(transport, a - g->virtio_gpa, r->mmio.is_write,
						   r->mmio.data, r->mmio.len);
			else if (!r->mmio.is_write)
				memset(r->mmio.data, 0xff, r->mmio.len);	/* nothing there */
			break;
		}
		case KVM_EXIT_SYSTEM_EVENT:
			c->powered_off = r->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN;
			if (!c->powered_off)
				fprintf(stderr, "dmabuf-vmm: the guest stopped with system event %u\n",
					r->system_event.type);
			ret = 1;
			break;
		default:
			fprintf(stderr, "dmabuf-vmm: unexpected exit reason %u\n", r->exit_reason);
			ret = -EIO;
			break;
		}
	}
	tick.it_value.tv_usec = tick.it_interval.tv_usec = 0;
	setitimer(ITIMER_REAL, &tick, NULL);
	return ret < 0 ? ret : 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: dmabuf-vmm --boot KERNEL --init PROGRAM [--host answer|late|silent|invalid]\n"
		"                  [--console FILE] [--append ARGS] FD...\n");
	return 2;
}

int boot_main(int argc, char **argv)
{
	const char *kernel = NULL, *init = NULL, *console_path = NULL, *append = "";
	enum gpu_host_mode mode = GPU_HOST_ANSWER;
	struct console c = { .log = stderr };
	struct gpu_blob blobs[MAX_BLOBS] = { 0 };
	struct dmabufmap_info infos[MAX_BLOBS];
	struct linux_guest g = { .vm = { .kvm = -1, .fd = -1, .vcpu = -1 }, .irqchip = -1 };
	struct virtio_mmio transport = { 0 };
	struct virtio_gpu gpu = { 0 };
	struct uart uart = { .out = console_out, .ctx = &c };
	char cmdline[1024];
	size_t initrd_size = 0, len;
	int i, n = 0, ret, ok, passed = 0;
	uint8_t *initrd;

	for (i = 1; i < argc && argv[i][0] == '-'; i += 2) {
		if (i + 1 >= argc)
			return usage();
		if (!strcmp(argv[i], "--boot")) {
			kernel = argv[i + 1];
		} else if (!strcmp(argv[i], "--init")) {
			init = argv[i + 1];
		} else if (!strcmp(argv[i], "--append")) {
			append = argv[i + 1];
		} else if (!strcmp(argv[i], "--console")) {
			console_path = argv[i + 1];
		} else if (!strcmp(argv[i], "--host")) {
			for (mode = 0; mode < 4 && strcmp(argv[i + 1], mode_names[mode]); mode++)
				;
			if (mode == 4)
				return usage();
		} else {
			return usage();
		}
	}
	if (!kernel || !init || i == argc || argc - i > MAX_BLOBS)
		return usage();
	if (console_path) {
		c.log = fopen(console_path, "we");
		if (!c.log) {
			fprintf(stderr, "dmabuf-vmm: %s: %s\n", console_path, strerror(errno));
			return 1;
		}
	}

	printf("KTAP version 1\n1..%d\n# dmabuf-vmm --boot on %s, host mode %s\n", argc - i + 1,
	       arch_name, mode_names[mode]);
	len = (size_t)snprintf(cmdline, sizeof(cmdline), "%s panic=-1 rdinit=/init %s -- %s",
			       arch_linux_console, append, mode_names[mode]);
	for (; i < argc; i++, n++) {
		char *end, want[64];
		long fd = strtol(argv[i], &end, 10);

		if (*argv[i] == '\0' || *end || fd < 0 || fd > 1 << 20 || offer(&blobs[n], &infos[n], (int)fd)) {
			fprintf(stderr, "dmabuf-vmm: '%s' is not a dma-buf to offer\n", argv[i]);
			return 1;
		}
		expectation(&blobs[n], &infos[n], mode, want, sizeof(want));
		len += (size_t)snprintf(cmdline + len, sizeof(cmdline) - len, " %s", want);
		printf("# blob %d: fd %d, %s, the guest expects %s\n", n + 1, (int)fd,
		       blobs[n].refused ? dmabufmap_strerror(blobs[n].refused) : "offered", want);
	}
	if (len >= sizeof(cmdline))
		return usage();

	initrd = make_initramfs(init, &initrd_size);
	ret = initrd ? arch_boot_linux(&g, kernel, initrd, initrd_size, cmdline) : -EINVAL;
	free(initrd);
	if (!ret) {
		virtio_gpu_init(&gpu, &g.vm, g.shm_gpa, g.shm_size, g.vm.nr_slots);
		gpu.mode = mode;
		gpu.blobs = blobs;
		gpu.nr_blobs = n;
		transport = (struct virtio_mmio){
			.base = g.virtio_gpa, .ops = &gpu.ops, .dev = &gpu,
			.ram_gpa = g.ram_gpa, .ram_size = g.ram_size, .ram = g.ram,
			.set_irq = arch_set_virtio_irq, .irq_ctx = &g,
		};
		ret = run(&g, &transport, &gpu, &uart, &c);
		virtio_gpu_exit(&gpu);
	}

	for (i = 0; i < n; i++) {
		struct gpu_blob *b = &blobs[i];
		int good = c.result[i + 1] == '+', host = -1;
		uint64_t guest_word = 0;

		if (!b->refused) {
			host = host_memtype(b->map, (size_t)b->size / (size_t)sysconf(_SC_PAGESIZE));
			guest_word = ((uint64_t *)b->map)[1];
		}
		/* the host side of the data check, where the guest wrote */
		if (!b->refused && (mode == GPU_HOST_ANSWER || mode == GPU_HOST_LATE) &&
		    guest_word != GUEST_PATTERN)
			good = 0;
		if (!b->refused && host < 0)
			good = 0;
		printf("%s %d fd %d: %s; host page tables %s, the guest %s%s\n", good ? "ok" : "not ok",
		       i + 1, b->fd, b->refused ? dmabufmap_strerror(b->refused) : "offered",
		       host < 0 ? "-" : dmabufmap_memtype_name((enum dmabufmap_memtype)host),
		       c.result[i + 1] == '+' ? "passed" : c.result[i + 1] == '-' ? "failed" : "never reported",
		       !b->refused && guest_word == GUEST_PATTERN ? ", guest data arrived" : "");
		passed += good;
	}
	/* after one test per blob, the init's own (kmemleak) must pass too */
	ok = !ret && c.powered_off && c.plan >= n && c.plan <= MAX_TESTS;
	for (i = n + 1; ok && i <= c.plan; i++)
		ok = c.result[i] == '+';
	printf("%s %d the guest ran its plan of %d and powered off%s%s\n", ok ? "ok" : "not ok",
	       n + 1, c.plan, ret ? ": " : "", ret ? strerror(-ret) : "");
	passed += ok;

	if (g.irqchip >= 0)
		close(g.irqchip);
	vm_destroy(&g.vm);
	if (g.ram)
		munmap(g.ram, g.ram_size);
	for (i = 0; i < n; i++)
		if (blobs[i].map)
			munmap(blobs[i].map, blobs[i].size);
	if (c.log != stderr)
		fclose(c.log);
	return passed == n + 1 ? 0 : 1;
}
