"""README, Pulumi.yaml and .ci/run stay in step with the settings model."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import yaml

from host.sources import CACHE_ENV, FETCH_ENV, pins
from renderers.platform.manifests import BUNDLES
from settings import KEYS
from tests.harness import REFERENCE_ENV
from tests.unit.test_architecture import MODULES as PROGRAM_MODULES

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
UPSTREAM_PAGE, ADDONS_PAGE = "docs/kind-host.md", "docs/controller.md"  # where each bundle is documented
CONFIGURATION = (ROOT / "docs/configuration.md").read_text()


def section(text: str, heading: str) -> str:
    """The text under `heading` (a whole heading line) up to the next heading of its level or above."""
    level = heading.split(" ", 1)[0]
    body = text.split(f"\n{heading}\n", 1)[1]
    ends = [body.find(f"\n{'#' * n} ") for n in range(1, len(level) + 1)]
    return body[:min([e for e in ends if e >= 0], default=len(body))]


def cells(row: str) -> list[str]:
    """A Markdown table row's cells as text (`\\|` and `&lt;` read back)."""
    return [c.strip().replace("\\|", "|").replace("&lt;", "<") for c in re.split(r"(?<!\\)\|", row)[1:-1]]


def test_the_configuration_reference_lists_exactly_the_settings_keys():
    table = section(CONFIGURATION, "## Keys")
    documented = re.findall(r"^\| `([A-Za-z0-9]+)` \|", table, flags=re.M)
    assert sorted(documented) == sorted(KEYS)


def test_the_configuration_reference_shows_each_key_type_and_description():
    for key in KEYS.values():
        row = next(line for line in CONFIGURATION.splitlines() if line.startswith(f"| `{key.name}` |"))
        assert cells(row)[1] == key.type and cells(row)[4] == key.description, row


def test_pulumi_yaml_declares_scalar_keys_with_their_type_default_and_description():
    declared = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    for key in KEYS.values():
        # The CLI requires a declared key that has no default: a key without one (secret, object, or a
        # default computed from other keys such as hugepages1Gi) stays undeclared, so a fresh stack runs.
        if key.secret or key.default is None:
            assert key.name not in declared, key.name
            continue
        decl = declared[key.name]
        if "value" in decl:
            assert decl["value"] == key.default
            continue
        assert decl["type"] == key.type and decl["description"] == key.description
        assert decl.get("default") == key.default
    assert set(declared) - set(KEYS) == {"pulumi:disable-default-providers"}


def test_ci_runs_the_readme_test_command():
    command = re.search(r"```sh\n(\./venv/bin/python -m pytest)\n```", README).group(1)
    assert command in (ROOT / ".ci/run").read_text()


def test_readme_set_up_commands_come_first():
    first = re.search(r"```sh\n(.*?)```", README, flags=re.S).group(1)
    assert "pip install --require-hashes -r requirements.lock" in first and "preview --stack dev" in first
    assert "--require-hashes -r requirements.lock" in (ROOT / ".ci/run").read_text()


def _pins(text: str) -> dict[str, str]:
    return {re.sub(r"[-_.]+", "-", m[0]).lower(): m[1]
            for m in re.findall(r"^([A-Za-z0-9][A-Za-z0-9_.-]*)==([^\s;\\]+)", text, flags=re.M)}


def test_the_lock_pins_every_requirement_at_its_version_with_hashes():
    # requirements.txt is the list people edit; requirements.lock (pip-compile --generate-hashes) what installs.
    wanted, lock = _pins((ROOT / "requirements.txt").read_text()), (ROOT / "requirements.lock").read_text()
    locked = _pins(lock)
    assert {k: locked.get(k) for k in wanted} == wanted, "regenerate requirements.lock (see README)"
    entries = [e for e in re.split(r"\n(?=[A-Za-z0-9])", lock) if "==" in e.split("\n", 1)[0]]
    assert len(entries) == len(locked) > len(wanted), "the lock also pins the dependencies' dependencies"
    assert all("--hash=sha256:" in e for e in entries), "every pinned package has its hashes"
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        assert not line.strip() or line.startswith("#") or "==" in line, f"requirements.txt pins exactly: {line}"


def _rules_section() -> str:
    return section(CONFIGURATION, "## Rules across keys")


def test_the_configuration_reference_states_exactly_the_rules_the_settings_check():
    from settings.rules import STATED
    bullets = re.findall(r"^- (.+)$", _rules_section(), flags=re.M)
    assert bullets == list(STATED.values())


