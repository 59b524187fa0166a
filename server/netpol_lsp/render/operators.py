"""Custom resources that operators turn into pods: the pods' labels and ports, as each operator
documents or writes them, so a policy selecting those pods is resolved against them.

Each built-in kind names where its label rules come from. Labels the user gives the pods
(`podMetadata.labels`, a pod template's labels) come first and the operator's own labels win
over them, as each operator merges them. A label whose value differs from pod to pod (a
CloudNativePG instance's role) splits the resource into one workload per value.

Kinds the configuration declares (`operators:` in .netpol-lsp.yaml) are read the same way:
fixed labels, the paths of label maps and of container lists in the resource.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional

from ..manifests.nodes import Mapping, Node, Scalar, Sequence


@dataclass(frozen=True)
class PodGroup:
    """One set of identical pods an operator makes from a resource."""

    name: str  # what the workload is called: the resource's name, or the object the operator makes
    labels: dict  # the pods' labels, user's merged under the operator's
    ports: tuple  # (container, number, name, protocol, node)
    labels_node: Optional[Node] = None  # where the user's labels are written, when they are


@dataclass(frozen=True)
class DeclaredKind:
    """An operator kind declared in the configuration."""

    kind: str
    group: str
    labels: tuple = ()  # ((key, value template), ...); "{name}" is the resource's name
    pod_labels: tuple = ()  # dotted paths to label maps in the resource; `*` walks every list item
    containers: tuple = ()  # dotted paths to container lists (their ports are the pods' ports)
    ports: tuple = ()  # ((number, name, protocol), ...)


# -- reading a resource quietly: a wrong shape here is the operator's to reject, not ours ------

def at(node: Optional[Node], path: str) -> list[Node]:
    """The nodes at a dotted path; `*` steps into every item of a list."""
    found = [node] if node is not None else []
    for step in path.split(".") if path else []:
        following = []
        for current in found:
            if step == "*" and isinstance(current, Sequence):
                following.extend(current.items)
            elif isinstance(current, Mapping):
                child = current.get(step)
                if child is not None:
                    following.append(child)
        found = following
    return found


def first(node: Optional[Node], path: str) -> Optional[Node]:
    nodes = at(node, path)
    return nodes[0] if nodes else None


def text(node: Optional[Node], path: str = "") -> Optional[str]:
    found = first(node, path) if path else node
    if isinstance(found, Scalar) and found.type != "null":
        return found.value
    return None


def integer(node: Optional[Node], path: str) -> Optional[int]:
    found = first(node, path)
    if isinstance(found, Scalar) and found.type == "int":
        value = found.python()
        return value if isinstance(value, int) else None
    return None


def label_map(node: Optional[Node]) -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(node, Mapping):
        for key, value in node.items:
            if isinstance(key, Scalar) and isinstance(value, Scalar):
                out[key.value] = value.value if value.type != "null" else ""
    return out


def labels_at(root: Node, *paths: str) -> tuple[dict[str, str], Optional[Node]]:
    """The label maps at the paths merged in order, and the first of them written."""
    merged: dict[str, str] = {}
    written = None
    for path in paths:
        for node in at(root, path):
            if isinstance(node, Mapping):
                merged.update(label_map(node))
                written = written or node
    return merged, written


def container_ports(root: Node, *paths: str) -> list[tuple]:
    ports = []
    for path in paths:
        for containers in at(root, path):
            for container in containers.items if isinstance(containers, Sequence) else []:
                cname = text(container, "name") or ""
                for port in at(container, "ports.*"):
                    number = integer(port, "containerPort")
                    if number is not None:
                        ports.append((cname, number, text(port, "name"), text(port, "protocol") or "TCP", port))
    return ports


def _group(name: str, operator_labels: dict, user: tuple[dict, Optional[Node]], ports: Iterable[tuple],
           extra_ports: Iterable[tuple] = ()) -> PodGroup:
    labels = dict(user[0])
    labels.update(operator_labels)  # the operator's labels win: they select its own pods
    return PodGroup(name, labels, tuple(ports) + tuple(extra_ports), user[1])


# -- built-in kinds ------------------------------------------------------------------------------
# Each function takes the resource's root mapping and name and returns its pod groups.

def _ports(root: Node, container: str, *specs: tuple) -> list[tuple]:
    return [(container, number, name, protocol, root) for number, name, protocol in specs]


def prometheus(root: Node, name: str) -> list[PodGroup]:
    # prometheus-operator pkg/prometheus/server/statefulset.go (makeStatefulSetSpec: the pod
    # selector labels, applied over spec.podMetadata.labels by BuildPodMetadata); port 9090 named
    # spec.portName (default "web"), the config-reloader's 8080 "reloader-web"; the Thanos sidecar
    # (spec.thanos) listens on 10901 grpc and 10902 http.
    # spec.shards > 1 makes one StatefulSet a shard (prometheus-<name>-shard-<n> from 1 on),
    # told apart by the shard label: one workload each.
    ports = _ports(root, "prometheus", (9090, text(root, "spec.portName") or "web", "TCP"))
    ports += _ports(root, "config-reloader", (8080, "reloader-web", "TCP"))
    if isinstance(first(root, "spec.thanos"), Mapping):
        ports += _ports(root, "thanos-sidecar", (10901, "grpc", "TCP"), (10902, "http", "TCP"))
    shards = integer(root, "spec.shards") or 1
    groups = []
    for shard in range(max(1, min(shards, 100))):
        shard_labels = {
            "app.kubernetes.io/name": "prometheus",
            "app.kubernetes.io/managed-by": "prometheus-operator",
            "app.kubernetes.io/instance": name,
            "prometheus": name,
            "operator.prometheus.io/name": name,
            "operator.prometheus.io/shard": str(shard),
        }
        groups.append(_group(name if shard == 0 else f"{name}-shard-{shard}", shard_labels,
                             labels_at(root, "spec.podMetadata.labels"), ports))
    return groups


def alertmanager(root: Node, name: str) -> list[PodGroup]:
    # prometheus-operator pkg/alertmanager/statefulset.go (makeSelectorLabels and the pod labels
    # over spec.podMetadata.labels); ports 9093 named spec.portName (default "web"), 9094
    # mesh-tcp and mesh-udp, the config-reloader's 8080.
    labels = {
        "app.kubernetes.io/name": "alertmanager",
        "app.kubernetes.io/managed-by": "prometheus-operator",
        "app.kubernetes.io/instance": name,
        "alertmanager": name,
    }
    ports = _ports(root, "alertmanager", (9093, text(root, "spec.portName") or "web", "TCP"),
                   (9094, "mesh-tcp", "TCP"), (9094, "mesh-udp", "UDP"))
    ports += _ports(root, "config-reloader", (8080, "reloader-web", "TCP"))
    return [_group(name, labels, labels_at(root, "spec.podMetadata.labels"), ports)]


def thanos_ruler(root: Node, name: str) -> list[PodGroup]:
    # prometheus-operator pkg/thanos/statefulset.go (podLabels over spec.podMetadata.labels, with
    # thanosRulerLabel = "thanos-ruler"); ports 10901 grpc, 10902 web.
    labels = {
        "app.kubernetes.io/name": "thanos-ruler",
        "app.kubernetes.io/managed-by": "prometheus-operator",
        "app.kubernetes.io/instance": name,
        "thanos-ruler": name,
    }
    ports = _ports(root, "thanos-ruler", (10901, "grpc", "TCP"), (10902, "web", "TCP"))
    return [_group(name, labels, labels_at(root, "spec.podMetadata.labels"), ports)]


def _strimzi_labels(cluster: str, component: str, app_name: str, kind: str = "Kafka",
                    workload: Optional[str] = None) -> dict:
    # Strimzi's labels on the pods of a Kafka cluster (the StrimziPodSet and Deployment labels the
    # Cluster Operator writes; KafkaNodePool status.labelSelector shows the same
    # strimzi.io/cluster, strimzi.io/name, strimzi.io/kind). Other kinds (KafkaConnect, ...) get
    # the same set with their own kind, component type and workload name.
    return {
        "strimzi.io/cluster": cluster,
        "strimzi.io/kind": kind,
        "strimzi.io/name": workload or f"{cluster}-{component}",
        "strimzi.io/component-type": component,
        "app.kubernetes.io/name": app_name,
        "app.kubernetes.io/instance": cluster,
        "app.kubernetes.io/managed-by": "strimzi-cluster-operator",
        "app.kubernetes.io/part-of": f"strimzi-{cluster}",
    }


def strimzi_kafka(root: Node, name: str) -> list[PodGroup]:
    # Brokers listen on every spec.kafka.listeners[].port, plus 9090 (control plane) and 9091
    # (replication) inside the cluster; ZooKeeper on 2181, 2888, 3888. User labels come from
    # spec.<component>.template.pod.metadata.labels.
    # With node pools (the strimzi.io/node-pools: enabled annotation, or no spec.kafka.replicas as
    # from Strimzi 0.46 on) the brokers are the KafkaNodePools' pods, not this resource's.
    listeners = [(integer(item, "port"), item) for item in at(root, "spec.kafka.listeners.*")]
    broker_ports = [("kafka", port, None, "TCP", node) for port, node in listeners if port is not None]
    broker_ports += _ports(root, "kafka", (9090, "tcp-ctrlplane", "TCP"), (9091, "tcp-replication", "TCP"))
    pools = (label_map(first(root, "metadata.annotations")).get("strimzi.io/node-pools") == "enabled"
             or first(root, "spec.kafka.replicas") is None)
    groups = [] if pools else [_group(f"{name}-kafka", _strimzi_labels(name, "kafka", "kafka"),
                                      labels_at(root, "spec.kafka.template.pod.metadata.labels"), broker_ports)]
    if isinstance(first(root, "spec.zookeeper"), Mapping):
        zk_ports = _ports(root, "zookeeper", (2181, "tcp-clients", "TCP"), (2888, "tcp-clustering", "TCP"),
                          (3888, "tcp-election", "TCP"))
        groups.append(_group(f"{name}-zookeeper", _strimzi_labels(name, "zookeeper", "zookeeper"),
                             labels_at(root, "spec.zookeeper.template.pod.metadata.labels"), zk_ports))
    if isinstance(first(root, "spec.entityOperator"), Mapping):
        groups.append(_group(f"{name}-entity-operator",
                             _strimzi_labels(name, "entity-operator", "entity-operator"),
                             labels_at(root, "spec.entityOperator.template.pod.metadata.labels"), ()))
    return groups


def strimzi_node_pool(root: Node, name: str) -> list[PodGroup]:
    # A KafkaNodePool's pods (<cluster>-<pool>-<id>) carry the Kafka cluster's labels and
    # strimzi.io/pool-name (the pool's status.labelSelector: strimzi.io/cluster, strimzi.io/name=
    # <cluster>-kafka, strimzi.io/kind=Kafka, strimzi.io/pool-name); the cluster is named by the
    # pool's strimzi.io/cluster label. User labels: spec.template.pod.metadata.labels.
    cluster = label_map(first(root, "metadata.labels")).get("strimzi.io/cluster")
    if not cluster:
        return []  # the operator ignores a pool that names no cluster
    labels = {**_strimzi_labels(cluster, "kafka", "kafka"), "strimzi.io/pool-name": name}
    ports = _ports(root, "kafka", (9090, "tcp-ctrlplane", "TCP"), (9091, "tcp-replication", "TCP"))
    return [_group(f"{cluster}-{name}", labels, labels_at(root, "spec.template.pod.metadata.labels"), ports)]


def _strimzi_deployment(kind: str, component: str, suffix: str, port_spec: Callable[[Node], tuple]) -> Callable:
    # Strimzi's KafkaConnect, KafkaMirrorMaker2 and KafkaBridge (AbstractModel with the
    # component types kafka-connect, kafka-mirror-maker-2, kafka-bridge): one Deployment or
    # StrimziPodSet <name>-connect / -mirrormaker2 / -bridge; user labels from
    # spec.template.pod.metadata.labels. Connect and MirrorMaker 2 serve their REST API on 8083;
    # the bridge's HTTP port is spec.http.port (8080 by default); 9404 is the metrics port when
    # spec.metricsConfig is set.
    def groups(root: Node, name: str) -> list[PodGroup]:
        workload = f"{name}-{suffix}"
        ports = _ports(root, workload, port_spec(root))
        if first(root, "spec.metricsConfig") is not None:
            ports += _ports(root, workload, (9404, "tcp-prometheus", "TCP"))
        return [_group(workload, _strimzi_labels(name, component, component, kind, workload),
                       labels_at(root, "spec.template.pod.metadata.labels"), ports)]
    return groups


def cnpg_cluster(root: Node, name: str) -> list[PodGroup]:
    # CloudNativePG "Labels and annotations" (predefined labels): cnpg.io/cluster, cnpg.io/podRole
    # (instance), cnpg.io/instanceRole and the older `role` (primary or replica, per pod);
    # spec.inheritedMetadata.labels reach every pod. Ports 5432 postgresql, 9187 metrics,
    # 8000 status. The primary and the replicas are two workloads: their role labels differ.
    user = labels_at(root, "spec.inheritedMetadata.labels")
    ports = _ports(root, "postgres", (5432, "postgresql", "TCP"), (9187, "metrics", "TCP"), (8000, "status", "TCP"))
    base = {"cnpg.io/cluster": name, "cnpg.io/podRole": "instance"}
    groups = [_group(name, {**base, "cnpg.io/instanceRole": "primary", "role": "primary"}, user, ports)]
    instances = integer(root, "spec.instances")
    if instances is None or instances > 1:  # the CRD's default is 1; a template may hide the number
        groups.append(_group(f"{name}-replicas", {**base, "cnpg.io/instanceRole": "replica", "role": "replica"},
                             user, ports))
    return groups


def eck_elasticsearch(root: Node, name: str) -> list[PodGroup]:
    # ECK: every Elasticsearch pod has common.k8s.elastic.co/type=elasticsearch and
    # elasticsearch.k8s.elastic.co/cluster-name (the selectors of ECK's "Network policies"
    # page), and elasticsearch.k8s.elastic.co/statefulset-name=<name>-es-<nodeSet>; labels of
    # spec.nodeSets[].podTemplate.metadata are merged in. Ports 9200 https, 9300 transport.
    groups = []
    for node_set in at(root, "spec.nodeSets.*"):
        set_name = text(node_set, "name") or "default"
        labels = {
            "common.k8s.elastic.co/type": "elasticsearch",
            "elasticsearch.k8s.elastic.co/cluster-name": name,
            "elasticsearch.k8s.elastic.co/statefulset-name": f"{name}-es-{set_name}",
        }
        ports = _ports(node_set, "elasticsearch", (9200, "https", "TCP"), (9300, "transport", "TCP"))
        groups.append(_group(f"{name}-es-{set_name}", labels, labels_at(node_set, "podTemplate.metadata.labels"),
                             ports + container_ports(node_set, "podTemplate.spec.containers")))
    return groups


def eck_kibana(root: Node, name: str) -> list[PodGroup]:
    # ECK pkg/controller/kibana/label: kibana.k8s.elastic.co/name and common.k8s.elastic.co/type
    # =kibana on every Kibana pod, over spec.podTemplate.metadata.labels. Port 5601.
    labels = {"common.k8s.elastic.co/type": "kibana", "kibana.k8s.elastic.co/name": name}
    ports = _ports(root, "kibana", (5601, "https", "TCP"))
    return [_group(f"{name}-kb", labels, labels_at(root, "spec.podTemplate.metadata.labels"),
                   ports + container_ports(root, "spec.podTemplate.spec.containers"))]


def _ot_redis(setup: str, roles: tuple[str, ...], port_specs: tuple) -> Callable:
    # OT-CONTAINER-KIT redis-operator, getRedisLabels: app=<statefulset name>,
    # redis_setup_type=<setup>, role=<role>, over the resource's own metadata.labels; cluster
    # mode makes <name>-leader and <name>-follower StatefulSets. Redis listens on 6379 (and the
    # cluster bus 16379), Sentinel on 26379.
    def groups(root: Node, name: str) -> list[PodGroup]:
        user = labels_at(root, "metadata.labels")
        out = []
        for role in roles:
            workload = name if role in ("standalone", "replication") else f"{name}-{role}"
            out.append(_group(workload, {"app": workload, "redis_setup_type": setup, "role": role}, user,
                              _ports(root, "redis", *port_specs)))
        return out
    return groups


def _label_whitelist(labels: dict[str, str], root: Node) -> dict[str, str]:
    # spec.labelWhitelist: regular expressions; only the resource's labels whose key matches
    # one are propagated (none given: all are). A pattern Python cannot compile is skipped,
    # as the operator skips one Go cannot.
    patterns = [text(node) for node in at(root, "spec.labelWhitelist.*")]
    patterns = [p for p in patterns if p]
    if not patterns:
        return labels
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error:
            continue
    return {k: v for k, v in labels.items() if any(c.search(k) for c in compiled)}


def spotahome_redis_failover(root: Node, name: str) -> list[PodGroup]:
    # spotahome redis-operator (operator/redisfailover/handler.go getLabels, service/generator.go):
    # every pod gets app.kubernetes.io/managed-by=redis-operator and
    # redisfailovers.databases.spotahome.com/name=<name>, then the resource's own labels
    # (filtered by spec.labelWhitelist) over those, then the selector labels over all:
    # app.kubernetes.io/name=<name>, app.kubernetes.io/component=redis|sentinel,
    # app.kubernetes.io/part-of=redis-failover. Redis pods (StatefulSet rfr-<name>, port 6379
    # "redis") also carry redisfailovers-role=master on one pod and =slave on the others;
    # Sentinel pods (Deployment rfs-<name>, 26379 "sentinel"). Exporters: 9121 and 9355 "metrics".
    own, written = labels_at(root, "metadata.labels")
    base = {"app.kubernetes.io/managed-by": "redis-operator", "redisfailovers.databases.spotahome.com/name": name}
    base.update(_label_whitelist(own, root))
    out = []
    for component, port, exporter_port in (("redis", 6379, 9121), ("sentinel", 26379, 9355)):
        labels = dict(base)
        labels.update({"app.kubernetes.io/name": name, "app.kubernetes.io/component": component,
                       "app.kubernetes.io/part-of": "redis-failover"})
        ports = _ports(root, component, (port, component, "TCP"))
        if _enabled(root, f"spec.{component}.exporter.enabled"):
            exporter = "redis-exporter" if component == "redis" else "sentinel-exporter"
            ports += _ports(root, exporter, (exporter_port, "metrics", "TCP"))
        workload = f"rf{component[0]}-{name}"
        if component == "sentinel":
            out.append(PodGroup(workload, labels, tuple(ports), written))
            continue
        out.append(PodGroup(workload, {**labels, "redisfailovers-role": "master"}, tuple(ports), written))
        replicas = integer(root, "spec.redis.replicas")
        if replicas is None or replicas > 1:  # the operator's default is 3; a template may hide it
            out.append(PodGroup(f"{workload}-replicas", {**labels, "redisfailovers-role": "slave"},
                                tuple(ports), written))
    return out


def _enabled(root: Node, path: str) -> bool:
    found = first(root, path)
    return isinstance(found, Scalar) and found.type == "bool" and found.python() is True


def _user_over(name: str, operator_labels: dict, user: tuple[dict, Optional[Node]], ports: list[tuple]) -> PodGroup:
    # The MySQL operator merge-patches spec.podLabels over its own template labels: the
    # user's value wins on a key both set (the reverse of _group).
    return PodGroup(name, {**operator_labels, **user[0]}, tuple(ports), user[1])


def mysql_innodb_cluster(root: Node, name: str) -> list[PodGroup]:
    # Oracle MySQL Operator (mysqloperator/controller/innodbcluster/cluster_objects.py and
    # router_objects.py): server pods of StatefulSet <name> carry component=mysqld, tier=mysql,
    # mysql.oracle.com/cluster, mysql.oracle.com/instance-type=group-member and
    # app.kubernetes.io/{name=mysql-innodbcluster-mysql-server, instance=mysql-innodbcluster-
    # <name>-mysql-server, component=database, managed-by/created-by=mysql-operator}; each of
    # spec.readReplicas is a StatefulSet <name>-<replica> with instance-type=read-replica and
    # mysql.oracle.com/read-replica=<name>-<replica>. The Router Deployment <name>-router
    # (always made, 1 instance by default) has component=mysqlrouter, tier=mysql,
    # app.kubernetes.io/name=mysql-router. spec.podLabels / spec.router.podLabels are merged
    # over the template's labels. Ports: 3306 mysql, 33060 mysqlx, 33061 gr-xcom; Router 6446
    # mysqlrw, 6448 mysqlxrw, 6450 mysqlrwsplit, 6447 mysqlro, 6449 mysqlxro, 8443 http.
    server_ports = _ports(root, "mysql", (3306, "mysql", "TCP"), (33060, "mysqlx", "TCP"), (33061, "gr-xcom", "TCP"))

    def server(set_name: str, instance_type: str, extra: dict) -> dict:
        return {"component": "mysqld", "tier": "mysql", "mysql.oracle.com/cluster": name,
                "mysql.oracle.com/instance-type": instance_type, **extra,
                "app.kubernetes.io/name": "mysql-innodbcluster-mysql-server",
                "app.kubernetes.io/instance": f"mysql-innodbcluster-{set_name}-mysql-server",
                "app.kubernetes.io/component": "database", "app.kubernetes.io/managed-by": "mysql-operator",
                "app.kubernetes.io/created-by": "mysql-operator"}

    groups = [_user_over(name, server(name, "group-member", {}), labels_at(root, "spec.podLabels"), server_ports)]
    for replica in at(root, "spec.readReplicas.*"):
        replica_name = text(replica, "name")
        if not replica_name:
            continue
        set_name = f"{name}-{replica_name}"
        labels = server(set_name, "read-replica", {"mysql.oracle.com/read-replica": set_name})
        groups.append(_user_over(set_name, labels, labels_at(replica, "podLabels"), server_ports))
    router = {"component": "mysqlrouter", "tier": "mysql", "mysql.oracle.com/cluster": name,
              "app.kubernetes.io/name": "mysql-router", "app.kubernetes.io/instance": f"mysql-innodbcluster-{name}-router",
              "app.kubernetes.io/component": "router", "app.kubernetes.io/managed-by": "mysql-operator",
              "app.kubernetes.io/created-by": "mysql-operator"}
    router_ports = _ports(root, "router", (6446, "mysqlrw", "TCP"), (6448, "mysqlxrw", "TCP"),
                          (6450, "mysqlrwsplit", "TCP"), (6447, "mysqlro", "TCP"), (6449, "mysqlxro", "TCP"),
                          (8443, "http", "TCP"))
    router_instances = integer(root, "spec.router.instances")
    if router_instances is None or router_instances > 0:
        groups.append(_user_over(f"{name}-router", router, labels_at(root, "spec.router.podLabels"), router_ports))
    return groups


def rabbitmq_cluster(root: Node, name: str) -> list[PodGroup]:
    # rabbitmq/cluster-operator internal/metadata/label.go and internal/resource/statefulset.go:
    # the StatefulSet <name>-server's pods carry app.kubernetes.io/name=<name> (its selector),
    # component=rabbitmq and part-of=rabbitmq, plus the resource's own labels except the
    # app.kubernetes.io/ ones (GetLabels); spec.override.statefulSet.spec.template.metadata is
    # copied over the template. Ports: epmd 4369, amqp 5672, http 15672, prometheus 15692; amqps
    # 5671 with spec.tls.secretName; mqtt 1883, web-mqtt 15675, stomp 61613, web-stomp 15674 and
    # stream 5552 with those plugins in spec.rabbitmq.additionalPlugins.
    own = {k: v for k, v in labels_at(root, "metadata.labels")[0].items() if not k.startswith("app.kubernetes.io")}
    override, written = labels_at(root, "spec.override.statefulSet.spec.template.metadata.labels")
    operator = {"app.kubernetes.io/name": name, "app.kubernetes.io/component": "rabbitmq",
                "app.kubernetes.io/part-of": "rabbitmq"}
    specs = [(4369, "epmd", "TCP"), (5672, "amqp", "TCP"), (15672, "http", "TCP"), (15692, "prometheus", "TCP")]
    if text(root, "spec.tls.secretName"):
        specs.append((5671, "amqps", "TCP"))
    plugins = {text(item) for item in at(root, "spec.rabbitmq.additionalPlugins.*")}
    for plugin, spec in (("rabbitmq_mqtt", (1883, "mqtt", "TCP")), ("rabbitmq_web_mqtt", (15675, "web-mqtt", "TCP")),
                         ("rabbitmq_stomp", (61613, "stomp", "TCP")),
                         ("rabbitmq_web_stomp", (15674, "web-stomp", "TCP")),
                         ("rabbitmq_stream", (5552, "stream", "TCP"))):
        if plugin in plugins:
            specs.append(spec)
    # the override's labels are the user's last word, but not over the selector label the
    # StatefulSet needs (the API server would reject a template its selector does not match)
    labels = {**own, **override, **{"app.kubernetes.io/name": name}}
    return [_group(f"{name}-server", operator, (labels, written), _ports(root, "rabbitmq", *specs))]


def _own_template(path: str = "spec.template", added: Callable[[str], dict] = lambda name: {}) -> Callable:
    # Kinds whose pods are their own pod template, as a Deployment's: Argo Rollouts' Rollout
    # (its ReplicaSets copy spec.template, adding only rollouts-pod-template-hash; with
    # spec.workloadRef the pods are the referenced Deployment's, already a workload), OpenKruise's
    # CloneSet and Advanced StatefulSet/DaemonSet, OpenShift's DeploymentConfig (whose
    # controller adds deploymentconfig=<name> to the pods).
    def groups(root: Node, name: str) -> list[PodGroup]:
        if not isinstance(first(root, path), Mapping):
            return []  # no template (a workloadRef Rollout), or a wrong one the API server rejects
        labels, written = labels_at(root, f"{path}.metadata.labels")
        labels = {**labels, **added(name)}
        return [PodGroup(name, labels, tuple(container_ports(root, f"{path}.spec.containers")), written)]
    return groups


# (group, kind) -> the pod groups of a resource
BUILTIN: dict[tuple[str, str], Callable[[Node, str], list[PodGroup]]] = {
    ("monitoring.coreos.com", "Prometheus"): prometheus,
    ("monitoring.coreos.com", "Alertmanager"): alertmanager,
    ("monitoring.coreos.com", "ThanosRuler"): thanos_ruler,
    ("kafka.strimzi.io", "Kafka"): strimzi_kafka,
    ("kafka.strimzi.io", "KafkaNodePool"): strimzi_node_pool,
    ("kafka.strimzi.io", "KafkaConnect"):
        _strimzi_deployment("KafkaConnect", "kafka-connect", "connect", lambda root: (8083, "rest-api", "TCP")),
    ("kafka.strimzi.io", "KafkaMirrorMaker2"):
        _strimzi_deployment("KafkaMirrorMaker2", "kafka-mirror-maker-2", "mirrormaker2",
                            lambda root: (8083, "rest-api", "TCP")),
    ("kafka.strimzi.io", "KafkaBridge"):
        _strimzi_deployment("KafkaBridge", "kafka-bridge", "bridge",
                            lambda root: (integer(root, "spec.http.port") or 8080, "rest-api", "TCP")),
    ("postgresql.cnpg.io", "Cluster"): cnpg_cluster,
    ("elasticsearch.k8s.elastic.co", "Elasticsearch"): eck_elasticsearch,
    ("kibana.k8s.elastic.co", "Kibana"): eck_kibana,
    ("redis.redis.opstreelabs.in", "Redis"): _ot_redis("standalone", ("standalone",), ((6379, "redis-client", "TCP"),)),
    ("redis.redis.opstreelabs.in", "RedisReplication"):
        _ot_redis("replication", ("replication",), ((6379, "redis-client", "TCP"),)),
    ("redis.redis.opstreelabs.in", "RedisCluster"):
        _ot_redis("cluster", ("leader", "follower"), ((6379, "redis-client", "TCP"), (16379, "redis-bus", "TCP"))),
    ("redis.redis.opstreelabs.in", "RedisSentinel"):
        _ot_redis("sentinel", ("sentinel",), ((26379, "sentinel-client", "TCP"),)),
    ("databases.spotahome.com", "RedisFailover"): spotahome_redis_failover,
    ("mysql.oracle.com", "InnoDBCluster"): mysql_innodb_cluster,
    ("rabbitmq.com", "RabbitmqCluster"): rabbitmq_cluster,
    ("argoproj.io", "Rollout"): _own_template(),
    ("apps.kruise.io", "CloneSet"): _own_template(),
    ("apps.kruise.io", "StatefulSet"): _own_template(),
    ("apps.kruise.io", "DaemonSet"): _own_template(),
    ("apps.openshift.io", "DeploymentConfig"): _own_template(added=lambda name: {"deploymentconfig": name}),
}

# Kinds whose operators make pods, with labels this analysis does not model (set by the
# operator's own configuration, or not looked up yet): their namespaces' "matches nothing" is
# not said, and NP097 names the kind once. (group, kind) -> where the user's pod labels go
# ("" when the kind has no such field or it is not known).
POD_MAKING_KINDS: dict[tuple[str, str], str] = {
    ("acid.zalan.do", "postgresql"): "",  # Zalando: labels from the operator's configuration
    ("postgres-operator.crunchydata.com", "PostgresCluster"): "spec.metadata.labels",
    ("pgv2.percona.com", "PerconaPGCluster"): "",
    ("pxc.percona.com", "PerconaXtraDBCluster"): "",
    ("psmdb.percona.com", "PerconaServerMongoDB"): "",
    ("ps.percona.com", "PerconaServerMySQL"): "",
    ("mongodbcommunity.mongodb.com", "MongoDBCommunity"): "spec.statefulSet.spec.template.metadata.labels",
    ("mongodb.com", "MongoDB"): "",
    ("k8s.mariadb.com", "MariaDB"): "",
    ("k8s.mariadb.com", "MaxScale"): "",
    ("clickhouse.altinity.com", "ClickHouseInstallation"): "",
    ("clickhouse-keeper.altinity.com", "ClickHouseKeeperInstallation"): "",
    ("cassandra.datastax.com", "CassandraDatacenter"): "",
    ("k8ssandra.io", "K8ssandraCluster"): "",
    ("couchbase.com", "CouchbaseCluster"): "",
    ("app.redislabs.com", "RedisEnterpriseCluster"): "",
    ("dragonflydb.io", "Dragonfly"): "",
    ("solr.apache.org", "SolrCloud"): "",
    ("zookeeper.pravega.io", "ZookeeperCluster"): "",
    ("minio.min.io", "Tenant"): "",
    ("opentelemetry.io", "OpenTelemetryCollector"): "",
    ("jaegertracing.io", "Jaeger"): "",
    ("grafana.integreatly.org", "Grafana"): "",
    ("loki.grafana.com", "LokiStack"): "",
    ("tempo.grafana.com", "TempoStack"): "",
    ("k8s.keycloak.org", "Keycloak"): "",
    ("argoproj.io", "ArgoCD"): "",
    ("argoproj.io", "Workflow"): "",
    ("argoproj.io", "CronWorkflow"): "",
    ("install.istio.io", "IstioOperator"): "",
    ("apm.k8s.elastic.co", "ApmServer"): "spec.podTemplate.metadata.labels",
    ("beat.k8s.elastic.co", "Beat"): "",
    ("agent.k8s.elastic.co", "Agent"): "",
    ("logstash.k8s.elastic.co", "Logstash"): "spec.podTemplate.metadata.labels",
    ("enterprisesearch.k8s.elastic.co", "EnterpriseSearch"): "spec.podTemplate.metadata.labels",
    ("ray.io", "RayCluster"): "",
    ("ray.io", "RayJob"): "",
    ("ray.io", "RayService"): "",
    ("flink.apache.org", "FlinkDeployment"): "",
    ("sparkoperator.k8s.io", "SparkApplication"): "",
    ("sparkoperator.k8s.io", "ScheduledSparkApplication"): "",
    ("kubeflow.org", "TFJob"): "",
    ("kubeflow.org", "PyTorchJob"): "",
    ("kubeflow.org", "MPIJob"): "",
    ("kubeflow.org", "XGBoostJob"): "",
    ("tekton.dev", "TaskRun"): "",
    ("tekton.dev", "PipelineRun"): "",
    ("camel.apache.org", "Integration"): "",
    ("batch.volcano.sh", "Job"): "",
    ("serving.kserve.io", "InferenceService"): "",
}
_POD_MAKING_GROUPS = frozenset(group for group, _ in POD_MAKING_KINDS)


def declared(kind: DeclaredKind) -> Callable[[Node, str], list[PodGroup]]:
    """The pod group of a kind the configuration declares."""
    def groups(root: Node, name: str) -> list[PodGroup]:
        fixed = {key: value.replace("{name}", name) for key, value in kind.labels}
        ports = container_ports(root, *kind.containers)
        ports += [("", number, port_name, protocol, root) for number, port_name, protocol in kind.ports]
        return [_group(name, fixed, labels_at(root, *kind.pod_labels), ports)]
    return groups


def group_of(api_version: str) -> str:
    return api_version.split("/", 1)[0] if "/" in api_version else ""


def is_custom_group(group: str) -> bool:
    """Not a group the API server serves itself: core (""), apps, batch, *.k8s.io, ... (some
    operators' groups end in .k8s.io too: sparkoperator.k8s.io)."""
    return ("." in group and not group.endswith(".k8s.io")) or group in _POD_MAKING_GROUPS


def maker_for(kind: str, api_version: str, declared_kinds: Iterable[DeclaredKind] = ()):
    """The pod groups function of a custom resource kind an operator turns into pods, or None."""
    group = group_of(api_version)
    for item in declared_kinds:  # the configuration may also override a built-in kind
        if item.kind == kind and item.group == group:
            return declared(item)
    return BUILTIN.get((group, kind))


POD_FIELDS = ("podMetadata", "podTemplate", "template")


def pod_field(root: Mapping, kind: str = "", api_version: str = "") -> Optional[str]:
    """The spec field that says an unknown custom resource makes pods, if it has one; for a kind
    known to make pods (POD_MAKING_KINDS), where its pod labels go ("" when that is not known)."""
    known = POD_MAKING_KINDS.get((group_of(api_version), kind))
    if known is not None:
        return known
    spec = root.get("spec")
    if isinstance(spec, Mapping):
        for key in POD_FIELDS:
            if isinstance(spec.get(key), Mapping):
                return f"spec.{key}"
    return None
