"""The rules: one module per rule, each with ID, NAME, SEVERITY, SUMMARY and check(ctx)."""
