#!/bin/bash
# run.sh -- run one command inside a VM that boots Debian's kernel.
#
# Usage: tests/vm/run.sh [OPTIONS] [--] CMD [ARGS...]
#
# Boots Debian's 6.1 kernel (which has cls_flower, the act_* modules,
# openvswitch, vxlan, geneve, veth...) under qemu/TCG with this host's
# root file system as the guest's root, and runs CMD there as root, in
# the same working directory as on the host.  CMD's stdout and stderr
# (merged) stream to this script's stdout; the script exits with CMD's
# exit status.  See tests/vm/README for the details.
#
# Options:
#   --cache DIR     kernel + initramfs cache (default
#                   ${MEGAFLOWER_VM_CACHE:-/var/cache/megaflower-vm});
#                   prepared by prepare.sh on first use.
#   --timeout SECS  kill the VM after SECS seconds of wall time and exit
#                   124 (default ${MEGAFLOWER_VM_TIMEOUT:-1800}).
#   --out DIR       host directory mounted writable at /vm-out in the
#                   guest ($VM_OUT there).  Created if missing.  Without
#                   it, /vm-out is a scratch directory thrown away after.
#   --rw DIR        host directory mounted writable at the same path in
#                   the guest, so that writes there reach the host
#                   (repeatable; e.g. a build tree).
#   -e, --env NAME[=VALUE]
#                   set NAME in CMD's environment, to VALUE or else to
#                   its value here (repeatable).  Nothing else of the
#                   host's environment is passed.
#   --console FILE  also save the guest's serial console (kernel and
#                   init messages) to FILE.
#   --mem MB, --smp N
#                   guest memory and CPUs (default 4096 and 2, or
#                   $MEGAFLOWER_VM_MEM / $MEGAFLOWER_VM_SMP).
#
# In the guest CMD sees: PATH (with /usr/sbin and /sbin), HOME=/root,
# TMPDIR=/tmp, VM_OUT=/vm-out, MEGAFLOWER_VM=1, plus the -e variables.
#
# Environment of this script:
#   MEGAFLOWER_VM_CACHE, MEGAFLOWER_VM_TIMEOUT, MEGAFLOWER_VM_MEM,
#   MEGAFLOWER_VM_SMP     defaults of the options above
#   MEGAFLOWER_VM_ROOT_9P_OPTS
#                         extra 9p mount options of the guest's read-only
#                         view of the host root (default cache=loose; set
#                         it empty for no guest-side caching)
#
# Exit status: CMD's; 124 if the timeout hit; 125 if the VM failed to
# boot, to set up, or died before CMD finished (a message says which);
# 2 for a usage error.
#
# Everything CMD writes outside /vm-out and the --rw directories goes to
# a tmpfs overlay and is lost when the VM powers off.
set -uo pipefail

