#!/bin/bash
# demo.sh -- see megaflower offload a ping into tc-flower.
#
# Installs what is missing, builds if needed, then starts ovsdb-server and
# megaflower's ovs-vswitchd with other_config:hw-offload=true, connects two
# network namespaces through bridge br0 (actions=normal), pings across, and
# prints the offloaded flows and the tc filters megaflower installed.
# Uses this kernel when it has cls_flower and the openvswitch module,
# otherwise boots Debian's kernel in a VM.  Leaves nothing behind.
#
# Usage: sudo tests/demo.sh
set -u
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

mf_setup || { echo "megaflower: setup failed" >&2; exit 1; }
if mf_kernel_ok; then
    mf_log "running on this host's kernel $(uname -r)"
    exec bash "$MF_TOP/tests/demo-inner.sh"
fi
mf_log "this kernel ($(uname -r)) lacks cls_flower or the openvswitch module;"
mf_log "running in a VM with Debian's kernel (tests/vm/run.sh)"
exec "$MF_TOP/tests/vm/run.sh" -- bash "$MF_TOP/tests/demo-inner.sh"
