"""Custom resources that operators turn into pods (render/operators.py): the pods' labels and
ports as each operator gives them, kinds declared in the configuration, and NP097 for a kind
that makes pods nobody described. Expected labels are the operators' own (see the comments in
render/operators.py for where each comes from), written here by hand."""
from __future__ import annotations

from conftest import findings_of, make_workspace, rules_of, workload

from netpol_lsp.config import parse_config
from netpol_lsp.workspace import load_source

# kube-prometheus's shape: the Prometheus and Alertmanager objects and their policies
PROMETHEUS = """
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata:
  name: k8s
  namespace: monitoring
  labels:
    app.kubernetes.io/part-of: kube-prometheus
spec:
  podMetadata:
    labels:
      app.kubernetes.io/component: prometheus
      app.kubernetes.io/name: prometheus
      app.kubernetes.io/part-of: kube-prometheus
  replicas: 2
---
apiVersion: monitoring.coreos.com/v1
kind: Alertmanager
metadata:
  name: main
  namespace: monitoring
spec:
  podMetadata:
    labels:
      app.kubernetes.io/component: alert-router
      app.kubernetes.io/name: alertmanager
      app.kubernetes.io/part-of: kube-prometheus
"""

POLICIES = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: prometheus-k8s
  namespace: monitoring
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/component: prometheus
      app.kubernetes.io/instance: {instance}
      app.kubernetes.io/name: prometheus
      app.kubernetes.io/part-of: kube-prometheus
  policyTypes: [Egress, Ingress]
  egress:
  - {{}}
  ingress:
  - from:
    - podSelector:
        matchLabels:
          app.kubernetes.io/name: prometheus
    ports:
    - port: 9090
      protocol: TCP
  - from:
    - podSelector:
        matchLabels:
          app.kubernetes.io/name: alertmanager
    ports:
    - port: web
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: alertmanager-main
  namespace: monitoring
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/component: alert-router
      app.kubernetes.io/instance: main
      app.kubernetes.io/name: alertmanager
      app.kubernetes.io/part-of: kube-prometheus
  policyTypes: [Egress, Ingress]
  egress:
  - {{}}
  ingress:
  - from:
    - podSelector:
        matchLabels:
          app.kubernetes.io/name: prometheus
    ports:
    - port: 9093
      protocol: TCP
    - port: 8080
      protocol: TCP
  - from:
    - podSelector:
        matchLabels:
          app.kubernetes.io/name: alertmanager
    ports:
    - port: 9094
      protocol: TCP
    - port: mesh-udp
      protocol: UDP
"""

NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: monitoring\n"


def test_kube_prometheus_policies_select_the_operator_made_pods():
    # Before operator rules: NP001 on both policies and NP002 on both peers, all false.
    found = findings_of({"ns.yaml": NAMESPACE, "prometheus.yaml": PROMETHEUS,
                         "policies.yaml": POLICIES.format(instance="k8s")})
    assert found == []


def test_a_typo_in_the_prometheus_selector_is_still_caught():
    found = findings_of({"ns.yaml": NAMESPACE, "prometheus.yaml": PROMETHEUS,
                         "policies.yaml": POLICIES.format(instance="k8ss")})
    assert rules_of(found) == ["NP001"]
    (np001,) = found
    assert np001.path == "policies.yaml" and np001.span.start_line == 7  # the podSelector key (line 0 is empty)
    assert "did you mean app.kubernetes.io/instance=k8s, on Prometheus monitoring/k8s?" in np001.message


def test_prometheus_pods_carry_the_operator_labels_over_pod_metadata():
    ws = make_workspace({"prometheus.yaml": PROMETHEUS})
    prom = workload(ws, "monitoring/k8s")
    assert prom.kind == "Prometheus"
    assert prom.template_labels == {
        "app.kubernetes.io/component": "prometheus", "app.kubernetes.io/name": "prometheus",
        "app.kubernetes.io/part-of": "kube-prometheus", "app.kubernetes.io/managed-by": "prometheus-operator",
        "app.kubernetes.io/instance": "k8s", "prometheus": "k8s", "operator.prometheus.io/name": "k8s",
        "operator.prometheus.io/shard": "0",
    }
    assert prom.resolve_named_port("web", "TCP") == [9090]
    alertmanager = workload(ws, "monitoring/main")
    assert alertmanager.template_labels["alertmanager"] == "main"
    assert alertmanager.resolve_named_port("mesh-udp", "UDP") == [9094]
    assert prom.endpoint == "monitoring/k8s[Prometheus]"


def test_prometheus_shards_are_told_apart_by_their_shard_label():
    ws = make_workspace({"p.yaml": PROMETHEUS.replace("  replicas: 2", "  replicas: 2\n  shards: 2")})
    assert workload(ws, "monitoring/k8s").template_labels["operator.prometheus.io/shard"] == "0"
    assert workload(ws, "monitoring/k8s-shard-1").template_labels["operator.prometheus.io/shard"] == "1"


def test_lean_reading_keeps_what_operator_rules_read():
    config = parse_config("")
    lean = load_source("p.yaml", PROMETHEUS, config, lean=True)
    whole = load_source("p.yaml", PROMETHEUS, config, lean=False)
    assert [(o.name, o.template_labels) for o in lean.objects] == [(o.name, o.template_labels) for o in whole.objects]
    assert lean.objects[0].template_labels["app.kubernetes.io/component"] == "prometheus"


STRIMZI = """
apiVersion: kafka.strimzi.io/v1beta2
kind: Kafka
metadata:
  name: events
  namespace: kafka
