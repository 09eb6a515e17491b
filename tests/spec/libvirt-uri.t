#!/bin/bash
# SPDX-License-Identifier: MIT
# A desired-state file cannot make sriovctl run a program: a libvirt URI
# with libvirt's ext transport (command=PROGRAM) is refused by validate and
# by plan before libvirt is reached, and the program never runs.
set -u
cd "$TOP" || exit 1
. "$TOP/tests/lib/tap.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

cat >"$T/evil.sh" <<SH
#!/bin/sh
touch "$T/ran"
exit 1
SH
chmod +x "$T/evil.sh"
cat >"$T/spec.yaml" <<YAML
version: 1
libvirt: {uri: "qemu+ext:///system?command=$T/evil.sh"}
guests:
  web1:
    devices:
      - pci: "0000:0b:10.0"
YAML

for cmd in validate plan show; do
	case $cmd in
	validate) args=("$T/spec.yaml") ;;
	*) args=(-f "$T/spec.yaml" --root "$T") ;;
	esac
	rm -f "$T/ran"
	timeout 60 "$SRIOVCTL" "$cmd" "${args[@]}" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	if [ "$rc" = 65 ] && grep -q "^$T/spec.yaml:2:16: error: libvirt uri .* uses transport 'ext'" "$T/err"; then
		ok "$cmd: exit 65, the URI refused at its place"
	else
		fail "$cmd: exit 65, the URI refused at its place" "exit $rc" "$(cat "$T/err")"
	fi
	if [ ! -e "$T/ran" ]; then
		ok "$cmd: the URI's command did not run"
	else
		fail "$cmd: the URI's command did not run"
	fi
done
echo "1..$n"
