"""Cryptographic building blocks: password stretching, key wrapping, HPKE and Ed25519.

Everything comes from ``cryptography``; nothing here is hand-rolled beyond choosing parameters.
"""

from __future__ import annotations

import base64
import os
import unicodedata
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import ed25519, mlkem, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

KEY_BYTES = 32
NONCE_BYTES = 12

#: HPKE suite used for everything sealed to a receiver or recovery key: hybrid post-quantum KEM
#: (ML-KEM-768 + X25519), HKDF-SHA256, AES-256-GCM. Its id is stored beside every ciphertext.
HPKE_SUITE_ID = "MLKEM768-X25519/HKDF-SHA256/AES-256-GCM"
_HPKE_SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_MLKEM768_PUBLIC_BYTES = 1184
_MLKEM_SEED_BYTES = 64
_X25519_BYTES = 32


def b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64d(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def random_key() -> bytes:
    return os.urandom(KEY_BYTES)


# --- password stretching -------------------------------------------------------------------


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters, stored in each key slot so that they can be raised later."""

    salt: bytes
    memory_kib: int = 65536
    iterations: int = 3
    lanes: int = 4

    @classmethod
    def fresh(cls, memory_kib: int = 65536, iterations: int = 3, lanes: int = 4) -> KdfParams:
        return cls(os.urandom(16), memory_kib, iterations, lanes)

    def renewed(self) -> KdfParams:
        """Same cost, new salt: every re-wrap uses a fresh salt."""
        return KdfParams.fresh(self.memory_kib, self.iterations, self.lanes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "alg": "argon2id",
            "salt": b64e(self.salt),
            "memory_kib": self.memory_kib,
            "iterations": self.iterations,
            "lanes": self.lanes,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KdfParams:
        if data.get("alg") != "argon2id":
            raise ValueError(f"unsupported KDF {data.get('alg')!r}")
        return cls(
            salt=b64d(data["salt"]),
            memory_kib=int(data["memory_kib"]),
            iterations=int(data["iterations"]),
            lanes=int(data["lanes"]),
        )


def derive_kek(password: str, params: KdfParams) -> bytes:
    """Stretch a password into a 256-bit key-encryption key with Argon2id.

    The password is taken in Unicode NFC: a password typed in decomposed form (Unikey's
    "tổ hợp", some IBus set-ups) opens the same slot as the precomposed one.
    """
    kdf = Argon2id(
        salt=params.salt,
        length=KEY_BYTES,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return kdf.derive(unicodedata.normalize("NFC", password).encode("utf-8"))


# --- key wrapping ----------------------------------------------------------------------------


class UnwrapError(Exception):
    """The key-encryption key or the associated data does not match the slot."""


def wrap_key(key: bytes, kek: bytes, aad: bytes) -> tuple[bytes, bytes]:
    """AES-256-GCM wrap with a fresh random nonce; ``aad`` binds the slot to its owner."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce, AESGCM(kek).encrypt(nonce, key, aad)


def unwrap_key(nonce: bytes, wrapped: bytes, kek: bytes, aad: bytes) -> bytes:
    try:
        return AESGCM(kek).decrypt(nonce, wrapped, aad)
    except InvalidTag as exc:
        raise UnwrapError("key slot does not open with this key") from exc


# --- HPKE (hybrid ML-KEM-768 + X25519) -------------------------------------------------------


@dataclass(frozen=True)
class HpkePrivateKey:
    mlkem_seed: bytes
    x25519_private: bytes

    @classmethod
    def generate(cls) -> HpkePrivateKey:
        m = mlkem.MLKEM768PrivateKey.generate()
        x = x25519.X25519PrivateKey.generate()
        return cls(m.private_bytes_raw(), x.private_bytes_raw())

    def encode(self) -> str:
        return b64e(self.mlkem_seed + self.x25519_private)

    @classmethod
    def decode(cls, text: str) -> HpkePrivateKey:
        raw = b64d(text)
        if len(raw) != _MLKEM_SEED_BYTES + _X25519_BYTES:
            raise ValueError("HPKE private key has the wrong length")
        return cls(raw[:_MLKEM_SEED_BYTES], raw[_MLKEM_SEED_BYTES:])

    def _key(self) -> hpke.MLKEM768X25519PrivateKey:
        return hpke.MLKEM768X25519PrivateKey(
            mlkem.MLKEM768PrivateKey.from_seed_bytes(self.mlkem_seed),
            x25519.X25519PrivateKey.from_private_bytes(self.x25519_private),
        )

    def public_key(self) -> HpkePublicKey:
        m = mlkem.MLKEM768PrivateKey.from_seed_bytes(self.mlkem_seed).public_key()
        x = x25519.X25519PrivateKey.from_private_bytes(self.x25519_private).public_key()
        return HpkePublicKey(m.public_bytes_raw(), x.public_bytes_raw())


@dataclass(frozen=True)
class HpkePublicKey:
    mlkem_public: bytes
    x25519_public: bytes

    def encode(self) -> str:
        """``base64(mlkem768_public || x25519_public)``."""
        return b64e(self.mlkem_public + self.x25519_public)

    @classmethod
    def decode(cls, text: str) -> HpkePublicKey:
        raw = b64d(text)
        if len(raw) != _MLKEM768_PUBLIC_BYTES + _X25519_BYTES:
            raise ValueError("HPKE public key has the wrong length")
        key = cls(raw[:_MLKEM768_PUBLIC_BYTES], raw[_MLKEM768_PUBLIC_BYTES:])
        key._key()  # refuses a malformed key now rather than at first use
        return key

    def _key(self) -> hpke.MLKEM768X25519PublicKey:
        return hpke.MLKEM768X25519PublicKey(
            mlkem.MLKEM768PublicKey.from_public_bytes(self.mlkem_public),
            x25519.X25519PublicKey.from_public_bytes(self.x25519_public),
        )


class HpkeOpenError(Exception):
    """The ciphertext does not open with this key and context."""


def hpke_seal(plaintext: bytes, recipient: HpkePublicKey, info: bytes) -> bytes:
    """Single-shot HPKE base mode: ``enc || ciphertext``."""
    return _HPKE_SUITE.encrypt(plaintext, recipient._key(), info=info)


def hpke_open(ciphertext: bytes, recipient: HpkePrivateKey, info: bytes) -> bytes:
    try:
        return _HPKE_SUITE.decrypt(ciphertext, recipient._key(), info=info)
    except (InvalidTag, ValueError) as exc:
        raise HpkeOpenError("HPKE ciphertext does not open") from exc


# --- Ed25519 ----------------------------------------------------------------------------------


def ed25519_generate() -> bytes:
    """A new Ed25519 private key as its 32 raw bytes."""
    return ed25519.Ed25519PrivateKey.generate().private_bytes_raw()


def ed25519_public(private_raw: bytes) -> bytes:
    return ed25519.Ed25519PrivateKey.from_private_bytes(private_raw).public_key().public_bytes_raw()


def ed25519_decode_public(text: str) -> bytes:
    raw = b64d(text)
    ed25519.Ed25519PublicKey.from_public_bytes(raw)  # refuses a malformed key
    return raw
