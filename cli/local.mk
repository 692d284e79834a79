# kcorectl: the kubectl-like command line client, built on libkcore's
# client library.  See docs/kcorectl.md.
bin_PROGRAMS += kcorectl
kcorectl_SOURCES = \
	cli/main.c \
	cli/kcorectl.h \
	cli/cli-options.c \
	cli/cli-run.c \
	cli/cli-error.c \
	cli/manifest.c \
	cli/resource-names.c \
	cli/printer.c \
	cli/cmd-apply.c \
	cli/cmd-get.c \
	cli/cmd-describe.c \
	cli/cmd-delete.c \
	cli/cmd-scale.c \
	cli/cmd-rollout.c \
	cli/cmd-node.c \
	cli/cmd-version.c \
	cli/cmd-api-resources.c \
	cli/cmd-logs.c \
	cli/cmd-plugins.c
kcorectl_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS) $(CURL_CFLAGS) $(YAML_CFLAGS)
kcorectl_LDADD = libkcore.la $(GLIB_LIBS) $(JSON_LIBS) $(CURL_LIBS) \
	$(YAML_LIBS)
