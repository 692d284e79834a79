# Sample configs and systemd units, installed as examples.
kcoreconfdir = $(pkgdatadir)/conf
dist_kcoreconf_DATA = conf/single-node.conf conf/manager.conf conf/worker.conf \
	conf/ha-manager.conf
kcoresamplesdir = $(pkgdatadir)/samples
dist_kcoresamples_DATA = conf/samples/hello.yaml

systemdunitdir = $(pkgdatadir)/systemd
systemdunit_DATA = conf/systemd/kcore.service \
	conf/systemd/kcore-component@.service
EXTRA_DIST += conf/systemd/kcore.service.in \
	conf/systemd/kcore-component@.service.in
CLEANFILES += $(systemdunit_DATA)

conf/systemd/%.service: $(srcdir)/conf/systemd/%.service.in
	$(AM_V_GEN)$(MKDIR_P) conf/systemd && \
	sed -e 's|@bindir[@]|$(bindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	  $< > $@
