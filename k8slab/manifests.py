"""Turn what a learner gives `lab.apply` (YAML text, a path, a dict, a list) into objects."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from .errors import InvalidManifest

Manifest = str | Path | dict | list

_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
_LABEL_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# kinds whose names must be DNS labels (63 characters), not DNS subdomains (253)
_LABEL_KINDS = {"Namespace", "Service"}


def load(manifest: Manifest) -> list[dict]:
    """Parse a manifest into a flat list of objects (`kind: List` is expanded)."""
    if isinstance(manifest, Path) or (isinstance(manifest, str) and _looks_like_path(manifest)):
        path = Path(manifest).expanduser()
        if not path.exists():
            raise InvalidManifest(f"no such manifest file: {path}",
                                  hint="check the path, or pass the YAML text itself")
        try:
            text = path.read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidManifest(f"cannot read the manifest file {path}: "
                                  f"{getattr(exc, 'strerror', None) or exc}",
                                  hint="give the path of a YAML (text) file") from None
        docs = _parse_yaml(text, source=str(path))
    elif isinstance(manifest, str):
        docs = _parse_yaml(manifest, source="manifest")
    elif isinstance(manifest, dict):
        docs = [manifest]
    elif isinstance(manifest, list | tuple):
        docs = []
        for item in manifest:
            docs.extend(load(item) if isinstance(item, str | Path) else [item])
    else:
        raise InvalidManifest(f"cannot apply a {type(manifest).__name__}",
                              hint="give YAML text, a file path, a dict or a list of dicts")
    objects = []
    for doc in docs:
        if doc is None:
            continue
        if isinstance(doc, dict) and doc.get("kind") == "List" and "items" in doc:
            items = doc["items"] or []
            if not isinstance(items, list):
                raise InvalidManifest(f"the items of a List must be a list, not a "
                                      f"{type(items).__name__}",
                                      hint="write each object as an item under `items:`")
            objects.extend(items)
        else:
            objects.append(doc)
    if not objects:
        raise InvalidManifest("the manifest is empty: it has no objects",
                              hint="a manifest needs at least apiVersion, kind and metadata.name")
    return objects


def _looks_like_path(text: str) -> bool:
    return "\n" not in text and ":" not in text.replace(":\\", "") and bool(
        re.search(r"\.(ya?ml|json)$", text.strip()))


def _parse_yaml(text: str, source: str) -> list[Any]:
    try:
        return list(yaml.safe_load_all(text))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        line = text.splitlines()[mark.line] if mark and mark.line < len(text.splitlines()) else ""
        hint = "check the indentation and the `key: value` pairs near that line"
        if "\t" in line or (exc.problem and "\\t" in exc.problem):
            hint = "YAML does not allow tabs for indentation: indent with spaces"
        problem = exc.problem or str(exc)
        raise InvalidManifest(f"{source} is not valid YAML at {where}: {problem}"
                              + (f"\n    {line.rstrip()}" if line else ""), hint=hint) from None
    except yaml.YAMLError as exc:
        raise InvalidManifest(f"{source} is not valid YAML: {exc}") from None
    except RecursionError:
        raise InvalidManifest(f"{source} is nested too deeply to read",
                              hint="check for unclosed brackets") from None
    # a scalar PyYAML cannot build (e.g. `2024-13-45`, or `!!int` with no value)
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        node = _unreadable_scalar(text)
        where = f" at line {node.start_mark.line + 1}, column {node.start_mark.column + 1}" \
            if node is not None else ""
        value = f" ({node.value!r})" if node is not None else ""
        raise InvalidManifest(f"{source} is not valid YAML{where}: a value cannot be read"
                              f"{value}: {exc or type(exc).__name__}",
                              hint="quote the value if it is meant as text, e.g. "
                              "'2024-13-01'") from None


def _unreadable_scalar(text: str):
    """The first scalar node that PyYAML cannot turn into a value (e.g. `2024-13-45`)."""
    try:
        stack = list(yaml.compose_all(text))
        while stack:
            node = stack.pop(0)
            if isinstance(node, yaml.ScalarNode):
                try:
                    yaml.SafeLoader("").construct_object(node)
                except Exception:
                    return node
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
            elif isinstance(node, yaml.MappingNode):
                stack.extend(n for pair in node.value for n in pair)
    except Exception:
        return None
    return None


def describe(obj: Any) -> str:
    """A short `Kind/name` for messages."""
    if not isinstance(obj, dict):
        return repr(obj)[:40]
    name = (obj.get("metadata") or {}).get("name") if isinstance(obj.get("metadata"), dict) \
        else None
    return f"{obj.get('kind', '?')}/{name or '?'}"


def check_shape(obj: Any, index: int) -> None:
    """What the API server would reject before even looking: say it plainly and early."""
    where = f"object {index + 1} ({describe(obj)})"
    if not isinstance(obj, dict):
        raise InvalidManifest(f"{where} is a {type(obj).__name__}, not a mapping",
                              hint="each YAML document must be a mapping with apiVersion and kind")
    for key in ("apiVersion", "kind"):
        if not obj.get(key) or not isinstance(obj[key], str):
            raise InvalidManifest(f"{where} has no {key}",
                                  hint=f"add `{key}:` (e.g. apiVersion: apps/v1, kind: Deployment)")
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or not meta.get("name"):
        raise InvalidManifest(f"{where} has no metadata.name",
                              hint="give every object a name under metadata:")
    namespace = meta.get("namespace")
    if namespace is not None and not isinstance(namespace, str):
        raise InvalidManifest(f"{where}: metadata.namespace must be a name (text), "
                              f"not {namespace!r}", hint="e.g. namespace: lesson-1")
    name = str(meta["name"])
    limit = 63 if obj["kind"] in _LABEL_KINDS else 253
    pattern = _LABEL_NAME if obj["kind"] in _LABEL_KINDS else _NAME
    if len(name) > limit:
        raise InvalidManifest(f"{where}: the name is {len(name)} characters; a {obj['kind']} "
                              f"name may have at most {limit}", hint="choose a shorter name")
    if not pattern.match(name):
        raise InvalidManifest(
            f"{where}: {name!r} is not a valid name",
            hint="use lower-case letters, digits and '-', starting and ending with a letter "
            "or digit (e.g. 'web-1')")


def to_json_safe(obj: Any) -> Any:
    """Round-trip through JSON so dates and the like become plain strings."""
    try:
        return json.loads(json.dumps(obj, default=str))
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidManifest(f"{describe(obj)} holds something that is not JSON data: {exc}",
                              hint="use only text keys, and values that are text, numbers, "
                              "true/false, lists or mappings") from None
