# shellcheck shell=bash
# The facts of architectures and kernel bases, for every script of the
# harness to source: each fact is written once, in arch/ARCH.conf or
# kernel/BASE/base.conf, and the paths derived from them are defined here.
#
#   . "$top/tools/describe.sh"
#   arch_load ARCH      sets the variables of arch/ARCH.conf, plus
#                       arch_native (yes when the host runs its programs),
#                       arch_cc (the C compiler for its userspace) and
#                       arch_userspace (where its userspace is built: the
#                       host's own build, $host_userspace, when native)
#   base_load BASE      sets the variables of kernel/BASE/base.conf
#   mainline_base       the base the primary series is written for
#   bases               the kernel bases, mainline first
#   arches              the architectures that boot
#   native_arch         the one of them the host runs natively, if any
#   kbuild_dir BASE ARCH FLAVOR [pristine]
#                       a kernel's build directory, in the build cache
#   build_src_dir BASE [pristine]
#                       the checkout it is built from, in the build cache
#   compile_test_objects BASE ARCH
#                       the objects of kernel/BASE/compile-test-objects that
#                       build on ARCH
#   tree_dir BASE       the git tree with the series applied
#   cache_dir           where the downloads from Debian's archive are kept
#   kbuild_cache        where the kernels are built (kernel/build)

describe_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

host_userspace=$describe_top/build/userspace

# What is downloaded from Debian's archive and only unpacked (the kernel
# sources, the guest roots) is kept across clones, as ccache keeps objects:
# each is named by what it was made from, so a change makes a new one.
cache_dir=${DMABUF_MAP_INFO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dma-buf-map-info}

# The kernels are built in the cache too, each from a checkout of the tree
# that kernel/build brings up to date with git, which rewrites only the files
# whose content changed: kbuild then rebuilds what a change reaches, in every
# clone, where a fresh build directory would hash and link every object
# again (minutes per kernel, even with every object in ccache).  Each build
# directory sits beside its checkout, so the compiler sees the source at
# ../linux whichever build directory it works in, and ccache, which keys
# objects by such relative paths (CCACHE_BASEDIR), shares them among all.
kbuild_cache=$cache_dir/kbuild

describe_die() { echo "${0##*/}: $*" >&2; exit 2; }

arch_load() {
	local f=$describe_top/arch/$1.conf
	[ -r "$f" ] || describe_die "unknown architecture '$1' (known: $(arches_all | xargs))"
	arch=$1
	# shellcheck source=/dev/null
	. "$f"
	if [ "$uname_machine" = "$(uname -m)" ]; then
		arch_native=yes arch_cc=gcc arch_cross= arch_userspace=$host_userspace
	else
		arch_native=no arch_cc=$cross_cc arch_cross=$cross_compile
		arch_userspace=$host_userspace-$1
	fi
}

base_load() {
	local f=$describe_top/kernel/$1/base.conf
	[ -r "$f" ] || describe_die "unknown kernel base '$1' (known: $(bases | xargs))"
	base=$1
	# shellcheck source=/dev/null
	. "$f"
	base_series=$describe_top/kernel/$1/series
	base_patches=$describe_top/kernel/$1/patches
}

mainline_base() {
	local f
	for f in "$describe_top"/kernel/*/base.conf; do
		grep -q '^role=mainline' "$f" && { basename "$(dirname "$f")"; return; }
	done
	describe_die "no kernel base has role=mainline"
}

bases() {
	local f b m
	m=$(mainline_base)
	echo "$m"
	for f in "$describe_top"/kernel/*/base.conf; do
		b=$(basename "$(dirname "$f")")
		[ "$b" = "$m" ] || echo "$b"
	done
}

arches_all() {
	local f
	for f in "$describe_top"/arch/*.conf; do basename "$f" .conf; done
}

arches() {
	local f
	for f in "$describe_top"/arch/*.conf; do
		grep -q '^bootable=yes' "$f" && basename "$f" .conf
	done
}

native_arch() {
	local a
	for a in $(arches); do
		grep -qx "uname_machine=$(uname -m)" "$describe_top/arch/$a.conf" && { echo "$a"; return; }
	done
	return 0
}

tree_dir() { echo "${KERNEL_TREE:-$describe_top/build/$1/linux}"; }

# The pristine checkout and its builds sit one level down, so that their
# source too is at ../linux from the build directory and ccache serves the
# objects the series does not touch to both.
build_src_dir() {
	echo "$kbuild_cache/$1${2:+/$2}/linux"
}

kbuild_dir() {
	echo "$kbuild_cache/$1${4:+/$4}/kbuild-$2-$3"
}

# A line of kernel/BASE/compile-test-objects is an object, followed by the
# architectures it is limited to when its driver builds on those only.
compile_test_objects() {
	awk -v arch="$2" '!/^#/ && NF && (NF == 1 || index(" " $0 " ", " " arch " ")) { print $1 }' \
		"$describe_top/kernel/$1/compile-test-objects"
}
