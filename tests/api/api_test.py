#!/usr/bin/env python3
"""HTTP-level tests of kcore's Kubernetes API server, printing TAP.

  api_test.py [--store memory|sqlite]   starts its own `kcore --component
                                        apiserver` ($KCORE_BUILDDIR/kcore)
  api_test.py --server http://H:P       runs against a running server (the
                                        compaction tests are then skipped)

Each check compares with what Kubernetes 1.20 answers."""
import http.client
import json
import os
import random
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kcore_server import (Api, Server, Tap, parse_url,  # noqa: E402
                          server_from_args, summary)

T = Tap()
RUN = "%04x" % random.randrange(0x10000)   # names unique per run
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def ns_name(base):
    return "%s-%s" % (base, RUN)


def make_ns(api, base):
    name = ns_name(base)
    r = api.post("/api/v1/namespaces", {"metadata": {"name": name}})
    if r.status != 201:
        T.diag("creating namespace %s: %r" % (name, r))
    return name


def pod(name, labels=None, node=None, containers=None):
    spec = {"containers": containers or [{"name": "c", "image": "busybox"}]}
    if node:
        spec["nodeName"] = node
    meta = {"name": name}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def deployment(name, replicas=1, containers=None):
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": containers
                         or [{"name": "c", "image": "busybox:1"}]},
            },
        },
    }


def names(resp):
    return sorted(i["metadata"]["name"] for i in (resp.get("items") or []))


def is_status(resp, code=None, reason=None):
    j = resp.json
    return (isinstance(j, dict) and j.get("kind") == "Status"
            and j.get("apiVersion") == "v1" and j.get("status") == "Failure"
            and j.get("code") == resp.status and bool(j.get("reason"))
            and (code is None or resp.status == code)
            and (reason is None or j.get("reason") == reason))


def expect_status(resp, code, reason, desc, message=None, todo=None):
    good = is_status(resp, code, reason)
    if message is not None:
        good = good and resp.get("message") == message
    return T.ok(good, desc, "expected %d %s %s\nactual: %r"
                % (code, reason, message or "", resp), todo)


# ---- discovery ----------------------------------------------------------

def resource_entry(resp, name):
    for r in resp.get("resources") or []:
        if r.get("name") == name:
            return r
    return None


def test_discovery(api):
    r = api.get("/api")
    T.ok(r.status == 200 and r.get("kind") == "APIVersions"
         and "v1" in (r.get("versions") or []), "/api lists version v1", r)

    r = api.get("/apis")
    groups = {g.get("name"): g for g in r.get("groups") or []}
    T.ok(r.status == 200 and r.get("kind") == "APIGroupList",
         "/apis is an APIGroupList", r)
    for g, v in (("apps", "v1"), ("batch", "v1"),
                 ("coordination.k8s.io", "v1")):
        grp = groups.get(g) or {}
        T.ok(grp.get("preferredVersion", {}).get("groupVersion")
             == "%s/%s" % (g, v), "/apis has group %s preferring %s/%s"
             % (g, g, v), grp)

    r = api.get("/apis/apps")
    T.ok(r.status == 200 and r.get("kind") == "APIGroup"
         and r.get("name") == "apps", "/apis/apps is an APIGroup", r)

    r = api.get("/api/v1")
    T.ok(r.status == 200 and r.get("kind") == "APIResourceList"
         and r.get("groupVersion") == "v1", "/api/v1 is an APIResourceList",
         r)
    pods = resource_entry(r, "pods") or {}
    T.ok(pods.get("namespaced") is True and pods.get("kind") == "Pod"
         and pods.get("singularName") == "pod",
         "/api/v1 pods: namespaced, kind Pod, singularName pod", pods)
    T.eq(["po"], pods.get("shortNames"), "/api/v1 pods shortNames [po]")
    verbs = set(pods.get("verbs") or [])
    T.ok({"create", "delete", "get", "list", "patch", "update", "watch"}
         <= verbs, "/api/v1 pods verbs include CRUD and watch", verbs)
    T.ok(resource_entry(r, "pods/status") is not None
         and resource_entry(r, "pods/binding") is not None,
         "/api/v1 lists pods/status and pods/binding")
    T.eq(["create"], (resource_entry(r, "pods/binding") or {}).get("verbs"),
         "pods/binding verbs [create]")
    nodes = resource_entry(r, "nodes") or {}
    T.ok(nodes.get("namespaced") is False and nodes.get("kind") == "Node"
         and nodes.get("shortNames") == ["no"],
         "/api/v1 nodes: cluster-scoped, shortNames [no]", nodes)
    for name, short in (("configmaps", "cm"), ("services", "svc"),
                        ("events", "ev"), ("namespaces", "ns"),
                        ("persistentvolumes", "pv"),
                        ("persistentvolumeclaims", "pvc")):
        e = resource_entry(r, name) or {}
        T.eq([short], e.get("shortNames"), "/api/v1 %s shortNames [%s]"
             % (name, short))

    r = api.get("/apis/apps/v1")
    d = resource_entry(r, "deployments") or {}
    T.ok(r.get("groupVersion") == "apps/v1" and d.get("kind") == "Deployment"
         and d.get("namespaced") is True and "deploy" in d.get("shortNames",
                                                               []),
         "/apis/apps/v1 deployments (shortName deploy)", r)
    s = resource_entry(r, "deployments/scale") or {}
    T.ok(s.get("kind") == "Scale" and s.get("group") == "autoscaling"
         and s.get("version") == "v1"
         and {"get", "update", "patch"} <= set(s.get("verbs") or []),
         "/apis/apps/v1 deployments/scale is autoscaling/v1 Scale", s)
    T.ok(resource_entry(r, "deployments/status") is not None,
         "/apis/apps/v1 lists deployments/status")

    r = api.get("/apis/batch/v1")
    j = resource_entry(r, "jobs") or {}
    T.ok(r.get("groupVersion") == "batch/v1" and j.get("kind") == "Job"
         and resource_entry(r, "jobs/status") is not None,
         "/apis/batch/v1 jobs and jobs/status", r)

    r = api.get("/apis/coordination.k8s.io/v1")
    lease = resource_entry(r, "leases") or {}
    T.ok(r.get("groupVersion") == "coordination.k8s.io/v1"
         and lease.get("kind") == "Lease" and lease.get("namespaced") is True,
         "/apis/coordination.k8s.io/v1 leases", r)

    r = api.get("/apis/nosuch.example.com/v1")
    expect_status(r, 404, "NotFound", "an unknown group version is 404")

    r = api.get("/version")
    T.ok(r.status == 200 and r.get("major") == "1"
         and str(r.get("gitVersion")).startswith("v1."),
         "/version has major 1 and a v1.x gitVersion", r)

    pb = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
    r = api.get("/openapi/v2", headers={"Accept": pb})
    T.ok(r.status == 200 and len(r.raw) > 0, "/openapi/v2 answers 200", r)
    # Measured: kubectl's Go client rejects the Accept string itself as a
    # Content-Type ("mime: unexpected content after media subtype");
    # application/octet-stream is what works.
    T.eq("application/octet-stream", r.headers.get("Content-Type"),
         "/openapi/v2 is served as application/octet-stream")


