#!/bin/sh
# The plugin SDK works out of tree: kcore is installed into a staging root
# (make install DESTDIR=...), docs/examples/hello is built there with
# nothing but `pkg-config kcore-plugin`, and the installed kcore loads it.
# A copy built against headers claiming ABI 2 is refused in one line.
. "$KCORE_SRCDIR/tests/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root="$tmp/root"

if ! make -C "$KCORE_BUILDDIR" install DESTDIR="$root" >"$tmp/install.log" 2>&1; then
  fail "make install DESTDIR"; diag "$(tail -n 20 "$tmp/install.log")"; tap_done; exit 1
fi
ok "make install DESTDIR"

# Where `make install` puts things, from the Makefile (AM_TESTS_ENVIRONMENT).
libdir=$KCORE_LIBDIR includedir=$KCORE_INCLUDEDIR bindir=$KCORE_BINDIR
check "headers installed" test -f "$root$includedir/kcore/plugin.h"
check "kcore-plugin.pc installed" test -f "$root$libdir/pkgconfig/kcore-plugin.pc"
check "memory store installed as a plugin" test -f "$root$libdir/kcore/plugins/store-memory.so"
exported=$(nm -D --defined-only "$root$libdir/kcore/plugins/store-memory.so" | awk '$2 == "T" {print $3}')
expect_eq "a plugin exports only its entry point" kcore_plugin_entry "$exported"
bad=$(nm -D --defined-only "$root$libdir/libkcore.so" | awk '$2 == "T" && $3 !~ /^kc_/ && $3 !~ /^_/ {print $3}' | head -n 3)
expect_eq "libkcore exports only kc_ functions" "" "$bad"

cp -r "$KCORE_SRCDIR/docs/examples/hello" "$tmp/hello"
chmod -R u+w "$tmp/hello"
export PKG_CONFIG_PATH="$root$libdir/pkgconfig"
if make -C "$tmp/hello" >"$tmp/build.log" 2>&1; then ok "example builds out of tree with pkg-config"
else fail "example builds out of tree with pkg-config"; diag "$(cat "$tmp/build.log")"; fi

kcore () { LD_LIBRARY_PATH="$root$libdir" "$root$bindir/kcore" "$@"; }
out=$(kcore --config "$tmp/hello/example.conf" --set "kcore.plugin-path=$tmp/hello" --check 2>&1); rc=$?
expect_eq "installed kcore loads the example (--check exit 0)" 0 "$rc"
expect_eq "--check lists it" \
  "[controller hello] plugin=hello kind=controller interface=1 version=1.0.0 path=$tmp/hello/controller-hello.so" \
  "$(echo "$out" | head -n 1)"

# The same example against headers that claim plugin ABI 2.0.
mkdir -p "$tmp/abi2/include"
cp -r "$root$includedir/kcore" "$tmp/abi2/include/"
chmod -R u+w "$tmp/abi2"
sed -i 's/^#define KC_PLUGIN_ABI_MAJOR 1$/#define KC_PLUGIN_ABI_MAJOR 2/' "$tmp/abi2/include/kcore/plugin.h"
cp -r "$KCORE_SRCDIR/docs/examples/hello" "$tmp/abi2/hello"
chmod -R u+w "$tmp/abi2/hello"
make -C "$tmp/abi2/hello" CPPFLAGS="-I$tmp/abi2/include" >"$tmp/build2.log" 2>&1
check "ABI 2 copy builds" test -f "$tmp/abi2/hello/controller-hello.so"
kcore --config "$tmp/abi2/hello/example.conf" --check >"$tmp/out" 2>"$tmp/err"; rc=$?
expect_eq "ABI 2 copy is refused with exit 3" 3 "$rc"
expect_eq "ABI 2 copy is refused in one line" \
  "kcore: plugin \"hello\" ($tmp/abi2/hello/controller-hello.so): built for plugin ABI 2.0, this kcore provides 1.0 (majors must match); rebuild it against kcore 1.x headers" \
  "$(cat "$tmp/err")"

tap_done
