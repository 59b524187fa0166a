"""Build typed objects from a document's nodes, defensively: every field may have the wrong type.

A wrong shape becomes a ModelProblem at that node and the object is built from the rest, so a
half-typed policy still gets its other findings.
"""
from __future__ import annotations

from typing import Optional

from ..manifests.nodes import Mapping, Node, Scalar, Sequence
from .objects import (
    NAMESPACE_NAME_LABEL, WORKLOAD_KINDS, ContainerPort, ForeignPolicy, IPBlock, K8sObject, ModelProblem,
    Namespace, NetworkPolicy, Peer, PodMakingResource, PortSpec, Requirement, Rule, Selector, Service, Workload,
)
from ..render.operators import group_of, is_custom_group, maker_for, pod_field
from .policy_kinds import foreign_policy_vendor, is_kubernetes_policy
from .slim import built_spec

from .build_cluster import build_cluster_policy
from .cluster import API_GROUP, CLUSTER_KINDS

PROTOCOLS = ("TCP", "UDP", "SCTP")
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


class _Builder:
    def __init__(self, path: str, doc_index: int, default_namespace: str, operators: tuple = ()):
        self.operators = operators  # kinds the configuration declares (render/operators.DeclaredKind)
        self.path = path
        self.doc_index = doc_index
        self.default_namespace = default_namespace
        self.problems: list[ModelProblem] = []

    # -- typed accessors -------------------------------------------------------------------

    def problem(self, node: Node, message: str) -> None:
        self.problems.append(ModelProblem(node.span, message))

    def mapping(self, node: Optional[Node], what: str) -> Optional[Mapping]:
        if node is None or (isinstance(node, Scalar) and node.type == "null"):
            return None
        if isinstance(node, Mapping):
            return node
        self.problem(node, f"{what} must be a mapping (key: value), not {_describe(node)}")
        return None

    def sequence(self, node: Optional[Node], what: str) -> Optional[list[Node]]:
        if node is None or (isinstance(node, Scalar) and node.type == "null"):
            return None
        if isinstance(node, Sequence):
            return node.items
        self.problem(node, f"{what} must be a list, not {_describe(node)}")
        return None

    def string(self, node: Optional[Node], what: str, strict: bool = False) -> Optional[str]:
        """A scalar's text. strict: the API wants a JSON string, so `80` or `true` unquoted is wrong."""
        if node is None or (isinstance(node, Scalar) and node.type == "null"):
            return None
        if isinstance(node, Scalar):
            if strict and node.type != "str":
                self.problem(node, f"{what} must be a string: quote it (\"{node.value}\"); "
                             f"unquoted it is a YAML {node.type} and the API server rejects it")
            return node.value
        self.problem(node, f"{what} must be a string, not {_describe(node)}")
        return None

    def string_map(self, node: Optional[Node], what: str) -> dict[str, str]:
        mapping = self.mapping(node, what)
        out: dict[str, str] = {}
        if mapping is None:
            return out
        for key, value in mapping.pairs():
            if not isinstance(key, Scalar):
                self.problem(key, f"keys of {what} must be strings")
                continue
            text = self.string(value, f"the value of {what} '{key.value}'", strict=True)
            out[key.value] = "" if text is None else text
        return out

    def integer(self, node: Optional[Node], what: str) -> Optional[int]:
        if node is None:
            return None
        if isinstance(node, Scalar) and node.type == "int":
            value = node.python()
            if isinstance(value, int):
                return value
        self.problem(node, f"{what} must be an integer, not {_describe(node)}")
        return None

    # -- objects ---------------------------------------------------------------------------

    def build(self, root: Mapping, kind: str, objects: list[K8sObject], implied_version: Optional[str] = None) -> None:
        meta = self.mapping(root.get("metadata"), "metadata")
        name = (self.string(meta.get("name"), "metadata.name") if meta else None) or ""
        if not name and meta is not None:
            name = self.string(meta.get("generateName"), "metadata.generateName") or ""
        namespace = (self.string(meta.get("namespace"), "metadata.namespace") if meta else None)
        namespace = namespace or self.default_namespace
        labels = self.string_map(meta.get("labels"), "metadata.labels") if meta else {}
        annotations = self.string_map(meta.get("annotations"), "metadata.annotations") if meta else {}
        api_version = self.string(root.get("apiVersion"), "apiVersion") or implied_version or ""
        common = dict(kind=kind, name=name, namespace=namespace, path=self.path, doc_index=self.doc_index,
                      node=root, labels=labels, annotations=annotations, api_version=api_version)
        if kind == "Namespace":
            labels = dict(labels)
            labels[NAMESPACE_NAME_LABEL] = name  # set by the API server, whatever the manifest says
            common.update(labels=labels, namespace=name)
            objects.append(Namespace(**common))
        elif kind in WORKLOAD_KINDS:
            objects.append(self.workload(root, common, meta))
        elif is_kubernetes_policy(kind, api_version):  # removed versions too: analysed as v1 (NP093)
            objects.append(self.policy(root, common))
        elif kind in CLUSTER_KINDS and api_version.startswith(API_GROUP):
            objects.append(build_cluster_policy(self, root, common))
        elif foreign_policy_vendor(kind, api_version):
            objects.append(ForeignPolicy(**common, vendor=foreign_policy_vendor(kind, api_version)))
        elif kind == "Service":
            spec = self.mapping(root.get("spec"), "spec")
            selector = self.string_map(spec.get("selector"), "spec.selector") if spec else {}
            objects.append(Service(**common, selector=selector))
        elif is_custom_group(group_of(api_version)):
            self.custom_resource(root, common, objects)

    def custom_resource(self, root: Mapping, common: dict, objects: list[K8sObject]) -> None:
        """The pods an operator makes of it, or, for an unknown kind that makes pods, a note."""
        maker = maker_for(common["kind"], common["api_version"], self.operators)
        if maker is None:
            where = pod_field(root, common["kind"], common["api_version"])
            if where is not None:
                objects.append(PodMakingResource(**common, pod_field=where))
            return
        for group in maker(root, common["name"]):
            workload = Workload(**{**common, "name": group.name}, template_labels=group.labels,
                                template_labels_node=group.labels_node)
            workload.ports = [ContainerPort(*port) for port in group.ports]
            objects.append(workload)

    def workload(self, root: Mapping, common: dict, meta: Optional[Mapping]) -> Workload:
        template: Optional[Mapping] = root
        trail = "."
        for step in WORKLOAD_KINDS[common["kind"]]:
            trail = f"{trail}{step}." if trail != "." else f"{step}."
            template = self.mapping(template.get(step), trail.rstrip(".")) if template else None
        if common["kind"] == "Pod":
            tmeta, pod_spec = meta, self.mapping(root.get("spec"), "spec")
            labels_node = meta.get("labels") if meta else None
            template_labels = common["labels"]
        else:
            tmeta = self.mapping(template.get("metadata"), "template metadata") if template else None
            pod_spec = self.mapping(template.get("spec"), "template spec") if template else None
            labels_node = tmeta.get("labels") if tmeta else None
            template_labels = self.string_map(labels_node, "pod template labels")
        workload = Workload(**common, template_labels=template_labels, template_labels_node=labels_node)
        if common["kind"] == "Pod" and meta is not None:
            workload.owner = self.controller(meta)
        if pod_spec is not None:
            host = pod_spec.get("hostNetwork")
            workload.host_network = isinstance(host, Scalar) and host.python() is True
            for key in ("containers", "initContainers"):
                for container in self.sequence(pod_spec.get(key), f"spec.{key}") or []:
                    self.container_ports(self.mapping(container, "a container"), workload.ports)
        return workload

    def controller(self, meta: Mapping) -> Optional[tuple[str, str]]:
        for ref in self.sequence(meta.get("ownerReferences"), "ownerReferences") or []:
            ref = self.mapping(ref, "an ownerReference")
            if ref is None:
                continue
            controller = ref.get("controller")
            if isinstance(controller, Scalar) and controller.python() is True:
                kind = self.string(ref.get("kind"), "ownerReference kind")
                name = self.string(ref.get("name"), "ownerReference name")
                if kind == "Node":  # a static (mirror) pod: the kubelet runs each alone, no controller
                    return None
                if name:  # without a kind the peer analyzer names it a Pod; so do we
                    return (kind or "Pod", name)
        return None

    def container_ports(self, container: Optional[Mapping], out: list[ContainerPort]) -> None:
        if container is None:
            return
        cname = self.string(container.get("name"), "container name") or ""
        for port in self.sequence(container.get("ports"), "container ports") or []:
            port = self.mapping(port, "a container port")
            if port is None:
                continue
            number = self.integer(port.get("containerPort"), "containerPort")
            name = self.string(port.get("name"), "port name")
            protocol = (self.string(port.get("protocol"), "protocol") or "TCP")
            out.append(ContainerPort(cname, number, name, protocol, port))

    # -- NetworkPolicy ---------------------------------------------------------------------

    def policy(self, root: Mapping, common: dict) -> NetworkPolicy:
        spec_node = root.get("spec")
        built = built_spec(spec_node)
        if built is not None:  # a slimmed policy's spec (model/slim.py), under a new root: its model
            done, problems = built
            policy = NetworkPolicy(**common, spec_node=spec_node, pod_selector=done.pod_selector,
                                   policy_types=done.policy_types, ingress=done.ingress, egress=done.egress,
                                   types_count=done.types_count)
            self.problems.extend(problems)
            return policy
        spec = self.mapping(spec_node, "spec")
        policy = NetworkPolicy(**common, spec_node=spec_node)
        if spec is None:
            policy.pod_selector = Selector({}, [], None, root.key("spec") or root.get("kind"), valid=False)
            return policy
        policy.pod_selector = self.selector(spec.get("podSelector"), spec.key("podSelector"), "podSelector")
        if spec.get("podSelector") is None:
            policy.pod_selector = Selector({}, [], None, spec.key("podSelector") or root.key("spec"))
        types_node = spec.get("policyTypes")
        policy.types_count = len(getattr(types_node, "items", ()))
        if spec.has("policyTypes"):
            types = []
            for item in self.sequence(types_node, "policyTypes") or []:
                text = self.string(item, "a policyType")
                if text in ("Ingress", "Egress"):
                    types.append(text)
                elif text is not None:
                    self.problem(item, f"policyTypes accepts Ingress or Egress, not '{text}'")
            policy.policy_types = types
        for direction, peers_key in (("ingress", "from"), ("egress", "to")):
            if spec.has(direction):
                items = self.sequence(spec.get(direction), direction)
                rules = [self.rule(direction, peers_key, index, item) for index, item in enumerate(items or [])]
                setattr(policy, direction, [r for r in rules if r is not None])
        return policy

    def selector(self, node: Optional[Node], key_node: Optional[Node], what: str) -> Selector:
        mapping = self.mapping(node, what)
        if mapping is None:
            # null or absent: the empty selector; a wrong type: the API rejects it, match nothing
            valid = node is None or (isinstance(node, Scalar) and node.type == "null")
            return Selector({}, [], node, key_node, valid=valid)
        valid = True
        for key in mapping.flat[::2]:
            if isinstance(key, Scalar) and key.value not in ("matchLabels", "matchExpressions"):
                valid = False  # an unknown field: NP060 says so; the API server would reject it
        labels = self.string_map(mapping.get("matchLabels"), f"{what}.matchLabels")
        expressions = []
        for item in self.sequence(mapping.get("matchExpressions"), f"{what}.matchExpressions") or []:
            expr = self.mapping(item, "a matchExpression")
            if expr is None:
                valid = False
                continue
            key = self.string(expr.get("key"), "key")
            operator = self.string(expr.get("operator"), "operator")
            values = tuple(self.string(v, "a value", strict=True) or ""
                           for v in self.sequence(expr.get("values"), "values") or [])
            if key is None or operator not in OPERATORS:
                if operator is not None and operator not in OPERATORS:
                    self.problem(expr.get("operator"),
                                 f"operator must be one of {', '.join(OPERATORS)}, not '{operator}'")
                valid = False
                continue
            if operator in ("In", "NotIn") and not values:
                self.problem(expr, f"operator {operator} needs at least one value")
                valid = False
            if operator in ("Exists", "DoesNotExist") and values:
                self.problem(expr.get("values"), f"operator {operator} takes no values")
                valid = False
            expressions.append(Requirement(key, operator, values, expr))
        return Selector(labels, expressions, mapping, key_node, valid=valid)

    def rule(self, direction: str, peers_key: str, index: int, node: Node) -> Optional[Rule]:
        mapping = self.mapping(node, f"an {direction} rule")
        if mapping is None:
            if isinstance(node, Scalar) and node.type == "null":  # `- ` alone: an empty rule
                return Rule(direction, index, None, None, node)
            return None
        peers = None
        if mapping.has(peers_key):
            items = self.sequence(mapping.get(peers_key), peers_key)
            peers = [p for p in (self.peer(i, item) for i, item in enumerate(items or [])) if p is not None]
            if items and not peers:
                peers = [Peer(None, None, None, mapping.get(peers_key), -1)]  # nothing valid: match nothing
        ports = None
        if mapping.has("ports"):
            items = self.sequence(mapping.get("ports"), "ports")
            ports = [p for p in (self.port(item) for item in items or []) if p is not None]
            if items and not ports:
                ports = [PortSpec("TCP", None, None, mapping.get("ports"), valid=False)]
        return Rule(direction, index, peers, ports, mapping, mapping.key(peers_key),
                    mapping.flat[0] if mapping.flat else mapping)

    def peer(self, index: int, node: Node) -> Optional[Peer]:
        mapping = self.mapping(node, "a peer")
        if mapping is None:
            return None
        pod = ns = block = None
        if mapping.has("podSelector"):
            pod = self.selector(mapping.get("podSelector"), mapping.key("podSelector"), "podSelector")
        if mapping.has("namespaceSelector"):
            ns = self.selector(mapping.get("namespaceSelector"), mapping.key("namespaceSelector"),
                               "namespaceSelector")
        if mapping.has("ipBlock"):
            block = self.ip_block(mapping.get("ipBlock"))
        return Peer(pod, ns, block, mapping, index, len(mapping))

    def ip_block(self, node: Optional[Node]) -> Optional[IPBlock]:
        mapping = self.mapping(node, "ipBlock")
        if mapping is None:
            return None
        cidr = self.string(mapping.get("cidr"), "cidr") or ""
        excepts = []
        for item in self.sequence(mapping.get("except"), "except") or []:
            text = self.string(item, "an except CIDR")
            if text is not None:
                excepts.append((text, item))
        return IPBlock(cidr, mapping.get("cidr"), excepts, mapping)

    def port(self, node: Node) -> Optional[PortSpec]:
        mapping = self.mapping(node, "a port")
        if mapping is None:
            return None
        protocol_node = mapping.get("protocol")
        protocol = self.string(protocol_node, "protocol") or "TCP"
        valid = True
        if protocol not in PROTOCOLS:
            if protocol_node is not None:
                self.problem(protocol_node, f"protocol must be TCP, UDP or SCTP, not '{protocol}'")
            valid = False
        port_node = mapping.get("port")
        port: Optional[int | str] = None
        if isinstance(port_node, Scalar) and port_node.type == "int":
            port = self.integer(port_node, "port")
        elif isinstance(port_node, Scalar) and port_node.type == "str":
            port = port_node.value  # "80" quoted is a (badly) named port to the API, not 80
        elif port_node is not None and not (isinstance(port_node, Scalar) and port_node.type == "null"):
            self.problem(port_node, f"port must be a number or a port name, not {_describe(port_node)}")
            valid = False
        end_port = None
        if mapping.get("endPort") is not None:
            end_port = self.integer(mapping.get("endPort"), "endPort")
        return PortSpec(protocol, port, end_port, mapping, port_node, mapping.get("endPort"), protocol_node,
                        valid=valid)


