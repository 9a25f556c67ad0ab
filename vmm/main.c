// SPDX-License-Identifier: MIT
/*
 * dmabuf-vmm: the reference for what a VMM does with DMA_BUF_IOCTL_INFO.
 * For each dma-buf it is given it asks libdmabufmap for the virtio-gpu
 * map_info, refuses the buffers a guest cannot map safely, backs a KVM
 * memory slot with the buffer's mmap and runs a guest that maps it with the
 * memory type the map_info stands for.  Then it compares, per buffer, the
 * type the host's page tables hold with the type the guest effectively
 * gets (its own stage 1 combined with KVM's stage 2), and checks that data
 * crosses both ways.  KTAP on stdout, one test per buffer.
 *
 *   dmabuf-vmm FD...      (the buffers are open at those descriptors)
 *
 * With --boot it boots a Linux guest instead and offers the buffers as
 * virtio-gpu host-visible blobs (boot.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "arch.h"
#include "boot.h"
#include "census.h"
#include "dmabufmap.h"

static const char *memtype_name(int memtype)
{
	const char *name = memtype < 0 ? NULL :
		dmabufmap_memtype_name((enum dmabufmap_memtype)memtype);

	return name ? name : "?";
}

/* What VMMs do without the query: guess from the exporter's name. */
static const char *name_guess(const char *exporter)
{
	return !strcmp(exporter, "i915") || !strcmp(exporter, "xe") ? "cached" : "write-combined";
}

/* One buffer: returns 1 if it passed, 0 if not; prints its KTAP line. */
static int run_buffer(int n, int fd)
{
	struct dmabufmap_fdinfo fdi = { 0 };
	struct guest_view view;
	struct dmabufmap_info info;
	long page = sysconf(_SC_PAGESIZE);
	int host, ret, ok;
	uint32_t map_info;
	uint64_t *words;
	struct vm vm;
	off_t size;
	void *buf;

	ret = dmabufmap_read_fdinfo(0, fd, &fdi);
	if (ret) {
		printf("not ok %d fd %d: %s\n", n, fd, dmabufmap_strerror(ret));
		return 0;
	}
	/* the answer is printed too, so query once and translate it */
	ret = dmabufmap_query(fd, &info);
	if (!ret)
		ret = dmabufmap_to_virtio_gpu(&info, &map_info);
	if (ret == -DMABUFMAP_ENOPROMISE || ret == -DMABUFMAP_ENEEDSYNC) {
		/* the right answer for such a buffer: say so, and what guessing did */
		printf("# fd %d (%s): declared %s/%s\n", fd, fdi.exp_name,
		       dmabufmap_memtype_name(info.memtype),
		       dmabufmap_cpu_access_name(info.cpu_access));
		printf("ok %d fd %d (%s) refused: %s; a driver-name guess would have mapped it %s\n",
		       n, fd, fdi.exp_name, dmabufmap_strerror(ret), name_guess(fdi.exp_name));
		return 1;
	}
	if (ret) {
		printf("not ok %d fd %d (%s): %s\n", n, fd, fdi.exp_name, dmabufmap_strerror(ret));
		return 0;
	}

	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % page) {
		printf("not ok %d fd %d (%s): size %lld\n", n, fd, fdi.exp_name, (long long)size);
		return 0;
	}
	buf = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (buf == MAP_FAILED) {
		printf("not ok %d fd %d (%s): mmap: %s\n", n, fd, fdi.exp_name, strerror(errno));
		return 0;
	}
	/* every page faulted in, so the census covers the whole mapping */
	memset(buf, 0, (size_t)size);
	words = buf;
	words[0] = HOST_PATTERN;
	host = host_memtype(buf, (size_t)size / (size_t)page);

	ret = vm_create(&vm);
	if (!ret)
		ret = arch_run_guest(&vm, map_info, buf, (size_t)size, &view);
	vm_destroy(&vm);
	if (ret) {
		printf("not ok %d fd %d (%s): the guest did not run: %s\n", n, fd, fdi.exp_name,
		       strerror(-ret));
		munmap(buf, (size_t)size);
		return 0;
	}
	printf("# fd %d (%s): declared %s/%s, host PTEs %s, map_info %#x, guest stage 1 %s (%#llx), stage 2 %s, effective %s\n",
	       fd, fdi.exp_name, dmabufmap_memtype_name(info.memtype),
	       dmabufmap_cpu_access_name(info.cpu_access), memtype_name(host), map_info,
	       memtype_name(view.s1), (unsigned long long)view.s1_raw, view.s2,
	       memtype_name(view.effective));
	ok = host >= 0 && view.effective == host && view.s1 == (int)info.memtype &&
	     view.read == HOST_PATTERN && words[1] == GUEST_PATTERN;
	if (view.read != HOST_PATTERN || words[1] != GUEST_PATTERN)
		printf("# data: guest read %#llx (want %#llx), host reads %#llx (want %#llx)\n",
		       (unsigned long long)view.read, HOST_PATTERN,
		       (unsigned long long)words[1], GUEST_PATTERN);
	printf("%s %d fd %d (%s): guest effective %s, host %s\n", ok ? "ok" : "not ok", n, fd,
	       fdi.exp_name, memtype_name(view.effective), memtype_name(host));
	munmap(buf, (size_t)size);
	return ok;
}

int main(int argc, char **argv)
{
	int i, passed = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: dmabuf-vmm FD...\n"
			"       dmabuf-vmm --boot KERNEL --init PROGRAM [--host MODE] [--console FILE] FD...\n");
		return 2;
	}
	if (!strcmp(argv[1], "--boot"))
		return boot_main(argc, argv);
	printf("KTAP version 1\n1..%d\n# dmabuf-vmm on %s\n", argc - 1, arch_name);
	for (i = 1; i < argc; i++) {
		char *end;
		long fd = strtol(argv[i], &end, 10);

		if (*argv[i] == '\0' || *end || fd < 0 || fd > 1 << 20) {
			printf("not ok %d '%s' is not a file descriptor\n", i, argv[i]);
			continue;
		}
		passed += run_buffer(i, (int)fd);
	}
	return passed == argc - 1 ? 0 : 1;
}
