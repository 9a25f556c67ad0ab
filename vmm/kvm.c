// SPDX-License-Identifier: MIT
/* One VM, its memory slots and one vCPU, through /dev/kvm. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kvm.h"

int vm_fail(const char *what)
{
	int err = errno;

	fprintf(stderr, "dmabuf-vmm: %s: %s\n", what, strerror(err));
	return -err;
}

int vm_create(struct vm *vm)
{
	int ret;

	memset(vm, 0, sizeof(*vm));
	vm->fd = vm->vcpu = -1;
	vm->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm < 0)
		return vm_fail("/dev/kvm (a kernel with KVM, booted where it can run: EL2 on arm64, SVM or VMX on x86)");
	ret = ioctl(vm->kvm, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION) {
		fprintf(stderr, "dmabuf-vmm: KVM API version %d, want %d\n", ret, KVM_API_VERSION);
		return -EINVAL;
	}
	/* type 0: the default guest physical address size */
	vm->fd = ioctl(vm->kvm, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		return vm_fail("KVM_CREATE_VM");
	return 0;
}

void vm_destroy(struct vm *vm)
{
	if (vm->run)
		munmap(vm->run, vm->run_size);
	if (vm->vcpu >= 0)
		close(vm->vcpu);
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->kvm >= 0)
		close(vm->kvm);
	vm->run = NULL;
	vm->vcpu = vm->fd = vm->kvm = -1;
}

int vm_set_memory(struct vm *vm, int slot, uint64_t gpa, uint64_t size, void *host)
{
	struct kvm_userspace_memory_region region = {
		.slot = (uint32_t)slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)host,
	};

	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region))
		return vm_fail(size ? "KVM_SET_USER_MEMORY_REGION" : "KVM_SET_USER_MEMORY_REGION (delete)");
	return 0;
}

int vm_add_memory(struct vm *vm, uint64_t gpa, uint64_t size, void *host)
{
	int ret = vm_set_memory(vm, vm->nr_slots, gpa, size, host);

	if (!ret)
		vm->nr_slots++;
	return ret;
}

int vm_add_image(struct vm *vm, uint64_t gpa, size_t size, const void *image, size_t len,
		 unsigned char **mem)
{
	unsigned char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);
	int ret;

	if (m == MAP_FAILED)
		return vm_fail("mmap of guest memory");
	memcpy(m, image, len);
	ret = vm_add_memory(vm, gpa, size, m);
	if (ret) {
		munmap(m, size);
		return ret;
	}
	*mem = m;
	return 0;
}

int vm_set_reg(struct vm *vm, uint64_t id, uint64_t value)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)(uintptr_t)&value };

	return ioctl(vm->vcpu, KVM_SET_ONE_REG, &reg) ? vm_fail("KVM_SET_ONE_REG") : 0;
}

int vm_create_vcpu(struct vm *vm)
{
	int size;

	vm->vcpu = ioctl(vm->fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu < 0)
		return vm_fail("KVM_CREATE_VCPU");
	size = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0)
		return vm_fail("KVM_GET_VCPU_MMAP_SIZE");
	vm->run_size = (size_t)size;
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu, 0);
	if (vm->run == MAP_FAILED) {
		vm->run = NULL;
		return vm_fail("mmap of the vCPU's kvm_run");
	}
	return 0;
}

int vm_run_until(struct vm *vm, uint64_t done_gpa,
		 void (*store)(void *ctx, uint64_t gpa, uint64_t value), void *ctx)
{
	/* the payload makes a handful of stores; more means it went astray */
	for (int exits = 0; exits < 64; exits++) {
		struct kvm_run *run = vm->run;
		uint64_t value = 0;

		if (ioctl(vm->vcpu, KVM_RUN, 0)) {
			if (errno == EINTR)
				continue;
			return vm_fail("KVM_RUN");
		}
		switch (run->exit_reason) {
		case KVM_EXIT_MMIO:
			if (!run->mmio.is_write || run->mmio.len != 8) {
				fprintf(stderr, "dmabuf-vmm: guest %s %u bytes at %#llx, not a mailbox store\n",
					run->mmio.is_write ? "wrote" : "read", run->mmio.len,
					(unsigned long long)run->mmio.phys_addr);
				return -EIO;
			}
			memcpy(&value, run->mmio.data, sizeof(value));
			if (run->mmio.phys_addr == done_gpa)
				return 0;
			store(ctx, run->mmio.phys_addr, value);
			break;
		case KVM_EXIT_FAIL_ENTRY:
			fprintf(stderr, "dmabuf-vmm: KVM could not enter the guest (reason %#llx)\n",
				(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
			return -EIO;
		case KVM_EXIT_INTERNAL_ERROR:
			fprintf(stderr, "dmabuf-vmm: KVM internal error, suberror %u\n",
				run->internal.suberror);
			return -EIO;
		default:
			fprintf(stderr, "dmabuf-vmm: unexpected exit reason %u\n", run->exit_reason);
			return -EIO;
		}
	}
	fprintf(stderr, "dmabuf-vmm: the guest never reported done\n");
	return -ETIMEDOUT;
}
