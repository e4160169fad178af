"""API views of the reports app, one module per resource."""
