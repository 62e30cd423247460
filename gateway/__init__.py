"""The gateway: REST + WebSocket access to the engine for dashboards and scripts,
with OAuth2 login, JWT, roles, API keys and rate limits. Deploys on its own
(``python -m gateway --config auth_config.yaml``) and talks to the engine over
gRPC only, through its own generated stubs (gateway/gen/)."""
