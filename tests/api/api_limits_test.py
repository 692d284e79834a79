#!/usr/bin/env python3
"""kcore's API server under pressure, printing TAP: Kubernetes' defaults
on create and update, /metrics in Prometheus' text format, the in-flight
cap (429), the request deadline (504, with a real etcd that stops
answering), idle keep-alive connections, and a watcher that never reads.
Each part starts its own `kcore --component apiserver`."""
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kcore_server import Api, Server, Tap, free_port  # noqa: E402

T = Tap()


def started(srv, what):
    ok = srv.wait_ready()
    T.ok(ok, "%s: kcore apiserver starts" % what)
    return ok


def stopped(srv, what):
    log = srv.stop()
    bad = [ln for ln in log.splitlines()
           if "ERROR: AddressSanitizer" in ln or "runtime error" in ln
           or "CRITICAL" in ln or "LeakSanitizer" in ln]
    T.ok(not bad, "%s: the server logged no sanitizer error or critical"
         % what, "\n".join(bad[:3]))
    return log


# ---- defaults --------------------------------------------------------------

def test_defaults(api):
    ns = "defaults"
    api.post("/api/v1/namespaces", {"metadata": {"name": ns}})
    r = api.get("/api/v1/namespaces/" + ns)
    T.eq(["kubernetes"], r.get("spec", "finalizers"),
         "namespace: spec.finalizers [kubernetes]")
    T.eq("Active", r.get("status", "phase"), "namespace: status.phase Active")

    base = "/api/v1/namespaces/%s/pods" % ns
    r = api.post(base, {"metadata": {"name": "p"}, "spec": {"containers": [
        {"name": "a", "image": "nginx", "ports": [{"containerPort": 80}],
         "resources": {"limits": {"cpu": "1", "memory": "1Gi"},
                       "requests": {"cpu": "500m"}}},
        {"name": "b", "image": "reg:5000/x/busybox:1.36"},
        {"name": "c", "image": "busybox:latest", "imagePullPolicy": "Never"},
    ]}})
    spec = r.get("spec") or {}
    T.ok(r.status == 201, "pod: created", r)
    for field, value in (("restartPolicy", "Always"),
                         ("terminationGracePeriodSeconds", 30),
                         ("dnsPolicy", "ClusterFirst"),
                         ("schedulerName", "default-scheduler"),
                         ("securityContext", {}),
                         ("enableServiceLinks", True)):
        T.eq(value, spec.get(field), "pod: spec.%s defaults to %r"
             % (field, value))
    cs = spec.get("containers") or [{}, {}, {}]
    T.eq(["Always", "IfNotPresent", "Never"],
         [c.get("imagePullPolicy") for c in cs],
         "pod: imagePullPolicy Always without a tag, IfNotPresent with one "
         "(a registry port is not a tag), the client's own kept")
    T.ok(all(c.get("terminationMessagePath") == "/dev/termination-log"
             and c.get("terminationMessagePolicy") == "File" for c in cs),
         "pod: terminationMessagePath and terminationMessagePolicy", cs)
    T.eq("TCP", cs[0].get("ports", [{}])[0].get("protocol"),
         "pod: ports[].protocol TCP")
    T.eq({"cpu": "500m", "memory": "1Gi"},
         cs[0].get("resources", {}).get("requests"),
         "pod: requests default from limits, the client's requests kept")
    T.eq("Pending", r.get("status", "phase"), "pod: status.phase Pending")
    gen = r.get("metadata", "generation")
    # A PUT of what the client first sent keeps the defaults, and the
    # spec did not change: generation stays.
    body = {"metadata": {"name": "p", "labels": {"x": "y"}},
            "spec": {"containers": [
                {"name": "a", "image": "nginx",
                 "ports": [{"containerPort": 80}],
                 "resources": {"limits": {"cpu": "1", "memory": "1Gi"},
                               "requests": {"cpu": "500m"}}},
                {"name": "b", "image": "reg:5000/x/busybox:1.36"},
                {"name": "c", "image": "busybox:latest",
                 "imagePullPolicy": "Never"}]}}
    r = api.put(base + "/p", body)
    T.ok(r.status == 200 and r.get("spec", "dnsPolicy") == "ClusterFirst"
         and r.get("metadata", "generation") == gen,
         "pod: an update gets the same defaults (spec unchanged, generation "
         "kept)", r)

    r = api.post("/api/v1/namespaces/%s/services" % ns, {
        "metadata": {"name": "s"},
        "spec": {"selector": {"a": "b"},
                 "ports": [{"port": 80}, {"port": 53, "protocol": "UDP",
                                          "targetPort": "dns"}]}})
    spec = r.get("spec") or {}
    T.eq(("ClusterIP", "None", "SingleStack"),
         (spec.get("type"), spec.get("sessionAffinity"),
          spec.get("ipFamilyPolicy")),
         "service: type ClusterIP, sessionAffinity None, ipFamilyPolicy "
         "SingleStack")
    T.eq([{"port": 80, "protocol": "TCP", "targetPort": 80},
          {"port": 53, "protocol": "UDP", "targetPort": "dns"}],
         spec.get("ports"), "service: ports protocol TCP, targetPort = port")

    tmpl = {"metadata": {"labels": {"app": "d"}},
            "spec": {"containers": [{"name": "c", "image": "busybox:1"}]}}
    r = api.post("/apis/apps/v1/namespaces/%s/deployments" % ns, {
        "metadata": {"name": "d"},
        "spec": {"selector": {"matchLabels": {"app": "d"}},
                 "template": tmpl}})
    spec = r.get("spec") or {}
    T.eq((1, {"type": "RollingUpdate", "rollingUpdate": {
        "maxUnavailable": "25%", "maxSurge": "25%"}}, 10, 600),
         (spec.get("replicas"), spec.get("strategy"),
          spec.get("revisionHistoryLimit"),
          spec.get("progressDeadlineSeconds")),
         "deployment: replicas 1, RollingUpdate 25%/25%, "
         "revisionHistoryLimit 10, progressDeadlineSeconds 600")
    tspec = spec.get("template", {}).get("spec", {})
    T.ok(tspec.get("restartPolicy") == "Always"
         and tspec.get("dnsPolicy") == "ClusterFirst"
         and "enableServiceLinks" not in tspec
         and tspec["containers"][0].get("imagePullPolicy") == "IfNotPresent",
         "deployment: its pod template gets the pod spec defaults", tspec)

    r = api.post("/apis/apps/v1/namespaces/%s/replicasets" % ns, {
        "metadata": {"name": "rs"},
        "spec": {"selector": {"matchLabels": {"app": "d"}},
                 "template": tmpl}})
    T.eq(1, r.get("spec", "replicas"), "replicaset: replicas 1")

    job_tmpl = {"spec": {"restartPolicy": "Never",
                         "containers": [{"name": "c", "image": "busybox"}]}}
    r = api.post("/apis/batch/v1/namespaces/%s/jobs" % ns, {
        "metadata": {"name": "j"}, "spec": {"template": job_tmpl}})
    spec = r.get("spec") or {}
    T.eq((1, 1, 6, False, "NonIndexed"),
         (spec.get("completions"), spec.get("parallelism"),
          spec.get("backoffLimit"), spec.get("suspend"),
          spec.get("completionMode")),
         "job: completions 1, parallelism 1, backoffLimit 6, suspend false")
    r = api.post("/apis/batch/v1/namespaces/%s/jobs" % ns, {
        "metadata": {"name": "j2"},
        "spec": {"parallelism": 3, "template": job_tmpl}})
    T.ok(r.get("spec", "parallelism") == 3
         and "completions" not in (r.get("spec") or {}),
         "job: parallelism alone leaves completions unset", r)
    r = api.post("/apis/batch/v1/namespaces/%s/jobs" % ns, {
        "metadata": {"name": "j3"}, "spec": {"template": {"spec": {
            "containers": [{"name": "c", "image": "busybox"}]}}}},
        check_status=False)
    T.ok(r.status == 422, "job: a template without restartPolicy is still "
         "422 (no default to Always)", r)

    r = api.post("/api/v1/persistentvolumes", {
        "metadata": {"name": "pv-defaults"},
        "spec": {"capacity": {"storage": "1Gi"},
                 "accessModes": ["ReadWriteOnce"],
                 "hostPath": {"path": "/tmp/pv"}}})
    T.eq(("Filesystem", "Retain"),
         (r.get("spec", "volumeMode"),
          r.get("spec", "persistentVolumeReclaimPolicy")),
         "persistentvolume: volumeMode Filesystem, reclaim policy Retain")
    r = api.post("/api/v1/namespaces/%s/persistentvolumeclaims" % ns, {
        "metadata": {"name": "c"},
        "spec": {"accessModes": ["ReadWriteOnce"],
                 "resources": {"requests": {"storage": "1Gi"}}}})
    T.eq("Filesystem", r.get("spec", "volumeMode"),
         "persistentvolumeclaim: volumeMode Filesystem")


