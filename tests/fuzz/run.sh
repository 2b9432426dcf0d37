#!/bin/bash
# run.sh -- runs the libFuzzer targets (fuzz.h).
#
# Usage: run.sh fuzz SRCDIR BUILDDIR SECONDS TARGET...     ('make fuzz')
#        run.sh replay SRCDIR BUILDDIR TARGET...           ('make check')
#
# A target starts from its seeds (tests/fuzz/corpus/SEEDS/: a target's
# own, or those of the target whose messages it reads too) and every
# crash input ever found for it (tests/fuzz/regress/TARGET/).  'fuzz' runs
# it under libFuzzer for SECONDS: what it learns goes to
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
    work=$build/tests/fuzz/work/$t log=$build/tests/fuzz/$t.log
    mkdir -p "$work"
    "$build/tests/fuzz/fuzz-$t" -max_total_time="$secs" -max_len=8192 \
        -print_final_stats=1 -artifact_prefix="$build/tests/fuzz/crashes/$t-" \
        "$work" "${dirs[@]}" > "$log" 2>&1
    status=$?
    execs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
    if [ "$status" = 0 ]; then
        echo "fuzz: $t: ${execs:-?} executions in $secs s, $cov, no crash," \
             "no sanitizer report"
    else
        echo "fuzz: $t: FAILED (exit $status) after ${execs:-?} executions;" \
             "see $log and $build/tests/fuzz/crashes/" >&2
        grep -m 5 -E 'ERROR|SUMMARY|runtime error|Test unit written|^fuzz-' \
            "$log" >&2
        rc=1
    fi
done
exit $rc
