"""openkasugai-aio: an OpenKasugai controller environment on one host with Kind."""
import platform

import pulumi

from components.external_cluster import ExternalCluster, ExternalClusterArgs
from components.function_images import FunctionImages, FunctionImagesArgs
from components.kind_cluster import KindCluster, KindClusterArgs
from components.node_images import NodeImages, NodeImagesArgs
from components.registry import ImageRegistry, ImageRegistryArgs
from components.settings import from_pulumi
from scenarios.catalog import CATALOG

settings = from_pulumi()
state_dir = f"{settings.host_claims_dir}/{settings.stack}"

if settings.uses_kind:
    node_images = NodeImages("node-images", NodeImagesArgs(
        registry=settings.registry, kind_source=settings.kind_source,
        kubernetes_source=settings.kubernetes_source, kubernetes_version=settings.kubernetes_version,
        crio_version=settings.crio_version, gpu_driver_file=settings.gpu_driver_file,
        kernel_release=platform.release()))
    cluster = KindCluster("cluster", KindClusterArgs(
        settings=settings, images=node_images.refs, state_dir=state_dir, image_resources=node_images.images))
    pulumi.export("kindConfig", cluster.config_yaml)
else:
    cluster = ExternalCluster("cluster", ExternalClusterArgs(
        kubeconfig_file=settings.external_kubeconfig, node_names=[w.node for w in settings.workers]))

registry = ImageRegistry("registry", ImageRegistryArgs(
    registry=settings.registry, cluster_name=settings.cluster_name, after=cluster.ready))
function_images = FunctionImages("function-images", FunctionImagesArgs(
    registry=settings.registry, checkout=settings.controller.checkout,
    gpu_scenarios=any(CATALOG[s].gpu for s in settings.scenarios), after=registry.ready))

pulumi.export("profile", settings.profile)
pulumi.export("kubeconfig", cluster.kubeconfig)
pulumi.export("nodeNames", cluster.node_names)
pulumi.export("registry", registry.prefix)
pulumi.export("functionImages", function_images.refs)
