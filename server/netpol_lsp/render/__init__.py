"""What the cluster receives: Kustomize roots rendered on our own nodes (kustomize.py)."""
