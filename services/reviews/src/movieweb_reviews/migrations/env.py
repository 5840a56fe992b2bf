from movieweb_reviews.models import metadata
from movieweb_shared.migrations import run_alembic_env

run_alembic_env(metadata)
