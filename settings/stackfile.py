"""Reads a stack file (Pulumi.<stack>.yaml) as the Pulumi CLI would; what is wrong with the file
itself is one line that names the file."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import yaml

from facts.shared import PROJECT_DIR

from .decode import BOOLEANS, foreign_namespace, suggest, what
from .errors import SettingsError
from .schema import PROJECT
from .text import ECHO, groups, number, pattern, show

# The sections of a Pulumi stack file (the CLI's ProjectStack).
SECTIONS = ("config", "environment", "secretsprovider", "encryptedkey", "encryptionsalt")
SECRET_PLACEHOLDER = "[secret]"
MAX_BYTES = 1024 * 1024  # a stack file is a few KiB; the reader refuses more before parsing it


class StackFileError(SettingsError):
    """The stack file cannot be read as a stack file; `problems` holds one line per problem."""


class _Loader(yaml.SafeLoader):
    """YAML as the Pulumi CLI (yaml.v3, YAML 1.2) reads a stack file, without PyYAML's YAML 1.1 surprises:
    a key given twice is refused (the CLI does; PyYAML would keep the last); an anchor or alias is refused
    before any node is built (a few lines of them expand to gigabytes); integers only in plain decimal and
    booleans only as true/false, anything else (010, 0x1F, 1_000, 1:30, yes, on) and timestamps stay the text
    written, which a key of another type then refuses by name."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Refused(event.start_mark, "YAML anchors and aliases (&name, *name) are not read here (a few "
                                             "of them can expand to gigabytes); write the value out")
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, (str, int, float, bool)):
                    continue
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {show(key)} is given twice", key_node.start_mark)
                seen.add(key)
        return super().construct_mapping(node, deep)

    def construct_decimal(self, node):
        text = self.construct_scalar(node)
        value = number(text, digits=18, signed=True)
        return text if value is None else value

    def construct_boolean(self, node):
        text = self.construct_scalar(node)
        return BOOLEANS.get(text, text)


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_decimal)
_Loader.add_constructor("tag:yaml.org,2002:bool", _Loader.construct_boolean)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_scalar)


class _Refused(yaml.MarkedYAMLError):
    """Valid YAML that a stack file may not hold."""

    def __init__(self, mark, problem: str):
        super().__init__(problem=problem, problem_mark=mark)


def parse_yaml(text: str) -> Any:
    """`text` read by the stack file's loader; raises ValueError with a one-line message (line and column
    first) when it is not YAML or holds what the loader refuses."""
    try:
        return yaml.load(text, Loader=_Loader)
    except _Refused as err:
        raise ValueError(f"{_where(err)}{err.problem}") from None
    except yaml.MarkedYAMLError as err:
        raise ValueError(f"{_where(err)}not valid YAML: {err.problem or err.context}") from None
    except yaml.YAMLError as err:  # e.g. a control character (ReaderError): no mark, its own text
        raise ValueError(f"not valid YAML: {' '.join(str(err).split())}") from None
    except RecursionError:
        raise ValueError("not a stack file: nested too deeply") from None


def _where(err: yaml.MarkedYAMLError) -> str:
    mark = err.problem_mark or err.context_mark
    return f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""


def read_stack_file(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The `config:` mapping of a stack file (values as YAML typed them; a secure value becomes a
    placeholder that stays secret) and the keys that hold secrets. Raises StackFileError."""
    doc = _parse(Path(path))
    problems = []
    if doc is None:
        _fail(path, f"is empty (or only comments); a stack file holds a config: section with "
                    f"{PROJECT}:<key>: <value> entries")
    if not isinstance(doc, dict):
        _fail(path, f"the top level is {what(doc)}, not a mapping of sections like config:")
    for section in doc:
        if section not in SECTIONS:
            problems.append(f"unknown top-level section {show(section)} (a stack file has: {', '.join(SECTIONS)})"
                            f"{suggest(str(section), SECTIONS)}")
    config = doc.get("config")
    if config is None:
        config = {}
    if not isinstance(config, dict):
        problems.append(f"config: is {what(config)}, not a mapping of {PROJECT}:<key>: <value>")
        config = {}
    values, secrets = {}, []
    for key, value in config.items():
        if not isinstance(key, str):
            problems.append(f"config: the key {show(key)} is not text; keys are {PROJECT}:<key>")
            continue
        namespace, sep, name = key.partition(":")
        if not sep:
            hint = key if len(key) <= ECHO and key.isprintable() else "<key>"
            problems.append(f"config: the key {show(key)} has no namespace; write {PROJECT}:{hint}")
            continue
        wrong = foreign_namespace(namespace)
        if wrong:
            problems.append(f"config: {show(key)}: {wrong}")
            continue
        if isinstance(value, dict) and set(value) == {"secure"}:
            value = SECRET_PLACEHOLDER
            secrets.append(key)
        values[key] = value
    if problems:
        raise StackFileError([f"{path}: {p}" for p in problems])
    return values, secrets


def _parse(path: Path) -> Any:
    try:
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as err:
        _fail(path, f"cannot be read: {err.strerror or err}")
    if len(data) > MAX_BYTES:
        _fail(path, f"is larger than {MAX_BYTES // 1024} KiB: not a stack file{_largest(data)}")
    if b"\0" in data:
        _fail(path, "holds binary data, not YAML text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        _fail(path, f"is not UTF-8 text (byte {err.start}): binary data, not YAML")
    try:
        return parse_yaml(text)
    except ValueError as err:
        _fail(path, str(err))


def _largest(data: bytes) -> str:
    """Which config key takes most of an oversized file: the lines from one `<namespace>:<key>:` to the next."""
    sizes: dict[str, int] = {}
    key = ""
    for line in data.split(b"\n"):
        found = groups(_KEY_LINE, line[:200].decode("utf-8", "replace"))
        key = found[0] if found else key
        if key:
            sizes[key] = sizes.get(key, 0) + len(line) + 1
    if not sizes:
        return ""
    key = max(sizes, key=sizes.get)
    return f"; {show(key)} takes {sizes[key]} bytes of its first MiB"


_KEY_LINE = pattern(r"\s*([A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+):.*")


def _fail(path, message: str):
    raise StackFileError([f"{path}: {message}"])


def load_stack_config(stack: str, config_file: Optional[Path] = None,
                      overrides: Optional[dict] = None) -> tuple[str, dict[str, str], list[str]]:
    """Emulate the CLI: Pulumi.yaml defaults, then the stack file, then overrides; values as wire strings.

    Encrypted values (`secure:`) cannot be read offline: they become a placeholder that is still secret.
    Raises StackFileError (a SettingsError) when the stack file is not a stack file.
    """
    proj = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())
    project, flat, secrets = proj["name"], {}, []
    for key, decl in (proj.get("config") or {}).items():
        full = key if ":" in key else f"{project}:{key}"
        if isinstance(decl, dict) and "default" in decl:
            flat[full] = decl["default"]
        elif isinstance(decl, dict) and "value" in decl:
            flat[full] = decl["value"]
    path = config_file or PROJECT_DIR / f"Pulumi.{stack}.yaml"
    if config_file or path.exists():
        values, secrets = read_stack_file(Path(path))  # StackFileError: one line naming the file
        flat.update(values)
    for key, value in (overrides or {}).items():
        flat[key if ":" in key else f"{project}:{key}"] = value
    # A null is an unset key: the default applies (never the text "None").
    return project, {k: _wire(v) for k, v in flat.items() if v is not None}, secrets


def _wire(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)
