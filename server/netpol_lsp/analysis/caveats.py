"""What `connectivity`, `explain` and `diff` cannot show, said once above their output: policy
kinds the analysis does not model (NP094), a CNI that does not do what the API says (NP030,
NP011), and pods the workspace does not show (operator-made pods of unknown kinds, NP097;
namespaces whose policies select pods no checked manifest deploys). An empty or short list of
connections must not read as "nothing may connect", nor a long one as "all of this is open"."""
from __future__ import annotations


def caveats(workspace) -> list[str]:
    from ..rules.np094_policy_kind_not_analysed import caveats as policy_kind_caveats

    return policy_kind_caveats(workspace) + cni_caveats(workspace) + unseen_pods_caveats(workspace)


def cni_caveats(workspace) -> list[str]:
    """Where the cluster's CNI (declared or detected) does not do what the API says, which the
    connections (computed by the API's semantics) cannot show: a CNI that enforces nothing
    (NP030), or one that enforces rules the effective policyTypes leave out (NP011)."""
    from .cni_detect import describe, detect_cni
    from ..cni import POLICY_TYPES_DEPARTURES, enforces

    cni = detect_cni(workspace)
    if cni is None or not workspace.policies:
        return []
    if not enforces(cni.name):
        return [f"the cluster's CNI is {describe(cni)}, which does not enforce NetworkPolicy: there every "
                "connection is open, and the connections here are what the policies would allow where enforced"]
    out = []
    for direction, type_name in (("ingress", "Ingress"), ("egress", "Egress")):
        departure = POLICY_TYPES_DEPARTURES.get((cni.name, direction))
        if departure is None:
            continue
        names = [f"{p.namespace}/{p.name}" for p in workspace.policies
                 if p.rules(direction) and type_name not in p.effective_types]
        if names:
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            out.append(f"{direction} rules outside policyTypes ({shown}) follow the Kubernetes API here (ignored), "
                       f"but the cluster's CNI, {describe(cni)}, {departure}")
    return out


def unseen_pods_caveats(workspace) -> list[str]:
    """Pods the connections cannot list: those operators make of custom resources whose labels
    are not known (NP097), and those of namespaces whose NetworkPolicies select pods the
    workspace holds no workload for (a folder of policies alone, workloads deployed from
    elsewhere). An empty or short list must not read as "nothing may connect"."""
    out = []
    unknown = [name for ns in sorted(workspace.index.unknown_pods_by_ns)
               for name in workspace.index.unknown_pods_by_ns[ns]]
    if unknown:
        shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        out.append(f"the pods operators make of {shown} are not in this analysis: their labels and ports are not known "
                   "(NP097 says how to declare them)")
    with_pods = {w.namespace for w in workspace.workloads} | set(workspace.index.unknown_pods_by_ns)
    blind: dict[str, int] = {}
    for policy in workspace.policies:
        if policy.namespace not in with_pods:
            blind[policy.namespace] = blind.get(policy.namespace, 0) + 1
    if blind:
        named = ", ".join(f"{ns} ({n} {'policy' if n == 1 else 'policies'})" for ns, n in sorted(blind.items()))
        out.append(f"no workload in the checked paths runs in {named}: the connections of their pods are not "
                   "listed; add the manifests of those workloads to the paths to see them")
    return out
