"""analysis/explain.py and `netpol-lsp explain`: the facts of a small workspace, worked out by hand.

    shop/api (Deployment, name=api-pod, port http=8080)   selected by shop/api-policy (Ingress, Egress)
    shop/db  (StatefulSet, app=db, port mysql=3306)        selected by shop/db-allow-api (Ingress, inferred)
    web/frontend (Deployment, app=frontend)                selected by web/egress-only (Egress)
    web/agent (DaemonSet, hostNetwork)                     selected by web/egress-only (Egress)
    ops/job (Job)                                          selected by nothing

    shop/db-allow-api:  ingress[0] TCP 3306 from podSelector name=api-pod       (no policyTypes: Ingress only)
    shop/api-policy:    ingress[0] port "http" from namespaceSelector team=web
                        ingress[1] all ports from ipBlock 10.0.0.0/8 except 10.1.0.0/16
                        egress[0]  TCP 3306 to podSelector app=db               (no DNS)
    web/egress-only:    podSelector {}; egress[0] UDP 53 to anywhere; egress[1] TCP 9000 to every namespace
    web/ignored-egress: podSelector app=frontend; policyTypes [Ingress]; egress rules: ignored
"""
from __future__ import annotations

import textwrap

import pytest
from conftest import make_workspace

from netpol_lsp.analysis.explain import explain_policy, explain_workload, policy_facts, workload_facts
from netpol_lsp.cli import main
from netpol_lsp.config import Config
from netpol_lsp.rules.base import RuleContext

MANIFESTS = """
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
---
apiVersion: v1
kind: Namespace
metadata: {name: web, labels: {team: web}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    metadata: {labels: {name: api-pod}}
    spec:
      containers:
      - {name: api, image: api, ports: [{containerPort: 8080, name: http}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - {name: mysql, image: mysql, ports: [{containerPort: 3306, name: mysql}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: frontend, namespace: web}
spec:
  template:
    metadata: {labels: {app: frontend}}
    spec:
      containers: [{name: web, image: nginx}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: web}
spec:
  template:
    metadata: {labels: {app: agent}}
    spec:
      hostNetwork: true
      containers: [{name: agent, image: agent}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: job, namespace: ops}
spec:
  template:
    metadata: {labels: {app: job}}
    spec:
      containers: [{name: job, image: job}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-allow-api, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from:
    - podSelector: {matchLabels: {name: api-pod}}
    ports:
    - {port: 3306}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-policy, namespace: shop}
spec:
  podSelector: {matchLabels: {name: api-pod}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: web}}
    ports: [{port: http}]
  - from:
    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}
  egress:
  - to:
    - podSelector: {matchLabels: {app: db}}
    ports: [{port: 3306}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: egress-only, namespace: web}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - ports: [{port: 53, protocol: UDP}]
  - to: [{namespaceSelector: {}}]
    ports: [{port: 9000}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ignored-egress, namespace: web}
spec:
  podSelector: {matchLabels: {app: frontend}}
  policyTypes: [Ingress]
  ingress:
  - {}
  egress:
  - to: [{ipBlock: {cidr: 0.0.0.0/0}}]
"""


@pytest.fixture(scope="module")
def ctx():
    return RuleContext(make_workspace({"app.yaml": MANIFESTS}))


def policy(ctx, qualified):
    return next(p for p in ctx.workspace.policies if f"{p.namespace}/{p.name}" == qualified)


def workload(ctx, qualified):
    return next(w for w in ctx.workspace.workloads if f"{w.namespace}/{w.name}" == qualified)


def both(render, ctx, obj) -> tuple[str, str]:
    return render(ctx, obj, markdown=True), render(ctx, obj, markdown=False)


# -- policies -------------------------------------------------------------------------------

def test_policy_first_line_is_a_short_title(ctx):
    md, text = both(explain_policy, ctx, policy(ctx, "shop/db-allow-api"))
    assert md.splitlines()[0] == "**NetworkPolicy shop/db-allow-api**: selects 1 workload; policyTypes Ingress (inferred)"
    assert text.splitlines()[0] == "NetworkPolicy shop/db-allow-api: selects 1 workload; policyTypes Ingress (inferred)"


