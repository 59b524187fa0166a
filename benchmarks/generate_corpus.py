#!/usr/bin/env python3
"""Generate a realistic, deterministic Kubernetes monorepo for benchmarking netpol-lsp.

    python benchmarks/generate_corpus.py OUT_DIR --files 10000 \
        [--policies-per-namespace-factor 1] [--seed 1]

Layout (like a real platform repo):

    OUT/.netpol-lsp.yaml                      cni: calico
    OUT/teams/platform/<ns>/...               kube-system (CoreDNS, calico-node), ingress-nginx,
                                              monitoring (Prometheus, node-exporter)
    OUT/teams/<team>/<namespace>/namespace.yaml
    OUT/teams/<team>/<namespace>/network-baseline.yaml   default-deny (+ allow-dns)
    OUT/teams/<team>/<namespace>/<app>/{deployment,service,networkpolicy,configmap,...}.yaml
    OUT/big/app-bundle.yaml                   exactly 2,000 lines, many documents (LSP benchmark)

Exactly --files files are written. Everything comes from seeded ``random.Random`` instances
(standard library only), so the same arguments give byte-identical output. Workloads and
policies use separate random streams per namespace: changing
``--policies-per-namespace-factor`` changes only the NetworkPolicies (N times as many, as
extra documents in the same networkpolicy files), never the workloads or the file count.

A small fraction of deliberate mistakes (typo selectors, egress isolation without DNS,
database ports open to every namespace, egress rules under ``policyTypes: [Ingress]``,
misspelled named ports, databases without any policy) gives the checker something to find;
their counts are printed at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
import time

# --------------------------------------------------------------------------------------------
# A tiny block-style YAML emitter (kubectl's layout: list items at their parent key's indent).


class Comment:
    """A comment line: as a dict key (value ignored) or as a list element."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


class Literal(str):
    """A multi-line string emitted as a `|` block scalar."""


_PLAIN = re.compile(r"[A-Za-z0-9_./][A-Za-z0-9_./@=+:-]*\Z")
_RESOLVES = re.compile(
    r"""(?ix)
    (?: y|yes|n|no|true|false|on|off|null|~|=|<< )\Z
  | [-+]?(?:\.[0-9]+|[0-9][0-9_]*)(?:\.[0-9_]*)?(?:e[-+]?[0-9]+)?\Z
  | [-+]?\.(?:inf|nan)\Z
  | 0[xob][0-9a-f_]+\Z
  | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?\Z
  | [0-9]{4}-[0-9]{1,2}-[0-9]{1,2}
  """
)


_SCALARS: dict = {}


def scalar(v) -> str:
    if v.__class__ is str:
        out = _SCALARS.get(v)
        if out is None:
            out = _SCALARS[v] = _scalar(v)
        return out
    return _scalar(v)


def _scalar(v) -> str:
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if isinstance(v, (int, float)):
        return str(v)
    s = v
    if s and _PLAIN.match(s) and not s.endswith(":") and not _RESOLVES.match(s):
        return s
    return json.dumps(s)


def _emit(obj, pad: str, out: list) -> None:
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(k, Comment):
                out.append(f"{pad}# {k.text}")
            elif isinstance(v, dict):
                if v:
                    out.append(f"{pad}{scalar(k)}:")
                    _emit(v, pad + "  ", out)
                else:
                    out.append(f"{pad}{scalar(k)}: {{}}")
            elif isinstance(v, list):
                if v:
                    out.append(f"{pad}{scalar(k)}:")
                    _emit(v, pad, out)
                else:
                    out.append(f"{pad}{scalar(k)}: []")
            elif isinstance(v, Literal):
                out.append(f"{pad}{scalar(k)}: |" + ("" if v.endswith("\n") else "-"))
                inner = pad + "  "
                out.extend(inner + line if line else "" for line in v.rstrip("\n").split("\n"))
            else:
                out.append(f"{pad}{scalar(k)}: {scalar(v)}")
    elif isinstance(obj, list):
        n = len(pad)
        for item in obj:
            if isinstance(item, Comment):
                out.append(f"{pad}# {item.text}")
            elif isinstance(item, (dict, list)) and item:
                start = len(out)
                _emit(item, pad + "  ", out)
                # leading comments of the item stay above the "- "
                while out[start].lstrip().startswith("#"):
                    out[start] = pad + out[start].lstrip()
                    start += 1
                out[start] = pad + "- " + out[start][n + 2:]
            elif isinstance(item, dict):
                out.append(f"{pad}- {{}}")
            elif isinstance(item, list):
                out.append(f"{pad}- []")
            else:
                out.append(f"{pad}- {scalar(item)}")
    else:
        out.append(pad + scalar(obj))


def to_yaml(obj) -> str:
    out: list = []
    _emit(obj, "", out)
    return "\n".join(out) + "\n"


def strip_comments(obj):
    if isinstance(obj, dict):
        return {k: strip_comments(v) for k, v in obj.items() if not isinstance(k, Comment)}
    if isinstance(obj, list):
        return [strip_comments(v) for v in obj if not isinstance(v, Comment)]
    return obj


def to_json(obj) -> str:
    return json.dumps(strip_comments(obj), indent=2) + "\n"


class File:
    """One output file: a list of documents, written as YAML (multi-doc) or JSON."""

    __slots__ = ("path", "docs", "header", "fmt")

    def __init__(self, path: str, docs: list, header: str = "", fmt: str = "yaml"):
        self.path = path
        self.docs = docs
        self.header = header
        self.fmt = fmt

    def render(self) -> str:
        if self.fmt == "json":
            assert len(self.docs) == 1
            return to_json(self.docs[0])
        parts = []
        for i, d in enumerate(self.docs):
            parts.append(to_yaml(d) if i == 0 else "---\n" + to_yaml(d))
        return self.header + "".join(parts)

    def objects(self) -> int:
        n = 0
        for d in self.docs:
            n += len(d.get("items", [])) if d.get("kind", "").endswith("List") else 1
        return n

    def policies(self) -> int:
        n = 0
        for d in self.docs:
            items = d.get("items", []) if d.get("kind", "").endswith("List") else [d]
            n += sum(1 for x in items if x.get("kind") == "NetworkPolicy")
        return n


# --------------------------------------------------------------------------------------------
# Vocabulary.

TEAMS = [
    "payments", "checkout", "catalog", "search", "identity", "orders", "shipping", "inventory",
    "notifications", "analytics", "recommendations", "reviews", "pricing", "fraud", "billing",
    "media", "messaging", "loyalty", "support", "marketing", "ledger", "risk", "onboarding",
    "reporting",
]
DOMAINS = ["core", "edge", "batch", "data", "internal", "public", "ops", "ml", "sync", "events"]
ENVS = ["prod", "staging", "dev", "qa"]
FRONTENDS = ["web", "storefront", "portal", "dashboard", "admin-ui", "docs-site"]
BACKENDS = [
    "api", "gateway", "graphql", "auth", "session", "cart", "quote", "profile", "search-api",
    "indexer", "notifier", "webhook", "worker", "consumer", "scheduler", "exporter", "ingest",
    "resolver", "router", "audit", "tokenizer", "matcher", "renderer", "settlement",
]
CRONJOBS = ["report-export", "cleanup", "reindex", "backup", "sync-rates", "digest-mailer",
            "gc-sessions", "rollup"]
DATABASES = {
    # kind: (app name, port name, port, image, exporter image, exporter port, data path)
    "mysql": ("mysql", "mysql", 3306, "mysql:8.4.3", "prom/mysqld-exporter:v0.16.0", 9104,
              "/var/lib/mysql"),
    "postgres": ("postgres", "postgres", 5432, "postgres:16.6", "quay.io/prometheuscommunity/"
                 "postgres-exporter:v0.16.0", 9187, "/var/lib/postgresql/data"),
    "redis": ("redis", "redis", 6379, "redis:7.4.1", "oliver006/redis_exporter:v1.66.0", 9121,
              "/data"),
    "mongo": ("mongo", "mongodb", 27017, "mongo:7.0.15", "percona/mongodb_exporter:0.43.1", 9216,
              "/data/db"),
}
REGISTRY = "registry.internal.example.com"
EXTRA_ENV = [
    ("HTTP_READ_TIMEOUT", "15s"), ("HTTP_WRITE_TIMEOUT", "30s"), ("CACHE_TTL_SECONDS", "300"),
    ("DB_POOL_SIZE", "20"), ("MAX_INFLIGHT_REQUESTS", "256"), ("SHUTDOWN_DELAY", "5s"),
    ("TRACING_SAMPLE_RATE", "0.05"), ("ENABLE_PPROF", "false"), ("KAFKA_BROKERS",
    "kafka-0.kafka.streaming.svc:9092,kafka-1.kafka.streaming.svc:9092,kafka-2.kafka.streaming.svc:9092"),
    ("JAVA_TOOL_OPTIONS", "-XX:+UseG1GC -XX:MaxGCPauseMillis=200 -Dfile.encoding=UTF-8"),
    ("NODE_OPTIONS", "--max-old-space-size=384 --enable-source-maps"),
    ("PYTHONUNBUFFERED", "1"), ("GUNICORN_CMD_ARGS", "--timeout 60 --graceful-timeout 30"),
    ("TZ", "UTC"), ("LANG", "C.UTF-8"), ("METRICS_NAMESPACE", "app"),
]
LANGS = ["go", "java", "node", "python"]
EXTERNAL_CIDRS = ["203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/24", "100.64.0.0/10",
                  "52.94.0.0/16", "34.120.0.0/14"]
PRIVATE_EXCEPT = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.169.254/32"]

# Profiles: "monorepo" (few findings, small namespaces) and "findings" (issue 17: what a repo that
# grew for years looks like -- big namespaces, thousands of peers naming apps that were retired,
# broad namespaceSelectors such as `team Exists, env In (prod, staging)` that match most
# namespaces, kubectl's last-applied-configuration on the objects; about 34 MB per 10,000 files).
PROFILES = {
    "monorepo": {"backends": (2, 5), "frontends": 0.6, "stale_peer_rate": 0.0, "broad_ns_rate": 0.0,
                 "last_applied": False},
    "findings": {"backends": (6, 14), "frontends": 0.9, "stale_peer_rate": 0.9, "broad_ns_rate": 0.45,
                 "last_applied": True},
}
PROFILE = PROFILES["monorepo"]  # set by generate()
# apps that were renamed or retired; policies still name them (NP002 unmatched peers)
RETIRED = ["legacy-api", "api-v1", "old-gateway", "checkout-legacy", "monolith", "batch-runner",
           "sidekiq", "cart-v1", "auth-old", "reporting-v1"]

