"""Every public id the service mints, in one place.

Snapshots and jobs: a prefix and a lower-case ULID (``snap-01hx…``, ``job-agg-01hx…``), sortable by
creation time. Report records keep the contract's ``rpt_`` + upper-case ULID; submissions ``sub_`` the same way.

Activities keep a 64-bit row id (fast joins, set-wise imports), which is never shown: their public
id is that number enciphered with a key from the settings (AES on one block, ``act-`` and 26
base32 letters), so ids are neither sequential nor guessable, and a public id that was not minted
here decodes to no row.
"""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from ulid import ULID

from ...config import Settings

ACTIVITY_PREFIX = "act-"
MAX_ROW_ID = 2**63 - 1
MAX_NUMBER = 2**31 - 1
"""The largest row number of a 32-bit id column (notes, rules, delegations, assignments)."""


def row_number(text: str) -> int | None:
    """A 32-bit row's number as this API writes it — ASCII digits, 1 to ``MAX_NUMBER`` — or None.
    ``int()`` alone also takes " 7 ", "1_0" and "٣" (another script's digits: a rule was deleted
    by ``id: "٣"``), and a number past the column's range reached the database and answered
    INTERNAL on PostgreSQL (delegations, assignments; attacker's review)."""
    if not (text.isascii() and text.isdigit() and len(text) <= 10):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_NUMBER else None


def _prefixed(prefix: str) -> str:
    return f"{prefix}-{str(ULID()).lower()}"


def snapshot_id() -> str:
    return _prefixed("snap")


def job_id() -> str:
    return _prefixed("job-agg")


def report_id() -> str:
    return f"rpt_{ULID()}"


def submission_id() -> str:
    return f"sub_{ULID()}"


def import_id() -> str:
    return _prefixed("imp")


@lru_cache(maxsize=8)
def _cipher(key: bytes) -> Cipher[modes.ECB]:
    # ECB over exactly one block is a keyed permutation of 128-bit numbers: what is wanted here.
    return Cipher(algorithms.AES(key), modes.ECB())


def activity_public_id(settings: Settings, row_id: int) -> str:
    return activity_public_ids(settings, [row_id])[0]


def activity_public_ids(settings: Settings, row_ids: list[int]) -> list[str]:
    """Many at once: one cipher pass over all the blocks (ECB enciphers each block alone)."""
    blocks = _cipher(settings.public_id_key).encryptor().update(b"".join(n.to_bytes(16, "big") for n in row_ids))
    return [
        ACTIVITY_PREFIX + base64.b32encode(blocks[i : i + 16]).decode().rstrip("=").lower() for i in range(0, len(blocks), 16)
    ]


def activity_row_id(settings: Settings, public_id: str) -> int | None:
    """The row id a public id was minted from; None when it is well formed but was not minted here."""
    letters = public_id.removeprefix(ACTIVITY_PREFIX).upper()
    try:
        block = base64.b32decode(letters + "======")
    except (binascii.Error, ValueError):
        return None
    if len(block) != 16 or base64.b32encode(block).decode().rstrip("=") != letters:
        return None  # 26 letters carry 130 bits: only the one spelling minted here is an id
    number = int.from_bytes(_cipher(settings.public_id_key).decryptor().update(block), "big")
    return number if 0 < number <= MAX_ROW_ID else None


def looks_like_activity_id(public_id: str) -> bool:
    letters = public_id.removeprefix(ACTIVITY_PREFIX)
    return public_id.startswith(ACTIVITY_PREFIX) and len(letters) == 26 and letters.isascii() and letters.isalnum()
