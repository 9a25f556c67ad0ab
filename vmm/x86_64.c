// SPDX-License-Identifier: MIT
/*
 * x86_64 on AMD SVM: a 64-bit guest maps the buffer with the PAT index the
 * map_info stands for (in Linux's PAT layout) and reports its PAT and its
 * page-directory entry; KVM's nested page table entry for the buffer comes
 * from the kvm_mmu_set_spte trace event, as KVM has no dump of those
 * tables.  With nested paging the processor combines the guest's type with
 * the type of the nested entry, which it looks up in the host's PAT: a
 * Write-Back nested type leaves the guest's type, an uncacheable one makes
 * it uncacheable (AMD64 APM vol. 2, "Combining Memory Types").  The host's
 * MTRRs take part too on hardware; QEMU models none.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "arch.h"
#include "dmabufmap.h"

const char arch_name[] = "x86_64 (SVM)";

/* Guest physical layout; each region has a 1 GiB page directory of its own. */
#define CODE_GPA	0x10000000ULL	/* payload, then the page tables */
#define CODE_SIZE	0x10000ULL
#define TABLE_OFFSET	0x4000ULL	/* PML4, PDPT, then one PD per GiB */
#define PML4_GPA	(CODE_GPA + TABLE_OFFSET)
#define PD_GPA(gib)	(PML4_GPA + 0x2000ULL + 0x1000ULL * (gib))
#define BUFFER_GPA	0x40000000ULL	/* the dma-buf: at most 1 GiB */
#define MAILBOX_GPA	0x80000000ULL	/* not memory: stores exit to the VMM */
#define MAILBOX_DONE	(MAILBOX_GPA + 0)
#define MAILBOX_PAT	(MAILBOX_GPA + 8)
#define MAILBOX_PDE	(MAILBOX_GPA + 16)
#define MAILBOX_READ	(MAILBOX_GPA + 24)
#define SZ_2M		0x200000ULL

/* Page-table entry bits; PAT is bit 7 in a 4K entry, bit 12 in a large one. */
#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_PWT		(1ULL << 3)
#define PTE_PCD		(1ULL << 4)
#define PTE_PS		(1ULL << 7)
#define PTE_PAT_4K	(1ULL << 7)
#define PTE_PAT_LARGE	(1ULL << 12)
#define PTE_ADDR	0x000ffffffffff000ULL

/* The PAT memory types, and Linux's layout: WB WC UC- UC WB WP UC- WT. */
enum { PAT_UC = 0, PAT_WC = 1, PAT_WT = 4, PAT_WP = 5, PAT_WB = 6, PAT_UC_MINUS = 7 };
#define PAT_LINUX	(0x0407050600070106ULL)

/* The guest's entry state: 64-bit mode, paging on, caches enabled. */
#define CR0_PE		(1ULL << 0)
#define CR0_MP		(1ULL << 1)
#define CR0_ET		(1ULL << 4)
#define CR0_NE		(1ULL << 5)
#define CR0_WP		(1ULL << 16)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

#define NPT_PARAM	"/sys/module/kvm_amd/parameters/npt"
#define TRACING		"/sys/kernel/tracing"
#define SET_SPTE_EVENT	TRACING "/events/kvmmmu/kvm_mmu_set_spte/enable"

extern const unsigned char guest_x86_64_start[], guest_x86_64_end[];

/* The PAT index a Linux guest driver uses for a virtio-gpu map_info. */
static int pat_index_of(uint32_t map_info)
{
	switch (map_info) {
	case DMABUFMAP_VIRTIO_GPU_MAP_CACHE_CACHED:
		return 0;		/* WB */
	case DMABUFMAP_VIRTIO_GPU_MAP_CACHE_WC:
		return 1;		/* pgprot_writecombine(): WC */
	case DMABUFMAP_VIRTIO_GPU_MAP_CACHE_UNCACHED:
		return 2;		/* pgprot_noncached(): UC- */
	}
	return -1;
}

/* The PAT index of a page-table entry at @level (1: 4K, 2: 2M, 3: 1G). */
static unsigned int pat_index(uint64_t pte, int level)
{
	uint64_t pat = level == 1 ? PTE_PAT_4K : PTE_PAT_LARGE;

	return (pte & PTE_PWT ? 1 : 0) | (pte & PTE_PCD ? 2 : 0) | (pte & pat ? 4 : 0);
}

static unsigned int pat_type(uint64_t pat, unsigned int index)
{
	return (unsigned int)(pat >> (8 * index)) & 7;
}

/* A PAT memory type as one of the memory types of the query. */
static int memtype_of_pat(unsigned int type)
{
	switch (type) {
	case PAT_WB:
		return DMABUFMAP_MEMTYPE_CACHED;
	case PAT_WC:
		return DMABUFMAP_MEMTYPE_WC;
	case PAT_UC:
	case PAT_UC_MINUS:
		return DMABUFMAP_MEMTYPE_UNCACHED;
	}
	return -1;				/* WT, WP */
}

