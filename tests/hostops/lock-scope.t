#!/bin/bash
# The lock and the host: guard are host-wide. Two applies with different
# --root (or SRIOVCTL_ROOT) exclude each other, since both write the same
# sysfs: the lock is /run/sriovctl.lock whatever the root. And --root does
# not change the hostname the host: guard compares with (only a captured
# host-state, --state, names another host).
set -u
. "$TOP/tests/hostops/lib.sh"

hostops_init 5
[ "$(id -u)" = 0 ] && unshare -m --propagation private true 2>/dev/null ||
	skip_all 5 "needs root and mount namespaces (a private /run)"
command -v flock >/dev/null || skip_all 5 "flock(1) is not installed"
echo "1..$COUNT"
write_spec 7
mkdir -p "$R/a" "$R/b" "$R/tmpfs"

# in a private /run: hold /run/sriovctl.lock as a run with root a would,
# then apply with root b, by --root and by SRIOVCTL_ROOT
unshare -m --propagation private bash -c '
	R=$1 SC=$2
	mount -t tmpfs tmpfs /run || exit 1
	exec 9>/run/sriovctl.lock
	flock -x 9
	"$SC" apply --root "$R/b" --libvirt test:///default -f "$R/desired.yaml" --lock-timeout 0.3 \
		>"$R/out1" 2>"$R/err1" 9>&-
	echo $? >"$R/rc1"
	SRIOVCTL_ROOT=$R/b "$SC" apply --libvirt test:///default -f "$R/desired.yaml" --lock-timeout 0.3 \
		>"$R/out2" 2>"$R/err2" 9>&-
	echo $? >"$R/rc2"
' lockscope "$R" "$SRIOVCTL"
[ "$(cat "$R/rc1")" = 1 ] && grep -qF "another sriovctl run holds '/run/sriovctl.lock'" "$R/err1"
ok_if $? "--root elsewhere: the run waits for the host-wide lock, then gives up"
[ "$(cat "$R/rc2")" = 1 ] && grep -qF "another sriovctl run holds '/run/sriovctl.lock'" "$R/err2"
ok_if $? "SRIOVCTL_ROOT elsewhere: the same"
[ ! -e "$R/b/etc/modprobe.d/sriovctl-$MODULE.conf" ]
ok_if $? "neither changed anything"

# the host: guard under --root reads the real hostname, not <root>/etc/hostname
mkdir -p "$R/g/etc"
echo "not-$(hostname)-really" >"$R/g/etc/hostname"
printf 'version: 1\nhost: not-%s-really\n' "$(hostname)" >"$R/guard.yaml"
"$SRIOVCTL" plan --root "$R/g" --libvirt test:///default -f "$R/guard.yaml" >"$R/out3" 2>"$R/err3"
rc=$?
[ "$rc" = 1 ] && grep -qF "this file is for host 'not-$(hostname)-really', but this is '$(hostname)'" "$R/err3"
ok_if $? "--root with another etc/hostname does not pass the host: guard (rc=$rc)"
printf 'version: 1\nhost: %s\n' "$(hostname)" >"$R/guard2.yaml"
"$SRIOVCTL" plan --root "$R/g" --libvirt test:///default -f "$R/guard2.yaml" >"$R/out4" 2>"$R/err4"
ok_if $? "the real hostname passes it under any --root"
