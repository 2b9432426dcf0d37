#!/bin/bash
# prepare.sh CACHE_DIR -- get everything the megaflower test VM needs.
#
# Idempotent; run as root (it may apt-get install).  On the first run it:
#   1. installs the Debian packages the harness needs, if missing
#      (qemu-system-x86, busybox-static, cpio, kmod, iproute2, xz-utils);
#   2. downloads Debian's kernel (the linux-image-6.1.0-*-amd64 that
#      linux-image-amd64 depends on; the one $MEGAFLOWER_VM_KERNEL_META,
#      e.g. linux-image-6.12-amd64, depends on; or
#      $MEGAFLOWER_VM_KERNEL_PKG),
#      unpacks it into CACHE_DIR/kernel and runs depmod on it;
#   2b. unpacks the ELF vmlinux from the bzImage (CACHE_DIR/vmlinux-<ver>),
#      which boots ~10 s faster under TCG;
#   3. builds CACHE_DIR/initramfs.cpio.gz: busybox, the virtio/9p/overlay
#      modules (in dependency order, decompressed) and a small bootstrap
#      /init (tests/vm/initramfs-init).
# Later runs only check a stamp file and return at once.  The initramfs is
# rebuilt when tests/vm/initramfs-init or the module list changes.
#
# Results:
#   CACHE_DIR/kernel-version       e.g. "6.1.0-56-amd64"
#   CACHE_DIR/kernel/boot/vmlinuz-<version>
#   CACHE_DIR/kernel/lib/modules/<version>/  (depmod'ed; the guest
#                                  bind-mounts it on /lib/modules/<version>)
#   CACHE_DIR/initramfs.cpio.gz
#
# The host is not modified apart from the packages and CACHE_DIR.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
prog=${0##*/}

die() { echo "$prog: $*" >&2; exit 1; }
log() { echo "$prog: $*" >&2; }

[ $# -eq 1 ] || die "usage: $prog CACHE_DIR"
mkdir -p "$1"
cache=$(cd "$1" && pwd -P)

# Modules the bootstrap needs, by name; their dependencies are added in
# order from modules.dep.  virtio_console carries the command's output.
boot_modules="virtio_pci 9pnet_virtio 9p overlay virtio_console"

# The stamp says which kernel and which initramfs recipe the cache holds.
# Bump cache_format when the cache's layout changes.
cache_format=2
recipe=$( { echo "$cache_format"; cat "$here/initramfs-init"; echo "$boot_modules"; } \
          | sha256sum | cut -d' ' -f1)
stamp="$cache/.prepared"

is_ready() {
    local v
    [ -f "$stamp" ] && [ "$(sed -n 2p "$stamp")" = "$recipe" ] || return 1
    v=$(sed -n 1p "$stamp")
    [ -f "$cache/kernel/boot/vmlinuz-$v" ] && [ -f "$cache/initramfs.cpio.gz" ]
}
is_ready && exit 0

# Serialize concurrent preparations of the same cache.
exec 9>"$cache/.lock"
flock 9
is_ready && exit 0
rm -f "$stamp"

# --- 1. packages ----------------------------------------------------------
apt_updated=
apt_update() {
    if [ -z "$apt_updated" ]; then
        log "apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
        apt_updated=1
    fi
}

pkg_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

missing=
for p in qemu-system-x86 busybox-static cpio kmod iproute2 util-linux xz-utils; do
    pkg_installed "$p" || missing="$missing $p"
done
# zstd only matters if the kernel or its modules are zstd-compressed;
# it is checked for below, when needed.
if [ -n "$missing" ]; then
    [ "$(id -u)" -eq 0 ] || die "missing packages:$missing (run as root)"
    apt_update
    log "apt-get install$missing"
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
fi

# --- 2. kernel ------------------------------------------------------------
kpkg=${MEGAFLOWER_VM_KERNEL_PKG:-}
kmeta=${MEGAFLOWER_VM_KERNEL_META:-linux-image-amd64}
if [ -z "$kpkg" ] && [ -f "$cache/kernel-version" ] \
   && [ -f "$cache/kernel/boot/vmlinuz-$(cat "$cache/kernel-version")" ]; then
    # Keep the kernel we already have, even if Debian moved on.
    kpkg=linux-image-$(cat "$cache/kernel-version")
fi
if [ -z "$kpkg" ]; then
    find_kpkg() {
        apt-cache depends "$kmeta" 2>/dev/null \
            | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1
    }
    kpkg=$(find_kpkg)
    if [ -z "$kpkg" ]; then
        apt_update
        kpkg=$(find_kpkg)
    fi
    [ -n "$kpkg" ] || die "cannot find the kernel package $kmeta depends on"
fi
kver=${kpkg#linux-image-}
kroot="$cache/kernel"

if [ "$(cat "$cache/kernel-version" 2>/dev/null)" != "$kver" ] \
   || [ ! -f "$kroot/boot/vmlinuz-$kver" ] \
   || [ ! -f "$kroot/lib/modules/$kver/modules.dep" ]; then
    log "downloading $kpkg"
    dl="$cache/download"
    rm -rf "$dl" "$kroot" "$cache/kernel-version"
    mkdir -p "$dl"
    chown _apt "$dl" 2>/dev/null || true   # lets apt download sandboxed
    # apt-get download writes into the current directory.
    if ! (cd "$dl" && apt-get download "$kpkg" >&2); then
        apt_update
        (cd "$dl" && apt-get download "$kpkg" >&2) || die "apt-get download $kpkg failed"
    fi
    log "unpacking $kpkg"
    dpkg -x "$dl"/*.deb "$kroot"
    rm -rf "$dl"
    [ -f "$kroot/boot/vmlinuz-$kver" ] || die "no vmlinuz-$kver in $kpkg"
    depmod -b "$kroot" "$kver"
    echo "$kver" > "$cache/kernel-version"
fi

# --- 2b. uncompressed kernel ----------------------------------------------
# Under TCG the kernel's own xz decompressor takes ~10 s of every boot.
# The kernel is built with CONFIG_PVH, so qemu can boot the ELF vmlinux
# directly: find the compressed payload in the bzImage by its magic and
# unpack it once here.  Optional: run.sh falls back to the bzImage.
vmlinux="$cache/vmlinux-$kver"
if [ ! -f "$vmlinux" ] && grep -qx 'CONFIG_PVH=y' "$kroot/boot/config-$kver" 2>/dev/null; then
    log "unpacking vmlinux from vmlinuz-$kver"
    vmlinuz="$kroot/boot/vmlinuz-$kver"
    for fmt in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08'; do
        tool=${fmt%%:*}
        command -v "$tool" >/dev/null || continue
        for off in $(LC_ALL=C grep -obUaP "${fmt#*:}" "$vmlinuz" | cut -d: -f1 | head -n 4); do
            case $tool in
                xz)   dec=(xz -dc --single-stream) ;;
                zstd) dec=(zstd -qdc) ;;
                gzip) dec=(gzip -dc) ;;
            esac
            tail -c +"$((off + 1))" "$vmlinuz" | "${dec[@]}" > "$vmlinux.tmp" 2>/dev/null || :
            if [ "$(head -c 4 "$vmlinux.tmp" | od -An -c | tr -d ' ')" = '177ELF' ]; then
                mv "$vmlinux.tmp" "$vmlinux"
                break 2
            fi
        done
    done
    rm -f "$vmlinux.tmp"
    [ -f "$vmlinux" ] || log "no vmlinux found in the bzImage; booting it compressed (slower)"
fi

# --- 3. initramfs ---------------------------------------------------------
log "building initramfs for $kver"
busybox=
for b in /bin/busybox /usr/bin/busybox; do
    if [ -x "$b" ] && ! ldd "$b" >/dev/null 2>&1; then busybox=$b; break; fi
done
[ -n "$busybox" ] || die "no static busybox (package busybox-static)"

staging=$(mktemp -d "$cache/initramfs.XXXXXX")
trap 'rm -rf "$staging"' EXIT
mkdir -p "$staging"/{bin,dev,proc,sys,modules}
cp "$busybox" "$staging/bin/busybox"
cp "$here/initramfs-init" "$staging/init"
chmod 755 "$staging/init"

# "insmod /path/x.ko" lines in dependency order; keep each module once.
: > "$staging/modules/order"
for m in $boot_modules; do
    modprobe -d "$kroot" -S "$kver" --show-depends "$m" \
        || die "module $m not found for $kver"
done | while read -r verb path _; do
    [ "$verb" = insmod ] || continue          # "builtin x" needs nothing
    name=${path##*/}
    base=${name%%.ko*}.ko
    grep -qxF "$base" "$staging/modules/order" && continue
    case $name in
        *.ko)     cp "$path" "$staging/modules/$base" ;;
        *.ko.xz)  command -v xz >/dev/null || die "need xz-utils"
                  xz -dc "$path" > "$staging/modules/$base" ;;
        *.ko.zst) command -v zstd >/dev/null || die "need zstd"
                  zstd -qdc "$path" > "$staging/modules/$base" ;;
        *.ko.gz)  gzip -dc "$path" > "$staging/modules/$base" ;;
        *)        die "unknown module file $path" ;;
    esac
    echo "$base" >> "$staging/modules/order"
done

(cd "$staging" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) \
    | gzip -1 > "$cache/initramfs.cpio.gz.tmp"
mv "$cache/initramfs.cpio.gz.tmp" "$cache/initramfs.cpio.gz"

printf '%s\n%s\n' "$kver" "$recipe" > "$stamp"
log "ready: $cache ($kver)"
