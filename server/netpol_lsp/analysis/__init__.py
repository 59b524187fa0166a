"""Selector resolution, isolation, allowed connections and their explanations."""