# ---- CRUD on each resource ----------------------------------------------

def crud_cases(ns):
    node_name = "node-" + RUN
    return [
        ("pods", "/api/v1/namespaces/%s/pods" % ns, "v1", "Pod",
         pod("crud-pod"), lambda o: o["metadata"].setdefault(
             "labels", {}).update(x="y")),
        ("nodes", "/api/v1/nodes", "v1", "Node",
         {"metadata": {"name": node_name}, "spec": {}},
         lambda o: o.setdefault("spec", {}).update(unschedulable=True)),
        ("configmaps", "/api/v1/namespaces/%s/configmaps" % ns, "v1",
         "ConfigMap", {"metadata": {"name": "crud-cm"}, "data": {"a": "1"}},
         lambda o: o["data"].update(a="2")),
        ("events", "/api/v1/namespaces/%s/events" % ns, "v1", "Event",
         {"metadata": {"name": "crud-ev"}, "reason": "Test",
          "message": "hello", "involvedObject": {"kind": "Pod",
                                                 "name": "crud-pod",
                                                 "namespace": ns}},
         lambda o: o.update(message="bye")),
        ("services", "/api/v1/namespaces/%s/services" % ns, "v1", "Service",
         {"metadata": {"name": "crud-svc"},
          "spec": {"ports": [{"port": 80}], "selector": {"app": "a"}}},
         lambda o: o["spec"]["selector"].update(app="b")),
        ("persistentvolumes", "/api/v1/persistentvolumes", "v1",
         "PersistentVolume",
         {"metadata": {"name": "pv-" + RUN},
          "spec": {"capacity": {"storage": "1Gi"},
                   "accessModes": ["ReadWriteOnce"],
                   "hostPath": {"path": "/tmp/pv"}}},
         lambda o: o["spec"]["capacity"].update(storage="2Gi")),
        ("persistentvolumeclaims",
         "/api/v1/namespaces/%s/persistentvolumeclaims" % ns, "v1",
         "PersistentVolumeClaim",
         {"metadata": {"name": "crud-pvc"},
          "spec": {"accessModes": ["ReadWriteOnce"],
                   "resources": {"requests": {"storage": "1Gi"}}}},
         lambda o: o["spec"]["resources"]["requests"].update(storage="2Gi")),
        ("deployments", "/apis/apps/v1/namespaces/%s/deployments" % ns,
         "apps/v1", "Deployment", deployment("crud-deploy"),
         lambda o: o["spec"].update(replicas=2)),
        ("jobs", "/apis/batch/v1/namespaces/%s/jobs" % ns, "batch/v1", "Job",
         {"metadata": {"name": "crud-job"},
          "spec": {"template": {"spec": {
              "restartPolicy": "Never",
              "containers": [{"name": "c", "image": "busybox"}]}}}},
         lambda o: o["spec"].update(activeDeadlineSeconds=30)),
        ("leases", "/apis/coordination.k8s.io/v1/namespaces/%s/leases" % ns,
         "coordination.k8s.io/v1", "Lease",
         {"metadata": {"name": "crud-lease"},
          "spec": {"holderIdentity": "a", "leaseDurationSeconds": 10}},
         lambda o: o["spec"].update(holderIdentity="b")),
    ]


def test_crud(api, ns):
    for plural, base, api_version, kind, body, change in crud_cases(ns):
        name = body["metadata"]["name"]
        r = api.post(base, body)
        meta = r.get("metadata") or {}
        T.ok(r.status == 201 and r.get("kind") == kind
             and r.get("apiVersion") == api_version
             and meta.get("uid") and meta.get("creationTimestamp")
             and meta.get("generation") == 1
             and str(meta.get("resourceVersion", "")).isdigit(),
             "%s: create is 201 with kind, apiVersion, uid, "
             "creationTimestamp, generation 1, resourceVersion" % plural, r)
        uid = meta.get("uid")
        created_rv = meta.get("resourceVersion")

        r = api.get(base + "/" + name)
        T.ok(r.status == 200 and r.get("metadata", "uid") == uid
             and r.get("kind") == kind
             and r.get("metadata", "resourceVersion") == created_rv,
             "%s: get returns the created object" % plural, r)

        r = api.get(base)
        T.ok(r.status == 200 and r.get("kind") == kind + "List"
             and r.get("apiVersion") == api_version
             and name in names(r)
             and str(r.get("metadata", "resourceVersion", default=""))
             .isdigit(),
             "%s: list is a %sList with the object" % (plural, kind), r)

        obj = r.json and [i for i in r.get("items")
                          if i["metadata"]["name"] == name]
        obj = obj[0] if obj else {"metadata": {}}
        change(obj)
        r = api.put(base + "/" + name, obj)
        T.ok(r.status == 200 and r.get("metadata", "uid") == uid
             and int(r.get("metadata", "resourceVersion", default=0))
             > int(created_rv or 0),
             "%s: put updates it (a newer resourceVersion)" % plural, r)

        r = api.delete(base + "/" + name)
        T.ok(r.status == 200 and r.get("kind") == kind
             and r.get("metadata", "name") == name,
             "%s: delete is 200 and returns the object" % plural, r)
        r = api.get(base + "/" + name)
        T.ok(r.status == 404, "%s: gone after delete" % plural, r)


# ---- create errors --------------------------------------------------------

