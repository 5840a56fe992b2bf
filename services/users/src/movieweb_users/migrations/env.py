from movieweb_shared.migrations import run_alembic_env
from movieweb_users.models import metadata

run_alembic_env(metadata)
