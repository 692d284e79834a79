# kcorectl against a real kcore apiserver (memory store) on loopback: plain
# HTTP, then HTTPS with bearer tokens.
dist_check_SCRIPTS += tests/cli/kcorectl.sh tests/cli/kcorectl-tls.sh
TESTS += tests/cli/kcorectl.sh tests/cli/kcorectl-tls.sh
# kcorectl and kubectl logs through the apiserver's pods/log proxy to
# kcore-sim's kubelet endpoint.
dist_check_SCRIPTS += tests/cli/kcorectl-logs.sh
TESTS += tests/cli/kcorectl-logs.sh
