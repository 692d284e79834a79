# The API client library (part of libkcore): HTTP over libcurl driven by
# the GLib main loop, typed helpers, watches, informers, work queues,
# leader election and event recording.
libkcore_la_SOURCES += \
	core/client/client-private.h \
	core/client/client-error.c \
	core/client/object-meta.c \
	core/client/rate-limiter.c \
	core/client/curl-loop.c \
	core/client/http-request.c \
	core/client/client.c \
	core/client/resource.c \
	core/client/list-options.c \
	core/client/resource-client.c \
	core/client/stream.c \
	core/client/watch-stream.c \
	core/client/informer.c \
	core/client/informer-factory.c \
	core/client/workqueue.c \
	core/client/leader-election.c \
	core/client/event-recorder.c
libkcore_la_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(JSON_CFLAGS)
libkcore_la_LIBADD += $(CURL_LIBS) $(JSON_LIBS)

kcoreinclude_HEADERS += \
	include/kcore/client.h \
	include/kcore/informer.h \
	include/kcore/workqueue.h \
	include/kcore/leader-election.h \
	include/kcore/event-recorder.h

# <kcore/kcore.h> includes <kcore/client.h>, which needs json-glib's
# headers: every target that includes the SDK umbrella header gets them
# (out-of-tree plugins get them from kcore-plugin.pc's Requires).
AM_CFLAGS += $(JSON_CFLAGS)

EXTRA_DIST += docs/client-library.md
