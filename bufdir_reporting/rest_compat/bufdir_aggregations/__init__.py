"""Contracts: bufdir-aggregation-service and bufdir-aggregation-repository, as one resource.

Both documents describe ``/api/v1/bufdir-aggregations`` with different shapes; each response
carries the union of their fields (DESIGN.md decision 2). A period-based POST starts a job
(202, the service contract); a range-based POST computes and persists at once (201, the
repository's countActivitiesInRange), as does PUT (both contracts show refreshed figures).

Its parts: ``requests`` (the two contracts' bodies and how one is told from the other),
``answers`` (a snapshot or an activity in the contracts' shapes), ``routes`` (the router).
"""

from .routes import router

__all__ = ["router"]