spec:
  kafka:
    replicas: 3
    listeners:
      - name: plain
        port: 9092
        type: internal
        tls: false
    template:
      pod:
        metadata:
          labels:
            team: data
  zookeeper:
    replicas: 3
  entityOperator:
    topicOperator: {}
"""


def test_strimzi_kafka_makes_brokers_zookeeper_and_entity_operator():
    ws = make_workspace({"kafka.yaml": STRIMZI})
    names = sorted(w.name for w in ws.workloads)
    assert names == ["events-entity-operator", "events-kafka", "events-zookeeper"]
    brokers = workload(ws, "kafka/events-kafka")
    assert brokers.template_labels["strimzi.io/name"] == "events-kafka"
    assert brokers.template_labels["strimzi.io/cluster"] == "events"
    assert brokers.template_labels["team"] == "data"
    assert 9092 in {p.number for p in brokers.ports}
    assert workload(ws, "kafka/events-zookeeper").template_labels["strimzi.io/name"] == "events-zookeeper"


def test_strimzi_node_pools_make_the_brokers():
    kafka = STRIMZI.replace("    replicas: 3\n", "").replace("  zookeeper:\n    replicas: 3\n", "")
    pool = """
        apiVersion: kafka.strimzi.io/v1beta2
        kind: KafkaNodePool
        metadata:
          name: dual-role
          namespace: kafka
          labels: {strimzi.io/cluster: events}
        spec:
          replicas: 3
          roles: [controller, broker]
        """
    ws = make_workspace({"kafka.yaml": kafka, "pool.yaml": pool})
    assert sorted(w.name for w in ws.workloads) == ["events-dual-role", "events-entity-operator"]
    brokers = workload(ws, "kafka/events-dual-role")
    assert brokers.kind == "KafkaNodePool"
    assert {k: brokers.template_labels[k] for k in ("strimzi.io/cluster", "strimzi.io/name", "strimzi.io/kind",
                                                   "strimzi.io/pool-name")} == {
        "strimzi.io/cluster": "events", "strimzi.io/name": "events-kafka", "strimzi.io/kind": "Kafka",
        "strimzi.io/pool-name": "dual-role"}


def test_cloudnative_pg_primary_and_replicas_differ_by_role():
    ws = make_workspace({"pg.yaml": """
        apiVersion: postgresql.cnpg.io/v1
        kind: Cluster
        metadata: {name: pg, namespace: db}
        spec:
          instances: 3
          inheritedMetadata:
            labels: {team: core}
        """})
    primary, replicas = workload(ws, "db/pg"), workload(ws, "db/pg-replicas")
    assert primary.template_labels == {"team": "core", "cnpg.io/cluster": "pg", "cnpg.io/podRole": "instance",
                                       "cnpg.io/instanceRole": "primary", "role": "primary"}
    assert replicas.template_labels["cnpg.io/instanceRole"] == "replica"
    # a database (5432) that no policy isolates: NP021 on each, true in the cluster
    assert rules_of(analyze_ws(ws)) == ["NP021"]


def analyze_ws(ws):
    from netpol_lsp.analysis.run import analyze

    return analyze(ws)


def test_eck_node_sets_are_workloads_with_their_pod_template_labels():
    ws = make_workspace({"es.yaml": """
        apiVersion: elasticsearch.k8s.elastic.co/v1
        kind: Elasticsearch
        metadata: {name: logs, namespace: elastic}
        spec:
          nodeSets:
            - name: hot
              count: 3
              podTemplate:
                metadata:
                  labels: {tier: hot}
        """})
    hot = workload(ws, "elastic/logs-es-hot")
    assert hot.template_labels == {"tier": "hot", "common.k8s.elastic.co/type": "elasticsearch",
                                   "elasticsearch.k8s.elastic.co/cluster-name": "logs",
                                   "elasticsearch.k8s.elastic.co/statefulset-name": "logs-es-hot"}


# a made-up operator's kind (the real RabbitmqCluster is built in): one with a pod template
RABBIT = """
apiVersion: queues.example.com/v1
kind: MessageQueue
metadata:
  name: events
  namespace: queue
