#!/bin/sh
# make deb: build the Debian package (dpkg-buildpackage -us -uc -b) in a
# copy of the tree, so that the build never touches the checkout (its
# build/ and the directory above it), then check it: lintian reports no
# error, the package holds what make install installs, and its
# maintainer scripts enable sriovctl.service and sriovctl-guests.service,
# not sriovctl.path. The .deb and lintian's report land in build/deb/.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${DEB_OUT:-$top/build/deb}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ver=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
src=$tmp/sriovctl-$ver
mkdir -p "$src" "$out"
tar -C "$top" --exclude=./.git --exclude=./build --exclude=./build-san --exclude=./build-fuzz \
	--exclude=./debian/sriovctl --exclude=./debian/.debhelper --exclude=./debian/files \
	--exclude='./debian/*.substvars' --exclude='./debian/*.log' -cf - . | tar -C "$src" -xf -
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1 || {
	tail -n 60 "$out/build.log" >&2
	echo "deb: dpkg-buildpackage failed (log: $out/build.log)" >&2
	exit 1
}
deb=$(ls "$tmp"/sriovctl_"$ver"_*.deb)
rm -f "$out"/*.deb
cp "$deb" "$out/"
echo "deb: built $out/${deb##*/}"

fail=0
lintian --fail-on error --display-info "$tmp"/sriovctl_"$ver"_*.changes >"$out/lintian.txt" 2>&1 || fail=1
sed 's/^/lintian: /' "$out/lintian.txt"
[ "$fail" = 0 ] || echo "deb: lintian reports errors" >&2

dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$tmp/files"
for f in /usr/sbin/sriovctl /usr/share/man/man8/sriovctl.8.gz /usr/share/man/man5/sriovctl.yaml.5.gz \
	/usr/share/bash-completion/completions/sriovctl /usr/share/sriovctl/sriovctl.schema.json \
	/usr/share/sriovctl/examples/seed-82576.yaml /lib/systemd/system/sriovctl.service \
	/lib/systemd/system/sriovctl-guests.service /lib/systemd/system/sriovctl.path; do
	grep -qx "$f" "$tmp/files" || { echo "deb: $f is not in the package" >&2; fail=1; }
done
dpkg-deb -e "$deb" "$tmp/control"
# enabled: enable on first install; installed only: enable only what the
# admin enabled before (dh_installsystemd --no-enable guards it with
# debian-installed)
for u in sriovctl.service sriovctl-guests.service; do
	if ! grep -q "deb-systemd-helper enable '$u'" "$tmp/control/postinst" ||
		grep -q "deb-systemd-helper debian-installed '$u'" "$tmp/control/postinst"; then
		echo "deb: postinst does not enable $u" >&2
		fail=1
	fi
done
if ! grep -q "deb-systemd-helper debian-installed 'sriovctl.path'" "$tmp/control/postinst"; then
	echo "deb: postinst enables sriovctl.path, which should stay off" >&2
	fail=1
fi
if grep -qE "(systemctl|invoke-rc.d|deb-systemd-invoke) .*(start|restart)" "$tmp/control/postinst"; then
	echo "deb: postinst starts a unit: installing must not reconfigure devices" >&2
	fail=1
fi
[ "$fail" = 0 ] && echo "deb: lintian without errors; files and enabled units as expected"
exit "$fail"