# ---- metrics ----------------------------------------------------------------

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)')


def parse_prometheus(text):
    """{(name, frozenset(labels)): value}, {name: type}; raises ValueError
    on a line that is not the text format."""
    samples, types = {}, {}
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
            continue
        if line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError("not a sample line: %r" % line)
        labels, rest = {}, m.group(3) or ""
        while rest:
            lm = LABEL.match(rest)
            if not lm:
                raise ValueError("bad labels in %r" % line)
            labels[lm.group(1)] = lm.group(2)
            rest = rest[lm.end():]
        samples[(m.group(1), frozenset(labels.items()))] = float(m.group(4))
    return samples, types


def scrape(api, headers=None):
    r = api.get("/metrics", headers=headers, check_status=False)
    return r, parse_prometheus(r.raw.decode())


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def check_histograms(samples, types):
    problems = []
    for name, kind in types.items():
        if kind != "histogram":
            continue
        series = {}
        for (n, labels), v in samples.items():
            if n == name + "_bucket":
                d = dict(labels)
                le = d.pop("le")
                series.setdefault(frozenset(d.items()), []).append((le, v))
        for labels, buckets in series.items():
            les = [float(le) for le, _ in buckets]
            vals = [v for le, v in sorted(buckets, key=lambda b: float(b[0]))]
            count = samples.get((name + "_count", labels))
            if les[-1] != float("inf") or "+Inf" not in [b[0] for b in
                                                          buckets]:
                problems.append("%s%s: no +Inf bucket" % (name, labels))
            if vals != sorted(vals):
                problems.append("%s%s: not cumulative" % (name, labels))
            if count is None or vals[-1] != count:
                problems.append("%s%s: +Inf %s != _count %s"
                                % (name, labels, vals[-1], count))
            if (name + "_sum", labels) not in samples:
                problems.append("%s%s: no _sum" % (name, labels))
    return problems


