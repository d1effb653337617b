"""Headless Chromium for the HTML tests (Debian's ``chromium``, installed by ``make setup-browser``).

Flags as the machine notes give them: no sandbox (root), no GPU, and none of Chromium's background
connections (the network is closed here); a fresh profile per run.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars")


def chromium() -> str:
    """The Chromium binary, or skip the test saying how to install it."""
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    pytest.skip("headless Chromium is not installed and could not be installed here "
                "(run `make setup-browser`: apt-get install -y chromium)")


def _run(args: list[str], timeout: float = 90) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="ss-chromium-") as profile:
        return subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                              text=True, timeout=timeout, check=False)


def screenshot(html_file: Path, png: Path, width: int = 1200, height: int = 1400) -> Path:
    out = _run([f"--screenshot={png}", f"--window-size={width},{height}", html_file.resolve().as_uri()])
    assert png.exists() and png.stat().st_size > 0, f"chromium wrote no screenshot: {out.stderr[-2000:]}"
    return png


def dump_dom(html_file: Path) -> str:
    out = _run(["--dump-dom", html_file.resolve().as_uri()])
    assert out.returncode == 0 and "<html" in out.stdout, f"chromium --dump-dom failed: {out.stderr[-2000:]}"
    return out.stdout
