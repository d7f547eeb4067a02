"""openkasugai-aio: an OpenKasugai controller environment on one host with Kind."""
import platform

import pulumi

from components.addons import PlatformAddons, PlatformAddonsArgs
from components.cluster import Cluster
from components.controller import Controller, ControllerArgs
from components.external_cluster import ExternalCluster, ExternalClusterArgs
from components.function_images import FunctionImages, FunctionImagesArgs
from components.harbor_project import HarborProject, HarborProjectArgs
from components.host_operations import HostOperations, HostOperationsArgs
from components.kind_cluster import KindCluster, KindClusterArgs
from components.node_images import NodeImages, NodeImagesArgs
from components.registry import ImageRegistry, ImageRegistryArgs
from host.probe import host_facts
from host.sources import with_sources
from scenarios.component import deploy_scenarios
from settings import from_pulumi

settings, facts = from_pulumi(host_facts)
settings = with_sources(settings)

# Every push (node images as they are built, then the function images) goes into this project.
harbor_project = None
if not settings.registry.embedded and (settings.uses_kind or not settings.prebuilt_images):
    harbor_project = HarborProject("harbor", HarborProjectArgs(registry=settings.registry))

if settings.uses_kind:
    node_images = NodeImages("node-images", NodeImagesArgs(
        registry=settings.registry, kind_source=settings.kind_source,
        kubernetes_source=settings.kubernetes_source, kubernetes_version=settings.kubernetes_version,
        crio_version=settings.crio_version, gpu_driver_file=settings.gpu_driver_file,
        kubernetes_build=settings.kubernetes_build,
        kernel_release=platform.release(), after=harbor_project.ready if harbor_project else []))
    # Before the nodes boot (the GPU worker loads its own driver at start, the kubelets read the hugepages),
    # and after the images they exist for: a failed image chain leaves the host as it was.
    host_ops = HostOperations("host-operations", HostOperationsArgs.from_settings(settings, after=node_images.images))
    cluster: Cluster = KindCluster("cluster", KindClusterArgs(
        settings=settings, images=node_images.refs, state_dir=f"{settings.host_claims_dir}/{settings.stack}",
        after=[*node_images.images, *host_ops.ready]))
    pulumi.export("kindConfig", cluster.config_yaml)
else:
    cluster = ExternalCluster("cluster", ExternalClusterArgs(
        kubeconfig_file=settings.external_kubeconfig, node_names=[w.node for w in settings.workers]))

# Once the cluster's nodes exist: PFs and VFs go into the workers' network namespaces.
on_nodes = HostOperationsArgs.from_settings(settings, "after", after=cluster.ready, replace_with=cluster.deletes_with)
host = HostOperations("host", on_nodes) if on_nodes.specs else None

registry = ImageRegistry("registry", ImageRegistryArgs(
    registry=settings.registry, cluster_name=settings.cluster_name, after=cluster.ready, stack=settings.stack,
    nodes=cluster.node_names, cluster=cluster.deletes_with, prebuilt=bool(settings.prebuilt_images),
    project=harbor_project, provider=cluster.provider))
# In-cluster objects go with the cluster (Kind) instead of one by one; the engine passes deleted_with on
# from each component to its children.
on_cluster = pulumi.ResourceOptions(providers=[cluster.provider], deleted_with=cluster.deletes_with)
addons = PlatformAddons("addons", PlatformAddonsArgs.from_settings(
    settings, after=cluster.ready, devices=host.ready if host else []), opts=on_cluster)

pulumi.export("profile", settings.profile)
pulumi.export("kubeconfig", cluster.kubeconfig)
pulumi.export("nodeNames", cluster.node_names)
pulumi.export("registry", registry.prefix)
pulumi.export("registryPullAuth", registry.pull_auth)
pulumi.export("addons", {"versions": addons.versions, "metallbPool": addons.pool_name})

# Everything below is read from the controller checkout; only an offline preview without one
# (warned, naming controllerCheckout) leaves it out.
if settings.controller.checkout:
    function_images = FunctionImages("function-images", FunctionImagesArgs(
        registry=settings.registry, checkout=settings.controller.checkout,
        gpu_scenarios=settings.gpu_scenarios, after=registry.ready, prebuilt=dict(settings.prebuilt_images)))
    controller = Controller("controller", ControllerArgs.from_settings(
        settings, cpu_model=facts.cpu_model, cpu_sockets=facts.cpu_sockets, gpu_model=facts.gpu_model,
        after=addons.ready), opts=on_cluster)
    scenario_infra, scenarios = deploy_scenarios(
        settings, function_images.refs, controller.gpu_region_type, cluster.kubeconfig,
        after=[*controller.ready, *function_images.builds.values(), *(host.ready if host else [])],
        infra_after=addons.ready, reassert=host.reassert if host else None,
        opts=on_cluster)
    pulumi.export("functionImages", function_images.refs)
    pulumi.export("controller", {"version": controller.version, "images": controller.images,
                                 "nodeNames": controller.node_names, "kubectl": controller.kubectl,
                                 "gpuRegionType": controller.gpu_region_type})
    pulumi.export("scenarios", {name: s.commands for name, s in scenarios.items()})
    pulumi.export("scenarioVerification", {name: s.verification for name, s in scenarios.items() if s.verification})
