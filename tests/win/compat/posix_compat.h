/* SPDX-License-Identifier: MIT */
/*
 * tests/win/compat/posix_compat.h - the POSIX calls examples/demo.c makes
 * beyond what mingw-w64 (with winpthreads) has, force-included (-include)
 * when mk/windows.mk builds the examples for Windows. Only alarm() is
 * missing: here it ends the process after `seconds`, as SIGALRM's default
 * action would (demo uses it as a safety net against a hang).
 */
#ifndef BTCSOCK_WIN_COMPAT_POSIX_COMPAT_H
#define BTCSOCK_WIN_COMPAT_POSIX_COMPAT_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <stdio.h>
#include <winsock2.h> /* before windows.h, as btcsock.h will include it */
#include <windows.h>

static VOID CALLBACK btc_compat_alarm_fired(PVOID param, BOOLEAN fired)
{
    (void)param;
    (void)fired;
    fputs("alarm: time is up, ending the process (as SIGALRM would)\n", stderr);
    ExitProcess(128 + 14);
}

/* One pending alarm, as POSIX; 0 cancels nothing here (demo never does that). */
static inline unsigned alarm(unsigned seconds)
{
    HANDLE timer;
    if (seconds > 0)
        (void)CreateTimerQueueTimer(&timer, NULL, btc_compat_alarm_fired, NULL, (DWORD)seconds * 1000u, 0,
                                    WT_EXECUTEONLYONCE);
    return 0;
}

#endif /* BTCSOCK_WIN_COMPAT_POSIX_COMPAT_H */
