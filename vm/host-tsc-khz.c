// SPDX-License-Identifier: MIT
/*
 * host-tsc-khz: print the rate of this x86 machine's time-stamp counter in
 * kHz.  Under TCG a guest's RDTSC reads the host's counter, so vm/run tells
 * an x86 guest kernel this rate (tsc_early_khz=) rather than let it
 * calibrate against the PIT: that calibration fails when the host is busy,
 * the guest then marks its TSC unstable with tsc_khz 0, and KVM inside it
 * can never enter a guest of its own (kvm_guest_time_update() asks for
 * another clock update as long as tsc_khz is 0).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	const struct timespec pause = { .tv_nsec = 200 * 1000 * 1000 };
	double t0 = seconds(), t1;
	unsigned long long c0 = __rdtsc(), c1;

	nanosleep(&pause, NULL);
	c1 = __rdtsc();
	t1 = seconds();
	printf("%.0f\n", (double)(c1 - c0) / (t1 - t0) / 1000);
	return 0;
}
