#!/bin/bash
# SPDX-License-Identifier: MIT
# A no-op apply against a bare read of the same attributes, on a simulated
# host of 8 PFs with 7 VFs each already as the file wants them.
#
# The bare read is the floor of a no-op: a small C program (built here
# with cc) that opens and reads every file, reads every link and lists
# every directory that the no-op apply itself read under /sys and the file
# root (taken from strace of that apply: successful opens other than
# O_PATH, readlink, readlinkat), with nothing else: no parsing, no
# libraries. Both run under the same fake kernel and umockdev, in turn,
# BENCH_REPEAT times; the medians' ratio is printed with its goal. A second
# strace counts the apply's writes to files under /sys and /etc (the lock
# in /run is not counted; the fake kernel runs in the writer and its own
# writes, the files of VFs it creates, would count too, but it only makes
# them after a write of the apply's). The shared libraries the apply loads
# are listed (LD_DEBUG=files): start-up is part of what it costs.
#   tests/bench/noop-read.sh [PFS [VFS]]
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PFS=${1:-8}
VFS=${2:-7}
RATIO_GOAL=1.1

# ---- inside the simulated host: $1 the work directory ----
# the attributes the apply read, as "f|l|d PATH" with the testbed's sys
# directory given back as /sys (the reader goes through umockdev as well)
attr_list() {
	local trace=$1 sys=$UMOCKDEV_DIR/sys root=$SRIOVCTL_ROOT
	awk -v sys="$sys" -v root="$root" '
		function keep(kind, p) {
			if (index(p, sys) == 1) p = "/sys" substr(p, length(sys) + 1)
			else if (index(p, root) != 1) return
			if (!((kind, p) in seen)) { seen[kind, p] = 1; print kind, p }
		}
		/^[0-9]+ +openat\(/ && !/O_PATH/ && / = [0-9]+</ {
			p = $0; sub(/.* = [0-9]+</, "", p); sub(/>$/, "", p)
			keep(/O_DIRECTORY/ ? "d" : "f", p); next
		}
		/^[0-9]+ +readlink(at)?\(/ && !/ = -1 / {
			m = $0
			if (m ~ /readlinkat\(AT_FDCWD/ || m ~ /readlink\(/) {
				sub(/^[^"]*"/, "", m); sub(/".*/, "", m)
			} else {
				d = m; sub(/^[^<]*</, "", d); sub(/>.*/, "", d)
				sub(/^[^"]*"/, "", m); sub(/".*/, "", m); m = d "/" m
			}
			keep("l", m)
		}' "$trace"
}

inside() {
	local w=$1 ts tr n
	strace -f -y -qq -e trace=openat,open,readlink,readlinkat -o "$w/reads" \
		"$SRIOVCTL" apply -q -f "$w/spec.yaml" >/dev/null 2>&1 || { echo "error: the no-op apply failed"; return 1; }
	attr_list "$w/reads" >"$w/attrs"
	echo "attrs $(grep -c '^f ' "$w/attrs") $(grep -c '^l ' "$w/attrs") $(grep -c '^d ' "$w/attrs")"
	strace -f -y -qq -e trace=write,pwrite64,writev -o "$w/writes" \
		"$SRIOVCTL" apply -q -f "$w/spec.yaml" >/dev/null 2>&1 || { echo "error: the no-op apply failed"; return 1; }
	n=$(grep -E '^[0-9]+ +(write|pwrite64|writev)\([0-9]+<' "$w/writes" |
		grep -cE "\(([0-9]+)<($UMOCKDEV_DIR/sys/|$SRIOVCTL_ROOT/etc/|/sys/|/etc/)")
	echo "writes $n"
	# the shared libraries it loads (start-up cost), less the simulation's preloads
	LD_DEBUG=files LD_DEBUG_OUTPUT="$w/ld" "$SRIOVCTL" apply -q -f "$w/spec.yaml" >/dev/null 2>&1
	echo "libs $(sed -n 's/.*file=\([^ ]*\) *\[[0-9]*\]; *\(needed\|dynamically loaded\) by.*/\1/p' "$w"/ld.* |
		sed 's|.*/||' | grep -v -e umockdev -e fakekernel | sort -u | tr '\n' ' ')"
	"$w/bareread" "$w/attrs" || { echo "error: the bare read failed"; return 1; }
	bench_time "$SRIOVCTL" apply -q -f "$w/spec.yaml" >/dev/null
	for _ in $(seq "$BENCH_REPEAT"); do
		ts=$(bench_time "$SRIOVCTL" apply -q -f "$w/spec.yaml") || { echo "error: the no-op apply failed"; return 1; }
		tr=$(bench_time "$w/bareread" "$w/attrs")
		echo "apply $ts"
		echo "read $tr"
	done
}

build_reader() {
	cat >"$1.c" <<-'EOF'
		#include <dirent.h>
		#include <fcntl.h>
		#include <stdio.h>
		#include <string.h>
		#include <unistd.h>
		int main(int argc, char **argv)
		{
			char line[4096], buf[65536];
			FILE *l = argc > 1 ? fopen(argv[1], "re") : NULL;
			if (!l)
				return 2;
			while (fgets(line, sizeof(line), l)) {
				char *p = line + 2;
				p[strcspn(p, "\n")] = 0;
				if (line[0] == 'f') {
					int fd = open(p, O_RDONLY | O_CLOEXEC);
					if (fd >= 0) {
						while (read(fd, buf, sizeof(buf)) > 0)
							;
						close(fd);
					}
				} else if (line[0] == 'l') {
					(void)!readlink(p, buf, sizeof(buf));
				} else if (line[0] == 'd') {
					DIR *d = opendir(p);
					while (d && readdir(d))
						;
					if (d)
						closedir(d);
				}
			}
			fclose(l);
			return 0;
		}
	EOF
	cc -O2 -o "$1" "$1.c"
}

main() {
	local out a r why
	command -v strace >/dev/null || { bench_figure "no-op apply time / bare read time" "not measured: no strace" "<= ${RATIO_GOAL}x" ""; exit 0; }
	T=$(mktemp -d "${TMPDIR:-/tmp}/bench-noop.XXXXXX") || exit 1
	trap 'rm -rf "$T"' EXIT
	build_reader "$T/bareread" || exit 1
	"$PYTHON" "$TOP/tests/apply/mkhost.py" "$T/state.yaml" --pfs "$PFS" --num-vfs "$VFS" \
		--total-vfs "$VFS" --spec "$T/spec.yaml" --want-vfs "$VFS" || exit 1
	out=$(SIMHOST_NO_LIBVIRT=1 "$TOP/tests/simhost/run" "$T/state.yaml" -- "$0" --inside "$T" 2>&1)
	why=$(grep -m1 '^error: ' <<<"$out" | sed 's/^error: //')
	if [ -n "$why" ] || ! grep -q '^read ' <<<"$out"; then
		[ -n "$why" ] || why="the simulated host failed: $(tail -n 3 <<<"$out" | tr '\n' ' ')"
		bench_figure "no-op apply time / bare read time" "not measured: $why" "<= ${RATIO_GOAL}x" ""
		exit 1
	fi
	read -r _ nf nl nd <<<"$(grep '^attrs ' <<<"$out")"
	a=$(grep '^apply ' <<<"$out" | awk '{ print $2 }' | bench_median)
	r=$(grep '^read ' <<<"$out" | awk '{ print $2 }' | bench_median)
	printf 'no-op apply of %d PFs x %d VFs: median %s; bare read of its %d files, %d links, %d directories: median %s (%d runs each)\n' \
		"$PFS" "$VFS" "$(bench_ms "$a")" "$nf" "$nl" "$nd" "$(bench_ms "$r")" "$BENCH_REPEAT"
	printf 'shared libraries the no-op apply loads: %s\n' "$(grep '^libs ' <<<"$out" | sed 's/^libs //')"
	bench_load
	bench_figure "no-op apply time / bare read time ($PFS PFs x $VFS VFs)" \
		"$(bench_div "$a" "$r")x ($(bench_ms "$a") / $(bench_ms "$r"))" "<= ${RATIO_GOAL}x" \
		"$(bench_cmp "$(bench_div "$a" "$r")" '<=' $RATIO_GOAL)"
	n=$(grep '^writes ' <<<"$out" | awk '{ print $2 }')
	bench_figure "no-op apply writes to /sys and /etc" "$n" "0" "$(bench_cmp "$n" '==' 0)"
}

if [ "${1:-}" = --inside ]; then
	inside "$2"
	exit
fi
main
