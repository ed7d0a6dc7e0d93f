#!/usr/bin/env bash
# Fuzzes the three data loaders (CSV, IDX, .npz) at the same time, SECONDS each.
#   scripts/fuzz.sh SECONDS [libFuzzer options …]
# Builds all three targets once, then runs them side by side: on two cores the
# three runs share the cores, so the whole round takes SECONDS instead of 3 × SECONDS.
# Each run's output goes to fuzz/artifacts/<loader>/log; a finding fails the script
# and prints the end of that loader's log (the input lands in fuzz/artifacts/<loader>/).
set -uo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${1:?"Aufruf: scripts/fuzz.sh SEKUNDEN [libFuzzer-Optionen …]"}
shift
targets=(csv idx npz)
flags=(--sanitizer none --debug-assertions)

cargo fuzz build "${flags[@]}" || exit 1
pids=()
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    cargo fuzz run "${flags[@]}" "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$seconds" "$@" >"artifacts/$t/log" 2>&1 &
    pids+=($!)
done
failed=0
for i in "${!targets[@]}"; do
    t=${targets[$i]}
    if wait "${pids[$i]}"; then
        # libFuzzer's last line: "Done N runs in S second(s)"
        echo "Fuzzing $t: $(grep -a '^Done ' "artifacts/$t/log" | tail -1)"
    else
        failed=1
        echo "Fuzzing $t: FUND oder Fehler – Ende von fuzz/artifacts/$t/log:" >&2
        tail -40 "artifacts/$t/log" >&2
    fi
done
exit "$failed"
