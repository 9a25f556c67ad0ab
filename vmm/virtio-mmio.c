// SPDX-License-Identifier: MIT
/*
 * virtio-mmio, version 2 (virtio 1.x, "4.2 Virtio Over MMIO"): the
 * registers a Linux driver reads and writes, and split virtqueues walked
 * in guest memory when the driver notifies.  Requests are handled on the
 * vCPU's thread, so the guest is stopped while the rings change hands.
 */
#include <stdio.h>
#include <string.h>

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#include "virtio-mmio.h"

#define MAGIC		0x74726976	/* "virt" */
#define VENDOR		0x554d4551	/* "QEMU", as other VMMs say */

/* A guest physical range inside guest RAM, or NULL. */
static void *gpa_to_host(struct virtio_mmio *vm, uint64_t gpa, uint64_t len)
{
	if (gpa < vm->ram_gpa || len > vm->ram_size || gpa - vm->ram_gpa > vm->ram_size - len)
		return NULL;
	return vm->ram + (gpa - vm->ram_gpa);
}

static void update_irq(struct virtio_mmio *vm)
{
	vm->set_irq(vm->irq_ctx, vm->interrupt_status != 0);
}

static void reset(struct virtio_mmio *vm)
{
	vm->status = 0;
	vm->features_sel = vm->driver_features_sel = vm->queue_sel = vm->shm_sel = 0;
	vm->driver_features = 0;
	vm->interrupt_status = 0;
	memset(vm->queues, 0, sizeof(vm->queues));
	update_irq(vm);
}

void virtio_complete(struct virtio_mmio *vm, const struct virtio_request *req, uint32_t len)
{
	struct virtio_queue *q = &vm->queues[req->queue];
	struct vring_used *used;
	uint16_t idx;

	if (!q->ready)
		return;		/* reset since: the answer has nowhere to go */
	used = gpa_to_host(vm, q->device, sizeof(*used) + q->num * sizeof(used->ring[0]));
	if (!used)
		return;
	idx = used->idx;
	used->ring[idx % q->num].id = req->head;
	used->ring[idx % q->num].len = len;
	__atomic_store_n(&used->idx, (uint16_t)(idx + 1), __ATOMIC_RELEASE);
	vm->interrupt_status |= VIRTIO_MMIO_INT_VRING;
	update_irq(vm);
}

/* Gather one descriptor chain into @req; 0, or -1 if the chain is bad. */
static int gather(struct virtio_mmio *vm, struct virtio_queue *q, uint16_t head,
		  struct virtio_request *req)
{
	struct vring_desc *desc = gpa_to_host(vm, q->desc, q->num * sizeof(*desc));
	uint16_t i = head;

	if (!desc)
		return -1;
	req->in_len = 0;
	req->nr_out = 0;
	req->head = head;
	for (unsigned int n = 0; n < q->num; n++) {
		struct vring_desc *d = &desc[i];
		void *p;

		if (i >= q->num)
			return -1;
		p = gpa_to_host(vm, d->addr, d->len);
		if (!p) {
			fprintf(stderr, "dmabuf-vmm: virtio descriptor %u: %#llx+%u is not in guest RAM\n",
				i, (unsigned long long)d->addr, d->len);
			return -1;
		}
		if (d->flags & VRING_DESC_F_WRITE) {
			if (req->nr_out == 4)
				return -1;
			req->out[req->nr_out] = p;
			req->out_size[req->nr_out++] = d->len;
		} else {
			if (req->nr_out || d->len > sizeof(req->in) - req->in_len)
				return -1;	/* readable after writable, or too big */
			memcpy(req->in + req->in_len, p, d->len);
			req->in_len += d->len;
		}
		if (!(d->flags & VRING_DESC_F_NEXT))
			return 0;
		i = d->next;
	}
	return -1;				/* a loop */
}

static void notify(struct virtio_mmio *vm, uint32_t index)
{
	struct virtio_request req;
	struct virtio_queue *q;
	struct vring_avail *avail;

	if (index >= VIRTIO_MMIO_QUEUES || !vm->queues[index].ready)
		return;
	q = &vm->queues[index];
	avail = gpa_to_host(vm, q->driver, sizeof(*avail) + q->num * sizeof(avail->ring[0]));
	if (!avail)
		return;
	while (q->last_avail != __atomic_load_n(&avail->idx, __ATOMIC_ACQUIRE)) {
		uint16_t head = avail->ring[q->last_avail % q->num];

		q->last_avail++;
		req.queue = (int)index;
		if (head >= q->num || gather(vm, q, head, &req)) {
			fprintf(stderr, "dmabuf-vmm: virtio queue %u: bad descriptor chain at %u\n",
				index, head);
			req.head = head;
			virtio_complete(vm, &req, 0);
			continue;
		}
		vm->ops->request(vm->dev, vm, &req);
	}
}

