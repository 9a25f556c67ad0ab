// SPDX-License-Identifier: MIT
/* What the host's page tables hold for a mapping, from the dma-buf core. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "census.h"

#define MAPPINGS "/sys/kernel/debug/dma_buf/mappings"

/*
 * What the host's page tables hold for this process's mapping at @start:
 * every entry of one memory type, counted by the dma-buf core's census
 * (debugfs dma_buf/mappings; columns: start end inode exporter declared
 * cpu_access, then the entries of each memory type, then huge ones).
 */
int host_memtype(void *start, size_t pages)
{
	unsigned long s, e, ino, n[4], huge;
	unsigned int declared, access;
	char line[512], exporter[128];
	int memtype = -1, found = 0;
	FILE *f = fopen(MAPPINGS, "re");

	if (!f) {
		fprintf(stderr, "dmabuf-vmm: %s: %s (CONFIG_DEBUG_FS, root)\n", MAPPINGS,
			strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx %lx %lu %127s %u %u %lu %lu %lu %lu %lu", &s, &e, &ino,
			   exporter, &declared, &access, &n[0], &n[1], &n[2], &n[3], &huge) != 11 ||
		    s != (unsigned long)start)
			continue;
		found = 1;
		for (int t = 0; t < 4; t++)
			if (n[t] == pages && !huge)
				memtype = t;
		if (memtype < 0)
			fprintf(stderr, "dmabuf-vmm: host page tables mix types: %lu unknown, %lu wc, %lu cached, %lu uncached, %lu huge\n",
				n[0], n[1], n[2], n[3], huge);
		break;
	}
	fclose(f);
	if (!found)
		fprintf(stderr, "dmabuf-vmm: %s has no line for the mapping at %p\n", MAPPINGS, start);
	return memtype;
}