def test_create_rules(api, ns):
    base = "/api/v1/namespaces/%s/pods" % ns
    r = api.post(base, {"metadata": {"generateName": "gen-"},
                        "spec": {"containers": [{"name": "c",
                                                 "image": "i"}]}})
    n = r.get("metadata", "name", default="")
    T.ok(r.status == 201 and n.startswith("gen-") and len(n) > 4
         and r.get("metadata", "generateName") == "gen-",
         "generateName gives a name with that prefix", r)
    T.ok(api.get(base + "/" + n).status == 200 if n else False,
         "the generated name can be read back")

    r = api.post(base, pod("Bad_Name"))
    expect_status(r, 422, "Invalid", "an invalid name is 422 Invalid")
    T.ok(str(r.get("message", default="")).startswith(
        'Pod "Bad_Name" is invalid: metadata.name: Invalid value: '
        '"Bad_Name"'), "the 422 message names the kind, name and field", r)

    r = api.post(base, {"metadata": {}, "spec": {}})
    expect_status(r, 422, "Invalid", "no name and no generateName is 422")

    r = api.post("/api/v1/namespaces/%s/configmaps" % ns,
                 {"metadata": {"name": "numbers"}, "data": {"n": 7}})
    expect_status(r, 422, "Invalid", "a ConfigMap value that is not a string "
                  "is 422", 'ConfigMap "numbers" is invalid: data[n]: '
                  'Invalid value: must be a string')

    r = api.post("/api/v1/namespaces/nope-%s/pods" % RUN, pod("p"))
    expect_status(r, 404, "NotFound", "create in a missing namespace is 404",
                  'namespaces "nope-%s" not found' % RUN)
    T.eq({"name": "nope-" + RUN, "kind": "namespaces"}, r.get("details"),
         "its details name the namespace")

    api.post(base, pod("dup"))
    r = api.post(base, pod("dup"))
    expect_status(r, 409, "AlreadyExists", "a duplicate create is 409",
                  'pods "dup" already exists')
    T.eq({"name": "dup", "kind": "pods"}, r.get("details"),
         "409 AlreadyExists details: name and kind")

    r = api.get(base + "/x")
    expect_status(r, 404, "NotFound", "get of a missing pod is 404",
                  'pods "x" not found')
    T.eq({"name": "x", "kind": "pods"}, r.get("details"),
         "404 details: name and kind")
    r = api.get("/apis/apps/v1/namespaces/%s/deployments/x" % ns)
    expect_status(r, 404, "NotFound", "get of a missing deployment is 404",
                  'deployments.apps "x" not found')
    T.eq({"name": "x", "group": "apps", "kind": "deployments"},
         r.get("details"), "404 details of a grouped resource")

    r = api.post(base, pod("x" * 254))
    expect_status(r, 422, "Invalid", "a name over 253 characters is 422")
    r = api.post(base, pod("badlabel", labels={"app": "not valid!"}))
    expect_status(r, 422, "Invalid", "an invalid label value is 422")
    other = {"metadata": {"name": "elsewhere", "namespace": "default"},
             "spec": {"containers": [{"name": "c", "image": "i"}]}}
    r = api.post(base, other)
    expect_status(r, 400, "BadRequest",
                  "a body namespace other than the URL's is 400")

    r = api.post(base, {"apiVersion": "v1", "kind": "Service",
                        "metadata": {"name": "k"}})
    expect_status(r, 400, "BadRequest", "a body of another kind is 400")

    r = api.post(base, '{"metadata": {"name": "x"', ctype="application/json")
    expect_status(r, 400, "BadRequest", "a malformed JSON body is 400")

    big = {"metadata": {"name": "big"}, "data": {"x": "a" * (3 * 1024 * 1024
                                                            + 10)}}
    r = api.post("/api/v1/namespaces/%s/configmaps" % ns, big)
    expect_status(r, 413, "RequestEntityTooLarge",
                  "a body over 3 MiB is 413")

    r = api.get("/api/v1/nosuchthings")
    expect_status(r, 404, "NotFound", "an unknown resource is 404")


# ---- update, status, generation ------------------------------------------

