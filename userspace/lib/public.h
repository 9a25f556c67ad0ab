/* SPDX-License-Identifier: MIT */
/*
 * The library is built with -fvisibility=hidden: a function is part of the
 * ABI only when its definition says so with DMABUFMAP_PUBLIC, it is declared
 * in dmabufmap.h and it is listed in libdmabufmap.map.  tests/check-symbols
 * holds the three to each other.
 */
#ifndef DMABUFMAP_PUBLIC_H
#define DMABUFMAP_PUBLIC_H

#define DMABUFMAP_PUBLIC __attribute__((visibility("default")))

#endif