def test_policy_rule_in_plain_english_with_the_workloads_it_matches(ctx):
    md, text = both(explain_policy, ctx, policy(ctx, "shop/db-allow-api"))
    assert "Selects pods with `app=db` in namespace `shop`: `StatefulSet shop/db`." in md
    assert ("- `ingress[0]` allows `TCP 3306` from pods with `name=api-pod` in namespace `shop` "
            "(`Deployment shop/api`)") in md
    assert "  - ingress[0] allows TCP 3306 from pods with name=api-pod in namespace shop (Deployment shop/api)" in text
    assert "policyTypes: Ingress, inferred (policyTypes is absent and spec.egress has no rules)." in text
    assert "Egress: not restricted by this policy." in text
    assert "Ingress: the selected pods accept only what these rules" in text and "all other ingress" in text


def test_text_rendering_has_no_markdown(ctx):
    for p in ctx.workspace.policies:
        text = explain_policy(ctx, p, markdown=False)
        assert "`" not in text and "**" not in text
    for w in ctx.workspace.workloads:
        text = explain_workload(ctx, w, markdown=False)
        assert "`" not in text and "**" not in text


def test_policy_named_port_namespace_selector_and_ip_block(ctx):
    text = explain_policy(ctx, policy(ctx, "shop/api-policy"), markdown=False)
    assert text.splitlines()[0] == "NetworkPolicy shop/api-policy: selects 1 workload; policyTypes Ingress, Egress"
    assert ("ingress[0] allows TCP port named http (= TCP 8080) from every pod in namespaces with team=web, i.e. web "
            "(DaemonSet web/agent and Deployment web/frontend)") in text
    assert ("ingress[1] allows all ports and protocols from addresses in 10.0.0.0/8 except 10.1.0.0/16 "
            "(outside the cluster)") in text
    assert "egress[0] allows TCP 3306 to pods with app=db in namespace shop (StatefulSet shop/db)" in text
    assert "No egress rule here allows DNS (UDP 53/TCP 53)" in text
    assert "policyTypes: Ingress, Egress." in text


def test_policy_selecting_a_host_network_pod_says_so(ctx):
    md = explain_policy(ctx, policy(ctx, "web/egress-only"))
    assert "Selects every pod in namespace `web`: `DaemonSet web/agent` and `Deployment web/frontend`." in md
    assert "`DaemonSet web/agent` runs with `hostNetwork: true`: most CNIs do not apply NetworkPolicy" in md
    assert "- `egress[0]` allows `UDP 53` to anywhere (every pod in every namespace and every address outside" in md
    assert "**Ingress**: not restricted by this policy." in md
    assert "DNS" not in md.split("egress[1]")[1]  # UDP 53 is allowed: no DNS warning


def test_policy_ignored_rules_and_allow_all(ctx):
    text = explain_policy(ctx, policy(ctx, "web/ignored-egress"), markdown=False)
    assert "policyTypes: Ingress." in text
    assert "ingress[0] allows all ports and protocols from anyone" in text
    assert "Egress: not isolated by this policy; its 1 egress rule is ignored because Egress is not among" in text
    assert "egress[0] allows all ports and protocols to addresses in 0.0.0.0/0 (outside the cluster) — ignored" in text


def test_policy_that_denies_all_egress_mentions_dns():
    ctx = RuleContext(make_workspace({"a.yaml": """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: lockdown, namespace: x}
        spec:
          podSelector: {}
          policyTypes: [Ingress, Egress]
        """}))
    text = explain_policy(ctx, ctx.workspace.policies[0], markdown=False)
    assert text.splitlines()[0] == "NetworkPolicy x/lockdown: selects 0 workloads; policyTypes Ingress, Egress"
    assert "Selects every pod in namespace x: no workload in the workspace matches." in text
    assert "denies all ingress to the selected pods (no ingress rules)" in text
    assert "denies all egress from the selected pods (no egress rules), DNS included" in text


