"""The report as a file: HTML as it is, PDF and PNG through Debian's headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Literal

from triage.errors import InputError, TriageError
from triage.settings import REPO_ROOT

Format = Literal["html", "pdf", "png"]
FORMATS: tuple[str, ...] = ("html", "pdf", "png")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGE_WIDTH = 1200


class RenderError(TriageError):
    """Chromium could not turn the report into a PDF or PNG."""


def render_file(html: str, path: Path, fmt: Format) -> Path:
    """Write the page to `path` as HTML, or as a PDF or full-page PNG printed by headless Chromium."""
    if fmt not in FORMATS:
        raise InputError("format", f"'{fmt}' is not a report format; use one of: {', '.join(FORMATS)}")
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "html":
        path.write_text(html, encoding="utf-8")
        return path
    with tempfile.TemporaryDirectory(prefix="triage-report-") as folder:
        page = Path(folder) / "report.html"
        page.write_text(html, encoding="utf-8")
        if fmt == "pdf":
            _chromium(Path(folder), page, [f"--print-to-pdf={path}", "--no-pdf-header-footer"], path)
        else:
            height = _page_height(Path(folder), html)
            _chromium(Path(folder), page, [f"--screenshot={path}", f"--window-size={PAGE_WIDTH},{height}",
                                           "--hide-scrollbars"], path)
    return path


def chromium_path() -> str:
    """Debian's Chromium: on the PATH, or installed by scripts/chromium.sh."""
    found = shutil.which("chromium")
    if found:
        return found
    script = REPO_ROOT / "scripts" / "chromium.sh"
    done = subprocess.run([str(script)], check=False, capture_output=True, text=True, timeout=900)
    if done.returncode != 0 or not done.stdout.strip():
        raise RenderError(f"no chromium to print the report with: {script} failed ({done.stderr.strip()[-500:]}); "
                          "install Debian's chromium (apt-get install chromium) or write --format html")
    return done.stdout.strip().splitlines()[-1]


def _run_chromium(folder: Path, page: Path, flags: list[str]) -> subprocess.CompletedProcess[str]:
    profile = tempfile.mkdtemp(prefix="profile-", dir=folder)  # a fresh profile every run
    command = [chromium_path(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *flags, page.as_uri()]
    try:
        return subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired as e:
        raise RenderError("chromium did not finish printing the report within 120 s; try --format html") from e


def _chromium(folder: Path, page: Path, flags: list[str], output: Path) -> None:
    output.unlink(missing_ok=True)
    done = _run_chromium(folder, page, flags)
    if done.returncode != 0 or not output.exists() or output.stat().st_size == 0:
        raise RenderError(f"chromium could not write '{output}' (exit code {done.returncode}): "
                          f"{done.stderr.strip()[-800:] or 'no message'}; check the folder is writable, "
                          "or write --format html")


def _page_height(folder: Path, html: str) -> int:
    """The page's height at PAGE_WIDTH, measured by Chromium on a copy that writes it into the DOM."""
    probe = folder / "measure.html"
    script = "<script>document.body.dataset.height = document.documentElement.scrollHeight;</script>"
    head, _, tail = html.rpartition("</body>")
    probe.write_text(f"{head}{script}</body>{tail}" if head else html + script, encoding="utf-8")
    done = _run_chromium(folder, probe, ["--dump-dom", f"--window-size={PAGE_WIDTH},900"])
    found = re.search(r'data-height="(\d+)"', done.stdout)
    if done.returncode != 0 or not found:
        raise RenderError(f"chromium could not lay out the report (exit code {done.returncode}): "
                          f"{done.stderr.strip()[-800:] or 'no message'}")
    return min(int(found.group(1)) + 8, 30_000)
