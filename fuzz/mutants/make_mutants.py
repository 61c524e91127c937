#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""fuzz/mutants/make_mutants.py - writes fuzz/mutants/<name>.patch.

Each mutant plants one realistic bug in src/ by replacing text that must
occur exactly once in the current file; the patch is a unified diff
(a/ and b/ prefixes, `patch -p1` or `git apply`) preceded by a header that
scripts/fuzz-mutants.sh reads:

  Mutant:  name
  Target:  the harness expected to kill it (recv_until, send_complete, wait, errors, ops, socks5, reader)
  Backend: poll or select (the wait backend the library is built with)
  Bug:     what is wrong, in one line

When src/ changes so that a patch no longer applies, run this script again
(it fails loudly if a replaced text is gone or no longer unique).

  python3 fuzz/mutants/make_mutants.py              (re)write every patch
  python3 fuzz/mutants/make_mutants.py --check      fail if a patch is out of date
  python3 fuzz/mutants/make_mutants.py --emit NAME  print NAME's patch for today's src/
The diffs carry one line of context (diff -U1), so that edits near a
mutation do not stop its patch from applying.
Python standard library only.
"""

import difflib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

MUTANTS = [
    dict(name="recv-past-terminator", target="recv_until", file="src/recv.c",
         bug="consumes one byte past the terminator when the peek saw more",
         old="    size_t take = hit != NULL ? (size_t)(hit - at) + 1 : (size_t)n;\n",
         new="    size_t take = hit != NULL ? (size_t)(hit - at) + 1 : (size_t)n;\n"
             "    if (hit != NULL && take < (size_t)n)\n"
             "        take++;\n"),
    dict(name="recv-bytes-short", target="recv_until", file="src/recv.c",
         bug="err.bytes one short on success (the terminator not counted)",
         old="    return btc__ok(err, ls->got);\n",
         new="    return btc__ok(err, ls->got - 1);\n"),
    dict(name="recv-max-data-off-by-one", target="recv_until", file="src/recv.c",
         bug="peeks one byte more than the room left in buf (max_data + 1)",
         old="chunk < room ? chunk : room, &found, &code);",
         new="chunk < room ? chunk : room + 1, &found, &code);"),
    dict(name="recv-no-nul", target="recv_until", file="src/recv.c",
         bug="forgets to NUL-terminate a complete line",
         old="    ls->buf[line] = '\\0';\n    *len = line;\n",
         new="    *len = line;\n"),
    dict(name="recv-eof-would-block", target="recv_until", file="src/recv.c",
         bug="a peek of 0 bytes (EOF) read as 'no data yet': the classic busy loop",
         old="    if (n == 0)\n        return BTC_ERR_CLOSED;\n",
         new="    if (n == 0)\n        return BTC_ERR_WOULD_BLOCK;\n"),
    dict(name="send-deadline-after-partial", target="send_complete", file="src/transfer.c",
         bug="after a partial send only the interrupt is checked, not the deadline",
         old="            btc_status st = btc__check_stop(sys, btc__deadline_get(dl), intr);\n",
         new="            btc_status st = btc_interrupt_is_set(intr) ? BTC_ERR_INTERRUPTED : BTC_OK;\n"),
    dict(name="send-resend-from-start", target="send_complete", file="src/send.c",
         bug="after a partial send the rest is sent from the start of data again",
         old="    const uint8_t *first = (const uint8_t *)c->iov[c->at].base + c->off;\n",
         new="    const uint8_t *first = (const uint8_t *)c->iov[c->at].base;\n"),
    dict(name="send-eintr-permanent", target="send_complete", file="src/sys_posix.c",
         bug="EINTR classified as a permanent error",
         old="    return !(code == EAGAIN || code == EWOULDBLOCK || code == EINTR || code == EINPROGRESS);\n",
         new="    return !(code == EAGAIN || code == EWOULDBLOCK || code == EINPROGRESS);\n"),
    dict(name="wait-fd-setsize", target="wait", backend="select", file="src/wait.c",
         bug="the wait loop no longer refuses descriptors >= FD_SETSIZE (select backend)",
         old="        if (!btc_is_selectable_socket(items[i].sock->fd))\n            return BTC_ERR_NOT_SELECTABLE;\n",
         new="        (void)items[i];\n"),
    dict(name="wait-skip-interrupt", target="wait", file="src/wait.c",
         bug="the interrupt is not checked before each wait (only the wake descriptor would end it)",
         old="        if (btc_interrupt_is_set(intr))\n            return BTC_ERR_INTERRUPTED;\n"
             "        int n = sys->wait(",
         new="        int n = sys->wait("),
    dict(name="wait-eintr-full-timeout", target="wait", file="src/wait.c",
         bug="after EINTR the wait is retried with the time left at the start, not recomputed",
         old="    for (;;) {\n        if (btc_interrupt_is_set(intr))\n            return BTC_ERR_INTERRUPTED;\n"
             "        int n = sys->wait(sys->ctx, items, count, wake, remaining_ms(sys, dl));\n",
         new="    int first_ms = remaining_ms(sys, dl);\n"
             "    for (;;) {\n        if (btc_interrupt_is_set(intr))\n            return BTC_ERR_INTERRUPTED;\n"
             "        int n = sys->wait(sys->ctx, items, count, wake, first_ms);\n"),
    dict(name="wait-many-stale-occurred", target="wait", file="src/wait.c",
         bug="btc_wait_many leaves the callers' occurred untouched when it refuses its arguments",
         old="    clear_occurred(items, count);\n    btc_status st = wait_many(",
         new="    btc_status st = wait_many("),
    dict(name="connected-consumes", target="wait", file="src/connected.c",
         bug="is_connected probes with a plain recv (MSG_PEEK forgotten) and eats a byte",
         old="&byte, 1, MSG_PEEK | BTC_MSG_DONTWAIT);",
         new="&byte, 1, BTC_MSG_DONTWAIT);"),
    dict(name="reader-consume-past-line", target="reader", file="src/reader.c",
         bug="a consuming read that stops inside the window (a line in EXACT mode, a sync) takes one byte more",
         old="    size_t want = upto - r->cons;\n",
         new="    size_t want = upto - r->cons + (upto < r->end ? 1u : 0u);\n"),
    dict(name="reader-detach-loses-held", target="reader", file="src/reader.c",
         bug="detach hands back nothing, losing the unfinished line the reader held after a timeout",
         old="        *held_len = rd_held(r);\n",
         new="        *held_len = 0;\n"),
    dict(name="reader-exact-skips-sync", target="reader", file="src/reader.c",
         bug="EXACT mode returns a line without consuming it (the socket is not synced)",
         old="    if (st == BTC_OK && (r->flags & BTC_READER_EXACT) != 0 && r->cons < t + 1) {\n",
         new="    if (st == BTC_OK && (r->flags & BTC_READER_EXACT) != 0 && r->cons > t + 1) {\n"),
    dict(name="reader-stale-window-after-timeout", target="reader", file="src/reader.c",
         bug="moving the window forgets to move the scan offset: a call resumed after a timeout searches a stale window",
         old="    r->scan = r->scan > shift ? r->scan - shift : 0;\n",
         new=""),
    dict(name="errors-cap-off-by-one", target="errors", file="src/sys_posix.c",
         bug="btc_network_error_string formats into cap + 1 bytes",
         old='    (void)snprintf(buf, cap, "%s (%d)", text, code);\n',
         new='    (void)snprintf(buf, cap + 1, "%s (%d)", text, code);\n'),
    dict(name="errors-name-null", target="errors", file="src/status.c",
         bug="btc_status_name returns NULL for a value outside the enum",
         old='    return "BTC_ERR_UNKNOWN";\n',
         new="    return NULL;\n"),
    dict(name="errors-message-no-nul", target="errors", file="src/status.c",
         bug="btc__fail appends ': ' with no room left for the NUL",
         old="    if (code != 0 && st != BTC_ERR_PROXY && used + 2 < sizeof err->message) {\n",
         new="    if (code != 0 && st != BTC_ERR_PROXY && used + 2 <= sizeof err->message) {\n"),
    dict(name="socks5-domain-past-reply", target="socks5", file="src/socks5.c",
         bug="reads one byte past a reply whose bound address is a domain name",
         old="        len = n;\n",
         new="        len = (size_t)n + 1;\n"),
    dict(name="socks5-reserved-accepted", target="socks5", file="src/socks5.c",
         bug="accepts a CONNECT reply whose reserved byte is not zero",
         old="    if (head[2] != 0)\n",
         new="    if (head[2] != 0 && false)\n"),
    dict(name="exact-drops-partial-on-eof", target="ops", file="src/transfer.c",
         bug="recv_exact reports no bytes when the peer closes after some arrived",
         old='        return btc__fail(err, st, 0, done, "connection closed by peer (',
         new='        return btc__fail(err, st, 0, 0, "connection closed by peer ('),
    dict(name="sendv-boundary-offset", target="ops", file="src/send.c",
         bug="a gather send keeps the old offset when it crosses into the next piece",
         old="        c->off = 0;\n",
         new=""),
    dict(name="connect-ignores-so-error", target="ops", file="src/connect.c",
         bug="connect_timeout says connected whatever SO_ERROR says",
         old="    return so_error == 0 ? BTC_OK : BTC_ERR_IO;\n",
         new="    return BTC_OK;\n"),
    dict(name="v1-table-read-past-end", target="ops", file="src/send.c",
         bug="the gather send uses the sendv slot of a version-1 table, which ends before it",
         old="    if (c->at + 1 == c->iovcnt || !BTC__SYS_HAS(sys, sendv))\n",
         new="    if (c->at + 1 == c->iovcnt)\n"),
]


def patch_text(m):
    path = os.path.join(ROOT, m["file"])
    with open(path, encoding="utf-8") as fh:
        before = fh.read()
    count = before.count(m["old"])
    if count != 1:
        raise SystemExit("make_mutants.py: %s: the text to replace occurs %d times in %s (want once)"
                         % (m["name"], count, m["file"]))
    after = before.replace(m["old"], m["new"])
    diff = difflib.unified_diff(before.splitlines(True), after.splitlines(True),
                                "a/" + m["file"], "b/" + m["file"], n=1)
    header = ("Mutant:  %s\nTarget:  %s\nBackend: %s\nBug:     %s\n"
              "Generated by fuzz/mutants/make_mutants.py from the src/ of its day.\n\n"
              % (m["name"], m["target"], m.get("backend", "poll"), m["bug"]))
    return header + "".join(diff)


def main(argv):
    if argv[:1] == ["--emit"] and len(argv) == 2:
        for m in MUTANTS:
            if m["name"] == argv[1]:
                sys.stdout.write(patch_text(m))
                return 0
        raise SystemExit("make_mutants.py: no mutant %s" % argv[1])
    check = "--check" in argv
    names = set()
    stale = []
    for m in MUTANTS:
        if m["name"] in names:
            raise SystemExit("make_mutants.py: duplicate mutant %s" % m["name"])
        names.add(m["name"])
        text = patch_text(m)
        out = os.path.join(HERE, m["name"] + ".patch")
        old = open(out, encoding="utf-8").read() if os.path.exists(out) else None
        if old != text:
            stale.append(out)
            if not check:
                with open(out, "w", encoding="utf-8") as fh:
                    fh.write(text)
    extra = [f for f in os.listdir(HERE) if f.endswith(".patch") and f[:-6] not in names]
    if check:
        for p in stale:
            print("make_mutants.py: %s is out of date" % os.path.relpath(p, ROOT), file=sys.stderr)
        for f in extra:
            print("make_mutants.py: fuzz/mutants/%s is not generated here" % f, file=sys.stderr)
        return 1 if stale or extra else 0
    for f in extra:
        os.remove(os.path.join(HERE, f))
    print("make_mutants.py: %d mutants, %d patches rewritten" % (len(MUTANTS), len(stale)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
