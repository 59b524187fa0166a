"""The language server on a Kustomize repository: diagnostics of the rendered objects, kept
live when a kustomization changes; hover says what a transformer changed; definition goes from
a selector to the rendered workloads' source lines."""
from __future__ import annotations

from lsprotocol import types
from pytest_lsp import LanguageClient

from .helpers import codes, open_file, replace_all, start, wait_diagnostics, wait_for, write

FILES = {
    "base/kustomization.yaml": """
        resources:
        - web.yaml
        - policy.yaml
    """,
    "base/web.yaml": """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          selector:
            matchLabels:
              app: web
          template:
            metadata:
              labels:
                app: web
            spec:
              containers:
              - name: web
                image: nginx
    """,
    "base/policy.yaml": """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: web
        spec:
          podSelector:
            matchLabels:
              app: web
          ingress:
          - from:
            - podSelector: {}
    """,
    "overlays/prod/kustomization.yaml": """
        namespace: shop
        resources:
        - ../../base
    """,
}


def at(uri: str, line: int, character: int):
    return dict(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character))


async def test_kustomization_edit_updates_rendered_files_hover_and_definition(client: LanguageClient, tmp_path):
    files = write(tmp_path, FILES)
    await start(client, tmp_path)
    policy_uri = open_file(client, files["base/policy.yaml"])
    kustomization = files["overlays/prod/kustomization.yaml"]
    k_text = kustomization.read_text()
    k_uri = open_file(client, kustomization, text=k_text)
    def indexed():
        return any(reports and isinstance(reports[-1], types.WorkDoneProgressEnd)
                   for reports in client.progress_reports.values())

    await wait_for(client, types.PROGRESS, indexed)
    # rendered: the policy and the Deployment are both in shop and the selector matches; the
    # policy leaves policyTypes implicit (NP010; one root: no need to name it)
    diagnostics = await wait_diagnostics(client, policy_uri, lambda d: codes(d) == ["NP010"])
    assert "(in " not in diagnostics[0].message
    hover = await client.text_document_hover_async(types.HoverParams(**at(policy_uri, 1, 2)))
    assert "Deployment shop/web" in hover.contents.value

    # the overlay now relabels the pod template (not the selectors): the policy selects nothing
    relabel = k_text + "labels:\n- pairs:\n    app: api\n  includeTemplates: true\n"
    replace_all(client, k_uri, k_text, relabel, version=2)
    diagnostics = await wait_diagnostics(client, policy_uri, lambda d: "NP001" in codes(d))
    np001 = next(d for d in diagnostics if d.code == "NP001")
    assert "namespace shop" in np001.message
    assert np001.range.start.line == 5  # `podSelector` in base/policy.yaml

    replace_all(client, k_uri, relabel, k_text, version=3)
    await wait_diagnostics(client, policy_uri, lambda d: codes(d) == ["NP010"])

    # hover on the Deployment's metadata: what the kustomization changed, and where
    web_uri = open_file(client, files["base/web.yaml"])
    hover = await client.text_document_hover_async(types.HoverParams(**at(web_uri, 3, 4)))
    assert hover is not None
    assert "namespace: set to shop by ../overlays/prod/kustomization.yaml:1 (in overlays/prod)" in hover.contents.value

    # definition from the policy's podSelector: the rendered Deployment's template labels in base/web.yaml
    found = await client.text_document_definition_async(types.DefinitionParams(**at(policy_uri, 5, 4)))
    assert [(loc.uri, loc.range.start.line) for loc in found] == [(web_uri, 10)]
