"""Start and stop a real JupyterLab the way `make lab` does (scripts/lab.sh), for the e2e test.

The server is scripts/lab.sh itself (the README's command), run from a temporary root that
holds a copy of the notebooks under test and copies of scripts/lab.sh + scripts/setup_env.sh
(lab.sh serves the folder above its own scripts/ folder). It listens on 127.0.0.1 with a
random token; JupyterLab's user settings and workspaces go to temporary folders so nothing
from a previous session is restored. It is stopped by its process group id.

Environment overrides:
  LSTM_BOOK_LAB_NOTEBOOKS  folder of notebooks to run (default: book/chapters)
  LSTM_BOOK_LAB_TIMEOUT    seconds allowed for one notebook's "Run All" (default 600)
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("LSTM_BOOK_VENV", REPO / ".venv")).resolve()
NOTEBOOKS = Path(os.environ.get("LSTM_BOOK_LAB_NOTEBOOKS", REPO / "book" / "chapters")).resolve()
SERVED_AS = "book/chapters"  # where the copies live under the server root
START_TIMEOUT_S = 120
NO_NOTEBOOKS = "<no notebooks>"  # test parameter when the folder holds no notebook
# JupyterLab asks once whether to fetch news; answer "no" in the throwaway settings folder.
NOTIFICATION_SETTINGS = {"fetchNews": "false", "checkForUpdates": False}


class LabStartError(RuntimeError):
    """JupyterLab did not come up; the message carries the end of its log."""


@dataclass
class LabServer:
    """A running JupyterLab: where it is, its token, and the folder it serves."""

    port: int
    token: str
    root: Path
    process: subprocess.Popen
    log: Path

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"{self.origin}/{path}?token={self.token}&reset"

    def api(self, path: str, method: str = "GET", token: bool = True):
        """Call the REST API; return (status, parsed JSON or None)."""
        request = urllib.request.Request(f"{self.origin}/api/{path}", method=method)
        if token:
            request.add_header("Authorization", f"token {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                body = response.read()
                return response.status, (json.loads(body) if body else None)
        except urllib.error.HTTPError as error:
            return error.code, None
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return 0, None  # not listening (yet)

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prepare_root(root: Path) -> None:
    """Server root: copies of lab.sh/setup_env.sh and of the notebooks under test."""
    (root / "scripts").mkdir(parents=True)
    for script in ("lab.sh", "setup_env.sh"):
        shutil.copy(REPO / "scripts" / script, root / "scripts" / script)
    shutil.copytree(
        NOTEBOOKS, root / SERVED_AS,
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "_build", "__pycache__"),
    )


def stop_lab(server: LabServer) -> None:
    """Stop the server and its kernels: its own process group, by id."""
    process = server.process
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def start_lab(base: Path) -> LabServer:
    """Start scripts/lab.sh (a copy) serving copies of NOTEBOOKS under `base`; wait until up."""
    root, state = base / "root", base / "state"
    _prepare_root(root)
    settings = state / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps(NOTIFICATION_SETTINGS))
    port, token = _free_port(), secrets.token_hex(24)
    env = dict(os.environ, LSTM_BOOK_VENV=str(VENV), LAB_PORT=str(port), LAB_TOKEN=token,
               JUPYTERLAB_SETTINGS_DIR=str(state / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"))
    log = base / "lab.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            ["bash", str(root / "scripts" / "lab.sh"), "--no-install"],
            cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    server = LabServer(port=port, token=token, root=root, process=process, log=log)
    deadline = time.monotonic() + START_TIMEOUT_S
    while server.api("status")[0] != 200:
        if process.poll() is not None:
            raise LabStartError(f"JupyterLab exited with {process.returncode}:\n{server.log_tail()}")
        if time.monotonic() > deadline:
            stop_lab(server)
            raise LabStartError(f"JupyterLab not up after {START_TIMEOUT_S} s:\n{server.log_tail()}")
        time.sleep(0.5)
    return server
