"""Findings -> text | json | sarif | github | junit; connectivity -> txt | json | csv | md | dot | mermaid."""
