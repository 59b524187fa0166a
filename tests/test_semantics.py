"""The traps of Kubernetes NetworkPolicy semantics (DESIGN.md), each checked on the engine.

Expected values are worked out by hand from the Kubernetes documentation, not from the code.
"""
from conftest import allowed, make_workspace

NS = """
apiVersion: v1
kind: Namespace
metadata: {name: %s, labels: {team: %s}}
"""


def deploy(name, ns, labels, ports="[{containerPort: 80, name: http}]"):
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: {ns}, labels: {{controller-only: "yes"}}}}
spec:
  template:
    metadata:
      labels: {labels}
    spec:
      containers:
      - name: c
        image: nginx
        ports: {ports}
"""


def policy(name, ns, spec):
    return f"""
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: {name}, namespace: {ns}}}
spec:
{spec}
"""


def join(*docs):
    return "\n---\n".join(docs)


BASE = join(NS % ("a", "alpha"), NS % ("b", "beta"),
            deploy("web", "a", "{app: web}"), deploy("api", "a", "{app: api}"),
            deploy("db", "a", "{app: db}"),
            deploy("client", "b", "{app: api}"), deploy("other", "b", "{app: other}"))


def test_unselected_pods_allow_everything():
    ws = make_workspace({"base.yaml": BASE})
    assert allowed(ws, "a/web", "a/db") == "All Connections"


def test_peer_with_both_selectors_is_and():
    # one peer: pods app=api IN namespaces team=beta -> only b/client
    spec = """  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: beta}}
      podSelector: {matchLabels: {app: api}}"""
    ws = make_workspace({"base.yaml": BASE, "p.yaml": policy("p", "a", spec)})
    assert allowed(ws, "b/client", "a/db") == "All Connections"
    assert allowed(ws, "b/other", "a/db") == "No Connections"
    assert allowed(ws, "a/api", "a/db") == "No Connections"  # right labels, wrong namespace


def test_two_list_items_are_or():
    # two peers: anything in team=beta, OR app=api pods in the policy's own namespace
    spec = """  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: beta}}
    - podSelector: {matchLabels: {app: api}}"""
    ws = make_workspace({"base.yaml": BASE, "p.yaml": policy("p", "a", spec)})
    assert allowed(ws, "b/other", "a/db") == "All Connections"
    assert allowed(ws, "a/api", "a/db") == "All Connections"
    assert allowed(ws, "a/web", "a/db") == "No Connections"


def test_pod_selector_alone_is_scoped_to_the_policy_namespace():
    spec = """  podSelector: {matchLabels: {app: db}}
  ingress:
  - from:
    - podSelector: {matchLabels: {app: api}}"""
    ws = make_workspace({"base.yaml": BASE, "p.yaml": policy("p", "a", spec)})
    assert allowed(ws, "a/api", "a/db") == "All Connections"
    assert allowed(ws, "b/client", "a/db") == "No Connections"  # app=api but in namespace b


def test_notin_matches_pods_without_the_key():
    spec = """  podSelector: {matchLabels: {app: db}}
  ingress:
  - from:
    - podSelector:
        matchExpressions: [{key: tier, operator: NotIn, values: [frontend]}]"""
    extra = deploy("fe", "a", "{app: fe, tier: frontend}")
    ws = make_workspace({"base.yaml": join(BASE, extra), "p.yaml": policy("p", "a", spec)})
    assert allowed(ws, "a/web", "a/db") == "All Connections"  # no tier label: NotIn is true
    assert allowed(ws, "a/fe", "a/db") == "No Connections"


def test_exists_and_does_not_exist():
    spec = """  podSelector: {matchLabels: {app: db}}
  ingress:
  - from:
    - podSelector:
        matchExpressions: [{key: tier, operator: Exists}, {key: legacy, operator: DoesNotExist}]"""
    docs = join(BASE, deploy("fe", "a", "{app: fe, tier: frontend}"),
                deploy("old", "a", "{app: old, tier: x, legacy: 'true'}"))
    ws = make_workspace({"base.yaml": docs, "p.yaml": policy("p", "a", spec)})
    assert allowed(ws, "a/fe", "a/db") == "All Connections"
    assert allowed(ws, "a/old", "a/db") == "No Connections"
    assert allowed(ws, "a/web", "a/db") == "No Connections"


def test_template_labels_not_controller_labels():
    # every Deployment has metadata.labels controller-only=yes; pods do not carry it
    spec = """  podSelector: {matchLabels: {controller-only: "yes"}}
  ingress: []"""
    ws = make_workspace({"base.yaml": BASE, "p.yaml": policy("p", "a", spec)})
    assert allowed(ws, "a/web", "a/db") == "All Connections"


def test_cronjob_template_labels():
    cron = """
