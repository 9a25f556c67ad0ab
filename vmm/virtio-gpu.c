// SPDX-License-Identifier: MIT
/*
 * virtio-gpu, the part a guest needs for host-visible blobs: context
 * creation, RESOURCE_CREATE_BLOB of a host dma-buf by blob_id, and
 * RESOURCE_MAP_BLOB, which backs a KVM memory slot in the host-visible
 * region with the dma-buf's mmap and tells the guest its map_info.  The
 * guest driver maps the region with that memory type, and with the series
 * its own dma-buf exports of the blob answer DMA_BUF_IOCTL_INFO with it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/virtio_config.h>
#include <linux/virtio_gpu.h>

#include "virtio-gpu.h"

uint64_t vmm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint32_t gpu_config_read(void *dev, uint32_t offset)
{
	(void)dev;
	/* no scanouts (the guest runs without KMS), no capability sets */
	(void)offset;
	return 0;
}

static struct gpu_resource *find_resource(struct virtio_gpu *gpu, uint32_t id)
{
	for (int i = 0; id && i < GPU_MAX_RESOURCES; i++)
		if (gpu->resources[i].id == id)
			return &gpu->resources[i];
	return NULL;
}

/* Write a response: the request's header echoed (fence, context) with @type. */
static uint32_t respond(const struct virtio_request *req, void *resp, size_t size, uint32_t type)
{
	struct virtio_gpu_ctrl_hdr *hdr = resp;
	const struct virtio_gpu_ctrl_hdr *cmd = (const void *)req->in;

	if (!req->nr_out || req->out_size[0] < size)
		return 0;
	hdr->type = type;
	hdr->flags = cmd->flags & VIRTIO_GPU_FLAG_FENCE;
	hdr->fence_id = cmd->fence_id;
	hdr->ctx_id = cmd->ctx_id;
	hdr->ring_idx = 0;
	memcpy(req->out[0], resp, size);
	return (uint32_t)size;
}

static uint32_t create_blob(struct virtio_gpu *gpu, const struct virtio_request *req)
{
	const struct virtio_gpu_resource_create_blob *cmd = (const void *)req->in;
	struct gpu_resource *res = NULL;
	struct gpu_blob *blob;

	if (req->in_len < sizeof(*cmd) || cmd->blob_mem != VIRTIO_GPU_BLOB_MEM_HOST3D ||
	    !cmd->resource_id || find_resource(gpu, cmd->resource_id))
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	if (cmd->blob_id < 1 || cmd->blob_id > (uint64_t)gpu->nr_blobs)
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	blob = &gpu->blobs[cmd->blob_id - 1];
	/* a buffer the guest cannot map safely is not offered at all */
	if (blob->refused || cmd->size != blob->size)
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	for (int i = 0; i < GPU_MAX_RESOURCES && !res; i++)
		if (!gpu->resources[i].id)
			res = &gpu->resources[i];
	if (!res)
		return VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY;
	res->id = cmd->resource_id;
	res->blob = blob;
	res->slot = -1;
	return VIRTIO_GPU_RESP_OK_NODATA;
}

static int unmap(struct virtio_gpu *gpu, struct gpu_resource *res)
{
	int ret;

	if (res->slot < 0)
		return 0;
	ret = vm_set_memory(gpu->vm, res->slot, 0, 0, NULL);
	res->slot = -1;
	return ret;
}

/* RESOURCE_MAP_BLOB: map, then answer the map_info (or don't, if hostile). */
static uint32_t map_blob(struct virtio_gpu *gpu, const struct virtio_request *req,
			 uint32_t *map_info)
{
	const struct virtio_gpu_resource_map_blob *cmd = (const void *)req->in;
	uint64_t shm_size = gpu->ops.shm_len[VIRTIO_GPU_SHM_ID_HOST_VISIBLE];
	struct gpu_resource *res;
	int index;

	if (req->in_len < sizeof(*cmd))
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	res = find_resource(gpu, cmd->resource_id);
	if (!res)
		return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
	if (res->slot >= 0 || cmd->offset % 4096 || res->blob->size > shm_size ||
	    cmd->offset > shm_size - res->blob->size)
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	index = (int)(res - gpu->resources);
	if (vm_set_memory(gpu->vm, gpu->first_slot + index,
			  gpu->ops.shm_base[VIRTIO_GPU_SHM_ID_HOST_VISIBLE] + cmd->offset,
			  res->blob->size, res->blob->map))
		return VIRTIO_GPU_RESP_ERR_UNSPEC;
	res->slot = gpu->first_slot + index;
	*map_info = gpu->mode == GPU_HOST_INVALID ? GPU_INVALID_MAP_INFO : res->blob->map_info;
	return VIRTIO_GPU_RESP_OK_MAP_INFO;
}

