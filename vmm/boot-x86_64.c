// SPDX-License-Identifier: MIT
/*
 * x86_64: no Linux boot yet.  The nested virtio-gpu guest runs on arm64,
 * where the problem it shows (stage 2 overriding the guest's type) lives;
 * an x86 machine needs the boot protocol, an IOAPIC and ACPI or a
 * MP table, none of which the buffer test needs.
 */
#include <errno.h>
#include <stdio.h>

#include "boot.h"

const char arch_linux_console[] = "console=ttyS0";

int arch_boot_linux(struct linux_guest *g, const char *kernel, const void *initrd,
		    size_t initrd_size, const char *cmdline)
{
	(void)g, (void)initrd, (void)initrd_size, (void)cmdline;
	fprintf(stderr, "dmabuf-vmm: --boot %s: booting Linux is implemented for arm64 only\n",
		kernel);
	return -EOPNOTSUPP;
}

void arch_set_virtio_irq(void *guest, int level)
{
	(void)guest, (void)level;
}
