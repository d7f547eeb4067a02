"""The code's shape holds: layers import only downward, no import hides in a function, modules stay small,
no class name is defined twice."""
from __future__ import annotations

import ast
from pathlib import Path

from settings import generate

ROOT = Path(__file__).resolve().parents[2]
PROGRAM_CODE = ("__main__.py", "facts", "settings", "renderers", "host", "components", "preview", "scenarios")

# Lowest first; a module may import its own layer or a lower one. The first matching prefix wins: each
# top-level package is one layer, named for it, but for scenarios/, which holds one scenario's code at
# every layer, file by file.
LAYERS = ("facts", "settings", "renderers", "host", "components", "program")
_LAYER_OF = (
    ("facts/", "facts"), ("settings/", "settings"), ("renderers/", "renderers"), ("host/", "host"),
    ("components/", "components"), ("preview/", "program"), ("__main__.py", "program"),
    ("scenarios/__init__.py", "facts"), ("scenarios/catalog.py", "facts"),
    ("scenarios/calc.py", "renderers"), ("scenarios/commands.py", "renderers"),
    ("scenarios/images.py", "renderers"), ("scenarios/infra.py", "renderers"),
    ("scenarios/multiworker.py", "renderers"), ("scenarios/render.py", "renderers"),
    ("scenarios/verify.py", "program"), ("scenarios/", "components"),
)

# Function-local imports of project modules that stay, and why. Anything else is a hidden import.
LOCAL_IMPORTS_ALLOWED = {
    # Not to dodge a cycle: `python -m host` runs on a system Python's standard library
    # (`gpu status` and plain `doctor` on a host without the venv), so what needs a package is imported
    # by the subcommand that uses it: pyroute2 under `sriov`, the settings (PyYAML, pulumi) under --stack.
    "host/cli.py": "pyroute2 and the project's settings only in the subcommands that need them",
    "host/doctor.py": "the upstream sources (pulumi) only when a stack is given",
}


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for the program's code (not tests, e2e or benchmarks)."""
    out = {"__main__": ROOT / "__main__.py"}
    for top in PROGRAM_CODE[1:]:
        for path in (ROOT / top).rglob("*.py"):
            rel = path.relative_to(ROOT).with_suffix("")
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            out[".".join(parts)] = path
    return out


MODULES = _modules()


def layer_of(path: Path) -> str:
    rel = path.relative_to(ROOT).as_posix()
    return next(layer for prefix, layer in _LAYER_OF if rel == prefix or (prefix.endswith("/") and rel.startswith(prefix)))


def _imports(name: str, path: Path):
    """(line, imported project module, at module level) for every import of `path`, parents included:
    importing a.b.c runs a/__init__ and a/b/__init__ first."""
    tree = ast.parse(path.read_text())
    top = {id(n) for n in tree.body}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for target in targets:
            parts = target.split(".")
            for i in range(1, len(parts) + 1):
                mod = ".".join(parts[:i])
                if mod in MODULES and mod != name:
                    yield node.lineno, mod, id(node) in top


def test_every_program_module_has_a_layer():
    for path in MODULES.values():
        assert layer_of(path) in LAYERS


def test_layers_import_only_downward():
    upward = []
    for name, path in MODULES.items():
        mine = LAYERS.index(layer_of(path))
        for line, mod, _ in _imports(name, path):
            theirs = LAYERS.index(layer_of(MODULES[mod]))
            if theirs > mine:
                upward.append(f"{path.relative_to(ROOT)}:{line} ({LAYERS[mine]}) imports {mod} ({LAYERS[theirs]})")
    assert not upward, "upward imports:\n" + "\n".join(upward)


def test_no_project_import_hides_in_a_function_except_the_listed_ones():
    hidden = []
    for name, path in MODULES.items():
        rel = path.relative_to(ROOT).as_posix()
        if rel in LOCAL_IMPORTS_ALLOWED:
            continue
        hidden += [f"{rel}:{line} imports {mod} inside a function" for line, mod, top in _imports(name, path) if not top]
    assert not hidden, "\n".join(hidden)


def test_the_allowed_local_imports_are_still_needed():
    for rel in LOCAL_IMPORTS_ALLOWED:
        path = ROOT / rel
        name = ".".join(Path(rel).with_suffix("").parts)
        assert any(not top for _, _, top in _imports(name, path)), f"{rel} has no local import any more; drop it"


def _python_files():
    for top in (*PROGRAM_CODE, "tests", "e2e", "benchmarks"):
        yield from ([ROOT / top] if top.endswith(".py") else (ROOT / top).rglob("*.py"))


# Over the cap for now, and why; each entry is a debt, not a licence.
LONG_MODULES_ALLOWED: dict[str, str] = {}


def test_no_module_is_over_300_lines():
    long = [f"{rel}: {n}" for p in _python_files() if (n := len(p.read_text().splitlines())) > 300
            and (rel := p.relative_to(ROOT).as_posix()) not in LONG_MODULES_ALLOWED]
    assert not long, long


def test_no_class_name_is_defined_twice_in_the_program():
    where: dict[str, list[str]] = {}
    for path in MODULES.values():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                where.setdefault(node.name, []).append(str(path.relative_to(ROOT)))
    twice = {name: files for name, files in where.items() if len(files) > 1}
    assert not twice, twice


