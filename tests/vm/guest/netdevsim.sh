# devlink eswitch mode against the kernel's netdevsim (sourced by main.sh).
# Debian's kernel does not ship netdevsim.ko: tests/vm/run builds it out of
# tree (tests/vm/netdevsim-build) and names it in NETDEVSIM_KO; DEVLINK_MODE
# is the helper that reads and sets a mode through reconcile/devlink.c
# (tests/vm/devlink-mode.c). Each answer is compared with iproute2's
# `devlink dev eswitch show`.
#
# Leaves: netdevsim10 deleted, netdevsim loaded.

# nsim_iproute_mode HANDLE: the mode iproute2's devlink reports ("legacy")
nsim_iproute_mode() {
	local out
	out=$(devlink dev eswitch show "$1" 2>&1) || { printf 'error(%s)' "$out"; return; }
	out=${out#* mode }
	printf '%s' "${out%% *}"
}

# nsim_mode HANDLE [MODE]: run the helper (not in a subshell): its answer
# in NSIM_OUT, its status in NSIM_RC, its error in NSIM_ERR
nsim_mode() {
	NSIM_RC=0
	NSIM_OUT=$("$DEVLINK_MODE" "$@" 2>"$LOGS/devlink-mode.err") || NSIM_RC=$?
	NSIM_ERR=$(<"$LOGS/devlink-mode.err")
	[ -z "$NSIM_ERR" ] || note "  devlink-mode $*: $NSIM_ERR"
}

netdevsim_checks() {
	local h=netdevsim/netdevsim10 d=/sys/bus/netdevsim/devices/netdevsim10 dep got ports

	if [ -z "${NETDEVSIM_KO:-}" ] || [ ! -f "$NETDEVSIM_KO" ]; then
		not_ok "netdevsim.ko was built on the host (${NETDEVSIM_WHY:-not built})"
		return
	fi
	for dep in $(modinfo -F depends "$NETDEVSIM_KO" | tr , ' '); do
		modprobe "$dep" || note "modprobe $dep failed"
	done
	check "netdevsim.ko ($(modinfo -F vermagic "$NETDEVSIM_KO" | cut -d' ' -f1)) loads" \
		insmod "$NETDEVSIM_KO"
	sysw /sys/bus/netdevsim/new_device "10 1"
	check "new_device '10 1' creates netdevsim10" is "$WERR" ""
	check "netdevsim10 has sriov_numvfs" wait_for 20 test -e "$d/sriov_numvfs"
	sysw "$d/sriov_numvfs" 0
	check "sriov_numvfs 0 accepted" is "$WERR" ""

	# --- 0 VFs: read, set, read back, as iproute2 sees it ---
	nsim_mode "$h"
	check "devlink-mode reads legacy" is "$NSIM_OUT/$NSIM_RC" legacy/0
	check "iproute2 devlink says legacy too" is "$(nsim_iproute_mode "$h")" legacy
	nsim_mode "$h" switchdev
	check "devlink-mode sets switchdev (0 VFs)" is "$NSIM_OUT/$NSIM_RC" switchdev/0
	check "iproute2 devlink reads switchdev back" is "$(nsim_iproute_mode "$h")" switchdev
	nsim_mode "$h"
	check "devlink-mode reads switchdev" is "$NSIM_OUT/$NSIM_RC" switchdev/0
	nsim_mode "$h" legacy
	check "devlink-mode sets legacy again" is "$NSIM_OUT/$NSIM_RC" legacy/0
	check "iproute2 devlink reads legacy back" is "$(nsim_iproute_mode "$h")" legacy

	# --- the ordering fact: a mode change while VFs exist ---
	sysw "$d/sriov_numvfs" 2
	check "sriov_numvfs 2 on netdevsim10" is "$WERR$(rd "$d/sriov_numvfs")" 2
	nsim_mode "$h" switchdev
	note "netdevsim, legacy -> switchdev with 2 VFs: status $NSIM_RC, '${NSIM_OUT}${NSIM_ERR}'"
	check "netdevsim takes switchdev with 2 VFs present (it adds a port per VF)" \
		is "$NSIM_OUT/$NSIM_RC" switchdev/0
	ports=$(devlink port show 2>/dev/null | grep -c "^$h/.*flavour pcivf" || true)
	check "switchdev with 2 VFs: 2 VF representor ports" is "$ports" 2
	sysw "$d/sriov_numvfs" 0
	note "netdevsim, sriov_numvfs 2 -> 0 in switchdev: '${WERR:-ok}'"
	check "sriov_numvfs 0 in switchdev" is "$WERR$(rd "$d/sriov_numvfs")" 0
	# measured: netdevsim (6.1) leaves switchdev when its VFs are removed,
	# so switching first and then changing the count would lose the mode
	nsim_mode "$h"
	note "netdevsim, mode after its VFs were removed in switchdev: '$NSIM_OUT'"
	check "removing the VFs puts netdevsim back in legacy" is "$NSIM_OUT/$NSIM_RC" legacy/0

	# --- sriovctl's order: no VFs, then the mode, then the VFs ---
	sysw "$d/sriov_numvfs" 2
	sysw "$d/sriov_numvfs" 0
	nsim_mode "$h" switchdev
	check "0 VFs, then switchdev" is "$NSIM_OUT/$NSIM_RC" switchdev/0
	sysw "$d/sriov_numvfs" 2
	check "then 2 VFs" is "$WERR$(rd "$d/sriov_numvfs")" 2
	nsim_mode "$h"
	check "the mode holds with the VFs created after it" is "$NSIM_OUT" switchdev
	ports=$(devlink port show 2>/dev/null | grep -c "^$h/.*flavour pcivf" || true)
	check "2 VF representor ports" is "$ports" 2
	check "iproute2 devlink agrees: switchdev" is "$(nsim_iproute_mode "$h")" switchdev
	sysw "$d/sriov_numvfs" 0
	nsim_mode "$h" legacy
	check "back to legacy with 0 VFs" is "$NSIM_OUT/$NSIM_RC" legacy/0

	# --- devices without an eswitch mode: "not supported", exit 2 ---
	nsim_mode pci/"$PF_ADDR"
	check "a PF with no devlink instance ($PF_ADDR, $(driver_of "$PF_ADDR")): not supported (exit 2)" \
		is "$NSIM_RC" 2
	nsim_mode "$h" bogus
	check "devlink-mode refuses a mode it has no name for (usage, 64)" is "$NSIM_RC" 64

	sysw /sys/bus/netdevsim/del_device 10
	check "del_device 10 removes netdevsim10" is "$WERR" ""
}
