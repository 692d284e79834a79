"""Shared by the tests/api Python tests: TAP output, a kcore apiserver
started for the test (and stopped by its PID), and a small HTTP client.
Standard library only."""
import http.client
import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse


class Tap:
    """TAP output; every check counts, a TODO one does not fail the run."""

    def __init__(self):
        self.n = 0
        self.failed = 0
        self.todos = []

    def ok(self, cond, desc, detail=None, todo=None):
        self.n += 1
        cond = bool(cond)
        line = "%s %d - %s" % ("ok" if cond else "not ok", self.n, desc)
        if todo:
            line += " # TODO " + todo
            self.todos.append((self.n, desc, cond))
        elif not cond:
            self.failed += 1
        print(line, flush=True)
        if not cond and detail is not None:
            self.diag(detail)
        return cond

    def eq(self, expected, actual, desc, todo=None):
        return self.ok(expected == actual, desc,
                       "expected: %r\nactual:   %r" % (expected, actual), todo)

    def skip(self, desc, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, desc, why), flush=True)

    @staticmethod
    def diag(text):
        for line in str(text).splitlines() or [""]:
            print("# " + line[:2000], flush=True)

    def done(self):
        print("1..%d" % self.n, flush=True)
        return 0 if self.failed == 0 else 1


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """A kcore apiserver in its own process, on a free loopback port."""

    def __init__(self, store="memory", sets=()):
        builddir = os.environ.get("KCORE_BUILDDIR", os.getcwd())
        self.binary = os.path.join(builddir, "kcore")
        self.tmp = tempfile.mkdtemp(prefix="kcore-api-test-")
        self.port = free_port()
        self.log_path = os.path.join(self.tmp, "log")
        conf = os.path.join(self.tmp, "kcore.conf")
        with open(conf, "w") as f:
            f.write("[kcore]\ncomponents=apiserver\ndata-dir=%s\n"
                    "[apiserver]\nlisten=127.0.0.1:%d\n[store]\nplugin=%s\n"
                    % (os.path.join(self.tmp, "data"), self.port, store))
        args = [self.binary, "--config", conf, "--component", "apiserver"]
        for s in sets:
            args += ["--set", s]
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(args, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.host = "127.0.0.1"

    def wait_ready(self, seconds=30):
        """True once /readyz says ok and the default namespace exists."""
        deadline = time.time() + seconds
        api = Api(self.host, self.port)
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                r = api.get("/readyz", check_status=False)
                if r.status == 200:
                    r = api.get("/api/v1/namespaces/default",
                                check_status=False)
                    if r.status == 200:
                        return True
            except OSError:
                pass
            time.sleep(0.1)
        return False

    def stop(self):
        """Stops the server by its PID; returns the log text."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        with open(self.log_path, errors="replace") as f:
            text = f.read()
        shutil.rmtree(self.tmp, ignore_errors=True)
        return text


class Response:
    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw
        try:
            self.json = json.loads(raw) if raw else None
        except ValueError:
            self.json = None

    def get(self, *path, default=None):
        cur = self.json
        for p in path:
            try:
                cur = cur[p]
            except (KeyError, IndexError, TypeError):
                return default
        return cur

    def __repr__(self):
        return "HTTP %d %s" % (self.status, self.raw[:600])


class Api:
    """One request per connection: simple and enough for a test."""

    def __init__(self, host, port):
        self.host = host
        self.port = port
        self.errors = []   # every >= 400 response, to check they are Status

    def request(self, method, path, body=None, ctype="application/json",
                headers=None, timeout=20, check_status=True):
        conn = http.client.HTTPConnection(self.host, self.port,
                                          timeout=timeout)
        hdrs = dict(headers or {})
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            if isinstance(data, str):
                data = data.encode()
            if ctype:
                hdrs["Content-Type"] = ctype
        try:
            conn.request(method, path, body=data, headers=hdrs)
            r = conn.getresponse()
            resp = Response(r.status, r.headers, r.read())
        finally:
            conn.close()
        if check_status and resp.status >= 400:
            self.errors.append((method, path, resp))
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body, **kw):
        return self.request("POST", path, body, **kw)

    def put(self, path, body, **kw):
        return self.request("PUT", path, body, **kw)

    def patch(self, path, body, kind="merge", **kw):
        ctype = {"merge": "application/merge-patch+json",
                 "strategic": "application/strategic-merge-patch+json",
                 "json": "application/json-patch+json"}.get(kind, kind)
        return self.request("PATCH", path, body, ctype=ctype, **kw)

    def delete(self, path, body=None, **kw):
        return self.request("DELETE", path, body, **kw)

    def watch(self, path, headers=None):
        return Watch(self, path, headers)


class Watch:
    """A watch stream read line by line by a thread into a queue."""

    def __init__(self, api, path, headers=None):
        self.conn = http.client.HTTPConnection(api.host, api.port, timeout=60)
        self.conn.request("GET", path, headers=headers or {})
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.headers = self.resp.headers
        self.events = queue.Queue()
        self.ended = False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        try:
            while True:
                line = self.resp.readline()
                if not line:
                    break
                line = line.strip()
                if not line:
                    continue
                try:
                    self.events.put(json.loads(line))
                except ValueError:
                    self.events.put({"type": "UNPARSABLE",
                                     "object": line.decode(errors="replace")})
        except Exception:   # closed under the reader, or cut short
            pass
        self.events.put(None)   # end of stream

    def next(self, timeout=5):
        """The next event; None at the end of the stream; 'timeout' when
        nothing came in time."""
        if self.ended:
            return None
        try:
            ev = self.events.get(timeout=timeout)
        except queue.Empty:
            return "timeout"
        if ev is None:
            self.ended = True
        return ev

    def take(self, count, timeout=5):
        """Up to @count events (fewer when the stream ends or stalls)."""
        out = []
        deadline = time.time() + timeout
        while len(out) < count:
            left = deadline - time.time()
            if left <= 0:
                break
            ev = self.next(left)
            if ev is None or ev == "timeout":
                break
            out.append(ev)
        return out

    def close(self):
        try:
            if self.conn.sock:
                self.conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.conn.close()


def summary(ev):
    """(type, name) of a watch event, for comparisons."""
    if not isinstance(ev, dict):
        return (str(ev), None)
    obj = ev.get("object") or {}
    meta = obj.get("metadata") or {} if isinstance(obj, dict) else {}
    return (ev.get("type"), meta.get("name"))


def server_from_args(argv, default_store="memory"):
    """Parses --store memory|sqlite|etcd, --server URL and --set K=V (passed
    to every server the tests start)."""
    store, url, sets = default_store, None, []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--store" and i + 1 < len(argv):
            store = argv[i + 1]
            i += 1
        elif a.startswith("--store="):
            store = a.split("=", 1)[1]
        elif a == "--server" and i + 1 < len(argv):
            url = argv[i + 1]
            i += 1
        elif a.startswith("--server="):
            url = a.split("=", 1)[1]
        elif a == "--set" and i + 1 < len(argv):
            sets.append(argv[i + 1])  # e.g. store.endpoints=... for etcd
            i += 1
        else:
            sys.exit("usage: %s [--store memory|sqlite|etcd] [--server URL] "
                     "[--set GROUP.KEY=VALUE]..." % sys.argv[0])
        i += 1
    return store, url, sets


def parse_url(url):
    u = urllib.parse.urlsplit(url)
    return u.hostname or "127.0.0.1", u.port or 80
