# sriovctl scenarios on the real kernel (sourced by main.sh).
#
# Each tests/vm/scenarios/*.yaml is a desired-state file whose leading
# comments say what to expect:
#   # vm-pf: ADDR...                     the PFs start and expect apply to
#                                        (default: the NVMe PF, $PF_ADDR)
#   # vm-start: num-vfs=N autoprobe=0|1 [up=1]
#                                        state set through sysfs first (up=1:
#                                        the PFs' netdevs up, for tx rates)
#   # vm-start: keep [up=1]              what the previous scenario left,
#                                        modprobe.d files included (up=1:
#                                        the PFs' netdevs up)
#   # vm-apply: PATH                     apply this file of the source tree
#                                        (examples/...) instead of this one
#   # vm-libvirt: GUEST [fresh]          libvirtd runs with GUEST running
#                                        (paused; see guest/libvirt.sh);
#                                        fresh: GUEST started again first
#   # vm-guest: SCOPE ADDR present|absent [ERE]
#                                        (any number) the guest's live or
#                                        persistent XML has a device at ADDR
#                                        (matching ERE), or has none
#   # vm-guest-net: SCOPE NETWORK present|absent [ERE]
#                                        (any number) the guest's live or
#                                        persistent XML has an interface on
#                                        the libvirt network NETWORK (matching
#                                        ERE), or has none
#   # vm-net: NAME KEY=VALUE...          (any number) the libvirt network NAME:
#                                        active=, persistent=, autostart=
#                                        yes|no; vfs=N (its VF list is VFs
#                                        0..N-1 of its PF); connections=N
#                                        (see guest/libvirt.sh)
#   # vm-net-xml: NAME SCOPE ERE         (any number) the network's live or
#                                        persistent XML matches ERE
#   # vm-driver: ADDR DRIVER             (any number) ADDR is bound to DRIVER
#   # vm-show: ERE                       (any number) `sriovctl show` prints a
#                                        line matching ERE
#   # vm-plan-after: EXIT [ERE]          after a failed apply: plan
#                                        --detailed-exitcode exits EXIT and
#                                        its output matches ERE
#   # vm-plan-exit: EXIT                 before apply: plan --detailed-exitcode
#                                        exits EXIT
#   # vm-plan-text: ERE                  (any number) and prints a line
#                                        matching ERE
#   # vm-apply-args: ARGS                more arguments to the first apply
#                                        (--force)
#   # vm-again-error: ERE                after a failed apply: a second apply
#                                        exits 1 and its stderr matches ERE
#   # vm-libvirtd-log: ERE               (any number) libvirtd logged a line
#                                        matching ERE during apply ({PF0IFINDEX}
#                                        stands for the first PF's ifindex)
#   # vm-expect: num-vfs=N autoprobe=0|1 [vf-driver=NAME|none]
#   # vm-uevents: add=N remove=N         kernel pci uevents during apply
#   # vm-settle: ACTION=N                after apply, wait (up to 15 s) for N
#                                        such uevents: a driver's late unbind
#   # vm-refused: ERE                    plan and apply exit 1, plan's stderr
#                                        matches the extended regexp ERE
#   # vm-apply-error: ERE                (any number) apply exits 1 and its
#                                        stderr matches each ERE; the rest of
#                                        the file is still applied
#   # vm-apply-exit: EXIT                with vm-apply-error: apply exits EXIT
#                                        instead (3: blocked changes)
#   # vm-file: PATH LINE                 the modprobe.d file PATH (under
#                                        SRIOVCTL_ROOT) has the line LINE
#   # vm-offline: yes                    after apply, the host as `show --format
#                                        state` captures it, planned offline
#                                        (plan --state), gives the plan that
#                                        planning the live host gives
#   # vm-netdevs: yes                    after apply, `show --format state`
#                                        names each VF's netdev as sysfs does
#                                        (the link dump names them on this
#                                        kernel), and sees a bond on VF 0's
#                                        and a macvlan on VF 1's (made, then
#                                        removed)
#   # vm-vf: PF ID TEXT[|TEXT...]        (any number) `ip link show` of the
#                                        PF's netdev shows each TEXT on VF ID
#   # vm-vf-addrs: PF ADDR,...           (any number) the PF's VFs 0, 1, ...
#                                        are at these addresses
#   # vm-mtu: PF pf|ID N                 (any number) `ip link show` of the
#                                        PF's netdev (pf) or of VF ID's shows
#                                        mtu N (the driver's range is noted)
#   # vm-metrics-lines: N ERE            (any number) after the second apply:
#                                        `sriovctl metrics FILE` exits 0 and
#                                        exactly N of its lines match ERE
#                                        (its VF counter lines, and VF 0's
#                                        counters as `ip -s link` shows
#                                        them, are noted)
#   # vm-reloaded: MODULE                apply unloaded and loaded MODULE
#   # vm-capture: NAME                   save `sriovctl show` outputs afterwards,
#                                        the transcript of numvfs-seq.sh and,
#                                        for a PF with a netdev, vfset-seq.sh
#                                        (tests/fixtures/vm-NAME.*)
# Each scenario starts without modprobe.d files. For an accepted file: apply
# exits 0 and reaches the state; then `plan --detailed-exitcode` exits 0 and
# a second apply writes nothing to sysfs or modprobe.d, loads or unloads no
# module (strace) and causes no uevent.