def test_metrics(api):
    api.post("/api/v1/namespaces", {"metadata": {"name": "metrics"}})
    base = "/api/v1/namespaces/metrics/configmaps"
    r0, (before, _) = scrape(api)
    T.eq(200, r0.status, "/metrics answers 200")
    T.eq("text/plain; version=0.0.4", r0.headers.get("Content-Type"),
         "/metrics is text/plain; version=0.0.4")
    for i in range(3):
        api.post(base, {"metadata": {"name": "m%d" % i}, "data": {"a": "1"}})
    api.post(base, {"metadata": {"name": "m0"}}, check_status=False)
    for _ in range(2):
        api.get(base + "/m1")
    api.get(base + "/nope", check_status=False)
    api.get(base)
    api.put(base + "/m1", {"metadata": {"name": "m1"}, "data": {"a": "2"}})
    api.patch(base + "/m2", {"data": {"b": "3"}})
    api.delete(base + "/m0")
    r, (after, types) = scrape(api)
    expected = [("POST", "201", 3), ("POST", "409", 1), ("GET", "200", 2),
                ("GET", "404", 1), ("LIST", "200", 1), ("PUT", "200", 1),
                ("PATCH", "200", 1), ("DELETE", "200", 1)]
    got = [(v, c, value(after, "apiserver_request_total", verb=v,
                        resource="configmaps", code=c)
            - value(before, "apiserver_request_total", verb=v,
                    resource="configmaps", code=c))
           for v, c, _ in expected]
    T.eq(expected, got, "apiserver_request_total counts each verb and code "
         "of the requests made")
    T.eq("counter", types.get("apiserver_request_total"),
         "apiserver_request_total is a counter")
    T.eq("histogram", types.get("apiserver_request_duration_seconds"),
         "apiserver_request_duration_seconds is a histogram")
    T.eq(4.0, value(after, "apiserver_request_duration_seconds_count",
                    verb="POST", resource="configmaps")
         - value(before, "apiserver_request_duration_seconds_count",
                 verb="POST", resource="configmaps"),
         "the POST duration histogram counted the 4 creates")
    problems = check_histograms(after, types)
    T.ok(not problems and any(n.endswith("_bucket") for n, _ in after),
         "every histogram: _bucket with le, cumulative, +Inf last equal to "
         "_count, and _sum", "\n".join(problems[:5]))
    T.ok(value(after, "kcore_store_operation_duration_seconds_count",
               operation="create")
         >= value(before, "kcore_store_operation_duration_seconds_count",
                  operation="create") + 3,
         "kcore_store_operation_duration_seconds counted the store creates")
    T.ok(value(after, "apiserver_watch_cache_objects",
               resource="configmaps") >= 2,
         "apiserver_watch_cache_objects{resource=configmaps} sees the "
         "objects")
    T.ok(value(after, "process_resident_memory_bytes") > 1e6,
         "process_resident_memory_bytes is the process's size")
    w = api.watch(base + "?watch=true")
    w.take(2, timeout=3)
    _, (during, _) = scrape(api)
    T.eq(1.0, value(during, "apiserver_registered_watchers",
                    resource="configmaps"),
         "apiserver_registered_watchers counts an open watch")
    T.eq(0.0, value(during, "apiserver_current_inflight_requests",
                    request_kind="readOnly")
         + value(during, "apiserver_current_inflight_requests",
                 request_kind="mutating"),
         "apiserver_current_inflight_requests: an open watch is not in "
         "flight")
    w.close()


