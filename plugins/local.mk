include plugins/store/memory/local.mk
include plugins/store/sqlite/local.mk
include plugins/store/etcd/local.mk
include plugins/scheduler/local.mk