spec:
  podTemplate:
    metadata:
      labels:
        team: payments
"""

RABBIT_POLICY = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: rabbit
  namespace: queue
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: events
      team: payments
  policyTypes: [Ingress]
  ingress:
    - ports:
        - port: amqp
"""

QUEUE_NS = "apiVersion: v1\nkind: Namespace\nmetadata: {name: queue}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: other}\n"

RABBIT_CONFIG = """
operators:
  - kind: MessageQueue
    group: queues.example.com
    labels:
      app.kubernetes.io/name: "{name}"
    podLabels: [spec.podTemplate.metadata.labels]
    ports:
      - {port: 5672, name: amqp}
"""


def test_a_kind_declared_in_the_configuration_is_a_workload():
    config = parse_config(RABBIT_CONFIG)
    assert config.problems == []
    found = findings_of({"rabbit.yaml": RABBIT, "policy.yaml": RABBIT_POLICY}, config)
    assert found == []  # selected by name and team, named port amqp resolves to 5672
    ws = make_workspace({"rabbit.yaml": RABBIT}, config)
    assert workload(ws, "queue/events").resolve_named_port("amqp", "TCP") == [5672]


def test_an_undeclared_kind_that_makes_pods_is_one_info_per_kind():
    second = RABBIT.replace("name: events", "name: audit")
    found = findings_of({"a.yaml": RABBIT, "b.yaml": second, "policy.yaml": RABBIT_POLICY, "ns.yaml": QUEUE_NS})
    np097 = [f for f in found if f.rule == "NP097"]
    assert len(np097) == 1 and np097[0].path == "a.yaml" and np097[0].span.start_line == 2  # the kind (line 0 is empty)
    assert str(np097[0].severity) == "info"
    message = np097[0].message
    assert "MessageQueue (queues.example.com) has spec.podTemplate" in message
    assert "operators: [{kind: MessageQueue, group: queues.example.com, podLabels: [spec.podTemplate.metadata.labels]" \
        in message
    # its pods are unknown: the policy selecting in its namespace may select them, so no NP001
    assert rules_of(found) == ["NP097"]


def test_without_unknown_pods_in_its_namespace_a_policy_is_still_checked():
    elsewhere = RABBIT.replace("namespace: queue", "namespace: other")
    found = findings_of({"a.yaml": elsewhere, "policy.yaml": RABBIT_POLICY, "ns.yaml": QUEUE_NS})
    assert rules_of(found) == ["NP001", "NP097"]


def test_custom_resources_without_pod_fields_say_nothing():
    found = findings_of({"rule.yaml": """
        apiVersion: monitoring.coreos.com/v1
        kind: PrometheusRule
        metadata: {name: alerts, namespace: monitoring}
        spec:
          groups: [{name: a, rules: [{alert: Down, expr: up == 0}]}]
        """})
    assert found == []


def test_a_bad_operators_entry_is_a_configuration_problem():
    config = parse_config("operators:\n  - kind: Foo\n")
    assert any("group" in p.message for p in config.problems)
    assert config.operators == ()


