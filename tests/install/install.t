#!/bin/bash
# make install DESTDIR=... puts every file where it belongs (the Debian
# way: the program in sbin, man pages in man8 and man5, the completion
# where bash-completion loads it, schemas and examples in share/sriovctl,
# units and udev rules where systemd and udev read them), and make
# uninstall removes exactly those files again.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${B:-build}
. "$TOP/tests/lib/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$TOP" || exit 1

echo "1..11"

# mk ARGS...: make in the tree, not as part of the make that runs the tests
san=0
[ "$B" = build-san ] && san=1
mk() { env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s --no-print-directory B="$B" SANITIZE=$san "$@"; }

# expected PREFIX UNITDIR UDEVDIR UNITS RULES: the files, from the tree itself
expected() {
	local p=$1 f
	echo "$p/sbin/sriovctl"
	echo "$p/share/man/man8/sriovctl.8"
	echo "$p/share/man/man5/sriovctl.yaml.5"
	echo "$p/share/bash-completion/completions/sriovctl"
	for f in schema/*.json; do echo "$p/share/sriovctl/${f#schema/}"; done
	for f in examples/*.yaml examples/hosts/*.yaml; do echo "$p/share/sriovctl/$f"; done
	for f in $4; do echo "$2/${f##*/}"; done
	for f in $5; do echo "$3/${f##*/}"; done
}
files_in() { (cd "$1" && find . -type f -o -type l | sed 's|^\.||' | sort); }

units=$(ls systemd/*.service systemd/*.path systemd/*.timer 2>/dev/null)
rules=$(ls udev/*.rules 2>/dev/null)

d=$tmp/default
mk install DESTDIR="$d" >"$tmp/out" 2>&1
is 0 $? "make install DESTDIR=... (PREFIX /usr/local)"
expected /usr/local /usr/local/lib/systemd/system /usr/local/lib/udev/rules.d "$units" "$rules" |
	sort >"$tmp/want"
files_in "$d" >"$tmp/got"
is "" "$(diff "$tmp/want" "$tmp/got" | grep -E '^[<>]' | tr '\n' ' ')" \
	"it installs exactly the $(wc -l <"$tmp/want") files expected (< missing, > unexpected)"

d=$tmp/usr
touch "$tmp/keep"
mkdir -p "$d/usr/share/man/man8" "$d/usr/share/sriovctl"
cp "$tmp/keep" "$d/usr/share/man/man8/other.8"
mk install DESTDIR="$d" PREFIX=/usr UNITDIR=/lib/systemd/system UDEVRULESDIR=/lib/udev/rules.d \
	>"$tmp/out" 2>&1
expected /usr /lib/systemd/system /lib/udev/rules.d "$units" "$rules" |
	sed '$a /usr/share/man/man8/other.8' | sort >"$tmp/want"
files_in "$d" >"$tmp/got"
is "" "$(diff "$tmp/want" "$tmp/got" | grep -E '^[<>]' | tr '\n' ' ')" \
	"PREFIX=/usr UNITDIR=/lib/systemd/system UDEVRULESDIR=/lib/udev/rules.d (as debian/rules)"

mode=$(stat -c %a "$d/usr/sbin/sriovctl")
ver=$("$d/usr/sbin/sriovctl" --version 2>&1)
is "755 sriovctl" "$mode ${ver%% *}" "the installed program is executable and runs"
bad=$(find "$d" -type f ! -path '*/sbin/*' -perm /111)
is "" "$bad" "no other installed file is executable"
MANWIDTH=80 man -l "$d/usr/share/man/man5/sriovctl.yaml.5" 2>&1 | grep -q '^KEYS'
is 0 $? "the installed sriovctl.yaml(5) renders"

mk uninstall DESTDIR="$d" PREFIX=/usr UNITDIR=/lib/systemd/system UDEVRULESDIR=/lib/udev/rules.d \
	>"$tmp/out" 2>&1
is 0 $? "make uninstall DESTDIR=..."
is "/usr/share/man/man8/other.8" "$(files_in "$d" | tr '\n' ' ' | sed 's/ $//')" \
	"uninstall leaves no file of sriovctl's, and the others"
is "" "$(find "$d" -path '*/share/sriovctl*')" "uninstall removes share/sriovctl"
mk uninstall DESTDIR="$d" PREFIX=/usr >"$tmp/out" 2>&1
is 0 $? "uninstall again, with nothing left to remove"

# units and rules reach systemd's and udev's directories (stand-ins here,
# where the tree has none yet)
mkdir -p "$tmp/src"
printf '[Unit]\nDescription=x\n' >"$tmp/src/sriovctl-test.service"
printf '[Path]\nPathChanged=/x\n' >"$tmp/src/sriovctl-test.path"
printf '# rule\n' >"$tmp/src/90-sriovctl-test.rules"
d=$tmp/units
mk install DESTDIR="$d" PREFIX=/usr UNITDIR=/lib/systemd/system UDEVRULESDIR=/lib/udev/rules.d \
	UNITS="$tmp/src/sriovctl-test.service $tmp/src/sriovctl-test.path" \
	UDEV_RULES="$tmp/src/90-sriovctl-test.rules" >"$tmp/out" 2>&1
is "/lib/systemd/system/sriovctl-test.path /lib/systemd/system/sriovctl-test.service /lib/udev/rules.d/90-sriovctl-test.rules" \
	"$(files_in "$d" | grep -E '^/lib/' | tr '\n' ' ' | sed 's/ $//')" \
	"units go to UNITDIR, udev rules to UDEVRULESDIR"
