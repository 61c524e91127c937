#!/usr/bin/env python3
"""fuzz/make_corpus.py - seed corpora and dictionaries for the fuzz harnesses.

Writes fuzz/corpus/<target>/<scenario> for every scenario below, encoded in
exactly the byte layout fuzz/fuzz_script.h decodes (the common script part)
followed by each harness's own parameters and payload, and writes
fuzz/<target>.dict for the targets that have one. The tables the encoding
depends on (fz_errnos, fz_end_errors, fz_timeouts) are read from
fuzz_script.h itself, so the two cannot drift apart silently.

  python3 fuzz/make_corpus.py           (re)write the seeds and dictionaries
  python3 fuzz/make_corpus.py --check   fail if the committed files differ
  python3 fuzz/make_corpus.py --list    print every scenario, one per line

A scenario is a dict:
  name      file name (unique per target)
  steps     [(op, kind, value)]: op one of any send peek read wait clock other;
            kind one of pass limit fail eof advance interrupt; value: bytes for
            limit (0..63), an errno name for fail ("EINTR", or 0), ms for
            advance (0..127, or a multiple of 250 up to 32000)
  chunks    (max_peek, max_read, max_send): 0..255, 0..127, 0..255 (0 = none)
  arrivals  [(offset, at_ms)]: input from offset on arrives at 1000 + at_ms
            (offsets increasing, times non-decreasing multiples of 10 ms)
  end       "EOF" or a permanent errno name; end_late: the end comes 500 ms in
  window    bytes the peer accepts (a multiple of 64, 0 = unlimited)
  params    the harness's own parameters (see each encoder)
  payload   bytes: the peer's stream, or the data to send
Python standard library only.
"""

import errno
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT_H = os.path.join(HERE, "fuzz_script.h")

OPS = {"any": 0, "send": 1, "peek": 2, "read": 3, "wait": 4, "clock": 5, "other": 6}
KINDS = {"pass": 0, "limit": 1, "fail": 2, "eof": 3, "advance": 4, "interrupt": 5}


def c_array(text, name):
    m = re.search(r"\b" + name + r"\[\]\s*=\s*\{([^}]*)\}", text)
    if not m:
        sys.exit("make_corpus.py: cannot find %s in fuzz_script.h" % name)
    return [x.strip() for x in m.group(1).replace("\n", " ").split(",") if x.strip()]


def errno_value(token):
    if token == "0":
        return 0
    if not hasattr(errno, token):
        sys.exit("make_corpus.py: unknown errno %s in fuzz_script.h" % token)
    return getattr(errno, token)


with open(SCRIPT_H, encoding="utf-8") as fh:
    _HEADER = fh.read()
FZ_ERRNOS = [errno_value(t) for t in c_array(_HEADER, "fz_errnos")]
FZ_END = [errno_value(t) for t in c_array(_HEADER, "fz_end_errors")]
FZ_TIMEOUTS = [
    (1 << 63) - 1 if t == "BTC_TIMEOUT_INFINITE" else int(t) for t in c_array(_HEADER, "fz_timeouts")
]
INFINITE = (1 << 63) - 1


def errno_of(name):
    return 0 if name in (0, "0", None) else getattr(errno, name)


def timeout_index(ms):
    if ms == "infinite":
        ms = INFINITE
    if ms not in FZ_TIMEOUTS:
        raise ValueError("timeout %r is not one of %r" % (ms, FZ_TIMEOUTS))
    return FZ_TIMEOUTS.index(ms)


def step_bytes(op, kind, value):
    b0 = OPS[op] | (KINDS[kind] << 3)
    if kind == "limit":
        if not 0 <= value < 64:
            raise ValueError("limit %r out of 0..63" % value)
        b1 = value
    elif kind == "fail":
        b1 = FZ_ERRNOS.index(errno_of(value))
    elif kind == "advance":
        if 0 <= value < 128:
            b1 = value
        elif value % 250 == 0 and 250 <= value <= 128 * 250:
            b1 = value // 250 + 127
        else:
            raise ValueError("advance %r: 0..127 or a multiple of 250" % value)
    else:
        b1 = 0
    return bytes([b0, b1])


