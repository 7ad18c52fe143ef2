"""The served OpenAPI document: what the routes declare, and what the edge enforces for every one
of them, said where a client reads it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from ..config import Settings
from .shapes import Shape

NO_NUL = r"^[^\x00]*$"
"""Text without NUL: ``http_guards.RequestShape`` refuses a NUL in the path, the query or a JSON
body before any route runs (PostgreSQL's text cannot hold one)."""


def openapi_for(app: FastAPI, settings: Settings) -> Callable[[], dict[str, Any]]:
    """The served OpenAPI document, saying what this app enforces: the bearer scheme the
    protected operations name, the page size this app's settings allow, and that no text a
    parameter or a JSON body carries may hold a NUL."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            schemes = document.setdefault("components", {}).setdefault("securitySchemes", {})
            schemes["bearer"] = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            components = document["components"].get("schemas", {})
            _restore_examples(document, app.routes)
            seen: set[str] = set()
            for operations in document["paths"].values():
                for operation in operations.values():
                    for parameter in operation.get("parameters", []):
                        if parameter["in"] == "query" and parameter["name"] == "limit":
                            parameter["schema"]["maximum"] = settings.max_page_size
                        _refuse_nul(parameter["schema"], components, seen)
                    json_body = operation.get("requestBody", {}).get("content", {}).get("application/json")
                    if json_body is not None:
                        _refuse_nul(json_body["schema"], components, seen)
            app.openapi_schema = document
        return app.openapi_schema

    return build


def api_routes(routes: list[BaseRoute]) -> Iterator[APIRoute]:
    """Every FastAPI route, within the routers the app includes too."""
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI's wrapper of an included router
        if included is not None:
            yield from api_routes(included.routes)
        elif isinstance(route, APIRoute):
            yield route


def _restore_examples(document: dict[str, Any], routes: list[BaseRoute]) -> None:
    """Put back the nulls of the examples: FastAPI writes the document leaving out every null,
    examples' too, so the contract's ``"aggregated_at": null`` would vanish and the example
    would lack a key its schema requires."""
    schemas = document["components"].get("schemas", {})
    todo = list(Shape.__subclasses__())
    while todo:
        shape = todo.pop()
        todo += shape.__subclasses__()
        extra = shape.model_config.get("json_schema_extra")
        if isinstance(extra, dict) and "examples" in extra and "examples" in schemas.get(shape.__name__, {}):
            schemas[shape.__name__]["examples"] = extra["examples"]
    for route in api_routes(routes):
        examples = getattr(route.body_field.field_info, "openapi_examples", None) if route.body_field else None
        if not examples:
            continue
        for method in route.methods or ():
            body = document["paths"][route.path_format][method.lower()]["requestBody"]["content"]["application/json"]
            body["examples"] = examples


def _refuse_nul(schema: dict[str, Any], components: dict[str, Any], seen: set[str]) -> None:
    """Give every free text in ``schema`` (and the components it refers to) the no-NUL pattern;
    a text with a pattern, a format or a set of values of its own is left as it is."""
    for node in _nodes(schema, components, seen):
        if node.get("type") == "string" and not {"pattern", "format", "enum", "const"} & set(node):
            node["pattern"] = NO_NUL


def _nodes(schema: Any, components: dict[str, Any], seen: set[str]) -> Iterator[dict[str, Any]]:
    """Every schema object within ``schema``, following ``$ref`` into the components once each."""
    if isinstance(schema, list):
        for item in schema:
            yield from _nodes(item, components, seen)
        return
    if not isinstance(schema, dict):
        return
    reference = schema.get("$ref", "")
    if reference.startswith("#/components/schemas/"):
        name = reference.rsplit("/", 1)[1]
        if name not in seen:
            seen.add(name)
            yield from _nodes(components[name], components, seen)
        return
    yield schema
    for key in ("properties", "patternProperties", "$defs"):
        for value in schema.get(key, {}).values():
            yield from _nodes(value, components, seen)
    for key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf", "not", "if", "then", "else", "prefixItems"):
        if key in schema:
            yield from _nodes(schema[key], components, seen)