def test_every_stated_rule_has_table_tests_naming_its_keys():
    from settings.rules import STATED
    from tests.unit.test_settings import INVALID
    from tests.unit.test_settings_rules import RULES
    named = {key for _, _, key in INVALID + RULES}
    for keys in STATED:
        assert set(keys.split()) <= named, keys


def test_the_configuration_reference_lists_the_keys_each_profile_ignores():
    from settings.ignored import ignored_keys
    from settings.model import Registry, Worker
    from settings.rules import Parsed
    external = Parsed(values={"scenarios": []}, external=True, workers=(Worker("n"),), pod=None, kindnet=None,
                      ipam=None, registry=Registry(host="h"), metallb=None)
    ignored = section(CONFIGURATION, "## Keys a profile ignores")
    for key in ignored_keys(external):
        assert f"`{key}`" in ignored.split("Keys that the stack's profile does not use", 1)[1], key


def test_the_kind_host_page_names_every_upstream_pin_and_bundle_file():
    upstream = section((ROOT / UPSTREAM_PAGE).read_text(), "## Upstream material")
    pinned = [(v, c) for v, c in pins.CONTROLLER_COMMITS.items()] + [(pins.KIND.tag, pins.KIND.commit)]
    pinned += list(pins.KUBERNETES_COMMITS.items()) + [(b.version, b.commit) for b in BUNDLES if b.kustomize]
    for tag, commit in pinned:
        assert f"{tag} (`{commit[:12]}`)" in upstream, tag
    for b in BUNDLES:
        assert f"`{b.local_name}" in upstream, b.local_name


def test_the_add_on_table_lists_every_bundle_at_its_version():
    table = section((ROOT / ADDONS_PAGE).read_text(), "## Platform add-ons (`PlatformAddons`)")
    rows = [cells(line) for line in table.splitlines() if line.startswith("| ") and not line.startswith("| Add-on")]
    assert sorted(row[1].split(",")[0] for row in rows) == sorted(b.version for b in BUNDLES)


def test_the_docs_document_the_variables_and_ci_sets_the_reference():
    for var, page in ((CACHE_ENV, "docs/kind-host.md"), (FETCH_ENV, "docs/kind-host.md"),
                      (REFERENCE_ENV, "docs/testing.md"), (REFERENCE_ENV, "README.md")):
        assert var in (ROOT / page).read_text(), (var, page)
    assert f"export {REFERENCE_ENV}=" in (ROOT / ".ci/run").read_text()


def test_every_section_the_code_cites_exists_in_the_docs():
    cited = set()
    for path in list(PROGRAM_MODULES.values()):
        text = path.read_text()
        assert "controller-install.md" not in text, f"{path}: cite docs/facts.md, a file in the repository"
        for doc, sections in re.findall(r"(docs/[\w-]+\.md) (§[\d.]+(?:/§[\d.]+)*)", text):
            cited |= {(doc, s.rstrip(".")) for s in sections.split("/")}
        bare = re.findall(r"(?<!md )§[\d.]+", text.replace("/§", " md §"))
        assert not bare, f"{path}: {bare} does not say which document it cites"
    assert cited
    for doc, section in cited:
        headings = re.findall(r"^#+ (§[\d.]+) ", (ROOT / doc).read_text(), flags=re.M)
        assert section in headings, f"{doc} has no heading {section}"


SKIPPED_DIRS = {"venv", ".git", "out", "__pycache__", ".pytest_cache"}
CITATION = re.compile(r"(README|docs/[\w-]+\.md),? \"([^\"\n]+)\"")


def _project_texts():
    """Every text file of the project that may cite a document: code, configs, scripts and the docs."""
    for path in ROOT.rglob("*"):
        rel = path.relative_to(ROOT)
        if path.is_file() and not SKIPPED_DIRS & set(rel.parts) and rel != Path("tests/unit/test_docs.py") and (
                path.suffix in (".py", ".yaml", ".md", ".sh") or rel.parts[:2] in (("e2e", "toolchain"), (".ci",))):
            yield rel, path.read_text(errors="replace")


def _headings(doc: str) -> set[str]:
    text = re.sub(r"^```.*?^```", "", (ROOT / doc).read_text(), flags=re.M | re.S)
    return set(re.findall(r"^#+ (.+?)\s*$", text, flags=re.M))


