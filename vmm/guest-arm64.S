/* SPDX-License-Identifier: MIT */
/*
 * The arm64 guest payload, entered at EL1 with the MMU off:
 *   x0 mailbox (Device memory: each store exits to the VMM)
 *   x1 the dma-buf in guest memory
 *   x2 MAIR_EL1, x3 TCR_EL1, x4 TTBR0_EL1 (page tables the VMM built)
 *   x5 the pattern to leave in the buffer for the host
 * It turns the MMU on, asks the hardware for its own stage-1 attribute of
 * the buffer (AT S1E1R, PAR_EL1.ATTR), reads what the host wrote, writes
 * back, and reports through the mailbox.  Mailbox offsets: see arm64.c.
 */
	.section .rodata
	.balign	4
	.global	guest_arm64_start, guest_arm64_end
guest_arm64_start:
	msr	mair_el1, x2
	msr	tcr_el1, x3
	msr	ttbr0_el1, x4
	isb
	tlbi	vmalle1
	dsb	nsh
	isb
	mrs	x9, sctlr_el1
	mov	x10, #0x1005		/* M (MMU), C (data cache), I (instruction cache) */
	orr	x9, x9, x10
	msr	sctlr_el1, x9
	isb
	at	s1e1r, x1
	isb
	mrs	x9, par_el1
	str	x9, [x0, #8]		/* MAILBOX_PAR */
	ldr	x9, [x1]
	str	x9, [x0, #16]		/* MAILBOX_READ */
	str	x5, [x1, #8]
	dsb	sy
	str	xzr, [x0]		/* MAILBOX_DONE */
1:	wfi
	b	1b
guest_arm64_end:
