#!/bin/bash
# SPDX-License-Identifier: MIT
# sriov_numvfs under the fake kernel: the kernel's rules, through a shell's
# echo, Python and libudev (the path sriovctl takes); uevents, delays, faults.
. "$(dirname "$0")/lib.sh"
need_shim
export SIMHOST_NO_LIBVIRT=1

probe udevprobe libudev || { not_ok "build udevprobe"; cat "$T/udevprobe.cc.log"; }

# ---- the rules with bash's echo ----
"$RUN" "$SEED" -- bash -c '
	pf=/sys/bus/pci/devices/0000:0b:00.0
	try() { echo "$2" >$pf/sriov_numvfs 2>"$1.err"; echo "$1: rc=$? now=$(cat $pf/sriov_numvfs) $(sed "s/.*write error: //" $1.err)"; }
	cd "$0"
	try above 8
	try junk junk
	try two 2
	echo "after-two: $(ls /sys/bus/pci/devices | tr "\n" " ")"
	try busy 3
	try same 2
	try zero 0
	echo "after-zero: $(ls /sys/bus/pci/devices | tr "\n" " ") virtfn=$(ls $pf | grep -c virtfn)"
	try seven 7
	echo "after-seven: $(ls /sys/bus/pci/devices | tr "\n" " ")"
	for i in 0 1 2 3 4 5 6; do
		v=$(basename $(readlink $pf/virtfn$i))
		echo "link: virtfn$i=$v physfn=$(basename $(readlink /sys/bus/pci/devices/$v/physfn))"
	done
	try hex 0x0
	echo 0000:0b:00.1 >/sys/bus/pci/drivers/igb/unbind
	echo 1 >/sys/bus/pci/devices/0000:0b:00.1/sriov_numvfs 2>nodrv.err
	echo "nodriver: rc=$? $(sed "s/.*write error: //" nodrv.err)"
	echo 0 >/sys/bus/pci/devices/0000:0b:00.1/sriov_numvfs
	echo "nodriver-same: rc=$?"
' "$T" >"$T/bash.out" 2>&1
o="$T/bash.out"
has '^above: rc=1 now=0 Numerical result out of range$' "$o" "bash: above sriov_totalvfs is ERANGE"
has '^junk: rc=1 now=0 Invalid argument$' "$o" "bash: junk is EINVAL"
has '^two: rc=0 now=2 $' "$o" "bash: 2 VFs enabled"
has '^after-two: 0000:0b:00.0 0000:0b:00.1 0000:0b:10.0 0000:0b:10.2 $' "$o" "bash: 2 VFs at offset/stride addresses"
has '^busy: rc=1 now=2 Device or resource busy$' "$o" "bash: 2 -> 3 is EBUSY"
has '^same: rc=0 now=2 $' "$o" "bash: the same count is a successful no-op"
has '^zero: rc=0 now=0 $' "$o" "bash: 0 disables"
has '^after-zero: 0000:0b:00.0 0000:0b:00.1  virtfn=0$' "$o" "bash: VFs and virtfn links removed"
has '^after-seven: 0000:0b:00.0 0000:0b:00.1 0000:0b:10.0 0000:0b:10.2 0000:0b:10.4 0000:0b:10.6 0000:0b:11.0 0000:0b:11.2 0000:0b:11.4 $' \
	"$o" "bash: 7 VFs are 0b:10.0 ... 0b:11.4"
has '^link: virtfn6=0000:0b:11.4 physfn=0000:0b:00.0$' "$o" "virtfn6 and its physfn"
has '^hex: rc=0 now=0 $' "$o" "kstrtou16 accepts 0x0"
has '^nodriver: rc=1 No such file or directory$' "$o" "no driver is ENOENT"
has '^nodriver-same: rc=0$' "$o" "without driver the same count still succeeds"

# ---- dash, coreutils and Python ----
"$RUN" "$SEED" -- bash -c '
	p=/sys/bus/pci/devices/0000:0b:00.0/sriov_numvfs
	sh -c "echo 3 > $p"; echo "dash: rc=$? now=$(cat $p)"
	/bin/echo 4 > $p 2>/dev/null; echo "coreutils: rc=$? now=$(cat $p)"
	/usr/bin/python3 -c "
import sys
try:
    with open(sys.argv[1], \"w\") as f:
        f.write(\"9\\n\")
except OSError as e:
    print(\"python:\", e.strerror)
" $p
' >"$T/others.out" 2>&1
o="$T/others.out"
has '^dash: rc=0 now=3$' "$o" "dash's echo enables VFs"
has '^coreutils: rc=1 now=3$' "$o" "/bin/echo 3 -> 4 fails (EBUSY) through an inherited fd"
has '^python: Numerical result out of range$' "$o" "Python gets ERANGE"

# ---- the same rules through libudev, with a monitor ----
"$RUN" "$SEED" -- bash -c '
	u="$0/udevprobe"; a=0000:0b:00.0
	echo "above: $($u set $a sriov_numvfs 8)"
	echo "junk: $($u set $a sriov_numvfs 1x)"
	$u watch-set $a sriov_numvfs 7 7 3000 | sed "s/^/watch-add: /"
	echo "busy: $($u set $a sriov_numvfs 2)"
	echo "same: $($u set $a sriov_numvfs 7)"
	$u watch-set $a sriov_numvfs 0 7 3000 | sed "s/^/watch-remove: /"
	echo "left: $(ls /sys/bus/pci/devices | wc -l)"
' "$T" >"$T/udev.out" 2>&1
o="$T/udev.out"
has '^above: error ERANGE$' "$o" "libudev: ERANGE"
has '^junk: error EINVAL$' "$o" "libudev: EINVAL"
has '^watch-add: ok$' "$o" "libudev: 7 VFs enabled"
has '^watch-add: events 7 after' "$o" "monitor got 7 pci add events"
has '^watch-add: add net enp11s17f2$' "$o" "monitor got a netdev add event"
has '^watch-add: bind pci 0000:0b:10.0$' "$o" "monitor got a bind event"
has '^busy: error EBUSY$' "$o" "libudev: EBUSY"
has '^same: ok$' "$o" "libudev: same count succeeds"
has '^watch-remove: events 7 after' "$o" "monitor got 7 pci remove events"
has '^watch-remove: remove net enp11s16$' "$o" "monitor got a netdev remove"
has '^left: 2$' "$o" "only the PFs left"

# ---- stdio writers, and a driver that enables fewer VFs than asked ----
variant "$T/fewer.yaml" "$SEED" 's["simulate"]["0000:0b:00.0"]["vf-enable-max"] = 3'
"$RUN" "$T/fewer.yaml" -- bash -c '
	p=/sys/bus/pci/devices/0000:0b:00.0/sriov_numvfs
	echo "stdio-above: $($0/udevprobe stdio-set $p 8)"
	echo "stdio-fewer: $($0/udevprobe stdio-set $p 5) now=$(cat $p) vfs=$(ls -d /sys/bus/pci/devices/0000:0b:1* | wc -l)"
	echo "stdio-busy: $($0/udevprobe stdio-set $p 2)"
	echo "stdio-zero: $($0/udevprobe stdio-set $p 0) now=$(cat $p)"
' "$T" >"$T/fewer.out" 2>&1
has '^stdio-above: error ERANGE$' "$T/fewer.out" "fopen/fputs/fclose gets ERANGE"
has '^stdio-fewer: ok now=3 vfs=3$' "$T/fewer.out" "vf-enable-max: the write succeeds, fewer VFs are enabled"
has '^stdio-busy: error EBUSY$' "$T/fewer.out" "fopen/fputs/fclose gets EBUSY"
has '^stdio-zero: ok now=0$' "$T/fewer.out" "fopen/fputs/fclose disables"

# ---- a delay: the write returns at once, the VFs come later ----
variant "$T/delay.yaml" "$SEED" 's["simulate"]["0000:0b:00.0"]["vf-delay-ms"] = 600'
"$RUN" "$T/delay.yaml" -- bash -c '
	u="$0/udevprobe"; pf=/sys/bus/pci/devices/0000:0b:00.0
	s=$EPOCHREALTIME
	echo 2 >$pf/sriov_numvfs
	echo "returned-ms: $(( (${EPOCHREALTIME/./} - ${s/./}) / 1000 ))"
	echo "at-once: $(ls /sys/bus/pci/devices | wc -l)"
	s=$EPOCHREALTIME
	w=$($u set 0000:0b:00.0 sriov_numvfs 3)
	echo "while-pending: $w waited-ms: $(( (${EPOCHREALTIME/./} - ${s/./}) / 1000 ))"
	echo "later: $(ls /sys/bus/pci/devices | wc -l) numvfs=$(cat $pf/sriov_numvfs)"
	$u watch-set 0000:0b:00.0 sriov_numvfs 0 2 3000 | sed "s/^/watch: /"
	echo "after-remove: $(ls /sys/bus/pci/devices | wc -l)"
	echo 1 >$pf/sriov_numvfs
	s=$EPOCHREALTIME
	n=$(cat $pf/sriov_numvfs)
	echo "read-while-pending: numvfs=$n waited-ms: $(( (${EPOCHREALTIME/./} - ${s/./}) / 1000 ))"
' "$T" >"$T/delay.out" 2>&1
o="$T/delay.out"
if grep -qE '^returned-ms: [0-9]+$' "$o" && [ "$(sed -n 's/^returned-ms: //p' "$o")" -lt 400 ]; then
	ok "a delayed write returns at once"
else
	not_ok "a delayed write returns at once"
	sed 's/^/#   /' "$o"
fi
has '^at-once: 2$' "$o" "no VFs right after the write"
# the kernel's device lock: a write or a read waits for the change under way
w=$(sed -n 's/^while-pending: error EBUSY waited-ms: \([0-9]*\)$/\1/p' "$o")
if [ -n "$w" ] && [ "$w" -ge 300 ]; then
	ok "a write while VFs are being enabled waits for them ($w ms), then 2 -> 3 is EBUSY"
else
	not_ok "a write while VFs are being enabled waits for them, then 2 -> 3 is EBUSY"
	sed 's/^/#   /' "$o"
fi
w=$(sed -n 's/^read-while-pending: numvfs=1 waited-ms: \([0-9]*\)$/\1/p' "$o")
if [ -n "$w" ] && [ "$w" -ge 300 ]; then
	ok "a read of sriov_numvfs while VFs are being enabled waits and reads the new count ($w ms)"
else
	not_ok "a read of sriov_numvfs while VFs are being enabled waits and reads the new count"
	sed 's/^/#   /' "$o"
fi
has '^later: 4 numvfs=2$' "$o" "VFs present after the delay"
ms=$(sed -n 's/^watch: events 2 after \([0-9]*\) ms$/\1/p' "$o")
if [ -n "$ms" ] && [ "$ms" -ge 550 ]; then
	ok "remove events arrive after the delay ($ms ms)"
else
	not_ok "remove events arrive after the delay"
	sed 's/^/#   /' "$o"
fi
has '^after-remove: 2$' "$o" "VFs gone after the delayed disable"

# ---- injected faults ----
for err in EIO ENOSPC; do
	variant "$T/$err.yaml" "$SEED" "s['simulate']['0000:0b:00.0']['fail'] = {'sriov_numvfs': '$err'}"
	"$RUN" "$T/$err.yaml" -- bash -c '
		echo "probe: $($0/udevprobe set 0000:0b:00.0 sriov_numvfs 2)"
		echo 2 >/sys/bus/pci/devices/0000:0b:00.0/sriov_numvfs
		echo "numvfs: $(cat /sys/bus/pci/devices/0000:0b:00.0/sriov_numvfs)"
		echo "other-pf: $($0/udevprobe set 0000:0b:00.1 sriov_numvfs 1)"
	' "$T" >"$T/$err.out" 2>&1
	has "^probe: error $err\$" "$T/$err.out" "fault $err through libudev"
	has '^numvfs: 0$' "$T/$err.out" "fault $err leaves the count"
	has '^other-pf: ok$' "$T/$err.out" "fault $err is only on its PF"
done
has 'echo: write error: Input/output error' "$T/EIO.out" "bash sees EIO"

variant "$T/hang.yaml" "$SEED" \
	"s['simulate']['0000:0b:00.0'].update({'fail': {'sriov_numvfs': 'hang'}, 'hang-ms': 500})"
"$RUN" "$T/hang.yaml" -- bash -c '
	s=$EPOCHREALTIME
	r=$($0/udevprobe set 0000:0b:00.0 sriov_numvfs 2)
	echo "hang: $r after $(( (${EPOCHREALTIME/./} - ${s/./}) / 1000 )) ms"
' "$T" >"$T/hang.out" 2>&1
ms=$(sed -n 's/^hang: error ETIMEDOUT after \([0-9]*\) ms$/\1/p' "$T/hang.out")
if [ -n "$ms" ] && [ "$ms" -ge 500 ]; then
	ok "hang with hang-ms blocks, then ETIMEDOUT ($ms ms)"
else
	not_ok "hang with hang-ms blocks, then ETIMEDOUT"
	sed 's/^/#   /' "$T/hang.out"
fi

variant "$T/hang2.yaml" "$SEED" "s['simulate']['0000:0b:00.0']['fail'] = {'sriov_numvfs': 'hang'}"
"$RUN" "$T/hang2.yaml" -- bash -c '
	timeout 1 bash -c "echo 2 > /sys/bus/pci/devices/0000:0b:00.0/sriov_numvfs"
	echo "killed: rc=$? numvfs=$(cat /sys/bus/pci/devices/0000:0b:00.0/sriov_numvfs)"
' >"$T/hang2.out" 2>&1
has '^killed: rc=124 numvfs=0$' "$T/hang2.out" "hang blocks until the writer is killed"

echo "1..$n"
