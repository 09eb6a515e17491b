#!/bin/sh
# make demo: validate the examples (the simulated host comes with issue 3).
set -eu
B=${B:-build}
for f in examples/*.yaml; do
	"$B/sriovctl" validate "$f"
done