KUBE_DNS_PEER = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
}
DNS_PORTS = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]


def dns_rule(rng: random.Random) -> dict:
    if rng.random() < 0.2:  # the lazy but common form: port 53 to anywhere
        return {Comment("DNS"): None, "ports": [dict(p) for p in DNS_PORTS]}
    return {Comment("DNS via kube-dns"): None, "to": [json.loads(json.dumps(KUBE_DNS_PEER))],
            "ports": [dict(p) for p in DNS_PORTS]}


def typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word))
    choice = rng.random()
    if choice < 0.35:
        return word + "s"
    if choice < 0.6 and len(word) > 3:
        return word[:i] + word[i + 1:]
    if choice < 0.8:
        return word[:i] + word[i] + word[i:]
    if len(word) > 2 and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word + "-v2"


# --------------------------------------------------------------------------------------------
# Workloads.


class App:
    __slots__ = ("name", "kind", "tier", "labels", "ports", "db", "callers", "deps",
                 "service_port", "service_port_name", "external", "grpc", "metrics_port", "sidecar", "env_from")

    def __init__(self, name, kind, tier):
        self.name = name
        self.kind = kind          # frontend | backend | database | cronjob
        self.tier = tier
        self.labels = {}          # pod template labels
        self.ports = {}           # named container ports: name -> (port, protocol)
        self.db = None            # database flavour for kind == database
        self.callers = []         # apps in the namespace that call this one
        self.deps = []            # apps this one calls
        self.service_port = 8080
        self.service_port_name = "http"
        self.external = False     # calls third-party APIs
        self.grpc = False
        self.metrics_port = 9102
        self.sidecar = None       # None | "log-shipper" | "envoy"
        self.env_from = False     # the Deployment reads a <name>-env ConfigMap


def assign_ports(app: App, rng: random.Random) -> None:
    """Decide every named container port up front: policies elsewhere refer to them."""
    if app.kind == "database":
        _, pname, port, _, _, exp_port, _ = DATABASES[app.db]
        app.ports = {pname: (port, "TCP"), "metrics": (exp_port, "TCP")}
        app.service_port, app.service_port_name = port, pname
        return
    if app.kind == "cronjob":
        return
    app.ports[app.service_port_name] = (app.service_port, "TCP")
    app.grpc = app.kind == "backend" and rng.random() < 0.4
    if app.grpc:
        app.ports["grpc"] = (9090, "TCP")
    app.metrics_port = rng.choice([9102, 9100, 8081, 9464])
    app.ports["metrics"] = (app.metrics_port, "TCP")
    r = rng.random()
    if r < 0.45:
        app.sidecar = "log-shipper"
        app.ports["http-metrics"] = (2020, "TCP")
    elif r < 0.7:
        app.sidecar = "envoy"
        app.ports["envoy-admin"] = (9901, "TCP")
        app.ports["envoy-http"] = (15001, "TCP")


class Namespace:
    __slots__ = ("name", "team", "env", "domain", "apps", "labels", "baseline", "dns_allowed")

    def __init__(self, name, team, env, domain):
        self.name = name
        self.team = team
        self.env = env
        self.domain = domain
        self.apps = []
        self.labels = {}
        self.baseline = None      # None | "deny-ingress" | "deny-all"
        self.dns_allowed = False  # a namespace-wide allow-dns policy exists


def pod_labels(app: App, ns: Namespace, rng: random.Random, component: str) -> dict:
    labels = {
        "app.kubernetes.io/name": app.name,
        "app.kubernetes.io/instance": f"{app.name}-{ns.env}",
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": ns.name,
        "tier": app.tier,
        "team": ns.team,
    }
    if rng.random() < 0.5:
        labels["app"] = app.name  # the older convention, still everywhere
    if rng.random() < 0.4:
        labels["version"] = f"v{rng.randint(1, 4)}.{rng.randint(0, 20)}"
    return labels


def selector_labels(app: App) -> dict:
    if "app" in app.labels:
        return {"app": app.name}
    return {"app.kubernetes.io/name": app.name, "app.kubernetes.io/instance":
            app.labels["app.kubernetes.io/instance"]}


def meta(name: str, ns: Namespace, labels: dict, rng: random.Random, annotations=None) -> dict:
    m = {"name": name, "namespace": ns.name, "labels": dict(labels)}
    ann = {}
    if rng.random() < 0.6:
        ann["owner"] = f"{ns.team}-oncall@example.com"
    if rng.random() < 0.4:
        ann["argocd.argoproj.io/sync-wave"] = str(rng.randint(-2, 5))
    if rng.random() < 0.3:
        ann["kubernetes.io/change-cause"] = rng.choice([
            "bump image after security patch", "raise memory limit after OOM kills",
            "enable structured logging", "roll out new connection pool settings",
        ])
    if annotations:
        ann.update(annotations)
    if ann:
        m["annotations"] = ann
    return m


def common_labels(app: App, ns: Namespace) -> dict:
    return {
        "app.kubernetes.io/name": app.name,
        "app.kubernetes.io/instance": f"{app.name}-{ns.env}",
        "app.kubernetes.io/part-of": ns.name,
        "app.kubernetes.io/managed-by": "kustomize",
        "team": ns.team,
    }


def resources(rng: random.Random, big=False) -> dict:
    cpu = rng.choice([50, 100, 200, 250, 500, 1000] if not big else [500, 1000, 2000])
    mem = rng.choice([64, 128, 256, 512, 1024] if not big else [1024, 2048, 4096])
    r = {"requests": {"cpu": f"{cpu}m", "memory": f"{mem}Mi"}, "limits": {"memory": f"{mem * 2}Mi"}}
    if rng.random() < 0.3:
        r["limits"]["cpu"] = f"{cpu * 2}m"
    return r


def probe(rng: random.Random, port, path="/healthz", kind=None) -> dict:
    kind = kind or rng.choice(["http", "http", "http", "tcp"])
    if kind == "http":
        p = {"httpGet": {"path": path, "port": port}}
    elif kind == "tcp":
        p = {"tcpSocket": {"port": port}}
    else:
        p = {"exec": {"command": kind}}
    p["initialDelaySeconds"] = rng.choice([5, 10, 15, 30])
    p["periodSeconds"] = rng.choice([5, 10, 20])
    if rng.random() < 0.5:
        p["timeoutSeconds"] = rng.choice([1, 2, 5])
        p["failureThreshold"] = rng.choice([3, 5, 6])
    return p


def env_vars(app: App, ns: Namespace, rng: random.Random) -> list:
    env = [
        {"name": "APP_ENV", "value": ns.env},
        {"name": "LOG_LEVEL", "value": rng.choice(["info", "info", "debug", "warn"])},
        {"name": "LOG_FORMAT", "value": "json"},
        {"name": "PORT", "value": str(app.service_port)},
        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
    ]
    if rng.random() < 0.5:
        env.append({"name": "OTEL_EXPORTER_OTLP_ENDPOINT",
                    "value": "http://otel-collector.monitoring.svc.cluster.local:4317"})
        env.append({"name": "OTEL_SERVICE_NAME", "value": app.name})
    for dep in app.deps:
        var = dep.name.upper().replace("-", "_")
        if dep.kind == "database":
            env.append({"name": f"{var}_HOST", "value": f"{dep.name}.{ns.name}.svc.cluster.local"})
            env.append({"name": f"{var}_PORT", "value": str(dep.service_port)})
            if dep.db != "redis":
                env.append({"name": f"{var}_PASSWORD", "valueFrom": {
                    "secretKeyRef": {"name": f"{dep.name}-credentials", "key": "password"}}})
        else:
            env.append({"name": f"{var}_URL",
                        "value": f"http://{dep.name}.{ns.name}.svc:{dep.service_port}"})
    if rng.random() < 0.4:
        env.append({"name": "FEATURE_FLAGS", "valueFrom": {
            "configMapKeyRef": {"name": f"{app.name}-config", "key": "feature-flags",
                                "optional": True}}})
    for name, value in rng.sample(EXTRA_ENV, rng.randint(2, 6)):
        env.append({"name": name, "value": value})
    if rng.random() < 0.4:
        env.append({"name": "SENTRY_DSN", "valueFrom": {
            "secretKeyRef": {"name": "sentry", "key": "dsn", "optional": True}}})
    if rng.random() < 0.3:
        env.append({"name": "GOMAXPROCS", "valueFrom": {
            "resourceFieldRef": {"resource": "limits.cpu", "divisor": "1"}}})
    return env


