#!/usr/bin/python3
"""A minimal MLPerf Tiny host over pyserial, as the benchmark's reference runner talks to a DUT:
'<command>%' out, lines in until one holds 'm-ready'. Usage: mlperf_pyserial_client.py TTY
INPUT_BYTES. Checks name, profile, an error reply, a download in 31-byte hex chunks and
`infer 2 1`; prints the results line and exits 0, or prints what went wrong and exits 1."""
import re
import sys
import time

import serial


def command(port, text, timeout=60.0):
    port.write((text + "%").encode())
    lines, line, deadline = [], "", time.time() + timeout
    while time.time() < deadline:
        char = port.read(1).decode()
        if char and char not in "\r\n\0":
            line += char
        elif char == "\n":
            if "m-ready" in line:
                return lines
            lines.append(line)
            line = ""
    raise RuntimeError(f"no m-ready after {text!r} (got {lines})")


def drain_boot_output(port, quiet_seconds=0.5, limit_seconds=10.0):
    """The DUT prints its boot lines (ending in m-ready) whether or not a host listens; a pty
    keeps them until someone reads, so they would be taken for the first command's reply."""
    quiet_since, deadline = time.time(), time.time() + limit_seconds
    while time.time() - quiet_since < quiet_seconds and time.time() < deadline:
        if port.read(256):
            quiet_since = time.time()


def expect(condition, what):
    if not condition:
        print(f"FAILED: {what}")
        sys.exit(1)


def main():
    tty, input_bytes = sys.argv[1], int(sys.argv[2])
    with serial.Serial(tty, 115200, timeout=0.1) as port:
        drain_boot_output(port)
        name = command(port, "name")
        expect(len(name) == 1 and re.match(r"^m-name-dut-\[[^]]+\]$", name[0]), f"name: {name}")
        profile = command(port, "profile")
        expect(any(re.match(r"^m-model-\[tnm-[0-9a-f]{8}\]$", l) for l in profile), f"profile: {profile}")
        expect(command(port, "bogus") == ["e-[Unknown command: bogus]"], "unknown command")
        data = bytes((i * 37 + 11) % 256 for i in range(input_bytes))
        expect(command(port, f"db load {input_bytes}") == [f"m-[Expecting {input_bytes} bytes]"], "db load")
        replies = []
        for start in range(0, input_bytes, 31):
            replies += command(port, "db " + "".join(f"{b:02x}" for b in data[start:start + 31]))
        expect(replies == ["m-load-done"], f"db chunks: {replies}")
        infer = command(port, "infer 2 1")
        laps = [int(m.group(1)) for l in infer for m in [re.match(r"^m-lap-us-([0-9]+)$", l)] if m]
        results = [l for l in infer if re.match(r"^m-results-\[[^]]+\]$", l)]
        expect(infer[:3] == ["m-warmup-start-1", "m-warmup-done", "m-infer-start-2"], f"infer: {infer}")
        expect(len(laps) == 2 and laps[1] > laps[0], f"laps: {laps}")
        expect(len(results) == 1, f"results: {infer}")
        print(results[0])


if __name__ == "__main__":
    main()
