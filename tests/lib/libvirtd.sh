# A private libvirt tree for a libvirtd started by a test (sourced by
# bash): the simulated host (tests/simhost/run) and the real-kernel VM
# (tests/vm/guest/libvirt.sh) both run the system's libvirtd with all its
# state in a directory of their own.

# libvirtd_add_user FILE NAME LINE: append LINE to the passwd or group
# FILE unless NAME is in it
libvirtd_add_user() {
	local file=$1 name=$2 line=$3
	grep -q "^$name:" "$file" || echo "$line" >>"$file"
}

# libvirtd_setup_tree DIR: build a libvirt tree in DIR and bind it over
# /etc/libvirt, /etc/passwd, /etc/group and /var (call it in a private
# mount namespace, or where those are private anyway: /var/run is /run)
libvirtd_setup_tree() {
	local lv=$1
	mkdir -p "$lv/etc" "$lv/var/lib/libvirt/qemu" "$lv/var/cache/libvirt" "$lv/var/log/libvirt" \
		"$lv/var/tmp" || return 1
	ln -s /run "$lv/var/run" && ln -s /run/lock "$lv/var/lock" || return 1
	chmod 1777 "$lv/var/tmp"
	[ -d /etc/libvirt ] && cp -a /etc/libvirt/. "$lv/etc/"
	# QEMU runs as root (no libvirt-qemu file ownership games), no
	# security driver, no per-domain /dev namespace, logs to files
	# (no virtlogd)
	cat >>"$lv/etc/qemu.conf" <<-'EOC'
		user = "root"
		group = "root"
		dynamic_ownership = 0
		security_driver = "none"
		namespaces = [ ]
		remember_owner = 0
		stdio_handler = "file"
	EOC
	rm -f "$lv/etc/qemu/networks/autostart/"*.xml 2>/dev/null
	cp /etc/passwd "$lv/passwd" && cp /etc/group "$lv/group" || return 1
	libvirtd_add_user "$lv/passwd" libvirt-qemu "libvirt-qemu:x:64055:64055:Libvirt Qemu,,,:/var/lib/libvirt:/usr/sbin/nologin"
	libvirtd_add_user "$lv/group" libvirt-qemu "libvirt-qemu:x:64055:"
	libvirtd_add_user "$lv/group" kvm "kvm:x:64056:"
	libvirtd_add_user "$lv/group" libvirt "libvirt:x:64057:"
	mount --bind "$lv/etc" /etc/libvirt &&
		mount --bind "$lv/passwd" /etc/passwd &&
		mount --bind "$lv/group" /etc/group &&
		mount --bind "$lv/var" /var &&
		mkdir -p /run/libvirt
}