def security_context(rng: random.Random) -> dict:
    sc = {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": rng.random() < 0.7,
          "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]}}
    if rng.random() < 0.5:
        sc["seccompProfile"] = {"type": "RuntimeDefault"}
    return sc


def sidecars(app: App, rng: random.Random) -> list:
    out = []
    if app.sidecar == "log-shipper":
        out.append({
            "name": "log-shipper",
            "image": "cr.fluentbit.io/fluent/fluent-bit:3.2.2",
            "args": ["--config=/fluent-bit/etc/fluent-bit.yaml"],
            "ports": [{"name": "http-metrics", "containerPort": 2020, "protocol": "TCP"}],
            "resources": {"requests": {"cpu": "20m", "memory": "32Mi"},
                          "limits": {"memory": "64Mi"}},
            "volumeMounts": [{"name": "logs", "mountPath": "/var/log/app", "readOnly": True},
                             {"name": "fluent-bit-config", "mountPath": "/fluent-bit/etc/"}],
        })
    elif app.sidecar == "envoy":
        out.append({
            "name": "envoy",
            "image": "envoyproxy/envoy:v1.32.2",
            "args": ["-c", "/etc/envoy/envoy.yaml", "--service-cluster", app.name],
            "ports": [{"name": "envoy-admin", "containerPort": 9901},
                      {"name": "envoy-http", "containerPort": 15001}],
            "readinessProbe": {"httpGet": {"path": "/ready", "port": "envoy-admin"}},
            "resources": {"requests": {"cpu": "50m", "memory": "64Mi"},
                          "limits": {"memory": "128Mi"}},
        })
    if rng.random() < 0.15:
        out.append({
            "name": "cloud-sql-proxy",
            "image": "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1",
            "args": ["--structured-logs", "--port=5432", f"example-prod:europe-west1:{app.name}"],
            "securityContext": {"runAsNonRoot": True},
            "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}},
        })
    return out


def pod_spec(app: App, ns: Namespace, rng: random.Random, main: dict, extra=None) -> dict:
    containers = [main] + sidecars(app, rng) + (extra or [])
    spec = {}
    if rng.random() < 0.7:
        spec["serviceAccountName"] = app.name
    if rng.random() < 0.4:
        spec["imagePullSecrets"] = [{"name": "registry-credentials"}]
    spec["securityContext"] = {"runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001}
    if rng.random() < 0.3:
        spec["initContainers"] = [{
            "name": "wait-for-deps",
            "image": "busybox:1.37",
            "command": ["sh", "-c", "until nslookup kubernetes.default.svc; do sleep 2; done"],
            "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}},
        }]
    spec["containers"] = containers
    vols = [{"name": "tmp", "emptyDir": {}}, {"name": "config", "configMap": {"name": f"{app.name}-config"}}]
    if any(c["name"] == "log-shipper" for c in containers):
        vols.append({"name": "logs", "emptyDir": {"sizeLimit": "1Gi"}})
        vols.append({"name": "fluent-bit-config", "configMap": {"name": "fluent-bit-config"}})
    if rng.random() < 0.3:
        vols.append({"name": "tls", "secret": {"secretName": f"{app.name}-tls", "defaultMode": 288}})
    spec["volumes"] = vols
    if rng.random() < 0.5:
        spec["affinity"] = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
            "weight": 100,
            "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname",
                                "labelSelector": {"matchLabels": selector_labels(app)}},
        }]}}
    elif rng.random() < 0.5:
        spec["topologySpreadConstraints"] = [{
            "maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": selector_labels(app)},
        }]
    if rng.random() < 0.2:
        spec["tolerations"] = [{"key": "workload", "operator": "Equal", "value": "batch",
                                "effect": "NoSchedule"}]
    if rng.random() < 0.3:
        spec["nodeSelector"] = {"kubernetes.io/os": "linux"}
    spec["terminationGracePeriodSeconds"] = rng.choice([30, 30, 60, 120])
    return spec


def main_container(app: App, ns: Namespace, rng: random.Random) -> dict:
    lang = rng.choice(LANGS)
    ports = [{"name": app.service_port_name, "containerPort": app.service_port, "protocol": "TCP"}]
    if app.grpc:
        ports.append({"name": "grpc", "containerPort": 9090, "protocol": "TCP"})
    metrics_port = app.metrics_port
    ports.append({"name": "metrics", "containerPort": metrics_port})
    c = {
        "name": app.name,
        "image": f"{REGISTRY}/{ns.team}/{app.name}:{rng.randint(1, 9)}.{rng.randint(0, 40)}."
                 f"{rng.randint(0, 12)}",
        "imagePullPolicy": "IfNotPresent",
    }
    if lang == "java":
        c["args"] = ["-XX:MaxRAMPercentage=75", "-jar", f"/app/{app.name}.jar"]
    elif lang == "python":
        c["command"] = ["gunicorn"]
        c["args"] = ["--bind", f"0.0.0.0:{app.service_port}", "--workers", "4", "app.wsgi:application"]
    else:
        c["args"] = [f"--listen=:{app.service_port}", f"--metrics-listen=:{metrics_port}"]
    c["ports"] = ports
    c["env"] = env_vars(app, ns, rng)
    app.env_from = rng.random() < 0.5
    if app.env_from:
        c["envFrom"] = [{"configMapRef": {"name": f"{app.name}-env"}}]
    c["resources"] = resources(rng)
    c["readinessProbe"] = probe(rng, app.service_port_name, "/ready")
    c["livenessProbe"] = probe(rng, app.service_port_name, "/healthz")
    if rng.random() < 0.3:
        c["startupProbe"] = probe(rng, app.service_port_name, "/healthz", "http")
    c["lifecycle"] = {"preStop": {"exec": {"command": ["sh", "-c", f"sleep {rng.choice([5, 10, 15])}"]}}}
    c["securityContext"] = security_context(rng)
    c["terminationMessagePolicy"] = "FallbackToLogsOnError"
    mounts = [{"name": "tmp", "mountPath": "/tmp"},
              {"name": "config", "mountPath": "/etc/" + app.name, "readOnly": True}]
    c["volumeMounts"] = mounts
    return c


def deployment(app: App, ns: Namespace, rng: random.Random) -> dict:
    main = main_container(app, ns, rng)
    spec = pod_spec(app, ns, rng, main)
    for v in spec["volumes"]:
        if v["name"] == "logs" and not any(m["name"] == "logs" for m in main["volumeMounts"]):
            main["volumeMounts"].append({"name": "logs", "mountPath": "/var/log/app"})
        if v["name"] == "tls":
            main["volumeMounts"].append({"name": "tls", "mountPath": "/etc/tls", "readOnly": True})
    tmpl_ann = {"prometheus.io/scrape": "true", "prometheus.io/port": str(app.ports["metrics"][0]),
                "prometheus.io/path": "/metrics",
                "kubectl.kubernetes.io/default-container": app.name}
    if rng.random() < 0.4:
        tmpl_ann["checksum/config"] = "%064x" % rng.getrandbits(256)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(app.name, ns, common_labels(app, ns), rng),
        "spec": {
            "replicas": rng.choice([1, 2, 2, 3, 3, 4, 6]) if ns.env == "prod" else rng.choice([1, 1, 2]),
            "revisionHistoryLimit": rng.choice([3, 5, 10]),
            "selector": {"matchLabels": selector_labels(app)},
            "strategy": {"type": "RollingUpdate",
                         "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": dict(app.labels), "annotations": tmpl_ann},
                "spec": spec,
            },
        },
    }


def service(app: App, ns: Namespace, rng: random.Random) -> dict:
    ports = []
    for pname in [app.service_port_name, "grpc", "metrics"]:
        if pname in app.ports:
            port = 80 if pname == app.service_port_name and app.kind == "frontend" else app.ports[pname][0]
            ports.append({"name": pname, "port": port, "targetPort": pname, "protocol": "TCP"})
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta(app.name, ns, common_labels(app, ns), rng, {
            "prometheus.io/probe": "true",
            "service.example.com/runbook": f"https://runbooks.example.com/{ns.team}/{app.name}",
        }),
        "spec": {"type": "ClusterIP", "selector": selector_labels(app), "ports": ports},
    }
    if rng.random() < 0.2:
        svc["spec"]["sessionAffinity"] = "None"
        svc["spec"]["internalTrafficPolicy"] = "Cluster"
    return svc


def configmap(app: App, ns: Namespace, rng: random.Random) -> list:
    lines = [
        "server:",
        f"  port: {app.service_port}",
        f"  readTimeout: {rng.choice([5, 10, 30])}s",
        f"  writeTimeout: {rng.choice([10, 30, 60])}s",
        f"  idleTimeout: {rng.choice([60, 120])}s",
        f"  shutdownTimeout: {rng.choice([10, 20, 30])}s",
        f"  maxRequestBodyBytes: {rng.choice([1048576, 8388608])}",
        "  cors:",
        "    allowedOrigins:",
        f"      - https://{ns.domain}.{ns.team}.example.com",
        "    allowedMethods: [GET, POST, PUT, DELETE]",
        "logging:",
        f"  level: {rng.choice(['info', 'debug', 'warn'])}",
        "  format: json",
        "  fields:",
        f"    service: {app.name}",
        f"    team: {ns.team}",
        f"    env: {ns.env}",
        "metrics:",
        "  enabled: true",
        f"  path: {rng.choice(['/metrics', '/prometheus'])}",
        f"  port: {app.metrics_port}",
        "tracing:",
        f"  enabled: {str(rng.random() < 0.7).lower()}",
        f"  sampleRate: {rng.choice(['0.01', '0.05', '0.1', '1.0'])}",
        "  exporter: otlp",
        "  endpoint: otel-collector.monitoring.svc.cluster.local:4317",
    ]
    for dep in app.deps:
        key = dep.name.replace("-", "_")
        if dep.kind == "database":
            lines += [f"{key}:",
                      f"  host: {dep.name}.{ns.name}.svc.cluster.local",
                      f"  port: {dep.service_port}",
                      f"  database: {ns.domain}",
                      "  pool:",
                      f"    maxOpen: {rng.choice([10, 20, 50])}",
                      f"    maxIdle: {rng.choice([2, 5, 10])}",
                      f"    connMaxLifetime: {rng.choice([5, 15, 30])}m",
                      f"  statementTimeout: {rng.choice([1, 5, 30])}s"]
        else:
            lines += [f"{key}:",
                      f"  url: http://{dep.name}.{ns.name}.svc.cluster.local:{dep.service_port}",
                      f"  timeout: {rng.choice([250, 500, 1000, 2000])}ms",
                      f"  maxConnections: {rng.choice([10, 20, 50, 100])}",
                      "  retry:",
                      f"    attempts: {rng.choice([0, 1, 2, 3])}",
                      f"    backoff: {rng.choice([50, 100, 200])}ms",
                      "  circuitBreaker:",
                      f"    failureThreshold: {rng.choice([5, 10, 20])}",
                      f"    resetTimeout: {rng.choice([10, 30, 60])}s"]
    if rng.random() < 0.5:
        lines += ["cache:", f"  ttl: {rng.choice([30, 60, 300, 900])}s",
                  f"  maxEntries: {rng.choice([1000, 10000, 50000])}",
                  "  evictionPolicy: lru"]
    if rng.random() < 0.4:
        lines += ["rateLimit:", f"  requestsPerSecond: {rng.choice([50, 100, 500, 1000])}",
                  f"  burst: {rng.choice([100, 200, 1000])}", "  keyBy: client-id"]
    flags = ",".join(rng.sample(["new-checkout", "fast-search", "dark-mode", "v2-pricing",
                                 "async-export", "strict-auth", "beta-banner"], 3))
    data = {
        "config.yaml": Literal("\n".join(lines) + "\n"),
        "feature-flags": flags,
        "TZ": "UTC",
    }
    if rng.random() < 0.3:
        data["logback.xml"] = Literal(
            '<configuration>\n  <appender name="JSON" class="ch.qos.logback.core.ConsoleAppender">\n'
            '    <encoder class="net.logstash.logback.encoder.LogstashEncoder"/>\n  </appender>\n'
            '  <root level="INFO">\n    <appender-ref ref="JSON"/>\n  </root>\n</configuration>\n')
    docs = [{"apiVersion": "v1", "kind": "ConfigMap",
             "metadata": meta(f"{app.name}-config", ns, common_labels(app, ns), rng),
             "data": data}]
    if app.env_from:
        env = {
            "HTTP_PORT": str(app.service_port),
            "METRICS_PORT": str(app.metrics_port),
            "GRACEFUL_SHUTDOWN": "true",
            "REQUEST_TIMEOUT_MS": str(rng.choice([1000, 5000, 30000])),
            "DEPLOY_ENV": ns.env,
            "REGION": rng.choice(["eu-west-1", "us-east-1", "ap-southeast-2"]),
        }
        for dep in app.deps:
            env[f"{dep.name.upper().replace('-', '_')}_ADDR"] = f"{dep.name}:{dep.service_port}"
        docs.append({"apiVersion": "v1", "kind": "ConfigMap",
                     "metadata": meta(f"{app.name}-env", ns, common_labels(app, ns), rng),
                     "data": env})
    return docs


