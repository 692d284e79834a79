# Fuzzing the API server's decoders (see tests/fuzz/README.md).  The
# target runs as a regular test through fuzz-driver.c: the corpus, then
# deterministic mutations within a time bound.
check_PROGRAMS += tests/fuzz/fuzz-api-decoders
TESTS += tests/fuzz/fuzz-api-decoders
tests_fuzz_fuzz_api_decoders_SOURCES = \
	tests/fuzz/fuzz-api-decoders.c \
	tests/fuzz/fuzz-driver.c
tests_fuzz_fuzz_api_decoders_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS) \
	-DKC_FUZZ_SRCDIR=\"$(abs_top_srcdir)\"
tests_fuzz_fuzz_api_decoders_LDADD = libkcore-daemon.la libkcore.la \
	$(GLIB_LIBS) $(JSON_LIBS)

EXTRA_DIST += tests/fuzz/README.md tests/fuzz/corpus

# The long run, with libFuzzer (clang only): `make fuzz-libfuzzer` builds
# tests/fuzz/fuzz-api-decoders-libfuzzer from the decoders' sources.
KC_FUZZ_CLANG = clang
KC_LIBFUZZER_INPUTS = \
	tests/fuzz/fuzz-api-decoders.c \
	core/apiserver/api-error.c \
	core/apiserver/field-selector.c \
	core/apiserver/label-selector.c \
	core/apiserver/patch.c \
	core/apiserver/strategic-merge.c
fuzz-libfuzzer:
	$(KC_FUZZ_CLANG) -g -O1 -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=undefined -I$(top_builddir) \
	  -I$(top_srcdir)/include -I$(top_srcdir)/core $(GLIB_CFLAGS) \
	  $(JSON_CFLAGS) $(addprefix $(top_srcdir)/,$(KC_LIBFUZZER_INPUTS)) \
	  $(GLIB_LIBS) $(JSON_LIBS) -o tests/fuzz/fuzz-api-decoders-libfuzzer
CLEANFILES += tests/fuzz/fuzz-api-decoders-libfuzzer
.PHONY: fuzz-libfuzzer
