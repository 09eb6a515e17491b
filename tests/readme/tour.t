#!/bin/bash
# SPDX-License-Identifier: MIT
# The README's five-minute tour is what sriovctl prints: its commands
# ("    # build/sriovctl ...") run in that order on the simulated seed
# host, and every output line the README shows under a command is a line
# of that command's output ("..." inside a line stands for any text).
. "$(dirname "$0")/../simhost/lib.sh"
SRIOVCTL=${SRIOVCTL:-$TOP/$B/sriovctl}
need_shim
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root (the tour's guest lives in a private libvirtd)"
	exit 0
fi
cd "$TOP" || exit 1

# the tour: "CMD<TAB>command" and "OUT<TAB>line" records, in order
awk '/^## A five-minute tour/ { on = 1; next } /^## / { on = 0 }
	on && /^    # build\/sriovctl / { sub(/^    # build\/sriovctl /, ""); print "CMD\t" $0; next }
	on && /^    [^ #]/ && !/^    tests\/simhost/ { sub(/^    /, ""); print "OUT\t" $0 }' README.md >"$T/tour"
cmds=$(grep -c '^CMD' "$T/tour")
echo "1..$((cmds + 1))"
if [ "$cmds" -ge 4 ]; then ok "the README's tour has $cmds commands"; else not_ok "the README's tour has commands"; fi

# run them all on one simulated host, each output in $T/out.N
grep '^CMD' "$T/tour" | cut -f 2 >"$T/cmds"
"$RUN" examples/hosts/seed-82576.state.yaml -- env SC="$SRIOVCTL" T="$T" bash -c '
	i=0
	while IFS= read -r c; do
		i=$((i + 1))
		eval "\"\$SC\" $c" >"$T/out.$i" 2>&1
	done <"$T/cmds"
' >"$T/run.log" 2>&1

# the lines the README shows under command N, in $T/want.N
i=0
while IFS=$'\t' read -r kind text; do
	if [ "$kind" = CMD ]; then
		i=$((i + 1))
		: >"$T/want.$i"
	elif [ "$text" != "..." ]; then
		printf '%s\n' "$text" >>"$T/want.$i"
	fi
done <"$T/tour"

# each wanted line matches a whole output line, "..." matching anything
for j in $(seq "$cmds"); do
	cmd=$(sed -n "${j}p" "$T/cmds")
	missing=""
	while IFS= read -r want; do
		re=$(printf '%s' "$want" | sed 's/[][\.*^$+?(){}|]/\\&/g; s/\\\.\\\.\\\./.*/g')
		grep -qE "^${re}\$" "$T/out.$j" || missing="$missing[$want] "
	done <"$T/want.$j"
	if [ -f "$T/out.$j" ] && [ -z "$missing" ]; then
		ok "sriovctl $cmd: the README's lines are its output"
	else
		fail "sriovctl $cmd: the README's lines are its output" "missing: $missing" \
			"$(head -n 20 "$T/out.$j" 2>/dev/null)"
	fi
done
