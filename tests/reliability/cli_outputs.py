#!/usr/bin/env python3
# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
# LICENSE file found in the top-level directory of this distribution.
"""Helpers of check_cli_outputs.cmake for what CMake cannot do: write a PNG of any shape, create
file names with bytes that are not UTF-8, find a pid that no process has, and read results.json and
scores.csv as strict readers do.

  cli_outputs.py png PATH WIDTH HEIGHT        a grey gradient PNG (8-bit, one channel)
  cli_outputs.py odd-names DIR SOURCE         copies SOURCE into DIR under the names of ODD_NAMES
  cli_outputs.py dead-pid                     prints a pid that is not a running process
  cli_outputs.py check-names OUT INPUT        results.json is strict UTF-8 JSON, scores.csv is RFC
                                              4180, and both give back every file name of INPUT
Exits with 1 and a message on stderr when a check fails."""
import csv
import json
import os
import struct
import sys
import urllib.parse
import zlib

# A comma, a quote, a newline, and bytes that are not UTF-8 (a lone continuation byte, a truncated
# sequence, an overlong form).
ODD_NAMES = [b"a,comma.png", b'a"quote.png', b"a\nnewline.png", b"bad\xff\xfe.png", b"trunc\xe2\x82.png",
             b"overlong\xc0\xaf.png", "caf\u00e9 \u2603.png".encode("utf-8")]


def fail(message):
    sys.stderr.write("cli_outputs.py: " + message + "\n")
    sys.exit(1)


def png(path, width, height):
    rows = b"".join(b"\x00" + bytes((x * 255 // max(1, width - 1) + y) % 256 for x in range(width))
                    for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) +
                chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def odd_names(folder, source):
    with open(source, "rb") as f:
        data = f.read()
    for name in ODD_NAMES:
        with open(os.path.join(os.fsencode(folder), name), "wb") as f:
            f.write(data)


def dead_pid():
    for pid in range(999999, 100000, -1):
        if not os.path.exists("/proc/%d" % pid):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                print(pid)
                return
            except PermissionError:
                pass
    fail("no free pid found")


def exact_name(entry, key):
    """The exact bytes of entry[key]: from key_bytes (percent-encoded) when the name is not UTF-8."""
    if key + "_bytes" in entry:
        raw = urllib.parse.unquote_to_bytes(entry[key + "_bytes"])
        shown = raw.decode("utf-8", errors="replace")
        if shown != entry[key]:
            fail("%s %r: its %s_bytes %r decode (with U+FFFD) to %r" % (key, entry[key], key, raw, shown))
        return raw
    return entry[key].encode("utf-8")


def check_names(out, folder):
    expected = {os.path.join(os.fsencode(folder), n) for n in os.listdir(os.fsencode(folder))}
    results = os.path.join(out, "results.json")
    try:
        with open(results, encoding="utf-8", errors="strict") as f:   # as strict readers do
            doc = json.load(f)
    except (UnicodeDecodeError, ValueError) as e:
        fail("results.json is not valid UTF-8 JSON: %s" % e)
    got = {exact_name(e, "path") for e in doc["images"]}
    if got != expected:
        fail("results.json images: expected %r, found %r" % (sorted(expected), sorted(got)))
    if doc["errors"]:
        fail("results.json errors: expected none, found %r" % doc["errors"])
    for e in doc["images"]:
        if "heatmap" in e and not os.path.isfile(os.path.join(os.fsencode(out), exact_name(e, "heatmap"))):
            fail("results.json names the heat map %r, which does not exist" % e["heatmap"])
    # scores.csv keeps the bytes of every name: read as UTF-8 with surrogateescape, as os.fsdecode does.
    with open(os.path.join(out, "scores.csv"), newline="", encoding="utf-8", errors="surrogateescape") as f:
        rows = list(csv.reader(f))
    if rows[0][0] != "path" or any(len(r) != len(rows[0]) for r in rows):
        fail("scores.csv: rows of different lengths: %r" % rows)
    got = {os.fsencode(r[0]) for r in rows[1:]}
    if got != expected:
        fail("scores.csv paths: expected %r, found %r" % (sorted(expected), sorted(got)))


def main(argv):
    if len(argv) == 5 and argv[1] == "png":
        png(argv[2], int(argv[3]), int(argv[4]))
    elif len(argv) == 4 and argv[1] == "odd-names":
        odd_names(argv[2], argv[3])
    elif len(argv) == 2 and argv[1] == "dead-pid":
        dead_pid()
    elif len(argv) == 4 and argv[1] == "check-names":
        check_names(argv[2], argv[3])
    else:
        fail("usage: see the top of this file")


if __name__ == "__main__":
    main(sys.argv)