def script_bytes(sc):
    """The common part, as fz_decode_script reads it."""
    steps = sc.get("steps", [])
    if len(steps) >= 48:
        raise ValueError("%s: at most 47 steps" % sc["name"])
    out = bytearray([len(steps)])
    for op, kind, value in steps:
        out += step_bytes(op, kind, value)
    peek, read, send = sc.get("chunks", (0, 0, 0))
    if not (0 <= peek < 256 and 0 <= read < 128 and 0 <= send < 256):
        raise ValueError("%s: chunks out of range" % sc["name"])
    out += bytes([peek, (0x80 | read) if read else 0, send])
    arrivals = sc.get("arrivals", [])
    if len(arrivals) >= 8:
        raise ValueError("%s: at most 7 arrivals" % sc["name"])
    out.append(len(arrivals))
    prev_off, prev_at = -1, 0
    for offset, at in arrivals:
        step, delay = offset - prev_off - 1, (at - prev_at) // 10
        if not (0 <= step < 256 and 0 <= delay < 256 and (at - prev_at) % 10 == 0):
            raise ValueError("%s: arrival (%d, %d) cannot be encoded" % (sc["name"], offset, at))
        out += bytes([step, delay])
        prev_off, prev_at = offset, at
    end = sc.get("end", "EOF")
    index = FZ_END.index(0 if end == "EOF" else errno_of(end))
    out.append(index | (0x80 if sc.get("end_late") else 0))
    window = sc.get("window", 0)
    if window % 64 or not 0 <= window // 64 < 256:
        raise ValueError("%s: window %d" % (sc["name"], window))
    out.append(window // 64)
    return bytes(out)


def bits(*pairs):
    v = 0
    for cond, bit in pairs:
        if cond:
            v |= bit
    return v


# ---- per-target parameters ------------------------------------------------------


def recv_params(p):
    term = p.get("term", b"\n")
    term = term[0] if isinstance(term, bytes) else term
    max_data = p.get("max_data", 512)
    opt = bits((p.get("utf8"), 1), (p.get("preset"), 2), (p.get("attached"), 4),
               (p.get("second"), 0x40), (p.get("high_fd"), 0x80))
    md = (max_data - 1) | bits((p.get("bad_flag"), 0x8000), (p.get("negative"), 0x4000), (p.get("no_record"), 0x2000))
    opt |= (p.get("negative", 1) - 1 if p.get("negative") else timeout_index(p.get("timeout", 1000))) << 3
    return bytes([term, md >> 8, md & 0xFF, opt])


def send_params(p):
    opt = bits((p.get("preset"), 1), (p.get("attached"), 2), (p.get("high_fd"), 0x20), (p.get("null_data"), 0x40),
               (p.get("negative"), 0x80))
    opt |= (p.get("negative", 1) - 1 if p.get("negative") else timeout_index(p.get("timeout", 1000))) << 2
    return bytes([opt])


EVENTS = {"recv": 1, "send": 2, "err": 4, "unknown": 8}
WAIT_OPS = {"wait": 0, "wait_many": 1, "is_connected": 2, "wait+is_connected": 3}


def wait_item(item):
    req = item.get("requested", ["recv"])
    req = req if isinstance(req, int) else sum(EVENTS[e] for e in req)
    return req | bits((item.get("foreign"), 0x10), (item.get("empty"), 0x20), (item.get("high_fd"), 0x40),
                      (item.get("null"), 0x80))


def wait_params(p):
    op = WAIT_OPS[p.get("op", "wait")]
    if p.get("negative"):
        tindex = p.get("negative") - 1  # timeout -1 - index
    else:
        tindex = timeout_index(p.get("timeout", 1000))
    mode = op | (tindex << 2) | bits((p.get("preset"), 0x20), (p.get("attached"), 0x40), (p.get("negative"), 0x80))
    items = p.get("items", [{}])
    count = len(items) if op == 1 else 0
    if count > 7:
        raise ValueError("at most 7 items")
    shape = count | bits((p.get("null_items"), 0x08), (p.get("broken_by_version"), 0x10), (p.get("no_record"), 0x20))
    if op != 1:
        items = items[:1]
    return bytes([mode, shape] + [wait_item(i) for i in items])


def errors_bytes(sc):
    p = sc["params"]

    def i32(v):
        return (v & 0xFFFFFFFF).to_bytes(4, "big")

    return (i32(p.get("code", 0)) + i32(p.get("status", 0)) + p.get("cap", 0).to_bytes(2, "big") +
            p.get("prefix", 0).to_bytes(2, "big") + bytes([p.get("fill", 0), p.get("level", 0)]))


def fake_target(params_fn):
    def encode(sc):
        return script_bytes(sc) + params_fn(sc.get("params", {})) + sc.get("payload", b"")

    return encode


ENCODERS = {
    "recv_until": fake_target(recv_params),
    "send_complete": fake_target(send_params),
    "wait": fake_target(wait_params),
    "errors": errors_bytes,
}

# ---- scenarios --------------------------------------------------------------------

LONG = bytes((i * 37 + 11) % 251 for i in range(3000)).replace(b"\n", b"n")

RECV = [
    dict(name="line-at-once", payload=b"hello world\nnext line\n"),
    dict(name="empty-line", payload=b"\nrest"),
    dict(name="two-lines", params=dict(second=True), payload=b"first\nsecond\nthird"),
    dict(name="crlf-terminator", params=dict(term=b"\r"), payload=b"250 OK\r\n250-more\r\n"),
    dict(name="nul-terminator", params=dict(term=0), payload=b"abc\x00def\x00"),
    dict(name="eof-mid-line", payload=b"no terminator here"),
    dict(name="eof-at-once", payload=b""),
    dict(name="reset-mid-line", end="ECONNRESET", payload=b"partial"),
    dict(name="late-eof", end_late=True, params=dict(timeout=30000), payload=b"partial"),
    dict(name="late-eof-timeout", end_late=True, params=dict(timeout=100), payload=b"partial"),
    dict(name="max-data-exact", params=dict(max_data=6), payload=b"12345\nX"),
    dict(name="max-data-too-large", params=dict(max_data=5), payload=b"12345\nX"),
    dict(name="max-data-one", params=dict(max_data=1), payload=b"\nX"),
    dict(name="max-data-one-too-large", params=dict(max_data=1), payload=b"x\n"),
    dict(name="long-line-chunked", chunks=(7, 0, 0), params=dict(max_data=4096), payload=LONG[:2000] + b"\nafter"),
    dict(name="long-line-too-large", params=dict(max_data=1500), payload=LONG[:2500] + b"\n"),
    dict(name="byte-per-peek", chunks=(1, 0, 0), payload=b"abc\ndef"),
    dict(name="short-read-protocol", chunks=(16, 3, 0), payload=b"0123456789\n"),
    dict(name="read-limit-protocol", steps=[("read", "limit", 2)], payload=b"abcdef\n"),
    dict(name="peek-limit-zero-looks-like-eof", steps=[("peek", "limit", 0)], payload=b"abc\n"),
    dict(name="peek-eintr-then-line", steps=[("peek", "fail", "EINTR")], payload=b"abc\n"),
    dict(name="peek-eagain-wait", steps=[("peek", "fail", "EAGAIN")], payload=b"abc\n"),
    dict(name="read-eagain-after-peek", steps=[("read", "fail", "EAGAIN")], payload=b"abc\n"),
    dict(name="peek-permanent", steps=[("peek", "fail", "ECONNRESET")], payload=b"abc\n"),
    dict(name="read-permanent-after-peek", steps=[("peek", "pass", 0), ("read", "fail", "ENOTCONN")],
         payload=b"abc\n"),
    dict(name="broken-shim-code-0", steps=[("peek", "fail", 0)], payload=b"abc\n"),
    dict(name="wait-eintr", arrivals=[(3, 50)], steps=[("wait", "fail", "EINTR")], payload=b"abcdef\n"),
    dict(name="wait-eintr-clock-jump", arrivals=[(3, 900)],
         steps=[("peek", "pass", 0), ("read", "pass", 0), ("clock", "pass", 0), ("peek", "pass", 0),
                ("wait", "advance", 60), ("wait", "fail", "EINTR")],
         params=dict(timeout=100), payload=b"abcdef\n"),
    dict(name="wait-permanent", arrivals=[(3, 50)], steps=[("wait", "fail", "EBADF")], payload=b"abcdef\n"),
    dict(name="wait-enomem", arrivals=[(3, 50)], steps=[("wait", "fail", "ENOMEM")], payload=b"abcdef\n"),
    dict(name="arrivals-in-time", arrivals=[(2, 20), (4, 40), (6, 60)], params=dict(timeout=1000),
         payload=b"ab" + b"cd" + b"ef" + b"\n"),
    dict(name="arrival-too-late", arrivals=[(3, 200)], params=dict(timeout=100), payload=b"abcdef\n"),
    dict(name="arrival-infinite", arrivals=[(3, 2550)], params=dict(timeout="infinite"), payload=b"abcdef\n"),
    dict(name="zero-timeout-line-waiting", params=dict(timeout=0), payload=b"ready\n"),
    dict(name="zero-timeout-nothing-yet", arrivals=[(0, 10)], params=dict(timeout=0), payload=b"later\n"),
    dict(name="zero-timeout-partial", arrivals=[(3, 10)], params=dict(timeout=0), payload=b"abcdef\n"),
    dict(name="clock-jump-past-deadline-mid-line", chunks=(4, 0, 0),
         steps=[("peek", "pass", 0), ("read", "advance", 250)], params=dict(timeout=100),
         payload=b"0123456789\n"),
    dict(name="preset-interrupt-line-waiting", params=dict(preset=True), payload=b"ready\n"),
    dict(name="preset-interrupt-partial", chunks=(3, 0, 0), params=dict(preset=True), payload=b"abcdef\n"),
    dict(name="preset-interrupt-nothing-yet", arrivals=[(0, 10)], params=dict(preset=True), payload=b"x\n"),
    dict(name="interrupt-fires-mid-line", chunks=(3, 0, 0), steps=[("read", "interrupt", 0)],
         params=dict(attached=True), payload=b"abcdef\n"),
    dict(name="interrupt-fires-in-wait", arrivals=[(3, 500)], steps=[("wait", "interrupt", 0)],
         params=dict(attached=True, timeout="infinite"), payload=b"abcdef\n"),
    dict(name="interrupt-fires-on-clock", arrivals=[(3, 500)],
         steps=[("clock", "pass", 0), ("peek", "pass", 0), ("read", "pass", 0), ("clock", "pass", 0),
                ("peek", "pass", 0), ("clock", "interrupt", 0)],
         params=dict(attached=True), payload=b"abcdef\n"),
    dict(name="interrupt-fires-on-wait-clock", arrivals=[(3, 500)],
         steps=[("clock", "pass", 0), ("peek", "pass", 0), ("read", "pass", 0), ("clock", "pass", 0),
                ("peek", "pass", 0), ("clock", "pass", 0), ("clock", "interrupt", 0)],
         params=dict(attached=True), payload=b"abcdef\n"),
    dict(name="eof-step-mid-stream", arrivals=[(3, 50)], steps=[("wait", "eof", 0)], payload=b"abcdef\n"),
    dict(name="no-record-line", params=dict(no_record=True, second=True), payload=b"abc\ndef\n"),
    dict(name="no-record-timeout", arrivals=[(3, 200)], params=dict(no_record=True, timeout=100), payload=b"abcdef\n"),
    dict(name="no-record-reset", end="ECONNRESET", params=dict(no_record=True), payload=b"abc"),
    dict(name="refused-unknown-flag", params=dict(bad_flag=True), payload=b"abc\n"),
    dict(name="refused-negative-timeout", params=dict(negative=2), payload=b"abc\n"),
    dict(name="utf8-valid", params=dict(utf8=True), payload="grüße ✓ 😀\n".encode()),
    dict(name="utf8-invalid-overlong", params=dict(utf8=True), payload=b"\xc0\xafx\n"),
    dict(name="utf8-invalid-surrogate", params=dict(utf8=True), payload=b"\xed\xa0\x80\n"),
    dict(name="utf8-invalid-too-high", params=dict(utf8=True), payload=b"\xf4\x90\x80\x80\n"),
    dict(name="utf8-truncated", params=dict(utf8=True), payload=b"ok \xe2\x9c\n"),
    dict(name="high-fd-line-waiting", params=dict(high_fd=True), payload=b"ready\n"),
    dict(name="high-fd-must-wait", arrivals=[(0, 10)], params=dict(high_fd=True), payload=b"later\n"),
    dict(name="high-fd-partial-must-wait", arrivals=[(3, 10)], params=dict(high_fd=True), payload=b"abcdef\n"),
]

SEND = [
    dict(name="len-zero", payload=b""),
    dict(name="len-zero-null-data", params=dict(null_data=True), payload=b""),
    dict(name="all-at-once", payload=b"hello peer\n"),
    dict(name="refused-null-data", params=dict(null_data=True), payload=b"0123"),
    dict(name="refused-negative-timeout", params=dict(negative=1), payload=b"0123"),
    dict(name="refused-negative-timeout-len-zero", params=dict(negative=3), payload=b""),
    dict(name="chunked", chunks=(0, 0, 3), payload=b"0123456789abcdef"),
    dict(name="byte-per-send", chunks=(0, 0, 1), payload=b"0123456789"),
    dict(name="big-chunked", chunks=(0, 0, 200), payload=LONG[:3000]),
    dict(name="window-full-timeout", window=64, params=dict(timeout=100), payload=LONG[:200]),
    dict(name="window-full-infinite", window=64, params=dict(timeout="infinite"), payload=LONG[:200]),
    dict(name="window-full-zero-timeout", window=64, params=dict(timeout=0), payload=LONG[:200]),
    dict(name="send-limit-then-rest", steps=[("send", "limit", 5)], payload=b"0123456789"),
    dict(name="send-zero-progress", steps=[("send", "limit", 0)], payload=b"0123456789"),
    dict(name="zero-progress-after-partial", steps=[("send", "limit", 4), ("send", "limit", 0)],
         payload=b"0123456789"),
    dict(name="eintr-then-all", steps=[("send", "fail", "EINTR")], payload=b"0123456789"),
    dict(name="eagain-then-all", steps=[("send", "fail", "EAGAIN")], payload=b"0123456789"),
    dict(name="einprogress-then-all", steps=[("send", "fail", "EINPROGRESS")], payload=b"0123456789"),
    dict(name="eintr-after-partial", steps=[("send", "limit", 3), ("send", "fail", "EINTR")],
         payload=b"0123456789"),
    dict(name="epipe", steps=[("send", "fail", "EPIPE")], payload=b"0123456789"),
    dict(name="reset-after-partial", steps=[("send", "limit", 3), ("send", "fail", "ECONNRESET")],
         payload=b"0123456789"),
    dict(name="enobufs", steps=[("send", "fail", "ENOBUFS")], payload=b"0123456789"),
    dict(name="broken-shim-code-0", steps=[("send", "fail", 0)], payload=b"0123456789"),
    dict(name="pending-reset-fails-send", window=64, end="ECONNRESET", params=dict(timeout=100), payload=LONG[:100]),
    dict(name="late-reset-fails-waiting-send", window=64, end="ECONNRESET", end_late=True,
         params=dict(timeout="infinite"), payload=LONG[:100]),
    dict(name="peer-closes", steps=[("send", "limit", 3), ("send", "eof", 0)], payload=b"0123456789"),
    dict(name="wait-eintr", window=64, steps=[("wait", "fail", "EINTR")], params=dict(timeout=100),
         payload=LONG[:100]),
    dict(name="wait-eintr-clock-jump", window=64, steps=[("wait", "advance", 40), ("wait", "fail", "EINTR")],
         params=dict(timeout=100), payload=LONG[:100]),
    dict(name="wait-permanent", window=64, steps=[("wait", "fail", "EBADF")], payload=LONG[:100]),
    dict(name="clock-jump-past-deadline-after-partial", chunks=(0, 0, 4),
         steps=[("send", "advance", 250)], params=dict(timeout=100), payload=b"0123456789abcdef"),
    dict(name="clock-jump-on-check-after-partial", chunks=(0, 0, 4),
         steps=[("clock", "pass", 0), ("send", "pass", 0), ("clock", "advance", 250)], params=dict(timeout=100),
         payload=b"0123456789abcdef"),
    dict(name="zero-timeout-partial", chunks=(0, 0, 4), params=dict(timeout=0), payload=b"0123456789abcdef"),
    dict(name="zero-timeout-eagain", steps=[("send", "fail", "EAGAIN")], params=dict(timeout=0),
         payload=b"0123456789"),
    dict(name="preset-interrupt-all-at-once", params=dict(preset=True), payload=b"0123456789"),
    dict(name="preset-interrupt-partial", chunks=(0, 0, 4), params=dict(preset=True), payload=b"0123456789"),
    dict(name="preset-interrupt-eagain", steps=[("send", "fail", "EAGAIN")], params=dict(preset=True),
         payload=b"0123456789"),
    dict(name="interrupt-fires-in-send", chunks=(0, 0, 4), steps=[("send", "interrupt", 0)],
         params=dict(attached=True), payload=b"0123456789abcdef"),
    dict(name="interrupt-fires-in-wait", window=64, steps=[("wait", "interrupt", 0)],
         params=dict(attached=True, timeout="infinite"), payload=LONG[:100]),
    dict(name="high-fd-all-at-once", params=dict(high_fd=True), payload=b"0123456789"),
    dict(name="high-fd-must-wait", window=64, params=dict(high_fd=True), payload=LONG[:100]),
]

WAIT = [
    dict(name="recv-ready", params=dict(op="wait"), payload=b"data"),
    dict(name="recv-eof", params=dict(op="wait"), payload=b""),
    dict(name="recv-reset", end="ECONNRESET", params=dict(op="wait"), payload=b""),
    dict(name="recv-later", arrivals=[(0, 50)], params=dict(op="wait"), payload=b"data"),
    dict(name="recv-timeout", arrivals=[(0, 500)], params=dict(op="wait", timeout=100), payload=b"data"),
    dict(name="recv-zero-timeout", arrivals=[(0, 500)], params=dict(op="wait", timeout=0), payload=b"data"),
    dict(name="recv-infinite-late-eof", end_late=True, params=dict(op="wait", timeout="infinite"),
         payload=b""),
    dict(name="send-ready", params=dict(op="wait", items=[dict(requested=["send"])])),
    dict(name="send-window-open", window=64, params=dict(op="wait", items=[dict(requested=["send"])]),
         payload=b""),
    dict(name="recv-send-err", params=dict(op="wait", items=[dict(requested=["recv", "send", "err"])]),
         payload=b"x"),
    dict(name="occurred-null", params=dict(op="wait", null_items=True), payload=b"x"),
    dict(name="eintr-retry", arrivals=[(0, 50)], steps=[("wait", "fail", "EINTR")], params=dict(op="wait"),
         payload=b"x"),
    dict(name="eintr-clock-jump", arrivals=[(0, 900)],
         steps=[("wait", "advance", 60), ("wait", "fail", "EINTR")], params=dict(op="wait", timeout=100),
         payload=b"x"),
    dict(name="eintr-clock-jump-many", arrivals=[(0, 900)],
         steps=[("wait", "advance", 60), ("wait", "fail", "EINTR")],
         params=dict(op="wait_many", timeout=100, items=[dict(), dict(requested=["send"])]), payload=b"x"),
    dict(name="permanent-error", steps=[("wait", "fail", "EBADF")], params=dict(op="wait"), payload=b""),
    dict(name="enomem", steps=[("wait", "fail", "ENOMEM")], params=dict(op="wait"), payload=b""),
    dict(name="preset-interrupt", params=dict(op="wait", preset=True), payload=b"x"),
    dict(name="preset-interrupt-many", params=dict(op="wait_many", preset=True, items=[dict(), dict()]),
         payload=b"x"),
    dict(name="interrupt-in-wait", arrivals=[(0, 500)], steps=[("wait", "interrupt", 0)],
         params=dict(op="wait", attached=True, timeout="infinite"), payload=b"x"),
    dict(name="interrupt-on-clock", arrivals=[(0, 500)], steps=[("clock", "pass", 0), ("clock", "interrupt", 0)],
         params=dict(op="wait", attached=True), payload=b"x"),
    dict(name="requested-zero", params=dict(op="wait", items=[dict(requested=0)])),
    dict(name="requested-err-only", params=dict(op="wait", items=[dict(requested=["err"])])),
    dict(name="requested-unknown-bit", params=dict(op="wait", items=[dict(requested=["recv", "unknown"])])),
    dict(name="negative-timeout", params=dict(op="wait", negative=1)),
    dict(name="null-socket", params=dict(op="wait", items=[dict(null=True)])),
    dict(name="empty-socket", params=dict(op="wait", items=[dict(empty=True)])),
    dict(name="broken-table-version", params=dict(op="wait", broken_by_version=True, items=[dict(foreign=True)])),
    dict(name="broken-table-slot", params=dict(op="wait", items=[dict(foreign=True)])),
    dict(name="high-fd", arrivals=[(0, 50)], params=dict(op="wait", items=[dict(high_fd=True)]), payload=b"x"),
    dict(name="high-fd-ready", params=dict(op="wait", items=[dict(high_fd=True)]), payload=b"x"),
    dict(name="many-two-ready", params=dict(op="wait_many", items=[dict(), dict(requested=["send"])]),
         payload=b"x"),
    dict(name="many-seven", params=dict(op="wait_many", items=[dict(requested=["recv", "send"])] * 7),
         payload=b"x"),
    dict(name="many-timeout", arrivals=[(0, 500)], window=64,
         params=dict(op="wait_many", timeout=100, items=[dict(), dict()]), payload=b"x"),
    dict(name="many-zero-count", params=dict(op="wait_many", timeout=0, items=[])),
    dict(name="many-zero-count-null", params=dict(op="wait_many", timeout=0, null_items=True, items=[])),
    dict(name="many-zero-count-preset", params=dict(op="wait_many", preset=True, items=[])),
    dict(name="many-null-items", params=dict(op="wait_many", null_items=True, items=[dict()])),
    dict(name="many-mixed-tables", params=dict(op="wait_many", items=[dict(), dict(foreign=True)]),
         payload=b"x"),
    dict(name="many-bad-second", params=dict(op="wait_many", items=[dict(), dict(requested=0)]), payload=b"x"),
    dict(name="many-empty-second", params=dict(op="wait_many", items=[dict(), dict(empty=True)]), payload=b"x"),
    dict(name="many-null-second", params=dict(op="wait_many", items=[dict(), dict(null=True)]), payload=b"x"),
    dict(name="many-high-fd", params=dict(op="wait_many", items=[dict(), dict(high_fd=True)]), payload=b"x"),
    dict(name="many-negative-timeout", params=dict(op="wait_many", negative=3, items=[dict()]), payload=b"x"),
    dict(name="no-record-timeout", arrivals=[(0, 500)], params=dict(op="wait", timeout=100, no_record=True),
         payload=b"data"),
    dict(name="no-record-many-refused", params=dict(op="wait_many", no_record=True, items=[dict(), dict(requested=0)]),
         payload=b"x"),
    dict(name="no-record-connected", params=dict(op="wait+is_connected", no_record=True), payload=b""),
    dict(name="connected-data", params=dict(op="is_connected"), payload=b"x"),
    dict(name="connected-nothing-yet", arrivals=[(0, 50)], params=dict(op="is_connected"), payload=b"x"),
    dict(name="connected-eof", params=dict(op="is_connected"), payload=b""),
    dict(name="connected-reset", end="ECONNRESET", params=dict(op="is_connected"), payload=b""),
    dict(name="connected-eintr", steps=[("peek", "fail", "EINTR")], params=dict(op="is_connected"),
         payload=b""),
    dict(name="connected-enotconn", steps=[("peek", "fail", "ENOTCONN")], params=dict(op="is_connected"),
         payload=b"x"),
    dict(name="connected-empty", params=dict(op="is_connected", items=[dict(empty=True)])),
    dict(name="connected-null", params=dict(op="is_connected", items=[dict(null=True)])),
    dict(name="connected-broken-table", params=dict(op="is_connected", items=[dict(foreign=True)])),
    dict(name="wait-then-connected", arrivals=[(0, 50)], params=dict(op="wait+is_connected"), payload=b"x"),
    dict(name="wait-then-connected-eof", params=dict(op="wait+is_connected"), payload=b""),
]

EINTR, EAGAIN, EINPROGRESS = errno.EINTR, errno.EAGAIN, errno.EINPROGRESS

ERRORS = [
    dict(name="ok-code-0", params=dict(code=0, status=0, cap=64, prefix=10)),
    dict(name="eintr", params=dict(code=EINTR, status=6, cap=64, prefix=20, fill=1)),
    dict(name="eagain-cap-1", params=dict(code=EAGAIN, status=4, cap=1, prefix=0)),
    dict(name="einprogress-cap-0", params=dict(code=EINPROGRESS, status=11, cap=0, prefix=5)),
    dict(name="econnreset-cap-8", params=dict(code=errno.ECONNRESET, status=7, cap=8, prefix=100)),
    dict(name="unknown-code", params=dict(code=9999, status=13, cap=200, prefix=3)),
    dict(name="negative-code", params=dict(code=-1, status=-1, cap=30, prefix=7)),
    dict(name="int-min", params=dict(code=-(1 << 31), status=-(1 << 31), cap=511, prefix=511)),
    dict(name="int-max", params=dict(code=(1 << 31) - 1, status=(1 << 31) - 1, cap=16, prefix=256)),
    dict(name="text-fills-message", params=dict(code=errno.EPIPE, status=11, cap=2, prefix=255)),
    dict(name="text-one-short", params=dict(code=errno.EPIPE, status=11, cap=3, prefix=254)),
    dict(name="text-two-short", params=dict(code=errno.EPIPE, status=11, cap=4, prefix=253)),
    dict(name="text-just-fits-with-code", params=dict(code=errno.EBADF, status=11, cap=25, prefix=230)),
    dict(name="log-long-line", params=dict(code=errno.EBADF, status=5, cap=12, prefix=300, fill=1, level=2)),
    dict(name="log-below-minimum", params=dict(code=0, status=1, cap=12, prefix=10, level=3)),
]

TARGETS = {"recv_until": RECV, "send_complete": SEND, "wait": WAIT, "errors": ERRORS}

# ---- dictionaries: tokens the mutators cannot easily guess -------------------------


def dict_tokens(target):
    toks = []
    if target in ("recv_until", "send_complete", "wait"):
        for op in ("peek", "read", "send", "wait", "clock", "any"):
            for err in ("EINTR", "EAGAIN", "ECONNRESET", "ENOMEM", 0):
                toks.append(("%s_fail_%s" % (op, err), step_bytes(op, "fail", err)))
            toks.append(("%s_limit0" % op, step_bytes(op, "limit", 0)))
            toks.append(("%s_advance250" % op, step_bytes(op, "advance", 250)))
            toks.append(("%s_interrupt" % op, step_bytes(op, "interrupt", 0)))
            toks.append(("%s_eof" % op, step_bytes(op, "eof", 0)))
    if target == "recv_until":
        toks += [("crlf", b"\r\n"), ("overlong", b"\xc0\xaf"), ("surrogate", b"\xed\xa0\x80"),
                 ("too_high", b"\xf4\x90\x80\x80"), ("emoji", "😀".encode()), ("three_byte", "✓".encode())]
    if target == "errors":
        for name in ("EINTR", "EAGAIN", "EWOULDBLOCK", "EINPROGRESS", "ECONNRESET", "EPIPE", "ENOMEM"):
            toks.append(("code_%s" % name, getattr(errno, name).to_bytes(4, "big")))
        toks += [("int_min", b"\x80\x00\x00\x00"), ("minus_one", b"\xff\xff\xff\xff"),
                 ("len_254", (254).to_bytes(2, "big")), ("len_255", (255).to_bytes(2, "big")),
                 ("len_256", (256).to_bytes(2, "big"))]
    seen, out = set(), []
    for name, value in toks:
        if value not in seen:
            seen.add(value)
            out.append('%s="%s"\n' % (name, "".join("\\x%02x" % b for b in value)))
    return "# fuzz/%s.dict - generated by fuzz/make_corpus.py; do not edit\n%s" % (target, "".join(out))


# ---- writing -------------------------------------------------------------------------


def wanted_files():
    files = {}
    for target, scenarios in TARGETS.items():
        names = set()
        for sc in scenarios:
            if sc["name"] in names or not re.fullmatch(r"[a-z0-9-]+", sc["name"]):
                sys.exit("make_corpus.py: bad or duplicate name %s/%s" % (target, sc["name"]))
            names.add(sc["name"])
            files[os.path.join("corpus", target, sc["name"])] = ENCODERS[target](sc)
        files["%s.dict" % target] = dict_tokens(target).encode()
    return files


def main(argv):
    files = wanted_files()
    if "--list" in argv:
        for path, data in sorted(files.items()):
            print("%-60s %5d bytes" % (path, len(data)))
        return 0
    check = "--check" in argv
    stale = []
    for target in TARGETS:
        d = os.path.join(HERE, "corpus", target)
        if os.path.isdir(d):
            for name in os.listdir(d):
                if os.path.join("corpus", target, name) not in files:
                    stale.append(os.path.join(d, name))
    differ = [p for p, data in files.items()
              if not os.path.isfile(os.path.join(HERE, p)) or open(os.path.join(HERE, p), "rb").read() != data]
    if check:
        for p in differ:
            print("make_corpus.py: fuzz/%s is missing or out of date" % p, file=sys.stderr)
        for p in stale:
            print("make_corpus.py: %s is not generated by this script" % p, file=sys.stderr)
        if differ or stale:
            print("make_corpus.py: run `python3 fuzz/make_corpus.py` and commit the result", file=sys.stderr)
            return 1
        print("make_corpus.py: %d files up to date" % len(files))
        return 0
    for p in stale:
        os.remove(p)
    for p, data in files.items():
        full = os.path.join(HERE, p)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as fh:
            fh.write(data)
    counts = ", ".join("%s %d" % (t, len(s)) for t, s in TARGETS.items())
    print("make_corpus.py: wrote %d seeds (%s) and %d dictionaries; removed %d stale files" %
          (sum(len(s) for s in TARGETS.values()), counts, len(TARGETS), len(stale)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
