"""The shared base every domain package stands on: the request context, per-request loaders,
pagination, the audit log, event publishing, ids, access checks, the job runner. Imports no
domain package."""
