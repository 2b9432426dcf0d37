#!/bin/sh
# mf-timeout-stacks.sh SECONDS COMMAND [ARG...] -- runs COMMAND; if it
# has not ended after SECONDS, writes every thread's stack of it (gdb) to
# standard error, kills it and exits 124, so that a hang in a test leaves
# its cause behind rather than only the test's timeout.
secs=$1
shift
"$@" &
pid=$!
( sleep "$secs"
  if kill -0 "$pid" 2> /dev/null; then
      echo "mf-timeout-stacks: $* still running after $secs s" >&2
      gdb -batch -p "$pid" -ex 'thread apply all bt' >&2 2>&1 \
          || echo "no gdb: no stacks" >&2
      kill -9 "$pid"
  fi ) &
watcher=$!
wait "$pid"
rc=$?
kill "$watcher" 2> /dev/null
[ "$rc" = 137 ] && exit 124
exit "$rc"
