#!/bin/bash
# The man pages: both render with man -l without a warning, and
# sriovctl(8) documents exactly the commands and long options the program's
# help lists: `sriovctl --help` and, where a command has a help of its own,
# `sriovctl COMMAND --help`. An option line of a help is one that starts
# with "-x, --long" or "--long" after the indentation; a command synopsis
# adds the options it shows in brackets. In the page, an option is defined
# by a line starting with "*--long*" or "*-x*, *--long*" (OPTIONS), a
# command by a line starting with "*COMMAND*" (COMMANDS).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${B:-build}
SRIOVCTL=${SRIOVCTL:-$TOP/$B/sriovctl}
. "$TOP/tests/lib/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$TOP" || exit 1
page8=doc/sriovctl.8.scd

echo "1..8"

# render PAGE NAME: man -l formats the built page, groff warns about nothing
render() {
	local page=$B/doc/$1
	if [ ! -f "$page" ]; then
		fail "man -l renders $1" "$page is not built (make man)"
		return
	fi
	MANWIDTH=80 man --warnings -l "$page" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ] && grep -q '^NAME' "$tmp/out" &&
		grep -q "^ *$2 - " "$tmp/out"; then
		ok "man -l renders $1"
	else
		fail "man -l renders $1 (exit $rc)" "$(head -n 5 "$tmp/err")"
	fi
}
render sriovctl.8 sriovctl
render sriovctl.yaml.5 sriovctl.yaml

# the long options a help text lists
help_options() {
	grep -oE '^ +(-[A-Za-z0-9], )?--[a-z][a-z0-9-]*' "$1" | grep -oE -- '--[a-z][a-z0-9-]*'
	grep -oE '\[--[a-z][a-z0-9-]*' "$1" | tr -d '['
}
# the commands the top-level help lists: two-space indented words under "Commands:"
help_commands() {
	awk '/^Commands:/ { on = 1; next } on && /^$/ { exit }
		on && /^  [a-z]/ { print $1 }' "$1"
}

"$SRIOVCTL" --help >"$tmp/help" 2>&1
help_commands "$tmp/help" | sort -u >"$tmp/cmds"
help_options "$tmp/help" >"$tmp/opts.all"
: >"$tmp/own"
while read -r c; do
	# a command's own help, where it has one (the top-level help otherwise)
	if "$SRIOVCTL" "$c" --help >"$tmp/help.$c" 2>&1; then
		help_options "$tmp/help.$c" >>"$tmp/opts.all"
		cmp -s "$tmp/help" "$tmp/help.$c" || echo "$c" >>"$tmp/own"
	else
		echo "$c --help exits non-zero" >>"$tmp/own.bad"
	fi
done <"$tmp/cmds"
sort -u "$tmp/opts.all" >"$tmp/opts"

grep -oE '^\*[a-z][a-z-]*\*' "$page8" | tr -d '*' | sort -u >"$tmp/man.cmds.all"
# COMMANDS section only
awk '/^# COMMANDS/ { on = 1; next } /^# / { on = 0 } on' "$page8" |
	grep -oE '^\*[a-z][a-z-]*\*' | tr -d '*' | sort -u >"$tmp/man.cmds"
awk '/^# OPTIONS/ { on = 1; next } /^# / { on = 0 } on' "$page8" |
	grep -E '^\*-' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u >"$tmp/man.opts"

if [ -s "$tmp/cmds" ] && [ -s "$tmp/opts" ] && [ ! -s "$tmp/own.bad" ] 2>/dev/null; then
	ok "the help lists $(wc -l <"$tmp/cmds") commands and $(wc -l <"$tmp/opts") long options ($(wc -l <"$tmp/own") commands with a help of their own)"
else
	fail "the help lists commands and options" "$(cat "$tmp/help" "$tmp/own.bad" 2>/dev/null | head -n 20)"
fi

missing=$(comm -23 "$tmp/opts" "$tmp/man.opts")
is "" "$missing" "every long option of the help is defined in sriovctl(8)'s OPTIONS"
extra=$(comm -13 "$tmp/opts" "$tmp/man.opts")
is "" "$extra" "every option sriovctl(8) defines is in a help"
missing=$(comm -23 "$tmp/cmds" "$tmp/man.cmds")
is "" "$missing" "every command of the help has its entry in sriovctl(8)'s COMMANDS"
extra=$(comm -13 "$tmp/cmds" "$tmp/man.cmds")
is "" "$extra" "every command sriovctl(8) describes is in the help"

# each exit status the help names is in EXIT STATUS, and the reverse
tr '\n' ' ' <"$tmp/help" | grep -oE '(^|[ ,:])[0-9]+ [a-z]' | grep -oE '[0-9]+' | sort -u >"$tmp/codes"
awk '/^# EXIT STATUS/ { on = 1; next } /^# / { on = 0 } on' "$page8" |
	grep -oE '^\*[0-9]+\*' | tr -d '*' | sort -u >"$tmp/man.codes"
is "$(tr '\n' ' ' <"$tmp/codes")" "$(tr '\n' ' ' <"$tmp/man.codes")" \
	"sriovctl(8)'s EXIT STATUS lists the exit codes of the help"