static const char *pat_name(unsigned int type)
{
	static const char *const names[8] = {
		[PAT_UC] = "UC", [PAT_WC] = "WC", [PAT_WT] = "WT",
		[PAT_WP] = "WP", [PAT_WB] = "WB", [PAT_UC_MINUS] = "UC-",
	};

	return names[type & 7] ? names[type & 7] : "reserved";
}

/* The guest's type combined with the nested entry's (see the top). */
static int combine(int s1, unsigned int nested)
{
	if (nested == PAT_WB)
		return s1;
	if (nested == PAT_UC || nested == PAT_UC_MINUS)
		return DMABUFMAP_MEMTYPE_UNCACHED;
	return -1;
}

struct reports {
	uint64_t pat, pde, read;
	int have;
};

static void on_store(void *ctx, uint64_t gpa, uint64_t value)
{
	struct reports *r = ctx;

	switch (gpa) {
	case MAILBOX_PAT:
		r->pat = value;
		r->have |= 1;
		break;
	case MAILBOX_PDE:
		r->pde = value;
		r->have |= 2;
		break;
	case MAILBOX_READ:
		r->read = value;
		r->have |= 4;
		break;
	}
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC), ret = 0;

	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		ret = -errno;
	if (fd >= 0)
		close(fd);
	if (ret)
		fprintf(stderr, "dmabuf-vmm: %s: %s (CONFIG_FTRACE, tracefs mounted there, root)\n", path,
			strerror(-ret));
	return ret;
}

/*
 * The last nested page table entry KVM installed for @gpa, from the trace
 * event's lines: "gfn GFN spte SPTE (rwx) level LEVEL at ...".  A large
 * entry is traced at the first gfn it maps.
 */
static int read_nested(uint64_t gpa, uint64_t *spte, int *level)
{
	unsigned long long gfn, value;
	char line[512];
	int lvl, found = 0;
	FILE *f = fopen(TRACING "/trace", "re");

	if (!f) {
		fprintf(stderr, "dmabuf-vmm: %s/trace: %s\n", TRACING, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		const char *event = strstr(line, "kvm_mmu_set_spte: ");

		if (!event || sscanf(event, "kvm_mmu_set_spte: gfn %llx spte %llx (%*[^)]) level %d",
				     &gfn, &value, &lvl) != 3 ||
		    lvl < 1 || lvl > 3)
			continue;
		if (gpa >> 12 < gfn || gpa >> 12 >= gfn + (1ULL << (9 * (lvl - 1))))
			continue;
		*spte = value;
		*level = lvl;
		found = 1;
	}
	fclose(f);
	if (!found) {
		fprintf(stderr, "dmabuf-vmm: KVM traced no nested entry for %#llx\n",
			(unsigned long long)gpa);
		return -ENOENT;
	}
	return 0;
}

/* Without nested paging KVM shadows the guest's tables: another rule. */
static int nested_paging(void)
{
	FILE *f = fopen(NPT_PARAM, "re");
	int c = f ? fgetc(f) : EOF;

	if (f)
		fclose(f);
	if (c != 'Y')
		fprintf(stderr, "dmabuf-vmm: %s: %s\n", NPT_PARAM,
			f ? "nested paging is off" : strerror(errno));
	return c == 'Y';
}

/*
 * The CPUID KVM supports, as the guest's: KVM checks long mode, PAE and
 * the PAT against it.
 */
static int set_cpuid(struct vm *vm)
{
	enum { MAX_ENTRIES = 256 };
	struct kvm_cpuid2 *cpuid;
	int ret = 0;

	cpuid = calloc(1, sizeof(*cpuid) + MAX_ENTRIES * sizeof(cpuid->entries[0]));
	if (!cpuid)
		return -ENOMEM;
	cpuid->nent = MAX_ENTRIES;
	if (ioctl(vm->kvm, KVM_GET_SUPPORTED_CPUID, cpuid))
		ret = vm_fail("KVM_GET_SUPPORTED_CPUID");
	else if (ioctl(vm->vcpu, KVM_SET_CPUID2, cpuid))
		ret = vm_fail("KVM_SET_CPUID2");
	free(cpuid);
	return ret;
}

static void segment(struct kvm_segment *s, uint16_t selector, uint8_t type, int code)
{
	*s = (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = selector, .type = type,
		.present = 1, .s = 1, .l = code, .db = !code, .g = 1,
	};
}

static int enter_long_mode(struct vm *vm, uint64_t pde_gpa)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
		.rip = CODE_GPA,
		.rflags = 2,			/* the reserved bit; interrupts off */
		.rdi = MAILBOX_GPA,
		.rsi = BUFFER_GPA,
		.r8 = PAT_LINUX,
		.r9 = pde_gpa,
		.r10 = GUEST_PATTERN,
	};
	int ret = set_cpuid(vm);

	if (ret)
		return ret;
	if (ioctl(vm->vcpu, KVM_GET_SREGS, &sregs))
		return vm_fail("KVM_GET_SREGS");
	segment(&sregs.cs, 0x08, 0xb, 1);	/* code: execute/read, accessed */
	segment(&sregs.ds, 0x10, 0x3, 0);	/* data: read/write, accessed */
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	segment(&sregs.tr, 0x18, 0xb, 0);	/* a busy 64-bit TSS */
	sregs.tr.s = 0;
	/* CR0.CD and NW clear: the reset value would make every access UC */
	sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	sregs.cr3 = PML4_GPA;
	sregs.cr4 = CR4_PAE;
	sregs.efer = EFER_LME | EFER_LMA;
	if (ioctl(vm->vcpu, KVM_SET_SREGS, &sregs))
		return vm_fail("KVM_SET_SREGS");
	if (ioctl(vm->vcpu, KVM_SET_REGS, &regs))
		return vm_fail("KVM_SET_REGS");
	return 0;
}

