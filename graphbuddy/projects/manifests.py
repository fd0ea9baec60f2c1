"""Package manifests of a project: the names it publishes and the packages it requires.

Pure file reading, no database. One reader per format; every reader returns `Manifest` records. A manifest
that does not parse is reported in `ManifestScan.errors` (path + reason) and the other manifests are still
read. Names are normalised per ecosystem so `Auth_Service` (requirements) matches `auth-service` (pyproject).
"""
from __future__ import annotations

import configparser
import json
import os
import re
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

# Folders never searched for manifests: vendored or generated code, environments, VCS data.
_SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", "vendor", "target", "build", "dist", ".venv", "venv",
              "env", "__pycache__", ".tox", ".mypy_cache", ".pytest_cache", "bin", "obj", ".gradle", ".idea"}
_MAX_DEPTH = 4


@dataclass(frozen=True)
class Manifest:
    path: str                           # relative to the project root
    ecosystem: str                      # python | npm | go | cargo | ruby | maven | composer | nuget
    provides: tuple[str, ...] = ()      # normalised names this project publishes
    requires: tuple[str, ...] = ()      # normalised names it depends on
    workspace: tuple[str, ...] = ()     # declared workspace members (globs, as written)
    entry: str | None = None            # npm: main/module/types entry file, for cross-project imports


@dataclass(frozen=True)
class ManifestScan:
    manifests: tuple[Manifest, ...]
    errors: tuple[tuple[str, str], ...] = field(default=())    # (relative path, reason)

    def provided(self) -> set[tuple[str, str]]:
        return {(m.ecosystem, n) for m in self.manifests for n in m.provides}

    def required(self) -> dict[tuple[str, str], str]:
        """(ecosystem, name) -> the manifest that asks for it (first one wins)."""
        out: dict[tuple[str, str], str] = {}
        for m in self.manifests:
            for n in m.requires:
                out.setdefault((m.ecosystem, n), m.path)
        return out


def normalise(ecosystem: str, name: str) -> str:
    name = name.strip()
    if ecosystem in ("python", "cargo"):
        return re.sub(r"[-_.]+", "-", name).lower()
    if ecosystem in ("composer", "nuget", "ruby"):
        return name.lower()
    return name


