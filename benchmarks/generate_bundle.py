"""One rendered bundle of a given size, the shape vendor bundles have (Istio's install.yaml,
kube-prometheus's `kubectl kustomize` output): CRDs with large schemas, Grafana dashboards in
ConfigMaps, and per component a Deployment, a Service and a NetworkPolicy (about one component
per 13 KiB), 25 components a namespace. Deterministic, standard library only.

    python benchmarks/generate_bundle.py 63.9 > /tmp/bundle.yaml   # MiB
    /usr/bin/time -v netpol-lsp check --no-cache /tmp/bundle.yaml
    python benchmarks/generate_bundle.py 20 --dense > /tmp/dense.yaml

`--dense`: nothing but small objects the analysis keeps (per component a Deployment, a Service,
a NetworkPolicy and a ConfigMap of a few keys): the shape whose memory follows the number of
objects, not bytes.
"""
from __future__ import annotations

import json
import sys


def component(i: int, dense: bool = False) -> list[str]:
    ns = f"ns-{i // 25}"
    docs = []
    if i % 25 == 0:
        docs.append(f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n  labels:\n    team: t{i // 25}\n")
    if dense:
        docs.append(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-{i}\n  namespace: {ns}\n"
                    f"data:\n  LOG_LEVEL: info\n  PORT: \"8080\"\n")
        return docs + _workload(i, ns)
    props = "\n".join(f"                field{j}:\n                  description: Field {j} of the thing, with a "
                      f"long explanation of what it does.\n                  type: string" for j in range(40))
    docs.append(f"apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n"
                f"  name: things{i}.example.com\nspec:\n  group: example.com\n"
                f"  names: {{kind: Thing{i}, plural: things{i}}}\n  scope: Namespaced\n  versions:\n  - name: v1\n"
                f"    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n"
                f"        properties:\n          spec:\n            type: object\n            properties:\n{props}\n")
    dashboard = json.dumps({"panels": [{"title": f"p{k}", "legendFormat": "{{pod}}",
                                        "expr": f"sum by (pod) (rate(metric_{k}[5m]))"} for k in range(40)]}, indent=2)
    docs.append(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dashboard-{i}\n  namespace: {ns}\n  labels:\n"
                f"    grafana_dashboard: \"1\"\ndata:\n  d.json: |-\n"
                + "\n".join("    " + line for line in dashboard.split("\n")) + "\n")
    return docs + _workload(i, ns)


def _workload(i: int, ns: str) -> list[str]:
    docs = []
    docs.append(f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\n  namespace: {ns}\n  labels:\n"
                f"    app: app-{i}\nspec:\n  selector:\n    matchLabels:\n      app: app-{i}\n  template:\n"
                f"    metadata:\n      labels:\n        app: app-{i}\n        tier: web\n    spec:\n      containers:\n"
                f"      - name: main\n        image: example/app:{i}\n        args: [--port=8080, --verbose]\n"
                f"        ports:\n        - containerPort: 8080\n          name: http\n        env:\n        - name: A\n"
                f"          value: x\n        resources:\n          limits: {{cpu: 100m, memory: 128Mi}}\n")
    docs.append(f"apiVersion: v1\nkind: Service\nmetadata:\n  name: app-{i}\n  namespace: {ns}\nspec:\n  selector:\n"
                f"    app: app-{i}\n  ports:\n  - port: 80\n    targetPort: http\n")
    docs.append(f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: app-{i}\n  namespace: {ns}\n"
                f"spec:\n  podSelector:\n    matchLabels:\n      app: app-{i}\n  policyTypes: [Ingress]\n  ingress:\n"
                f"  - from:\n    - podSelector:\n        matchLabels:\n          tier: web\n    ports:\n    - port: http\n")
    return docs


def main() -> None:
    target = int(float(sys.argv[1]) * 1048576)
    dense = "--dense" in sys.argv[2:]
    docs, size, i = [], 0, 0
    while size < target:
        for doc in component(i, dense):
            docs.append(doc)
            size += len(doc) + 4
        i += 1
    sys.stdout.write("---\n".join(docs))
    print(f"{i} components, {len(docs)} documents", file=sys.stderr)


if __name__ == "__main__":
    main()
