#!/bin/bash
# check-all.sh -- run every megaflower test, from a fresh machine on.
#
# Installs what is missing (Debian packages), builds megaflower and Open
# vSwitch if needed, then runs 'make check': the Check unit suites, the
# autotest suite on this host, megaflower's system tests and OVS's own
# offload tests against a real kernel (this one if it has cls_flower and
# the openvswitch module, otherwise Debian's kernel in a VM).
#
# Usage: sudo tests/check-all.sh [full]
#   full  also run the slow test groups CI leaves out (make check-full)
set -u
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

mf_setup || { echo "megaflower: setup failed" >&2; exit 1; }
cd "$MF_TOP" || exit 1
if [ "${1:-}" = full ]; then
    exec make check-full
fi
exec make check
