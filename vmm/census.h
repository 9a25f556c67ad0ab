/* SPDX-License-Identifier: MIT */
#ifndef VMM_CENSUS_H
#define VMM_CENSUS_H

#include <stddef.h>

/*
 * The DMABUFMAP_MEMTYPE_* every one of the @pages page table entries of
 * this process's dma-buf mapping at @start has, or -1 (with a message) if
 * they differ or the census has no line for it.
 */
int host_memtype(void *start, size_t pages);

#endif
