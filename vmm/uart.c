// SPDX-License-Identifier: MIT
/*
 * A 16550 UART that only transmits: the transmitter is always empty, so
 * each character the guest writes goes straight to the VMM.  The device
 * tree gives no interrupt and the guest's 8250 driver polls, reading IIR to
 * learn whether to send: it says "transmitter empty" while the driver has
 * that interrupt enabled.  Received data never comes.
 */
#include <string.h>

#include "boot.h"

#define THR	0	/* transmit holding register, and DLL with DLAB */
#define IER	1	/* interrupt enable, and DLM with DLAB */
#define IIR	2	/* interrupt identification */
#define LCR	3
#define LSR	5	/* line status */
#define LCR_DLAB	0x80
#define IER_THRI	0x02
#define IIR_NONE	0x01
#define IIR_THRI	0x02
#define LSR_THRE	0x20
#define LSR_TEMT	0x40

#define SCR	7	/* scratch, which the driver may probe */

void uart_access(struct uart *uart, uint64_t offset, int write, uint8_t *data, uint32_t len)
{
	if (len != 1)
		return;
	if (write) {
		if (offset == THR && !(uart->lcr & LCR_DLAB))
			uart->out(uart->ctx, (char)data[0]);
		else if (offset == IER && !(uart->lcr & LCR_DLAB))
			uart->ier = data[0];
		else if (offset == LCR)
			uart->lcr = data[0];
		else if (offset == SCR)
			uart->scratch = data[0];
		return;
	}
	switch (offset) {
	case IER:
		data[0] = uart->lcr & LCR_DLAB ? 0 : uart->ier;
		break;
	case IIR:
		data[0] = uart->ier & IER_THRI ? IIR_THRI : IIR_NONE;
		break;
	case LCR:
		data[0] = uart->lcr;
		break;
	case LSR:
		data[0] = LSR_THRE | LSR_TEMT;
		break;
	case SCR:
		data[0] = uart->scratch;
		break;
	default:
		data[0] = 0;
		break;
	}
}