def _describe(node: Node) -> str:
    if isinstance(node, Mapping):
        return "a mapping"
    if isinstance(node, Sequence):
        return "a list"
    if isinstance(node, Scalar):
        return f"the {node.type} '{node.value}'" if node.type != "null" else "null"
    return "something else"


def build_objects(root: Optional[Node], path: str, doc_index: int, default_namespace: str = "default",
                  operators: tuple = ()):
    """Objects of one document (List kinds expanded) and the problems met on the way.

    A document that is not a Kubernetes object (no apiVersion/kind: docker-compose, CI
    workflows) yields nothing and says nothing.
    """
    builder = _Builder(path, doc_index, default_namespace, operators)
    objects: list[K8sObject] = []
    if not isinstance(root, Mapping):
        return objects, builder.problems
    _build_one(builder, root, objects, depth=0)
    return objects, builder.problems


def _build_one(builder: _Builder, root: Mapping, objects: list, depth: int,
               implied: Optional[tuple[str, str]] = None) -> None:
    kind_node, version_node = root.get("kind"), root.get("apiVersion")
    if isinstance(kind_node, Scalar) and isinstance(version_node, Scalar):
        kind = kind_node.value
    elif implied is not None:  # items of a typed list (PodList) carry no kind of their own
        kind = implied[0]
    else:
        return
    if kind.endswith("List") and depth == 0:
        item_kind = kind[:-4] if kind != "List" else None
        version = version_node.value if isinstance(version_node, Scalar) else ""
        for item in builder.sequence(root.get("items"), "items") or []:
            if isinstance(item, Mapping):
                _build_one(builder, item, objects, depth + 1, (item_kind, version) if item_kind else None)
        return
    builder.build(root, kind, objects, implied[1] if implied else None)
