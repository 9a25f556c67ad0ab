// SPDX-License-Identifier: MIT
/*
 * arm64: a guest at EL1 maps the buffer with the MAIR attribute the
 * map_info stands for, the hardware's AT instruction says what its own
 * translation gives, and KVM's stage-2 dump in debugfs says what stage 2
 * adds.  The effective type follows the architecture's combining rules:
 * without FEAT_S2FWB the stricter of the two stages wins; with it, stage 2
 * may force Write-Back whatever stage 1 says.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "arch.h"
#include "dmabufmap.h"

const char arch_name[] = "arm64";

/* Guest physical layout; each region has a 1 GiB stage-1 block of its own. */
#define CODE_GPA	0x10000000ULL	/* payload, then the page tables */
#define CODE_SIZE	0x10000ULL
#define TABLE_OFFSET	0x4000ULL
#define BUFFER_GPA	0x40000000ULL	/* the dma-buf: at most 1 GiB */
#define MAILBOX_GPA	0x80000000ULL	/* not memory: stores exit to the VMM */
#define MAILBOX_DONE	(MAILBOX_GPA + 0)
#define MAILBOX_PAR	(MAILBOX_GPA + 8)
#define MAILBOX_READ	(MAILBOX_GPA + 16)

/* MAIR_EL1: the attributes Linux uses for these kinds of mapping. */
enum { ATTR_WB, ATTR_NC, ATTR_DEVICE_nGnRE, ATTR_DEVICE_nGnRnE };
#define MAIR	(0xffULL << (8 * ATTR_WB) | 0x44ULL << (8 * ATTR_NC) | \
		 0x04ULL << (8 * ATTR_DEVICE_nGnRE) | 0x00ULL << (8 * ATTR_DEVICE_nGnRnE))
/* TCR_EL1: 39-bit VAs from TTBR0 with 4K pages (walks start at level 1),
 * write-back inner shareable walks, no TTBR1, 40-bit IPAs */
#define TCR	(25ULL | 1ULL << 8 | 1ULL << 10 | 3ULL << 12 | 1ULL << 23 | 2ULL << 32)
/* a level-1 block descriptor */
#define BLOCK(pa, attr)	((pa) | 1ULL | (uint64_t)(attr) << 2 | 3ULL << 8 | 1ULL << 10)
#define XN		(1ULL << 53 | 1ULL << 54)

extern const unsigned char guest_arm64_start[], guest_arm64_end[];

/* The MAIR index a guest driver uses for a virtio-gpu map_info. */
static int attr_of(uint32_t map_info)
{
	switch (map_info) {
	case DMABUFMAP_VIRTIO_GPU_MAP_CACHE_CACHED:
		return ATTR_WB;
	case DMABUFMAP_VIRTIO_GPU_MAP_CACHE_WC:
		return ATTR_NC;			/* pgprot_writecombine() */
	case DMABUFMAP_VIRTIO_GPU_MAP_CACHE_UNCACHED:
		return ATTR_DEVICE_nGnRnE;	/* pgprot_noncached() */
	}
	return -1;
}

/* A MAIR nibble that is Write-Back (non-transient, or transient allocating). */
static int nibble_wb(unsigned int n)
{
	return (n & 0xc) == 0xc || ((n & 0xc) == 0x4 && (n & 0x3));
}

/* A MAIR-format attribute as one of the memory types of the query. */
static int memtype_of_attr(unsigned int attr)
{
	unsigned int outer = attr >> 4, inner = attr & 0xf;

	if (!outer)
		return DMABUFMAP_MEMTYPE_UNCACHED;	/* Device */
	if (outer == 0x4 && inner == 0x4)
		return DMABUFMAP_MEMTYPE_WC;		/* Normal Non-cacheable */
	if (nibble_wb(outer) && nibble_wb(inner))
		return DMABUFMAP_MEMTYPE_CACHED;
	return -1;				/* Write-Through or mixed */
}

struct reports {
	uint64_t par, read;
	int have_par, have_read;
};

static void on_store(void *ctx, uint64_t gpa, uint64_t value)
{
	struct reports *r = ctx;

	if (gpa == MAILBOX_PAR) {
		r->par = value;
		r->have_par = 1;
	} else if (gpa == MAILBOX_READ) {
		r->read = value;
		r->have_read = 1;
	}
}

/*
 * The stage-2 attribute of @gpa from KVM's debugfs dump of this VM's stage
 * 2 (CONFIG_PTDUMP_STAGE2_DEBUGFS): the token naming the memory attribute
 * on the line covering @gpa, "" if the dump names none.
 */
