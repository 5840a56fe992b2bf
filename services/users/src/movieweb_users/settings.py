"""Settings of the users service (environment prefix ``MOVIEWEB_USERS_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from movieweb_shared.jwt import MAX_TOKEN_TTL_S
from movieweb_shared.settings import ServiceSettings, settings_config
from pydantic import Field, model_validator


class UsersSettings(ServiceSettings):
    model_config = settings_config("users")

    port: int = 8002

    # The Ed25519 private key (PEM, PKCS#8). On Kubernetes a mounted Secret; on a laptop it is
    # generated at first start and kept here (``/.data/`` is git-ignored).
    signing_key_file: Path = Path(".data/users/signing-key.pem")
    # During a key rotation, the key that signed still-valid tokens: published in the JWKS, never
    # used to sign.
    previous_signing_key_file: Path | None = None
    token_ttl_s: int = Field(default=900, ge=60, le=MAX_TOKEN_TTL_S)

    # argon2id cost: OWASP's recommended floor (m=19 MiB, t=2, p=1), not argon2-cffi's default
    # (RFC 9106 "low memory": m=64 MiB, t=3, p=4), which costs ~8x the CPU per log-in and whose
    # four lanes buy nothing on the one- or two-core pods this runs in. Raise them where CPU
    # allows: each password is rehashed with the new cost at its owner's next log-in.
    argon2_time_cost: int = Field(default=2, ge=1, le=20)
    argon2_memory_kib: int = Field(default=19 * 1024, ge=8 * 1024, le=1024 * 1024)
    argon2_parallelism: int = Field(default=1, ge=1, le=16)
    # Threads hashing at once: each holds ``argon2_memory_kib`` of RAM while it works, so this
    # bounds memory, and more threads than cores only adds queueing inside the CPU.
    hash_threads: int = Field(default=2, ge=1, le=64)

    # A login or email claim whose user row never appeared (a crash between the steps of a
    # registration) may be taken over after this long. Registration itself must finish within
    # ``registration_deadline_s``, which must stay well below it (see ``registration``).
    orphan_claim_after_s: float = Field(default=60.0, ge=10.0, le=86400.0)
    registration_deadline_s: float = Field(default=20.0, ge=1.0, le=3600.0)

    @model_validator(mode="after")
    def _deadline_below_orphan_age(self) -> Self:
        # Takeover is safe only if a registration still running can no longer write its user row
        # by the time its claims look orphaned: deadline + one statement < orphan age.
        if self.registration_deadline_s + self.db_statement_timeout_s >= self.orphan_claim_after_s:
            raise ValueError(
                "registration_deadline_s + db_statement_timeout_s must be below orphan_claim_after_s"
            )
        return self