def test_metrics_authn():
    tmp = tempfile.mkdtemp(prefix="kcore-limits-")
    tokens = os.path.join(tmp, "tokens.csv")
    with open(tokens, "w") as f:
        f.write("s3cret,admin,1\n")
    srv = Server("memory", sets=["apiserver.token-auth-file=" + tokens])
    try:
        api = Api(srv.host, srv.port)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if api.get("/readyz", check_status=False).status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        r = api.get("/metrics", check_status=False)
        T.eq(401, r.status, "/metrics without a token is 401 when "
             "token-auth-file is set")
        r = api.get("/metrics", headers={"Authorization": "Bearer s3cret"},
                    check_status=False)
        T.ok(r.status == 200 and b"apiserver_request_total" in r.raw,
             "/metrics with a token answers", r)
    finally:
        stopped(srv, "metrics with tokens")
        shutil.rmtree(tmp, ignore_errors=True)


# ---- in-flight cap, idle connections ---------------------------------------

def test_inflight():
    srv = Server("memory", sets=["apiserver.max-requests-inflight=1"])
    try:
        if not started(srv, "max-requests-inflight=1"):
            return
        api = Api(srv.host, srv.port)
        api.post("/api/v1/namespaces/default/configmaps",
                 {"metadata": {"name": "c"}, "data": {"a": "1"}})
        results = []
        lock = threading.Lock()
        go = threading.Event()

        def one():
            go.wait()
            try:
                r = api.get("/api/v1/namespaces/default/configmaps/c",
                            check_status=False)
                out = (r.status, r.headers.get("Retry-After"),
                       r.get("reason"), r.get("details"))
            except OSError as e:
                out = ("error", str(e), None, None)
            with lock:
                results.append(out)

        threads = [threading.Thread(target=one) for _ in range(200)]
        for t in threads:
            t.start()
        go.set()
        for t in threads:
            t.join(60)
        codes = sorted(set(r[0] for r in results), key=str)
        limited = [r for r in results if r[0] == 429]
        T.diag("200 concurrent GETs: %d answered 200, %d answered 429"
               % (sum(1 for r in results if r[0] == 200), len(limited)))
        T.ok(len(results) == 200 and set(codes) <= {200, 429},
             "200 concurrent requests all answered, 200 or 429", codes)
        T.ok(limited and all(r[1] == "1" and r[2] == "TooManyRequests"
                             and r[3] == {"retryAfterSeconds": 1}
                             for r in limited),
             "beyond max-requests-inflight: 429 TooManyRequests Status with "
             "Retry-After: 1", limited[:2])
        T.ok(any(r[0] == 200 for r in results), "the others were served")
        r = api.get("/api/v1/namespaces/default/configmaps/c")
        T.eq(200, r.status, "the server serves normally afterwards")
        _, (m, _) = scrape(api)
        T.eq(float(len(limited)),
             value(m, "apiserver_request_total", verb="GET",
                   resource="configmaps", code="429"),
             "apiserver_request_total counted the 429s")
        w = api.watch("/api/v1/namespaces/default/configmaps?watch=true")
        r = api.get("/api/v1/namespaces/default/configmaps/c")
        T.eq(200, r.status, "an open watch does not take the one slot")
        w.close()
    finally:
        stopped(srv, "max-requests-inflight=1")


