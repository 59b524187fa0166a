"""The cluster tiers end to end, against a real server process: diagnostics on an
AdminNetworkPolicy, hover on it, and a NetworkPolicy's hover naming the Admin rule that
overrides it. Lines are 0-based, worked out by hand from the manifests below."""
from __future__ import annotations

from lsprotocol import types
from pytest_lsp import LanguageClient

from .helpers import codes, open_file, start, wait_diagnostics, write

WORKLOADS = """\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    team: shop
---
apiVersion: v1
kind: Namespace
metadata:
  name: monitoring
  labels:
    team: monitoring
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: prometheus
  namespace: monitoring
spec:
  template:
    metadata:
      labels:
        app: prometheus
    spec:
      containers:
        - name: prometheus
          image: prom/prometheus
"""

ADMIN = """\
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: deny-monitoring
spec:
  priority: 10
  subject:
    namespaces:
      matchLabels:
        team: shop
  ingress:
    - name: deny-monitoring
      action: Deny
      from:
        - namespaces:
            matchLabels:
              team: monitoring
"""

NETPOL = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web-ingress
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: web
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector:
            matchLabels:
              team: monitoring
"""


async def test_admin_policy_diagnostics_and_hovers(client: LanguageClient, tmp_path):
    files = write(tmp_path, {"workloads.yaml": WORKLOADS, "admin.yaml": ADMIN, "netpol.yaml": NETPOL})
    await start(client, tmp_path)
    netpol = open_file(client, files["netpol.yaml"])
    admin = open_file(client, files["admin.yaml"])
    found = await wait_diagnostics(client, netpol, lambda d: "NP084" in codes(d))
    dead = next(d for d in found if d.code == "NP084")
    assert dead.range.start.line == 11  # `- from:` of the NetworkPolicy's only rule
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=admin), position=types.Position(line=3, character=9)))
    assert "AdminNetworkPolicy deny-monitoring (priority 10)" in hover.contents.value
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=netpol), position=types.Position(line=3, character=9)))
    assert "Overridden by the Admin tier" in hover.contents.value
