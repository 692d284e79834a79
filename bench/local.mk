# bench
# store-bench: throughput and latency of any store plugin (bench/README.md).
noinst_PROGRAMS += bench/store-bench
bench_store_bench_SOURCES = \
	bench/store-bench.c \
	tests/store/store-harness.c \
	tests/store/store-harness.h
bench_store_bench_LDADD = libkcore-daemon.la libkcore.la $(GLIB_LIBS)
EXTRA_DIST += bench/README.md bench/RESULTS.md
