#!/bin/bash
# SPDX-License-Identifier: MIT
# libxml2 is loaded only when a domain XML is read (reconcile/domxml.c
# dlopen()s it): a command that reads none does not pay for it and its
# ICU, and when it cannot be loaded, a host-state file with domains is
# refused at the domain, with its place, while everything else still runs.
# Seen with the dynamic loader's own trace (LD_DEBUG=files).
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${B:-build}
. "$TOP/tests/lib/tap.sh"
S="$TOP/$B/sriovctl"
STATE="$TOP/tests/state/rich.state.yaml"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1

# loaded FILE: the libraries the traced run in FILE loaded, one a line
loaded() { sed -n 's/.*file=\([^ ]*\) *\[[0-9]*\]; *needed by.*/\1/p; s/.*file=\([^ ]*\) *\[[0-9]*\]; *dynamically loaded by.*/\1/p' "$1" | sort -u; }

LD_DEBUG=files LD_DEBUG_OUTPUT="$T/version" "$S" --version >"$T/version.out" 2>&1
is 0 $? "--version: exit 0"
loaded "$T/version".* >"$T/version.libs"
has "libyaml" "$T/version.libs" "--version: the trace lists the libraries loaded"
lacks "libxml2" "$T/version.libs" "--version: libxml2 is not loaded"

printf 'version: 1\n' >spec.yaml
LD_DEBUG=files LD_DEBUG_OUTPUT="$T/validate" "$S" validate spec.yaml >"$T/validate.out" 2>&1
is 0 $? "validate: exit 0"
loaded "$T/validate".* >"$T/validate.libs"
lacks "libxml2" "$T/validate.libs" "validate: libxml2 is not loaded"

LD_DEBUG=files LD_DEBUG_OUTPUT="$T/plan" "$S" plan -q --state "$STATE" spec.yaml >"$T/plan.out" 2>"$T/plan.err"
rc=$?
is 0 "$rc" "plan --state of a host with domains: exit 0"
sed 's/^/# /' "$T/plan.err"
loaded "$T/plan".* >"$T/plan.libs"
has "libxml2" "$T/plan.libs" "plan --state of a host with domains: libxml2 is loaded"

# a libxml2.so.2 that the dynamic loader cannot load, found first
mkdir lib && echo "not a library" >lib/libxml2.so.2
LD_LIBRARY_PATH="$T/lib" "$S" --version >"$T/noxml-version.out" 2>&1
is 0 $? "libxml2 unloadable: --version still runs"
LD_LIBRARY_PATH="$T/lib" "$S" plan -q --state "$STATE" spec.yaml >"$T/noxml.out" 2>"$T/noxml.err"
rc=$?
is 1 "$rc" "libxml2 unloadable: plan --state of a host with domains: exit 1"
line=$(grep -n '^  xml: |' "$STATE" | head -1 | cut -d: -f1)
has "^$STATE:$line:8: error: cannot read domain XML: cannot load libxml2\.so\.2: " "$T/noxml.err" \
	"... at the first domain XML, with its place and why"
is "" "$(cat "$T/noxml.out")" "... and prints no plan"

echo "1..$n"
[ "$n_fail" -eq 0 ]
