#!/usr/bin/env python3
"""The official Python client (Debian's python3-kubernetes) against a kcore
apiserver this test starts: CRUD of a pod, a deployment's scale, a watch,
and the ApiException codes.  TAP output."""
import os
import sys
import threading
import time

try:
    import kubernetes  # noqa: F401
except ImportError:
    # Debian's package is in the system Python; another python3 first on
    # PATH (pyenv, a venv) does not see it.
    if os.path.exists("/usr/bin/python3") and \
            os.path.realpath(sys.executable) != \
            os.path.realpath("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("1..0 # SKIP python3-kubernetes is not installed "
          "(scripts/install-deps installs it)")
    sys.exit(0)

from kubernetes import client, watch  # noqa: E402
from kubernetes.client.rest import ApiException  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kcore_server import Server, Tap, parse_url, server_from_args  # noqa

T = Tap()


def status_of(call, *args, **kwargs):
    """The HTTP status an ApiException carries, or 'no error'."""
    try:
        call(*args, **kwargs)
    except ApiException as e:
        return e.status
    return "no error"


def pod(name, image="busybox:1"):
    return client.V1Pod(
        metadata=client.V1ObjectMeta(name=name, labels={"app": "py"}),
        spec=client.V1PodSpec(containers=[client.V1Container(name="c",
                                                             image=image)]))


def test_pods(core, ns):
    p = core.create_namespaced_pod(ns, pod("py-pod"))
    T.ok(p.metadata.uid and p.metadata.resource_version
         and p.metadata.namespace == ns and p.kind == "Pod",
         "create_namespaced_pod returns the pod with uid and "
         "resourceVersion", p.metadata)
    lst = core.list_namespaced_pod(ns)
    T.ok([i.metadata.name for i in lst.items] == ["py-pod"]
         and lst.metadata.resource_version,
         "list_namespaced_pod lists it", lst.metadata)
    T.eq(["py-pod"], [i.metadata.name for i in core.list_namespaced_pod(
        ns, label_selector="app=py").items], "list with a label_selector")
    r = core.read_namespaced_pod("py-pod", ns)
    T.eq("busybox:1", r.spec.containers[0].image, "read_namespaced_pod")
    T.eq("Pending", r.status.phase, "a new pod is Pending")
    r = core.patch_namespaced_pod("py-pod", ns,
                                  {"metadata": {"labels": {"extra": "1"}}})
    T.eq({"app": "py", "extra": "1"}, r.metadata.labels,
         "patch_namespaced_pod (strategic merge) adds a label")
    r = core.patch_namespaced_pod("py-pod", ns, [
        {"op": "replace", "path": "/spec/containers/0/image",
         "value": "busybox:2"}])
    T.eq("busybox:2", r.spec.containers[0].image,
         "patch_namespaced_pod with a JSON patch list")
    T.eq(409, status_of(core.create_namespaced_pod, ns, pod("py-pod")),
         "a duplicate create raises ApiException 409")
    T.eq(422, status_of(core.create_namespaced_pod, ns, pod("Bad_Name")),
         "an invalid name raises ApiException 422")
    core.delete_namespaced_pod("py-pod", ns)
    T.eq(404, status_of(core.read_namespaced_pod, "py-pod", ns),
         "read after delete_namespaced_pod raises ApiException 404")
    T.eq(404, status_of(core.delete_namespaced_pod, "py-pod", ns),
         "a second delete raises ApiException 404")
    T.eq(404, status_of(core.create_namespaced_pod, "nope", pod("x")),
         "create in a missing namespace raises ApiException 404")


def test_nodes(core):
    name = "py-node"
    core.create_node(client.V1Node(metadata=client.V1ObjectMeta(name=name)))
    T.ok(name in [n.metadata.name for n in core.list_node().items],
         "create_node and list_node")
    n = core.patch_node(name, {"spec": {"unschedulable": True}})
    T.eq(True, n.spec.unschedulable, "patch_node")
    core.delete_node(name)
    T.eq(404, status_of(core.read_node, name), "delete_node")


