#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Runs the Exec lines of a unit file as systemd would, for tests on machines
where systemd is not init (130-systemd.bats).

  systemd-unit.py UNIT KEY [--runtime-dir DIR]   runs every KEY= line in order
  systemd-unit.py UNIT KEY --print               prints each argv word, one a line

The unit file is parsed independently of berth's writer: line continuations,
systemd's quoting (double and single quotes, C escapes), the specifiers %t, %n,
%N, %i, %% and $$, a lone ";" (refused: systemd would end the command
there), and the "-" prefix (a failure is ignored). Environment= lines (quoted or not) go to the commands'
environment. A lone "$" left after unescaping would be an environment
reference systemd expands: refused, so a test sees bad escaping.
"""
import os
import subprocess
import sys


def logical_lines(text):
    lines, current = [], ""
    for raw in text.splitlines():
        if raw.endswith("\\"):
            current += raw[:-1] + " "
            continue
        lines.append(current + raw)
        current = ""
    if current:
        lines.append(current)
    return lines


ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t",
           "v": "\v", "\\": "\\", '"': '"', "'": "'", "s": " ", " ": " "}


def split_words(line):
    words, i, n = [], 0, len(line)
    while i < n:
        while i < n and line[i] in " \t":
            i += 1
        if i >= n:
            break
        word, quote, start = "", None, i
        while i < n:
            c = line[i]
            if quote is None and c in " \t":
                break
            if c == "\\":
                nxt = line[i + 1] if i + 1 < n else ""
                if nxt == "x":
                    word += chr(int(line[i + 2:i + 4], 16))
                    i += 4
                    continue
                if nxt not in ESCAPES:
                    raise SystemExit(f"bad escape \\{nxt} in: {line}")
                word += ESCAPES[nxt]
                i += 2
                continue
            if quote is None and c in "\"'":
                quote = c
            elif c == quote:
                quote = None
            else:
                word += c
            i += 1
        if quote is not None:
            raise SystemExit(f"unterminated quote in: {line}")
        if line[start:i] == ";":
            raise SystemExit(f"lone ; (systemd's command separator) in: {line}")
        words.append(word)
    return words


def expand(word, specifiers):
    out, i = "", 0
    while i < len(word):
        c = word[i]
        if c == "%":
            key = word[i + 1:i + 2]
            if key not in specifiers:
                raise SystemExit(f"unknown specifier %{key} in: {word}")
            out += specifiers[key]
            i += 2
        elif c == "$":
            if word[i + 1:i + 2] != "$":
                raise SystemExit(f"unescaped $ (an environment reference) in: {word}")
            out += "$"
            i += 2
        else:
            out += c
            i += 1
    return out


def main():
    args = sys.argv[1:]
    unit, key = args[0], args[1]
    runtime_dir = os.environ.get("XDG_RUNTIME_DIR", "/run")
    if "--runtime-dir" in args:
        runtime_dir = args[args.index("--runtime-dir") + 1]
    name = os.path.basename(unit)
    prefix = name[:-len(".service")] if name.endswith(".service") else name
    instance = prefix.split("@", 1)[1] if "@" in prefix else ""
    specifiers = {"t": runtime_dir, "n": name, "N": prefix, "i": instance, "%": "%"}
    env = dict(os.environ)
    commands = []
    with open(unit, encoding="utf-8") as f:
        for line in logical_lines(f.read()):
            if line.startswith("#") or "=" not in line:
                continue
            k, v = line.split("=", 1)
            if k == "Environment":
                for assignment in split_words(v):
                    name_, value = expand(assignment, specifiers).split("=", 1)
                    env[name_] = value
            elif k == key:
                commands.append([expand(w, specifiers) for w in split_words(v)])
    if not commands:
        raise SystemExit(f"{unit}: no {key}= line")
    for argv in commands:
        # Executable prefixes: "-" ignores a failure; "@", "+", "!", ":"
        # change how it runs, not what.
        ignore_failure = False
        while argv and argv[0][:1] in "-@+!:":
            ignore_failure = ignore_failure or argv[0][0] == "-"
            argv[0] = argv[0][1:]
        if "--print" in args:
            for word in argv:
                print(word)
            continue
        rc = subprocess.call(argv, env=env)
        if rc != 0 and not ignore_failure:
            sys.exit(rc)


main()
