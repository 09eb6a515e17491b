#!/bin/bash
# SPDX-License-Identifier: MIT
# The Ansible example (examples/ansible: the module library/sriovctl.py
# and site.yml, with kvm-07's host_vars given to localhost) run by
# ansible-playbook, connection local, on the simulated seed host with its
# private libvirtd: --check --diff reports changed with the plan as the
# diff and writes nothing; applying converges; a second run is not
# changed; a shrink that takes MyGuest's VF fails the task naming MyGuest
# with sriovctl's exit code 3, and changes nothing. A saved plan given to
# the module is checked in check mode and applied otherwise.
. "$(dirname "$0")/../simhost/lib.sh"
SRIOVCTL=${SRIOVCTL:-$TOP/$B/sriovctl}
need_shim
echo "1..17"
if [ "$(id -u)" != 0 ] || ! command -v ansible-playbook >/dev/null; then
	for i in $(seq 17); do
		echo "ok $i - ansible # SKIP needs root (private libvirtd) and ansible-playbook (ansible-core)"
	done
	exit 0
fi
EX=$TOP/examples/ansible

mkdir -p "$T/inv/host_vars" "$T/home"
printf '[sriov_hosts]\nlocalhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3 ansible_become=false\n' \
	>"$T/inv/hosts.ini"
# kvm-07's desired state as shipped, and where this host keeps its files
cp "$EX/host_vars/kvm-07.yml" "$T/inv/host_vars/localhost.yml"
{
	echo "sriovctl_file: \"{{ lookup('env', 'SRIOVCTL_ROOT') }}/etc/sriovctl/sriovctl.yaml\""
	echo "sriovctl_executable: $SRIOVCTL"
} >>"$T/inv/host_vars/localhost.yml"
# the shrink: 0000:0b:00.0 to 0 VFs while MyGuest holds VF 0 (extra vars win)
printf 'sriovctl_desired_state: |\n  version: 1\n  pfs:\n    - pci: "0000:0b:00.0"\n      num-vfs: 0\n' \
	>"$T/blocked.yml"

"$RUN" "$TOP/examples/hosts/seed-82576.state.yaml" -- env T="$T" EX="$EX" SC="$SRIOVCTL" bash -c '
	export ANSIBLE_LIBRARY=$EX/library ANSIBLE_HOME=$T/home ANSIBLE_LOCAL_TEMP=$T/home/tmp \
		ANSIBLE_CALLBACKS_ENABLED=ansible.builtin.tree ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 \
		ANSIBLE_DEPRECATION_WARNINGS=0 ANSIBLE_LOCALHOST_WARNING=0
	file=$SRIOVCTL_ROOT/etc/sriovctl/sriovctl.yaml
	pf=/sys/bus/pci/devices/0000:0b:00.0/sriov_numvfs
	# play RUN ARGS...: its output in $T/RUN.out, its task result in $T/RUN.json
	play() {
		local run=$1
		shift
		ANSIBLE_CALLBACK_TREE_DIR=$T/tree.$run \
			ansible-playbook -i "$T/inv/hosts.ini" "$EX/site.yml" "$@" >"$T/$run.out" 2>"$T/$run.err"
		local rc=$?
		cp "$T/tree.$run/localhost" "$T/$run.json" 2>/dev/null
		return $rc
	}
	play check --check --diff
	echo "check: rc=$? file=$([ -e "$file" ] && echo yes || echo no) numvfs=$(cat $pf)"
	play apply --diff
	echo "apply: rc=$? numvfs=$(cat $pf)"
	$SC plan -f "$file" --detailed-exitcode >"$T/plan-after" 2>&1
	echo "plan-after: rc=$?"
	play again
	echo "again: rc=$?"
	play blocked -e @"$T/blocked.yml"
	echo "blocked: rc=$? numvfs=$(cat $pf)"
	# a saved plan through the module alone: checked (apply --plan --dry-run), then applied
	printf "version: 1\npfs:\n  - pci: \"0000:0b:00.1\"\n    num-vfs: 3\n" >"$T/shrink.yaml"
	$SC plan -f "$T/shrink.yaml" -o "$T/plan.json" >/dev/null 2>&1
	pf1=/sys/bus/pci/devices/0000:0b:00.1/sriov_numvfs
	adhoc() {
		local run=$1
		shift
		ANSIBLE_CALLBACK_TREE_DIR=$T/tree.$run ANSIBLE_LOAD_CALLBACK_PLUGINS=1 \
			ansible -i "$T/inv/hosts.ini" localhost -m sriovctl \
			-a "plan=$T/plan.json executable=$SC" "$@" >"$T/$run.out" 2>"$T/$run.err"
		local rc=$?
		cp "$T/tree.$run/localhost" "$T/$run.json" 2>/dev/null
		return $rc
	}
	adhoc saved-check --check
	echo "saved-check: rc=$? numvfs=$(cat $pf1)"
	adhoc saved
	echo "saved: rc=$? numvfs=$(cat $pf1)"
' >"$T/out" 2>&1
sed 's/^/# /' "$T/out"
for f in check apply again blocked saved-check saved; do
	[ -s "$T/$f.err" ] && sed "s/^/# $f stderr: /" "$T/$f.err" | head -n 20
done

# result RUN FIELD: the task's FIELD (as JSON), as the tree callback saved it
result() {
	"$PYTHON" - "$T/$1.json" "$2" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
    print(json.dumps(r.get(sys.argv[2]), sort_keys=True))
except Exception as e:
    print("unreadable: %s" % e)
PY
}

has '^check: rc=0 file=no numvfs=0$' "$T/out" "check mode succeeds and writes neither the file nor sysfs"
is "true" "$(result check changed)" "check mode reports changed"
# the diff as ansible-playbook --diff prints it: per target, each change's from and to
has '^-        "set-num-vfs": 0$' "$T/check.out" "the diff's before: the host as it is (0 VFs)"
has '^\+        "set-num-vfs": 7$' "$T/check.out" "the diff's after: 7 VFs"
has '^         "attach 0000:0b:10.0": \{$' "$T/check.out" "the diff holds MyGuest's new interface"
has '^apply: rc=0 numvfs=7$' "$T/out" "applying succeeds: 7 VFs"
is "true" "$(result apply changed)" "applying reports changed"
has '^plan-after: rc=0$' "$T/out" "the host matches the file afterwards (plan --detailed-exitcode 0)"
has '^again: rc=0$' "$T/out" "a second run succeeds"
is "false" "$(result again changed)" "a second run reports not changed"
has '^blocked: rc=2 numvfs=7$' "$T/out" "the blocked shrink fails the play and changes nothing"
msg=$(result blocked msg)
echo "# msg: $msg"
case $msg in
*MyGuest*) ok "the task's message names the guest" ;;
*) not_ok "the task's message names the guest" ;;
esac
is "3" "$(result blocked rc)" "the task's rc is sriovctl's exit code 3"
has '^saved-check: rc=0 numvfs=7$' "$T/out" "a saved plan in check mode: checked, nothing changed"
is "true" "$(result saved-check changed)" "... and reported changed"
has '^saved: rc=0 numvfs=3$' "$T/out" "the saved plan applied (0000:0b:00.1: 7 -> 3 VFs)"
is "true" "$(result saved changed)" "... and reported changed"
