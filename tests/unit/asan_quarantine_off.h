/*
 * asan_quarantine_off.h — for a test program that measures peak memory:
 * AddressSanitizer's quarantine holds freed blocks back (256 MiB by default)
 * and would count them as resident, so the peaks measured would not be the
 * engine's (the stepwise allocations of a long horizon read as a peak 9.6
 * times the estimate at T = 20000).  Include it in that program only (it defines ASan's hook).
 */
#ifndef VX_TEST_ASAN_QUARANTINE_OFF_H
#define VX_TEST_ASAN_QUARANTINE_OFF_H

#if defined(__SANITIZE_ADDRESS__)
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "quarantine_size_mb=0";
}
#endif

#endif
