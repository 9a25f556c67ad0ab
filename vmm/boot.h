/* SPDX-License-Identifier: MIT */
/*
 * Booting a Linux kernel as the reference VMM's guest: the machine the
 * architecture builds (interrupt controller, firmware interface, a device
 * tree or tables naming a UART and one virtio-mmio device) and the run loop
 * that serves the guest's MMIO until it powers off.
 */
#ifndef VMM_BOOT_H
#define VMM_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "kvm.h"

struct linux_guest {
	struct vm vm;
	uint8_t *ram;
	uint64_t ram_gpa, ram_size;
	/* the devices, where the architecture placed them */
	uint64_t uart_gpa, virtio_gpa, shm_gpa, shm_size;
	int virtio_irq;		/* the interrupt line, as KVM_IRQ_LINE takes it */
	int irqchip;		/* the in-kernel interrupt controller's device */
};

/*
 * Create the VM, its RAM and vCPU and the machine around them, load the
 * kernel Image at @kernel with @initrd and @cmdline, and leave the vCPU at
 * the kernel's entry.
 */
int arch_boot_linux(struct linux_guest *g, const char *kernel, const void *initrd,
		    size_t initrd_size, const char *cmdline);
/* Raise or lower the virtio device's interrupt line. */
void arch_set_virtio_irq(void *guest, int level);
/* The kernel command line's console, for the UART the machine has. */
extern const char arch_linux_console[];

/* The 16550 the guest's console writes to: output only, no interrupts. */
#define UART_SIZE	8
struct uart {
	uint8_t ier, lcr, scratch;
	void (*out)(void *ctx, char c);
	void *ctx;
};
void uart_access(struct uart *uart, uint64_t offset, int write, uint8_t *data, uint32_t len);

/* dmabuf-vmm --boot ... (boot.c) */
int boot_main(int argc, char **argv);

#endif
