# dma-buf map info: the DMA_BUF_IOCTL_INFO kernel series, its userspace, and
# the build/boot/test loop that proves it.  See README.md.

# make check runs every architecture in ARCHES; ARCH=... picks one (and is
# the architecture of the other targets).
ARCHES := x86_64 arm64
CHECK_ARCHES := $(or $(ARCH),$(ARCHES))
ARCH ?= x86_64

.PHONY: all check check-quick demo bench tree export kernel clean distclean

all: kernel

# Everything: series checks, kernel builds, tests in the VM, log checks.
check:
	tests/check-arches $(CHECK_ARCHES)

# The edit-build-test loop: the test kernel and the tests on it only.
check-quick:
	tests/check-arches --quick $(CHECK_ARCHES)

# Boot the patched kernel and show the query answering for real buffers.
demo: kernel
	$(MAKE) -s -C userspace O=$(CURDIR)/build/userspace test-programs
	vm/run --arch $(ARCH) -- tests/guest/demo build/userspace

# What the query and the mmap-time check cost (patched vs pristine kernel).
bench:
	tests/bench/run --arch $(ARCH)

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
