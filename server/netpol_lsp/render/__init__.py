"""What the cluster receives, beyond the manifests as written: Kustomize roots built on our own
nodes (kustomize.py), Helm charts rendered and mapped back to their templates (helm.py), custom
resources that operators turn into pods (operators.py)."""
