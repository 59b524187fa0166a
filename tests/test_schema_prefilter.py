"""fastjsonschema only pre-checks; jsonschema explains. They must agree on valid and invalid policies."""
import copy
import json
import random
from pathlib import Path

import jsonschema

from netpol_lsp.schema_check import is_valid_fast, load_schema

ROOT = Path(__file__).resolve().parents[1]


def policies():
    import yaml

    for path in sorted((ROOT / "examples").rglob("*.yaml")) + sorted((ROOT / "rules").glob("*.md")):
        text = path.read_text()
        if path.suffix == ".md":
            blocks = [b.split("```", 1)[0] for b in text.split("```yaml")[1:]]
        else:
            blocks = [text]
        for block in blocks:
            try:
                for doc in yaml.safe_load_all(block):
                    if isinstance(doc, dict) and doc.get("kind") == "NetworkPolicy":
                        yield doc
            except yaml.YAMLError:
                continue


MUTATIONS = [
    lambda s: s.update(podselector={}),
    lambda s: s.update(policyTypes=["ingress"]),
    lambda s: s.update(ingress=[{"ports": [{"port": 0}]}]),
    lambda s: s.update(ingress=[{"ports": [{"port": 70000, "protocol": "tcp"}]}]),
    lambda s: s.update(ingress=[{"from": [{"podSelector": {"matchLabels": {"a": 1}}}]}]),
    lambda s: s.update(egress=[{"to": [{"ipBlock": {}}]}]),
    lambda s: s.update(egress=[{"to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": "x"}}]}]),
    lambda s: s.update(ingress=[{"from": [{"namespaceSelector": {"matchExpressions": [{"key": "a", "operator": "Equals"}]}}]}]),
    lambda s: s.update(ingress={"from": []}),
    lambda s: s.update(podSelector="all"),
]


def test_fast_precheck_agrees_with_jsonschema():
    schema = load_schema("networkpolicy.schema.json")
    slow = jsonschema.Draft202012Validator(schema)
    samples = list(policies())
    assert len(samples) > 20
    rnd = random.Random(7)
    for doc in list(samples):
        for mutate in MUTATIONS:
            changed = copy.deepcopy(doc)
            changed["spec"] = dict(changed.get("spec") or {})
            mutate(changed["spec"])
            samples.append(changed)
    rnd.shuffle(samples)
    invalid = 0
    for doc in samples:
        expected = slow.is_valid(doc)
        invalid += not expected
        assert is_valid_fast(doc, "networkpolicy.schema.json") == expected, json.dumps(doc)
    assert invalid >= len(MUTATIONS)  # the mutations really are invalid
