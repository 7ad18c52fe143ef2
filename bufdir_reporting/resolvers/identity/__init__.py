"""National identities mapped to organisations: Maskinporten consumers (and suppliers acting
for them), ID-porten people and their assignments. ``mapping`` runs per request; ``delegations``
and ``people`` are the admin's use cases that change what it finds."""

from . import delegations, mapping, people

__all__ = ["delegations", "mapping", "people"]
