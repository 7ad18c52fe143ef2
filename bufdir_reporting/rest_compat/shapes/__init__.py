"""The contracts' answers, each declared once, one module per contract: a handler builds one of
these and FastAPI sends it through the route's ``response_model`` (``rest.shapes``), so the
OpenAPI document says exactly what is sent. Every key a contract prints is there under its name;
what this service adds beside them (the union of the two bufdir-aggregations contracts,
``error``, ``job_id`` …) is declared too. The examples are the contracts' own, with the keys a
contract does not print filled in.
"""