SRIOVCTL_ROOT=/run/sriovctl-root
export SRIOVCTL_ROOT

scenarios_prepare() {
	mkdir -p "$SRIOVCTL_ROOT/etc/modprobe.d"
	hostname >"$SRIOVCTL_ROOT/etc/hostname"
	if ! lsmod | grep -q '^nvme '; then
		modprobe nvme
		wait_for 20 test -e "/sys/bus/pci/devices/$PF_ADDR/driver"
	fi
	# Loading the VF drivers is not what the scenarios test.
	modprobe vfio-pci
	if [ -e "/sys/bus/pci/devices/$IGB_PF0" ]; then
		modprobe igb
		modprobe igbvf
		wait_for 20 test -e "/sys/bus/pci/devices/$IGB_PF0/driver" -a \
			-e "/sys/bus/pci/devices/$IGB_PF1/driver"
	fi

	local t=$(now_us)
	/lib/systemd/systemd-udevd --daemon >"$LOGS/udevd.log" 2>&1
	# only the devices sriovctl looks at: the full trigger takes ~10 s under TCG
	udevadm trigger --action=add --subsystem-match=pci --subsystem-match=net >/dev/null 2>&1
	check "systemd-udevd started, triggered and settled" \
		eval 'udevadm settle --timeout=60 && udevadm control --ping'
	note "  udevd settle took $(since "$t") s"

	# A failure of show is reported, and the scenarios still run to show
	# what else breaks.
	if "$SRIOVCTL" show >"$LOGS/show-probe.out" 2>"$LOGS/show-probe.err"; then
		ok "sriovctl show runs in the guest"
	else
		fail "sriovctl show runs in the guest"
		note "  it said: $(head -n 3 "$LOGS/show-probe.err" | tr '\n' ' ')"
	fi
}

