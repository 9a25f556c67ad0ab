/* SPDX-License-Identifier: MIT */
/* Just enough TAP for the library's tests: one "ok"/"not ok" per check. */
#ifndef TAP_H
#define TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define CHECK(cond, ...) do {						\
	tap_n++;							\
	if (cond) {							\
		printf("ok %d ", tap_n);				\
	} else {							\
		tap_failed++;						\
		printf("not ok %d ", tap_n);				\
	}								\
	printf(__VA_ARGS__);						\
	if (!(cond))							\
		printf(" # %s:%d: %s", __FILE__, __LINE__, #cond);	\
	putchar('\n');							\
} while (0)

#define CHECK_EQ(a, b, ...) do {					\
	long long _a = (long long)(a), _b = (long long)(b);		\
	CHECK(_a == _b, __VA_ARGS__);					\
	if (_a != _b)							\
		printf("#   got %lld, want %lld\n", _a, _b);		\
} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