def hpa(app: App, ns: Namespace, rng: random.Random) -> dict:
    return {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": meta(app.name, ns, common_labels(app, ns), rng),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": app.name},
            "minReplicas": rng.choice([2, 3]), "maxReplicas": rng.choice([6, 10, 20]),
            "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                "type": "Utilization", "averageUtilization": rng.choice([60, 70, 80])}}},
                        {"type": "Resource", "resource": {"name": "memory", "target": {
                            "type": "Utilization", "averageUtilization": 85}}}],
            "behavior": {
                "scaleDown": {"stabilizationWindowSeconds": 300,
                              "policies": [{"type": "Percent", "value": 50, "periodSeconds": 60}]},
                "scaleUp": {"stabilizationWindowSeconds": 0,
                            "policies": [{"type": "Pods", "value": 4, "periodSeconds": 30}]},
            },
        },
    }


def pdb(app: App, ns: Namespace, rng: random.Random) -> dict:
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": meta(app.name, ns, common_labels(app, ns), rng),
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector_labels(app)}}}


def rbac(app: App, ns: Namespace, rng: random.Random) -> list:
    labels = common_labels(app, ns)
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(app.name, ns, labels, rng),
         "automountServiceAccountToken": False},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
         "metadata": meta(f"{app.name}-reader", ns, labels, rng),
         "rules": [{"apiGroups": [""], "resources": ["configmaps", "secrets"],
                    "resourceNames": [f"{app.name}-config", f"{app.name}-credentials"],
                    "verbs": ["get", "watch"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
         "metadata": meta(f"{app.name}-reader", ns, labels, rng),
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                     "name": f"{app.name}-reader"},
         "subjects": [{"kind": "ServiceAccount", "name": app.name, "namespace": ns.name}]},
    ]


def ingress(app: App, ns: Namespace, rng: random.Random) -> dict:
    host = f"{app.name}.{ns.domain}.{ns.team}.{'example.com' if ns.env == 'prod' else ns.env + '.example.net'}"
    return {
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": meta(app.name, ns, common_labels(app, ns), rng, {
            "cert-manager.io/cluster-issuer": "letsencrypt-prod",
            "nginx.ingress.kubernetes.io/proxy-body-size": "8m"}),
        "spec": {
            "ingressClassName": "nginx",
            "tls": [{"hosts": [host], "secretName": f"{app.name}-tls"}],
            "rules": [{"host": host, "http": {"paths": [{
                "path": "/", "pathType": "Prefix",
                "backend": {"service": {"name": app.name, "port": {"name": app.service_port_name}}},
            }]}}],
        },
    }


def kustomization(files: list, ns: Namespace, app: App) -> dict:
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "namespace": ns.name,
        "resources": sorted(files),
        "labels": [{"pairs": {"app.kubernetes.io/part-of": ns.name}, "includeSelectors": False}],
        "images": [{"name": app.name, "newTag": "latest"}],
    }


def statefulset(app: App, ns: Namespace, rng: random.Random) -> list:
    flav = DATABASES[app.db]
    _, pname, port, image, exp_image, exp_port, data_path = flav
    env = [{"name": "TZ", "value": "UTC"}]
    if app.db == "mysql":
        env += [{"name": "MYSQL_DATABASE", "value": ns.domain},
                {"name": "MYSQL_ROOT_PASSWORD", "valueFrom": {"secretKeyRef": {
                    "name": f"{app.name}-credentials", "key": "root-password"}}}]
        ready = {"exec": {"command": ["mysqladmin", "ping", "-h", "127.0.0.1"]}}
    elif app.db == "postgres":
        env += [{"name": "POSTGRES_DB", "value": ns.domain},
                {"name": "PGDATA", "value": data_path + "/pgdata"},
                {"name": "POSTGRES_PASSWORD", "valueFrom": {"secretKeyRef": {
                    "name": f"{app.name}-credentials", "key": "password"}}}]
        ready = {"exec": {"command": ["pg_isready", "-U", "postgres"]}}
    elif app.db == "redis":
        ready = {"exec": {"command": ["redis-cli", "ping"]}}
    else:
        env += [{"name": "MONGO_INITDB_ROOT_USERNAME", "value": "root"},
                {"name": "MONGO_INITDB_ROOT_PASSWORD", "valueFrom": {"secretKeyRef": {
                    "name": f"{app.name}-credentials", "key": "password"}}}]
        ready = {"exec": {"command": ["mongosh", "--quiet", "--eval", "db.adminCommand('ping')"]}}
    ready.update({"initialDelaySeconds": 10, "periodSeconds": 10})
    main = {
        "name": app.db, "image": image,
        "ports": [{"name": pname, "containerPort": port, "protocol": "TCP"}],
        "env": env,
        "readinessProbe": ready,
        "livenessProbe": {"tcpSocket": {"port": pname}, "initialDelaySeconds": 30, "periodSeconds": 20},
        "resources": resources(rng, big=True),
        "volumeMounts": [{"name": "data", "mountPath": data_path}],
    }
    exporter = {
        "name": "exporter", "image": exp_image,
        "ports": [{"name": "metrics", "containerPort": exp_port}],
        "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"memory": "64Mi"}},
    }
    labels = common_labels(app, ns)
    sts = {
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": meta(app.name, ns, labels, rng),
        "spec": {
            "serviceName": f"{app.name}-headless",
            "replicas": 3 if ns.env == "prod" and app.db != "redis" else 1,
            "podManagementPolicy": "OrderedReady",
            "selector": {"matchLabels": selector_labels(app)},
            "template": {
                "metadata": {"labels": dict(app.labels),
                             "annotations": {"prometheus.io/scrape": "true",
                                             "prometheus.io/port": str(exp_port)}},
                "spec": {
                    "securityContext": {"fsGroup": 999, "runAsUser": 999, "runAsGroup": 999},
                    "terminationGracePeriodSeconds": 60,
                    "priorityClassName": "data-critical",
                    "affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{
                        "topologyKey": "kubernetes.io/hostname",
                        "labelSelector": {"matchLabels": selector_labels(app)}}]}},
                    "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "databases",
                                     "effect": "NoSchedule"}],
                    "initContainers": [{
                        "name": "fix-permissions", "image": "busybox:1.37",
                        "command": ["sh", "-c", f"chown -R 999:999 {data_path}"],
                        "securityContext": {"runAsUser": 0},
                        "volumeMounts": [{"name": "data", "mountPath": data_path}]}],
                    "containers": [main, exporter],
                },
            },
            "volumeClaimTemplates": [{
                "metadata": {"name": "data"},
                "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "ssd",
                         "resources": {"requests": {"storage": f"{rng.choice([10, 20, 50, 100])}Gi"}}},
            }],
        },
    }
    headless = {
        "apiVersion": "v1", "kind": "Service",
        "metadata": meta(f"{app.name}-headless", ns, labels, rng),
        "spec": {"clusterIP": "None", "publishNotReadyAddresses": True,
                 "selector": selector_labels(app),
                 "ports": [{"name": pname, "port": port, "targetPort": pname}]},
    }
    svc = {
        "apiVersion": "v1", "kind": "Service",
        "metadata": meta(app.name, ns, labels, rng),
        "spec": {"selector": selector_labels(app),
                 "ports": [{"name": pname, "port": port, "targetPort": pname},
                           {"name": "metrics", "port": exp_port, "targetPort": "metrics"}]},
    }
    return [sts, headless, svc]


def cronjob(app: App, ns: Namespace, rng: random.Random) -> dict:
    schedule = rng.choice(["*/15 * * * *", "0 * * * *", "30 2 * * *", "0 4 * * 0", "5 */6 * * *"])
    container = {
        "name": app.name,
        "image": f"{REGISTRY}/{ns.team}/{app.name}:{rng.randint(1, 5)}.{rng.randint(0, 30)}.0",
        "args": ["--once", f"--target={ns.domain}"],
        "env": env_vars(app, ns, rng),
        "resources": resources(rng),
        "securityContext": security_context(rng),
    }
    return {
        "apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": meta(app.name, ns, common_labels(app, ns), rng),
        "spec": {
            "schedule": schedule,
            "timeZone": "Etc/UTC",
            "concurrencyPolicy": "Forbid",
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 1,
            "jobTemplate": {"spec": {
                "backoffLimit": 2,
                "activeDeadlineSeconds": rng.choice([600, 1800, 3600]),
                "template": {
                    "metadata": {"labels": dict(app.labels)},
                    "spec": {"restartPolicy": "OnFailure",
                             "serviceAccountName": app.name,
                             "containers": [container]},
                },
            }},
        },
    }


# --------------------------------------------------------------------------------------------
# NetworkPolicies.


class Mistakes(dict):
    def add(self, kind: str) -> None:
        self[kind] = self.get(kind, 0) + 1


