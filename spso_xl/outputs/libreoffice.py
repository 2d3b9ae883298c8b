"""LibreOffice headless, where installed: PDF copies of letters and summaries, and the
recalculation oracle the tests compare against."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterable

CSV_ALL_SHEETS = 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1'


def program_path(path: os.PathLike | str) -> str:
    """The one rule for a path handed to another program: absolute. A relative path that a user's
    setting can begin with `-` (a letters folder called `--accept=socket,…`) would be read as an
    option; an absolute one begins with `/` or a drive, so it is only ever a file name."""
    return os.path.abspath(os.fspath(path))


def soffice() -> str | None:
    """The LibreOffice executable, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def run_convert(paths: Iterable[Path], to: str, outdir: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run LibreOffice headless once to convert `paths` into `outdir` (`to` as for --convert-to).
    Every path goes through `program_path`; each run uses its own throw-away profile so that
    conversions never collide with a LibreOffice the user has open. Raises RuntimeError when
    LibreOffice is not installed, subprocess.TimeoutExpired when it takes too long."""
    exe = soffice()
    if exe is None:
        raise RuntimeError("LibreOffice is not installed (install libreoffice-calc / libreoffice-writer)")
    with tempfile.TemporaryDirectory(prefix="spso-lo-") as profile:
        return subprocess.run(
            [exe, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
             "--convert-to", to, "--outdir", program_path(outdir), *map(program_path, paths)],
            capture_output=True, text=True, timeout=timeout, env={**os.environ, "HOME": profile},
        )


def convert(path: Path, to: str, outdir: Path, timeout: float = 300) -> list[Path]:
    """Convert `path` with LibreOffice headless (`to` as for --convert-to); the files written."""
    outdir.mkdir(parents=True, exist_ok=True)
    before = set(outdir.iterdir())
    proc = run_convert([path], to, outdir, timeout)
    written = sorted(set(outdir.iterdir()) - before)
    if proc.returncode != 0 or not written:
        raise RuntimeError(f"LibreOffice could not convert {path.name}: {proc.stderr.strip() or proc.stdout.strip()}")
    return written