static uint32_t read_reg(struct virtio_mmio *vm, uint64_t offset)
{
	struct virtio_queue *q = &vm->queues[vm->queue_sel % VIRTIO_MMIO_QUEUES];
	bool shm = vm->shm_sel < 2 && vm->ops->shm_len[vm->shm_sel];

	switch (offset) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return MAGIC;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return vm->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return vm->features_sel > 1 ? 0 :
			(uint32_t)(vm->ops->features >> (32 * vm->features_sel));
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return vm->queue_sel < VIRTIO_MMIO_QUEUES ? VIRTIO_MMIO_QUEUE_SIZE : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return q->ready;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return vm->interrupt_status;
	case VIRTIO_MMIO_STATUS:
		return vm->status;
	case VIRTIO_MMIO_SHM_LEN_LOW:
		return shm ? (uint32_t)vm->ops->shm_len[vm->shm_sel] : ~0U;
	case VIRTIO_MMIO_SHM_LEN_HIGH:
		return shm ? (uint32_t)(vm->ops->shm_len[vm->shm_sel] >> 32) : ~0U;
	case VIRTIO_MMIO_SHM_BASE_LOW:
		return shm ? (uint32_t)vm->ops->shm_base[vm->shm_sel] : ~0U;
	case VIRTIO_MMIO_SHM_BASE_HIGH:
		return shm ? (uint32_t)(vm->ops->shm_base[vm->shm_sel] >> 32) : ~0U;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return 0;
	}
	return 0;
}

static void set_half(uint64_t *v, bool high, uint32_t value)
{
	*v = high ? (*v & 0xffffffffULL) | (uint64_t)value << 32 :
		    (*v & ~0xffffffffULL) | value;
}

static void write_reg(struct virtio_mmio *vm, uint64_t offset, uint32_t value)
{
	struct virtio_queue *q = &vm->queues[vm->queue_sel % VIRTIO_MMIO_QUEUES];

	switch (offset) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		vm->features_sel = value;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (vm->driver_features_sel < 2)
			set_half(&vm->driver_features, vm->driver_features_sel, value);
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		vm->driver_features_sel = value;
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		vm->queue_sel = value;
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
		if (value && value <= VIRTIO_MMIO_QUEUE_SIZE && !(value & (value - 1)))
			q->num = value;
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		q->ready = value == 1 && q->num;
		if (!q->ready)
			q->last_avail = 0;
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		notify(vm, value);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		vm->interrupt_status &= ~value;
		update_irq(vm);
		break;
	case VIRTIO_MMIO_STATUS:
		if (!value)
			reset(vm);
		else
			vm->status = value;
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_half(&q->desc, offset == VIRTIO_MMIO_QUEUE_DESC_HIGH, value);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		set_half(&q->driver, offset == VIRTIO_MMIO_QUEUE_AVAIL_HIGH, value);
		break;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		set_half(&q->device, offset == VIRTIO_MMIO_QUEUE_USED_HIGH, value);
		break;
	case VIRTIO_MMIO_SHM_SEL:
		vm->shm_sel = value;
		break;
	}
}

void virtio_mmio_access(struct virtio_mmio *vm, uint64_t offset, bool write,
			uint8_t *data, uint32_t len)
{
	uint32_t value = 0;

	if (offset >= VIRTIO_MMIO_CONFIG) {
		/* configuration space: any width, little-endian */
		uint32_t word = offset - VIRTIO_MMIO_CONFIG;

		if (write)
			return;		/* nothing in it the driver may write */
		value = vm->ops->config_read(vm->dev, word & ~3U) >> (8 * (word & 3));
		memcpy(data, &value, len > 4 ? 4 : len);
		return;
	}
	if (len != 4 || offset & 3) {
		fprintf(stderr, "dmabuf-vmm: virtio-mmio: %u-byte access at %#llx\n", len,
			(unsigned long long)offset);
		if (!write)
			memset(data, 0, len);
		return;
	}
	if (write) {
		memcpy(&value, data, 4);
		write_reg(vm, offset, value);
	} else {
		value = read_reg(vm, offset);
		memcpy(data, &value, 4);
	}
}
