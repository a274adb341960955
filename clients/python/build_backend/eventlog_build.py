"""PEP 517 build backend of eventlog-client, using only the standard library.

Why not setuptools: pip builds in an isolated environment that cannot see
Debian's python3-setuptools, and PyPI is not reachable from every machine that
builds this package. The package is pure Python plus gRPC stubs that this
backend generates with `protoc` and `grpc_python_plugin` at build time, so
writing the wheel by hand is short.

The proto is looked up in `<source>/protos/` (the copy an sdist carries), then
in the repository's `protos/` two levels up (a build from the git tree). Set
PROTOC / GRPC_PYTHON_PLUGIN to override the tools found on the PATH.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import subprocess
import tarfile
import tempfile
import zipfile
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef]

SOURCE = Path(__file__).resolve().parent.parent
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # reproducible archives


def _config() -> tuple[dict, dict]:
    with open(SOURCE / "pyproject.toml", "rb") as f:
        data = tomllib.load(f)
    return data["project"], data["tool"]["eventlog-build"]


def _dist_name(project: dict) -> str:
    return project["name"].replace("-", "_").replace(".", "_")


def _proto_root(proto: str) -> Path:
    for root in (SOURCE / "protos", SOURCE.parent.parent / "protos"):
        if (root / proto).is_file():
            return root
    raise RuntimeError(
        f"cannot find {proto} in {SOURCE / 'protos'} or {SOURCE.parent.parent / 'protos'}"
    )


def _tool(env: str, name: str) -> str:
    path = os.environ.get(env) or shutil.which(name)
    if not path:
        raise RuntimeError(
            f"{name} not found on PATH (set {env}); on Debian install "
            "protobuf-compiler and protobuf-compiler-grpc"
        )
    return path


def _generate(out_dir: Path, proto: str) -> list[Path]:
    """Runs protoc into out_dir; returns the generated files."""
    root = _proto_root(proto)
    plugin = _tool("GRPC_PYTHON_PLUGIN", "grpc_python_plugin")
    subprocess.run(
        [
            _tool("PROTOC", "protoc"),
            f"-I{root}",
            f"--python_out={out_dir}",
            f"--pyi_out={out_dir}",  # type stubs, for mypy users
            f"--grpc_python_out={out_dir}",
            f"--plugin=protoc-gen-grpc_python={plugin}",
            str(root / proto),
        ],
        check=True,
    )
    stub_dir = out_dir / Path(proto).parent
    init = stub_dir / "__init__.py"
    init.write_text("# Generated gRPC stubs of eventlog.v1 (not committed).\n")
    return sorted([*stub_dir.glob("*.py"), *stub_dir.glob("*.pyi")])


def _metadata(project: dict) -> str:
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {project['name']}",
        f"Version: {project['version']}",
        f"Summary: {project.get('description', '')}",
    ]
    if "requires-python" in project:
        lines.append(f"Requires-Python: {project['requires-python']}")
    if "license" in project:
        lines.append(f"License: {project['license'].get('text', '')}")
    lines += [f"Requires-Dist: {dep}" for dep in project.get("dependencies", [])]
    readme = SOURCE / project.get("readme", "README.md")
    body = ""
    if readme.is_file():
        lines.append("Description-Content-Type: text/markdown")
        body = readme.read_text()
    return "\n".join(lines) + "\n\n" + body


class _Wheel:
    """Writes a wheel archive and its RECORD."""

    def __init__(self, path: Path, dist_info: str) -> None:
        self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
        self._dist_info = dist_info
        self._records: list[str] = []

    def add(self, name: str, data: bytes) -> None:
        info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        self._zip.writestr(info, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest())
        self._records.append(f"{name},sha256={digest.rstrip(b'=').decode()},{len(data)}")

    def close(self, project: dict) -> None:
        self.add(f"{self._dist_info}/METADATA", _metadata(project).encode())
        wheel = "Wheel-Version: 1.0\nGenerator: eventlog_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        self.add(f"{self._dist_info}/WHEEL", wheel.encode())
        record = f"{self._dist_info}/RECORD"
        data = "\n".join(self._records + [f"{record},,"]) + "\n"
        info = zipfile.ZipInfo(record, date_time=_ZIP_DATE)
        info.external_attr = 0o644 << 16
        self._zip.writestr(info, data)
        self._zip.close()


def _source_files(package: str) -> list[Path]:
    pkg_dir = SOURCE / "src" / package
    return sorted(
        p
        for p in pkg_dir.rglob("*")
        if p.is_file()
        and "__pycache__" not in p.parts
        and p.suffix in (".py", ".typed")
        and not p.relative_to(pkg_dir).parts[0] == "v1"  # generated, never shipped from src
    )


def _wheel_name(project: dict, tag: str = "py3-none-any") -> str:
    return f"{_dist_name(project)}-{project['version']}-{tag}.whl"


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    project, tool = _config()
    name = _wheel_name(project)
    dist_info = f"{_dist_name(project)}-{project['version']}.dist-info"
    wheel = _Wheel(Path(wheel_directory) / name, dist_info)
    src = SOURCE / "src"
    for path in _source_files(tool["package"]):
        wheel.add(path.relative_to(src).as_posix(), path.read_bytes())
    with tempfile.TemporaryDirectory() as tmp:
        for path in _generate(Path(tmp), tool["proto"]):
            wheel.add(path.relative_to(tmp).as_posix(), path.read_bytes())
    wheel.close(project)
    return name


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    """PEP 660: a .pth pointing at src/, with the stubs generated into src/."""
    project, tool = _config()
    name = _wheel_name(project)
    dist_info = f"{_dist_name(project)}-{project['version']}.dist-info"
    _generate(SOURCE / "src", tool["proto"])
    wheel = _Wheel(Path(wheel_directory) / name, dist_info)
    wheel.add(f"{_dist_name(project)}.pth", f"{SOURCE / 'src'}\n".encode())
    wheel.close(project)
    return name


def build_sdist(sdist_directory, config_settings=None):
    project, tool = _config()
    base = f"{_dist_name(project)}-{project['version']}"
    name = f"{base}.tar.gz"
    files = [SOURCE / "pyproject.toml", SOURCE / "README.md"]
    files += sorted(p for p in (SOURCE / "build_backend").glob("*.py"))
    files += _source_files(tool["package"])
    for extra in ("tests", "examples"):
        files += sorted(p for p in (SOURCE / extra).rglob("*.py") if "__pycache__" not in p.parts)
    with tarfile.open(Path(sdist_directory) / name, "w:gz", format=tarfile.PAX_FORMAT) as tar:

        def add(arcname: str, data: bytes) -> None:
            info = tarfile.TarInfo(f"{base}/{arcname}")
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))

        for path in files:
            if path.is_file():
                add(path.relative_to(SOURCE).as_posix(), path.read_bytes())
        proto_root = _proto_root(tool["proto"])
        add(f"protos/{tool['proto']}", (proto_root / tool["proto"]).read_bytes())
        add("PKG-INFO", _metadata(project).encode())
    return name
