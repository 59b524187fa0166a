"""Which workloads are databases, and on which ports."""
from __future__ import annotations

from ..manifests.nodes import Mapping, Scalar, Sequence
from ..model import Workload
from ..model.objects import WORKLOAD_KINDS

# image name fragment -> the port that image serves by default
IMAGE_PORTS = {
    "mysql": 3306, "mariadb": 3306, "postgres": 5432, "redis": 6379, "mongo": 27017, "cassandra": 9042,
    "mssql": 1433, "oracle": 1521, "elasticsearch": 9200, "memcached": 11211, "etcd": 2379,
    "cockroach": 26257, "couchdb": 5984,
}


RUN_TO_COMPLETION = ("Job", "CronJob")


def database_ports(workload: Workload, ports: tuple[int, ...]) -> list[int]:
    """The database ports a workload serves: declared container ports in the list, or, when it
    declares none and is not a Job or CronJob, the default port of a well-known database image.
    A Job running a database image is a client (canal's configure-canal runs etcdctl from the
    etcd image): it runs to completion and serves nothing."""
    declared = sorted({p.number for p in workload.ports if p.number in ports})
    if declared:
        return declared
    if workload.ports or workload.kind in RUN_TO_COMPLETION:
        return []
    found = set()
    for image in _images(workload):
        name = image.rsplit("/", 1)[-1].split(":", 1)[0].lower()
        for fragment, port in IMAGE_PORTS.items():
            if fragment in name and port in ports:
                found.add(port)
    return sorted(found)


def _images(workload: Workload) -> list[str]:
    node = workload.node
    for step in WORKLOAD_KINDS.get(workload.kind, ()):
        node = node.get(step) if isinstance(node, Mapping) else None
    spec = node.get("spec") if isinstance(node, Mapping) else None
    containers = spec.get("containers") if isinstance(spec, Mapping) else None
    out = []
    for container in containers.items if isinstance(containers, Sequence) else ():
        image = container.get("image") if isinstance(container, Mapping) else None
        if isinstance(image, Scalar):
            out.append(image.value)
    return out