def np_doc(name: str, ns: Namespace, rng: random.Random, spec: dict, note=None) -> dict:
    spec = {k: spec[k] for k in ("podSelector", "policyTypes", "ingress", "egress") if k in spec}
    labels = {"app.kubernetes.io/part-of": ns.name, "team": ns.team}
    doc = {Comment(note): None} if note else {}
    doc.update({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy"})
    doc["metadata"] = meta(name, ns, labels, rng, {"description": describe(name, spec)})
    doc["spec"] = spec
    return doc


def describe(name: str, spec: dict) -> str:
    types = spec.get("policyTypes") or ["Ingress"] + (["Egress"] if spec.get("egress") else [])
    target = "every pod in the namespace" if not spec.get("podSelector") else \
        "the " + name.rsplit("-", 1)[0].removesuffix("-ingress").removesuffix("-egress") + " pods"
    parts = []
    if "Ingress" in types:
        parts.append(f"{len(spec.get('ingress', []))} ingress rule(s)")
    if "Egress" in types:
        parts.append(f"{len(spec.get('egress', []))} egress rule(s)")
    return f"Restricts {target}: {', '.join(parts)}. Reviewed by the platform team."


def pod_selector_for(app: App, rng: random.Random, mistakes: Mistakes, others: list, rate: float,
                     allow_expr=True) -> dict:
    """A selector that matches `app`, in one of the shapes people write."""
    r = rng.random()
    if r < rate:
        key = "app" if "app" in app.labels else "app.kubernetes.io/name"
        bad = typo(app.name, rng)
        names = {o.name for o in others}
        while bad in names:
            bad += "x"
        mistakes.add("typo-selector")
        return {"matchLabels": {key: bad}}
    if not allow_expr or r < 0.55:
        return {"matchLabels": selector_labels(app)}
    if r < 0.7:
        return {"matchExpressions": [{"key": "app.kubernetes.io/name", "operator": "In",
                                      "values": [app.name]}]}
    if r < 0.8:
        return {"matchLabels": {"app.kubernetes.io/name": app.name},
                "matchExpressions": [{"key": "tier", "operator": "In", "values": [app.tier]}]}
    if r < 0.9:
        return {"matchLabels": {"app.kubernetes.io/name": app.name},
                "matchExpressions": [{"key": "canary", "operator": "DoesNotExist"}]}
    return {"matchExpressions": [{"key": "app.kubernetes.io/name", "operator": "In",
                                  "values": [app.name]},
                                 {"key": "version", "operator": "Exists"} if "version" in app.labels
                                 else {"key": "tier", "operator": "NotIn",
                                       "values": ["batch" if app.tier != "batch" else "frontend"]}]}


def port_entry(target: App, rng: random.Random, mistakes: Mistakes, rate: float, name=None) -> dict:
    name = name or target.service_port_name
    port, proto = target.ports[name]
    if rng.random() < rate:
        mistakes.add("unresolved-named-port")
        bad = typo(name, rng)
        if len(bad) > 15 or bad in target.ports:
            bad = name[:-1] if len(name) > 2 else name + "x"
        return {"protocol": "TCP", "port": bad}
    if rng.random() < 0.5:
        return {"protocol": proto, "port": name}
    e = {"port": port}
    if rng.random() < 0.6:
        e = {"protocol": proto, "port": port}
    return e


def policy_types(rng: random.Random, types: list, spec: dict, omit_rate=0.25) -> None:
    """Set policyTypes, or leave it out where Kubernetes would infer the same thing."""
    inferred = ["Ingress"] + (["Egress"] if spec.get("egress") else [])
    if inferred == types and rng.random() < omit_rate:
        return
    spec["policyTypes"] = types


def ingress_policy(app: App, ns: Namespace, rng: random.Random, mistakes: Mistakes, variant: int,
                   mistake_rate: float, cross_ns: list) -> dict:
    spec = {"podSelector": pod_selector_for(app, rng, mistakes, ns.apps, mistake_rate)}
    rules = []
    if app.kind == "frontend":
        rules.append({Comment("from the ingress controller"): None, "from": [{
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}},
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "ingress-nginx",
                                            "app.kubernetes.io/component": "controller"}},
        }], "ports": [port_entry(app, rng, mistakes, mistake_rate)]})
    else:
        callers = app.callers or [a for a in ns.apps if a.kind == "frontend"]
        peers = []
        if callers:
            if len(callers) > 1 and rng.random() < 0.4:
                peers.append({"podSelector": {"matchExpressions": [{
                    "key": "app.kubernetes.io/name", "operator": "In",
                    "values": sorted(c.name for c in callers)}]}})
            else:
                for c in callers:
                    peers.append({"podSelector": pod_selector_for(c, rng, mistakes, ns.apps,
                                                                   mistake_rate / 2)})
        elif rng.random() < 0.5:
            peers.append({"podSelector": {"matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["frontend", "backend"]},
                {"key": "team", "operator": "Exists"}]}})
        else:
            peers.append({"podSelector": {"matchLabels": {"team": ns.team}}})
        if PROFILE["stale_peer_rate"] and rng.random() < PROFILE["stale_peer_rate"]:
            for name in rng.sample(RETIRED, rng.randint(1, 3)):
                mistakes.add("retired-peer")  # a caller that was renamed or retired: NP002
                peers.append({"podSelector": {"matchLabels": {"app": name}}})
        rule = {"from": peers, "ports": [port_entry(app, rng, mistakes, mistake_rate)]}
        if "grpc" in app.ports and rng.random() < 0.6:
            rule["ports"].append(port_entry(app, rng, mistakes, 0, "grpc"))
        rules.append(rule)
        if app.kind == "database" and rng.random() < mistake_rate * 1.5:
            mistakes.add("open-database-port")
            rules.append({Comment("temporary: analytics export from other namespaces"): None,
                          "from": [{"namespaceSelector": {}}],
                          "ports": [{"protocol": "TCP", "port": app.ports[app.service_port_name][0]}]})
        elif app.kind != "database" and cross_ns and rng.random() < 0.35:
            other = rng.choice(cross_ns)
            r = rng.random()
            if r < 0.4:
                peer = {"namespaceSelector": {"matchLabels": {"team": other.team}}}
            elif r < 0.7:
                peer = {"namespaceSelector": {
                    "matchLabels": {"kubernetes.io/metadata.name": other.name}},
                    "podSelector": {"matchLabels": {"tier": "backend"}}}
            else:
                peer = {"namespaceSelector": {"matchExpressions": [
                    {"key": "team", "operator": "In", "values": sorted({other.team, ns.team})},
                    {"key": "env", "operator": "NotIn", "values": ["dev", "qa"]}]}}
            rules.append({Comment(f"calls from {other.name}"): None, "from": [peer],
                          "ports": [port_entry(app, rng, mistakes, 0)]})
    if PROFILE["broad_ns_rate"] and app.kind != "database" and rng.random() < PROFILE["broad_ns_rate"]:
        # every team's production-like namespaces: matches most namespaces of the repo
        peer = {"namespaceSelector": {"matchExpressions": [
            {"key": "team", "operator": "Exists"},
            {"key": "env", "operator": "In", "values": ["prod", "staging"]}]}}
        if rng.random() < 0.6:
            peer["podSelector"] = {"matchLabels": {"app.kubernetes.io/component": "server"}}
        rules.append({Comment("internal callers from every team"): None, "from": [peer],
                      "ports": [port_entry(app, rng, mistakes, 0)]})
    # Prometheus scrapes metrics: namespaceSelector alone, or namespace+pod in one peer.
    if "metrics" in app.ports and rng.random() < 0.7:
        if rng.random() < 0.5:
            peer = {"namespaceSelector": {"matchLabels": {"team": "platform",
                                                          "kubernetes.io/metadata.name": "monitoring"}}}
        else:
            peer = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
                    "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}}
        rules.append({Comment("metrics scraping"): None, "from": [peer],
                      "ports": [port_entry(app, rng, mistakes, 0, "metrics")]})
    if app.name in ("renderer", "ingest", "router") and rng.random() < 0.5:
        rules.append({Comment("media relay port range from partner networks"): None,
                      "from": [{"ipBlock": {"cidr": rng.choice(EXTERNAL_CIDRS)}}],
                      "ports": [{"protocol": "UDP", "port": 30000, "endPort": 30999}]})
    spec["ingress"] = rules
    if rng.random() < mistake_rate * 1.5:
        mistakes.add("ignored-egress-rules")
        spec["egress"] = [dns_rule(rng)]
        spec["policyTypes"] = ["Ingress"]
    else:
        policy_types(rng, ["Ingress"], spec)
    suffix = f"-{variant + 1}" if variant else ""
    return np_doc(f"{app.name}-ingress{suffix}", ns, rng, spec)


def egress_policy(app: App, ns: Namespace, rng: random.Random, mistakes: Mistakes, variant: int,
                  mistake_rate: float) -> dict:
    spec = {"podSelector": pod_selector_for(app, rng, mistakes, ns.apps, mistake_rate / 2)}
    rules = []
    missing_dns = (not ns.dns_allowed) and rng.random() < mistake_rate * 3
    if not missing_dns and not (ns.dns_allowed and rng.random() < 0.7):
        rules.append(dns_rule(rng))
    if missing_dns:
        mistakes.add("egress-without-dns")
    for dep in app.deps:
        rules.append({"to": [{"podSelector": pod_selector_for(dep, rng, mistakes, ns.apps, 0)}],
                      "ports": [port_entry(dep, rng, mistakes, 0)]})
    if PROFILE["stale_peer_rate"] and rng.random() < PROFILE["stale_peer_rate"]:
        names = rng.sample(RETIRED, rng.randint(1, 2))
        for _ in names:
            mistakes.add("retired-peer")
        rules.append({"to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": n}}} for n in names],
                      "ports": [{"protocol": "TCP", "port": 8080}]})
    if app.external or not app.deps:
        r = rng.random()
        if r < 0.5:
            rules.append({Comment("third-party HTTPS APIs, not the cluster or the metadata server"): None,
                          "to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": list(PRIVATE_EXCEPT)}}],
                          "ports": [{"protocol": "TCP", "port": 443}]})
        elif r < 0.8:
            cidr = rng.choice(EXTERNAL_CIDRS)
            base, bits = cidr.split("/")
            sub = base.rsplit(".", 2)[0] + ".128.0/" + str(max(int(bits) + 1, 17)) if int(bits) < 24 \
                else base.rsplit(".", 1)[0] + ".128/25"
            rules.append({Comment("partner SFTP and its passive port range"): None,
                          "to": [{"ipBlock": {"cidr": cidr, "except": [sub]}}],
                          "ports": [{"protocol": "TCP", "port": 22},
                                    {"protocol": "TCP", "port": 50000, "endPort": 50100}]})
        else:
            rules.append({"to": [{"ipBlock": {"cidr": rng.choice(EXTERNAL_CIDRS)}}],
                          "ports": [{"protocol": "TCP", "port": 8443, "endPort": 8450}]})
    spec["egress"] = rules
    if rng.random() < 0.15 and not missing_dns:
        pass  # no policyTypes: inferred [Ingress, Egress] -- an ingress deny nobody asked for
    else:
        spec["policyTypes"] = ["Egress"]
    suffix = f"-{variant + 1}" if variant else ""
    return np_doc(f"{app.name}-egress{suffix}", ns, rng, spec)


