#!/bin/bash
# SPDX-License-Identifier: MIT
# Strings from the host or a file never reach the terminal raw: show's text
# and every diagnostic escape control characters (\n, \x1b ...), so that a
# hostname, file name, file content or domain name can neither forge a
# line nor hide text. Valid UTF-8 is kept.
set -u
cd "$TOP" || exit 1
. "$TOP/tests/lib/tap.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ESC=$(printf '\033')

# no_raw NAME FILE: FILE holds no control character but newlines
no_raw() {
	if LC_ALL=C grep -q "[$ESC$(printf '\a\r\t')]" "$2"; then
		fail "$1" "$(cat -A "$2" | head -20)"
	else
		ok "$1"
	fi
}

"$SRIOVCTL" show --state tests/state/hostile.state.yaml >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" = 0 ] && ok "show of a host with control characters in names: exit 0" ||
	fail "show of a host with control characters in names: exit 0" "exit $rc" "$(cat "$T/err")"
no_raw "show: no raw control character in the text" "$T/out"
if grep -qx 'HOST kvm\\x1b\[8m-07\\nHOST forged' "$T/out" && ! grep -q '^HOST forged' "$T/out"; then
	ok "show: the hostname is escaped on its own line"
else
	fail "show: the hostname is escaped on its own line" "$(cat "$T/out")"
fi
grep -q '^web1\\n- detach evil  shut off' "$T/out" && ok "show: a domain name cannot forge a row" ||
	fail "show: a domain name cannot forge a row" "$(cat "$T/out")"
grep -qF '/etc/modprobe.d/a\x1b]0;x\a.conf' "$T/out" && grep -qF '| options igb max_vfs=7 # \x1b[2J' "$T/out" &&
	ok "show: file names and contents are escaped" || fail "show: file names and contents are escaped" "$(cat "$T/out")"

# diagnostics: a file name and a guest name with control characters
bad="$T/$(printf 'evil\n\033[8m').yaml"
printf 'version: 1\nguests:\n  "web1\\n- detach x\\e[8m": {}\n' >"$bad"
"$SRIOVCTL" validate "$bad" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" = 65 ] && ok "validate: a control character in a guest name is an error" ||
	fail "validate: a control character in a guest name is an error" "exit $rc"
no_raw "validate: no raw control character in the diagnostics" "$T/err"
want="$T/evil\\n\\x1b[8m.yaml:3:3: error: guest name 'web1\\n- detach x\\x1b[8m' contains a control character (a newline, a tab, an escape ...)"
[ "$(cat "$T/err")" = "$want" ] && ok "validate: file and guest name escaped, one line" ||
	fail "validate: file and guest name escaped, one line" "got:  $(cat "$T/err")" "want: $want"
"$SRIOVCTL" validate "$T/$(printf 'no\033[2Jsuch').yaml" 2>"$T/err"
no_raw "validate: a missing file's name is escaped" "$T/err"
echo "1..$n"