# Each fact's text, and how it would be rebuilt by hand; only facts/shared.py may hold them.
FACTS = ("/etc/k8s_node/config", "DATA/video", "mlnx_sriov_netdevice", "nv-pool1", "/var/lib/openkasugai-aio",
         "hugepages-1048576kB", 'f"gpu:{', 'f"pf:{', 'f"kind-{', "--context kind-",
         r"[^\s/:]{1,15}", "GPU-[0-9a-fA-F]{8}")  # the interface-name and GPU UUID patterns


def test_each_shared_fact_is_written_once():
    elsewhere = []
    for path in MODULES.values():
        if path == ROOT / "facts/shared.py":
            continue
        text = path.read_text()
        elsewhere += [f"{path.relative_to(ROOT)}: {fact}" for fact in FACTS if fact in text]
    assert not elsewhere, elsewhere


def test_only_the_runner_starts_processes():
    starters = []
    for path in MODULES.values():
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if "subprocess" in names and path != ROOT / "host/runner.py":
                starters.append(str(path.relative_to(ROOT)))
    assert not starters, f"run host commands through host.runner: {starters}"


def test_both_clusters_declare_the_cluster_contract():
    from components.cluster import Cluster
    from components.external_cluster import ExternalCluster
    from components.kind_cluster import KindCluster
    for cls in (KindCluster, ExternalCluster):
        assert set(Cluster.__annotations__) <= set(cls.__annotations__), cls


def test_components_take_their_dependencies_as_after():
    # One keyword with one meaning: what everything the component creates waits for.
    import dataclasses

    from components import addons, controller, function_images, host_operations, kind_cluster, registry
    from scenarios import component, infra_component
    for args in (addons.PlatformAddonsArgs, controller.ControllerArgs, host_operations.HostOperationsArgs,
                 function_images.FunctionImagesArgs, kind_cluster.KindClusterArgs, registry.ImageRegistryArgs,
                 component.ScenarioArgs, infra_component.ScenarioInfraArgs):
        names = {f.name for f in dataclasses.fields(args)}
        assert "after" in names and not names & {"requires", "infra_requires", "before_dataflow", "depends_on"}, args


def test_components_declare_their_public_outputs_as_annotated_attributes():
    undeclared = []
    for path in MODULES.values():
        for cls in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(cls, ast.ClassDef) and any("ComponentResource" in ast.unparse(b) for b in cls.bases)):
                continue
            declared = {n.target.id for n in cls.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}
            init = next(f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__")
            for node in ast.walk(init):
                targets = (node.targets if isinstance(node, ast.Assign) else
                           [node.target] if isinstance(node, ast.AnnAssign) else [])
                for t in [e for t in targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])]:
                    if (isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"
                            and not t.attr.startswith("_") and t.attr not in declared):
                        undeclared.append(f"{path.relative_to(ROOT)}: {cls.name}.{t.attr}")
    assert not undeclared, undeclared


def _components():
    for path in MODULES.values():
        for cls in ast.walk(ast.parse(path.read_text())):
            if isinstance(cls, ast.ClassDef) and any("ComponentResource" in ast.unparse(b) for b in cls.bases):
                yield path, cls


def test_one_component_resource_per_module():
    per_module: dict[str, list[str]] = {}
    for path, cls in _components():
        per_module.setdefault(str(path.relative_to(ROOT)), []).append(cls.name)
    assert per_module and not {m: c for m, c in per_module.items() if len(c) > 1}


def test_component_constructors_end_with_register_outputs():
    unregistered = []
    for path, cls in _components():
        init = next(f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__")
        last = init.body[-1]
        if not (isinstance(last, ast.Expr) and "self.register_outputs(" in ast.unparse(last)):
            unregistered.append(f"{path.relative_to(ROOT)}: {cls.name}")
    assert not unregistered, unregistered


def test_the_generated_files_are_up_to_date():
    stale = [path for path, (now, new) in generate.generated().items() if now != new]
    assert not stale, f"run `./venv/bin/python -m settings.generate`: {stale} are stale"


# What serves the registered host operations (host/contract.py): each reads an operation through
# its type, so none of them calls getattr or hasattr at all.
OPERATION_CONSUMERS = ("host/contract.py", "host/registry.py",
                       "host/operation_provider.py", "components/host_operations.py",
                       "host/doctor.py", "host/cli.py", "__main__.py")


def _reflection(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr"):
            yield node


def _modules_bound(name: str, path: Path, tree: ast.Module) -> set[str]:
    """Names a module binds to a project module by its imports (`from . import sriov`, `import x.y as z`)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            out |= {a.asname or a.name for a in node.names if f"{base}.{a.name}" in MODULES}
        elif isinstance(node, ast.Import):
            out |= {a.asname or a.name.split(".")[0] for a in node.names if a.name in MODULES}
    return out


def test_host_operations_are_read_through_their_type_never_with_getattr_or_hasattr():
    from host.contract import Operation
    from host.registry import OPERATIONS
    assert OPERATIONS and all(isinstance(op, Operation) for op in OPERATIONS.values()), OPERATIONS
    found = []
    for rel in OPERATION_CONSUMERS:
        found += [f"{rel}:{n.lineno}: {ast.unparse(n)}" for n in _reflection(ast.parse((ROOT / rel).read_text()))]
    for name, path in MODULES.items():  # and nowhere on a module of the project (an operation's above all)
        tree = ast.parse(path.read_text())
        bound = _modules_bound(name, path, tree)
        found += [f"{path.relative_to(ROOT)}:{n.lineno}: {ast.unparse(n)}" for n in _reflection(tree)
                  if n.args and isinstance(n.args[0], ast.Name) and n.args[0].id in bound]
    assert not found, "read a host operation through its Operation:\n" + "\n".join(found)
