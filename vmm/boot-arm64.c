// SPDX-License-Identifier: MIT
/*
 * arm64: the machine a Linux guest boots on, described by a device tree
 * built with libfdt.  One vCPU with PSCI, KVM's GICv3 and the architected
 * timer; a 16550 for the console; one virtio-mmio device with its
 * host-visible shared memory above RAM.  The kernel Image is entered as
 * Documentation/arch/arm64/booting.rst says: MMU off, x0 the device tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <libfdt.h>

#include "boot.h"

const char arch_linux_console[] = "console=ttyS0 earlycon=uart8250,mmio,0x9000000";

/* Guest physical layout: QEMU virt's addresses where it has the device. */
#define GIC_DIST_GPA	0x08000000ULL
#define GIC_DIST_SIZE	0x10000ULL
#define GIC_REDIST_GPA	0x080a0000ULL
#define GIC_REDIST_SIZE	0x20000ULL	/* one vCPU */
#define UART_GPA	0x09000000ULL
#define VIRTIO_GPA	0x0a000000ULL
#define VIRTIO_SPI	16
#define RAM_GPA		0x80000000ULL
#define RAM_SIZE	(256ULL << 20)
#define SHM_GPA		0x100000000ULL
#define SHM_SIZE	(1ULL << 30)
#define FDT_MAX		0x10000
#define PHANDLE_GIC	1
/* device tree interrupt specifiers of the GIC binding */
#define GIC_SPI		0
#define GIC_PPI		1
#define IRQ_LEVEL_HIGH	4

static int gic_attr(int gic, uint32_t group, uint64_t attr, uint64_t value)
{
	struct kvm_device_attr a = {
		.group = group, .attr = attr, .addr = (uint64_t)(uintptr_t)&value,
	};

	return ioctl(gic, KVM_SET_DEVICE_ATTR, &a) ? vm_fail("vGICv3 KVM_SET_DEVICE_ATTR") : 0;
}

void arch_set_virtio_irq(void *guest, int level)
{
	struct linux_guest *g = guest;
	struct kvm_irq_level irq = {
		.irq = (uint32_t)g->virtio_irq,
		.level = (uint32_t)level,
	};

	if (ioctl(g->vm.fd, KVM_IRQ_LINE, &irq))
		vm_fail("KVM_IRQ_LINE");
}

/* Read the whole file at @path into @dst (at most @max bytes). */
static long load_file(const char *path, void *dst, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t done = 0;

	if (fd < 0)
		return vm_fail(path);
	while (done < max) {
		ssize_t n = read(fd, (char *)dst + done, max - done);

		if (n < 0) {
			close(fd);
			return vm_fail(path);
		}
		if (!n)
			break;
		done += (size_t)n;
	}
	close(fd);
	if (done == max) {
		fprintf(stderr, "dmabuf-vmm: %s does not fit in %zu bytes of guest memory\n",
			path, max);
		return -EFBIG;
	}
	return (long)done;
}

/* every libfdt call of the sequential writer; the first failure ends it */
#define FDT(call) do {							\
	int err_ = (call);						\
	if (err_) {							\
		fprintf(stderr, "dmabuf-vmm: device tree: %s: %s\n", #call,	\
			fdt_strerror(err_));				\
		return -EINVAL;						\
	}								\
} while (0)

/* Open a node for the device at [@base, @base + @size): compatible, reg. */
static int begin_device(void *fdt, const char *name, const char *compatible,
			uint64_t base, uint64_t size)
{
	uint64_t reg[2] = { cpu_to_fdt64(base), cpu_to_fdt64(size) };

	FDT(fdt_begin_node(fdt, name));
	FDT(fdt_property_string(fdt, "compatible", compatible));
	FDT(fdt_property(fdt, "reg", reg, sizeof(reg)));
	return 0;
}

