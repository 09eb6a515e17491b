#!/bin/bash
# SPDX-License-Identifier: MIT
# The default desired state: /etc/sriovctl/sriovctl.yaml under --root or
# SRIOVCTL_ROOT, then /etc/sriovctl/sriovctl.d/*.yaml merged in lexical
# order; a key set in two files is an error naming both places; no file
# at all is a usage error saying what to create.
. "$(dirname "$0")/lib.sh"
echo "1..22"
R=$T/root
D=$R/etc/sriovctl
mkdir -p "$D/sriovctl.d"

# 1-2: nothing there
sc plan --root "$R" --state "$SEED_HOST"
is 64 "$rc" "no file at all: exit 64"
is "sriovctl: error: no desired-state file: give FILE or create $R/etc/sriovctl/sriovctl.yaml" \
	"$(cat "$T/err")" "it says what to create"

# 3-6: the default file alone is the seed's file
cp "$SEED_SPEC" "$D/sriovctl.yaml"
"$SRIOVCTL" plan -f "$SEED_SPEC" --state "$SEED_HOST" >"$T/seed.plan" 2>&1
sc plan --root "$R" --state "$SEED_HOST"
check "plan with --root reads the default file" cmp -s "$T/out" "$T/seed.plan"
SRIOVCTL_ROOT=$R "$SRIOVCTL" plan --state "$SEED_HOST" >"$T/out" 2>"$T/err"
check "SRIOVCTL_ROOT too" cmp -s "$T/out" "$T/seed.plan"
sc validate --root "$R"
is "$D/sriovctl.yaml: valid (2 PFs, 1 module, 1 guest)" "$(cat "$T/out")" "validate without FILE checks it"
sc plan --root "$R" --state "$SEED_HOST" -v
has "^sriovctl: reading $D/sriovctl.yaml$" "$T/err" "-v says which file it reads"

# 7-10: drop-ins merged in lexical order
cat >"$D/sriovctl.yaml" <<'Y'
version: 1
pfs:
  - pci: "0000:0b:00.0"
    num-vfs: 2
Y
cat >"$D/sriovctl.d/20-vf.yaml" <<'Y'
version: 1
pfs:
  - pci: "0000:0b:00.0"
    vfs:
      - {id: 1, trust: true}
Y
cat >"$D/sriovctl.d/10-second-pf.yaml" <<'Y'
version: 1
pfs:
  - pci: "0000:0b:00.1"
    num-vfs: 3
Y
echo "not: [yaml" >"$D/sriovctl.d/README"
sc plan --root "$R" --state "$SEED_HOST" -v
is 0 "$([ "$rc" = 0 ] || [ "$rc" = 2 ]; echo $?)" "the drop-ins merge (exit $rc)"
has '^~ 0000:0b:00.0 num-vfs 0 -> 2' "$T/out" "the default file's key"
has '^~ 0000:0b:00.1 num-vfs 0 -> 3' "$T/out" "a drop-in's PF"
grep "^sriovctl: reading $D/" "$T/err" | sed 's|.*/||' | tr '\n' ' ' >"$T/order"
is "sriovctl.yaml 10-second-pf.yaml 20-vf.yaml " "$(cat "$T/order")" \
	"read in order: the main file, then the drop-ins by name (not README)"
has '^~ 0000:0b:00.0 VF 1 .*trust|^\+ .*0000:0b:00.0 .*VF 1.*trust|trust.*true' "$T/out" "a drop-in's VF setting"

# 12-15: a key set in two files
cat >"$D/sriovctl.d/30-conflict.yaml" <<'Y'
version: 1
pfs:
  - pci: "0000:0b:00.0"
    num-vfs: 4
Y
sc plan --root "$R" --state "$SEED_HOST"
is 65 "$rc" "a key set twice: exit 65"
is "$D/sriovctl.d/30-conflict.yaml:4:14: error: pfs[0000:0b:00.0].num-vfs is also set at $D/sriovctl.yaml:4:14" \
	"$(cat "$T/err")" "the error is at the later place and names the earlier one"
cat >"$D/sriovctl.d/30-conflict.yaml" <<'Y'
version: 1
pfs:
  - pci: "0000:0b:00.0"
    vfs:
      - id: 1
        trust: false
Y
sc validate --root "$R"
has "30-conflict.yaml:5:9: error: pfs\[0000:0b:00.0\].vfs\[1\].trust is also set at .*20-vf.yaml:5:9$" \
	"$T/err" "a VF setting in two drop-ins (at the VFs' items)"
is 65 "$rc" "validate without FILE: exit 65"

# 16-18: across files, a VF beyond num-vfs and a device given to two guests
cat >"$D/sriovctl.d/30-conflict.yaml" <<'Y'
version: 1
pfs:
  - pci: "0000:0b:00.0"
    vfs:
      - {id: 5, trust: false}
Y
sc validate --root "$R"
has "30-conflict.yaml:5:9: error: VF 5 of PF '0000:0b:00.0' does not exist: num-vfs is 2$" "$T/err" \
	"a drop-in's VF beyond the main file's num-vfs"
cat >"$D/sriovctl.d/30-conflict.yaml" <<'Y'
version: 1
pfs:
  - pci: "0000:0b:00.0"
guests:
  a:
    devices:
      - vf: {pf: "0000:0b:00.0", id: 0}
Y
cat >"$D/sriovctl.d/40-conflict.yaml" <<'Y'
version: 1
pfs:
  - pci: "0000:0b:00.0"
guests:
  b:
    devices:
      - vf: {pf: "0000:0b:00.0", id: 0}
Y
sc validate --root "$R"
has "40-conflict.yaml:7:9: error: VF 0 of PF '0000:0b:00.0' is also given to guest 'a' at .*30-conflict.yaml:7:9$" \
	"$T/err" "one VF given to two guests by two files"
rm "$D/sriovctl.d/40-conflict.yaml"
sc validate --root "$R"
is 0 "$rc" "a drop-in may name a PF of the main file again, with no other key, to give its VF to a guest"
rm "$D/sriovctl.d/30-conflict.yaml"

# 19-20: an explicit FILE wins over the default set; drop-ins alone are enough
sc plan "$SEED_SPEC" --root "$R" --state "$SEED_HOST"
check "FILE given: the default set is not read" cmp -s "$T/out" "$T/seed.plan"
rm "$D/sriovctl.yaml"
sc validate --root "$R"
is 0 "$rc" "drop-ins without the main file (exit $rc)"

# 21-22: plan -o records the default set's first file and a digest of all of them
sc plan --root "$R" --state "$SEED_HOST" -o "$T/p.json"
is 0 "$([ "$rc" = 0 ] || [ "$rc" = 2 ]; echo $?)" "plan -o with the default set (exit $rc)"
has "\"path\": \"$D/sriovctl.d/10-second-pf.yaml\"" "$T/p.json" "the saved plan names its first file"