def test_deployment(apps, ns):
    d = client.V1Deployment(
        metadata=client.V1ObjectMeta(name="py-deploy"),
        spec=client.V1DeploymentSpec(
            replicas=1,
            selector=client.V1LabelSelector(match_labels={"app": "pyd"}),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels={"app": "pyd"}),
                spec=client.V1PodSpec(containers=[
                    client.V1Container(name="c", image="busybox")]))))
    r = apps.create_namespaced_deployment(ns, d)
    T.ok(r.metadata.generation == 1 and r.spec.replicas == 1,
         "create_namespaced_deployment", r.metadata)
    s = apps.patch_namespaced_deployment_scale("py-deploy", ns,
                                               {"spec": {"replicas": 3}})
    T.ok(isinstance(s, client.V1Scale) and s.spec.replicas == 3
         and s.status.selector == "app=pyd",
         "patch_namespaced_deployment_scale returns a V1Scale", s)
    T.eq(3, apps.read_namespaced_deployment("py-deploy", ns).spec.replicas,
         "the deployment has 3 replicas")
    T.eq(3, apps.read_namespaced_deployment_scale("py-deploy", ns)
         .spec.replicas, "read_namespaced_deployment_scale")
    T.eq(404, status_of(apps.read_namespaced_deployment, "nope", ns),
         "read of a missing deployment raises 404")


def test_watch(core, ns):
    rv = core.list_namespaced_pod(ns).metadata.resource_version
    seen = []
    w = watch.Watch()
    done = threading.Event()

    def run():
        try:
            for ev in w.stream(core.list_namespaced_pod, ns,
                               resource_version=rv, timeout_seconds=4):
                seen.append((ev["type"], ev["object"].metadata.name,
                             type(ev["object"]).__name__))
                if ev["type"] == "DELETED":
                    w.stop()
        except Exception as e:   # reported by the checks below
            seen.append(("EXCEPTION", repr(e), ""))
        done.set()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    time.sleep(0.3)
    core.create_namespaced_pod(ns, pod("py-watched"))
    core.patch_namespaced_pod("py-watched", ns,
                              {"metadata": {"labels": {"w": "1"}}})
    core.delete_namespaced_pod("py-watched", ns)
    done.wait(10)
    T.eq([("ADDED", "py-watched", "V1Pod"), ("MODIFIED", "py-watched",
                                              "V1Pod"),
          ("DELETED", "py-watched", "V1Pod")], seen,
         "watch.Watch().stream(list_namespaced_pod) sees ADDED, MODIFIED, "
         "DELETED as V1Pod objects")

    # Without a resourceVersion: the current pods, then the stream ends
    # after timeout_seconds by itself.
    core.create_namespaced_pod(ns, pod("py-existing"))
    start = time.time()
    events = [(ev["type"], ev["object"].metadata.name)
              for ev in watch.Watch().stream(core.list_namespaced_pod, ns,
                                             timeout_seconds=1)]
    T.eq([("ADDED", "py-existing")], events,
         "a watch without resourceVersion starts with the existing pods")
    T.ok(time.time() - start < 5, "timeout_seconds ends the stream",
         time.time() - start)


def main():
    store, url, _ = server_from_args(sys.argv[1:])
    srv = None
    if url:
        host, port = parse_url(url)
    else:
        srv = Server(store)
        host, port = srv.host, srv.port
    try:
        if srv and not T.ok(srv.wait_ready(), "kcore apiserver starts"):
            return
        cfg = client.Configuration()
        cfg.host = "http://%s:%d" % (host, port)
        api_client = client.ApiClient(cfg)
        core = client.CoreV1Api(api_client)
        apps = client.AppsV1Api(api_client)
        ns = "py-%d" % os.getpid()
        core.create_namespace(client.V1Namespace(
            metadata=client.V1ObjectMeta(name=ns)))
        T.ok(ns in [n.metadata.name for n in core.list_namespace().items],
             "create_namespace and list_namespace")
        for f, args in ((test_pods, (core, ns)), (test_nodes, (core,)),
                        (test_deployment, (apps, ns)),
                        (test_watch, (core, ns))):
            try:
                f(*args)
            except Exception:
                import traceback
                T.ok(False, "%s ran to its end" % f.__name__,
                     traceback.format_exc())
    finally:
        if srv:
            log = srv.stop()
            bad = [ln for ln in log.splitlines()
                   if "Sanitizer" in ln or "runtime error" in ln]
            T.ok(not bad, "the server logged no sanitizer error", log[-4000:])
    sys.exit(T.done())


if __name__ == "__main__":
    main()
