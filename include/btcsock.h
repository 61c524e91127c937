/* SPDX-License-Identifier: MIT */
/** @file
 * btcsock.h - the umbrella header: every public declaration of btcsock.
 *
 * btcsock is a small C11 library of hardened socket primitives with the
 * semantics of Bitcoin Core's Sock class: send-all with timeout and
 * interrupt, receive-until-terminator with zero over-read, readiness waits,
 * a non-consuming connectivity probe, and OS-neutral error strings. No
 * function aborts or raises SIGPIPE; every one returns a btc_status.
 *
 * The scripted fake socket is a library of its own (libbtcsock-fake, its
 * header <btcsock/fake.h>), so that test code never becomes part of the
 * production library's ABI.
 */
#ifndef BTCSOCK_H
#define BTCSOCK_H

#include "btcsock/status.h"
#include "btcsock/sys.h"
#include "btcsock/interrupt.h"
#include "btcsock/sock.h"
#include "btcsock/socks5.h"
#include "btcsock/reader.h"

#endif /* BTCSOCK_H */