# Everything is in main() so that bash has read the whole script before
# running it: editing this file cannot disturb a VM run in progress.
main() {
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
    prog=${0##*/}

    usage() { sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed -n 's/^# \{0,1\}//p' >&2; exit 2; }
    die() { echo "$prog: $*" >&2; exit 125; }

    cache=${MEGAFLOWER_VM_CACHE:-/var/cache/megaflower-vm}
    timeout=${MEGAFLOWER_VM_TIMEOUT:-1800}
    mem=${MEGAFLOWER_VM_MEM:-4096}
    smp=${MEGAFLOWER_VM_SMP:-2}
    out=
    console=
    rw_dirs=()
    envs=()

    need_arg() { [ $# -ge 2 ] || { echo "$prog: $1 needs an argument" >&2; exit 2; }; }
    while [ $# -gt 0 ]; do
        case $1 in
            --cache)   need_arg "$@"; cache=$2; shift 2 ;;
            --timeout) need_arg "$@"; timeout=$2; shift 2 ;;
            --out)     need_arg "$@"; out=$2; shift 2 ;;
            --rw)      need_arg "$@"; rw_dirs+=("$2"); shift 2 ;;
            -e|--env)  need_arg "$@"; envs+=("$2"); shift 2 ;;
            --console) need_arg "$@"; console=$2; shift 2 ;;
            --mem)     need_arg "$@"; mem=$2; shift 2 ;;
            --smp)     need_arg "$@"; smp=$2; shift 2 ;;
            -h|--help) usage ;;
            --)        shift; break ;;
            -*)        echo "$prog: unknown option $1" >&2; exit 2 ;;
            *)         break ;;
        esac
    done
    [ $# -gt 0 ] || usage
    case $timeout in ''|*[!0-9]*) echo "$prog: bad --timeout $timeout" >&2; exit 2 ;; esac

    "$here/prepare.sh" "$cache" || die "preparing the VM cache in $cache failed"
    cache=$(cd "$cache" && pwd -P)
    kver=$(sed -n 1p "$cache/.prepared")
    kernel=$cache/kernel/boot/vmlinuz-$kver

    # Quote a string for sh: 'it'\''s'.
    shq() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }
    # Escape a value for a qemu -option list (a comma is written twice).
    qo() { printf '%s' "${1//,/,,}"; }

    ctl=$(mktemp -d "${TMPDIR:-/tmp}/megaflower-vm.XXXXXX") || die "mktemp failed"
    qpid=
    catpid=
    # shellcheck disable=SC2317  # called from the trap
    cleanup() {
        [ -n "$qpid" ] && kill "$qpid" 2>/dev/null
        [ -n "$catpid" ] && kill "$catpid" 2>/dev/null
        rm -rf "$ctl"
    }
    trap cleanup EXIT
    trap 'echo "$prog: interrupted" >&2; exit 130' INT TERM HUP

    if [ -n "$out" ]; then
        mkdir -p "$out" || die "cannot create $out"
        out=$(cd "$out" && pwd -P)
    else
        out=$ctl/out
        mkdir "$out"
    fi

    cwd=$(pwd -P)
    tmpfs_tmp=1
    under_tmp() { case $1 in /tmp|/tmp/*) return 0 ;; esac; return 1; }
    if under_tmp "$cwd" || under_tmp "$cache"; then tmpfs_tmp=0; fi

    resolved_rw=()
    for d in "${rw_dirs[@]}"; do
        [ -d "$d" ] || die "--rw $d: no such directory"
        d=$(cd "$d" && pwd -P)
        [ "$d" != / ] || die "--rw /: not allowed"
        under_tmp "$d" && tmpfs_tmp=0
        resolved_rw+=("$d")
    done

    # Guest configuration, read by guest-init.sh.
    {
        echo "KVER=$(shq "$kver")"
        echo "MODDIR=$(shq "$cache/kernel/lib/modules/$kver")"
        echo "TMPFS_TMP=$tmpfs_tmp"
        echo "ROOT_9P_OPTS=$(shq "${MEGAFLOWER_VM_ROOT_9P_OPTS-cache=loose}")"
        echo "RW_COUNT=${#resolved_rw[@]}"
        for i in "${!resolved_rw[@]}"; do
            echo "RW_$i=$(shq "${resolved_rw[$i]}")"
        done
    } > "$ctl/config"
    cp "$here/guest-init.sh" "$ctl/guest-init.sh"

    # The command, run by the host's /bin/sh inside the guest.
    {
        echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        echo "export HOME=/root USER=root LOGNAME=root TMPDIR=/tmp"
        echo "export VM_OUT=/vm-out MEGAFLOWER_VM=1"
        for e in "${envs[@]}"; do
            name=${e%%=*}
            case $name in
                ''|[0-9]*|*[!A-Za-z0-9_]*) die "bad --env $e" ;;
            esac
            if [ "$name" = "$e" ]; then
                [ -n "${!name+set}" ] || continue
                value=${!name}
            else
                value=${e#*=}
            fi
            echo "export $name=$(shq "$value")"
        done
        echo "cd $(shq "$cwd") || exit 125"
        printf 'exec'
        for a in "$@"; do printf ' %s' "$(shq "$a")"; done
        echo
    } > "$ctl/cmd.sh"

    # shellcheck disable=SC2054  # commas separate qemu sub-options
    qemu_args=(
        -nodefaults -no-user-config -display none -no-reboot
        -accel tcg,thread=multi -cpu max -smp "$smp" -m "$mem"
        -initrd "$cache/initramfs.cpio.gz"
        -append "console=ttyS0 quiet loglevel=3 panic=-1 mitigations=off tsc=reliable no_timer_check trace_clock=global"
        -serial "file:$(qo "$ctl/console.log")"
        -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
        -virtfs "local,path=$(qo "$ctl"),mount_tag=ctl,security_model=none"
        -virtfs "local,path=$(qo "$out"),mount_tag=out,security_model=none,multidevs=remap"
        -device virtio-serial-pci
        -chardev "file,id=cmdout,path=$(qo "$ctl/out.fifo")"
        -device virtserialport,chardev=cmdout,name=megaflower.out
    )
    if [ -f "$cache/vmlinux-$kver" ]; then
        # The uncompressed kernel, booted through PVH: saves the ~10 s
        # the kernel needs to decompress itself under TCG.
        qemu_args+=(-kernel "$cache/vmlinux-$kver")
    else
        qemu_args+=(-kernel "$kernel")
        # qboot boots a bzImage faster than SeaBIOS.
        [ -f /usr/share/qemu/qboot.rom ] && qemu_args+=(-bios /usr/share/qemu/qboot.rom)
    fi
    for i in "${!resolved_rw[@]}"; do
        qemu_args+=(-virtfs "local,path=$(qo "${resolved_rw[$i]}"),mount_tag=rw$i,security_model=none,multidevs=remap")
    done

    # The command's output comes through a fifo that this script holds open
    # (fd 8), so that the reader sees the end only after qemu is gone, and
    # never blocks if qemu fails to start.  (A stdio chardev would not do:
    # with no input, qemu reports the port closed and the guest blocks.)
    show_console() {
        echo "$prog: last lines of the guest console:" >&2
        tail -n 30 "$ctl/console.log" 2>/dev/null | sed 's/^/  | /' >&2
    }

    # Under emulation the guest kernel has been seen to panic while
    # booting, before any command ran (a fatal exception in an interrupt,
    # at 2.6 s): such a boot is tried again, twice at most.  Once the
    # command has started, nothing is retried.
    for boot in 1 2 3; do
        rm -f "$ctl/out.fifo" "$ctl/status" "$ctl/setup-error" \
              "$ctl/console.log"
        mkfifo "$ctl/out.fifo" || die "mkfifo failed"
        exec 8<>"$ctl/out.fifo"
        cat "$ctl/out.fifo" 8>&- &
        catpid=$!
        timeout -k 10 "$timeout" qemu-system-x86_64 "${qemu_args[@]}" \
            < /dev/null 8>&- &
        qpid=$!
        wait "$qpid"
        qrc=$?
        qpid=
        exec 8>&-
        wait "$catpid"
        catpid=
        if [ -s "$ctl/status" ] || [ -s "$ctl/setup-error" ] \
           || grep -q "running the command" "$ctl/console.log" 2>/dev/null \
           || [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ] || [ $boot = 3 ]; then
            break
        fi
        echo "$prog: the VM died while booting (boot $boot); booting again" >&2
        show_console
    done

    [ -n "$console" ] && cp "$ctl/console.log" "$console"

    if [ -s "$ctl/status" ]; then
        rc=$(cat "$ctl/status")
        exit "$rc"
    elif [ -s "$ctl/setup-error" ]; then
        echo "$prog: VM setup failed: $(cat "$ctl/setup-error")" >&2
        show_console
        exit 125
    elif [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
        echo "$prog: timeout: the VM did not finish within $timeout s" >&2
        show_console
        exit 124
    else
        if grep -q 'Kernel panic' "$ctl/console.log" 2>/dev/null; then
            echo "$prog: the guest kernel panicked before the command finished" >&2
        else
            echo "$prog: the VM stopped before the command finished (qemu exit status $qrc)" >&2
        fi
        show_console
        exit 125
    fi
}

main "$@"
