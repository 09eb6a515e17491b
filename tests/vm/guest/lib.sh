# Helpers for the guest-side checks (sourced by bash inside the guest).
# Results go to the serial console as TAP lines prefixed with "VMTAP: ",
# which tests/vm/run picks out of the kernel's own console output: the
# host's TAP helper (ok, not_ok, skip, fail, note, check; $n checks, $n_fail
# failed) with that prefix, from the source tree mounted at $TOP.

TAP_PREFIX='VMTAP: '
. "$TOP/tests/lib/tap.sh"
LOGS=/run/vmout/logs
mkdir -p "$LOGS"

# is GOT WANT: succeed when GOT equals WANT, else say what was seen. Unlike
# tap.sh's is, a condition for check (check "DESC" is "$got" "$want"), as
# the guest scripts and the scenario files use it.
is() {
	[ "$1" = "$2" ] && return 0
	note "  got '$1', want '$2'"
	return 1
}

# Every exec under TCG costs 0.1-0.3 s (more on a busy host), so these
# helpers use bash builtins where a tool would be the obvious choice.

# rd FILE: the first line of FILE (a sysfs attribute)
rd() {
	local v=
	IFS= read -r v <"$1"
	printf '%s' "$v"
}

# lname LINK: the last component of the directory LINK points to
lname() { (cd -P "$1" 2>/dev/null && printf '%s' "${PWD##*/}"); }

uptime_s() { local u; read -r u _ </proc/uptime; printf '%s' "$u"; }

# now_us: microseconds since the epoch; since T0: seconds since now_us T0
now_us() { printf '%s' "${EPOCHREALTIME/./}"; }
since() {
	local d=$(($(now_us) - $1))
	printf '%d.%02d' $((d / 1000000)) $((d % 1000000 / 10000))
}

# nap: sleep 0.05 s without running sleep(1)
exec {NAPFD}<> <(:)
nap() { read -r -t 0.05 -u "$NAPFD" _ || true; }

# sysw FILE VALUE: write VALUE (one write(2), as `echo VALUE > FILE` does)
# and set WERR to the errno name the kernel answered, "" on success, and
# WMSG to bash's message. A failure to open is reported as open:ERRNO.
sysw() {
	local msg
	msg=$( (printf '%s\n' "$2" >"$1") 2>&1)
	WMSG=${msg#*: line *: }
	case $msg in
	"") WERR= ;;
	*"write error: No such file or directory"*) WERR=ENOENT ;;
	*"write error: Device or resource busy"*) WERR=EBUSY ;;
	*"write error: Numerical result out of range"*) WERR=ERANGE ;;
	*"write error: Invalid argument"*) WERR=EINVAL ;;
	*"write error: No such device"*) WERR=ENODEV ;;
	*"write error: Operation not supported"*) WERR=EOPNOTSUPP ;;
	*"write error: Cannot allocate memory"*) WERR=ENOMEM ;;
	*"write error: Input/output error"*) WERR=EIO ;;
	*"No such file or directory"*) WERR=open:ENOENT ;;
	*"Permission denied"*) WERR=open:EACCES ;;
	*) WERR="other($msg)" ;;
	esac
}

# wait_for SECONDS COMMAND...: poll COMMAND every 0.05 s until it succeeds
wait_for() {
	local end=$(($(now_us) + $1 * 1000000))
	shift
	until "$@"; do
		[ "$(now_us)" -lt "$end" ] || return 1
		nap
	done
}

# find_sriov_pf VENDOR DEVICE: print the address of the first such PCI
# function with an SR-IOV capability
find_sriov_pf() {
	local d
	for d in /sys/bus/pci/devices/*; do
		[ -e "$d/sriov_totalvfs" ] || continue
		[ "$(rd "$d/vendor")" = "$1" ] && [ "$(rd "$d/device")" = "$2" ] || continue
		printf '%s\n' "${d##*/}"
		return 0
	done
	return 1
}

# vf_addr PF N: the address of the PF's VF N, from its virtfnN link
vf_addr() { lname "/sys/bus/pci/devices/$1/virtfn$2"; }

# driver_of ADDR: the bound driver's name, or "none"
driver_of() {
	local l=/sys/bus/pci/devices/$1/driver
	if [ -e "$l" ]; then lname "$l"; else printf none; fi
}

# has_line FILE PREFIX: FILE has a line starting with PREFIX
has_line() {
	local l
	while IFS= read -r l; do
		[[ $l == "$2"* ]] && return 0
	done <"$1"
	return 1
}

# uevent monitor: start_monitor NAME records kernel pci uevents into
# $LOGS/NAME.uevents until stop_monitor; count_events NAME ACTION [DEV]
# counts the ACTION events (add, remove, change, bind, ...), only those of
# the device DEV when given. Lines: "KERNEL[ts] add      /devices/... (pci)"
start_monitor() {
	MONLOG=$LOGS/$1.uevents
	: >"$MONLOG"
	udevadm monitor --kernel --subsystem-match=pci >"$MONLOG" 2>&1 &
	MONPID=$!
	# the header is printed once the netlink socket is bound
	wait_for 10 has_line "$MONLOG" 'KERNEL - ' ||
		note "uevent monitor did not start"
}
stop_monitor() {
	kill "$MONPID" 2>/dev/null
	wait "$MONPID" 2>/dev/null
	MONPID=
}
count_events() {
	local n=0 k act path _
	while read -r k act path _; do
		[[ $k == KERNEL\[* ]] || continue
		[ "$act" = "$2" ] || continue
		[ -z "${3:-}" ] || [ "${path##*/}" = "$3" ] || continue
		n=$((n + 1))
	done <"$LOGS/$1.uevents"
	printf '%s' "$n"
}
# events_at_least N NAME ACTION [DEV]: count_events is at least N (for
# wait_for, which must re-count each time)
events_at_least() { [ "$(count_events "$2" "$3" "${4:-}")" -ge "$1" ]; }
