#!/bin/sh
# The HTTP-level API tests against a kcore apiserver on the memory store.
exec python3 "${KCORE_SRCDIR:-$(dirname "$0")/../..}/tests/api/api_test.py" --store memory
