#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""List the changes a traced run made to files: the successful calls of an
`strace -f` log that open a file for writing or creating, rename, unlink,
create directories or truncate. One line per change; --except PATH ignores
one path (the lock file, opened O_RDWR|O_CREAT by every run by design).

  strace -f -o LOG -e trace=%file,write ... ; writes.py LOG [--except PATH]
"""
import re
import sys

CHANGING = {"rename", "renameat", "renameat2", "unlink", "unlinkat", "mkdir", "mkdirat",
            "rmdir", "truncate", "ftruncate", "link", "linkat", "symlink", "symlinkat",
            "chmod", "fchmodat", "chown", "fchownat", "utimensat", "mknod", "mknodat"}
OPENS = {"open", "openat", "openat2", "creat"}
CALL = re.compile(r"^(?:\[pid\s+)?(\d+)\]?\s+(\w+)\((.*)\)\s+=\s+(-?\d+|\?)")


def calls(lines):
    pending = {}
    for line in lines:
        line = line.rstrip("\n")
        m = re.match(r"^(\d+)\s+(.*) <unfinished \.\.\.>$", line)
        if m:
            pending[m.group(1)] = m.group(2)
            continue
        m = re.match(r"^(\d+)\s+<\.\.\. \w+ resumed>(.*)$", line)
        if m and m.group(1) in pending:
            line = f"{m.group(1)} {pending.pop(m.group(1))}{m.group(2)}"
        m = CALL.match(line)
        if m:
            yield m.group(2), m.group(3), m.group(4), line


def main():
    args = sys.argv[1:]
    exceptions = set()
    while "--except" in args:
        i = args.index("--except")
        exceptions.add(args[i + 1])
        del args[i:i + 2]
    changes = []
    for name, argstr, ret, line in calls(open(args[0])):
        if ret == "?" or int(ret) < 0:
            continue
        paths = re.findall(r'"((?:[^"\\]|\\.)*)"', argstr)
        if paths and paths[0] in exceptions:
            continue
        if name in OPENS:
            if name == "creat" or re.search(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC", argstr):
                changes.append(line)
        elif name in CHANGING:
            changes.append(line)
    for c in changes:
        print(c)


if __name__ == "__main__":
    sys.exit(main())