def baseline_policies(ns: Namespace, rng: random.Random, same_namespace: bool = False) -> list:
    docs = []
    if ns.baseline == "deny-ingress":
        docs.append(np_doc("default-deny-ingress", ns, rng, {
            "podSelector": {}, "policyTypes": ["Ingress"]},
            "Every pod in the namespace is isolated for ingress; the app policies open what is needed."))
    elif ns.baseline == "deny-all":
        docs.append(np_doc("default-deny-all", ns, rng, {
            "podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
            "Deny everything by default, both directions."))
        if ns.dns_allowed:
            docs.append(np_doc("allow-dns", ns, rng, {
                "podSelector": {}, "policyTypes": ["Egress"], "egress": [dns_rule(rng)]}))
    if same_namespace:
        docs.append(np_doc("allow-same-namespace", ns, rng, {
            "podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}]}))
    return docs


# --------------------------------------------------------------------------------------------
# Namespaces and apps.


def plan_namespace(k: int, seed: int) -> Namespace:
    team = TEAMS[k % len(TEAMS)]
    r = k // len(TEAMS)
    domain = DOMAINS[r % len(DOMAINS)]
    env = ENVS[(r // len(DOMAINS)) % len(ENVS)]
    name = f"{team}-{domain}" + ("" if env == "prod" else f"-{env}")
    if r >= len(DOMAINS) * len(ENVS):
        name += f"-{r // (len(DOMAINS) * len(ENVS)) + 1}"
    ns = Namespace(name, team, env, domain)
    rng = random.Random(f"{seed}/ns/{name}")
    ns.labels = {"team": team, "env": env, "domain": domain,
                 "cost-center": f"cc-{1000 + TEAMS.index(team) * 7}",
                 "pod-security.kubernetes.io/enforce": rng.choice(["restricted", "baseline"])}
    if rng.random() < 0.5:
        ns.labels["kubernetes.io/metadata.name"] = name
    b = rng.random()
    ns.baseline = "deny-ingress" if b < 0.5 else "deny-all" if b < 0.8 else None
    ns.dns_allowed = ns.baseline == "deny-all"
    names = set()

    def pick(pool):
        for _ in range(20):
            n = rng.choice(pool)
            if n not in names:
                names.add(n)
                return n
        n = rng.choice(pool) + f"-{len(names)}"
        names.add(n)
        return n

    if rng.random() < PROFILE["frontends"]:
        a = App(pick(FRONTENDS), "frontend", "frontend")
        a.service_port = rng.choice([8080, 3000, 80])
        ns.apps.append(a)
    for _ in range(rng.randint(*PROFILE["backends"])):
        a = App(pick(BACKENDS), "backend", "backend")
        a.service_port = rng.choice([8080, 8080, 8000, 5000, 9000])
        a.external = rng.random() < 0.3
        ns.apps.append(a)
    if rng.random() < 0.85:
        for flav in rng.sample(sorted(DATABASES), rng.choice([1, 1, 1, 2])):
            a = App(pick([flav, f"{flav}-main", f"{domain}-{flav}"]), "database", "data")
            a.db = flav
            ns.apps.append(a)
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        ns.apps.append(App(pick(CRONJOBS), "cronjob", "batch"))
    # who calls whom (same namespace)
    fronts = [a for a in ns.apps if a.kind == "frontend"]
    backs = [a for a in ns.apps if a.kind == "backend"]
    dbs = [a for a in ns.apps if a.kind == "database"]
    for f in fronts:
        for b in rng.sample(backs, min(len(backs), rng.randint(1, 2))):
            f.deps.append(b)
            b.callers.append(f)
    for i, b in enumerate(backs):
        if i > 0 and rng.random() < 0.4:
            target = backs[rng.randrange(i)]
            b.deps.append(target)
            target.callers.append(b)
        if dbs and rng.random() < 0.7:
            d = rng.choice(dbs)
            b.deps.append(d)
            d.callers.append(b)
    for c in ns.apps:
        if c.kind == "cronjob" and (dbs or backs):
            d = rng.choice(dbs or backs)
            c.deps.append(d)
            d.callers.append(c)
    for d in dbs:
        if not d.callers and backs:
            b = rng.choice(backs)
            b.deps.append(d)
            d.callers.append(b)
    for a in ns.apps:
        component = {"frontend": "frontend", "backend": "server", "database": "database",
                     "cronjob": "batch"}[a.kind]
        a.labels = pod_labels(a, ns, rng, component)
        assign_ports(a, rng)
    return ns


def namespace_files(ns: Namespace, seed: int, factor: int, mistake_rate: float, cross_ns: list,
                    mistakes: Mistakes):
    """Yield the namespace's files, namespace-level ones first, then app by app."""
    rng = random.Random(f"{seed}/workloads/{ns.name}")

    def prng(*part):  # one stream per policy group and variant: variant 0 is the same for every factor
        return random.Random("/".join([str(seed), "policies", ns.name, *map(str, part)]))

    base = f"teams/{ns.team}/{ns.name}"
    ns_doc = {"apiVersion": "v1", "kind": "Namespace",
              "metadata": {"name": ns.name, "labels": dict(ns.labels), "annotations": {
                  "owner": f"{ns.team}-oncall@example.com",
                  "contact": f"#team-{ns.team}",
                  "description": f"{ns.team.capitalize()} {ns.domain} services ({ns.env})"}}}
    docs = [ns_doc]
    if rng.random() < 0.5:
        docs.append({"apiVersion": "v1", "kind": "ResourceQuota",
                     "metadata": {"name": "compute", "namespace": ns.name},
                     "spec": {"hard": {"requests.cpu": str(rng.choice([8, 16, 32])),
                                       "requests.memory": f"{rng.choice([16, 32, 64])}Gi",
                                       "limits.memory": f"{rng.choice([32, 64, 128])}Gi",
                                       "pods": str(rng.choice([50, 100, 200]))}}})
        docs.append({"apiVersion": "v1", "kind": "LimitRange",
                     "metadata": {"name": "defaults", "namespace": ns.name},
                     "spec": {"limits": [{"type": "Container",
                                          "default": {"memory": "256Mi"},
                                          "defaultRequest": {"cpu": "100m", "memory": "128Mi"}}]}})
    yield File(f"{base}/namespace.yaml", docs,
               f"# Namespace for team {ns.team} ({ns.env}). Managed by Argo CD; edit via pull request.\n")
    baseline = []
    if ns.baseline == "deny-all" and prng("dns").random() < mistake_rate * 3:
        ns.dns_allowed = False  # forgot allow-dns: every pod without its own DNS rule loses DNS
        mistakes.add("egress-without-dns")
    same_ns = not any(a.kind == "database" for a in ns.apps) and prng("same-ns").random() < 0.3
    for v in range(factor):
        for d in baseline_policies(ns, prng("baseline", v), same_ns):
            if v:
                d["metadata"]["name"] += f"-{v + 1}"
            baseline.append(d)
    if baseline:
        yield File(f"{base}/network-baseline.yaml", baseline,
                   "# Namespace-wide NetworkPolicies. App-specific ones live next to each app.\n")

    for app in ns.apps:
        adir = f"{base}/{app.name}"
        files = []
        has_policy = True
        if app.kind == "database":
            docs = statefulset(app, ns, rng)
            files.append(File(f"{adir}/statefulset.yaml", docs,
                              f"# {app.db} for {ns.name}. Credentials come from the "
                              f"{app.name}-credentials Secret (sealed, see secrets/).\n"))
            has_policy = rng.random() < 0.9
        elif app.kind == "cronjob":
            files.append(File(f"{adir}/cronjob.yaml", [cronjob(app, ns, rng)]))
            has_policy = rng.random() < 0.6
        else:
            dep = deployment(app, ns, rng)
            svc = service(app, ns, rng)
            style = rng.random()
            if style < 0.25:
                files.append(File(f"{adir}/app.yaml", [dep, svc]))
            elif style < 0.27:
                files.append(File(f"{adir}/list.yaml", [{
                    "apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""},
                    "items": [dep, svc]}],
                    "# Exported with kubectl get -o yaml; to be split up.\n"))
            else:
                files.append(File(f"{adir}/deployment.yaml", [dep]))
                if style < 0.3:
                    files.append(File(f"{adir}/service.json", [svc], fmt="json"))
                else:
                    files.append(File(f"{adir}/service.yaml", [svc]))
            has_policy = rng.random() < 0.92
        # policies (their own random stream: the factor changes nothing else)
        pdocs = []
        if has_policy:
            for v in range(factor):
                mr = mistake_rate if v == 0 else 0
                r = prng(app.name, v)
                if app.kind != "cronjob":
                    pdocs.append(ingress_policy(app, ns, r, mistakes, v, mr, cross_ns))
                if app.kind == "cronjob" or (app.kind != "database" and (
                        ns.baseline == "deny-all" or (app.kind == "backend" and (app.deps or app.external)
                                                      and r.random() < 0.5))):
                    pdocs.append(egress_policy(app, ns, r, mistakes, v, mr))
        elif app.kind == "database" and ns.baseline is None:
            mistakes.add("database-not-isolated")
        # draw unconditionally: the workload stream must not depend on the policies
        as_json, as_list = rng.random() < 0.03, rng.random() < 0.02
        if pdocs:
            if as_json or as_list:
                doc = pdocs[0] if len(pdocs) == 1 and as_json else {
                    "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicyList",
                    "metadata": {}, "items": pdocs}
                files.append(File(f"{adir}/networkpolicy.{'json' if as_json else 'yaml'}", [doc],
                                  fmt="json" if as_json else "yaml"))
            else:
                files.append(File(f"{adir}/networkpolicy.yaml", pdocs))
        # the rest of a typical app folder
        if app.kind in ("frontend", "backend"):
            files.append(File(f"{adir}/configmap.yaml", configmap(app, ns, rng)))
            if rng.random() < 0.35:
                files.append(File(f"{adir}/rbac.yaml", rbac(app, ns, rng)))
            if ns.env == "prod" and rng.random() < 0.5:
                files.append(File(f"{adir}/hpa.yaml", [hpa(app, ns, rng), pdb(app, ns, rng)]))
            if app.kind == "frontend":
                files.append(File(f"{adir}/ingress.yaml", [ingress(app, ns, rng)]))
        if rng.random() < 0.25:
            names = [f.path.rsplit("/", 1)[1] for f in files]
            files.append(File(f"{adir}/kustomization.yaml", [kustomization(names, ns, app)]))
        yield from files


# --------------------------------------------------------------------------------------------
# The platform team's cluster-wide pieces (so DNS, ingress and monitoring peers resolve).


def platform_files() -> list:
    files = []

    def nsobj(name, extra=None):
        labels = {"team": "platform", "env": "prod", "kubernetes.io/metadata.name": name}
        labels.update(extra or {})
        return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}

    files.append(File("teams/platform/kube-system/namespace.yaml", [nsobj("kube-system")]))
    coredns_labels = {"k8s-app": "kube-dns"}
    files.append(File("teams/platform/kube-system/coredns/deployment.yaml", [
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "coredns", "namespace": "kube-system",
                      "labels": {"k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS"}},
         "spec": {"replicas": 2, "selector": {"matchLabels": coredns_labels},
                  "template": {"metadata": {"labels": coredns_labels}, "spec": {
                      "priorityClassName": "system-cluster-critical",
                      "serviceAccountName": "coredns",
                      "containers": [{
                          "name": "coredns", "image": "registry.k8s.io/coredns/coredns:v1.11.3",
                          "args": ["-conf", "/etc/coredns/Corefile"],
                          "ports": [{"name": "dns", "containerPort": 53, "protocol": "UDP"},
                                    {"name": "dns-tcp", "containerPort": 53, "protocol": "TCP"},
                                    {"name": "metrics", "containerPort": 9153, "protocol": "TCP"}],
                          "resources": {"requests": {"cpu": "100m", "memory": "70Mi"},
                                        "limits": {"memory": "170Mi"}},
                          "livenessProbe": {"httpGet": {"path": "/health", "port": 8080}},
                          "readinessProbe": {"httpGet": {"path": "/ready", "port": 8181}},
                          "volumeMounts": [{"name": "config-volume", "mountPath": "/etc/coredns",
                                            "readOnly": True}]}],
                      "volumes": [{"name": "config-volume", "configMap": {"name": "coredns"}}]}}}},
        {"apiVersion": "v1", "kind": "Service",
         "metadata": {"name": "kube-dns", "namespace": "kube-system",
                      "labels": {"k8s-app": "kube-dns"},
                      "annotations": {"prometheus.io/port": "9153", "prometheus.io/scrape": "true"}},
         "spec": {"clusterIP": "10.96.0.10", "selector": coredns_labels,
                  "ports": [{"name": "dns", "port": 53, "protocol": "UDP"},
                            {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
                            {"name": "metrics", "port": 9153, "protocol": "TCP"}]}},
    ], "# CoreDNS, as installed by kubeadm (trimmed).\n"))
    files.append(File("teams/platform/kube-system/calico-node/daemonset.yaml", [
        {"apiVersion": "apps/v1", "kind": "DaemonSet",
         "metadata": {"name": "calico-node", "namespace": "kube-system",
                      "labels": {"k8s-app": "calico-node"}},
         "spec": {"selector": {"matchLabels": {"k8s-app": "calico-node"}},
                  "updateStrategy": {"type": "RollingUpdate",
                                     "rollingUpdate": {"maxUnavailable": 1}},
                  "template": {"metadata": {"labels": {"k8s-app": "calico-node"}}, "spec": {
                      "hostNetwork": True,
                      "priorityClassName": "system-node-critical",
                      "serviceAccountName": "calico-node",
                      "tolerations": [{"effect": "NoSchedule", "operator": "Exists"},
                                      {"key": "CriticalAddonsOnly", "operator": "Exists"}],
                      "containers": [{
                          "name": "calico-node", "image": "docker.io/calico/node:v3.29.1",
                          "env": [{"name": "DATASTORE_TYPE", "value": "kubernetes"},
                                  {"name": "CALICO_NETWORKING_BACKEND", "value": "bird"},
                                  {"name": "CALICO_IPV4POOL_CIDR", "value": "10.244.0.0/16"},
                                  {"name": "FELIX_DEFAULTENDPOINTTOHOSTACTION", "value": "ACCEPT"}],
                          "securityContext": {"privileged": True},
                          "resources": {"requests": {"cpu": "250m"}}}]}}}},
    ], "# Calico enforces NetworkPolicy in this cluster.\n"))
    ing_labels = {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"}
    files.append(File("teams/platform/ingress-nginx/namespace.yaml", [nsobj("ingress-nginx")]))
    files.append(File("teams/platform/ingress-nginx/controller/deployment.yaml", [
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "ingress-nginx-controller", "namespace": "ingress-nginx",
                      "labels": dict(ing_labels)},
         "spec": {"replicas": 3, "selector": {"matchLabels": dict(ing_labels)},
                  "template": {"metadata": {"labels": dict(ing_labels)}, "spec": {
                      "containers": [{
                          "name": "controller",
                          "image": "registry.k8s.io/ingress-nginx/controller:v1.12.0",
                          "args": ["/nginx-ingress-controller", "--ingress-class=nginx",
                                   "--publish-service=$(POD_NAMESPACE)/ingress-nginx-controller"],
                          "ports": [{"name": "http", "containerPort": 80},
                                    {"name": "https", "containerPort": 443},
                                    {"name": "metrics", "containerPort": 10254}],
                          "resources": {"requests": {"cpu": "100m", "memory": "90Mi"}}}]}}}},
        {"apiVersion": "v1", "kind": "Service",
         "metadata": {"name": "ingress-nginx-controller", "namespace": "ingress-nginx"},
         "spec": {"type": "LoadBalancer", "externalTrafficPolicy": "Local",
                  "selector": dict(ing_labels),
                  "ports": [{"name": "http", "port": 80, "targetPort": "http"},
                            {"name": "https", "port": 443, "targetPort": "https"}]}},
    ]))
    files.append(File("teams/platform/ingress-nginx/controller/networkpolicy.yaml", [
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
         "metadata": {"name": "controller-ingress", "namespace": "ingress-nginx"},
         "spec": {"podSelector": {"matchLabels": dict(ing_labels)}, "policyTypes": ["Ingress"],
                  "ingress": [{Comment("the internet, via the cloud load balancer"): None,
                               "ports": [{"port": "http"}, {"port": "https"}]},
                              {"from": [{"namespaceSelector": {"matchLabels": {
                                  "kubernetes.io/metadata.name": "monitoring"}}}],
                               "ports": [{"port": "metrics"}]}]}},
    ]))
    prom_labels = {"app.kubernetes.io/name": "prometheus", "app.kubernetes.io/instance": "k8s"}
    files.append(File("teams/platform/monitoring/namespace.yaml", [nsobj("monitoring")]))
    files.append(File("teams/platform/monitoring/prometheus/statefulset.yaml", [
        {"apiVersion": "apps/v1", "kind": "StatefulSet",
         "metadata": {"name": "prometheus-k8s", "namespace": "monitoring", "labels": dict(prom_labels)},
         "spec": {"serviceName": "prometheus-operated", "replicas": 2,
                  "selector": {"matchLabels": dict(prom_labels)},
                  "template": {"metadata": {"labels": dict(prom_labels)}, "spec": {
                      "serviceAccountName": "prometheus-k8s",
                      "containers": [{
                          "name": "prometheus", "image": "quay.io/prometheus/prometheus:v3.0.1",
                          "args": ["--config.file=/etc/prometheus/prometheus.yml",
                                   "--storage.tsdb.retention.time=15d"],
                          "ports": [{"name": "web", "containerPort": 9090}],
                          "resources": {"requests": {"cpu": "1", "memory": "4Gi"}}}]}}}},
        {"apiVersion": "v1", "kind": "Service",
         "metadata": {"name": "prometheus-k8s", "namespace": "monitoring"},
         "spec": {"selector": dict(prom_labels), "ports": [{"name": "web", "port": 9090,
                                                            "targetPort": "web"}]}},
    ]))
    files.append(File("teams/platform/monitoring/prometheus/networkpolicy.yaml", [
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
         "metadata": {"name": "prometheus", "namespace": "monitoring"},
         "spec": {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}},
                  "policyTypes": ["Ingress"],
                  "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": "platform"}}}],
                               "ports": [{"protocol": "TCP", "port": "web"}]}]}},
    ]))
    files.append(File("teams/platform/monitoring/node-exporter/daemonset.json", [
        {"apiVersion": "apps/v1", "kind": "DaemonSet",
         "metadata": {"name": "node-exporter", "namespace": "monitoring",
                      "labels": {"app.kubernetes.io/name": "node-exporter"}},
         "spec": {"selector": {"matchLabels": {"app.kubernetes.io/name": "node-exporter"}},
                  "template": {"metadata": {"labels": {"app.kubernetes.io/name": "node-exporter"}},
                               "spec": {"hostNetwork": True, "hostPID": True,
                                        "containers": [{
                                            "name": "node-exporter",
                                            "image": "quay.io/prometheus/node-exporter:v1.8.2",
                                            "args": ["--path.rootfs=/host"],
                                            "ports": [{"name": "metrics", "containerPort": 9100,
                                                       "hostPort": 9100}]}]}}}},
    ], fmt="json"))
    return files


