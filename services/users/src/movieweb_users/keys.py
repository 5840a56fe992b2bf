"""The signing keys of this service, its JWKS, and the verifier it uses for its own tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from movieweb_shared.jwt import JWKSVerifier, SigningKey, jwks_document

from .settings import UsersSettings


@dataclass(frozen=True)
class KeyRing:
    """``current`` signs; ``previous`` (during a rotation) only verifies what it signed before."""

    current: SigningKey
    previous: SigningKey | None = None

    @classmethod
    def load(cls, settings: UsersSettings) -> KeyRing:
        current = SigningKey.load_or_create(settings.signing_key_file)
        previous = None
        if settings.previous_signing_key_file is not None:
            # The previous key must exist: generating one would publish a key that signed nothing.
            previous = SigningKey.from_pem(settings.previous_signing_key_file.read_bytes())
            if previous.kid == current.kid:
                previous = None
        return cls(current, previous)

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        keys = [self.current] if self.previous is None else [self.current, self.previous]
        return jwks_document(*keys)


class InProcessJWKSVerifier(JWKSVerifier):
    """A ``JWKSVerifier`` whose JWKS is this process's own key ring.

    The users service checks its own tokens (``/users/me``) with exactly the code every other
    service uses, but fetching its JWKS over HTTP from itself would be a pointless round trip
    (and a start-up ordering problem), and a temp file would need a writable disk. Only the
    source of the document changes; caching, ``kid`` lookup and every claim check are inherited.
    """

    def __init__(self, keys: KeyRing, *, issuer: str, audience: str) -> None:
        super().__init__(issuer=issuer, audience=audience)
        self._ring = keys

    async def _fetch(self) -> dict[str, Any]:
        return dict(self._ring.jwks())
