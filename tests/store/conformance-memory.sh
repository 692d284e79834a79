#!/bin/sh
# The store conformance suite against the memory store plugin (TAP).
exec "$KCORE_BUILDDIR/tests/store/store-conformance" --tap \
  --plugin "$KCORE_BUILDDIR/plugins/store/memory/.libs/store-memory.so" "$@"