def test_idle_connections():
    srv = Server("memory",
                 sets=["apiserver.idle-connection-timeout-seconds=2"])
    try:
        if not started(srv, "idle-connection-timeout-seconds=2"):
            return
        conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
        conn.request("GET", "/version")
        r = conn.getresponse()
        r.read()
        T.ok(r.status == 200 and not r.will_close,
             "a keep-alive request is answered")
        s = conn.sock
        time.sleep(0.5)
        conn.request("GET", "/version")
        r = conn.getresponse()
        r.read()
        T.ok(r.status == 200 and conn.sock is s,
             "the connection serves a second request before the timeout")
        t0 = time.time()
        try:
            rest = s.recv(65536)
        except OSError:
            rest = b""
        waited = time.time() - t0
        T.ok(rest == b"" and 1.0 <= waited <= 5.0,
             "the server closes the idle connection after about 2 s "
             "(%.1f s)" % waited, rest[:80])
        s.close()
        api = Api(srv.host, srv.port)
        w = api.watch("/api/v1/namespaces/default/configmaps?watch=true")
        time.sleep(3.5)
        api.post("/api/v1/namespaces/default/configmaps",
                 {"metadata": {"name": "late"}})
        ev = w.take(1, timeout=5)
        T.ok(ev and ev[0].get("type") == "ADDED",
             "a watch quiet for longer than the idle timeout stays open", ev)
        w.close()

        # Connections their clients close (kubectl, curl: one per call)
        # give their descriptors back (libsoup 3.2 alone keeps them).
        def sockets():
            fd_dir = "/proc/%d/fd" % srv.proc.pid
            n = 0
            for fd in os.listdir(fd_dir):
                try:
                    n += os.readlink(os.path.join(fd_dir, fd)).startswith(
                        "socket:")
                except OSError:
                    pass
            return n
        before = sockets()
        for _ in range(40):
            c = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
            c.request("GET", "/api/v1/namespaces")
            c.getresponse().read()
            c.close()
        time.sleep(4.5)
        after = sockets()
        T.ok(after <= before + 2,
             "40 connections closed by their clients leave no descriptor "
             "behind (%d sockets before, %d after)" % (before, after))
    finally:
        stopped(srv, "idle-connection-timeout-seconds=2")


