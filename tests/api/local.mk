# The Kubernetes API as clients see it: raw HTTP (on memory, sqlite and a
# real etcd),
# kubectl 1.20 and the Python client, each against a kcore it starts;
# api_limits_test.py: defaults, /metrics, in-flight cap, deadlines, idle
# connections and watchers that do not read.
PY_LOG_COMPILER = python3
PY_LOG_DRIVER = $(LOG_DRIVER)

dist_check_SCRIPTS += tests/api/api-memory.sh tests/api/api-sqlite.sh \
	tests/api/api-etcd.sh \
	tests/api/kubectl_test.sh tests/api/python_client_test.py \
	tests/api/api_limits_test.py
EXTRA_DIST += tests/api/api_test.py tests/api/kcore_server.py
TESTS += tests/api/api-memory.sh tests/api/api-sqlite.sh \
	tests/api/api-etcd.sh \
	tests/api/kubectl_test.sh tests/api/python_client_test.py \
	tests/api/api_limits_test.py
