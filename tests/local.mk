# Tests: each folder's rules in its own local.mk.
include tests/plugins/local.mk
include tests/abi/local.mk
include tests/daemon/local.mk
include tests/store/local.mk
include tests/apiserver/local.mk
include tests/fuzz/local.mk
include tests/etcd/local.mk
include tests/api/local.mk
include tests/client/local.mk
include tests/cli/local.mk
include tests/sim/local.mk
include tests/scheduler/local.mk
