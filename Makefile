# dma-buf map info: the DMA_BUF_IOCTL_INFO kernel series, its userspace, and
# the build/boot/test loop that proves it.  See README.md.
#
# The kernel bases are the folders of kernel/ (kernel/*/base.conf), the
# architectures the files of arch/.  'make check' runs every base on every
# architecture that boots; BASES=... and ARCHES=... narrow it.  The other
# targets take one: BASE (default: the mainline base) and ARCH (default
# x86_64).

ARCH ?= x86_64
select = $(if $(BASES),--bases "$(BASES)") $(if $(ARCHES),--arches "$(ARCHES)")
# the scripts default to the mainline base themselves
base = $(if $(BASE),--base $(BASE))

.PHONY: all check check-quick demo bench tree export kernel posting clean distclean

all: kernel

# Everything: series checks, kernel builds, tests in the VM, log checks.
check:
	tests/check-all $(select)

# The edit-build-test loop: the test kernel of each base and the tests on it.
check-quick:
	tests/check-all --quick $(select)

# Boot the patched kernel and show the query answering for real buffers.
demo:
	tests/demo $(base) --arch $(ARCH)

# What the query and the mmap-time check cost (patched vs pristine kernel).
bench:
	tests/bench/run $(base) --arch $(ARCH)

# Unpack the pristine source as a git tree with the series applied as commits.
tree:
	kernel/prepare-tree $(BASE)

# Write the tree's commits back to kernel/BASE/patches and kernel/BASE/series.
export:
	kernel/export-series $(BASE)

kernel:
	kernel/build $(base) --arch $(ARCH)

# The mainline series as mail, with a cover letter, into build/posting.
posting:
	kernel/make-posting

clean:
	rm -rf build/*/selftests-* build/results-*

distclean:
	rm -rf build