# ---- request deadline, with a real etcd that stops answering -------------

def test_timeout():
    etcd = shutil.which("etcd")
    if not etcd:
        T.skip("504 on a request the store does not answer",
               "no etcd binary")
        return
    tmp = tempfile.mkdtemp(prefix="kcore-limits-etcd-")
    cport, pport = free_port(), free_port()
    log = open(os.path.join(tmp, "etcd.log"), "w")
    proc = subprocess.Popen(
        [etcd, "--name", "m", "--data-dir", os.path.join(tmp, "data"),
         "--listen-client-urls", "http://127.0.0.1:%d" % cport,
         "--advertise-client-urls", "http://127.0.0.1:%d" % cport,
         "--listen-peer-urls", "http://127.0.0.1:%d" % pport,
         "--initial-advertise-peer-urls", "http://127.0.0.1:%d" % pport,
         "--initial-cluster", "m=http://127.0.0.1:%d" % pport],
        stdout=log, stderr=subprocess.STDOUT)
    srv = None
    stopped_etcd = False
    try:
        srv = Server("etcd", sets=[
            "store.endpoints=http://127.0.0.1:%d" % cport,
            "store.prefix=/kcore-limits", "apiserver.request-timeout-seconds=2"])
        if not started(srv, "request-timeout-seconds=2 on etcd"):
            return
        api = Api(srv.host, srv.port)
        api.post("/api/v1/namespaces/default/configmaps",
                 {"metadata": {"name": "c"}})
        os.kill(proc.pid, signal.SIGSTOP)
        stopped_etcd = True
        t0 = time.time()
        r = api.get("/api/v1/namespaces/default/configmaps/c",
                    check_status=False, timeout=30)
        took = time.time() - t0
        T.ok(r.status == 504 and r.get("reason") == "Timeout"
             and r.get("kind") == "Status"
             and r.get("message") == "Timeout: request did not complete "
             "within 2s" and 1.5 <= took <= 4.5,
             "a request the store does not answer gets 504 Timeout after "
             "about request-timeout-seconds (%.1f s)" % took, r)
        r = api.get("/version")
        T.eq(200, r.status, "the server answers others meanwhile")
        os.kill(proc.pid, signal.SIGCONT)
        stopped_etcd = False
        deadline = time.time() + 20
        ok = False
        while time.time() < deadline and not ok:
            r = api.get("/api/v1/namespaces/default/configmaps/c",
                        check_status=False)
            ok = r.status == 200
            time.sleep(0.2)
        T.ok(ok, "once the store answers again, so does the server", r)
    finally:
        if stopped_etcd:
            os.kill(proc.pid, signal.SIGCONT)
        if srv:
            text = stopped(srv, "request-timeout-seconds=2")
            T.ok("replied 504 Timeout" in text,
                 "the server logged the timed-out request")
        proc.terminate()
        proc.wait(10)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


# ---- a watcher that never reads ------------------------------------------------

