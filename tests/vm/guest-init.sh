# shellcheck shell=dash
# guest-init.sh -- second stage of the megaflower test VM's init.
#
# run.sh copies this file into the control share; the initramfs /init
# (tests/vm/initramfs-init) runs it with busybox sh, as root, before
# powering off.  It reads /ctl/config (written by run.sh), builds the root
# the command runs in and runs /ctl/cmd.sh there:
#   /lower    the host's / over 9p, read-only
#   /newroot  overlay of /lower with a tmpfs upper: the host tree, writable,
#             but every write is lost at power-off
#   /newroot/vm-out and each --rw directory: writable 9p shares, written
#             straight through to the host
# The command's stdout+stderr go to the virtio port "megaflower.out", which
# run.sh connects to its own stdout; its exit status goes to /ctl/status.
# Messages of this script go to the serial console (run.sh keeps them in
# console.log and shows them if something goes wrong).

# shellcheck source=/dev/null
. /ctl/config

say() {
    read -r up _ < /proc/uptime
    echo "megaflower-vm: [$up] $*"
}
setup_fail() {
    say "setup failed: $*"
    echo "$*" > /ctl/setup-error
    exit 1
}

p9="trans=virtio,version=9p2000.L,msize=512000"
nr=/newroot

say "guest-init started"
mkdir -p /lower /rw "$nr"
mount -t 9p -o "$p9,ro${ROOT_9P_OPTS:+,$ROOT_9P_OPTS}" hostroot /lower || setup_fail "cannot mount the host root"
mount -t tmpfs -o mode=755 tmpfs /rw || setup_fail "cannot mount tmpfs"
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work "$nr" \
    || setup_fail "cannot mount the overlay"

# Kernel file systems inside the new root.
mount -t proc proc "$nr/proc" || setup_fail "cannot mount /proc"
mount -t sysfs sysfs "$nr/sys" || setup_fail "cannot mount /sys"
mount -t devtmpfs devtmpfs "$nr/dev" || setup_fail "cannot mount /dev"
mkdir -p "$nr/dev/pts" "$nr/dev/shm"
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts "$nr/dev/pts"
mount -t tmpfs -o mode=1777 tmpfs "$nr/dev/shm"
ln -sf /proc/self/fd "$nr/dev/fd"
ln -sf /proc/self/fd/0 "$nr/dev/stdin"
ln -sf /proc/self/fd/1 "$nr/dev/stdout"
ln -sf /proc/self/fd/2 "$nr/dev/stderr"
mount -t tmpfs -o mode=755 tmpfs "$nr/run" || setup_fail "cannot mount /run"
if [ "$TMPFS_TMP" = 1 ]; then
    mount -t tmpfs -o mode=1777 tmpfs "$nr/tmp" || setup_fail "cannot mount /tmp"
fi
mount -t bpf bpf "$nr/sys/fs/bpf" 2>/dev/null
mount -t debugfs debugfs "$nr/sys/kernel/debug" 2>/dev/null
mount -t cgroup2 cgroup2 "$nr/sys/fs/cgroup" 2>/dev/null

# Writable shares: the out directory at /vm-out, each --rw directory at
# its own host path (run.sh resolved those, so they hold no symlink).
mkdir -p "$nr/vm-out"
mount -t 9p -o "$p9" out "$nr/vm-out" || setup_fail "cannot mount the out share"
i=0
while [ "$i" -lt "$RW_COUNT" ]; do
    dir=
    eval "dir=\$RW_$i"
    mkdir -p "$nr$dir"
    mount -t 9p -o "$p9" "rw$i" "$nr$dir" \
        || setup_fail "cannot mount rw share $dir"
    i=$((i + 1))
done

# Debian's modules for this kernel, from the cache directory.  The host's
# own tools resolve /lib inside the new root (it is usually a symlink).
# shellcheck disable=SC2016  # expanded by the inner sh
chroot "$nr" /bin/sh -c 'mkdir -p "/lib/modules/$1" && mount --bind "$2" "/lib/modules/$1"' \
    sh "$KVER" "$MODDIR" || setup_fail "cannot bind-mount the modules"
# The kernel runs its module loader (for "tc filter ... flower", "ip link
# add type veth", genetlink families...) in the initramfs' root: send it
# into the new root.
cat > /sbin/megaflower-modprobe <<EOF
#!/bin/sh
exec /bin/busybox chroot $nr /sbin/modprobe "\$@"
EOF
chmod 755 /sbin/megaflower-modprobe
echo /sbin/megaflower-modprobe > /proc/sys/kernel/modprobe

say "root ready"
hostname megaflower-vm
ip link set lo up

# The port that carries the command's output to run.sh.
outdev=
for d in /sys/class/virtio-ports/*; do
    [ "$(cat "$d/name" 2>/dev/null)" = megaflower.out ] && outdev=/dev/${d##*/}
done
if [ -z "$outdev" ] || [ ! -e "$outdev" ]; then
    setup_fail "no virtio port megaflower.out"
fi

mkdir -p "$nr/run/megaflower-vm"
cp /ctl/cmd.sh "$nr/run/megaflower-vm/cmd.sh"

# Run the command with its output through a fifo, so that daemons it
# leaves behind cannot keep us waiting for the end of its output.
mkfifo /out.fifo
cat /out.fifo > "$outdev" &
catpid=$!
say "running the command"
chroot "$nr" /bin/sh /run/megaflower-vm/cmd.sh < /dev/null > /out.fifo 2>&1
rc=$?
echo "$rc" > /ctl/status
say "command exited with status $rc"

# Stop what the command left running: user processes have an exe link,
# kernel threads do not.
kill_others() {
    n=0
    for p in /proc/[0-9]*; do
        pid=${p#/proc/}
        case $pid in 1|"$$"|"$catpid") continue ;; esac
        [ -e "$p/exe" ] || continue
        kill "-$1" "$pid" 2>/dev/null && n=$((n + 1))
    done
    [ "$n" -gt 0 ]
}
if kill_others TERM; then
    sleep 1
    kill_others KILL && sleep 1
fi
wait "$catpid"
sync