# hdr FILE KEY: the value of the "# vm-KEY:" comment, empty if absent
hdr() {
	local l
	while IFS= read -r l; do
		if [[ $l == "# vm-$2:"* ]]; then
			l=${l#"# vm-$2:"}
			printf '%s' "${l# }"
			return
		fi
	done <"$1"
}

# hdrs FILE KEY: the values of all "# vm-KEY:" comments, one a line
hdrs() {
	local l
	while IFS= read -r l; do
		if [[ $l == "# vm-$2:"* ]]; then
			l=${l#"# vm-$2:"}
			printf '%s\n' "${l# }"
		fi
	done <"$1"
}

# pf_netdev PF: the PF's network interface, empty if none
pf_netdev() {
	local n
	for n in /sys/bus/pci/devices/$1/net/*; do
		[ -e "$n" ] && { printf '%s' "${n##*/}"; return; }
	done
}

# vf_shows PF ID TEXT|TEXT...: `ip link show` of the PF's netdev shows each
# TEXT on the line of VF ID
vf_shows() {
	local line t rest
	line=$(ip link show dev "$(pf_netdev "$1")" | grep -E "^ +vf $2 ")
	rest=$3
	while [ -n "$rest" ]; do
		t=${rest%%|*}
		[ "$t" = "$rest" ] && rest= || rest=${rest#*|}
		[[ $line == *"$t"* ]] || { note "  vf $2: no '$t' in: $line"; return 1; }
	done
}

# vf_addrs_are PF ADDR,ADDR...: the PF's VFs are at these addresses
vf_addrs_are() {
	local i=0 got= a
	for a in ${2//,/ }; do
		got="$got${got:+,}$(vf_addr "$1" "$i")"
		i=$((i + 1))
	done
	is "$got" "$2"
}

# kv "a=1 b=2" KEY: the value of KEY in a list of key=value words
kv() {
	local w
	for w in $1; do
		[ "${w%%=*}" = "$2" ] && { echo "${w#*=}"; return; }
	done
}

# state_is PF "num-vfs=N autoprobe=A vf-driver=D": the PF is in that state
state_is() {
	local d=/sys/bus/pci/devices/$1 want got i n drv
	n=$(kv "$2" num-vfs)
	want="numvfs=$n autoprobe=$(kv "$2" autoprobe)"
	got="numvfs=$(rd "$d/sriov_numvfs") autoprobe=$(rd "$d/sriov_drivers_autoprobe")"
	drv=$(kv "$2" vf-driver)
	if [ -n "$drv" ]; then
		for ((i = 0; i < n; i++)); do
			want="$want vf$i=$drv"
			got="$got vf$i=$(driver_of "$(vf_addr "$1" "$i")")"
		done
	fi
	is "$got" "$want"
}

# set_state PF "num-vfs=N autoprobe=A [up=1]": put the PF there through
# sysfs, its VFs created afresh (and its netdev up)
set_state() {
	local d=/sys/bus/pci/devices/$1
	sysw "$d/sriov_numvfs" 0
	sysw "$d/sriov_drivers_autoprobe" "$(kv "$2" autoprobe)"
	sysw "$d/sriov_numvfs" "$(kv "$2" num-vfs)"
	[ "$(kv "$2" up)" = 1 ] && pf_up "$1"
}

# pf_up PF: the PF's netdev up, if it has one
pf_up() {
	if [ -n "$(pf_netdev "$1")" ]; then
		# nothing to send (IPv6 would solicit routers): QEMU's igb with
		# VFs enabled lets the PF's transmit queue time out, and igb's
		# resets then stall the VFs' probes
		echo 1 >"/proc/sys/net/ipv6/conf/$(pf_netdev "$1")/disable_ipv6"
		ip link set dev "$(pf_netdev "$1")" up
		# igb records the link speed a tx rate is checked against
		# once the link is up
		wait_for 20 is_up "$1" || note "  $1: link not up after 20 s"
	fi
}

# is_up PF: the PF's netdev has its link up
is_up() { [ "$(rd "/sys/class/net/$(pf_netdev "$1")/operstate")" = up ]; }

# sysfs_writes STRACE_LOG: print the calls that opened sysfs or modprobe.d
# files for writing, or wrote to them, or loaded or unloaded a module
sysfs_writes() {
	grep -E "(open|openat|creat)\(.*\"(/sys/|$SRIOVCTL_ROOT/etc/)[^\"]*\", [^)]*O_(WRONLY|RDWR|CREAT|TRUNC)|(write|pwrite64|writev)\([0-9]+</sys/|rename(at2?)?\(.*$SRIOVCTL_ROOT/etc/|(finit_module|init_module|delete_module)\(" "$1"
}

# ifindex_of PF: the ifindex of the PF's netdev (a module reload makes a
# new netdev), empty if none
ifindex_of() {
	local n
	n=$(pf_netdev "$1")
	[ -n "$n" ] && rd "/sys/class/net/$n/ifindex"
}

# pfs_state_is PFS STATE: every PF of the list is in STATE
pfs_state_is() {
	local pf
	for pf in $1; do
		state_is "$pf" "$2" || return 1
	done
}

# after_checks NAME FILE: the state, modprobe.d files and VF settings the
# scenario expects, checked after each apply
after_checks() {
	local name=$1 f=$2 expect l path want got pf id
	expect=$(hdr "$f" expect)
	check "$name: state after apply is $expect" pfs_state_is "$PFS" "$expect"
	while read -r pf want; do
		[ -n "$pf" ] || continue
		check "$name: $pf is bound to $want" is "$(driver_of "$pf")" "$want"
	done < <(hdrs "$f" driver)
	while read -r pf l; do
		[ -n "$pf" ] || continue
		check "$name: network $pf: $l" lv_net_is "$pf" "$l"
	done < <(hdrs "$f" net)
	while read -r pf scope l; do
		[ -n "$pf" ] || continue
		check "$name: network $pf's $scope XML matches /$l/" lv_net_xml "$pf" "$scope" "$l"
	done < <(hdrs "$f" net-xml)
	while read -r scope pf want l; do
		[ -n "$pf" ] || continue
		check "$name: guest $LV_GUEST's $scope XML: an interface on network $pf $want${l:+ /$l/}" \
			lv_guest_net "$scope" "$pf" "$want" "$l"
	done < <(hdrs "$f" guest-net)
	if [ -n "$(hdr "$f" show)" ]; then
		"$SRIOVCTL" show >"$LOGS/$name.show.out" 2>&1
		while IFS= read -r l; do
			check "$name: show has /$l/" grep -qE -- "$l" "$LOGS/$name.show.out"
		done < <(hdrs "$f" show)
	fi
	while read -r scope pf want l; do
		[ -n "$pf" ] || continue
		check "$name: guest $LV_GUEST's $scope XML: $pf $want${l:+ /$l/}" \
			lv_guest_has "$scope" "$pf" "$want" "$l"
	done < <(hdrs "$f" guest)
	while IFS= read -r l; do
		[ -n "$l" ] || continue
		path=${l%% *} want=${l#* }
		check "$name: $path has the line '$want'" grep -qxF -- "$want" "$SRIOVCTL_ROOT$path"
	done < <(hdrs "$f" file)
	while IFS= read -r l; do
		[ -n "$l" ] || continue
		read -r pf id want <<<"$l"
		check "$name: $pf VF $id reads back $want" vf_shows "$pf" "$id" "$want"
	done < <(hdrs "$f" vf)
	while read -r pf id want; do
		[ -n "$pf" ] || continue
		l=$pf
		[ "$id" = pf ] || l="$pf VF $id"
		check "$name: $l has mtu $want" mtu_is "$pf" "$id" "$want"
	done < <(hdrs "$f" mtu)
}

# mtu_is PF pf|ID N: the netdev of the PF (pf) or of its VF ID has MTU N
mtu_is() {
	local a=$1 dev l
	[ "$2" = pf ] || a=$(vf_addr "$1" "$2")
	dev=$(pf_netdev "$a")
	l=$(ip -d link show dev "$dev" 2>&1 | head -n 3 | tr -s ' \n' ' ')
	note "  $a ($dev): $(grep -oE '(^| )(mtu|minmtu|maxmtu) [0-9]+' <<<"$l" | tr -d '\n')"
	[[ $l == *" mtu $3 "* ]]
}

# metrics_check NAME FILE APPLIED: with "# vm-metrics-lines: N ERE", what
# `sriovctl metrics` prints of the host as it is now
metrics_check() {
	local o=$LOGS/$1.metrics want ere rc l
	[ -n "$(hdr "$2" metrics-lines)" ] || return 0
	"$SRIOVCTL" metrics "$3" >"$o.out" 2>"$o.err"
	rc=$?
	check "$1: sriovctl metrics exits 0" is "$rc" 0
	[ "$rc" = 0 ] || note "  metrics said: $(head -n 3 "$o.err" | tr '\n' ' ')"
	while read -r want ere; do
		[ -n "$want" ] || continue
		check "$1: metrics has $want line(s) matching /$ere/" \
			is "$(grep -cE -- "$ere" "$o.out")" "$want"
	done < <(hdrs "$2" metrics-lines)
	while IFS= read -r l; do note "  metrics: $l"; done < <(grep -E '^sriovctl_vf_[a-z_]+_total\{' "$o.out" | head -n 16)
	# what the kernel sends when asked without RTEXT_FILTER_SKIP_STATS
	while IFS= read -r l; do note "  ip -s link: $l"; done < <(ip -s link show dev "$(pf_netdev "${PFS%% *}")" | grep -A 4 -E '^ +vf 0 ' | tr -s ' ')
}

# plan_after NAME FILE APPLIED: with "# vm-plan-after: EXIT ERE", what
# plan says is left after a failed apply
plan_after() {
	local want rc ere l
	want=$(hdr "$2" plan-after)
	[ -n "$want" ] || return 0
	read -r want ere <<<"$want"
	"$SRIOVCTL" plan -f "$3" --detailed-exitcode >"$LOGS/$1.plan3.out" 2>"$LOGS/$1.plan3.err"
	rc=$?
	check "$1: plan --detailed-exitcode after apply exits $want" is "$rc" "$want"
	[ -z "$ere" ] || check "$1: plan after apply matches /$ere/" grep -qE -- "$ere" "$LOGS/$1.plan3.out"
	while IFS= read -r l; do note "  plan: $l"; done < <(head -n 6 "$LOGS/$1.plan3.out")
	ere=$(hdr "$2" again-error)
	[ -n "$ere" ] || return 0
	"$SRIOVCTL" apply -f "$3" >"$LOGS/$1.again.out" 2>"$LOGS/$1.again.err"
	rc=$?
	check "$1: a second apply exits 1" is "$rc" 1
	check "$1: the second apply's message matches /$ere/" grep -qE -- "$ere" "$LOGS/$1.again.err"
	while IFS= read -r l; do note "  second apply said: $l"; done < <(head -n 3 "$LOGS/$1.again.err")
}

# offline_plan NAME FILE APPLIED: with "# vm-offline: yes", the captured
# host (show --format state, libvirt's own XML in it) planned offline gives
# what the live host gives
offline_plan() {
	local o=$LOGS/$1
	[ "$(hdr "$2" offline)" = yes ] || return 0
	"$SRIOVCTL" show --format state >"$o.state.yaml" 2>"$o.state.err"
	"$SRIOVCTL" plan -f "$3" >"$o.live.plan" 2>"$o.live.err"
	"$SRIOVCTL" plan --state "$o.state.yaml" -f "$3" >"$o.offline.plan" 2>"$o.offline.err"
	if cmp -s "$o.live.plan" "$o.offline.plan"; then
		ok "$1: plan --state of the captured host prints what plan prints live"
	else
		fail "$1: plan --state of the captured host prints what plan prints live" \
			"$({ diff "$o.live.plan" "$o.offline.plan"; cat "$o.offline.err"; } | head -n 8)"
	fi
}

# state_netdevs STATE: each VF of a `show --format state` output as
# "ADDRESS interface=NAME netdev={...}" (the first PF's VFs first)
state_netdevs() {
	awk 'function out() { if (a) print a " interface=" i " netdev=" nd; a = i = nd = "" }
	     /^ +- id: / || /^- / { out() }
	     /^ +address: / { gsub(/"/, "", $2); a = $2 }
	     /^ +interface: / { i = $2 == "null" ? "" : $2 }
	     /^ +netdev: / { sub(/^ +netdev: /, ""); nd = $0 }
	     END { out() }' "$1"
}

# ipl WHAT ARGS...: ip ARGS, its error after WHAT in $o.netdevs.ip
ipl() {
	local what=$1 e
	shift
	e=$(ip "$@" 2>&1) && return 0
	echo "$what: $e" >>"$o.netdevs.ip"
	return 1
}

# netdevs_check NAME FILE: with "# vm-netdevs: yes", the VFs' netdevs as
# show sees them are sysfs's, and a bond and a macvlan on two of them count
netdevs_check() {
	local o=$LOGS/$1 pf i nv vf want= got nd0 nd1 l
	[ "$(hdr "$2" netdevs)" = yes ] || return 0
	for pf in $PFS; do
		nv=$(rd "/sys/bus/pci/devices/$pf/sriov_numvfs")
		for ((i = 0; i < nv; i++)); do
			vf=$(vf_addr "$pf" "$i")
			want="$want$vf interface=$(ls "/sys/bus/pci/devices/$vf/net" 2>/dev/null | head -n 1)"$'\n'
		done
	done
	"$SRIOVCTL" show --format state >"$o.netdevs.yaml" 2>"$o.netdevs.err"
	# the VFs of the scenario's PFs, in their order
	got=$(state_netdevs "$o.netdevs.yaml" | sed 's/ netdev=.*//' |
		grep -F -f <(sed 's/ .*/ /' <<<"${want%$'\n'}"))
	check "$1: show names each VF's netdev as sysfs does" is "$got" "${want%$'\n'}"
	pf=${PFS%% *}
	nd0=$(ls "/sys/bus/pci/devices/$(vf_addr "$pf" 0)/net" 2>/dev/null | head -n 1)
	nd1=$(ls "/sys/bus/pci/devices/$(vf_addr "$pf" 1)/net" 2>/dev/null | head -n 1)
	if [ -z "$nd0" ] || [ -z "$nd1" ]; then
		fail "$1: VFs 0 and 1 of $pf have netdevs" "  VF 0: '$nd0', VF 1: '$nd1'"
		return
	fi
	# the kernel cannot load modules itself here (its modprobe is not the chroot's)
	modprobe bonding 2>"$o.netdevs.ip"
	modprobe macvlan 2>>"$o.netdevs.ip"
	if ipl "add bond" link add vmbond9 type bond && ipl "set master" link set "$nd0" master vmbond9 &&
		ipl "add macvlan" link add link "$nd1" name vmmv5 type macvlan; then
		"$SRIOVCTL" show --format state >"$o.netdevs2.yaml" 2>"$o.netdevs2.err"
		l=$(state_netdevs "$o.netdevs2.yaml")
		check "$1: show sees VF 0's netdev as a port of bond vmbond9" \
			eval 'grep -qE "^$(vf_addr "$pf" 0) .*master: vmbond9, master-kind: bond" <<<"$l"'
		check "$1: show sees macvlan vmmv5 on VF 1's netdev" \
			eval 'grep -qE "^$(vf_addr "$pf" 1) .*uppers: \[vmmv5\]" <<<"$l"'
	else
		fail "$1: a bond and a macvlan on the VFs' netdevs" "$(head -n 3 "$o.netdevs.ip")" \
			"$(ip -br link show dev "$nd0"; ip -br link show dev "$nd1")"
	fi
	ip link del vmmv5 2>/dev/null
	ip link del vmbond9 2>/dev/null
}

# plan_before NAME FILE APPLIED: with "# vm-plan-exit: EXIT", what plan
# says before apply (its "# vm-plan-text:" lines)
plan_before() {
	local want rc l
	want=$(hdr "$2" plan-exit)
	[ -n "$want" ] || return 0
	"$SRIOVCTL" plan -f "$3" --detailed-exitcode >"$LOGS/$1.plan0.out" 2>"$LOGS/$1.plan0.err"
	rc=$?
	check "$1: plan --detailed-exitcode before apply exits $want" is "$rc" "$want"
	while IFS= read -r l; do
		check "$1: plan before apply has /$l/" grep -qE -- "$l" "$LOGS/$1.plan0.out"
	done < <(hdrs "$2" plan-text)
	while IFS= read -r l; do note "  plan: $l"; done < <(grep '^!' "$LOGS/$1.plan0.out")
}

scenario_run() {
	local f=$1 af name start uev refused settle rc out w pf l reloaded ifx=
	name=${f##*/}
	name=${name%.yaml}
	start=$(hdr "$f" start)
	uev=$(hdr "$f" uevents) refused=$(hdr "$f" refused)
	PFS=$(hdr "$f" pf)
	PFS=${PFS:-$PF_ADDR}
	out=$LOGS/$name
	note "scenario $name"
	l=$(hdr "$f" libvirt)
	if [ -n "$l" ]; then
		# shellcheck disable=SC2086 # GUEST [fresh]
		lv_start $l || return
	else
		lv_stop
	fi
	if [[ $start == keep* ]]; then
		if [ "$(kv "$start" up)" = 1 ]; then
			for pf in $PFS; do pf_up "$pf"; done
		fi
	else
		rm -f "$SRIOVCTL_ROOT"/etc/modprobe.d/*
		for pf in $PFS; do
			set_state "$pf" "$start"
		done
		udevadm settle --timeout=60
		check "$name: start state $start" pfs_state_is "$PFS" "$start"
	fi
	af=$(hdr "$f" apply)
	af=${af:+$TOP/$af}
	af=${af:-$f}
	reloaded=$(hdr "$f" reloaded)
	[ -n "$reloaded" ] && ifx=$(ifindex_of "${PFS%% *}")

	if [ -n "$refused" ]; then
		"$SRIOVCTL" plan -f "$af" >"$out.plan.out" 2>"$out.plan.err"
		rc=$?
		check "$name: plan refuses (exit 1)" is "$rc" 1
		check "$name: plan's message matches /$refused/" grep -qE -- "$refused" "$out.plan.err"
		note "  plan said: $(head -n 3 "$out.plan.err" | tr '\n' ' ')"
	fi

	plan_before "$name" "$f" "$af"
	local lvlog=0
	[ -n "$LV_GUEST" ] && lvlog=$(wc -l <"$LOGS/libvirtd.log")
	start_monitor "$name.apply"
	local t=$(now_us)
	# shellcheck disable=SC2046 # the arguments are words
	"$SRIOVCTL" apply -f "$af" $(hdr "$f" apply-args) >"$out.apply.out" 2>"$out.apply.err"
	rc=$?
	note "  apply took $(since "$t") s"
	settle=$(hdr "$f" settle)
	if [ -n "$settle" ]; then
		wait_for 15 events_at_least "${settle#*=}" "$name.apply" "${settle%%=*}" ||
			note "  no $settle seen within 15 s"
	fi
	udevadm settle --timeout=60
	stop_monitor
	if [ -n "$refused" ]; then
		check "$name: apply refuses (exit 1)" is "$rc" 1
	elif [ -n "$(hdr "$f" apply-error)" ]; then
		w=$(hdr "$f" apply-exit)
		check "$name: apply exits ${w:-1}" is "$rc" "${w:-1}"
		while IFS= read -r l; do
			check "$name: apply's message matches /$l/" grep -qE -- "$l" "$out.apply.err"
		done < <(hdrs "$f" apply-error)
		while IFS= read -r l; do note "  apply said: $l"; done < <(grep -v '^sriovctl: warning: cannot connect to libvirt' "$out.apply.err" | head -n 8)
		plan_after "$name" "$f" "$af"
	else
		check "$name: apply exits 0" is "$rc" 0
		[ "$rc" = 0 ] || note "  apply said: $(head -n 3 "$out.apply.err" | tr '\n' ' ')"
	fi
	after_checks "$name" "$f"
	offline_plan "$name" "$f" "$af"
	netdevs_check "$name" "$f"
	[ -z "$LV_GUEST" ] || note "  ${PFS%% *}: $(ip link show dev "$(pf_netdev "${PFS%% *}")" | grep -E '^ +vf 0 ' | tr -s ' ')"
	while IFS= read -r l; do
		[ -n "$l" ] || continue
		l=${l//\{PF0IFINDEX\}/$(ifindex_of "${PFS%% *}")}
		check "$name: libvirtd logged /$l/" \
			eval 'tail -n +$((lvlog + 1)) "$LOGS/libvirtd.log" | grep -qE -- "$l"'
	done < <(hdrs "$f" libvirtd-log)
	while read -r pf l; do
		[ -n "$pf" ] || continue
		check "$name: VFs of $pf at $l" vf_addrs_are "$pf" "$l"
	done < <(hdrs "$f" vf-addrs)
	if [ -n "$reloaded" ]; then
		check "$name: apply reloaded $reloaded (new netdev: ifindex $ifx -> $(ifindex_of "${PFS%% *}"))" \
			test -n "$ifx" -a "$ifx" != "$(ifindex_of "${PFS%% *}")"
	fi
	if [ -n "$uev" ]; then
		check "$name: uevents during apply: $uev" \
			is "add=$(count_events "$name.apply" add) remove=$(count_events "$name.apply" remove)" "$uev"
	fi
	[ -n "$refused" ] || [ -n "$(hdr "$f" apply-error)" ] && { scenario_capture "$name" "$f"; return; }

	"$SRIOVCTL" plan -f "$af" --detailed-exitcode >"$out.plan2.out" 2>"$out.plan2.err"
	rc=$?
	check "$name: plan --detailed-exitcode after apply exits 0" is "$rc" 0
	[ "$rc" = 0 ] || note "  plan said: $(head -n 5 "$out.plan2.out" | tr '\n' ' ')"

	start_monitor "$name.again"
	# --seccomp-bpf stops the tracee only at the traced calls (TCG makes
	# every stop expensive); the log goes to tmpfs, not over 9p, meanwhile
	# (LeakSanitizer refuses to run under ptrace)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -y --seccomp-bpf \
		-e trace=open,openat,creat,write,pwrite64,writev,rename,renameat,renameat2,finit_module,init_module,delete_module \
		-o /tmp/again.strace "$SRIOVCTL" apply -f "$af" >"$out.again.out" 2>"$out.again.err"
	rc=$?
	mv /tmp/again.strace "$out.again.strace"
	udevadm settle --timeout=60
	stop_monitor
	check "$name: second apply exits 0" is "$rc" 0
	[ "$rc" = 0 ] || note "  apply said: $(head -n 3 "$out.again.err" | tr '\n' ' ')"
	w=$(sysfs_writes "$out.again.strace")
	check "$name: second apply writes nothing to sysfs or modprobe.d, loads no module" test -z "$w"
	[ -z "$w" ] || printf '%s\n' "$w" | head -n 5 | cut -c1-200 |
		while IFS= read -r l; do note "  $l"; done
	check "$name: second apply causes no uevent" is "$(grep -c '^KERNEL\[' "$LOGS/$name.again.uevents")" 0
	check "$name: state after second apply unchanged" pfs_state_is "$PFS" "$(hdr "$f" expect)"
	if [ -n "$(hdr "$f" libvirt)" ]; then
		check "$name: second apply changes nothing (libvirt included)" \
			grep -qx 'No changes: the host matches the desired state.' "$out.again.out"
		after_checks "$name (second apply)" "$f"
	fi
	metrics_check "$name" "$f" "$af"
	scenario_capture "$name" "$f"
}

# scenario_capture NAME FILE: with "# vm-capture: CAP", what sriovctl shows
# and the kernel's answers from exactly this state, for the simulated host
# to be compared with (tests/vm/fixture.t)
scenario_capture() {
	local name=$1 cap out=$LOGS/$1 c=/run/vmout/capture pf ifn
	cap=$(hdr "$2" capture)
	[ -n "$cap" ] || return 0
	pf=${PFS%% *}
	mkdir -p "$c"
	check "$name: sriovctl show --format state" \
		eval '"$SRIOVCTL" show --format state >"$c/$cap.state.yaml" 2>"$out.show.err"'
	check "$name: sriovctl show" \
		eval '"$SRIOVCTL" show >"$c/$cap.show.txt" 2>>"$out.show.err"'
	check "$name: sriovctl show --format json" \
		eval '"$SRIOVCTL" show --format json >"$c/$cap.show.json" 2>>"$out.show.err"'
	ifn=$(pf_netdev "$pf")
	if [ -n "$ifn" ]; then
		check "$name: rtnetlink VF settings transcript from the captured state" \
			eval '"$G/vfset-seq.sh" "$ifn" >"$c/$cap.vfset-seq.txt"'
	fi
	check "$name: write sequence transcript from the captured state" \
		eval '"$G/numvfs-seq.sh" "$pf" >"$c/$cap.numvfs-seq.txt"'
}
