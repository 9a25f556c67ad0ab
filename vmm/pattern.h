/* SPDX-License-Identifier: MIT */
#ifndef VMM_PATTERN_H
#define VMM_PATTERN_H

/* The guest writes this at the buffer's second word; the host the first. */
#define GUEST_PATTERN 0x6775657374212121ULL	/* "guest!!!" */
#define HOST_PATTERN  0x686f73742d2d2d2dULL	/* "host----" */

#endif