apiVersion: batch/v1
kind: CronJob
metadata: {name: backup, namespace: a}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        metadata:
          labels: {app: backup}
        spec:
          containers: [{name: c, image: busybox}]
"""
    spec = """  podSelector: {matchLabels: {app: db}}
  ingress:
  - from:
    - podSelector: {matchLabels: {app: backup}}"""
    ws = make_workspace({"base.yaml": join(BASE, cron), "p.yaml": policy("p", "a", spec)})
    assert allowed(ws, "a/backup", "a/db") == "All Connections"
    assert allowed(ws, "a/web", "a/db") == "No Connections"


def test_empty_ingress_list_denies_and_empty_rule_allows():
    deny = """  podSelector: {matchLabels: {app: db}}
  ingress: []"""
    allow = """  podSelector: {matchLabels: {app: db}}
  ingress: [{}]"""
    ws = make_workspace({"base.yaml": BASE, "p.yaml": policy("p", "a", deny)})
    assert allowed(ws, "a/web", "a/db") == "No Connections"
    ws = make_workspace({"base.yaml": BASE, "p.yaml": policy("p", "a", allow)})
    assert allowed(ws, "a/web", "a/db") == "All Connections"


def test_empty_selectors_select_everything_in_scope():
    spec = """  podSelector: {}
  ingress:
  - from:
    - podSelector: {}"""
    ws = make_workspace({"base.yaml": BASE, "p.yaml": policy("p", "a", spec)})
    assert allowed(ws, "a/web", "a/db") == "All Connections"
    assert allowed(ws, "b/other", "a/db") == "No Connections"  # {} pods: only namespace a
    spec = """  podSelector: {}
  ingress:
  - from:
    - namespaceSelector: {}"""
    ws = make_workspace({"base.yaml": BASE, "p.yaml": policy("p", "a", spec)})
    assert allowed(ws, "b/other", "a/db") == "All Connections"


def test_policy_types_default_ingress_only_without_egress_rules():
    spec = """  podSelector: {matchLabels: {app: web}}
  egress: []"""  # no egress rule: Egress not inferred, egress stays open
    ws = make_workspace({"base.yaml": BASE, "p.yaml": policy("p", "a", spec)})
    assert allowed(ws, "a/web", "a/db") == "All Connections"
    assert allowed(ws, "a/db", "a/web") == "No Connections"  # Ingress inferred, no ingress rules


def test_policy_types_egress_inferred_from_egress_rules():
    spec = """  podSelector: {matchLabels: {app: web}}
  egress:
  - to:
    - podSelector: {matchLabels: {app: api}}
    ports: [{port: 8080}]"""
    ws = make_workspace({"base.yaml": BASE, "p.yaml": policy("p", "a", spec)})
    assert allowed(ws, "a/web", "a/api") == "TCP 8080"
    assert allowed(ws, "a/web", "a/db") == "No Connections"


def test_egress_rules_ignored_under_ingress_only_policy_types():
    spec = """  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress: [{}]
  egress:
  - to:
    - podSelector: {matchLabels: {app: api}}"""
    ws = make_workspace({"base.yaml": BASE, "p.yaml": policy("p", "a", spec)})
    assert allowed(ws, "a/web", "a/db") == "All Connections"  # egress not isolated


def test_egress_only_policy_types_without_rules_denies_all_egress():
    spec = """  podSelector: {matchLabels: {app: web}}
  policyTypes: [Egress]"""
    ws = make_workspace({"base.yaml": BASE, "p.yaml": policy("p", "a", spec)})
    assert allowed(ws, "a/web", "a/db") == "No Connections"
    assert allowed(ws, "a/db", "a/web") == "All Connections"  # ingress untouched


def test_both_sides_must_allow_and_policies_union():
    egress = """  podSelector: {matchLabels: {app: web}}
  policyTypes: [Egress]
  egress:
  - ports: [{port: 80}, {port: 443}]"""
    ingress1 = """  podSelector: {matchLabels: {app: api}}
  ingress:
  - ports: [{port: 80}]"""
    ingress2 = """  podSelector: {matchLabels: {app: api}}
  ingress:
  - ports: [{port: 443, protocol: TCP}, {port: 53, protocol: UDP}]"""
    ws = make_workspace({"base.yaml": BASE, "p.yaml": join(policy("e", "a", egress), policy("i1", "a", ingress1),
                                                           policy("i2", "a", ingress2))})
    # ingress allows TCP 80, 443 and UDP 53; egress allows TCP 80, 443: the intersection
    assert allowed(ws, "a/web", "a/api") == "TCP 80,443"
    assert allowed(ws, "a/db", "a/api") == "TCP 80,443;UDP 53"


def test_named_ports_resolve_on_the_destination_per_protocol():
    spec = """  podSelector: {matchLabels: {app: db}}
  ingress:
  - ports: [{port: sql}]"""
    db = deploy("db", "a", "{app: db}", "[{containerPort: 5432, name: sql}, {containerPort: 9999, name: sql, protocol: UDP}]")
    docs = join(NS % ("a", "alpha"), deploy("web", "a", "{app: web}"), db)
    ws = make_workspace({"base.yaml": docs, "p.yaml": policy("p", "a", spec)})
    assert allowed(ws, "a/web", "a/db") == "TCP 5432"


def test_end_port_range_and_protocol_without_port():
    spec = """  podSelector: {matchLabels: {app: db}}
  ingress:
  - ports: [{port: 8000, endPort: 8010}, {protocol: UDP}]"""
    ws = make_workspace({"base.yaml": BASE, "p.yaml": policy("p", "a", spec)})
    assert allowed(ws, "a/web", "a/db") == "TCP 8000-8010;UDP 1-65535"


def test_ip_block_peers_do_not_match_pods():
    spec = """  podSelector: {matchLabels: {app: db}}
  ingress:
  - from:
    - ipBlock: {cidr: 0.0.0.0/0}"""
    ws = make_workspace({"base.yaml": BASE, "p.yaml": policy("p", "a", spec)})
    assert allowed(ws, "a/web", "a/db") == "No Connections"


def test_ip_block_except_is_carved_out():
    from netpol_lsp.analysis.connectivity import compute_connectivity

    spec = """  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
  ingress:
  - from:
    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}
    ports: [{port: 5432}]"""
    ws = make_workspace({"base.yaml": BASE, "p.yaml": policy("p", "a", spec)})
    into_db = [c for c in compute_connectivity(ws).as_list()
               if c["dst"] == "a/db[Deployment]" and not c["src"].endswith("]")]
    # 10.0.0.0/8 minus 10.1.0.0/16, as minimal CIDRs (worked out with ipaddress.address_exclude)
    assert into_db == [{"src": "10.0.0.0/16,10.2.0.0/15,10.4.0.0/14,10.8.0.0/13,10.16.0.0/12,10.32.0.0/11,"
                               "10.64.0.0/10,10.128.0.0/9", "dst": "a/db[Deployment]", "conn": "TCP 5432"}]


def test_missing_namespace_lives_in_default_and_namespaces_have_their_name_label():
    spec = """  podSelector: {}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: b}}"""
    pod = deploy("nons", "default", "{app: x}").replace("namespace: default", "labels: {}")
    ws = make_workspace({"base.yaml": join(BASE, pod), "p.yaml": policy("p", "a", spec)})
    assert allowed(ws, "b/other", "a/web") == "All Connections"
    assert allowed(ws, "default/nons", "a/web") == "No Connections"
