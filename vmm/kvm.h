/* SPDX-License-Identifier: MIT */
/*
 * The little of KVM the reference VMM needs: one VM, memory slots, one
 * vCPU that runs until the guest writes to its mailbox.  The architecture
 * code (arm64.c) sets the vCPU up and says what the guest saw.
 */
#ifndef VMM_KVM_H
#define VMM_KVM_H

#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

struct vm {
	int kvm;			/* /dev/kvm */
	int fd;				/* the VM */
	int vcpu;
	struct kvm_run *run;
	size_t run_size;
	int nr_slots;
};

int vm_create(struct vm *vm);
void vm_destroy(struct vm *vm);
/* Back guest physical [@gpa, @gpa + @size) with the host memory at @host. */
int vm_add_memory(struct vm *vm, uint64_t gpa, uint64_t size, void *host);
/*
 * Back guest physical [@gpa, @gpa + @size) with new anonymous memory that
 * starts with the @len bytes at @image (a guest payload), and return it in
 * @mem for the caller to fill further and munmap.
 */
int vm_add_image(struct vm *vm, uint64_t gpa, size_t size, const void *image, size_t len,
		 unsigned char **mem);
/* The same in memory slot @slot; @size 0 deletes the slot. */
int vm_set_memory(struct vm *vm, int slot, uint64_t gpa, uint64_t size, void *host);
int vm_create_vcpu(struct vm *vm);
/* Set one vCPU register (KVM_SET_ONE_REG @id) to @value. */
int vm_set_reg(struct vm *vm, uint64_t id, uint64_t value);
#ifdef __aarch64__
/* The KVM_SET_ONE_REG id of member @r of struct kvm_regs (x0-x30, pc...). */
#define CORE_REG(r)	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
			 (offsetof(struct kvm_regs, r) / sizeof(uint32_t)))
#endif
/* Print "dmabuf-vmm: @what: strerror(errno)" and return -errno. */
int vm_fail(const char *what);

/*
 * The guest reports through a page of MMIO: each 64-bit store to it exits
 * to the VMM.  Run until the guest stores to @done_gpa; @store is called for
 * every other store.  Returns 0, or a negative errno with a message printed.
 */
int vm_run_until(struct vm *vm, uint64_t done_gpa,
		 void (*store)(void *ctx, uint64_t gpa, uint64_t value), void *ctx);

#endif