def scan(root: str | Path) -> ManifestScan:
    """Every manifest under `root` (depth <= 4, vendored/generated folders skipped)."""
    root = Path(root)
    found: list[Manifest] = []
    errors: list[tuple[str, str]] = []
    if not root.is_dir():
        return ManifestScan((), ())
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        depth = 0 if rel_dir == "." else rel_dir.count(os.sep) + 1
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith(".")
                             and depth < _MAX_DEPTH)
        for name in sorted(filenames):
            reader = _reader_for(name)
            if reader is None:
                continue
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
                m = reader(text, rel, path)
            except (ValueError, KeyError, TypeError, AttributeError, ET.ParseError, configparser.Error,
                    tomllib.TOMLDecodeError) as exc:
                errors.append((rel, f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"))
                continue
            except OSError as exc:
                errors.append((rel, f"unreadable: {exc.strerror}"))
                continue
            if m is not None:
                found.append(m)
    return ManifestScan(tuple(found), tuple(errors))


def _reader_for(name: str):
    if name == "pyproject.toml":
        return _pyproject
    if name == "setup.cfg":
        return _setup_cfg
    if name.startswith("requirements") and name.endswith(".txt"):
        return _requirements
    if name == "package.json":
        return _package_json
    if name == "go.mod":
        return _go_mod
    if name == "Cargo.toml":
        return _cargo
    if name == "Gemfile":
        return _gemfile
    if name.endswith(".gemspec"):
        return _gemspec
    if name == "pom.xml":
        return _pom
    if name in ("build.gradle", "build.gradle.kts"):
        return _gradle
    if name == "composer.json":
        return _composer
    if name.endswith(".csproj"):
        return _csproj
    return None


# -- Python ------------------------------------------------------------------------------------------------
_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _req_names(specs) -> list[str]:
    out = []
    for spec in specs:
        if not isinstance(spec, str):
            raise TypeError(f"dependency entry is not a string: {spec!r}")
        m = _REQ_NAME.match(spec)
        if m:
            out.append(normalise("python", m.group(1)))
    return out


def _pyproject(text: str, rel: str, path: Path) -> Manifest:
    data = tomllib.loads(text)
    project = data.get("project", {})
    poetry = data.get("tool", {}).get("poetry", {})
    names = [n for n in (project.get("name"), poetry.get("name")) if n]
    requires = _req_names(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        requires += _req_names(extra)
    poetry_deps = dict(poetry.get("dependencies", {}))
    poetry_deps.update(poetry.get("dev-dependencies", {}))
    for group in poetry.get("group", {}).values():
        poetry_deps.update(group.get("dependencies", {}))
    requires += [normalise("python", k) for k in poetry_deps if k.lower() != "python"]
    return Manifest(rel, "python", tuple(normalise("python", n) for n in names), tuple(dict.fromkeys(requires)))


def _setup_cfg(text: str, rel: str, path: Path) -> Manifest:
    cp = configparser.ConfigParser()
    cp.read_string(text)
    name = cp.get("metadata", "name", fallback=None)
    reqs = cp.get("options", "install_requires", fallback="")
    return Manifest(rel, "python", (normalise("python", name),) if name else (),
                    tuple(_req_names(line for line in reqs.splitlines() if line.strip())))


def _requirements(text: str, rel: str, path: Path) -> Manifest:
    lines = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    return Manifest(rel, "python", (), tuple(_req_names(line for line in lines if line and not line.startswith("-"))))


# -- JavaScript / TypeScript ---------------------------------------------------------------------------------
def _package_json(text: str, rel: str, path: Path) -> Manifest:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("package.json is not an object")
    requires = []
    for key in ("dependencies", "devDependencies", "peerDependencies"):
        deps = data.get(key) or {}
        if not isinstance(deps, dict):
            raise TypeError(f"{key} is not an object")
        requires += list(deps)
    ws = data.get("workspaces") or []
    if isinstance(ws, dict):
        ws = ws.get("packages", [])
    entry = next((data[k] for k in ("source", "types", "typings", "module", "main") if isinstance(data.get(k), str)), None)
    name = data.get("name")
    return Manifest(rel, "npm", (name,) if isinstance(name, str) and name else (), tuple(dict.fromkeys(requires)),
                    tuple(ws), entry)


# -- Go, Rust ------------------------------------------------------------------------------------------------
def _go_mod(text: str, rel: str, path: Path) -> Manifest:
    module = None
    requires = []
    in_block = False
    for raw in text.splitlines():
        line = raw.split("//", 1)[0].strip()
        if not line:
            continue
        if line.startswith("module "):
            module = line.split()[1].strip('"')
        elif line.startswith("require ("):
            in_block = True
        elif in_block and line == ")":
            in_block = False
        elif in_block:
            requires.append(line.split()[0])
        elif line.startswith("require "):
            requires.append(line.split()[1])
    if module is None:
        raise ValueError("go.mod has no module line")
    return Manifest(rel, "go", (module,), tuple(requires))


def _cargo(text: str, rel: str, path: Path) -> Manifest:
    data = tomllib.loads(text)
    name = data.get("package", {}).get("name")
    requires = []
    tables = [data.get(k, {}) for k in ("dependencies", "dev-dependencies", "build-dependencies")]
    tables.append(data.get("workspace", {}).get("dependencies", {}))
    for table in tables:
        for key, spec in table.items():
            real = spec.get("package", key) if isinstance(spec, dict) else key
            requires.append(normalise("cargo", real))
    return Manifest(rel, "cargo", (normalise("cargo", name),) if name else (), tuple(dict.fromkeys(requires)),
                    tuple(data.get("workspace", {}).get("members", [])))


# -- Ruby ------------------------------------------------------------------------------------------------------
_GEM = re.compile(r"""^\s*gem\s+['"]([^'"]+)['"]""", re.M)
_GEMSPEC_NAME = re.compile(r"""\.name\s*=\s*['"]([^'"]+)['"]""")
_GEMSPEC_DEP = re.compile(r"""\.add_(?:runtime_|development_)?dependency\s*\(?\s*['"]([^'"]+)['"]""")


def _gemfile(text: str, rel: str, path: Path) -> Manifest:
    return Manifest(rel, "ruby", (), tuple(normalise("ruby", n) for n in _GEM.findall(text)))


def _gemspec(text: str, rel: str, path: Path) -> Manifest:
    m = _GEMSPEC_NAME.search(text)
    if m is None:
        raise ValueError("gemspec has no name")
    return Manifest(rel, "ruby", (normalise("ruby", m.group(1)),),
                    tuple(normalise("ruby", n) for n in _GEMSPEC_DEP.findall(text)))


# -- JVM ---------------------------------------------------------------------------------------------------
def _pom(text: str, rel: str, path: Path) -> Manifest:
    root = ET.fromstring(text)
    for el in root.iter():                     # drop the Maven namespace: tags become plain names
        el.tag = el.tag.split("}", 1)[-1]

    def child(node, tag):
        found = node.find(tag) if node is not None else None
        return found.text.strip() if found is not None and found.text else None

    group = child(root, "groupId") or child(root.find("parent"), "groupId")
    artifact = child(root, "artifactId")
    provides = (f"{group}:{artifact}",) if group and artifact else ()
    requires = []
    for dep in root.iter("dependency"):
        g, a = child(dep, "groupId"), child(dep, "artifactId")
        if g and a:
            requires.append(f"{g}:{a}")
    return Manifest(rel, "maven", provides, tuple(dict.fromkeys(requires)))


_GRADLE_DEP = re.compile(r"""(?:implementation|api|compileOnly|runtimeOnly|testImplementation)\s*\(?\s*['"]([\w.\-]+):([\w.\-]+)""")
_GRADLE_PROJECT = re.compile(r"""project\(\s*['"]:?([\w.\-/:]+)['"]\s*\)""")
_GRADLE_GROUP = re.compile(r"""^\s*group\s*=\s*['"]([^'"]+)['"]""", re.M)


def _gradle(text: str, rel: str, path: Path) -> Manifest:
    group = _GRADLE_GROUP.search(text)
    artifact = path.parent.name
    settings = [path.parent / "settings.gradle", path.parent / "settings.gradle.kts"]
    for s in settings:
        if s.exists():
            m = re.search(r"""rootProject\.name\s*=\s*['"]([^'"]+)['"]""", s.read_text(errors="replace"))
            if m:
                artifact = m.group(1)
    provides = (f"{group.group(1)}:{artifact}",) if group else ()
    requires = [f"{g}:{a}" for g, a in _GRADLE_DEP.findall(text)]
    return Manifest(rel, "maven", provides, tuple(dict.fromkeys(requires)),
                    tuple(_GRADLE_PROJECT.findall(text)))


# -- PHP, .NET ------------------------------------------------------------------------------------------------
def _composer(text: str, rel: str, path: Path) -> Manifest:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("composer.json is not an object")
    requires = [normalise("composer", k) for key in ("require", "require-dev") for k in (data.get(key) or {})
                if "/" in k]                    # php, ext-*: platform requirements, not packages
    name = data.get("name")
    return Manifest(rel, "composer", (normalise("composer", name),) if name else (), tuple(requires))


def _csproj(text: str, rel: str, path: Path) -> Manifest:
    root = ET.fromstring(text)
    for el in root.iter():
        el.tag = el.tag.split("}", 1)[-1]
    requires = [normalise("nuget", el.get("Include")) for el in root.iter("PackageReference") if el.get("Include")]
    for el in root.iter("ProjectReference"):
        inc = el.get("Include")
        if inc:
            requires.append(normalise("nuget", Path(inc.replace("\\", "/")).stem))
    name = root.findtext(".//PackageId") or root.findtext(".//AssemblyName") or path.stem
    return Manifest(rel, "nuget", (normalise("nuget", name.strip()),), tuple(dict.fromkeys(requires)))
