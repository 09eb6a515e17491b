#!/bin/bash
# sriovctl show --state FILE [--json | --format state] against golden files,
# and the exact load errors of tests/state/bad/*.yaml ("FILE:LINE:COL:
# error: ..."), of an empty file, a directory, a file over 16 MiB.
# SRIOVCTL_REGEN_GOLDEN=1 rewrites the goldens (only deliberately).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
SRIOVCTL=${SRIOVCTL:-$TOP/build/sriovctl}
PYTHON=${PYTHON:-/usr/bin/python3}
cd "$TOP" || exit 1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

. "$TOP/tests/lib/tap.sh"

fixtures="examples/hosts/seed-82576.state.yaml:seed-82576
examples/hosts/seed-82576-applied.state.yaml:seed-82576-applied
tests/state/rich.state.yaml:rich
tests/state/nolibvirt.state.yaml:nolibvirt
tests/state/iommu.state.yaml:iommu"
bad=$(ls tests/state/bad/*.yaml)
echo "1..$(($(echo "$fixtures" | wc -l) * 4 + $(echo "$bad" | wc -l) + 7))"

# show: the output matches the golden, nothing on stderr, exit 0
golden() { # fixture golden args...
	local f=$1 g=$2
	shift 2
	"$SRIOVCTL" show --state "$f" "$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	[ -n "${SRIOVCTL_REGEN_GOLDEN:-}" ] && cp "$tmp/out" "$g"
	[ "$rc" -eq 0 ] || { echo "exit status $rc"; cat "$tmp/err"; return 1; }
	[ ! -s "$tmp/err" ] || { echo "stderr:"; cat "$tmp/err"; return 1; }
	diff -u "$g" "$tmp/out"
}

# --format state gives the file back (without simulate:, which only the simulated host reads)
state_back() { # fixture
	"$SRIOVCTL" show --state "$1" --format state >"$tmp/state" 2>&1 || { cat "$tmp/state"; return 1; }
	sed '/^simulate:/,$d' "$1" >"$tmp/want"
	diff -u "$tmp/want" "$tmp/state" || return 1
	# and what it wrote loads again to the same thing
	"$SRIOVCTL" show --state "$tmp/state" --json >"$tmp/j2" || return 1
	"$SRIOVCTL" show --state "$1" --json | diff -u - "$tmp/j2"
}

json_valid() { # fixture
	"$SRIOVCTL" show --state "$1" --json | "$PYTHON" -c 'import json, sys; json.load(sys.stdin)'
}

while IFS=: read -r f g; do
	check_log "show --state $f (text)" golden "$f" "tests/state/golden/$g.txt"
	check_log "show --state $f --json" golden "$f" "tests/state/golden/$g.json" --json
	check_log "show --state $f --json is valid JSON" json_valid "$f"
	check_log "show --state $f --format state gives the file back" state_back "$f"
done <<<"$fixtures"

# errors: exit 1, exactly the expected diagnostics on stderr (the file's
# leading "# expect: LINE:COL: error: ..." lines, each prefixed with the
# file's name; "# expect: error: ..." for an error without a place),
# nothing on stdout
expected() { # file: its expected stderr
	LC_ALL=C sed -n '1s/^\xef\xbb\xbf//; /^# expect: /!q; s/^# expect: //p' "$1" |
		while IFS= read -r l; do
			case $l in
			error:*) printf '%s: %s\n' "$1" "$l" ;;
			*) printf '%s:%s\n' "$1" "$l" ;;
			esac
		done
}
bad_file() { # file
	local rc
	expected "$1" >"$tmp/want"
	[ -s "$tmp/want" ] || { echo "no '# expect:' line"; return 1; }
	"$SRIOVCTL" show --state "$1" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq 1 ] || { echo "exit status $rc, expected 1"; return 1; }
	[ ! -s "$tmp/out" ] || { echo "stdout not empty"; return 1; }
	diff -u "$tmp/want" "$tmp/err"
}
for f in $bad; do
	check_log "show --state $f fails with its place" bad_file "$f"
done

# inputs that cannot be a file in the tree: exactly this on stderr, exit 1
bad_input() { # path expected-stderr
	"$SRIOVCTL" show --state "$1" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	[ "$rc" -eq 1 ] || { echo "exit status $rc, expected 1"; cat "$tmp/err"; return 1; }
	[ ! -s "$tmp/out" ] || { echo "stdout not empty"; return 1; }
	printf '%s\n' "$2" | diff -u - "$tmp/err"
}
: >"$tmp/empty.yaml"
check_log "an empty file" bad_input "$tmp/empty.yaml" \
	"$tmp/empty.yaml: error: empty file: expected a mapping with 'version: 1' and 'kind: host-state'"
printf '\357\273\277' >"$tmp/bom-only.yaml"
check_log "a file of only a byte order mark is empty" bad_input "$tmp/bom-only.yaml" \
	"$tmp/bom-only.yaml: error: empty file: expected a mapping with 'version: 1' and 'kind: host-state'"
mkdir "$tmp/dir.yaml"
check_log "a directory" bad_input "$tmp/dir.yaml" "$tmp/dir.yaml: error: cannot read file: is a directory"
{
	printf 'version: 1\nkind: host-state\nfiles:\n  /etc/big: "'
	head -c $((16 << 20)) /dev/zero | tr '\0' x
	printf '"\n'
} >"$tmp/big.yaml"
check_log "a file over 16 MiB" bad_input "$tmp/big.yaml" "$tmp/big.yaml: error: file is larger than 16 MiB"
check_log "a missing file" bad_input "$tmp/nonexistent.yaml" \
	"$tmp/nonexistent.yaml: error: cannot open file: no such file or directory"

usage() {
	"$SRIOVCTL" show --state examples/hosts/seed-82576.state.yaml --format yaml >/dev/null 2>&1
	[ $? -eq 64 ]
}
check_log "show --format with an unknown format is a usage error" usage

# the text table has no trailing blanks and no tabs from the tool itself
no_trailing() { ! grep -n ' $' tests/state/golden/*.txt; }
check_log "text goldens have no trailing blanks" no_trailing

[ "$n_fail" -eq 0 ]