int arch_run_guest(struct vm *vm, uint32_t map_info, void *buf, size_t size,
		   struct guest_view *view)
{
	size_t code_size = (size_t)(guest_x86_64_end - guest_x86_64_start);
	int index = pat_index_of(map_info), level = 0, ret;
	uint64_t *pml4, *pdpt, *pd, spte = 0, attr;
	struct reports r = { 0 };
	unsigned char *code;
	unsigned int nested_index, nested;

	view->s1 = view->effective = -1;
	snprintf(view->s2, sizeof(view->s2), "?");
	if (index < 0 || size > BUFFER_GPA || code_size > TABLE_OFFSET)
		return -EINVAL;
	if (!nested_paging())
		return -EOPNOTSUPP;

	ret = vm_add_image(vm, CODE_GPA, CODE_SIZE, guest_x86_64_start, code_size, &code);
	if (ret)
		return ret;
	/* identity: GiB 0 Write-Back, GiB 1 the buffer, GiB 2 the mailbox UC */
	pml4 = (uint64_t *)(code + TABLE_OFFSET);
	pdpt = pml4 + 512;
	pml4[0] = (PML4_GPA + 0x1000) | PTE_P | PTE_RW;
	for (int gib = 0; gib < 3; gib++)
		pdpt[gib] = PD_GPA(gib) | PTE_P | PTE_RW;
	pd = pdpt + 512;
	for (uint64_t i = 0; i < 512; i++)
		pd[i] = i * SZ_2M | PTE_P | PTE_RW | PTE_PS;
	attr = (index & 1 ? PTE_PWT : 0) | (index & 2 ? PTE_PCD : 0);
	for (uint64_t i = 0; i < (size + SZ_2M - 1) / SZ_2M; i++)
		pd[512 + i] = (BUFFER_GPA + i * SZ_2M) | PTE_P | PTE_RW | PTE_PS | attr;
	pd[1024] = MAILBOX_GPA | PTE_P | PTE_RW | PTE_PS | PTE_PCD | PTE_PWT;

	ret = vm_add_memory(vm, BUFFER_GPA, size, buf);
	if (!ret)
		ret = vm_create_vcpu(vm);
	if (!ret)
		ret = enter_long_mode(vm, PD_GPA(1));
	/* trace only this guest's faults */
	if (!ret)
		ret = write_file(TRACING "/trace", "");
	if (!ret)
		ret = write_file(SET_SPTE_EVENT, "1");
	if (ret)
		goto out;
	ret = vm_run_until(vm, MAILBOX_DONE, on_store, &r);
	write_file(SET_SPTE_EVENT, "0");
	if (ret)
		goto out;
	if (r.have != 7) {
		fprintf(stderr, "dmabuf-vmm: the guest reported done without its findings\n");
		ret = -EIO;
		goto out;
	}
	view->read = r.read;
	/* the guest's entry must still be the one built for it */
	if ((r.pde & PTE_ADDR) != BUFFER_GPA || !(r.pde & PTE_PS)) {
		fprintf(stderr, "dmabuf-vmm: the guest's entry for the buffer is %#llx\n",
			(unsigned long long)r.pde);
		ret = -EIO;
		goto out;
	}
	view->s1_raw = pat_type(r.pat, pat_index(r.pde, 2));
	view->s1 = memtype_of_pat((unsigned int)view->s1_raw);
	ret = read_nested(BUFFER_GPA, &spte, &level);
	if (ret)
		goto out;
	/*
	 * The nested entry's index looks up the host's PAT, which Linux
	 * programs with WB at index 0 in every layout (arch/x86/mm/pat/memtype.c)
	 * and otherwise as PAT_LINUX when PAT is on.
	 */
	nested_index = pat_index(spte, level);
	nested = pat_type(PAT_LINUX, nested_index);
	snprintf(view->s2, sizeof(view->s2), "%s", pat_name(nested));
	printf("# guest PAT %#llx, its entry %#llx; nested entry %#llx (level %d, PAT index %u)\n",
	       (unsigned long long)r.pat, (unsigned long long)r.pde,
	       (unsigned long long)spte, level, nested_index);
	view->effective = view->s1 < 0 ? -1 : combine(view->s1, nested);
out:
	munmap(code, CODE_SIZE);
	return ret;
}
