/*
 * clock.h: a monotonic millisecond clock for deadlines.
 */
#ifndef MPEEK_CLOCK_H
#define MPEEK_CLOCK_H

#include <stdint.h>

/* Milliseconds from an arbitrary fixed point; never goes backwards. */
int64_t clock_ms(void);

/* Milliseconds left until deadline (never negative). */
int clock_left(int64_t deadline);

#endif
