/* SPDX-License-Identifier: MIT */
/*
 * The x86_64 guest payload, entered in 64-bit mode with paging on (the VMM
 * sets the segments, CR0, CR3, CR4 and EFER, and builds the page tables):
 *   rdi mailbox (not memory: each store exits to the VMM)
 *   rsi the dma-buf in guest memory
 *   r8  IA32_PAT, Linux's layout
 *   r9  the guest physical address of the page-directory entry that maps
 *       the buffer (the tables are identity-mapped)
 *   r10 the pattern to leave in the buffer for the host
 * It programs its PAT as a Linux guest does, reads back what the MSR holds
 * and what its own page-directory entry says, reads what the host wrote,
 * writes back, and reports through the mailbox.  Mailbox offsets: see
 * x86_64.c.
 */
	.section .rodata
	.balign	16
	.global	guest_x86_64_start, guest_x86_64_end
	.code64
guest_x86_64_start:
	mov	$0x277, %ecx		/* IA32_PAT */
	mov	%r8, %rax
	mov	%r8, %rdx
	shr	$32, %rdx
	wrmsr
	/* no translation made under the old PAT may survive the change */
	mov	%cr3, %rax
	mov	%rax, %cr3
	rdmsr
	shl	$32, %rdx
	or	%rdx, %rax
	mov	%rax, 8(%rdi)		/* MAILBOX_PAT */
	mov	(%r9), %rax
	mov	%rax, 16(%rdi)		/* MAILBOX_PDE */
	mov	(%rsi), %rax
	mov	%rax, 24(%rdi)		/* MAILBOX_READ */
	mov	%r10, 8(%rsi)
	mfence
	xor	%eax, %eax
	mov	%rax, (%rdi)		/* MAILBOX_DONE */
1:	hlt
	jmp	1b
guest_x86_64_end:
	.section .note.GNU-stack,"",@progbits
