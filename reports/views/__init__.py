"""HTML views of the reports app, one module per journey (readiness, jobs, dashboard)."""
