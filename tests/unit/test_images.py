"""Content-addressed tags and the image chain (pure)."""
from __future__ import annotations

from components.node_images import NodeImagesArgs, chain_refs
from facts.function_catalog import FUNCTION_IMAGES, function_images
from renderers.imagespec import content_tag, function_image_ref
from settings import Registry


def test_tag_is_stable_for_unchanged_inputs_and_changes_with_a_file(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    first = content_tag("arg", paths=[tmp_path])
    assert content_tag("arg", paths=[tmp_path]) == first
    (tmp_path / "Dockerfile").write_text("FROM busybox\n")
    assert content_tag("arg", paths=[tmp_path]) != first


def test_tag_changes_with_build_arguments(tmp_path):
    assert content_tag("1.31", paths=[tmp_path]) != content_tag("1.30", paths=[tmp_path])


def test_large_files_count_by_size_and_mtime_not_content(tmp_path):
    big = tmp_path / "driver.run"
    big.write_bytes(b"x" * 100)
    tag = content_tag(paths=[big], big=10)
    big.write_bytes(b"y" * 100)
    import os
    os.utime(big, (1, 1))
    assert content_tag(paths=[big], big=10) != tag


def _args(tmp_path, driver=""):
    return NodeImagesArgs(registry=Registry(host="h", project="p"), kind_source=str(tmp_path / "kind"),
                          kubernetes_source=str(tmp_path / "k8s"), kubernetes_version="v1.31.0",
                          crio_version="1.31", gpu_driver_file=driver, kernel_release="6.8.0")


def test_chain_has_an_accelerator_image_only_with_a_driver(tmp_path):
    assert list(chain_refs(_args(tmp_path))) == ["base", "node", "crio", "no-acc"]
    refs = chain_refs(_args(tmp_path, driver=str(tmp_path / "NVIDIA.run")))
    assert list(refs) == ["base", "node", "crio", "no-acc", "acc"]
    assert refs["node"].startswith("h/p/kind-node:v1.31.0-")


def test_a_changed_parent_retags_every_child(tmp_path):
    (tmp_path / "kind/images/base").mkdir(parents=True)
    (tmp_path / "kind/images/base/Dockerfile").write_text("FROM ubuntu\n")
    before = chain_refs(_args(tmp_path))
    (tmp_path / "kind/images/base/Dockerfile").write_text("FROM ubuntu:jammy\n")
    after = chain_refs(_args(tmp_path))
    assert all(before[k] != after[k] for k in before)


def test_gpu_function_images_only_for_gpu_scenarios():
    assert {i.name for i in function_images(False)} == {
        "cpufunc_calcapp", "cpufunc_sidecar", "rcv_video_tool", "cpufunc_gst", "send_video_tool"}
    names = [i.name for i in function_images(True)]
    assert names.index("gpu_infer_tcp") < names.index("gpufunc_dsa")
    assert names.index("rcv_video_tool") < names.index("cpufunc_gst")


def test_function_image_ref_follows_its_base(tmp_path):
    gst = FUNCTION_IMAGES["cpufunc_gst"]
    before = function_image_ref("r", gst, str(tmp_path))
    base = tmp_path / FUNCTION_IMAGES["rcv_video_tool"].context
    base.mkdir(parents=True)
    (base / "Dockerfile").write_text("FROM ubuntu:22.04\n")
    assert function_image_ref("r", gst, str(tmp_path)) != before
    assert before.startswith("r/cpufunc_gst:")