def test_update(api, ns):
    base = "/api/v1/namespaces/%s/pods" % ns
    created = api.post(base, pod("upd"))
    rv1 = created.get("metadata", "resourceVersion")
    obj = created.json
    obj["metadata"]["labels"] = {"v": "2"}
    r = api.put(base + "/upd", obj)
    T.ok(r.status == 200 and r.get("metadata", "labels") == {"v": "2"},
         "put with the current resourceVersion works", r)

    obj["metadata"]["resourceVersion"] = rv1
    obj["metadata"]["labels"] = {"v": "stale"}
    r = api.put(base + "/upd", obj)
    expect_status(r, 409, "Conflict", "put with a stale resourceVersion is 409",
                  'Operation cannot be fulfilled on pods "upd": the object '
                  'has been modified; please apply your changes to the '
                  'latest version and try again')

    del obj["metadata"]["resourceVersion"]
    obj["metadata"]["labels"] = {"v": "3"}
    obj["status"] = {"phase": "Running"}
    r = api.put(base + "/upd", obj)
    T.ok(r.status == 200 and r.get("metadata", "labels") == {"v": "3"},
         "put without resourceVersion works", r)
    T.eq("Pending", r.get("status", "phase"),
         "put on the main resource ignores status")

    cur = api.get(base + "/upd").json
    cur["status"] = {"phase": "Running", "podIP": "10.0.0.9"}
    cur["metadata"]["labels"] = {"v": "from-status"}
    r = api.put(base + "/upd/status", cur)
    T.ok(r.status == 200 and r.get("status", "phase") == "Running"
         and r.get("status", "podIP") == "10.0.0.9",
         "put on /status changes status", r)
    T.eq({"v": "3"}, r.get("metadata", "labels"),
         "put on /status leaves metadata alone")

    r = api.patch(base + "/upd", {"status": {"phase": "Failed"},
                                  "metadata": {"labels": {"w": "1"}}})
    T.ok(r.status == 200 and r.get("metadata", "labels", "w") == "1"
         and r.get("status", "phase") == "Running",
         "patch on the main resource ignores status", r)
    r = api.patch(base + "/upd/status", {"status": {"phase": "Succeeded"},
                                         "metadata": {"labels": {"z": "1"}}})
    T.ok(r.status == 200 and r.get("status", "phase") == "Succeeded"
         and "z" not in (r.get("metadata", "labels") or {}),
         "patch on /status changes only status", r)

    # Updates right behind each other, each with the resourceVersion the
    # last one answered: the server takes the object to update from its
    # watch cache, which may not hold the last write yet; it must then ask
    # the store, never answer 409 for the client's up-to-date version.
    cur = api.get(base + "/upd").json
    failed = None
    for i in range(40):
        cur["metadata"]["labels"] = {"round": str(i)}
        r = api.put(base + "/upd", cur)
        if r.status != 200:
            failed = r
            break
        rv = r.get("metadata", "resourceVersion")
        r = api.patch(base + "/upd", {"metadata": {
            "resourceVersion": rv, "annotations": {"round": str(i)}}})
        if r.status != 200:
            failed = r
            break
        cur = r.json
    T.ok(failed is None,
         "40 put+patch rounds, each with the version just answered: all 200",
         failed)
    T.eq("39", cur["metadata"]["annotations"]["round"],
         "the last round's patch is the object")

    r = api.put("/api/v1/namespaces/%s/pods/nosuch" % ns, pod("nosuch"))
    expect_status(r, 404, "NotFound", "put of a missing object is 404")

    r = api.put(base + "/upd", pod("other"))
    expect_status(r, 400, "BadRequest",
                  "put whose body names another object is 400")

    r = api.put(base + "/upd/scale", {"spec": {"replicas": 1}})
    expect_status(r, 404, "NotFound", "pods have no /scale")

    # generation
    dbase = "/apis/apps/v1/namespaces/%s/deployments" % ns
    d = api.post(dbase, deployment("gen"))
    T.eq(1, d.get("metadata", "generation"), "a new deployment: generation 1")
    r = api.patch(dbase + "/gen", {"metadata": {"labels": {"a": "b"}}})
    T.eq(1, r.get("metadata", "generation"),
         "a metadata-only change keeps generation")
    r = api.patch(dbase + "/gen", {"spec": {"replicas": 4}})
    T.eq(2, r.get("metadata", "generation"), "a spec change increments it")
    cur = r.json
    cur["spec"]["paused"] = True
    r = api.put(dbase + "/gen", cur)
    T.eq(3, r.get("metadata", "generation"), "a spec change by put too")
    r = api.put(dbase + "/gen/scale",
                {"kind": "Scale", "apiVersion": "autoscaling/v1",
                 "metadata": {"name": "gen", "namespace": ns},
                 "spec": {"replicas": 6}})
    T.eq(6, r.get("spec", "replicas"), "put /scale sets replicas")
    g = api.get(dbase + "/gen")
    T.eq(4, g.get("metadata", "generation"), "a scale increments generation")
    r = api.patch(dbase + "/gen/status", {"status": {"replicas": 6}})
    T.ok(r.status == 200 and r.get("status", "replicas") == 6
         and r.get("metadata", "generation") == 4,
         "a status change keeps generation", r)


# ---- patches ---------------------------------------------------------------

def test_patch(api, ns):
    dbase = "/apis/apps/v1/namespaces/%s/deployments" % ns
    containers = [{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]
    d = deployment("pt", containers=containers)
    d["metadata"]["labels"] = {"keep": "1", "drop": "1"}
    api.post(dbase, d)

    r = api.patch(dbase + "/pt", {"metadata": {"labels": {"new": "1",
                                                          "drop": None}}})
    T.eq({"keep": "1", "new": "1"}, r.get("metadata", "labels"),
         "merge patch adds a label and null deletes one")

    r = api.patch(dbase + "/pt", {"spec": {"template": {"spec": {
        "containers": [{"name": "b", "image": "b:2"}]}}}}, kind="strategic")
    cs = r.get("spec", "template", "spec", "containers") or []
    T.eq([("a", "a:1"), ("b", "b:2")],
         [(c.get("name"), c.get("image")) for c in cs],
         "strategic merge patch merges containers by name")

    r = api.patch(dbase + "/pt", {"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "b"}, {"name": "a"}],
        "containers": [{"name": "a", "image": "a:2"}]}}}}, kind="strategic")
    cs = r.get("spec", "template", "spec", "containers") or []
    T.eq([("b", "b:2"), ("a", "a:2")],
         [(c.get("name"), c.get("image")) for c in cs],
         "strategic merge patch follows $setElementOrder")
    T.ok("$setElementOrder/containers" not in json.dumps(r.json),
         "no $setElementOrder directive is stored")

    r = api.patch(dbase + "/pt", {"metadata": {"labels": {"keep": None}}},
                  kind="strategic")
    T.eq({"new": "1"}, r.get("metadata", "labels"),
         "strategic merge patch: null deletes a label")

    r = api.patch(dbase + "/pt", {"spec": {"template": {"spec": {
        "containers": [{"name": "only", "image": "o:1"}]}}}})
    cs = r.get("spec", "template", "spec", "containers") or []
    T.eq(["only"], [c.get("name") for c in cs],
         "merge patch replaces a list whole")

    r = api.patch(dbase + "/pt", [
        {"op": "add", "path": "/metadata/annotations", "value": {"x": "1"}},
        {"op": "replace", "path": "/spec/replicas", "value": 3}],
        kind="json")
    T.ok(r.status == 200 and r.get("metadata", "annotations") == {"x": "1"}
         and r.get("spec", "replicas") == 3,
         "json patch add and replace", r)
    before = r.get("metadata", "resourceVersion")

    r = api.patch(dbase + "/pt", [
        {"op": "test", "path": "/spec/replicas", "value": 99},
        {"op": "replace", "path": "/spec/replicas", "value": 7}],
        kind="json")
    expect_status(r, 422, "Invalid", "a failed json patch test is 422")
    g = api.get(dbase + "/pt")
    T.ok(g.get("spec", "replicas") == 3
         and g.get("metadata", "resourceVersion") == before,
         "a failed json patch changes nothing", g)

    r = api.patch(dbase + "/pt", {"op": "add"}, kind="json")
    expect_status(r, 400, "BadRequest", "a json patch that is no array is 400")

    r = api.patch(dbase + "/pt", {"spec": {}}, kind="application/yaml")
    expect_status(r, 415, "UnsupportedMediaType",
                  "an unknown patch content type is 415")

    r = api.patch(dbase + "/pt", {"metadata": {"resourceVersion": "1"},
                                  "spec": {"replicas": 9}})
    expect_status(r, 409, "Conflict",
                  "a patch carrying a stale resourceVersion is 409")

    r = api.patch(dbase + "/nosuch", {"spec": {}})
    expect_status(r, 404, "NotFound", "patch of a missing object is 404",
                  'deployments.apps "nosuch" not found')