def test_incremental_analysis_follows_operator_made_pods_and_unknown_kinds():
    from test_incremental import EditedWorkspace  # each edit is checked against a full analysis

    policies = POLICIES.format(instance="k8s")
    unlabelled = PROMETHEUS.replace("app.kubernetes.io/component: prometheus", "app.kubernetes.io/component: prom")
    edited = EditedWorkspace({"ns.yaml": NAMESPACE, "prometheus.yaml": unlabelled, "policies.yaml": policies,
                              "a.yaml": RABBIT, "rabbit-policy.yaml": RABBIT_POLICY, "queue.yaml": QUEUE_NS})
    assert "NP001" in edited.rules("policies.yaml") and edited.rules("a.yaml") == ["NP097"]
    edited.edit("prometheus.yaml", PROMETHEUS)  # podMetadata fixed: the policy in the other file selects it
    assert edited.rules("policies.yaml") == []
    edited.edit("b.yaml", RABBIT.replace("name: events", "name: audit"))  # a second of the kind: still one
    assert edited.rules("a.yaml") == ["NP097"] and edited.rules("b.yaml") == []
    assert edited.rules("rabbit-policy.yaml") == []  # it may select the unknown pods
    edited.edit("a.yaml", None)  # the first one gone: the note moves to the one left
    assert edited.rules("b.yaml") == ["NP097"]
    edited.edit("b.yaml", None)  # none left: the policy selecting nothing is reported again
    assert edited.rules("rabbit-policy.yaml") == ["NP001"]


def test_redis_and_mysql_operators_label_their_pods():
    ws = make_workspace({"data.yaml": """
        apiVersion: redis.redis.opstreelabs.in/v1beta2
        kind: RedisCluster
        metadata: {name: cache, namespace: data, labels: {team: web}}
        spec: {clusterSize: 3}
        ---
        apiVersion: databases.spotahome.com/v1
        kind: RedisFailover
        metadata: {name: sessions, namespace: data}
        spec: {redis: {replicas: 3}, sentinel: {replicas: 3}}
        ---
        apiVersion: mysql.oracle.com/v2
        kind: InnoDBCluster
        metadata: {name: orders, namespace: data}
        spec: {instances: 3, router: {instances: 1}}
        """})
    assert workload(ws, "data/cache-leader").template_labels == {
        "team": "web", "app": "cache-leader", "redis_setup_type": "cluster", "role": "leader"}
    assert workload(ws, "data/cache-follower").template_labels["role"] == "follower"
    # spotahome: generator.go's selector labels over the handler's labels; the role label splits
    # the Redis StatefulSet into its master and its slaves
    sessions = {"app.kubernetes.io/managed-by": "redis-operator",
                "redisfailovers.databases.spotahome.com/name": "sessions",
                "app.kubernetes.io/name": "sessions", "app.kubernetes.io/part-of": "redis-failover"}
    assert workload(ws, "data/rfr-sessions").template_labels == {
        **sessions, "app.kubernetes.io/component": "redis", "redisfailovers-role": "master"}
    assert workload(ws, "data/rfr-sessions-replicas").template_labels["redisfailovers-role"] == "slave"
    assert workload(ws, "data/rfs-sessions").template_labels == {**sessions, "app.kubernetes.io/component": "sentinel"}
    assert workload(ws, "data/rfs-sessions").resolve_named_port("sentinel", "TCP") == [26379]
    # MySQL Operator: cluster_objects.py's template labels, router_objects.py's Router
    assert workload(ws, "data/orders").template_labels == {
        "component": "mysqld", "tier": "mysql", "mysql.oracle.com/cluster": "orders",
        "mysql.oracle.com/instance-type": "group-member",
        "app.kubernetes.io/name": "mysql-innodbcluster-mysql-server",
        "app.kubernetes.io/instance": "mysql-innodbcluster-orders-mysql-server",
        "app.kubernetes.io/component": "database", "app.kubernetes.io/managed-by": "mysql-operator",
        "app.kubernetes.io/created-by": "mysql-operator"}
    router = workload(ws, "data/orders-router")
    assert router.template_labels["component"] == "mysqlrouter"
    assert router.template_labels["app.kubernetes.io/name"] == "mysql-router"
    assert router.resolve_named_port("mysqlrwsplit", "TCP") == [6450]


def test_operator_label_rules_read_from_the_operators_sources():
    ws = make_workspace({"data.yaml": """
        apiVersion: databases.spotahome.com/v1
        kind: RedisFailover
        metadata: {name: cache, namespace: data, labels: {team: web, app.kubernetes.io/name: mine, cost: low}}
        spec:
          labelWhitelist: ['^team$', '^app[.]']
          redis: {replicas: 1, exporter: {enabled: true}}
        ---
        apiVersion: mysql.oracle.com/v2
        kind: InnoDBCluster
        metadata: {name: shop, namespace: data}
        spec:
          instances: 3
          podLabels: {tier: custom, team: db}
          readReplicas: [{name: reports, podLabels: {use: bi}}]
        """})
    redis = workload(ws, "data/rfr-cache")
    # the whitelist keeps team and app.kubernetes.io/name, drops cost; the selector label wins
    assert redis.template_labels["team"] == "web" and "cost" not in redis.template_labels
    assert redis.template_labels["app.kubernetes.io/name"] == "cache"
    assert redis.resolve_named_port("metrics", "TCP") == [9121]
    assert "data/rfr-cache-replicas" not in {f"{w.namespace}/{w.name}" for w in ws.workloads}  # one replica: only a master
    shop = workload(ws, "data/shop")
    assert shop.template_labels["tier"] == "custom" and shop.template_labels["team"] == "db"  # merge-patched over
    reports = workload(ws, "data/shop-reports")
    assert reports.template_labels["mysql.oracle.com/instance-type"] == "read-replica"
    assert reports.template_labels["mysql.oracle.com/read-replica"] == "shop-reports"
    assert reports.template_labels["use"] == "bi"
    assert "data/shop-router" in {f"{w.namespace}/{w.name}" for w in ws.workloads}  # made without a router section


