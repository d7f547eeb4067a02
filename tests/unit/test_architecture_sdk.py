"""No private name of the Pulumi SDK or its provider packages is used anywhere in the repository."""
from __future__ import annotations

import ast

from tests.unit.test_architecture import _python_files, ROOT  # noqa: F401  (one list of the project's files)


# The Pulumi SDK and provider packages: only their public names are used, anywhere in the repository (a
# private one, `rc._SECRET_KEYS`, `pulumi.automation._server`, changes without notice between releases).
SDK_PACKAGES = ("pulumi", "pulumi_kubernetes", "pulumi_command", "pulumi_docker", "pulumi_docker_build",
                "pulumiverse_harbor")


def _private(dotted: str) -> bool:
    return any(part.startswith("_") and not part.startswith("__") for part in dotted.split("."))


def private_sdk_names(source: str) -> list[tuple[int, str]]:
    """(line, name) for each private name of the SDK a module imports or reaches through an imported name."""
    tree, bound, found = ast.parse(source), set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in SDK_PACKAGES:
                    bound.add(a.asname or a.name.split(".")[0])
                    found += [(node.lineno, a.name)] if _private(a.name) else []
        elif isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").split(".")[0] in SDK_PACKAGES:
            for a in node.names:
                bound.add(a.asname or a.name)
                found += [(node.lineno, f"{node.module}.{a.name}")] if _private(f"{node.module}.{a.name}") else []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in bound:
                found.append((node.lineno, ast.unparse(node)))
    return found


def test_private_sdk_names_are_found():
    assert private_sdk_names("from pulumi.runtime import config as rc\nrc._SECRET_KEYS.get()") == [
        (2, "rc._SECRET_KEYS")]
    assert private_sdk_names("from pulumi.automation._server import LanguageServer") == [
        (1, "pulumi.automation._server.LanguageServer")]
    assert private_sdk_names("import pulumi\npulumi.runtime.settings._set_stack('x')") == [
        (2, "pulumi.runtime.settings._set_stack")]
    assert private_sdk_names("import pulumi\nfrom x import y\ny._z\npulumi.Config().__class__") == []


def test_no_private_sdk_name_is_used_outside_the_sdk():
    used = [f"{p.relative_to(ROOT)}:{line} {name}" for p in _python_files()
            for line, name in private_sdk_names(p.read_text())]
    assert not used, "use the SDK's public API:\n" + "\n".join(used)