# ---- scale -----------------------------------------------------------------

def test_scale(api, ns):
    dbase = "/apis/apps/v1/namespaces/%s/deployments" % ns
    api.post(dbase, deployment("sc", replicas=2))
    r = api.get(dbase + "/sc/scale")
    T.ok(r.status == 200 and r.get("kind") == "Scale"
         and r.get("apiVersion") == "autoscaling/v1"
         and r.get("metadata", "name") == "sc"
         and r.get("metadata", "namespace") == ns
         and r.get("spec", "replicas") == 2,
         "get /scale is an autoscaling/v1 Scale", r)
    T.eq("app=sc", r.get("status", "selector"),
         "Scale status.selector is the deployment's selector")

    scale = r.json
    scale["spec"]["replicas"] = 4
    r = api.put(dbase + "/sc/scale", scale)
    T.ok(r.status == 200 and r.get("kind") == "Scale"
         and r.get("spec", "replicas") == 4, "put /scale", r)
    T.eq(4, api.get(dbase + "/sc").get("spec", "replicas"),
         "put /scale changes the deployment's spec.replicas")

    r = api.put(dbase + "/sc/scale", scale)   # the old resourceVersion
    expect_status(r, 409, "Conflict", "put /scale with a stale "
                  "resourceVersion is 409")

    r = api.patch(dbase + "/sc/scale", {"spec": {"replicas": 5}})
    T.ok(r.status == 200 and r.get("kind") == "Scale"
         and r.get("spec", "replicas") == 5, "merge patch /scale", r)
    T.eq(5, api.get(dbase + "/sc").get("spec", "replicas"),
         "patch /scale changes the deployment")

    r = api.patch(dbase + "/sc/scale", {"spec": {"replicas": -1}})
    expect_status(r, 422, "Invalid", "negative replicas is 422")

    r = api.get(dbase + "/nosuch/scale")
    expect_status(r, 404, "NotFound", "/scale of a missing deployment is 404")


# ---- binding and delete ----------------------------------------------------

def binding(name, node):
    return {"apiVersion": "v1", "kind": "Binding",
            "metadata": {"name": name},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node}}


def test_binding(api, ns):
    base = "/api/v1/namespaces/%s/pods" % ns
    api.post(base, pod("bind"))
    r = api.post(base + "/bind/binding", binding("bind", "n1"))
    T.ok(r.status in (200, 201), "binding a pod succeeds", r)
    T.ok(r.status == 201 and r.get("kind") == "Status"
         and r.get("status") == "Success",
         "binding answers 201 with a Success Status (as Kubernetes)", r)
    T.eq("n1", api.get(base + "/bind").get("spec", "nodeName"),
         "binding sets spec.nodeName")
    r = api.post(base + "/nosuch/binding", binding("nosuch", "n1"))
    expect_status(r, 404, "NotFound", "binding a missing pod is 404")


def test_second_binding(api, ns):
    """Last on the server: a second binding must be refused cleanly (the
    node name in the message once came from freed memory)."""
    base = "/api/v1/namespaces/%s/pods" % ns
    try:
        r = api.post(base + "/bind/binding", binding("bind", "n2"),
                     check_status=False)
        g = api.get(base + "/bind", check_status=False)
    except (OSError, http.client.HTTPException) as e:
        T.diag("the second binding: %r" % e)
        r = g = None
    T.ok(r is not None and is_status(r, 409, "Conflict"),
         "a second binding is 409 (a Status)", r)
    T.eq('Operation cannot be fulfilled on pods/binding "bind": pod bind is '
         'already assigned to node "n1"', r and r.get("message"),
         "the second binding's message names the node")
    T.eq("n1", g and g.get("spec", "nodeName"),
         "the second binding changes nothing")


def test_delete(api, ns):
    base = "/api/v1/namespaces/%s/pods" % ns
    cbase = "/api/v1/namespaces/%s/configmaps" % ns

    r = api.delete(base + "/nosuch")
    expect_status(r, 404, "NotFound", "delete of a missing pod is 404",
                  'pods "nosuch" not found')

    api.post(base, pod("unbound"))
    r = api.delete(base + "/unbound")
    T.ok(r.status == 200 and r.get("kind") == "Pod"
         and r.get("metadata", "name") == "unbound",
         "delete returns the pod", r)
    T.eq(404, api.get(base + "/unbound").status,
         "an unbound pod is removed at once")

    api.post(base, pod("bound", node="n1"))
    r = api.delete(base + "/bound")
    T.ok(r.status == 200 and r.get("metadata", "deletionTimestamp")
         and r.get("metadata", "deletionGracePeriodSeconds") == 30,
         "graceful delete of a bound pod sets deletionTimestamp, grace 30",
         r)
    g = api.get(base + "/bound")
    T.ok(g.status == 200 and g.get("metadata", "deletionTimestamp"),
         "the bound pod stays while its node has not confirmed", g)
    r = api.delete(base + "/bound?gracePeriodSeconds=0")
    T.eq(200, r.status, "delete with gracePeriodSeconds=0 answers 200")
    T.eq(404, api.get(base + "/bound").status,
         "gracePeriodSeconds=0 removes the bound pod")

    api.post(base, pod("bound2", node="n1"))
    r = api.delete(base + "/bound2", {"kind": "DeleteOptions",
                                      "apiVersion": "v1",
                                      "gracePeriodSeconds": 0})
    T.ok(r.status == 200 and api.get(base + "/bound2").status == 404,
         "gracePeriodSeconds=0 in a DeleteOptions body removes it too", r)

    api.post(cbase, {"metadata": {"name": "fin",
                                  "finalizers": ["example.com/a",
                                                 "example.com/b"]}})
    r = api.delete(cbase + "/fin")
    T.ok(r.status == 200 and r.get("metadata", "deletionTimestamp"),
         "delete of an object with finalizers sets deletionTimestamp", r)
    g = api.get(cbase + "/fin")
    T.ok(g.status == 200 and g.get("metadata", "deletionTimestamp"),
         "finalizers keep the object", g)
    r = api.patch(cbase + "/fin", {"metadata": {"finalizers":
                                                ["example.com/b"]}})
    T.ok(r.status == 200 and api.get(cbase + "/fin").status == 200,
         "removing one of two finalizers keeps the object", r)
    r = api.patch(cbase + "/fin", {"metadata": {"finalizers": None}})
    T.eq(200, r.status, "removing the last finalizer answers 200")
    T.eq(404, api.get(cbase + "/fin").status,
         "removing the last finalizer deletes the object")

    for i in range(3):
        api.post(cbase, {"metadata": {"name": "dc-%d" % i,
                                      "labels": {"dc": "yes"}}})
    api.post(cbase, {"metadata": {"name": "dc-keep"}})
    r = api.delete(q(cbase, labelSelector="dc=yes"))
    T.ok(r.status == 200 and r.get("kind") == "ConfigMapList"
         and names(r) == ["dc-0", "dc-1", "dc-2"],
         "delete on a collection (deletecollection) answers the deleted "
         "objects as a list", r)
    T.eq(["dc-keep"], [n for n in names(api.get(cbase))
                       if n.startswith("dc-")],
         "deletecollection removed only the selected objects")


