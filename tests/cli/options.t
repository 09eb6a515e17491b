#!/bin/bash
# SPDX-License-Identifier: MIT
# Per-command options: each command takes its own options, says so in its
# help, and refuses any other with one line and exit 64; every option keeps
# working for the commands that take it; the file is positional or -f.
. "$(dirname "$0")/lib.sh"
echo "1..39"

# 1-6: help per command
sc plan --help
has '^      --detailed-exitcode' "$T/out" "plan --help lists --detailed-exitcode"
lacks '--dry-run|--lock-timeout|--plan PLAN' "$T/out" "plan --help lists no apply-only option"
cp "$T/out" "$T/plan-help"
sc help plan
check "sriovctl help plan is plan --help" cmp -s "$T/out" "$T/plan-help"
sc apply -h
has '^      --dry-run' "$T/out" "apply -h lists --dry-run"
sc validate --help
lacks '--force|--state|--libvirt' "$T/out" "validate --help lists no host option"
sc --help
has '^  qemu-args +GUEST \[FILE\]' "$T/out" "the overview lists the commands and their arguments"

# 7-12: an option that does not apply is a usage error naming both
usage "plan --dry-run: usage error" plan --dry-run "$SEED_SPEC"
is "sriovctl: plan: option --dry-run does not apply to plan (see 'sriovctl plan --help')" \
	"$(cat "$T/err")" "it says the option does not apply to plan"
usage "validate --force: usage error" validate --force "$SEED_SPEC"
has "^sriovctl: validate: option --force does not apply to validate" "$T/err" "it names validate"
usage "show -o: usage error" show -o x
usage "qemu-args --detailed-exitcode: usage error" qemu-args G --detailed-exitcode

# 13-17: bad options, commands and values: one line each
usage "an unknown option" plan --bogus
has "^sriovctl: plan: unknown option '--bogus'" "$T/err" "the unknown option is named"
usage "a missing argument" plan -o
usage "an unknown command" frobnicate
usage "help on an unknown command" help frobnicate

# 18-21: the file: positional or -f, once
sc plan "$SEED_SPEC" --state "$SEED_HOST"
cp "$T/out" "$T/positional"
is 0 "$rc" "plan FILE works"
sc plan -f "$SEED_SPEC" --state "$SEED_HOST"
check "plan -f FILE prints the same plan" cmp -s "$T/out" "$T/positional"
usage "-f and a FILE argument" plan -f "$SEED_SPEC" "$SEED_SPEC" --state "$SEED_HOST"
usage "two FILE arguments" plan "$SEED_SPEC" "$SEED_SPEC" --state "$SEED_HOST"

# 22-35: every option still works where it applies (options before the command too)
accepts() { # NAME ARGS...: not a usage error
	local name=$1
	shift
	sc "$@"
	if [ "$rc" != 64 ]; then ok "$name (exit $rc)"; else fail "$name" "$(cat "$T/err")"; fi
}
accepts "validate -q --json" validate -q --json "$SEED_SPEC"
accepts "validate --format text FILE FILE" validate --format text "$SEED_SPEC" "$SEED_SPEC"
accepts "show --state --format state --root --libvirt" show --state "$SEED_HOST" --format state \
	--root "$T" --libvirt test:///default
accepts "show --json -f FILE" show --json -f "$SEED_SPEC" --state "$SEED_HOST"
accepts "plan -o --detailed-exitcode --force" plan "$SEED_SPEC" --state "$SEED_HOST" \
	-o "$T/plan.json" --detailed-exitcode --force
accepts "plan --only --scope" plan "$SEED_SPEC" --state "$SEED_HOST" --only 0000:0b:00.0 \
	--scope all
accepts "plan --format json --color never -v" plan "$SEED_SPEC" --state "$SEED_HOST" \
	--format json --color never -v
accepts "--root before the command" --root "$T" plan "$SEED_SPEC" --state "$SEED_HOST"
accepts "apply --dry-run --force --timeout --lock-timeout --json" apply "$SEED_SPEC" \
	--state "$SEED_HOST" --dry-run --force --timeout 5 --lock-timeout 1 --json
accepts "apply --plan --dry-run --state" apply --plan "$T/plan.json" --dry-run --state "$SEED_HOST"
accepts "apply --color always -q" apply "$SEED_SPEC" --state "$SEED_HOST" --dry-run --color always -q
accepts "qemu-args GUEST FILE --state" qemu-args MyGuest "$SEED_SPEC" --state "$SEED_HOST"
is "-device vfio-pci,host=0000:0b:10.0" "$(cat "$T/out")" "qemu-args GUEST FILE reads the file's guest"
accepts "-V" -V
accepts "show --version" show --version

# 36-38: values checked, conflicting sources refused
usage "--color with an unknown value" plan "$SEED_SPEC" --color sometimes
usage "--timeout that is not a number" apply --timeout soon "$SEED_SPEC"
usage "apply FILE and --plan" apply "$SEED_SPEC" --plan "$T/plan.json" --dry-run