# --------------------------------------------------------------------------------------------
# The ~2,000-line bundle for the language-server benchmark.

BIG_LINES = 2000


def big_bundle(seed: int, mistakes: Mistakes) -> File:
    rng = random.Random(f"{seed}/big")
    prng = random.Random(f"{seed}/big/policies")
    ns = Namespace("app-bundle", "platform", "prod", "bundle")
    ns.labels = {"team": "platform", "env": "prod", "domain": "bundle"}
    ns.baseline = "deny-ingress"
    header = ("# Everything for the app-bundle namespace in one file (generated by the release tool).\n"
              "# Used by the language-server benchmark: edit a selector and watch the diagnostics.\n")
    docs = [{"apiVersion": "v1", "kind": "Namespace",
             "metadata": {"name": ns.name, "labels": dict(ns.labels)}}]
    docs += baseline_policies(ns, prng)

    def cost(new):  # lines, counting the "---" separator of each document
        return sum(to_yaml(d).count("\n") + 1 for d in new)

    lines = header.count("\n") + cost(docs) - 1
    pool = BACKENDS + FRONTENDS
    i = 0
    while True:  # whole apps: Deployment, Service, ConfigMap(s), ingress NetworkPolicy
        base = pool[i % len(pool)]
        name = base if i < len(pool) else f"{base}-{i // len(pool) + 1}"
        kind = "frontend" if base in FRONTENDS else "backend"
        app = App(name, kind, kind)
        app.service_port = rng.choice([8080, 8000, 5000])
        if ns.apps and kind == "backend":
            dep = rng.choice(ns.apps)
            app.deps.append(dep)
            dep.callers.append(app)
        app.labels = pod_labels(app, ns, rng, "server")
        assign_ports(app, rng)
        ns.apps.append(app)
        new = [deployment(app, ns, rng), service(app, ns, rng)] + configmap(app, ns, rng)
        new.append(ingress_policy(app, ns, prng, mistakes, 0, 0, []))
        c = cost(new)
        if lines + c > BIG_LINES - 60:
            ns.apps.pop()
            for d in app.deps:
                d.callers.remove(app)
            break
        docs += new
        lines += c
        i += 1
    # then egress policies (with DNS), then more ingress policies, while they fit
    fillers = []
    candidates = [(a, v) for v in range(8) for a in ns.apps]
    for app, v in candidates:
        new = [egress_policy(app, ns, prng, mistakes, 0, 0) if v == 0
               else ingress_policy(app, ns, prng, mistakes, v, 0, [])]
        c = cost(new)
        if lines + c > BIG_LINES - 10:
            break
        fillers.append((new, c))
        docs += new
        lines += c
    # and a release-notes ConfigMap that makes the file exactly BIG_LINES lines
    notes = BIG_LINES - lines - 9
    while notes < 1:
        new, c = fillers.pop()
        docs.remove(new[0])
        lines -= c
        notes = BIG_LINES - lines - 9
    text = "# Release notes\n" + "".join(f"- release {k + 1}: routine dependency updates\n"
                                         for k in range(notes))
    docs.append({"apiVersion": "v1", "kind": "ConfigMap",
                 "metadata": {"name": "release-notes", "namespace": ns.name},
                 "data": {"NOTES.md": Literal(text)}})
    f = File("big/app-bundle.yaml", docs, header)
    assert f.render().count("\n") == BIG_LINES, f.render().count("\n")
    return f