static void answer_map(struct virtio_gpu *gpu, struct virtio_mmio *vm,
		       const struct virtio_request *req)
{
	struct virtio_gpu_resp_map_info resp = { 0 };
	uint32_t type = map_blob(gpu, req, &resp.map_info);

	virtio_complete(vm, req, respond(req, &resp, sizeof(resp), type));
}

/* Keep a mapping request to answer at @due_ms, or never (UINT64_MAX). */
static void hold(struct virtio_gpu *gpu, struct virtio_mmio *vm,
		 const struct virtio_request *req, uint64_t due_ms)
{
	for (int i = 0; i < GPU_MAX_RESOURCES; i++) {
		struct gpu_pending *p = &gpu->pending[i];

		if (p->req)
			continue;
		p->req = malloc(sizeof(*p->req));
		if (!p->req)
			break;
		memcpy(p->req, req, sizeof(*req));
		p->due_ms = due_ms;
		return;
	}
	/* nowhere to keep it: answer now rather than lose the descriptor */
	answer_map(gpu, vm, req);
}

void virtio_gpu_tick(struct virtio_gpu *gpu, struct virtio_mmio *vm, uint64_t now_ms)
{
	for (int i = 0; i < GPU_MAX_RESOURCES; i++) {
		struct gpu_pending *p = &gpu->pending[i];

		if (!p->req || p->due_ms > now_ms)
			continue;
		answer_map(gpu, vm, p->req);
		free(p->req);
		p->req = NULL;
	}
}

static void gpu_request(void *dev, struct virtio_mmio *vm, struct virtio_request *req)
{
	const struct virtio_gpu_ctrl_hdr *cmd = (const void *)req->in;
	struct virtio_gpu *gpu = dev;
	struct virtio_gpu_ctrl_hdr resp = { 0 };
	struct gpu_resource *res;
	uint32_t type;

	if (req->in_len < sizeof(*cmd)) {
		virtio_complete(vm, req, respond(req, &resp, sizeof(resp),
						 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER));
		return;
	}
	switch (cmd->type) {
	case VIRTIO_GPU_CMD_RESOURCE_MAP_BLOB:
		if (gpu->mode == GPU_HOST_SILENT)
			hold(gpu, vm, req, UINT64_MAX);
		else if (gpu->mode == GPU_HOST_LATE)
			hold(gpu, vm, req, vmm_now_ms() + GPU_LATE_MS);
		else
			answer_map(gpu, vm, req);
		return;
	case VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB:
		type = create_blob(gpu, req);
		break;
	case VIRTIO_GPU_CMD_RESOURCE_UNMAP_BLOB:
	case VIRTIO_GPU_CMD_RESOURCE_UNREF: {
		/* both start with the header and the resource id */
		const struct virtio_gpu_resource_unref *r = (const void *)req->in;

		res = req->in_len >= sizeof(*r) ? find_resource(gpu, r->resource_id) : NULL;
		type = res ? VIRTIO_GPU_RESP_OK_NODATA : VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
		if (res && unmap(gpu, res))
			type = VIRTIO_GPU_RESP_ERR_UNSPEC;
		if (res && cmd->type == VIRTIO_GPU_CMD_RESOURCE_UNREF)
			res->id = 0;
		break;
	}
	case VIRTIO_GPU_CMD_CTX_CREATE:
	case VIRTIO_GPU_CMD_CTX_DESTROY:
	case VIRTIO_GPU_CMD_CTX_ATTACH_RESOURCE:
	case VIRTIO_GPU_CMD_CTX_DETACH_RESOURCE:
		/* contexts carry nothing here: blobs are the host's */
		type = VIRTIO_GPU_RESP_OK_NODATA;
		break;
	default:
		type = VIRTIO_GPU_RESP_ERR_UNSPEC;
		break;
	}
	virtio_complete(vm, req, respond(req, &resp, sizeof(resp), type));
}

void virtio_gpu_exit(struct virtio_gpu *gpu)
{
	for (int i = 0; i < GPU_MAX_RESOURCES; i++) {
		free(gpu->pending[i].req);
		gpu->pending[i].req = NULL;
	}
}

void virtio_gpu_init(struct virtio_gpu *gpu, struct vm *vm, uint64_t shm_base,
		     uint64_t shm_size, int first_slot)
{
	gpu->vm = vm;
	gpu->first_slot = first_slot;
	gpu->ops = (struct virtio_device_ops){
		.device_id = 16,	/* VIRTIO_ID_GPU */
		/* VIRGL: the guest driver takes HOST3D blobs only from a 3D device */
		.features = 1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_GPU_F_VIRGL |
			    1ULL << VIRTIO_GPU_F_RESOURCE_BLOB,
		.config_read = gpu_config_read,
		.request = gpu_request,
		.shm_base[VIRTIO_GPU_SHM_ID_HOST_VISIBLE] = shm_base,
		.shm_len[VIRTIO_GPU_SHM_ID_HOST_VISIBLE] = shm_size,
	};
}
