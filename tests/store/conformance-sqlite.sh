#!/bin/sh
# The store conformance suite against the SQLite store plugin (TAP),
# including the reopen and kill -9 crash tests.
exec "$KCORE_BUILDDIR/tests/store/store-conformance" --tap \
  --plugin "$KCORE_BUILDDIR/plugins/store/sqlite/.libs/store-sqlite.so" \
  --durable "$@"
