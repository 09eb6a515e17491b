# Shared by tests/hostops/*.t: TAP helpers and a sriovctl run on a temp root.
# The module name exists on no kernel, so nothing is ever loaded or unloaded.
MODULE=sriovctl_test_nic
CONF=/etc/modprobe.d/sriovctl-$MODULE.conf
n=0

. "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"

skip_all() { # skip_all COUNT REASON
	echo "1..$1"
	for i in $(seq 1 "$1"); do echo "ok $i - hostops # SKIP $2"; done
	exit 0
}

hostops_init() { # hostops_init COUNT: a temp root $R, removed on exit
	R=$(mktemp -d /tmp/sriovctl-hostops-XXXXXX)
	trap 'hostops_cleanup' EXIT
	COUNT=$1
}

hostops_cleanup() {
	for m in $(awk -v r="$R" '$2 ~ "^" r { print $2 }' /proc/self/mounts | sort -r); do
		umount "$m" 2>/dev/null
	done
	rm -rf "$R"
}

write_spec() { # write_spec MAX_VFS
	cat >"$R/desired.yaml" <<EOT
version: 1
modules:
  $MODULE:
    options: {max_vfs: $1}
EOT
}

# sc COMMAND [ARGS]: sriovctl on the temp root, no libvirt daemon needed
# The lock is host-wide (/run/sriovctl.lock whatever --root says): as root,
# the run gets a private mount namespace whose /run is $R/run.
sc() {
	local cmd=$1
	shift
	if [ "$(id -u)" = 0 ] && unshare -m --propagation private true 2>/dev/null; then
		mkdir -p "$R/run"
		unshare -m --propagation private sh -c 'mount --bind "$1/run" /run && shift && exec "$@"' \
			sc "$R" "$SRIOVCTL" "$cmd" --root "$R" --libvirt test:///default -f "$R/desired.yaml" "$@"
	else
		"$SRIOVCTL" "$cmd" --root "$R" --libvirt test:///default -f "$R/desired.yaml" "$@"
	fi
}


# The names in a directory, one line: temporary files would show here.
listing() { ls -A "$1" | tr '\n' ' ' | sed 's/ $//'; }

elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }

# between X LOW HIGH: LOW <= X < HIGH
between() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x < hi) }'; }
