"""The fixes rules attach to their findings: applied to the text, the finding goes away, every
other finding stays, and the edit is the minimal one (comments, indentation and quoting kept)."""
from __future__ import annotations

import textwrap
from collections import Counter

import pytest

from netpol_lsp.analysis.run import analyze
from netpol_lsp.config import Config
from netpol_lsp.lsp.actions import disable_fix
from netpol_lsp.lsp.text_path import cursor_at
from netpol_lsp.manifests.edits import Style, Text, block, block_items
from netpol_lsp.span import codepoint_col
from netpol_lsp.workspace import Workspace

WORKLOADS = """\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: Namespace
metadata:
  name: payments
  labels:
    team: payments
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
  namespace: shop
spec:
  template:
    metadata:
      labels:
        app: frontend
    spec:
      containers:
        - name: web
          image: nginx
          ports:
            - name: http
              containerPort: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  template:
    metadata:
      labels:
        app: api
    spec:
      containers:
        - name: api
          image: api
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: billing
  namespace: payments
spec:
  template:
    metadata:
      labels:
        app: billing
    spec:
      containers:
        - name: billing
          image: billing
"""


def apply_edits(text: str, edits) -> str:
    """The text with non-overlapping edits applied (positions in the original text, UTF-16)."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def offset(line: int, col: int) -> int:
        if line >= len(lines):
            return len(text)
        return starts[line] + codepoint_col(lines[line], col)

    spans = sorted(edits, key=lambda e: (e.span.start_line, e.span.start_col))
    for first, second in zip(spans, spans[1:]):
        assert (first.span.end_line, first.span.end_col) <= (second.span.start_line, second.span.start_col), "overlap"
    out = text
    for edit in reversed(spans):
        out = out[:offset(edit.span.start_line, edit.span.start_col)] + edit.new_text \
            + out[offset(edit.span.end_line, edit.span.end_col):]
    return out


def analysis(policy: str, name: str = "policy.yaml", workloads: str = WORKLOADS):
    workspace = Workspace(Config())
    workspace.set_text("workloads.yaml", workloads)
    workspace.set_text(name, policy)
    return analyze(workspace)


def summary(findings) -> Counter:
    """What the findings say, without their lines (an inserted line moves the ones below)."""
    return Counter((f.path, f.rule, f.message) for f in findings)


def fixed(policy: str, rule: str, title: str, name: str = "policy.yaml") -> str:
    """Applies the fix titled `title...` of the one `rule` finding; checks the finding is gone and
    nothing else changed; returns the new text."""
    policy = textwrap.dedent(policy)
    before = analysis(policy, name)
    [found] = [f for f in before if f.rule == rule]
    [fix] = [x for x in found.fixes if x.title.startswith(title)]
    after_text = apply_edits(policy, fix.edits)
    after = analysis(after_text, name)
    assert rule not in {f.rule for f in after}, [f.message for f in after]
    assert summary(after) == summary(f for f in before if f is not found)
    return after_text


# --- NP010: the inferred policyTypes, written ------------------------------------------------

def test_np010_inserts_policy_types_before_the_rules_keeping_comments_and_list_style():
    policy = """\
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: api
          namespace: shop
        spec:
          podSelector:
            matchLabels:
              app: api   # the API pods
          # who may call the API
          ingress:
            - from:
                - podSelector:
                    matchLabels:
                      app: frontend
          egress:
            - ports:
                - port: 53
                  protocol: UDP
                - port: 53
                  protocol: TCP
        """
    after = fixed(policy, "NP010", "Write policyTypes: [Ingress, Egress]")
    assert after == textwrap.dedent(policy).replace(
        "  # who may call the API\n",
        "  policyTypes:\n    - Ingress\n    - Egress\n  # who may call the API\n")


def test_np010_compact_lists_four_spaces_and_no_final_newline():
    policy = textwrap.dedent("""\
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
            name: deny
            namespace: shop
        spec:
            podSelector: {}
            ingress:
            - from:
              - podSelector: {}""")
    after = fixed(policy, "NP010", "Write policyTypes: [Ingress]")
    assert after == policy.replace("    ingress:\n", "    policyTypes:\n    - Ingress\n    ingress:\n")

    only_selector = policy.split("    ingress:")[0].rstrip("\n")  # ends on `podSelector: {}`, no newline
    after = fixed(only_selector, "NP010", "Write policyTypes: [Ingress]")
    assert after == only_selector + "\n    policyTypes:\n      - Ingress"


def test_np010_keeps_crlf_line_ends():
    policy = textwrap.dedent("""\
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: api
          namespace: shop
        spec:
          podSelector: {}
          ingress:
            - {}
        """).replace("\n", "\r\n")
    after = fixed(policy, "NP010", "Write policyTypes: [Ingress]")
    assert after == policy.replace("  ingress:", "  policyTypes:\r\n    - Ingress\r\n  ingress:")
    lines = after.split("\n")
    cursor = cursor_at(lines, 8, 6)  # at the start of `Ingress`, the CR ignored
    assert (cursor.path, cursor.role) == (["spec", "policyTypes", 0], "value")


def test_np010_in_json_adds_a_json_member():
    policy = ('{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",\n'
              ' "metadata": {"name": "api", "namespace": "shop"},\n'
              ' "spec": {"podSelector": {"matchLabels": {"app": "api"}}, "ingress": [{}]}}\n')
    after = fixed(policy, "NP010", "Write policyTypes", name="policy.json")
    assert '"spec": {"podSelector": {"matchLabels": {"app": "api"}}, "policyTypes": ["Ingress"], "ingress": [{}]}' \
        in after


# --- NP011: add the type, or remove the rules -------------------------------------------------

NP011 = """\
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata:
      name: api
      namespace: shop
    spec:
      podSelector:
        matchLabels:
          app: api
      policyTypes:
        - Ingress
      ingress:
        - {}
      # DNS only
      egress:
        - ports:
            - port: 53
              protocol: UDP
            - port: 53
              protocol: TCP
    """


def test_np011_adds_the_missing_type():
    after = fixed(NP011, "NP011", "Add Egress to policyTypes")
    assert after == textwrap.dedent(NP011).replace("    - Ingress\n", "    - Ingress\n    - Egress\n")


def test_np011_removes_the_ignored_rules():
    after = fixed(NP011, "NP011", "Remove the ignored egress rules")
    assert after == textwrap.dedent(NP011).split("  egress:")[0]  # the comment above stays


def test_np011_flow_policy_types():
    policy = textwrap.dedent(NP011).replace("  policyTypes:\n    - Ingress\n", "  policyTypes: [Ingress]  # only\n")
    after = fixed(policy, "NP011", "Add Egress")
    assert "  policyTypes: [Ingress, Egress]  # only\n" in after


# --- NP012: an egress rule to the cluster DNS -------------------------------------------------

DNS_BLOCK = """\
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: kube-system
          podSelector:
            matchLabels:
              k8s-app: kube-dns
      ports:
        - protocol: UDP
          port: 53
        - protocol: TCP
          port: 53