static int build_fdt(void *fdt, const char *cmdline, uint64_t initrd_gpa, size_t initrd_size)
{
	uint32_t irq_timer[12], irq_virtio[3];
	const int ppis[4] = { 13, 14, 11, 10 };	/* secure, non-secure, virtual, hyp */
	uint64_t reg[4];

	for (int i = 0; i < 4; i++) {
		irq_timer[3 * i] = cpu_to_fdt32(GIC_PPI);
		irq_timer[3 * i + 1] = cpu_to_fdt32(ppis[i]);
		irq_timer[3 * i + 2] = cpu_to_fdt32(IRQ_LEVEL_HIGH);
	}
	irq_virtio[0] = cpu_to_fdt32(GIC_SPI);
	irq_virtio[1] = cpu_to_fdt32(VIRTIO_SPI);
	irq_virtio[2] = cpu_to_fdt32(IRQ_LEVEL_HIGH);

	FDT(fdt_create(fdt, FDT_MAX));
	FDT(fdt_finish_reservemap(fdt));
	FDT(fdt_begin_node(fdt, ""));
	FDT(fdt_property_string(fdt, "compatible", "linux,dummy-virt"));
	FDT(fdt_property_u32(fdt, "#address-cells", 2));
	FDT(fdt_property_u32(fdt, "#size-cells", 2));
	FDT(fdt_property_u32(fdt, "interrupt-parent", PHANDLE_GIC));

	FDT(fdt_begin_node(fdt, "chosen"));
	FDT(fdt_property_string(fdt, "bootargs", cmdline));
	FDT(fdt_property_u64(fdt, "linux,initrd-start", initrd_gpa));
	FDT(fdt_property_u64(fdt, "linux,initrd-end", initrd_gpa + initrd_size));
	FDT(fdt_end_node(fdt));

	reg[0] = cpu_to_fdt64(RAM_GPA);
	reg[1] = cpu_to_fdt64(RAM_SIZE);
	FDT(fdt_begin_node(fdt, "memory@80000000"));
	FDT(fdt_property_string(fdt, "device_type", "memory"));
	FDT(fdt_property(fdt, "reg", reg, 2 * sizeof(reg[0])));
	FDT(fdt_end_node(fdt));

	FDT(fdt_begin_node(fdt, "cpus"));
	FDT(fdt_property_u32(fdt, "#address-cells", 1));
	FDT(fdt_property_u32(fdt, "#size-cells", 0));
	FDT(fdt_begin_node(fdt, "cpu@0"));
	FDT(fdt_property_string(fdt, "device_type", "cpu"));
	FDT(fdt_property_string(fdt, "compatible", "arm,arm-v8"));
	FDT(fdt_property_string(fdt, "enable-method", "psci"));
	FDT(fdt_property_u32(fdt, "reg", 0));
	FDT(fdt_end_node(fdt));
	FDT(fdt_end_node(fdt));

	FDT(fdt_begin_node(fdt, "psci"));
	FDT(fdt_property_string(fdt, "compatible", "arm,psci-0.2"));
	FDT(fdt_property_string(fdt, "method", "hvc"));
	FDT(fdt_end_node(fdt));

	reg[0] = cpu_to_fdt64(GIC_DIST_GPA);
	reg[1] = cpu_to_fdt64(GIC_DIST_SIZE);
	reg[2] = cpu_to_fdt64(GIC_REDIST_GPA);
	reg[3] = cpu_to_fdt64(GIC_REDIST_SIZE);
	FDT(fdt_begin_node(fdt, "intc@8000000"));
	FDT(fdt_property_string(fdt, "compatible", "arm,gic-v3"));
	FDT(fdt_property_u32(fdt, "#interrupt-cells", 3));
	FDT(fdt_property(fdt, "interrupt-controller", NULL, 0));
	FDT(fdt_property(fdt, "reg", reg, sizeof(reg)));
	FDT(fdt_property_u32(fdt, "phandle", PHANDLE_GIC));
	FDT(fdt_end_node(fdt));

	FDT(fdt_begin_node(fdt, "timer"));
	FDT(fdt_property_string(fdt, "compatible", "arm,armv8-timer"));
	FDT(fdt_property(fdt, "interrupts", irq_timer, sizeof(irq_timer)));
	FDT(fdt_property(fdt, "always-on", NULL, 0));
	FDT(fdt_end_node(fdt));

	/* no interrupts: the 8250 driver polls */
	if (begin_device(fdt, "serial@9000000", "ns16550a", UART_GPA, 0x1000))
		return -EINVAL;
	FDT(fdt_property_u32(fdt, "clock-frequency", 1843200));
	FDT(fdt_end_node(fdt));

	if (begin_device(fdt, "virtio_mmio@a000000", "virtio,mmio", VIRTIO_GPA, 0x1000))
		return -EINVAL;
	FDT(fdt_property(fdt, "interrupts", irq_virtio, sizeof(irq_virtio)));
	FDT(fdt_property(fdt, "dma-coherent", NULL, 0));
	FDT(fdt_end_node(fdt));

	FDT(fdt_end_node(fdt));
	FDT(fdt_finish(fdt));
	return 0;
}

