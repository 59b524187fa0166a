"""The rule catalog: every rule module, by id and by name."""
from __future__ import annotations

from . import (
    np001_unmatched_pod_selector, np002_unmatched_peer, np003_unknown_namespace, np004_and_or_peer,
    np010_implicit_policy_types, np011_ignored_rules, np012_egress_blocks_dns, np013_dns_single_protocol,
    np020_open_database_port, np021_database_not_isolated, np022_pod_not_isolated,
    np023_obsolete_default_deny, np024_host_network_policy, np025_namespace_not_isolated, np030_cni_not_enforcing,
    np040_unresolved_named_port, np041_invalid_port_range, np050_invalid_ip_block, np060_schema,
    np070_redundant_rule, np071_duplicate_object, np072_remote_resource, np073_kustomize_build_error,
    np074_kustomize_not_followed, np075_cross_root_dependency, np080_tier_unmatched_selector, np081_tier_priority_overlap,
    np082_tier_shadowed_rule, np083_tier_pass_to_nothing, np084_admin_deny_overrides,
    np085_tier_priority_unsupported, np086_baseline_not_default, np087_tier_not_analysed, np090_yaml_syntax,
    np091_skipped_file, np092_skipped_manifest, np093_removed_policy_api, np094_policy_kind_not_analysed,
    np096_chart_not_rendered,
    np097_unknown_pod_resource, np099_unused_suppression,
)

RULES = [
    np001_unmatched_pod_selector, np002_unmatched_peer, np003_unknown_namespace, np004_and_or_peer,
    np010_implicit_policy_types, np011_ignored_rules, np012_egress_blocks_dns, np013_dns_single_protocol,
    np020_open_database_port, np021_database_not_isolated, np022_pod_not_isolated,
    np023_obsolete_default_deny, np024_host_network_policy, np025_namespace_not_isolated, np030_cni_not_enforcing,
    np040_unresolved_named_port, np041_invalid_port_range, np050_invalid_ip_block, np060_schema,
    np070_redundant_rule, np071_duplicate_object, np072_remote_resource, np073_kustomize_build_error,
    np074_kustomize_not_followed, np075_cross_root_dependency, np080_tier_unmatched_selector, np081_tier_priority_overlap,
    np082_tier_shadowed_rule, np083_tier_pass_to_nothing, np084_admin_deny_overrides,
    np085_tier_priority_unsupported, np086_baseline_not_default, np087_tier_not_analysed, np090_yaml_syntax,
    np091_skipped_file, np092_skipped_manifest, np093_removed_policy_api, np094_policy_kind_not_analysed,
    np096_chart_not_rendered,
    np097_unknown_pod_resource, np099_unused_suppression,
]
RULES_BY_ID = {rule.ID: rule for rule in RULES}
RULES_BY_NAME = {rule.NAME: rule for rule in RULES}


def resolve_rule(id_or_name: str):
    """A rule module from its id (NP020, np020) or name (open-database-port); None if unknown."""
    key = id_or_name.strip()
    return RULES_BY_ID.get(key.upper()) or RULES_BY_NAME.get(key.lower())


def enabled_by_default(rule) -> bool:
    return getattr(rule, "DEFAULT_ENABLED", True)


def prepare_file(source) -> None:
    """Fills a file's per-file rule caches (rules with `per_file`): done where the file is
    read, so `check` runs that work in its loading processes too."""
    for rule in PER_FILE_RULES:
        if rule.ID not in source.cache:
            source.cache[rule.ID] = rule.per_file(source)


# Rules with a `per_file(source)` giving a list of (message, span): cached on the file, and
# packed with it (packing.py) when it travels between processes or into the cache.
PER_FILE_RULES = [rule for rule in RULES if hasattr(rule, "per_file")]
PER_FILE_RULE_IDS = frozenset(rule.ID for rule in PER_FILE_RULES)
