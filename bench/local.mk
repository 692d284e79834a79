# bench: the benchmark programs print their figures through bench-report.c.
KC_BENCH_REPORT = bench/bench-report.c bench/bench-report.h
# store-bench: throughput and latency of any store plugin (bench/README.md).
noinst_PROGRAMS += bench/store-bench
bench_store_bench_SOURCES = \
	bench/store-bench.c \
	tests/store/store-harness.c \
	tests/store/store-harness.h
bench_store_bench_LDADD = libkcore-daemon.la libkcore.la $(GLIB_LIBS)
EXTRA_DIST += bench/README.md bench/RESULTS.md

# api-bench: creates, lists, watch fan-out and memory of a running API
# server, over HTTP with libcurl (bench/README.md, "API server").
noinst_PROGRAMS += bench/api-bench
bench_api_bench_SOURCES = bench/api-bench.c $(KC_BENCH_REPORT)
bench_api_bench_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS) $(CURL_CFLAGS)
bench_api_bench_LDADD = $(JSON_LIBS) $(CURL_LIBS) $(GLIB_LIBS)
EXTRA_DIST += bench/api-bench.sh

# informer-bench: events/s one informer process applies to its cache while
# writers load the API server, and its RSS per cached object
# (bench/README.md, "informer-bench").
noinst_PROGRAMS += bench/informer-bench
bench_informer_bench_SOURCES = bench/informer-bench.c $(KC_BENCH_REPORT)
bench_informer_bench_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS) $(CURL_CFLAGS)
bench_informer_bench_LDADD = libkcore.la $(GLIB_LIBS) $(JSON_LIBS) $(CURL_LIBS)

# sched-bench: end-to-end scheduling throughput and creation->binding
# latency against a running kcore with hollow nodes; sched-bench.sh starts
# kcore (apiserver + scheduler) and kcore-sim for each configuration
# (bench/README.md, "sched-bench").
noinst_PROGRAMS += bench/sched-bench
bench_sched_bench_SOURCES = bench/sched-bench.c $(KC_BENCH_REPORT)
bench_sched_bench_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS)
bench_sched_bench_LDADD = libkcore.la $(GLIB_LIBS) $(JSON_LIBS)
EXTRA_DIST += bench/sched-bench.sh
