"""Use cases: plain async functions ``(ctx, *, arguments) -> domain objects``.

The only layer that decides, validates and writes; GraphQL fields and REST handlers both call
these, so one set of rules, permissions and validation serves every transport.
"""