def test_a_declared_kind_takes_its_ports_from_the_container_lists_it_names():
    config = parse_config("operators:\n  - {kind: Notebook, group: kubeflow.org, "
                          "podLabels: [spec.template.metadata.labels], containers: [spec.template.spec.containers]}\n")
    ws = make_workspace({"nb.yaml": """
        apiVersion: kubeflow.org/v1
        kind: Notebook
        metadata: {name: lab, namespace: ml}
        spec:
          template:
            metadata: {labels: {app: lab}}
            spec:
              containers:
                - name: jupyter
                  ports: [{name: notebook-port, containerPort: 8888}]
        """}, config)
    lab = workload(ws, "ml/lab")
    assert lab.template_labels == {"app": "lab"} and lab.resolve_named_port("notebook-port", "TCP") == [8888]


def test_rabbitmq_cluster_pods_carry_the_operators_labels_and_ports():
    # rabbitmq/cluster-operator: metadata.Label (name/component/part-of), GetLabels (the
    # resource's labels but app.kubernetes.io/*), the override template's labels; ports of
    # statefulset.go (TLS adds amqps, plugins add theirs)
    ws = make_workspace({"rabbit.yaml": """
        apiVersion: rabbitmq.com/v1beta1
        kind: RabbitmqCluster
        metadata:
          name: events
          namespace: queue
          labels: {team: payments, app.kubernetes.io/version: "3.13"}
        spec:
          tls: {secretName: events-tls}
          rabbitmq:
            additionalPlugins: [rabbitmq_mqtt, rabbitmq_shovel]
          override:
            statefulSet:
              spec:
                template:
                  metadata:
                    labels: {tier: broker, app.kubernetes.io/name: renamed}
        """})
    server = workload(ws, "queue/events-server")
    assert server.template_labels == {"team": "payments", "tier": "broker", "app.kubernetes.io/name": "events",
                                      "app.kubernetes.io/component": "rabbitmq",
                                      "app.kubernetes.io/part-of": "rabbitmq"}
    assert server.resolve_named_port("amqp", "TCP") == [5672]
    assert server.resolve_named_port("amqps", "TCP") == [5671]
    assert server.resolve_named_port("mqtt", "TCP") == [1883]
    assert server.resolve_named_port("stomp", "TCP") == []  # plugin not enabled


def test_a_known_pod_making_kind_without_a_label_model_silences_matches_nothing():
    """Zalando's postgresql makes pods with labels from the operator's own configuration: a
    policy in its namespace may select them, so no NP001; NP097 says what is not seen, once."""
    zalando = """
        apiVersion: acid.zalan.do/v1
        kind: postgresql
        metadata: {name: orders-db, namespace: queue}
        spec: {teamId: orders, numberOfInstances: 2}
        """
    policy = RABBIT_POLICY.replace("app.kubernetes.io/name: events", "application: spilo")
    found = findings_of({"db.yaml": zalando, "policy.yaml": policy, "ns.yaml": QUEUE_NS})
    assert rules_of(found) == ["NP097"]
    assert found[0].message.startswith("postgresql (acid.zalan.do) is made into pods by its operator")
    assert "operators: [{kind: postgresql, group: acid.zalan.do, labels:" in found[0].message
    # elsewhere, the policy is still checked
    elsewhere = zalando.replace("namespace: queue", "namespace: other")
    assert rules_of(findings_of({"db.yaml": elsewhere, "policy.yaml": policy, "ns.yaml": QUEUE_NS})) == \
        ["NP001", "NP097"]


