"""LibreOffice headless, where installed: PDF copies of letters and summaries, and the
recalculation oracle the tests compare against."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CSV_ALL_SHEETS = 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1'


def soffice() -> str | None:
    """The LibreOffice executable, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(path: Path, to: str, outdir: Path, timeout: float = 300) -> list[Path]:
    """Convert `path` with LibreOffice headless (`to` as for --convert-to); the files written.

    Each call uses its own throw-away profile so that conversions never collide with a
    LibreOffice the user has open.
    """
    exe = soffice()
    if exe is None:
        raise RuntimeError("LibreOffice is not installed (install libreoffice-calc / libreoffice-writer)")
    outdir.mkdir(parents=True, exist_ok=True)
    before = set(outdir.iterdir())
    with tempfile.TemporaryDirectory(prefix="spso-lo-") as profile:
        proc = subprocess.run(
            [exe, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
             "--convert-to", to, "--outdir", str(outdir), str(path)],
            capture_output=True, text=True, timeout=timeout, env={**os.environ, "HOME": profile},
        )
    written = sorted(set(outdir.iterdir()) - before)
    if proc.returncode != 0 or not written:
        raise RuntimeError(f"LibreOffice could not convert {path.name}: {proc.stderr.strip() or proc.stdout.strip()}")
    return written