def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_slow_watcher():
    # A short cache window and a store that keeps 10 revisions: what the
    # server would hold is then the slow watcher's queue, and RSS shows it.
    srv = Server("memory", sets=["apiserver.watch-buffer-bytes=1048576",
                                 "apiserver.watch-cache-window-events=10",
                                 "apiserver.compaction-interval-seconds=1",
                                 "apiserver.compaction-retention-revisions=10"
                                 ])
    try:
        if not started(srv, "watch-buffer-bytes=1048576"):
            return
        api = Api(srv.host, srv.port)
        api.post("/api/v1/namespaces", {"metadata": {"name": "slow"}})
        base = "/api/v1/namespaces/slow/configmaps"
        slow = socket.socket()
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.connect((srv.host, srv.port))
        slow.sendall(("GET %s?watch=true HTTP/1.1\r\nHost: x\r\n\r\n"
                      % base).encode())
        fast = api.watch(base + "?watch=true")
        time.sleep(0.3)
        rss0 = rss_kib(srv.proc.pid)
        payload = "x" * 10000
        n = 3000   # 30 MB of events for the watcher that does not read
        api.post(base, {"metadata": {"name": "c"}, "data": {"p": ""}})
        conn = http.client.HTTPConnection(srv.host, srv.port, timeout=20)
        slowest = 0.0
        t0 = time.time()
        for i in range(n):
            ts = time.time()
            conn.request("PUT", base + "/c",
                         body=('{"metadata":{"name":"c"},'
                               '"data":{"p":"%d%s"}}' % (i, payload)),
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            slowest = max(slowest, time.time() - ts)
            if resp.status != 200:
                T.diag("update %d: %d" % (i, resp.status))
                break
        conn.close()
        wrote = time.time() - t0
        got = fast.take(n + 1, timeout=20)
        T.diag("%d updates in %.1f s (slowest %.3f s); the reading watcher "
               "got %d events" % (n, wrote, slowest, len(got)))
        T.ok(len(got) == n + 1 and got[0].get("type") == "ADDED"
             and all(e.get("type") == "MODIFIED" for e in got[1:]),
             "another watcher gets every event while one client does not "
             "read", len(got))
        T.ok(slowest < 1.0, "writers are not held up (slowest update "
             "%.3f s)" % slowest)
        r = api.get("/readyz")
        T.eq(200, r.status, "the server answers other clients")
        # The stalled watch must end: the client reads what reached it,
        # then the end of the stream.
        slow.settimeout(10)
        received, ended = 0, False
        deadline = time.time() + 15
        try:
            while time.time() < deadline:
                chunk = slow.recv(65536)
                if not chunk:
                    ended = True
                    break
                received += len(chunk)
        except (socket.timeout, ConnectionResetError):
            ended = not isinstance(sys.exc_info()[1], socket.timeout)
        slow.close()
        T.ok(ended and received < n * len(payload),
             "the server ended the watch of the client that did not read "
             "(it got %d of %d bytes)" % (received, n * len(payload)))
        # The server returns freed heap every 10 s (malloc_trim).
        time.sleep(max(0.0, 11 - (time.time() - t0 - wrote)))
        rss1 = rss_kib(srv.proc.pid)
        T.diag("server RSS %d KiB before, %d KiB after" % (rss0, rss1))
        with open("/proc/%d/maps" % srv.proc.pid) as f:
            sanitized = "libasan" in f.read()
        if sanitized:
            T.skip("the server's RSS stays bounded",
                   "AddressSanitizer keeps freed memory in quarantine")
        else:
            T.ok(rss1 - rss0 < 24 * 1024, "the server did not keep the 30 "
                 "MB of events the slow client did not read (RSS grew "
                 "%d KiB)" % (rss1 - rss0))
        fast.close()
    finally:
        text = stopped(srv, "watch-buffer-bytes=1048576")
        lines = [ln for ln in text.splitlines() if "watch-buffer-bytes" in ln]
        T.ok(len(lines) == 1, "one log line says why the watch ended",
             "\n".join(lines[:3]))


def main():
    srv = Server("memory")
    try:
        if started(srv, "defaults and metrics"):
            api = Api(srv.host, srv.port)
            test_defaults(api)
            test_metrics(api)
    except Exception:
        import traceback
        T.ok(False, "the defaults and metrics tests ran to their end",
             traceback.format_exc())
    finally:
        stopped(srv, "defaults and metrics")
    for test in (test_metrics_authn, test_inflight, test_idle_connections,
                 test_timeout, test_slow_watcher):
        try:
            test()
        except Exception:
            import traceback
            T.ok(False, "%s ran to its end" % test.__name__,
                 traceback.format_exc())
    sys.exit(T.done())


if __name__ == "__main__":
    main()
