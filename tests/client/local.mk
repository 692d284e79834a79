# The API client library: unit tests, and integration tests that start a
# real kcore apiserver on loopback.
KC_CLIENT_TEST_LIBS = libkcore.la $(GLIB_LIBS) $(JSON_LIBS)
KC_CLIENT_TEST_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS)
KC_CLIENT_TEST_HELPER = tests/client/test-server.c tests/client/test-server.h

check_PROGRAMS += tests/client/test-client-http \
	tests/client/test-client-accept \
	tests/client/test-workqueue tests/client/test-informer \
	tests/client/test-leader-election tests/client/leader-contender \
	tests/client/test-event-recorder tests/client/test-client-tls
TESTS += tests/client/test-client-http tests/client/test-client-accept \
	tests/client/test-workqueue \
	tests/client/test-informer tests/client/test-leader-election \
	tests/client/test-event-recorder tests/client/test-client-tls

tests_client_test_client_http_SOURCES = tests/client/test-client-http.c \
	$(KC_CLIENT_TEST_HELPER)
tests_client_test_client_http_CFLAGS = $(KC_CLIENT_TEST_CFLAGS)
tests_client_test_client_http_LDADD = $(KC_CLIENT_TEST_LIBS)

tests_client_test_client_accept_SOURCES = tests/client/test-client-accept.c \
	$(KC_CLIENT_TEST_HELPER)
tests_client_test_client_accept_CFLAGS = $(KC_CLIENT_TEST_CFLAGS)
tests_client_test_client_accept_LDADD = $(KC_CLIENT_TEST_LIBS)

tests_client_test_workqueue_SOURCES = tests/client/test-workqueue.c
tests_client_test_workqueue_CFLAGS = $(KC_CLIENT_TEST_CFLAGS)
tests_client_test_workqueue_LDADD = $(KC_CLIENT_TEST_LIBS)

tests_client_test_informer_SOURCES = tests/client/test-informer.c \
	$(KC_CLIENT_TEST_HELPER)
tests_client_test_informer_CFLAGS = $(KC_CLIENT_TEST_CFLAGS)
tests_client_test_informer_LDADD = $(KC_CLIENT_TEST_LIBS)

tests_client_test_leader_election_SOURCES = \
	tests/client/test-leader-election.c $(KC_CLIENT_TEST_HELPER)
tests_client_test_leader_election_CFLAGS = $(KC_CLIENT_TEST_CFLAGS)
tests_client_test_leader_election_LDADD = $(KC_CLIENT_TEST_LIBS)

tests_client_leader_contender_SOURCES = tests/client/leader-contender.c
tests_client_leader_contender_CFLAGS = $(KC_CLIENT_TEST_CFLAGS)
tests_client_leader_contender_LDADD = $(KC_CLIENT_TEST_LIBS)

tests_client_test_event_recorder_SOURCES = \
	tests/client/test-event-recorder.c $(KC_CLIENT_TEST_HELPER)
tests_client_test_event_recorder_CFLAGS = $(KC_CLIENT_TEST_CFLAGS)
tests_client_test_event_recorder_LDADD = $(KC_CLIENT_TEST_LIBS)

tests_client_test_client_tls_SOURCES = tests/client/test-client-tls.c \
	$(KC_CLIENT_TEST_HELPER)
tests_client_test_client_tls_CFLAGS = $(KC_CLIENT_TEST_CFLAGS)
tests_client_test_client_tls_LDADD = $(KC_CLIENT_TEST_LIBS)
