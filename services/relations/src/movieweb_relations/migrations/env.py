from movieweb_relations.models import metadata
from movieweb_shared.migrations import run_alembic_env

run_alembic_env(metadata)