static int read_stage2(struct vm *vm, uint64_t gpa, char *out, size_t size)
{
	static const char *const names[] = { "S1", "WB", "NC", "DEV" };
	char path[96], line[256];
	FILE *f;
	int ret = -ENOENT;

	snprintf(path, sizeof(path), "/sys/kernel/debug/kvm/%d-%d/stage2_page_tables",
		 (int)getpid(), vm->fd);
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		fprintf(stderr, "dmabuf-vmm: %s: %s (CONFIG_PTDUMP_STAGE2_DEBUGFS, debugfs, root)\n",
			path, strerror(errno));
		return ret;
	}
	out[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end;
		char *tok, *save;

		if (sscanf(line, "0x%llx-0x%llx", &start, &end) != 2 ||
		    gpa < start || gpa >= end)
			continue;
		ret = 0;
		for (tok = strtok_r(line, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save))
			for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
				if (!strcmp(tok, names[i]))
					snprintf(out, size, "%s", tok);
		break;
	}
	fclose(f);
	if (ret)
		fprintf(stderr, "dmabuf-vmm: no stage-2 entry covers %#llx\n",
			(unsigned long long)gpa);
	return ret;
}

/* Stage 1 combined with stage 2 as the dump names it (see asm/memory.h). */
static int combine(int s1, const char *s2)
{
	if (!strcmp(s2, "S1"))
		return s1;			/* stage 2 is Write-Back or defers */
	if (!strcmp(s2, "WB"))
		return DMABUFMAP_MEMTYPE_CACHED;	/* FWB: forced */
	if (!strcmp(s2, "NC"))
		return s1 == DMABUFMAP_MEMTYPE_UNCACHED ? s1 : DMABUFMAP_MEMTYPE_WC;
	if (!strcmp(s2, "DEV"))
		return DMABUFMAP_MEMTYPE_UNCACHED;
	return -1;
}

int arch_run_guest(struct vm *vm, uint32_t map_info, void *buf, size_t size,
		   struct guest_view *view)
{
	size_t code_size = (size_t)(guest_arm64_end - guest_arm64_start);
	struct kvm_vcpu_init init;
	struct reports r = { 0 };
	uint64_t *table;
	int attr = attr_of(map_info), ret;
	unsigned char *code;

	view->s1 = view->effective = -1;
	snprintf(view->s2, sizeof(view->s2), "?");
	if (attr < 0 || size > BUFFER_GPA || code_size > TABLE_OFFSET)
		return -EINVAL;

	ret = vm_add_image(vm, CODE_GPA, CODE_SIZE, guest_arm64_start, code_size, &code);
	if (ret)
		return ret;
	table = (uint64_t *)(code + TABLE_OFFSET);
	table[0] = BLOCK(0ULL, ATTR_WB);
	table[1] = BLOCK(BUFFER_GPA, attr) | XN;
	table[2] = BLOCK(MAILBOX_GPA, ATTR_DEVICE_nGnRE) | XN;

	ret = vm_add_memory(vm, BUFFER_GPA, size, buf);
	if (!ret)
		ret = vm_create_vcpu(vm);
	if (ret)
		goto out;
	if (ioctl(vm->fd, KVM_ARM_PREFERRED_TARGET, &init) ||
	    ioctl(vm->vcpu, KVM_ARM_VCPU_INIT, &init)) {
		ret = -errno;
		perror("dmabuf-vmm: KVM_ARM_VCPU_INIT");
		goto out;
	}
	/* KVM resets PSTATE to EL1h with every exception masked */
	if ((ret = vm_set_reg(vm, CORE_REG(regs.pc), CODE_GPA)) ||
	    (ret = vm_set_reg(vm, CORE_REG(regs.regs[0]), MAILBOX_GPA)) ||
	    (ret = vm_set_reg(vm, CORE_REG(regs.regs[1]), BUFFER_GPA)) ||
	    (ret = vm_set_reg(vm, CORE_REG(regs.regs[2]), MAIR)) ||
	    (ret = vm_set_reg(vm, CORE_REG(regs.regs[3]), TCR)) ||
	    (ret = vm_set_reg(vm, CORE_REG(regs.regs[4]), CODE_GPA + TABLE_OFFSET)) ||
	    (ret = vm_set_reg(vm, CORE_REG(regs.regs[5]), GUEST_PATTERN)))
		goto out;

	ret = vm_run_until(vm, MAILBOX_DONE, on_store, &r);
	if (ret)
		goto out;
	if (!r.have_par || !r.have_read) {
		fprintf(stderr, "dmabuf-vmm: the guest reported done without its findings\n");
		ret = -EIO;
		goto out;
	}
	view->read = r.read;
	view->s1_raw = r.par >> 56;
	/* PAR_EL1.F: the guest's own translation failed */
	view->s1 = r.par & 1 ? -1 : memtype_of_attr((unsigned int)view->s1_raw);
	ret = read_stage2(vm, BUFFER_GPA, view->s2, sizeof(view->s2));
	if (!ret)
		view->effective = view->s1 < 0 ? -1 : combine(view->s1, view->s2);
out:
	munmap(code, CODE_SIZE);
	return ret;
}
