"""Harbor: an existing project is adopted, and the Kind nodes get pull credentials (issue 9, item 5)."""
from __future__ import annotations

import base64
import json
import tomllib

import yaml

from components.registry import NODE_AUTH_FILE, node_auth, robot_name
from preview import engine
from renderers.imagespec import DOCKERFILES
from tests.harness import run


def test_an_existing_project_is_adopted_not_created():
    # terraform-provider-harbor resourceProjectCreate POSTs /projects and expects 201: Harbor's 409
    # for an existing project (the reference Harbor's `images`) would fail `pulumi up`.
    calls = []

    class HarborHasImages(engine.ProgramMocks):
        def call(self, args):
            calls.append(args.token)
            if args.token == "harbor:index/getProjects:getProjects":
                return {"projects": [{"name": "images", "projectId": 3, "public": True, "type": "project",
                                      "vulnerabilityScanning": False}]}
            return {}

    r = run("dev", mocks=HarborHasImages())
    assert "harbor:index/getProjects:getProjects" in calls
    assert not r.by_type("harbor:index/project:Project")
    assert r.by_type("harbor:index/robotAccount:RobotAccount")


def test_a_missing_project_is_created_and_kept_on_destroy():
    project = run("dev").by_type("harbor:index/project:Project")
    assert [p.inputs["name"] for p in project] == ["images"]


def test_nodes_pull_with_a_pull_only_robot_of_the_project():
    r = run("dev")
    robot = r.by_type("harbor:index/robotAccount:RobotAccount")[0]
    assert robot.inputs["level"] == "project" and robot.inputs["name"] == "openkasugai-aio-dev-kind"
    assert robot.inputs["permissions"] == [{"kind": "project", "namespace": "images",
                                            "accesses": [{"action": "pull", "resource": "repository"}]}]
    auth = {x.name.removeprefix("registry-node-auth-"): x for x in r.by_type("command:local:Command")
            if x.name.startswith("registry-node-auth-")}
    assert sorted(auth) == ["kind-worker", "kind-worker2"]
    for node, cmd in auth.items():
        assert cmd.inputs["stdin"] == "[secret]"
        assert cmd.inputs["create"] == f"docker exec -i {node} sh -c 'umask 077 && mkdir -p /etc/crio && cat > {NODE_AUTH_FILE}'"
        deps = {d.split("::")[-1] for d in cmd.dependencies}
        assert {"registry-robot", "cluster-create"} <= deps
        assert cmd.delete_before_replace, "a replacement's delete must not remove the new file"
        assert cmd.inputs["delete"] == f"! docker container inspect {node} >/dev/null 2>&1 || docker exec {node} rm -f {NODE_AUTH_FILE}"
    # The function images wait for the nodes' credentials as well as for the project.
    gst = {d.split("::")[-1] for d in r.named("function-images-cpufunc_calcapp").dependencies}
    assert {"registry-robot", "registry-node-auth-kind-worker"} <= gst


def test_crio_reads_the_file_the_registry_writes():
    conf = tomllib.loads((DOCKERFILES / "crio/crio.conf.d/10-kind.conf").read_text())
    assert conf["crio"]["image"]["global_auth_file"] == NODE_AUTH_FILE


def test_node_auth_is_a_containers_auth_file_for_the_harbor_host():
    auth = json.loads(node_auth("192.168.10.100", "robot$images+x", "s3cret"))
    token = auth["auths"]["192.168.10.100"]["auth"]
    assert base64.b64decode(token).decode() == "robot$images+x:s3cret"


def test_robot_name_is_a_valid_harbor_name():
    assert robot_name("Dev_Alice", "kind") == "openkasugai-aio-dev-alice-kind"
    assert robot_name("dev/x y", "k") == "openkasugai-aio-dev-x-y-k"


def test_external_cluster_gets_a_robot_but_no_node_files():
    r = run("external")
    assert r.by_type("harbor:index/robotAccount:RobotAccount")
    assert not [x for x in r.by_type("command:local:Command") if x.name.startswith("registry-node-auth-")]


def test_the_robot_auth_file_is_an_output_for_external_nodes():
    auth = json.loads(run("external").outputs["registryPullAuth"])["auths"]["harbor.example.com"]["auth"]
    assert base64.b64decode(auth).decode().startswith("robot$openkasugai+openkasugai-aio-external-")
    assert run("cpu-only").outputs.get("registryPullAuth") is None


def _pushes(r):
    """Every resource that pushes to the registry: image builds with push, the node image's command."""
    return [x for x in r.registrations
            if (x.type == "docker-build:index:Image" and x.inputs.get("push"))
            or (x.type == "command:local:Command" and " push " in (x.inputs.get("create") or ""))]


def test_every_push_waits_for_the_harbor_project():
    # issue 17 item 8: the node images push to Harbor as they are built, long before the cluster exists.
    r = run("dev")
    project = r.by_type("harbor:index/project:Project")[0]
    pushes = _pushes(r)
    names = {p.name for p in pushes}
    assert {"node-images-base", "node-images-node", "node-images-crio", "node-images-no-acc",
            "node-images-acc", "function-images-cpufunc_calcapp"} <= names
    for push in pushes:
        assert project.urn in push.dependencies, f"{push.name} pushes before the project exists"


def test_harbor_provider_and_project_keep_their_old_identity():
    """They were children of ImageRegistry 'registry' (registry-harbor, registry-project): aliases keep the
    existing stacks' project (retained) and provider instead of replacing them."""
    r = run("dev")
    component = r.named("harbor")
    assert component.type == "openkasugai-aio:registry:HarborProject"
    old_parent = "urn:pulumi:dev::openkasugai-aio::openkasugai-aio:registry:ImageRegistry::registry"
    for child, old in (("harbor-provider", "registry-harbor"), ("harbor-project", "registry-project")):
        assert r.named(child).parent == component.urn
        assert r.named(child).aliases == ((old, old_parent),)


def test_the_embedded_registry_is_advertised_as_kind_documents_it():
    # KEP-1755 / kind v0.24.0 site/static/examples/kind-with-registry.sh: ConfigMap kube-public/local-registry-hosting.
    r = run("cpu-only")
    (cm,) = [x for x in r.by_type("kubernetes:core/v1:ConfigMap") if x.name.endswith("local-registry-hosting")]
    assert cm.inputs["metadata"] == {"name": "local-registry-hosting", "namespace": "kube-public"}
    hosting = yaml.safe_load(cm.inputs["data"]["localRegistryHosting.v1"])
    assert hosting == {"host": "localhost:5001", "hostFromContainerRuntime": "localhost:5001",
                       "hostFromClusterNetwork": "laptop-registry:5000",  # clusterName: laptop
                       "help": "https://kind.sigs.k8s.io/docs/user/local-registry/"}
    assert cm.deleted_with == r.named("cluster-create").urn, "it goes with the cluster"
    assert r.named("registry-container").urn in cm.dependencies
    assert not [x for x in run("dev").by_type("kubernetes:core/v1:ConfigMap") if "local-registry" in x.name]
