# The plugin ABI's layout, pinned by static assertions.
check_PROGRAMS += tests/abi/test-abi-layout
TESTS += tests/abi/test-abi-layout
tests_abi_test_abi_layout_SOURCES = tests/abi/test-abi-layout.c
tests_abi_test_abi_layout_LDADD = libkcore.la $(GLIB_LIBS)
