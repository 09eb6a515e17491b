#!/bin/bash
# SPDX-License-Identifier: MIT
# Many guests: the listing reads the domains with a few threads on one
# connection (libvirt.c). Each domain of `show --json` must carry its own
# XML, exactly as `virsh dumpxml --inactive` gives it: a mix-up between the
# threads, a domain lost or listed twice, or a wrong order would differ.
# The plan sees every guest's VFs: with the VFs made, nothing to change.
. "$(dirname "$0")/lib.sh"
need_shim
need_libvirt

GUESTS=40
"$PYTHON" "$TOP/tests/bench/mkbighost.py" "$T/state.yaml" "$T/spec.yaml" \
	--pfs 2 --vfs $GUESTS --guests $GUESTS --delay-ms 0 >/dev/null
is 0 $? "a host with $GUESTS guests holding 2 VFs each is built"

SIMHOST_START_TIMEOUT=120 "$RUN" "$T/state.yaml" -- bash -c '
	T=$1
	V="virsh -q -c $SRIOVCTL_LIBVIRT_URI"
	$V list --all --name | sed "/^$/d" | sort >"$T/names"
	mkdir -p "$T/virsh"
	while read -r name; do
		$V dumpxml --inactive "$name" >"$T/virsh/$name.xml"
	done <"$T/names"
	"$SRIOVCTL" show --json >"$T/show.json" 2>"$T/show.err"
	echo $? >"$T/show.rc"
	"$SRIOVCTL" apply -q -f "$T/spec.yaml" >"$T/apply.out" 2>&1
	echo $? >"$T/apply.rc"
	"$SRIOVCTL" plan -f "$T/spec.yaml" >"$T/plan.out" 2>&1
	echo $? >"$T/plan.rc"
' bash "$T" 2>"$T/run.err"
is 0 $? "simulated host with libvirtd runs"
sed 's/^/# /' "$T/run.err" "$T/show.err"

is "$GUESTS" "$(wc -l <"$T/names")" "libvirtd has the $GUESTS domains"
is 0 "$(cat "$T/show.rc")" "show exits 0"
mkdir -p "$T/show"
"$PYTHON" - "$T/show.json" "$T/show" >"$T/show.names" <<-'EOF'
	import json, sys
	d = json.load(open(sys.argv[1]))
	for dom in d["domains"]:
	    print(dom["name"])
	    with open(f"{sys.argv[2]}/{dom['name']}.xml", "w") as f:
	        f.write(dom["xml"])
EOF
same "$T/names" "$T/show.names" "show lists every domain once, sorted by name"
bad=0
while read -r name; do
	cmp -s "$T/virsh/$name.xml" "$T/show/$name.xml" && continue
	[ $bad = 0 ] && diff -u "$T/virsh/$name.xml" "$T/show/$name.xml" | head -n 20 | sed 's/^/#   /'
	bad=$((bad + 1))
done <"$T/names"
is 0 "$bad" "each domain in show has its own XML, as virsh gives it"

sed 's/^/# /' "$T/apply.out"
is 0 "$(cat "$T/apply.rc")" "apply makes the VFs the guests hold"
is 0 "$(cat "$T/plan.rc")" "plan exits 0 after it"
has '^No changes' "$T/plan.out" "the plan sees all the guests and finds nothing to change"

echo "1..$n"
