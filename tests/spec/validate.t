#!/bin/bash
# sriovctl validate on the examples and the invalid fixtures: exit codes,
# exact diagnostics (golden .err files), -q, and errors without a line.
set -u
cd "$TOP" || exit 1
. "$TOP/tests/lib/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Run validate; sets rc, out, err.
run() {
	"$SRIOVCTL" validate "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

for f in examples/*.yaml; do
	run "$f"
	if [ "$rc" = 0 ] && [ -z "$err" ] && [[ "$out" == "$f: valid ("* ]]; then
		ok "$f is valid"
	else
		fail "$f is valid" "exit $rc" "$err"
	fi
	run -q "$f"
	if [ "$rc" = 0 ] && [ -z "$out" ] && [ -z "$err" ]; then
		ok "validate -q $f is silent"
	else
		fail "validate -q $f is silent" "exit $rc" "out: $out" "err: $err"
	fi
done
run examples/*.yaml
[ "$rc" = 0 ] && ok "validate examples/*.yaml exits 0" || fail "validate examples/*.yaml exits 0" "exit $rc" "$err"

for f in tests/spec/invalid/*.yaml tests/spec/invalid-semantic/*.yaml; do
	golden=${f%.yaml}.err
	if [ ! -f "$golden" ]; then
		fail "$f has a golden file" "missing $golden"
		continue
	fi
	run "$f"
	if [ "$rc" = 65 ] && [ -z "$out" ] && diff -u "$golden" "$tmp/err" >"$tmp/diff"; then
		ok "$f: exit 65 with the expected diagnostics"
	else
		fail "$f: exit 65 with the expected diagnostics" "exit $rc" "$(cat "$tmp/diff")"
	fi
	if grep -qv "^$f:[0-9]*:[0-9]*: error: \|^$f: error: " "$golden" || [ ! -s "$golden" ]; then
		fail "$golden: every line is FILE[:LINE:COL]: error: message" "$(cat "$golden")"
	else
		ok "$golden: every line is FILE[:LINE:COL]: error: message"
	fi
	run -q "$f"
	if [ "$rc" = 65 ] && [ -z "$out" ] && diff -q "$golden" "$tmp/err" >/dev/null; then
		ok "validate -q $f prints only the diagnostics"
	else
		fail "validate -q $f prints only the diagnostics" "exit $rc" "out: $out"
	fi
done
for g in tests/spec/invalid/*.err tests/spec/invalid-semantic/*.err; do
	[ -f "${g%.err}.yaml" ] || fail "$g has a fixture" "no ${g%.err}.yaml"
done

# One valid and one invalid file: 65, and the valid one is still reported.
run examples/seed-82576.yaml tests/spec/invalid/version.yaml
if [ "$rc" = 65 ] && [[ "$out" == "examples/seed-82576.yaml: valid"* ]] &&
	[ "$err" = "tests/spec/invalid/version.yaml:2:10: error: unsupported version 2 (only version 1 is supported)" ]; then
	ok "a valid and an invalid file: exit 65, both reported"
else
	fail "a valid and an invalid file: exit 65, both reported" "exit $rc" "$out" "$err"
fi

# Errors that have a file but no line.
expect_err() { # name expected-stderr args...
	local name=$1 want=$2
	shift 2
	run "$@"
	if [ "$rc" = 65 ] && [ "$err" = "$want" ]; then
		ok "$name"
	else
		fail "$name" "exit $rc" "got:  $err" "want: $want"
	fi
}
expect_err "missing file" "$tmp/none.yaml: error: cannot open file: no such file or directory" "$tmp/none.yaml"
mkdir "$tmp/dir.yaml"
expect_err "directory" "$tmp/dir.yaml: error: cannot read file: is a directory" "$tmp/dir.yaml"
{ echo "version: 1"; head -c $((16 * 1024 * 1024)) /dev/zero | tr '\0' '#'; } >"$tmp/big.yaml"
expect_err "file over 16 MiB" "$tmp/big.yaml: error: file is larger than 16 MiB" "$tmp/big.yaml"
printf 'version: 1\n' >"$tmp/secret.yaml"
chmod 000 "$tmp/secret.yaml"
chmod 755 "$tmp"
if [ "$(id -u)" = 0 ]; then
	if command -v setpriv >/dev/null; then
		err=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$SRIOVCTL" validate "$tmp/secret.yaml" 2>&1 >/dev/null)
		rc=$?
		want="$tmp/secret.yaml: error: cannot open file: permission denied"
		[ "$rc" = 65 ] && [ "$err" = "$want" ] && ok "unreadable file" ||
			fail "unreadable file" "exit $rc" "got:  $err" "want: $want"
	else
		ok "unreadable file # SKIP root reads everything and setpriv is missing"
	fi
else
	expect_err "unreadable file" "$tmp/secret.yaml: error: cannot open file: permission denied" "$tmp/secret.yaml"
fi

# Every error class of the loader has a fixture.
classes=(
	"unknown key:unknown key '.*' .*(did you mean"
	"wrong type:wrong type for"
	"missing required key:missing required key"
	"version:unsupported version"
	"malformed PCI address:malformed PCI address"
	"malformed MAC:malformed MAC address"
	"multicast MAC:is multicast"
	"VLAN range:vlan [-0-9]* is out of range 0..4095"
	"QoS range:qos [-0-9]* is out of range 0..7"
	"negative count:num-vfs -1 is out of range"
	"non-integer count:'num-vfs': expected an integer, got a number"
	"rates:min-tx-rate [0-9]* exceeds max-tx-rate"
	"duplicate PF:PF '.*' is declared twice"
	"VF id >= num-vfs:does not exist: num-vfs is"
	"VF to two guests:is given to two guests"
	"VF twice to one guest:is given twice to guest"
	"PCI device to two guests:PCI device '.*' is given to two guests"
	"same MAC on two VFs:MAC address '.*' is used twice"
	"MAC disagrees:disagrees with"
	"undeclared PF:in 'vf.pf' is not declared in 'pfs'"
	"duplicate YAML key:duplicate key"
	"billion laughs:billion-laughs"
	"non-UTF-8:invalid UTF-8 byte"
	"empty file:empty file: expected a mapping"
	"multiple documents:more than one YAML document"
	"module name:invalid module name '\.\.'"
	"module file escape:module file '/etc/modprobe.d/\.\./"
	"module file suffix:module file '.*\.txt'"
	"interface only:is only valid for a device of type interface"
	"persistent and live:'persistent' and 'live' both false"
)
for c in "${classes[@]}"; do
	name=${c%%:*} re=${c#*:}
	if cat tests/spec/invalid/*.err tests/spec/invalid-semantic/*.err | grep -q -- "$re"; then
		ok "error class has a fixture: $name"
	else
		fail "error class has a fixture: $name" "no golden line matches /$re/"
	fi
done
echo "1..$n"