def test_long_peer_lists_are_capped():
    docs = [f"""
        apiVersion: v1
        kind: Pod
        metadata: {{name: p{i}, namespace: big, labels: {{app: p{i}}}}}
        spec: {{containers: [{{name: c, image: x}}]}}
        """ for i in range(8)]
    docs.append("""
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: from-all, namespace: big}
        spec:
          podSelector: {matchLabels: {app: p0}}
          ingress: [{from: [{podSelector: {}}]}]
        """)
    ctx = RuleContext(make_workspace({f"{i}.yaml": textwrap.dedent(d) for i, d in enumerate(docs)}))
    text = explain_policy(ctx, ctx.workspace.policies[0], markdown=False)
    assert "from every pod in namespace big (Pod big/p0, Pod big/p1, Pod big/p2, Pod big/p3, Pod big/p4 and 3 more)" \
        in text


def test_policy_facts_are_structured(ctx):
    facts = policy_facts(ctx, policy(ctx, "shop/api-policy"))
    assert facts.selected == ["Deployment shop/api"]
    assert facts.types == ("Ingress", "Egress") and not facts.types_inferred
    assert [(r.direction, r.index) for r in facts.rules] == [("ingress", 0), ("ingress", 1), ("egress", 0)]
    assert facts.rules[0].admits.canonical() == "TCP 8080"
    assert facts.rules[0].peers[0].namespaces == ["web"]
    assert facts.rules[1].peers[0].cidr == "10.0.0.0/8" and facts.rules[1].peers[0].excepts == ["10.1.0.0/16"]
    assert facts.dns == set()


# -- workloads ------------------------------------------------------------------------------

def test_workload_title_and_selecting_policies(ctx):
    md, text = both(explain_workload, ctx, workload(ctx, "shop/api"))
    assert md.splitlines()[0] == "**Deployment shop/api**: ingress isolated (1 policy), egress isolated (1 policy)"
    assert text.splitlines()[0] == "Deployment shop/api: ingress isolated (1 policy), egress isolated (1 policy)"
    assert "Selected by (pod labels name=api-pod):\n  - shop/api-policy (Ingress, Egress)" in text
    assert "Selected by (pod labels `name=api-pod`):\n- `shop/api-policy` (Ingress, Egress)" in md


def test_workload_receives_with_policy_and_rule_and_the_senders_egress(ctx):
    text = explain_workload(ctx, workload(ctx, "shop/api"), markdown=False)
    assert "Receives: isolated for ingress by shop/api-policy; allowed:" in text
    # web/egress-only lets frontend and agent send only UDP 53 and TCP 9000: 8080 never gets through
    assert ("  - from Deployment web/frontend: TCP 8080 — shop/api-policy ingress[0]; "
            "but the sender's egress policies block it") in text
    assert ("  - from 10.0.0.0/8 except 10.1.0.0/16 (outside the cluster): all ports and protocols — "
            "shop/api-policy ingress[1]") in text
    assert "All other ingress is denied." in text


def test_workload_sends_and_dns_is_denied(ctx):
    text = explain_workload(ctx, workload(ctx, "shop/api"), markdown=False)
    assert "Sends: isolated for egress by shop/api-policy; allowed:\n  - to StatefulSet shop/db: TCP 3306 — " \
           "shop/api-policy egress[0]\n" in text
    assert "All other egress is denied. That includes DNS (UDP 53/TCP 53): no egress rule allows it" in text


def test_workload_ingress_only_isolation(ctx):
    md = explain_workload(ctx, workload(ctx, "shop/db"))
    assert md.splitlines()[0] == "**StatefulSet shop/db**: ingress isolated (1 policy), egress open"
    assert "- from `Deployment shop/api`: `TCP 3306` — `shop/db-allow-api ingress[0]`" in md
    assert "api" in md and "but the sender" not in md  # api's egress allows exactly TCP 3306 to db
    assert "**Sends**: not isolated for egress: it may connect anywhere, on every port" in md


def test_workload_egress_grants_with_destination_narrowing(ctx):
    text = explain_workload(ctx, workload(ctx, "web/frontend"), markdown=False)
    assert text.splitlines()[0] == "Deployment web/frontend: ingress isolated (1 policy), egress isolated (1 policy)"
    assert "  - web/egress-only (Egress)\n  - web/ignored-egress (Ingress)" in text
    assert "  - from anyone, in or outside the cluster: all ports and protocols — web/ignored-egress ingress[0]" in text
    assert "  - to anywhere, in or outside the cluster: UDP 53 — web/egress-only egress[0]" in text
    assert "  - to StatefulSet shop/db: TCP 9000 — web/egress-only egress[1]; but the destination's ingress " \
           "policies block it" in text
    assert "  - to DaemonSet web/agent: TCP 9000 — web/egress-only egress[1]\n" in text  # agent's ingress is open
    assert "All other egress is denied." in text and "That includes DNS" not in text