def test_every_named_section_a_file_cites_is_a_heading_of_that_document():
    cited = []
    for rel, text in _project_texts():
        for m in CITATION.finditer(text):
            before = text[:m.start()].split()[-1:]
            if before and "/" in before[0]:  # another project's README (github.com/cri-o/packaging README)
                continue
            cited.append((rel, "README.md" if m[1] == "README" else m[1], m[2]))
        bare = re.findall(r"(?<!\[)README,? [A-Z][a-z]+", text)  # a link names its target itself
        assert not bare, f"{rel}: cite a section as README \"<heading>\", so that a test finds it: {bare}"
    assert {doc for _, doc, _ in cited} >= {"README.md", "docs/configuration.md", "docs/kind-host.md"}
    missing = [f"{rel}: {doc} \"{heading}\"" for rel, doc, heading in cited
               if not (ROOT / doc).is_file() or heading not in _headings(doc)]
    assert not missing, missing


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def test_every_relative_link_of_the_docs_leads_to_a_file_and_heading_that_exist():
    broken = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = re.sub(r"^```.*?^```", "", doc.read_text(), flags=re.M | re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            dest = (doc.parent / path).resolve() if path else doc
            if not dest.exists():
                broken.append(f"{doc.relative_to(ROOT)}: {target} (no such file)")
            elif anchor and dest.suffix == ".md" and anchor not in {_slug(h) for h in _headings(str(dest.relative_to(ROOT)))}:
                broken.append(f"{doc.relative_to(ROOT)}: {target} (no such heading)")
    assert not broken, broken


def test_readme_links_the_design_docs():
    assert "(docs/design.md)" in README and (ROOT / "docs/design.md").is_file()


def test_the_per_developer_section_has_the_blocks_the_e2e_types_and_no_user_variable():
    # e2e/cli runs these blocks as written through the real CLI; a renamed or merged block fails here first.
    from e2e.cli import readme
    found = readme.blocks()
    assert [b.label for b in found] == ["login", "(a)", "(b)", "(c)", "(c) prebuilt", "run"]
    assert all("$USER" not in b.text for b in found)  # unset for root in a container
    named = readme.by_label(found)
    # (a) copies the reference config before init, so init keeps it and adds its own encryption salt.
    assert named["(a)"].text.index("cp Pulumi.dev.yaml") < named["(a)"].text.index("pulumi stack init")
    assert "'{}'" not in "".join(b.text for b in found)  # --path stores it as text


def _where_to_add() -> dict[str, set[str]]:
    """docs/design.md: each addition's title -> the files of its numbered list."""
    text = section((ROOT / "docs/design.md").read_text(), "## Where to add things")
    parts = re.split(r"^\*\*(A [^*]+)\*\*", text, flags=re.M)[1:]
    return {title: set(re.findall(r"^\d+\. `([^`]+)`", body, flags=re.M)) for title, body in zip(parts[::2], parts[1::2])}


def _touched(test_module) -> set[str]:
    """The files an extension test adds a test-only entry to, and the files it stands for."""
    return {Path(inspect.getsourcefile(module)).relative_to(ROOT).as_posix()
            for module, _ in test_module.EXTENSION_POINTS} | set(test_module.NEW_FILES)


def _files_every_bundle_appears_in() -> set[str]:
    from renderers.platform import manifests
    names = [name for name, value in vars(manifests).items() if isinstance(value, manifests.Bundle)]
    assert sorted(names) == sorted(name for name in names if vars(manifests)[name] in BUNDLES) and names
    code = list(PROGRAM_MODULES.values())
    return {p.relative_to(ROOT).as_posix() for p in code
            if all(re.search(rf"\b{name}\b", p.read_text()) for name in names)} | {UPSTREAM_PAGE, ADDONS_PAGE}


def test_where_to_add_lists_exactly_the_files_each_addition_touches():
    from tests.program import test_scenario_catalog_extension as scenario
    from tests.unit import test_generated as key
    from tests.unit import test_host_operation_contract as operation
    lists = _where_to_add()
    assert set(lists) == {"A stack key", "A scenario", "A platform add-on", "A host operation"}
    assert lists["A stack key"] == _touched(key)
    assert lists["A scenario"] == _touched(scenario)
    assert lists["A host operation"] == _touched(operation)
    assert lists["A platform add-on"] == _files_every_bundle_appears_in()
