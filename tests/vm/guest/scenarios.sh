# sriovctl scenarios on the real kernel (sourced by main.sh).
#
# Each tests/vm/scenarios/*.yaml is a desired-state file whose leading
# comments say what to expect:
#   # vm-start: num-vfs=N autoprobe=0|1   state set through sysfs first
#   # vm-expect: num-vfs=N autoprobe=0|1 [vf-driver=NAME|none]
#   # vm-uevents: add=N remove=N         kernel pci uevents during apply
#   # vm-settle: ACTION=N                after apply, wait (up to 15 s) for N
#                                        such uevents: a driver's late unbind
#   # vm-refused: ERE                    plan and apply exit 1, plan's stderr
#                                        matches the extended regexp ERE
#   # vm-capture: yes                    save `sriovctl show` outputs afterwards,
#                                        then the transcript of numvfs-seq.sh
# For an accepted file: apply exits 0 and reaches the state; then
# `plan --detailed-exitcode` exits 0 and a second apply writes nothing to
# sysfs or modprobe.d (strace) and causes no uevent.

SRIOVCTL_ROOT=/run/sriovctl-root
export SRIOVCTL_ROOT

scenarios_prepare() {
	mkdir -p "$SRIOVCTL_ROOT/etc/modprobe.d"
	hostname >"$SRIOVCTL_ROOT/etc/hostname"
	if ! lsmod | grep -q '^nvme '; then
		modprobe nvme
		wait_for 20 test -e "/sys/bus/pci/devices/$PF_ADDR/driver"
	fi
	# Loading the VF driver is not what the scenarios test.
	modprobe vfio-pci

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
		pass "sriovctl show runs in the guest"
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

# set_state PF "num-vfs=N autoprobe=A": put the PF there through sysfs
set_state() {
	local d=/sys/bus/pci/devices/$1
	sysw "$d/sriov_numvfs" 0
	sysw "$d/sriov_drivers_autoprobe" "$(kv "$2" autoprobe)"
	sysw "$d/sriov_numvfs" "$(kv "$2" num-vfs)"
	udevadm settle --timeout=30
}

# sysfs_writes STRACE_LOG: print the calls that opened sysfs or modprobe.d
# files for writing, or wrote to them
sysfs_writes() {
	grep -E "(open|openat|creat)\(.*\"(/sys/|$SRIOVCTL_ROOT/etc/)[^\"]*\", [^)]*O_(WRONLY|RDWR|CREAT|TRUNC)|(write|pwrite64|writev)\([0-9]+</sys/|rename(at2?)?\(.*$SRIOVCTL_ROOT/etc/" "$1"
}

scenario_run() {
	local f=$1 name start expect uev refused settle rc out err w
	name=${f##*/}
	name=${name%.yaml}
	start=$(hdr "$f" start) expect=$(hdr "$f" expect)
	uev=$(hdr "$f" uevents) refused=$(hdr "$f" refused)
	out=$LOGS/$name
	set_state "$PF_ADDR" "$start"
	check "$name: start state $start" state_is "$PF_ADDR" "$start"

	if [ -n "$refused" ]; then
		"$SRIOVCTL" plan -f "$f" >"$out.plan.out" 2>"$out.plan.err"
		rc=$?
		check "$name: plan refuses (exit 1)" is "$rc" 1
		check "$name: plan's message matches /$refused/" grep -qE -- "$refused" "$out.plan.err"
		note "  plan said: $(head -n 3 "$out.plan.err" | tr '\n' ' ')"
	fi

	start_monitor "$name.apply"
	local t=$(now_us)
	"$SRIOVCTL" apply -f "$f" >"$out.apply.out" 2>"$out.apply.err"
	rc=$?
	note "  apply took $(since "$t") s"
	settle=$(hdr "$f" settle)
	if [ -n "$settle" ]; then
		wait_for 15 events_at_least "${settle#*=}" "$name.apply" "${settle%%=*}" ||
			note "  no $settle seen within 15 s"
	fi
	udevadm settle --timeout=30
	stop_monitor
	if [ -n "$refused" ]; then
		check "$name: apply refuses (exit 1)" is "$rc" 1
	else
		check "$name: apply exits 0" is "$rc" 0
	fi
	[ "$rc" = 0 ] || [ -n "$refused" ] || note "  apply said: $(head -n 3 "$out.apply.err" | tr '\n' ' ')"
	check "$name: state after apply is $expect" state_is "$PF_ADDR" "$expect"
	if [ -n "$uev" ]; then
		check "$name: uevents during apply: $uev" \
			is "add=$(count_events "$name.apply" add) remove=$(count_events "$name.apply" remove)" "$uev"
	fi
	[ -n "$refused" ] && return

	"$SRIOVCTL" plan -f "$f" --detailed-exitcode >"$out.plan2.out" 2>"$out.plan2.err"
	rc=$?
	check "$name: plan --detailed-exitcode after apply exits 0" is "$rc" 0
	[ "$rc" = 0 ] || note "  plan said: $(head -n 5 "$out.plan2.out" | tr '\n' ' ')"

	start_monitor "$name.again"
	# --seccomp-bpf stops the tracee only at the traced calls (TCG makes
	# every stop expensive); the log goes to tmpfs, not over 9p, meanwhile
	# (LeakSanitizer refuses to run under ptrace)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -y --seccomp-bpf \
		-e trace=open,openat,creat,write,pwrite64,writev,rename,renameat,renameat2 \
		-o /tmp/again.strace "$SRIOVCTL" apply -f "$f" >"$out.again.out" 2>"$out.again.err"
	rc=$?
	mv /tmp/again.strace "$out.again.strace"
	udevadm settle --timeout=30
	stop_monitor
	check "$name: second apply exits 0" is "$rc" 0
	[ "$rc" = 0 ] || note "  apply said: $(head -n 3 "$out.again.err" | tr '\n' ' ')"
	w=$(sysfs_writes "$out.again.strace")
	check "$name: second apply writes nothing to sysfs or modprobe.d" test -z "$w"
	[ -z "$w" ] || printf '%s\n' "$w" | head -n 5 | cut -c1-200 |
		while IFS= read -r l; do note "  $l"; done
	check "$name: second apply causes no uevent" is "$(grep -c '^KERNEL\[' "$LOGS/$name.again.uevents")" 0
	check "$name: state after second apply unchanged" state_is "$PF_ADDR" "$expect"

	if [ "$(hdr "$f" capture)" = yes ]; then
		check "$name: sriovctl show --format state" \
			eval '"$SRIOVCTL" show --format state >/run/vmout/show.state.yaml 2>"$out.show.err"'
		check "$name: sriovctl show" \
			eval '"$SRIOVCTL" show >/run/vmout/show.txt 2>>"$out.show.err"'
		check "$name: sriovctl show --format json" \
			eval '"$SRIOVCTL" show --format json >/run/vmout/show.json 2>>"$out.show.err"'
		# the kernel's answers from exactly the captured state, for the
		# simulated host to be compared with (tests/vm/fixture.t)
		check "$name: write sequence transcript from the captured state" \
			eval '"$G/numvfs-seq.sh" "$PF_ADDR" >/run/vmout/numvfs-seq.txt'
	fi
}
