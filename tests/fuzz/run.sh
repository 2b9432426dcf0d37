#!/bin/bash
# run.sh -- runs the libFuzzer targets (fuzz.h).
#
# Usage: run.sh fuzz SRCDIR BUILDDIR SECONDS TARGET...     ('make fuzz')
#        run.sh replay SRCDIR BUILDDIR TARGET...           ('make check')
#
# A target starts from its seeds (tests/fuzz/corpus/SEEDS/: a target's
# own, or those of the target whose messages it reads too) and every
# crash input ever found for it (tests/fuzz/regress/TARGET/).  'fuzz' runs
# it under libFuzzer for SECONDS (FUZZ_JOBS targets at once, default one
# per CPU): what it learns goes to
# BUILDDIR/tests/fuzz/work/TARGET/ (not committed), a crash input to
# BUILDDIR/tests/fuzz/crashes/ (add it to regress/ with the fix).  It
# prints each target's executions and exits 1 if any target crashed or a
# sanitizer reported (libFuzzer stops at the first).  'replay' feeds the
# seeds and regressions once through the target built as megaflower is
# (tests/fuzz/fuzz-TARGET-replay).
set -u
mode=$1 src=$2 build=$3
shift 3
secs=
if [ "$mode" = fuzz ]; then
    secs=$1
    shift
fi

# The seed corpus of target $1.
seeds_of() {
    case $1 in
    shape) echo filter ;;       # Requests and dumps are one format.
    *) echo "$1" ;;
    esac
}

# fuzz_one TARGET DIR...: one target under libFuzzer; its report on
# stdout (stderr for a failure); exits 1 if it crashed.
fuzz_one() {
    local t=$1 status execs cov
    shift
    local work=$build/tests/fuzz/work/$t log=$build/tests/fuzz/$t.log
    mkdir -p "$work"
    "$build/tests/fuzz/fuzz-$t" -max_total_time="$secs" -max_len=8192 \
        -print_final_stats=1 -artifact_prefix="$build/tests/fuzz/crashes/$t-" \
        "$work" "$@" > "$log" 2>&1
    status=$?
    execs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
    if [ "$status" = 0 ]; then
        echo "fuzz: $t: ${execs:-?} executions in $secs s, $cov, no crash," \
             "no sanitizer report"
        return 0
    fi
    echo "fuzz: $t: FAILED (exit $status) after ${execs:-?} executions;" \
         "see $log and $build/tests/fuzz/crashes/" >&2
    grep -m 5 -E 'ERROR|SUMMARY|runtime error|Test unit written|^fuzz-' \
        "$log" >&2
    return 1
}

# Targets fuzz FUZZ_JOBS at a time (default: one per CPU); each is one
# process, so the CPU time per target is SECONDS either way.
jobs_max=${FUZZ_JOBS:-$(nproc)}
pids=()
rc=0
mkdir -p "$build/tests/fuzz/crashes"
for t; do
    dirs=()
    for d in "$src/tests/fuzz/corpus/$(seeds_of "$t")" \
             "$src/tests/fuzz/regress/$t"; do
        [ -d "$d" ] && dirs+=("$d")
    done
    if [ "$mode" = replay ]; then
        # FUZZ_REPLAY_WRAPPER: a command to run it under (valgrind).
        ${FUZZ_REPLAY_WRAPPER:-} "$build/tests/fuzz/fuzz-$t-replay" \
            "${dirs[@]}" || rc=1
        continue
    fi
    if [ "${#pids[@]}" -ge "$jobs_max" ]; then
        wait "${pids[0]}" || rc=1
        pids=("${pids[@]:1}")
    fi
    fuzz_one "$t" "${dirs[@]}" &
    pids+=($!)
done
for p in "${pids[@]}"; do
    wait "$p" || rc=1
done
exit $rc
