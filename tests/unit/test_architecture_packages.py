"""Names for content: each top-level package is one layer, named for it, and the package of components holds
components (issue 19)."""
from __future__ import annotations

from pathlib import Path

from tests.unit.test_architecture import _LAYER_OF, LAYERS, MODULES, PROGRAM_CODE, ROOT, _components, _imports, layer_of

# In components/ but not components: the module paths existing stacks' state pickled dynamic providers
# under before the host package left components/ (tests/unit/test_host_pickles.py loads each).
OLD_STATE_PATHS = ("components/host/__init__.py", "components/host/operation_provider.py",
                   "components/host/providers.py", "components/host/sriov_reassert.py")

# In components/, neither a component nor imported by one, and why it is there.
CONTRACTS = {
    "components/cluster.py": "the Cluster protocol KindCluster and ExternalCluster satisfy (structurally, so "
                             "neither imports it; test_both_clusters_declare_the_cluster_contract); "
                             "the program types its cluster with it",
}


def test_each_package_is_one_layer_named_for_it():
    # One prefix per package (scenarios/ alone holds a scenario's code at every layer, file by file).
    packages = [top for top in PROGRAM_CODE if not top.endswith(".py") and top != "scenarios"]
    prefixes = [prefix for prefix, _ in _LAYER_OF]
    for top in packages:
        assert [p for p in prefixes if p.startswith(f"{top}/")] == [f"{top}/"], top
    named = {top: dict(_LAYER_OF)[f"{top}/"] for top in packages}
    assert all(layer == top for top, layer in named.items() if top in LAYERS), named
    assert {layer for layer in named.values()} == set(LAYERS), named


def _name(rel: str) -> str:
    parts = Path(rel).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_the_package_of_components_holds_components():
    # Each module in components/ defines a ComponentResource, or is a helper of those that do (imported by
    # at least one of them and by nothing below the components layer), or is a listed contract.
    defines = {path for path, _ in _components()}
    importers: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        for _, mod, _ in _imports(name, path):
            importers.setdefault(mod, set()).add(name)
    strays = []
    for name, path in MODULES.items():
        rel = path.relative_to(ROOT).as_posix()
        if (not rel.startswith("components/") or path in defines or rel == "components/__init__.py"
                or rel in OLD_STATE_PATHS or rel in CONTRACTS):
            continue
        users = importers.get(name, set())
        helper = any(MODULES[u] in defines for u in users)
        below = [u for u in users if LAYERS.index(layer_of(MODULES[u])) < LAYERS.index("components")]
        if not helper or below:
            strays.append(f"{rel} (imported by {sorted(users) or 'nothing'})")
    assert not strays, "neither a component nor a helper of components; move it to its layer:\n" + "\n".join(strays)


def test_the_listed_contracts_are_still_contracts():
    defines = {path for path, _ in _components()}
    for rel in CONTRACTS:
        path = ROOT / rel
        assert path.exists() and path not in defines, rel
        assert not any(MODULES[u] in defines for u, p in MODULES.items()
                       for _, mod, _ in _imports(u, p) if mod == _name(rel)), f"{rel} is a helper now; unlist it"


def test_the_old_state_paths_only_lead_to_the_host_package():
    assert sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "components/host").rglob("*.py")) == \
        sorted(OLD_STATE_PATHS)
    for rel in OLD_STATE_PATHS:
        tops = {mod.split(".")[0] for _, mod, _ in _imports(_name(rel), ROOT / rel)}
        assert tops <= {"host", "components"}, (rel, tops)
