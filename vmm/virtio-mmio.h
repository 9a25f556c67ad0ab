/* SPDX-License-Identifier: MIT */
/*
 * A virtio-mmio transport (version 2) for one device: its registers, its
 * split virtqueues in guest memory, and its interrupt line.  The device
 * behind it (virtio-gpu.c) sees requests as a readable and a writable
 * buffer and completes them now or later.
 */
#ifndef VMM_VIRTIO_MMIO_H
#define VMM_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIRTIO_MMIO_SIZE	0x200
#define VIRTIO_MMIO_QUEUES	2
#define VIRTIO_MMIO_QUEUE_SIZE	64
/* the largest request or response a device is shown, in bytes */
#define VIRTIO_MMIO_MAX_REQUEST	4096

struct virtio_mmio;

/* One request taken from a queue: what the driver wrote, where to answer. */
struct virtio_request {
	int queue;
	uint16_t head;
	uint8_t in[VIRTIO_MMIO_MAX_REQUEST];	/* the driver's readable buffers */
	size_t in_len;
	void *out[4];				/* its writable buffers, in order */
	size_t out_size[4];
	int nr_out;
};

struct virtio_device_ops {
	uint32_t device_id;
	uint64_t features;
	/* the device's configuration space, read at an offset into it */
	uint32_t (*config_read)(void *dev, uint32_t offset);
	/* a request to handle; the device calls virtio_complete() for it */
	void (*request)(void *dev, struct virtio_mmio *vm, struct virtio_request *req);
	/* shared memory regions by id: guest physical base, length (0: none) */
	uint64_t shm_base[2], shm_len[2];
};

struct virtio_queue {
	uint32_t num;
	bool ready;
	uint64_t desc, driver, device;	/* guest physical */
	uint16_t last_avail;
};

struct virtio_mmio {
	uint64_t base;
	const struct virtio_device_ops *ops;
	void *dev;
	/* guest memory the rings and buffers live in */
	uint64_t ram_gpa, ram_size;
	uint8_t *ram;
	/* asserts or lowers the device's interrupt line */
	void (*set_irq)(void *ctx, int level);
	void *irq_ctx;

	uint32_t status, features_sel, driver_features_sel, queue_sel, shm_sel;
	uint32_t interrupt_status;
	uint64_t driver_features;
	struct virtio_queue queues[VIRTIO_MMIO_QUEUES];
};

/* A guest access at @offset from the transport's base. */
void virtio_mmio_access(struct virtio_mmio *vm, uint64_t offset, bool write,
			uint8_t *data, uint32_t len);
/*
 * Give a request's head back with @len bytes written, and interrupt.
 * Writing the answer into req->out is the device's.
 */
void virtio_complete(struct virtio_mmio *vm, const struct virtio_request *req, uint32_t len);

#endif
