/* SPDX-License-Identifier: MIT */
/*
 * A virtio-gpu device with host-visible blobs and nothing else: no
 * scanouts, no 3D commands.  Each host dma-buf the VMM was given is a blob
 * the guest creates by its blob_id (1 for the first); mapping the blob maps
 * the dma-buf into the host-visible region with the map_info libdmabufmap
 * derived from DMA_BUF_IOCTL_INFO.  A hostile mode answers the mapping
 * requests late, never, or with a map_info the protocol does not define.
 */
#ifndef VMM_VIRTIO_GPU_H
#define VMM_VIRTIO_GPU_H

#include <stdint.h>

#include "kvm.h"
#include "virtio-mmio.h"

enum gpu_host_mode {
	GPU_HOST_ANSWER,	/* answer every mapping request at once */
	GPU_HOST_LATE,		/* answer them GPU_LATE_MS later */
	GPU_HOST_SILENT,	/* never answer them */
	GPU_HOST_INVALID,	/* map, and answer a map_info that means nothing */
};
#define GPU_LATE_MS	3000
/* what GPU_HOST_INVALID answers: inside VIRTIO_GPU_MAP_CACHE_MASK, unassigned */
#define GPU_INVALID_MAP_INFO	0x7

/* A host dma-buf offered to the guest. */
struct gpu_blob {
	int fd;
	void *map;		/* the host's mapping of all of it */
	uint64_t size;
	uint32_t map_info;	/* VIRTIO_GPU_MAP_CACHE_*, when offered */
	int refused;		/* the library's reason not to offer it, or 0 */
};

#define GPU_MAX_RESOURCES	32

struct gpu_resource {
	uint32_t id;		/* the guest's; 0 for a free entry */
	struct gpu_blob *blob;
	int slot;		/* the memory slot while mapped, or -1 */
};

struct gpu_pending {
	struct virtio_request *req;
	uint64_t due_ms;
};

struct virtio_gpu {
	struct vm *vm;
	struct virtio_device_ops ops;
	enum gpu_host_mode mode;
	struct gpu_blob *blobs;
	int nr_blobs;
	struct gpu_resource resources[GPU_MAX_RESOURCES];
	struct gpu_pending pending[GPU_MAX_RESOURCES];
	int first_slot;		/* memory slots from here on are the blobs' */
};

void virtio_gpu_init(struct virtio_gpu *gpu, struct vm *vm, uint64_t shm_base,
		     uint64_t shm_size, int first_slot);
/* Drop the requests still held back (GPU_HOST_SILENT). */
void virtio_gpu_exit(struct virtio_gpu *gpu);
/* Answer what was held back until @now_ms (GPU_HOST_LATE). */
void virtio_gpu_tick(struct virtio_gpu *gpu, struct virtio_mmio *vm, uint64_t now_ms);
uint64_t vmm_now_ms(void);

#endif
