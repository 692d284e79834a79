#!/bin/sh
# `kcore --check` and the command line: the shipped configs check out, and
# a refused plugin or a config mistake stops kcore with one line on stderr
# and a non-zero exit before anything starts.
. "$KCORE_SRCDIR/tests/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
plugins="$KCORE_BUILDDIR/tests/plugins/.libs"

out=$("$KCORE" --version)
# The allocator is jemalloc when configure found it (never with the
# sanitizers), and the daemon really runs on it.
if grep -q "define KC_WITH_JEMALLOC 1" "$KCORE_BUILDDIR/build-config.h"; then
  alloc="jemalloc 5.*"
else
  alloc="glibc malloc"
fi
case $out in "kcore "*"(plugin ABI 1.0, store interface 1, "$alloc")") ok "--version names the ABI and the allocator ($alloc)" ;;
  *) fail "--version"; diag "$out" ;; esac
"$KCORE" --help >/dev/null; expect_eq "--help exits 0" 0 "$?"

for conf in single-node manager ha-manager; do
  out=$("$KCORE" --config "$KCORE_SRCDIR/conf/$conf.conf" --check 2>&1); rc=$?
  expect_eq "conf/$conf.conf checks out" 0 "$rc"
  case $out in *"[store] plugin="*"kind=store interface=1"*) ok "conf/$conf.conf lists its store plugin" ;;
    *) fail "conf/$conf.conf lists its store plugin"; diag "$out" ;; esac
done

# A plugin built for another ABI major: one line, exit 3, nothing started.
cat > "$tmp/bad.conf" <<CONF
[kcore]
components=apiserver
plugin-path=$plugins;$KCORE_BUILDDIR/plugins
data-dir=$tmp/data
[store]
plugin=memory
[controller x]
plugin=abimajor
CONF
"$KCORE" --config "$tmp/bad.conf" >"$tmp/out" 2>"$tmp/err"; rc=$?
expect_eq "ABI major mismatch exits 3" 3 "$rc"
expect_eq "ABI major mismatch is one line" 1 "$(wc -l < "$tmp/err")"
expect_eq "ABI major mismatch message" \
  "kcore: plugin \"abimajor\" ($plugins/controller-abimajor.so): built for plugin ABI 2.0, this kcore provides 1.0 (majors must match); rebuild it against kcore 1.x headers" \
  "$(cat "$tmp/err")"
check "nothing started: no data dir created" test ! -e "$tmp/data"

# --check with the same config refuses the same way.
"$KCORE" --config "$tmp/bad.conf" --check >/dev/null 2>"$tmp/err"; rc=$?
expect_eq "--check refuses it too" 3 "$rc"

# Config mistakes exit 2 with the file and line.
printf '[kcore]\ncomponents=apiserver\n[store]\nplugin=memory\n[store]\n' > "$tmp/dup.conf"
"$KCORE" --config "$tmp/dup.conf" --check >/dev/null 2>"$tmp/err"; rc=$?
expect_eq "duplicate group exits 2" 2 "$rc"
expect_eq "duplicate group message" \
  "kcore: $tmp/dup.conf:5: group [store] appears again (first at line 3); merge the two into one" \
  "$(cat "$tmp/err")"

"$KCORE" --config "$KCORE_SRCDIR/conf/single-node.conf" --set apiserver.listen=nowhere --check >/dev/null 2>"$tmp/err"; rc=$?
expect_eq "bad --set exits 2" 2 "$rc"
expect_eq "bad --set message" \
  "kcore: --set apiserver.listen=nowhere: expected HOST:PORT with a port from 0 to 65535" \
  "$(cat "$tmp/err")"

"$KCORE" --config "$tmp/missing.conf" >/dev/null 2>"$tmp/err"; rc=$?
expect_eq "missing config file exits 2" 2 "$rc"

"$KCORE" >/dev/null 2>"$tmp/err"; rc=$?
expect_eq "no --config exits 2" 2 "$rc"
expect_eq "no --config message" "kcore: --config FILE is required (see --help)" "$(cat "$tmp/err")"

tap_done