# ---- selectors --------------------------------------------------------------

def q(path, **params):
    return path + "?" + urllib.parse.urlencode(params)


def test_selectors(api, ns):
    base = "/api/v1/namespaces/%s/pods" % ns
    api.post(base, pod("p1", {"app": "web", "tier": "fe"}))
    api.post(base, pod("p2", {"app": "web", "tier": "be"}, node="n1"))
    api.post(base, pod("p3", {"app": "db"}))
    api.post(base, pod("p4"))
    api.patch(base + "/p3/status", {"status": {"phase": "Running"}})
    cases = [
        ("app=web", ["p1", "p2"]),
        ("app==web", ["p1", "p2"]),
        ("app!=web", ["p3", "p4"]),
        ("app in (web,db)", ["p1", "p2", "p3"]),
        ("app notin (web)", ["p3", "p4"]),
        ("tier", ["p1", "p2"]),
        ("!tier", ["p3", "p4"]),
        ("app=web,tier=fe", ["p1"]),
        ("app=none", []),
    ]
    for sel, want in cases:
        T.eq(want, names(api.get(q(base, labelSelector=sel))),
             "labelSelector %s" % sel)
    r = api.get(q(base, labelSelector="app in (web"))
    expect_status(r, 400, "BadRequest", "a malformed labelSelector is 400")

    fcases = [
        ("metadata.name=p1", ["p1"]),
        ("metadata.name!=p1", ["p2", "p3", "p4"]),
        ("spec.nodeName=n1", ["p2"]),
        ("spec.nodeName=", ["p1", "p3", "p4"]),
        ("status.phase=Running", ["p3"]),
        ("status.phase!=Running,metadata.name!=p4", ["p1", "p2"]),
        ("metadata.namespace=" + ns, ["p1", "p2", "p3", "p4"]),
    ]
    for sel, want in fcases:
        T.eq(want, names(api.get(q(base, fieldSelector=sel))),
             "fieldSelector %s" % sel)
    T.eq(["p1"], names(api.get(q(base, fieldSelector="spec.nodeName=",
                                 labelSelector="tier"))),
         "field and label selectors together")

    ebase = "/api/v1/namespaces/%s/events" % ns
    for n, target in (("e1", "p1"), ("e2", "p2")):
        api.post(ebase, {"metadata": {"name": n}, "reason": "R",
                         "involvedObject": {"kind": "Pod", "name": target,
                                            "namespace": ns}})
    T.eq(["e2"], names(api.get(q(ebase,
                                 fieldSelector="involvedObject.name=p2"))),
         "events fieldSelector involvedObject.name")
    T.eq(["p2"], names(api.get(q("/api/v1/pods",
                                 fieldSelector="spec.nodeName=n1,"
                                 "metadata.namespace=" + ns))),
         "fieldSelector across all namespaces")

    r = api.get(q(base, fieldSelector="spec.foo=bar"))
    expect_status(r, 400, "BadRequest", "an unsupported field is 400",
                  "field label not supported: spec.foo")
    r = api.get(q("/api/v1/namespaces/%s/configmaps" % ns,
                  fieldSelector="spec.nodeName=x"))
    expect_status(r, 400, "BadRequest",
                  "a field another resource supports is 400 here")


# ---- lists: pagination, Exact, empty ----------------------------------------

def test_pagination(api, ns):
    base = "/api/v1/namespaces/%s/configmaps" % ns
    for i in range(25):
        api.post(base, {"metadata": {"name": "cm-%02d" % i},
                        "data": {"i": str(i)}})
    stop = threading.Event()
    made = []

    def writer():
        i = 0
        while not stop.is_set() and i < 60:
            a = Api(api.host, api.port)
            a.post(base, {"metadata": {"name": "cm-late-%02d" % i}})
            a.patch(base + "/cm-%02d" % (i % 25), {"data": {"w": str(i)}})
            made.append(i)
            i += 1
            time.sleep(0.01)

    t = threading.Thread(target=writer)
    t.start()
    seen, revisions, pages = [], set(), 0
    paged = {}
    token = None
    while pages < 40:
        params = {"limit": 4}
        if token:
            params["continue"] = token
        r = api.get(q(base, **params))
        if r.status != 200:
            T.diag("page %d: %r" % (pages, r))
            break
        pages += 1
        seen += [i["metadata"]["name"] for i in r.get("items")]
        paged.update((i["metadata"]["name"], i.get("data", {}))
                     for i in r.get("items"))
        revisions.add(r.get("metadata", "resourceVersion"))
        token = r.get("metadata", "continue")
        if not token:
            break
        time.sleep(0.02)
    stop.set()
    t.join()
    T.ok(len(made) > 0, "writes went on during the paged list (%d)"
         % len(made))
    T.ok(len(seen) == len(set(seen)), "every object came once", seen)
    T.ok(set("cm-%02d" % i for i in range(25)) <= set(seen),
         "every object that existed came", seen)
    T.ok(len(revisions) == 1 and pages > 5,
         "all %d pages at one resourceVersion" % pages, revisions)
    rv = revisions.pop() if len(revisions) == 1 else "0"
    r = api.get(q(base, resourceVersion=rv, resourceVersionMatch="Exact"))
    T.eq(sorted(seen), names(r),
         "the pages are exactly the list at that resourceVersion (Exact)")
    T.eq(rv, r.get("metadata", "resourceVersion"),
         "an Exact list answers at its resourceVersion")
    # The writer patches the objects meanwhile: the Exact list must show
    # each one as the pages did, not as it is now.
    exact = dict((i["metadata"]["name"], i.get("data", {}))
                 for i in r.get("items") or [])
    T.eq(paged, exact, "Exact shows the objects as they were then")
    now = api.get(base)
    T.ok(any(i.get("data", {}) != paged.get(i["metadata"]["name"])
             for i in now.get("items") or []
             if i["metadata"]["name"] in paged),
         "and they have changed since (the check can fail)")

    r = api.get(q(base, resourceVersionMatch="Exact"))
    expect_status(r, 400, "BadRequest", "Exact without resourceVersion is 400")
    r = api.get(q(base, limit=2, **{"continue": "garbage!"}))
    expect_status(r, 400, "BadRequest", "a malformed continue token is 400")

    r = api.get(q(base, limit=2, labelSelector="nosuch"))
    T.ok(r.status == 200 and r.get("items") == []
         and not r.get("metadata", "continue"),
         "a selector matching nothing: items [], no continue", r)

    empty = make_ns(api, "empty")
    r = api.get("/api/v1/namespaces/%s/pods" % empty)
    T.ok(r.status == 200 and r.json.get("items") == [],
         "an empty list has items []", r)
    r = api.get("/api/v1/namespaces/%s/pods" % empty,
                headers={"Accept": TABLE})
    T.ok(r.status == 200 and r.get("kind") == "Table"
         and r.json.get("rows") == [] and r.get("columnDefinitions"),
         "an empty Table has rows [] and columns", r)