def test_an_operator_group_under_k8s_io_is_still_a_custom_resource():
    found = findings_of({"spark.yaml": """
        apiVersion: sparkoperator.k8s.io/v1beta2
        kind: SparkApplication
        metadata: {name: etl, namespace: data}
        spec: {type: Python, mode: cluster}
        """})
    assert rules_of(found) == ["NP097"]


def test_strimzi_connect_mirror_maker_and_bridge_pods():
    # Strimzi's AbstractModel labels with each kind's component type (KafkaMirrorMaker2Cluster
    # COMPONENT_TYPE "kafka-mirror-maker-2"), workloads <name>-connect / -mirrormaker2 / -bridge
    ws = make_workspace({"kafka.yaml": """
        apiVersion: kafka.strimzi.io/v1beta2
        kind: KafkaConnect
        metadata: {name: sink, namespace: kafka}
        spec:
          bootstrapServers: events-kafka-bootstrap:9093
          metricsConfig: {type: jmxPrometheusExporter}
          template:
            pod:
              metadata:
                labels: {team: data}
        ---
        apiVersion: kafka.strimzi.io/v1beta2
        kind: KafkaMirrorMaker2
        metadata: {name: dr, namespace: kafka}
        spec: {connectCluster: target}
        ---
        apiVersion: kafka.strimzi.io/v1beta2
        kind: KafkaBridge
        metadata: {name: http, namespace: kafka}
        spec: {bootstrapServers: events-kafka-bootstrap:9092, http: {port: 8081}}
        """})
    connect = workload(ws, "kafka/sink-connect")
    assert connect.template_labels["strimzi.io/cluster"] == "sink"
    assert connect.template_labels["strimzi.io/kind"] == "KafkaConnect"
    assert connect.template_labels["strimzi.io/name"] == "sink-connect"
    assert connect.template_labels["team"] == "data"
    assert connect.resolve_named_port("rest-api", "TCP") == [8083]
    assert connect.resolve_named_port("tcp-prometheus", "TCP") == [9404]
    mirror = workload(ws, "kafka/dr-mirrormaker2")
    assert mirror.template_labels["strimzi.io/component-type"] == "kafka-mirror-maker-2"
    assert mirror.resolve_named_port("tcp-prometheus", "TCP") == []  # no metricsConfig
    bridge = workload(ws, "kafka/http-bridge")
    assert bridge.template_labels["strimzi.io/name"] == "http-bridge"
    assert bridge.resolve_named_port("rest-api", "TCP") == [8081]


def test_an_argo_rollout_is_the_workload_of_its_pod_template():
    found_ws = make_workspace({"rollout.yaml": """
        apiVersion: argoproj.io/v1alpha1
        kind: Rollout
        metadata: {name: web, namespace: shop}
        spec:
          selector: {matchLabels: {app: web}}
          template:
            metadata:
              labels: {app: web, tier: front}
            spec:
              containers:
                - name: web
                  image: example/web:1
                  ports: [{name: http, containerPort: 8080}]
        ---
        apiVersion: argoproj.io/v1alpha1
        kind: Rollout
        metadata: {name: api, namespace: shop}
        spec:
          workloadRef: {apiVersion: apps/v1, kind: Deployment, name: api}
        """})
    web = workload(found_ws, "shop/web")
    assert web.kind == "Rollout" and web.template_labels == {"app": "web", "tier": "front"}
    assert web.resolve_named_port("http", "TCP") == [8080]
    # a workloadRef Rollout's pods are its Deployment's: no second workload, no NP097
    assert [w.name for w in found_ws.workloads] == ["web"]
    assert findings_of({"rollout.yaml": """
        apiVersion: argoproj.io/v1alpha1
        kind: Rollout
        metadata: {name: api, namespace: shop}
        spec:
          workloadRef: {apiVersion: apps/v1, kind: Deployment, name: api}
        """}) == []


def test_an_openshift_deployment_config_is_a_workload_with_its_controller_label():
    ws = make_workspace({"dc.yaml": """
        apiVersion: apps.openshift.io/v1
        kind: DeploymentConfig
        metadata: {name: frontend, namespace: shop}
        spec:
          selector: {app: frontend}
          template:
            metadata:
              labels: {app: frontend}
            spec:
              containers: [{name: web, image: example/web:1, ports: [{containerPort: 8080, name: http}]}]
        """})
    dc = workload(ws, "shop/frontend")
    assert dc.template_labels == {"app": "frontend", "deploymentconfig": "frontend"}
    assert dc.resolve_named_port("http", "TCP") == [8080]