"""


def test_np012_appends_a_dns_rule_to_the_egress_list():
    policy = """\
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: api
          namespace: shop
        spec:
          podSelector:
            matchLabels:
              app: api
          policyTypes: [Ingress, Egress]
          egress:
            - to:
                - namespaceSelector:
                    matchLabels:
                      team: payments
              ports:
                - port: 8443
        """
    after = fixed(policy, "NP012", "Allow DNS")
    assert after == textwrap.dedent(policy) + DNS_BLOCK


def test_np012_adds_the_egress_key_when_there_is_none():
    policy = """\
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: api
          namespace: shop
        spec:
          podSelector:
            matchLabels:
              app: api
          policyTypes:
          - Egress
        """
    after = fixed(policy, "NP012", "Allow DNS")
    assert after == textwrap.dedent(policy) + textwrap.indent(textwrap.dedent("""\
          egress:
          - to:
            - namespaceSelector:
                matchLabels:
                  kubernetes.io/metadata.name: kube-system
              podSelector:
                matchLabels:
                  k8s-app: kube-dns
            ports:
            - protocol: UDP
              port: 53
            - protocol: TCP
              port: 53
        """), "  ")


def test_np012_replaces_an_empty_egress_list():
    policy = """\
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: api
          namespace: shop
        spec:
          podSelector:
            matchLabels:
              app: api
          policyTypes: [Egress]
          egress: []  # nothing yet
        """
    after = fixed(policy, "NP012", "Allow DNS")
    assert after == textwrap.dedent(policy).replace(
        "  egress: []  # nothing yet\n", "  egress:\n" + DNS_BLOCK.rstrip("\n") + "  # nothing yet\n")


# --- NP001 / NP002: did you mean ---------------------------------------------------------------

def test_np001_replaces_the_value_keeping_its_quotes():
    policy = """\
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: frontend
          namespace: shop
        spec:
          podSelector:
            matchLabels:
              app: "frontnd"
          policyTypes: [Ingress]
        """
    after = fixed(policy, "NP001", "Change app=frontnd to app=frontend (the label of Deployment shop/frontend)")
    assert after == textwrap.dedent(policy).replace('"frontnd"', '"frontend"')


def test_np002_replaces_a_peer_label_key():
    policy = """\
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: api
          namespace: shop
        spec:
          podSelector:
            matchLabels:
              app: api
          policyTypes: [Ingress]
          ingress:
            - from:
                - podSelector:
                    matchLabels:
                      apps: frontend
        """
    after = fixed(policy, "NP002", "Change apps=frontend to app=frontend")
    assert after == textwrap.dedent(policy).replace("apps: frontend", "app: frontend")


def test_np002_replaces_a_namespace_label_value():
    policy = """\
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: api
          namespace: shop
        spec:
          podSelector:
            matchLabels:
              app: api
          policyTypes: [Ingress]
          ingress:
            - from:
                - namespaceSelector:
                    matchLabels:
                      team: paymnts
        """
    found = [f for f in analysis(textwrap.dedent(policy)) if f.rule == "NP002"]
    assert "did you mean team=payments, on Namespace payments?" in found[0].message
    after = fixed(policy, "NP002", "Change team=paymnts to team=payments (the label of Namespace payments)")
    assert after == textwrap.dedent(policy).replace("paymnts", "payments")


# --- NP041: a reversed range ------------------------------------------------------------------

def test_np041_swaps_a_reversed_range():
    policy = """\
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: api
          namespace: shop
        spec:
          podSelector:
            matchLabels:
              app: api
          policyTypes: [Ingress]
          ingress:
            - ports:
                - port: 32768   # high
                  endPort: 1024
        """
    after = fixed(policy, "NP041", "Swap port and endPort (port: 1024, endPort: 32768)")
    assert after == textwrap.dedent(policy).replace("32768   # high", "1024   # high").replace(
        "endPort: 1024", "endPort: 32768")


def test_np041_without_port_has_no_swap():
    policy = textwrap.dedent("""\
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: api
          namespace: shop
        spec:
          podSelector: {}
          policyTypes: [Ingress]
          ingress:
            - ports:
                - endPort: 1024
        """)
    [found] = [f for f in analysis(policy) if f.rule == "NP041"]
    assert found.fixes == []


# --- disable NPxxx on this line ---------------------------------------------------------------

MANY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: apii
  ingress:
    - from:
        - podSelector:
            matchLabels:
              app: nothing
      ports:
        - port: 9000
          endPort: 80
"""


