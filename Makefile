# dma-buf map info: the DMA_BUF_IOCTL_INFO kernel series, its userspace, and
# the build/boot/test loop that proves it.  See README.md.

ARCH ?= x86_64

.PHONY: all check demo tree export kernel vm-shell clean distclean

all: kernel

# Everything: series checks, kernel build, tests in the VM, log checks.
check:
	tests/check --arch $(ARCH)

# Boot the patched kernel and show the query answering for real buffers.
demo: kernel
	$(MAKE) -s -C userspace O=$(CURDIR)/build/userspace test-programs
	vm/run --arch $(ARCH) -- tests/guest/demo build/userspace

# Unpack the pristine source as a git tree with the series applied as commits.
tree:
	kernel/prepare-tree

# Write the tree's commits back to kernel/patches and kernel/series.
export:
	kernel/export-series

kernel:
	kernel/build --arch $(ARCH)

clean:
	rm -rf build/kbuild-* build/selftests-* build/results-*

distclean:
	rm -rf build