# ---- Table -------------------------------------------------------------------

def test_table(api, ns):
    base = "/api/v1/namespaces/%s/pods" % ns
    api.post(base, pod("tab"))
    r = api.get(base, headers={"Accept": TABLE})
    cols = [c.get("name") for c in r.get("columnDefinitions") or []]
    rows = r.get("rows") or []
    T.ok(r.status == 200 and r.get("kind") == "Table"
         and r.get("apiVersion") == "meta.k8s.io/v1",
         "list as Table: kind Table, apiVersion meta.k8s.io/v1", r)
    T.ok(cols[:1] == ["Name"] and "Status" in cols and "Age" in cols,
         "pod Table columns: Name ... Status ... Age", cols)
    T.ok(rows and rows[0].get("cells", [None])[0] == "tab"
         and len(rows[0].get("cells")) == len(cols),
         "a row per pod, one cell per column", rows)
    T.ok(rows and rows[0].get("object", {}).get("metadata", {})
         .get("name") == "tab", "rows carry object.metadata", rows)
    r = api.get(base + "/tab", headers={"Accept": TABLE})
    T.ok(r.get("kind") == "Table" and len(r.get("rows") or []) == 1
         and r.get("columnDefinitions"), "get as Table: one row", r)
    r = api.get("/api/v1/nodes", headers={"Accept": TABLE})
    cols = [c.get("name") for c in r.get("columnDefinitions") or []]
    T.ok(cols[:2] == ["Name", "Status"], "node Table columns", cols)


# ---- watch --------------------------------------------------------------------

def test_watch(api, ns):
    base = "/api/v1/namespaces/%s/pods" % ns
    api.post(base, pod("wa"))
    api.post(base, pod("wb"))

    w = api.watch(base + "?watch=true")
    T.ok(w.status == 200 and "json" in (w.headers.get("Content-Type") or ""),
         "watch answers 200 application/json", w.status)
    evs = w.take(2)
    T.eq([("ADDED", "wa"), ("ADDED", "wb")], [summary(e) for e in evs],
         "watch without resourceVersion: synthetic ADDED for each object")
    T.ok(all(e["object"].get("kind") == "Pod" for e in evs),
         "event objects have kind Pod", evs)

    c = api.post(base, pod("wc"))
    rv_c = c.get("metadata", "resourceVersion")
    api.patch(base + "/wa", {"metadata": {"labels": {"m": "1"}}})
    d = api.delete(base + "/wb")
    evs = w.take(3)
    T.eq([("ADDED", "wc"), ("MODIFIED", "wa"), ("DELETED", "wb")],
         [summary(e) for e in evs], "watch sees ADDED, MODIFIED, DELETED")
    rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in evs]
    T.ok(rvs == sorted(rvs) and len(set(rvs)) == 3,
         "event resourceVersions increase", rvs)
    T.ok(evs and evs[-1]["object"]["metadata"]["resourceVersion"]
         == d.get("metadata", "resourceVersion"),
         "DELETED carries the delete's resourceVersion", evs)
    w.close()

    w = api.watch(q(base, watch="1", resourceVersion=rv_c))
    evs = w.take(2)
    T.eq([("MODIFIED", "wa"), ("DELETED", "wb")], [summary(e) for e in evs],
         "watch from a resourceVersion: exactly the later events, in order")
    T.eq("timeout", w.next(1), "and nothing else")
    w.close()

    w = api.watch("/api/v1/watch/namespaces/%s/pods" % ns)
    evs = w.take(2)
    T.eq([("ADDED", "wa"), ("ADDED", "wc")], [summary(e) for e in evs],
         "the /watch/ path form")
    api.post(base, pod("wd"))
    T.eq(("ADDED", "wd"), summary(w.next()), "the /watch/ form sees new ones")
    w.close()

    w = api.watch(base + "?watch=True&resourceVersion=" + rv_c)
    T.eq(("MODIFIED", "wa"), summary(w.next()), "watch=True (Python style)")
    w.close()

    w = api.watch("/api/v1/watch/namespaces/%s/pods/wa" % ns)
    T.eq([("ADDED", "wa")], [summary(e) for e in w.take(5, 1.5)],
         "a watch on one object's path sees only it")
    w.close()

    w = api.watch(q(base, watch="true", labelSelector="sel=yes"))
    api.post(base, pod("wsel", {"sel": "yes"}))
    T.eq(("ADDED", "wsel"), summary(w.next()),
         "a label-selected watch sees an object that matches")
    api.patch(base + "/wsel", {"metadata": {"labels": {"sel": "no"}}})
    T.eq(("DELETED", "wsel"), summary(w.next()),
         "an object leaving the label selection is DELETED")
    api.patch(base + "/wsel", {"metadata": {"labels": {"sel": "yes"}}})
    T.eq(("ADDED", "wsel"), summary(w.next()),
         "coming back into the selection is ADDED")
    w.close()

    w = api.watch(q(base, watch="true", fieldSelector="status.phase=Pending",
                    resourceVersion=api.get(base).get("metadata",
                                                     "resourceVersion")))
    api.patch(base + "/wc/status", {"status": {"phase": "Running"}})
    T.eq(("DELETED", "wc"), summary(w.next()),
         "an object leaving the field selection is DELETED")
    w.close()

    w = api.watch(q(base, watch="true", timeoutSeconds=1))
    start = time.time()
    while True:
        ev = w.next(6)
        if ev is None or ev == "timeout":
            break
    T.ok(ev is None and time.time() - start < 5,
         "timeoutSeconds=1 ends the stream", ev)

    w = api.watch(base + "?watch=true", headers={"Accept": TABLE})
    ev = w.next()
    obj = ev.get("object", {}) if isinstance(ev, dict) else {}
    T.ok(ev and ev.get("type") == "ADDED" and obj.get("kind") == "Table"
         and obj.get("columnDefinitions")
         and obj.get("rows", [{}])[0].get("object", {}).get("metadata"),
         "watch as Table: Table events with columns and row objects", ev)
    w.close()

    r = api.get(q(base, watch="true", labelSelector="a in ("))
    expect_status(r, 400, "BadRequest", "a watch with a bad selector is 400")


