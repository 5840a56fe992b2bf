"""Movieweb shared service library.

Every service builds on these modules so that no service re-implements them:

- ``settings``   : environment settings (pydantic-settings), one prefix per service
- ``sharding``   : the slot hash and the versioned shard map
- ``db``         : async SQLAlchemy engines per shard, routing by key, fan-out
- ``migrations`` : Alembic per service, applied to every shard
- ``app``        : the FastAPI app factory (health, readiness, metrics, request ids, errors)
- ``errors``     : RFC 9457 problem details, one shape for every service
- ``pagination`` : limit/skip/cursor parameters, keyset fan-out merge, the list shape
- ``jwt``        : Ed25519 signing keys, JWKS, token verification with a refreshed JWKS cache
- ``metrics``    : Prometheus collectors
- ``logs``       : JSON logs carrying the request id
- ``text``       : case- and accent-folding used for search and sorting
- ``cli``        : the ``movieweb`` operator command
"""