@pytest.mark.parametrize("rule", ["NP001", "NP002", "NP010", "NP041"])
def test_disable_comment_silences_exactly_that_finding(rule):
    before = analysis(MANY)
    [found] = [f for f in before if f.rule == rule]
    fix = disable_fix(MANY.split("\n"), rule, found.span.start_line)
    [edit] = fix.edits
    line = MANY.split("\n")[found.span.start_line]
    indent = line[:len(line) - len(line.lstrip())]
    assert fix.title == f"Disable {rule} on this line"
    assert edit.new_text == f"{indent}# netpol-lsp: disable={rule}\n"
    after = analysis(apply_edits(MANY, fix.edits))
    assert summary(after) == summary(f for f in before if f is not found)


def test_disable_comment_extends_the_one_above():
    text = MANY.replace("  podSelector:\n", "  # netpol-lsp: disable=NP002 typo on purpose\n  podSelector:\n")
    before = analysis(text)
    [found] = [f for f in before if f.rule == "NP001"]
    fix = disable_fix(text.split("\n"), "NP001", found.span.start_line)
    after_text = apply_edits(text, fix.edits)
    assert "  # netpol-lsp: disable=NP002,NP001 typo on purpose\n  podSelector:\n" in after_text
    after = analysis(after_text)
    # NP002's suppression covers the line below it only: it is unused there, as before
    assert summary(after) == summary(f for f in before if f is not found)