def test_workload_host_network_and_unselected(ctx):
    text = explain_workload(ctx, workload(ctx, "web/agent"), markdown=False)
    assert "Runs with hostNetwork: true: most CNIs do not apply NetworkPolicy to host-network pods" in text
    job = explain_workload(ctx, workload(ctx, "ops/job"), markdown=False)
    assert job.splitlines()[0] == "Job ops/job: ingress open, egress open"
    assert "No NetworkPolicy selects it (pod labels app=job)." in job
    assert "Receives: not isolated for ingress: any pod or address may connect, on every port" in job


def test_workload_facts_are_structured(ctx):
    facts = workload_facts(ctx, workload(ctx, "shop/api"))
    ingress, egress = facts.sides
    assert ingress.isolated and ingress.policies == ["shop/api-policy"]
    grants = {g.peer: g for g in ingress.grants}
    assert set(grants) == {"Deployment web/frontend", "DaemonSet web/agent", "10.0.0.0/8 except 10.1.0.0/16"}
    assert grants["Deployment web/frontend"].conn.canonical() == "TCP 8080"
    assert grants["Deployment web/frontend"].effective.is_empty()
    assert grants["Deployment web/frontend"].by == ["shop/api-policy ingress[0]"]
    assert egress.dns == set()


def test_cni_that_does_not_enforce():
    ctx = RuleContext(make_workspace({"a.yaml": MANIFESTS}, Config(cni="flannel")))
    md = explain_workload(ctx, workload(ctx, "shop/db"))
    assert "Not enforced: the CNI, Flannel (declared in the configuration), does not enforce NetworkPolicy" in md
    assert "Not enforced: the CNI, Flannel" in explain_policy(ctx, policy(ctx, "shop/db-allow-api"))


# -- the command ----------------------------------------------------------------------------

@pytest.fixture
def folder(tmp_path):
    (tmp_path / "app.yaml").write_text(textwrap.dedent(MANIFESTS))
    return tmp_path


def test_explain_everything_policies_first_then_workloads(capsys, folder):
    assert main(["explain", str(folder)]) == 0
    out = capsys.readouterr().out
    titles = [chunk.strip().splitlines()[0].split(":")[0] for chunk in out.split("-" * 72 + "\n")]
    assert titles == ["NetworkPolicy shop/api-policy", "NetworkPolicy shop/db-allow-api",
                      "NetworkPolicy web/egress-only", "NetworkPolicy web/ignored-egress",
                      "Job ops/job", "Deployment shop/api", "StatefulSet shop/db",
                      "DaemonSet web/agent", "Deployment web/frontend"]


def test_explain_one_workload_in_markdown(capsys, folder):
    assert main(["explain", "--workload", "shop/db", "--format", "markdown", str(folder)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("**StatefulSet shop/db**: ingress isolated (1 policy), egress open\n")
    assert "NetworkPolicy" not in out.splitlines()[0] and "---" not in out


def test_explain_one_policy(capsys, folder):
    assert main(["explain", "--policy", "web/egress-only", str(folder)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("NetworkPolicy web/egress-only: selects 2 workloads; policyTypes Egress\n")
    assert "Deployment shop/api:" not in out


def test_explain_unknown_names_list_close_ones(capsys, folder):
    assert main(["explain", "--workload", "shop/apii", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("netpol-lsp: no workload named shop/apii; did you mean: shop/api")
    assert main(["explain", "--policy", "shop/db-allow", str(folder)]) == 2
    assert "did you mean: shop/db-allow-api" in capsys.readouterr().err
    assert main(["explain", "--policy", "zzz/qqq", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "policies: shop/api-policy, shop/db-allow-api, web/egress-only, web/ignored-egress" in err


def test_explain_unknown_path_is_a_usage_error(capsys, tmp_path):
    assert main(["explain", str(tmp_path / "missing")]) == 2
    assert "missing" in capsys.readouterr().err
