# MF_CHECK_PKG(VARIABLE-PREFIX, PKG-CONFIG-MODULE, DEBIAN-PACKAGE)
# ---------------------------------------------------------------
# Like PKG_CHECK_MODULES, but a missing module names the Debian package.
AC_DEFUN([MF_CHECK_PKG], [
  PKG_CHECK_MODULES([$1], [$2], [],
    [AC_MSG_ERROR([$2 not found: install the Debian package '$3' (apt-get install $3)])])
])

# MF_CC_WARNINGS
# --------------
# MF_CC_WARN_CFLAGS: what megaflower's warning flags need for this
# compiler.  clang's -Wsign-compare (in -Wextra) fires on OVS's own VLOG
# macros, which compare an int with enum vlog_level; gcc's does not.
AC_DEFUN([MF_CC_WARNINGS], [
  AC_MSG_CHECKING([whether $CC is clang])
  AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [[
#ifndef __clang__
#error not clang
#endif
]])], [AC_MSG_RESULT([yes]); MF_CC_WARN_CFLAGS=-Wno-sign-compare],
      [AC_MSG_RESULT([no]); MF_CC_WARN_CFLAGS=])
  AC_SUBST([MF_CC_WARN_CFLAGS])
])

# MF_ENABLE_SANITIZERS
# --------------------
# --enable-sanitizers builds megaflower, its tests and its ovs-vswitchd
# with AddressSanitizer and UndefinedBehaviorSanitizer, any UB report
# fatal (SAN_FLAGS), and the bundled OVS (not a --with-ovs tree: that is
# built already) with AddressSanitizer only (OVS_SAN_FLAGS): OVS 3.1's own
# code has UB reports of its own (dpif-netdev.c passes memcpy() a null
# pointer at start), which are not megaflower's to mend.  Both are empty
# without the switch.
AC_DEFUN([MF_ENABLE_SANITIZERS], [
  AC_ARG_ENABLE([sanitizers],
    [AS_HELP_STRING([--enable-sanitizers],
                    [build with ASan and UBSan (also the bundled OVS)])],
    [], [enable_sanitizers=no])
  SAN_FLAGS= OVS_SAN_FLAGS=
  if test "x$enable_sanitizers" = xyes; then
    SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
    OVS_SAN_FLAGS="-fsanitize=address -fno-omit-frame-pointer"
    AC_MSG_CHECKING([whether $CC links with $SAN_FLAGS])
    mf_save_CFLAGS=$CFLAGS mf_save_LDFLAGS=$LDFLAGS
    CFLAGS="$CFLAGS $SAN_FLAGS" LDFLAGS="$LDFLAGS $SAN_FLAGS"
    AC_LINK_IFELSE([AC_LANG_PROGRAM([], [])], [AC_MSG_RESULT([yes])],
      [AC_MSG_RESULT([no])
       AC_MSG_ERROR([--enable-sanitizers: $CC cannot build with ASan and UBSan (Debian's gcc needs libasan8 and libubsan1, which build-essential brings; clang needs libclang-rt-14-dev)])])
    CFLAGS=$mf_save_CFLAGS LDFLAGS=$mf_save_LDFLAGS
  fi
  AC_SUBST([SAN_FLAGS])
])

# MF_OVS_MAKEVAR(DIR, NAME)
# -------------------------
# Prints the value of make variable NAME in the OVS build tree DIR.
AC_DEFUN([MF_OVS_MAKEVAR], [`sed -n 's/^$2 = //p' "$1/Makefile" | head -n1`])

# MF_WITH_OVS
# -----------
# Finds the Open vSwitch 3.1 tree megaflower builds into ovs-vswitchd.
# --with-ovs=DIR names an existing, built OVS tree.  Otherwise Debian's
# openvswitch-source tarball is unpacked into ./ovs and configured here;
# 'make' then builds it once (see Makefile.am).
AC_DEFUN([MF_WITH_OVS], [
  AC_ARG_WITH([ovs],
    [AS_HELP_STRING([--with-ovs=DIR],
                    [use the built OVS 3.1 source tree in DIR])],
    [], [with_ovs=no])
  AC_ARG_VAR([OVS_TARBALL], [OVS source tarball (default: Debian's)])
  : "${OVS_TARBALL:=/usr/src/openvswitch/openvswitch.tar.gz}"

  if test "x$with_ovs" != xno && test "x$with_ovs" != xyes; then
    OVS_SRCDIR=`cd "$with_ovs" && pwd` ||
      AC_MSG_ERROR([--with-ovs: $with_ovs is not a directory])
    test -f "$OVS_SRCDIR/lib/.libs/libopenvswitch.a" ||
      AC_MSG_ERROR([--with-ovs: $OVS_SRCDIR is not a built OVS tree (no lib/.libs/libopenvswitch.a); run its configure and make first])
    OVS_BUNDLED=no
  else
    test -f "$OVS_TARBALL" ||
      AC_MSG_ERROR([$OVS_TARBALL not found: install the Debian package 'openvswitch-source' (apt-get install openvswitch-source), or pass --with-ovs=DIR])
    OVS_SRCDIR=`pwd`/ovs
    OVS_BUNDLED=yes
    if test ! -f "$OVS_SRCDIR/Makefile"; then
      AC_MSG_NOTICE([unpacking $OVS_TARBALL into $OVS_SRCDIR])
      rm -rf "$OVS_SRCDIR" && mkdir -p "$OVS_SRCDIR" &&
        tar -xzf "$OVS_TARBALL" -C "$OVS_SRCDIR" --strip-components=1 ||
        AC_MSG_ERROR([cannot unpack $OVS_TARBALL])
      for dep in libssl-dev:openssl libcap-ng-dev:libcap-ng; do
        pkg=${dep%%:*} mod=${dep#*:}
        $PKG_CONFIG --exists $mod ||
          AC_MSG_ERROR([$mod not found (OVS needs it): install the Debian package '$pkg'])
      done
      # Debian's python3, not the first on PATH: OVS's tests start Python
      # often, and a pyenv shim costs 3.5 s a start under emulation (the
      # VM), against 0.4 s.
      ovs_python3=
      test -x /usr/bin/python3 && ovs_python3=/usr/bin/python3
      AC_MSG_NOTICE([configuring Open vSwitch in $OVS_SRCDIR (log: ovs-configure.log)])
      (cd "$OVS_SRCDIR" && ./configure --enable-silent-rules \
          ${ovs_python3:+PYTHON3=$ovs_python3} \
          ${OVS_SAN_FLAGS:+CC="$CC" CFLAGS="-g -O2 $OVS_SAN_FLAGS" LDFLAGS="$OVS_SAN_FLAGS"}) \
          > ovs-configure.log 2>&1 ||
        AC_MSG_ERROR([configuring OVS failed; see ovs-configure.log])
    fi
  fi
  test -f "$OVS_SRCDIR/vswitchd/ovs-vswitchd.c" ||
    AC_MSG_ERROR([$OVS_SRCDIR does not look like an OVS source tree])
  OVS_VERSION=MF_OVS_MAKEVAR([$OVS_SRCDIR], [PACKAGE_VERSION])
  case $OVS_VERSION in
    3.1.*) ;;
    *) AC_MSG_ERROR([OVS $OVS_VERSION in $OVS_SRCDIR: megaflower needs OVS 3.1]) ;;
  esac
  AC_MSG_CHECKING([for the Open vSwitch tree])
  AC_MSG_RESULT([$OVS_SRCDIR (OVS $OVS_VERSION, bundled: $OVS_BUNDLED)])
  OVS_LIBS="MF_OVS_MAKEVAR([$OVS_SRCDIR], [SSL_LIBS]) MF_OVS_MAKEVAR([$OVS_SRCDIR], [CAPNG_LDADD]) MF_OVS_MAKEVAR([$OVS_SRCDIR], [LIBBPF_LDADD]) MF_OVS_MAKEVAR([$OVS_SRCDIR], [LIBS])"
  AC_SUBST([OVS_SRCDIR])
  AC_SUBST([OVS_VERSION])
  OVS_PYTHON3=MF_OVS_MAKEVAR([$OVS_SRCDIR], [PYTHON3])
  AC_SUBST([OVS_LIBS])
  AC_SUBST([OVS_PYTHON3])
  AM_CONDITIONAL([OVS_BUNDLED], [test $OVS_BUNDLED = yes])
])

# MF_CHECK_BPF
# ------------
# The XDP flow cache's program is built with clang for the BPF target and
# loaded from a bpftool skeleton through libbpf: checks for all three,
# naming the Debian package of the one that is missing.  BPF_CPPFLAGS
# holds the multiarch include directory clang needs for <asm/types.h>.
AC_DEFUN([MF_CHECK_BPF], [
  AC_PATH_PROG([CLANG], [clang], [], [$PATH])
  test -n "$CLANG" || AC_MSG_ERROR([clang not found: install the Debian package 'clang' (apt-get install clang)])
  AC_PATH_PROG([BPFTOOL], [bpftool], [], [$PATH:/usr/sbin:/sbin])
  test -n "$BPFTOOL" || AC_MSG_ERROR([bpftool not found: install the Debian package 'bpftool' (apt-get install bpftool)])
  MF_CHECK_PKG([LIBBPF], [libbpf >= 1.0], [libbpf-dev])
  mf_multiarch=`$CC -print-multiarch 2>/dev/null`
  BPF_CPPFLAGS=
  if test -n "$mf_multiarch" && test -d "/usr/include/$mf_multiarch"; then
    BPF_CPPFLAGS="-I/usr/include/$mf_multiarch"
  fi
  AC_MSG_CHECKING([whether $CLANG builds XDP programs])
  cat > conftest.bpf.c <<_MF_EOF
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("xdp") int f(struct xdp_md *ctx) { return XDP_PASS; }
char LICENSE[[]] SEC("license") = "GPL";
_MF_EOF
  if $CLANG -O2 -g -target bpf $BPF_CPPFLAGS -c conftest.bpf.c -o conftest.bpf.o >&AS_MESSAGE_LOG_FD 2>&1; then
    AC_MSG_RESULT([yes])
  else
    AC_MSG_RESULT([no])
    AC_MSG_ERROR([$CLANG cannot build a BPF program: install the Debian packages 'clang', 'libbpf-dev' and 'linux-libc-dev'])
  fi
  rm -f conftest.bpf.c conftest.bpf.o
  AC_SUBST([BPF_CPPFLAGS])
])
