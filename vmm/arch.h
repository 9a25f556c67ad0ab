/* SPDX-License-Identifier: MIT */
/*
 * What an architecture does for the reference VMM: run a guest that maps
 * the buffer with the memory type a virtio-gpu map_info stands for, and
 * read back what the guest's translation and KVM's stage 2 made of it.
 */
#ifndef VMM_ARCH_H
#define VMM_ARCH_H

#include <stddef.h>
#include <stdint.h>

#include "kvm.h"
#include "pattern.h"

struct guest_view {
	int s1;			/* DMABUFMAP_MEMTYPE_* of the guest's own mapping */
	uint64_t s1_raw;	/* as the architecture encodes it (arm64: PAR_EL1.ATTR,
				 * x86_64: the PAT type) */
	char s2[16];		/* KVM's stage-2 attribute (arm64: as its debugfs dump
				 * names it, x86_64: the nested entry's PAT type) */
	int effective;		/* the combination, DMABUFMAP_MEMTYPE_*; -1 unknown */
	uint64_t read;		/* what the guest read at the buffer's start */
};

/* The architecture's name for what it runs ("arm64", "x86_64 (SVM)"). */
extern const char arch_name[];

/*
 * Create a vCPU in @vm, map the @size bytes at @buf at the guest physical
 * address the payload expects with the memory type of @map_info, run the
 * payload and fill @view.  The VM stays alive so its stage 2 can be read.
 */
int arch_run_guest(struct vm *vm, uint32_t map_info, void *buf, size_t size,
		   struct guest_view *view);

#endif
