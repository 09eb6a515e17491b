#!/bin/bash
# completion/sriovctl.bash driven as bash drives it: COMP_WORDS and
# COMP_CWORD set, _sriovctl called, COMPREPLY checked. Its commands and
# per-command options are those of the help (`sriovctl --help`, and
# `sriovctl COMMAND --help` where a command has its own); domain names come
# from virsh (a stand-in on PATH that logs how it was called).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${B:-build}
SRIOVCTL=${SRIOVCTL:-$TOP/$B/sriovctl}
. "$TOP/tests/lib/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "1..28"

# shellcheck source=../../completion/sriovctl.bash
if bash -n "$TOP/completion/sriovctl.bash" && . "$TOP/completion/sriovctl.bash" &&
	complete -p sriovctl | grep -q -- '-F _sriovctl sriovctl$'; then
	ok "the script loads and registers _sriovctl for sriovctl"
else
	not_ok "the script loads and registers _sriovctl for sriovctl"
fi

# comp LINE: COMPREPLY for the command line LINE (cursor at its end; a
# trailing space starts an empty word), sorted, one line
comp() {
	local line=$1
	read -r -a COMP_WORDS <<<"$line"
	[[ $line == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=$line COMP_POINT=${#line}
	COMPREPLY=()
	_sriovctl sriovctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]+"${COMPREPLY[@]}"}" | sort | tr '\n' ' ' | sed 's/ $//'
}

is "apply doctor help metrics plan qemu-args show validate" "$(comp 'sriovctl ')" "commands"
is "plan" "$(comp 'sriovctl pl')" "a command's prefix"
is "--detailed-exitcode" "$(comp 'sriovctl plan --d')" "plan's options: --detailed-exitcode, not apply's --dry-run"
is "--dry-run" "$(comp 'sriovctl apply --d')" "apply's options: --dry-run"
is "" "$(comp 'sriovctl validate --forc')$(comp 'sriovctl qemu-args --j')" \
	"validate has no --force, qemu-args no --json"
is "--detailed-exitcode" "$(comp 'sriovctl --root /tmp -f x.yaml plan --de')" \
	"option arguments before the command are not the command"

mkdir -p "$tmp/files/conf.d"
touch "$tmp/files/host.yaml" "$tmp/files/other.yml" "$tmp/files/plan.json" "$tmp/files/notes.txt"
cd "$tmp/files" || exit 1
is "conf.d/ host.yaml other.yml" "$(comp 'sriovctl plan -f ')" "-f: desired-state files and directories"
is "conf.d/ host.yaml other.yml" "$(comp 'sriovctl validate ')" "validate FILE...: desired-state files"
is "host.yaml" "$(comp 'sriovctl apply h')" "a command's FILE argument: desired-state files"
is "conf.d/ plan.json" "$(comp 'sriovctl apply --plan ')" "--plan: saved plans (*.json)"
is "plan.json" "$(comp 'sriovctl plan -o p')" "-o: saved plans"
is "conf.d" "$(comp 'sriovctl --root ')" "--root: directories"
is "dot json spec state text" "$(comp 'sriovctl show --format ')" "show --format: text, json, state, spec, dot"
is "all guests host" "$(comp 'sriovctl apply --scope ')" "--scope: host, guests, all"
is "always auto never" "$(comp 'sriovctl plan --color ')" "--color: auto, always, never"
is "plan" "$(comp 'sriovctl help pl')" "help COMMAND: command names"
is "dot json text" "$(comp 'sriovctl plan --format ')" "plan --format: text, json, dot"

# a virsh stand-in: logs its arguments, prints two domains and noise on stderr
mkdir -p "$tmp/bin"
cat >"$tmp/bin/virsh" <<VIRSH
#!/bin/sh
echo "\$*" >>"$tmp/virsh.log"
echo "virsh: some warning" >&2
case "\$*" in *fail*) exit 1 ;; esac
printf 'MyGuest\nweb 1\nMyOther\n'
VIRSH
chmod +x "$tmp/bin/virsh"
out=$(PATH="$tmp/bin:$PATH" comp 'sriovctl qemu-args My' 2>"$tmp/err")
is "MyGuest MyOther" "$out" "qemu-args GUEST: libvirt domain names"
is "-q list --all --name" "$(head -n 1 "$tmp/virsh.log")" "from 'virsh list --all --name', virsh's stderr unseen ($(wc -c <"$tmp/err") bytes)"
: >"$tmp/virsh.log"
PATH="$tmp/bin:$PATH" comp 'sriovctl --libvirt test:///default qemu-args ' >/dev/null 2>&1
is "-c test:///default -q list --all --name" "$(head -n 1 "$tmp/virsh.log")" \
	"--libvirt URI on the line is the URI virsh lists"
out=$(PATH="$tmp/bin:$PATH" comp 'sriovctl --libvirt qemu:///fail qemu-args ' 2>&1)
is "" "$out" "virsh failing: no names and no message"
is "host.yaml" "$(PATH="$tmp/bin:$PATH" comp 'sriovctl qemu-args MyGuest ho')" \
	"qemu-args GUEST FILE: then a desired-state file"

# the completion's table against the help
cd "$TOP" || exit 1
"$SRIOVCTL" --help >"$tmp/help" 2>&1
help_longs() {
	{
		grep -oE '^ +(-[A-Za-z0-9], )?--[a-z][a-z0-9-]*' "$1" | grep -oE -- '--[a-z][a-z0-9-]*'
		grep -oE '\[--[a-z][a-z0-9-]*' "$1" | tr -d '['
	} | sort -u
}
longs() { tr ' ' '\n' | grep -E '^--' | sort -u; }
cmds=$(awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on && /^  [a-z]/ { print $1 }' "$tmp/help" | sort -u)
is "$(echo "$cmds" | tr '\n' ' ')" "$(echo "$_sriovctl_commands" | tr ' ' '\n' | sort -u | tr '\n' ' ')" \
	"the completion's commands are the help's"
help_longs "$tmp/help" >"$tmp/all.help"
: >"$tmp/all.comp"
own_bad=""
for c in $cmds; do
	_sriovctl_options "$c" | longs >"$tmp/comp.$c"
	cat "$tmp/comp.$c" >>"$tmp/all.comp"
	"$SRIOVCTL" "$c" --help >"$tmp/help.$c" 2>&1 || continue
	cmp -s "$tmp/help" "$tmp/help.$c" && continue
	# a help of its own: exactly its options
	help_longs "$tmp/help.$c" >"$tmp/help.$c.opts"
	cat "$tmp/help.$c.opts" >>"$tmp/all.help"
	d=$(diff "$tmp/help.$c.opts" "$tmp/comp.$c" | grep -E '^[<>]' | tr '\n' ' ')
	[ -z "$d" ] || own_bad="$own_bad $c: $d;"
done
is "" "$own_bad" "a command with a help of its own completes exactly its options (< help only, > completion only)"
sort -u -o "$tmp/all.help" "$tmp/all.help"
sort -u -o "$tmp/all.comp" "$tmp/all.comp"
is "" "$(comm -23 "$tmp/all.help" "$tmp/all.comp" | tr '\n' ' ')" "every long option of the help is completed"
is "" "$(comm -13 "$tmp/all.help" "$tmp/all.comp" | tr '\n' ' ')" "every option completed is in the help"
is "" "$(for o in $_sriovctl_with_arg; do [[ $o == --* ]] || continue; grep -qE -- "(^|[ ,])${o}[ =][A-Z]" "$tmp/help" "$tmp"/help.* || echo "$o"; done | tr '\n' ' ')" \
	"the options completed as taking an argument take one in the help"
