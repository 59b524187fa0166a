"""Helpers shared by growth.py and side_by_side.py (not a benchmark itself)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The interpreter running the benchmark, not a `netpol-lsp` found on PATH: a pyenv shim or
# another install would add its own start-up time and might not be the code under test.
NETPOL_LSP = [sys.executable, "-m", "netpol_lsp"]


def netpol_lsp_version() -> str:
    out = subprocess.run([*NETPOL_LSP, "--version"], capture_output=True, text=True, check=True).stdout
    return out.split()[-1]


def ensure_corpus(out: Path, files: int, factor: int = 1, profile: str = "monorepo") -> dict:
    """Generate the corpus unless it is there; return the generator's summary as a dict.

    The summary is kept beside the corpus (OUT.summary.txt) and written only after the
    generator succeeded, so its presence (with the same arguments) means the corpus is
    complete; it also gives the NetworkPolicy count without scanning the files again."""
    summary = out.with_name(out.name + ".summary.txt")
    wanted = f"args: --files {files} --policies-per-namespace-factor {factor}" + \
        ("" if profile == "monorepo" else f" --profile {profile}") + "\n"
    if summary.is_file() and summary.read_text().startswith(wanted) and out.is_dir():
        text = summary.read_text()
    else:
        print(f"generating {out} ({files} files, policy factor {factor}, profile {profile})...", file=sys.stderr,
              flush=True)
        text = wanted + subprocess.run(
            [sys.executable, str(HERE / "generate_corpus.py"), str(out), "--files", str(files),
             "--policies-per-namespace-factor", str(factor), "--profile", profile],
            check=True, capture_output=True, text=True).stdout
        summary.write_text(text)
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    return {key: int(fields[key].split()[0]) for key in ("files", "documents", "networkpolicies")}


def run_measured(cmd: list[str], ok_codes=(0,), env: dict | None = None) -> tuple[float, int, str]:
    """Run cmd once: wall seconds, peak RSS in bytes, stdout (run_usage: with its CPU too)."""
    seconds, usage, out = run_usage(cmd, ok_codes, env)
    return seconds, usage.ru_maxrss * 1024, out  # Linux: KiB


def run_usage(cmd: list[str], ok_codes=(0,), env: dict | None = None):
    """Run cmd once: wall seconds, its rusage (CPU of it and of the workers it reaped, ru_maxrss
    in KiB), stdout.

    os.wait4 returns the rusage of this one child (and of the processes it reaped itself), so
    ru_maxrss is this run's own peak; RUSAGE_CHILDREN would be the maximum over every earlier
    run too. ru_maxrss is the largest single process, not a sum over worker processes.
    Output goes to temporary files, not pipes, as nothing reads a pipe while wait4 blocks."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                env=None if env is None else {**os.environ, **env})
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: keep Popen from waiting again
        out.seek(0)
        err.seek(0)
        if proc.returncode not in ok_codes:
            raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: "
                               f"{err.read().decode(errors='replace').strip()[-2000:]}")
        return seconds, usage, out.read().decode(errors="replace")


def run_check(corpus: Path) -> tuple[float, int, dict]:
    """One cold `netpol-lsp check CORPUS --format json`: seconds, peak RSS bytes, its summary.

    Each run gets a fresh, empty XDG_CACHE_HOME, so a warm-start cache cannot answer the
    repeats from the first run. The report is parsed because a crash exits 1 as well, the
    code that otherwise means "findings"."""
    with tempfile.TemporaryDirectory() as cache:
        seconds, rss, out = run_measured([*NETPOL_LSP, "check", str(corpus), "--format", "json"],
                                         ok_codes=(0, 1), env={"XDG_CACHE_HOME": cache})
    try:
        return seconds, rss, json.loads(out)["summary"]
    except (ValueError, KeyError, TypeError):
        raise RuntimeError(f"netpol-lsp check printed no JSON report: {out[:300]!r}") from None


def speed_ratio(tool: str, tool_seconds: float, ours: float) -> str:
    """'checkov 12.3 s, netpol-lsp 0.41 s: 30x faster' (or slower)."""
    head = f"{tool} {fmt_seconds(tool_seconds)}, netpol-lsp {fmt_seconds(ours)}: "
    if ours <= tool_seconds:
        return head + f"{tool_seconds / ours:.1f}x faster"
    return head + f"{ours / tool_seconds:.1f}x slower"


def fmt_seconds(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"
