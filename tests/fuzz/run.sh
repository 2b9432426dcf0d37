#!/bin/bash
# run.sh -- 'make fuzz': runs each libFuzzer target for SECONDS (fuzz.h).
#
# Usage: run.sh SRCDIR BUILDDIR SECONDS TARGET...
#
# A target starts from its committed corpus (tests/fuzz/corpus/TARGET/)
# and every crash input ever found (tests/fuzz/regress/TARGET/); what it
# learns goes to BUILDDIR/tests/fuzz/work/TARGET/ (not committed), a crash
# input to BUILDDIR/tests/fuzz/crashes/ (add it to regress/ with the fix).
# Prints each target's executions; exits 1 if any target crashed or a
# sanitizer reported (libFuzzer stops at the first).
set -u
src=$1 build=$2 secs=$3
shift 3
rc=0
mkdir -p "$build/tests/fuzz/crashes"
for t; do
    work=$build/tests/fuzz/work/$t log=$build/tests/fuzz/$t.log
    mkdir -p "$work"
    dirs=("$work")
    for d in "$src/tests/fuzz/corpus/$t" "$src/tests/fuzz/regress/$t"; do
        [ -d "$d" ] && dirs+=("$d")
    done
    "$build/tests/fuzz/fuzz-$t" -max_total_time="$secs" -max_len=8192 \
        -print_final_stats=1 -artifact_prefix="$build/tests/fuzz/crashes/$t-" \
        "${dirs[@]}" > "$log" 2>&1
    status=$?
    execs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
    if [ "$status" = 0 ]; then
        echo "fuzz: $t: ${execs:-?} executions in $secs s, $cov, no crash," \
             "no sanitizer report"
    else
        echo "fuzz: $t: FAILED (exit $status) after ${execs:-?} executions;" \
             "see $log and $build/tests/fuzz/crashes/" >&2
        grep -m 5 -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" >&2
        rc=1
    fi
done
exit $rc