int arch_boot_linux(struct linux_guest *g, const char *kernel, const void *initrd,
		    size_t initrd_size, const char *cmdline)
{
	struct kvm_create_device gic = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	struct kvm_vcpu_init init;
	uint64_t text_offset, image_size, fdt_gpa, initrd_gpa;
	uint8_t *image;
	long size;
	int ret;

	g->ram_gpa = RAM_GPA;
	g->ram_size = RAM_SIZE;
	g->uart_gpa = UART_GPA;
	g->virtio_gpa = VIRTIO_GPA;
	g->shm_gpa = SHM_GPA;
	g->shm_size = SHM_SIZE;
	g->virtio_irq = KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT | (32 + VIRTIO_SPI);
	g->irqchip = -1;
	g->ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->ram == MAP_FAILED) {
		g->ram = NULL;
		return vm_fail("guest RAM");
	}
	ret = vm_create(&g->vm);
	if (!ret)
		ret = vm_add_memory(&g->vm, RAM_GPA, RAM_SIZE, g->ram);
	if (ret)
		return ret;

	/* the Image header: text_offset at 8, image_size at 16, "ARM\x64" at 56 */
	image = g->ram;
	size = load_file(kernel, image, RAM_SIZE / 2);
	if (size < 0)
		return (int)size;
	if (size < 64 || memcmp(image + 56, "ARM\x64", 4)) {
		fprintf(stderr, "dmabuf-vmm: %s is not an arm64 Linux Image\n", kernel);
		return -ENOEXEC;
	}
	memcpy(&text_offset, image + 8, 8);
	memcpy(&image_size, image + 16, 8);
	if (text_offset) {
		/* kernels before 5.10 may want it: move the Image up */
		if (text_offset + (uint64_t)size > RAM_SIZE / 2)
			return -EFBIG;
		memmove(image + text_offset, image, (size_t)size);
	}
	if (!image_size)
		image_size = (uint64_t)size;
	/* the initrd after the kernel's memory footprint, the device tree last */
	initrd_gpa = RAM_GPA + ((text_offset + image_size + (2 << 20) - 1) & ~((2ULL << 20) - 1));
	fdt_gpa = RAM_GPA + RAM_SIZE - (2 << 20);
	if (initrd_gpa + initrd_size > fdt_gpa) {
		fprintf(stderr, "dmabuf-vmm: the initramfs does not fit in guest memory\n");
		return -EFBIG;
	}
	memcpy(g->ram + (initrd_gpa - RAM_GPA), initrd, initrd_size);
	ret = build_fdt(g->ram + (fdt_gpa - RAM_GPA), cmdline, initrd_gpa, initrd_size);
	if (ret)
		return ret;

	/* the interrupt controller before the vCPU, initialized after it */
	if (ioctl(g->vm.fd, KVM_CREATE_DEVICE, &gic))
		return vm_fail("KVM_CREATE_DEVICE vGICv3 (a host with a GICv3)");
	g->irqchip = (int)gic.fd;
	ret = gic_attr(g->irqchip, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST,
		       GIC_DIST_GPA);
	if (!ret)
		ret = gic_attr(g->irqchip, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST,
			       GIC_REDIST_GPA);
	if (!ret)
		ret = vm_create_vcpu(&g->vm);
	if (ret)
		return ret;
	if (ioctl(g->vm.fd, KVM_ARM_PREFERRED_TARGET, &init))
		return vm_fail("KVM_ARM_PREFERRED_TARGET");
	init.features[0] |= 1U << KVM_ARM_VCPU_PSCI_0_2;
	if (ioctl(g->vm.vcpu, KVM_ARM_VCPU_INIT, &init))
		return vm_fail("KVM_ARM_VCPU_INIT");
	ret = gic_attr(g->irqchip, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, 0);
	if (ret)
		return ret;
	/* KVM resets the vCPU to EL1h, interrupts masked, MMU off */
	ret = vm_set_reg(&g->vm, CORE_REG(regs.pc), RAM_GPA + text_offset);
	if (!ret)
		ret = vm_set_reg(&g->vm, CORE_REG(regs.regs[0]), fdt_gpa);
	return ret;
}