# --- the pieces -------------------------------------------------------------------------------

def test_block_rendering_follows_the_style():
    value = {"to": [{"podSelector": {"matchLabels": {"app": "db"}}}], "ports": [{"port": 5432}]}
    assert block_items([value], 4, Style(step=2, dash=2)) == [
        "    - to:",
        "        - podSelector:",
        "            matchLabels:",
        "              app: db",
        "      ports:",
        "        - port: 5432",
    ]
    assert block({"k": ["a", "true", "1"]}, 0, Style(step=4, dash=0)) == ['k:', '- a', '- "true"', '- "1"']


def test_style_is_read_from_the_document():
    text = "a:\n    b:\n    - x\n"
    from netpol_lsp.manifests import parse_text
    root = parse_text(text).documents[0].root
    style = Style.of(Text(text), root)
    assert (style.step, style.dash) == (4, 0)


HALF_TYPED = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
spec:
  podSelector:
    matchLabels:
      app: fr
      ti
  policyTypes: [Ingress, E
  ingress:
  - from:
    - namespaceSelector: {}
      podSelector:
        matchLabels:
          
    ports:
      - protocol: TCP
        port: ht
"""


@pytest.mark.parametrize("line,col,path,role,prefix,start", [
    (5, 13, ["spec", "podSelector", "matchLabels", "app"], "value", "fr", 11),
    (6, 8, ["spec", "podSelector", "matchLabels"], "key", "ti", 6),
    (7, 26, ["spec", "policyTypes", 1], "value", "E", 25),
    (13, 10, ["spec", "ingress", 0, "from", 0, "podSelector", "matchLabels"], "key", "", 10),
    (16, 16, ["spec", "ingress", 0, "ports", 0, "port"], "value", "ht", 14),
    (5, 7, ["spec", "podSelector", "matchLabels"], "key", "a", 6),
])
def test_cursor_path_from_the_text(line, col, path, role, prefix, start):
    cursor = cursor_at(HALF_TYPED.split("\n"), line, col)
    assert (cursor.path, cursor.role, cursor.prefix, cursor.start) == (path, role, prefix, start)


def test_cursor_siblings_and_nothing_in_comments():
    lines = HALF_TYPED.split("\n")
    assert cursor_at(lines, 6, 8).mapping() == {"app": "fr"}
    assert cursor_at(lines, 5, 7).has_colon and cursor_at(lines, 5, 7).end == 9  # on `app`, before its colon
    ports = cursor_at(lines, 16, 16)
    assert ports.mapping() == {"protocol": "TCP", "port": "ht"}
    assert cursor_at(["a: 1  # b: c"], 0, 10) is None
    assert cursor_at(lines, 99, 0) is None
