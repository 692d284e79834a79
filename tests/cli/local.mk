# kcorectl against a real kcore apiserver (memory store) on loopback.
dist_check_SCRIPTS += tests/cli/kcorectl.sh
TESTS += tests/cli/kcorectl.sh
