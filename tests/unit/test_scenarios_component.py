"""Scenario and ScenarioInfra under the SDK's mock engine: objects, order and stable names."""
import pulumi
import yaml

from preview.engine import run_under_mocks
from scenarios.catalog import CATALOG
from scenarios.component import ScenarioArgs, ScenarioDeployment
from scenarios.infra_component import ScenarioInfra, ScenarioInfraArgs
from tests.unit.test_scenarios_render import CHECKOUT, IMAGES


def run(program):
    """Run `program()` under the project's mock engine; return the registrations by name."""
    return {r.name: r for r in run_under_mocks(program).registrations}


def deps(regs, name):
    return {d.split("::")[-1] for d in regs[name].dependencies}


def kind_of(reg):
    return reg.type.rsplit(":", 1)[-1]


def test_order_configmaps_types_chain_dataflow():
    regs = run(lambda: ScenarioDeployment("scenario-calcapp-basic", ScenarioArgs("calcapp-basic", CHECKOUT, IMAGES)))
    p = "scenario-calcapp-basic-"
    df = regs[f"{p}dataflow-cpufunc-calcapp-df-calcapp"]
    assert df.type == "kubernetes:example.com/v1:DataFlow"
    assert deps(regs, df.name) == {f"{p}functionchain-cpufunc-calcapp-calcapp-chain"}
    types = {n for n, r in regs.items() if kind_of(r) == "FunctionType"}
    assert len(types) == 7 and deps(regs, f"{p}functionchain-cpufunc-calcapp-calcapp-chain") == types
    assert deps(regs, f"{p}functiontype-cpufunc-calcapp-functype-calcapp-rcv") == {
        f"{p}configmap-cpufunc-calcapp-funcinfo-calcapp-rcv", f"{p}configmap-default-cpufunc-config-calcapp-rcv"}
    # A funcinfo ConfigMap only names its configs: it need not wait for them, its FunctionType waits for both.
    assert deps(regs, f"{p}configmap-cpufunc-calcapp-funcinfo-calcapp-rcv") == set()
    assert all(r.parent.endswith("Scenario::scenario-calcapp-basic") for r in regs.values() if r.custom)
    assert "verify" not in " ".join(regs)


def test_sriov_dataflow_waits_for_the_reassert_and_everything_for_requires():
    made = []

    def program():
        req = pulumi.CustomResource("test:index:Thing", "controller")
        extra = pulumi.CustomResource("test:index:Thing", "extra")

        def reassert(name, trigger=None):
            made.append((name, trigger))
            return pulumi.CustomResource("test:index:Reassert", name, opts=pulumi.ResourceOptions(depends_on=[req]))
        for name in ("calcapp-sriov", "p1c1"):
            ScenarioDeployment(f"scenario-{name}", ScenarioArgs(name, CHECKOUT, IMAGES, after=[req],
                                                      dataflow_after=[extra], reassert=reassert))
    regs = run(program)
    assert [m[0] for m in made] == ["scenario-calcapp-sriov-vf-reassert"] and len(made[0][1]) == 16
    sriov_df = deps(regs, "scenario-calcapp-sriov-dataflow-cpufunc-calcapp-df-calcapp-sriov")
    assert {"scenario-calcapp-sriov-vf-reassert", "extra"} <= sriov_df
    p1c1_df = deps(regs, "scenario-p1c1-dataflow-cpufunc-sample-df-cpu-p1c1")
    assert "extra" in p1c1_df and not any("reassert" in d for d in p1c1_df)
    objs = [r for r in regs.values() if r.type.startswith("kubernetes:")]

    def reaches(name, target, seen=()):
        direct = deps(regs, name) if name in regs else set()
        return target in direct or any(reaches(d, target, (*seen, name)) for d in direct if d not in seen)
    assert all(reaches(r.name, "controller") for r in objs), "every object waits for requires, at least transitively"


def test_verify_command_runs_after_the_dataflow():
    regs = run(lambda: ScenarioDeployment("scenario-p1c1", ScenarioArgs(
        "p1c1", CHECKOUT, IMAGES, verify_kubeconfig=pulumi.Output.secret("apiVersion: v1\n"))))
    cmd = regs["scenario-p1c1-verify"]
    assert cmd.type == "command:local:Command"
    assert "-m scenarios.verify --scenario p1c1 --functions pip,rcv" in cmd.inputs["create"]
    assert deps(regs, "scenario-p1c1-verify") == {"scenario-p1c1-dataflow-cpufunc-sample-df-cpu-p1c1"}
    assert cmd.inputs["environment"]["SCENARIO_KUBECONFIG"] == "[secret]"


def test_without_a_kubeconfig_to_verify_with_no_check_is_registered():
    # verifyScenarios on hands the cluster's kubeconfig over (deploy_scenarios); "verify without one"
    # cannot be expressed.
    regs = run(lambda: ScenarioDeployment("s", ScenarioArgs("p1c1", CHECKOUT, IMAGES)))
    assert not [n for n in regs if n.endswith("-verify")]


def test_names_do_not_depend_on_the_other_scenarios():
    def program(names):
        return lambda: [ScenarioDeployment(f"scenario-{n}", ScenarioArgs(n, CHECKOUT, IMAGES, gpu_region_type="a100"))
                        for n in names]
    one = run(program(["p1c1"]))
    many = run(program(list(CATALOG)))
    assert set(one) <= set(many)
    assert all(one[n].inputs == many[n].inputs for n in one)
    dataflows = [r for r in many.values() if kind_of(r) == "DataFlow"]
    assert len(dataflows) == len(CATALOG)


def _infra(**kw):
    args = dict(scenarios=("calcapp-basic",), workers=("alice-worker", "alice-worker2"))
    args.update(kw)
    return run(lambda: ScenarioInfra("scenario-infra", ScenarioInfraArgs(**args)))


def test_infra_minimal_has_namespaces_and_bindings_only():
    regs = _infra()
    kinds = sorted(kind_of(r) for r in regs.values() if r.custom)
    assert kinds == ["ClusterRoleBinding", "ClusterRoleBinding", "Namespace", "Namespace"]


def test_infra_full():
    regs = _infra(scenarios=("calcapp-basic", "p2c1"), gpu_worker="alice-worker", sriov=True, multi_worker=True,
                  send_video_tool_image=IMAGES["send_video_tool"])
    p = "scenario-infra-"
    nads = [n for n, r in regs.items() if kind_of(r) == "NetworkAttachmentDefinition"]
    assert sorted(nads) == [f"{p}networkattachmentdefinition-cpufunc-calcapp-sriov-ipam-config",
                            f"{p}networkattachmentdefinition-cpufunc-sample-sriov-ipam-config"]
    ur = regs[f"{p}configmap-cpufunc-calcapp-user-requirement"].inputs["data"]["requestNodeNames"]
    assert set(sum(yaml.safe_load(ur).values(), [])) == {"alice-worker", "alice-worker2"}
    tool = regs[f"{p}deployment-test-send-video-tool"]
    spec = tool.inputs["spec"]["template"]["spec"]
    assert spec["nodeName"] == "alice-worker" and spec["volumes"][0]["hostPath"]["path"] == "/root/work/DATA/video"
    assert spec["containers"][0]["image"] == IMAGES["send_video_tool"]
    assert deps(regs, tool.name) == {f"{p}namespace-test"}


