"""REST API v1: routers (one module per concern), their dependencies, schemas,
errors and middleware. webserver.py wires them."""
