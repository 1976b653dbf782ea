"""Fixtures and helpers shared by the test modules.

* ``sample_portal`` — the bundled sample portal served on 127.0.0.1 for a module (epoch 0);
* :func:`run_cli` — ``nianbao`` as a user runs it: a real subprocess, its output captured.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def run_cli(home: Path | None, *args: str, env: dict | None = None, cwd: Path | None = None,
            timeout: int = 600) -> subprocess.CompletedProcess:
    """Run ``nianbao [--home HOME] ARGS…`` in a subprocess and return its result."""
    cmd = [sys.executable, "-m", "nianbao.cli", *(["--home", str(home)] if home is not None else []), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)


@pytest.fixture(scope="module")
def sample_portal():
    from nianbao.cli_demo import start_portal

    server = start_portal()
    server.set_epoch(0)
    yield server
    server.stop()
