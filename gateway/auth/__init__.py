"""Authentication and authorization: who is calling (``Principal``) and what they may do.

- ``roles``:    the role order and the one table of topic roles
- ``keys``:     RSA signing keys with key ids (rotation), JWKS
- ``tokens``:   JWT access tokens (and the engine-facing tokens the gateway mints)
- ``sessions``: rotating refresh tokens with reuse detection and revocation
- ``api_keys``: API keys, shown once, stored hashed, role-scoped, revocable
- ``oauth``:    OAuth2 authorization code + PKCE against configured providers (authlib)
- ``service``:  ties them together for the routers
"""
