"""The served OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from ..config import Settings


def openapi_for(app: FastAPI, settings: Settings) -> Callable[[], dict[str, Any]]:
    """The served OpenAPI document, saying what this app enforces: the bearer scheme the
    protected operations name, and the page size this app's settings allow."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            schemes = document.setdefault("components", {}).setdefault("securitySchemes", {})
            schemes["bearer"] = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            for operations in document["paths"].values():
                for operation in operations.values():
                    for parameter in operation.get("parameters", []):
                        if parameter["in"] == "query" and parameter["name"] == "limit":
                            parameter["schema"]["maximum"] = settings.max_page_size
            app.openapi_schema = document
        return app.openapi_schema

    return build