# --------------------------------------------------------------------------------------------


LAST_APPLIED_KINDS = ("Deployment", "Service", "StatefulSet", "NetworkPolicy", "CronJob")


def add_last_applied(f: File) -> None:
    """kubectl apply's annotation: the object as JSON, as `kubectl get -o yaml` exports it."""
    if f.fmt != "yaml":
        return
    for d in f.docs:
        if d.get("kind") in LAST_APPLIED_KINDS and isinstance(d.get("metadata"), dict):
            body = json.dumps(strip_comments(d), separators=(",", ":"), sort_keys=True)
            d["metadata"].setdefault("annotations", {})["kubectl.kubernetes.io/last-applied-configuration"] = body


def generate(out: str, n_files: int, factor: int, seed: int, mistake_rate: float,
             profile: str = "monorepo") -> dict:
    global PROFILE
    PROFILE = PROFILES[profile]
    mistakes = Mistakes()
    stats = {"files": 0, "documents": 0, "objects": 0, "bytes": 0, "networkpolicies": 0,
             "namespaces": 0}
    made_dirs = set()

    def write(f: File) -> None:
        text = f.render()
        path = os.path.join(out, f.path)
        d = os.path.dirname(path)
        if d not in made_dirs:
            os.makedirs(d, exist_ok=True)
            made_dirs.add(d)
        data = text.encode("utf-8")
        with open(path, "wb") as fh:
            fh.write(data)
        stats["files"] += 1
        stats["documents"] += len(f.docs)
        stats["objects"] += f.objects()
        stats["networkpolicies"] += f.policies()
        stats["bytes"] += len(data)

    fixed = [File(".netpol-lsp.yaml", [{Comment("netpol-lsp workspace configuration"): None,
                                        "cni": "calico"}])]
    fixed += platform_files()
    fixed.append(big_bundle(seed, mistakes))
    if n_files < len(fixed) + 1:
        raise SystemExit(f"--files must be at least {len(fixed) + 1}")
    for f in fixed:
        write(f)
    stats["namespaces"] += 4  # kube-system, ingress-nginx, monitoring, app-bundle
    stats["documents"] -= 1   # the config file is not a manifest
    stats["objects"] -= 1
    budget = n_files - len(fixed)
    k = 0
    done = []
    while budget > 0:
        ns = plan_namespace(k, seed)
        cross = [d for d in done[-40:] if d.team != ns.team]
        found = Mistakes()
        files = list(namespace_files(ns, seed, factor, mistake_rate, cross, found))
        if len(files) > budget:
            files, found = fit_last_namespace(k, seed, factor, mistake_rate, cross, budget)
        for f in files:
            if PROFILE["last_applied"]:
                add_last_applied(f)
            write(f)
        for kind, n in found.items():
            mistakes[kind] = mistakes.get(kind, 0) + n
        budget -= len(files)
        done.append(ns)
        stats["namespaces"] += 1
        k += 1
    stats["mistakes"] = dict(sorted(mistakes.items()))
    return stats


def fit_last_namespace(k: int, seed: int, factor: int, mistake_rate: float, cross: list,
                       budget: int):
    """The last namespace: drop whole apps until it fits, then pad with dashboard ConfigMaps,
    so that no policy refers to an app that was cut off."""
    keep = None
    while True:
        ns = plan_namespace(k, seed)
        if keep is None:
            keep = len(ns.apps)
        kept = ns.apps[:keep]
        for a in kept:
            a.callers = [c for c in a.callers if c in kept]
            a.deps = [d for d in a.deps if d in kept]
        ns.apps = kept
        found = Mistakes()
        files = list(namespace_files(ns, seed, factor, mistake_rate, cross, found))
        if len(files) <= budget or keep <= 1:
            break
        keep -= 1
    files = files[:budget]
    rng = random.Random(f"{seed}/dashboards/{ns.name}")
    i = 0
    while len(files) < budget:
        i += 1
        panels = [{"type": "timeseries", "title": t, "gridPos": {"h": 8, "w": 12, "x": 12 * (j % 2), "y": 8 * (j // 2)},
                   "targets": [{"expr": f'sum(rate({m}{{namespace="{ns.name}"}}[5m])) by (pod)'}]}
                  for j, (t, m) in enumerate(rng.sample([
                      ("Requests", "http_requests_total"), ("Errors", "http_requests_errors_total"),
                      ("CPU", "container_cpu_usage_seconds_total"),
                      ("Restarts", "kube_pod_container_status_restarts_total"),
                      ("Network in", "container_network_receive_bytes_total")], 3))]
        dash = {"title": f"{ns.name} overview {i}", "uid": f"{ns.name[:30]}-{i}", "panels": panels}
        files.append(File(f"teams/{ns.team}/{ns.name}/dashboards/overview-{i}.yaml", [{
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": f"dashboard-overview-{i}", "namespace": ns.name,
                         "labels": {"grafana_dashboard": "1", "team": ns.team}},
            "data": {"overview.json": Literal(json.dumps(dash, indent=2) + "\n")}}]))
    return files, found


def clean(out: str) -> None:
    """Remove only what a previous run wrote, so counts stay exact."""
    for sub in ("teams", "big"):
        p = os.path.join(out, sub)
        if os.path.isdir(p):
            shutil.rmtree(p)
    p = os.path.join(out, ".netpol-lsp.yaml")
    if os.path.exists(p):
        os.remove(p)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir", help="output folder (its teams/, big/ and .netpol-lsp.yaml are replaced)")
    ap.add_argument("--files", type=int, default=10000, help="number of files to write (default 10000)")
    ap.add_argument("--policies-per-namespace-factor", type=int, default=1, metavar="N",
                    help="multiply the NetworkPolicies of every namespace by N (default 1); "
                         "workloads and file count stay the same")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--mistake-rate", type=float, default=0.02,
                    help="probability of each kind of deliberate mistake per policy (default 0.02)")
    ap.add_argument("--profile", choices=sorted(PROFILES), default="monorepo",
                    help="monorepo (default: few findings) or findings (big namespaces, thousands of "
                         "unmatched peers, broad namespaceSelectors, ~34 MB per 10,000 files)")
    args = ap.parse_args(argv)
    if args.policies_per_namespace_factor < 1:
        ap.error("--policies-per-namespace-factor must be >= 1")
    t0 = time.perf_counter()
    clean(args.out_dir)
    stats = generate(args.out_dir, args.files, args.policies_per_namespace_factor, args.seed,
                     args.mistake_rate, args.profile)
    elapsed = time.perf_counter() - t0
    print(f"profile:         {args.profile}")
    print(f"files:           {stats['files']}")
    print(f"documents:       {stats['documents']} ({stats['objects']} objects, List items counted)")
    print(f"bytes:           {stats['bytes']} ({stats['bytes'] / 1e6:.1f} MB)")
    print(f"namespaces:      {stats['namespaces']}")
    print(f"networkpolicies: {stats['networkpolicies']}")
    print("mistakes:        " + ", ".join(f"{k}={v}" for k, v in stats["mistakes"].items()))
    print(f"big file:        {os.path.join(args.out_dir, 'big', 'app-bundle.yaml')} ({BIG_LINES} lines)")
    print(f"elapsed:         {elapsed:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
