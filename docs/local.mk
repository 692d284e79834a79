# Documentation and the out-of-tree example plugin.
EXTRA_DIST += docs/architecture.md docs/plugin-guide.md docs/security.md \
	docs/kcore-sim.md \
	docs/examples/hello/hello.c docs/examples/hello/Makefile \
	docs/examples/hello/example.conf docs/kcorectl.md docs/client-library.md