# ---- compaction (own server) ---------------------------------------------------

def test_compaction(store, sets=()):
    srv = Server(store, sets=list(sets) + [
        "apiserver.compaction-interval-seconds=1",
        "apiserver.compaction-retention-revisions=5",
        "apiserver.watch-cache-window-events=10"])
    try:
        if not T.ok(srv.wait_ready(), "a compacting server starts"):
            return
        api = Api(srv.host, srv.port)
        base = "/api/v1/namespaces/default/configmaps"
        for i in range(6):
            api.post(base, {"metadata": {"name": "c%d" % i}})
        first = api.get(q(base, limit=2))
        token = first.get("metadata", "continue")
        T.ok(token, "a first page with a continue token", first)
        # This server's watch cache keeps the last 10 events of a resource:
        # a watch is too old once it is older than both that window and the
        # store's compacted history.
        conn = http.client.HTTPConnection(srv.host, srv.port, timeout=20)
        failures = 0
        for i in range(40):
            conn.request("PATCH", base + "/c0",
                         body=json.dumps({"data": {"n": str(i)}}),
                         headers={"Content-Type":
                                  "application/merge-patch+json"})
            resp = conn.getresponse()
            resp.read()
            failures += resp.status != 200
        conn.close()
        T.eq(0, failures, "40 patches on one keep-alive connection")
        deadline = time.time() + 10
        r = None
        while time.time() < deadline:
            r = api.get(q(base, limit=2, **{"continue": token}),
                        check_status=False)
            if r.status != 200:
                break
            time.sleep(0.3)
        api.errors.append(("GET", "continue", r))
        expect_status(r, 410, "Expired", "a compacted continue token is 410")
        T.ok("continue parameter is too old" in r.get("message", default=""),
             "its message says the continue token is too old", r)

        # Compaction passed old_rv; resourceVersion 2 is older still.
        w = api.watch(q(base, watch="true", resourceVersion="2"))
        ev = w.next(5)
        obj = ev.get("object", {}) if isinstance(ev, dict) else {}
        T.ok(w.status == 200 and ev and ev.get("type") == "ERROR"
             and obj.get("kind") == "Status" and obj.get("code") == 410
             and obj.get("reason") == "Expired",
             "a watch from a compacted resourceVersion: ERROR 410 Expired",
             ev)
        T.eq(None, w.next(5), "and the stream ends")
        w.close()
        check_error_bodies(api, "compacting server")
    finally:
        log = srv.stop()
    check_log(log, "the compacting server")


# ---- every error a Status ----------------------------------------------------

def check_error_bodies(api, what):
    bad = [(m, p, r) for m, p, r in api.errors if not is_status(r)]
    T.ok(not bad and api.errors, "every error body (%d) of the %s is a Status"
         " with kind, apiVersion, code, reason" % (len(api.errors), what),
         "\n".join("%s %s -> %r" % b for b in bad))


def check_log(log, what):
    worrying = [ln for ln in log.splitlines()
                if "AddressSanitizer" in ln or "runtime error" in ln
                or "CRITICAL" in ln or "LeakSanitizer" in ln
                or "assertion" in ln]
    T.ok(not worrying, "%s logged no sanitizer error, critical or failed "
         "assertion" % what, "%d such lines; the first:\n%s"
         % (len(worrying), "\n".join(worrying[:3])) if worrying else None)


def main():
    store, url, sets = server_from_args(sys.argv[1:])
    srv = None
    if url:
        host, port = parse_url(url)
    else:
        srv = Server(store, sets=sets)
        host, port = srv.host, srv.port
    T.diag("store %s; server %s:%d" % (url and "remote" or store, host, port))
    try:
        if srv and not T.ok(srv.wait_ready(), "kcore apiserver starts"):
            return
        api = Api(host, port)
        test_discovery(api)
        test_crud(api, make_ns(api, "crud"))
        test_create_rules(api, make_ns(api, "create"))
        test_update(api, make_ns(api, "update"))
        test_patch(api, make_ns(api, "patch"))
        test_scale(api, make_ns(api, "scale"))
        bind_ns = make_ns(api, "bind")
        test_binding(api, bind_ns)
        test_delete(api, make_ns(api, "delete"))
        test_selectors(api, make_ns(api, "select"))
        test_pagination(api, make_ns(api, "page"))
        test_table(api, make_ns(api, "table"))
        test_watch(api, make_ns(api, "watch"))
        check_error_bodies(api, "server")
        test_second_binding(api, bind_ns)
    except Exception as e:   # a crash is a failure, not a lost plan
        import traceback
        T.ok(False, "the test ran to its end", traceback.format_exc())
        del e
    finally:
        if srv:
            log = srv.stop()
            check_log(log, "the server")
    if not url:
        test_compaction(store, sets)
    else:
        T.skip("compaction tests", "they need a server this test starts")
    if T.todos:
        T.diag("TODO (known server bugs): %d" % len(T.todos))
    sys.exit(T.done())


if __name__ == "__main__":
    main()
