"""The libraries' internals this service leans on, one test each: when an upgrade moves one, its
test fails and names the code of ours that leans on it (what to rework before raising the pin).

pyproject pins strawberry-graphql, graphql-core, broadcaster, uvicorn and openpyxl to the minor these
were checked on. "Leans on" is an override of a method the library calls (its name and
parameters must stay, and the library must still call it), or an attribute of the library's
that our code reads or sets (it must still be made, by that name, where we expect it).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
import types
from collections.abc import Callable
from typing import Any


def parameters(function: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(function).parameters)


def refers_to(function: Callable[..., Any], name: str) -> bool:
    """Whether the library's function (or a function nested in it) names ``name``: the call
    through which it reaches our override, or the attribute it reads."""
    pending = [inspect.unwrap(function).__code__]
    while pending:
        code = pending.pop()
        if name in code.co_names:
            return True
        pending.extend(const for const in code.co_consts if isinstance(const, types.CodeType))
    return False


def methods(cls: type) -> list[Callable[..., Any]]:
    """The functions of the class and of the library classes it derives from."""
    return [member for klass in cls.__mro__[:-1] for member in vars(klass).values() if inspect.isfunction(member)]


def called_in(cls: type, name: str) -> bool:
    return any(refers_to(method, name) for method in methods(cls))


def attributes_set(cls: type) -> set[str]:
    """Attributes the class, or a library class it derives from, sets on ``self`` or declares."""
    names: set[str] = set()
    for klass in cls.__mro__[:-1]:
        names.update(vars(klass), getattr(klass, "__annotations__", {}), getattr(klass, "__slots__", ()))
        try:
            source = textwrap.dedent(inspect.getsource(klass))
        except (OSError, TypeError):
            continue
        for node in ast.walk(ast.parse(source)):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name)
                and node.value.id == "self"
            ):
                names.add(node.attr)
    return names


# --- Strawberry ---


def test_mask_errors_hooks_that_domain_error_extension_overrides():
    """schema/errors.py ``DomainErrorExtension`` overrides ``_process_errors`` (to render domain
    errors) and ``_process_result`` (without the Protocol isinstance, bench S6), and calls
    ``anonymise_error`` and ``MaskErrors.__init__(error_message=)``."""
    from strawberry.extensions import MaskErrors

    assert parameters(MaskErrors._process_errors) == ["self", "errors"]
    assert parameters(MaskErrors._process_result) == ["self", "result"]
    assert parameters(MaskErrors.anonymise_error) == ["self", "error"]
    assert "error_message" in parameters(MaskErrors.__init__)
    assert refers_to(MaskErrors.on_operation, "_process_result")
    assert refers_to(MaskErrors._process_result, "_process_errors")


def test_the_router_encodes_websocket_messages_through_encode_json():
    """graphql_http.py ``BufdirGraphQLRouter.encode_json`` encodes an event shared by many
    subscribers once (bench S6): Strawberry's websocket adapter must send through it."""
    from strawberry.fastapi import GraphQLRouter

    assert parameters(GraphQLRouter.encode_json) == ["self", "data"]
    assert refers_to(GraphQLRouter.websocket_adapter_class.send_json, "encode_json")


def test_the_router_hooks_that_bufdir_graphql_router_overrides():
    """graphql_http.py ``BufdirGraphQLRouter``: persisted queries (``run``, ``parse_http_body``),
    media types and status (``get_sub_response``, ``process_result``, ``create_response``), the
    GraphiQL page (``render_graphql_ide``) and websocket tokens (``on_ws_connect``)."""
    from strawberry.fastapi import GraphQLRouter
    from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler

    assert parameters(GraphQLRouter.run) == ["self", "request", "context", "root_value"]
    assert parameters(GraphQLRouter.parse_http_body) == ["self", "request"]
    assert parameters(GraphQLRouter.get_sub_response) == ["self", "request"]
    assert parameters(GraphQLRouter.process_result) == ["self", "request", "result"]
    assert parameters(GraphQLRouter.create_response) == ["self", "response_data", "sub_response"]
    assert parameters(GraphQLRouter.render_graphql_ide) == ["self", "request"]
    assert parameters(GraphQLRouter.on_ws_connect) == ["self", "context"]
    for hook in ("parse_http_body", "get_sub_response", "process_result", "create_response"):
        assert called_in(GraphQLRouter, hook), f"Strawberry's view calls {hook} no more"
    assert called_in(BaseGraphQLTransportWSHandler, "on_ws_connect")


def test_the_transport_ws_handler_class_and_its_hooks():
    """graphql_ws.py ``TransportWSConnection`` is installed as the router's
    ``graphql_transport_ws_handler_class`` and extends ``handle_connection_init``, ``shutdown`` and
    ``handle_task_exception``, reading ``connection_acknowledged``, ``context`` and ``websocket``;
    ``handle_subscribe`` refuses an operation past the connection's limit in its own words, counting
    as Strawberry does (``operations``, ``max_subscriptions_per_connection``)."""
    from strawberry.fastapi import GraphQLRouter
    from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler

    assert refers_to(GraphQLRouter.run, "graphql_transport_ws_handler_class")
    assert parameters(BaseGraphQLTransportWSHandler.handle_connection_init) == ["self", "message"]
    assert parameters(BaseGraphQLTransportWSHandler.shutdown) == ["self"]
    assert parameters(BaseGraphQLTransportWSHandler.handle_task_exception) == ["self", "error"]
    assert parameters(BaseGraphQLTransportWSHandler.handle_subscribe) == ["self", "message"]
    assert {"connection_acknowledged", "context", "websocket", "operations", "max_subscriptions_per_connection"} <= (
        attributes_set(BaseGraphQLTransportWSHandler)
    )
    assert refers_to(BaseGraphQLTransportWSHandler.handle_subscribe, "max_subscriptions_per_connection")


def test_the_schema_holds_graphql_cores_schema_as_underscore_schema():
    """schema/__init__.py (``describe(schema._schema)``) and schema/limits.py (the document's
    shape and the operation's label) read graphql-core's schema from ``Schema._schema``;
    ``Schema.process_errors`` is overridden to log errors in one line."""
    import strawberry
    from graphql import GraphQLSchema

    from bufdir_reporting.schema import schema

    assert isinstance(schema._schema, GraphQLSchema)
    assert parameters(strawberry.Schema.process_errors) == ["self", "errors", "execution_context"]


def test_the_caches_and_the_execution_context_fields_limits_sets():
    """schema/limits.py: ``CachedParsing`` calls ``ParserCache``'s ``cached_parse_document``,
    ``CachedValidation`` calls ``validate_document(schema, document, rules)`` as Strawberry's
    own validation does (it adds Strawberry's rules); ``OperationLimits`` sets the
    execution context's ``parse_options`` and ``validation_rules`` and reads or sets
    ``graphql_document``, ``pre_execution_errors`` and ``result``."""
    import dataclasses

    from strawberry.extensions import ParserCache
    from strawberry.schema.schema import validate_document
    from strawberry.types import ExecutionContext

    assert "cached_parse_document" in attributes_set(ParserCache)
    assert parameters(validate_document) == ["schema", "document", "validation_rules"]
    fields = {field.name for field in dataclasses.fields(ExecutionContext)}
    assert {"parse_options", "validation_rules", "graphql_document", "pre_execution_errors", "result"} <= fields


def test_slice_metadata_from_arguments():
    """schema/pagination.py ``resolve_connection`` slices with ``SliceMetadata.from_arguments``
    and reads its ``start``, ``end`` and ``expected``."""
    from strawberry.relay.utils import SliceMetadata

    assert {"info", "before", "after", "first", "last", "max_results"} <= set(parameters(SliceMetadata.from_arguments))
    assert {"start", "end", "expected"} <= attributes_set(SliceMetadata)


def test_strawberrys_decimal_scalar_definition():
    """schema/scalars.py ``PlainDecimal`` takes ``parse_value`` from Strawberry's own Decimal
    definition and builds a ``ScalarDefinition`` by its fields."""
    from strawberry.schema.types.base_scalars import DecimalDefinition
    from strawberry.types.scalar import ScalarDefinition

    assert callable(DecimalDefinition.parse_value)
    fields = set(parameters(ScalarDefinition))
    assert {"name", "description", "specified_by_url", "serialize", "parse_value", "parse_literal", "origin"} <= fields


def test_strawberrys_execution_context_class():
    """schema/subscriptions.py ``SharedEventResults`` derives from
    ``StrawberryGraphQLCoreExecutionContext`` (given as ``execution_context_class``) and overrides
    ``build_per_event_executor`` and ``execute_operation``, reading ``root_value``,
    ``context_value``, ``operation``, ``variable_values.coerced`` and ``is_awaitable``."""
    import strawberry
    from graphql.execution.values import VariableValues
    from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

    assert "execution_context_class" in parameters(strawberry.Schema.__init__)
    assert parameters(StrawberryGraphQLCoreExecutionContext.build_per_event_executor) == ["self", "payload"]
    assert parameters(StrawberryGraphQLCoreExecutionContext.execute_operation) == ["self", "serially"]
    used = {"root_value", "context_value", "operation", "variable_values", "is_awaitable"}
    assert used <= attributes_set(StrawberryGraphQLCoreExecutionContext)
    assert "coerced" in attributes_set(VariableValues)


# --- graphql-core ---


def test_the_per_event_executor_copies_the_sub_field_memo():
    """schema/subscriptions.py ``SharedEventResults.build_per_event_executor`` gives each event's
    executor a memo of its own (``_relevant_sub_fields``): graphql-core's per-event copy shares
    the parent's, which grew by 11 KB per event."""
    from graphql.execution.executor import Executor

    assert "_relevant_sub_fields" in attributes_set(Executor)
    assert any(refers_to(method, "_relevant_sub_fields") for method in methods(Executor) if method.__name__ != "__init__")
    assert refers_to(Executor.build_per_event_executor, "copy")


def test_the_field_merging_rule_and_its_budget():
    """schema/limits.py ``BoundedFieldMerging`` sets ``rule_context.remaining_complexity_budget``
    of graphql-core's ``OverlappingFieldsCanBeMergedRule``, wraps its ``enter_selection_set`` and
    catches ``graphql.validation.validate.ValidationAbortedError``."""
    from graphql.validation import OverlappingFieldsCanBeMergedRule
    from graphql.validation.rules.overlapping_fields_can_be_merged import RuleContext
    from graphql.validation.validate import ValidationAbortedError

    assert "rule_context" in attributes_set(OverlappingFieldsCanBeMergedRule)
    assert "remaining_complexity_budget" in attributes_set(RuleContext)
    assert parameters(OverlappingFieldsCanBeMergedRule.enter_selection_set)[:2] == ["self", "selection_set"]
    assert issubclass(ValidationAbortedError, Exception)


# --- broadcaster ---


def test_broadcasters_backend_modules():
    """pubsub_backends.py imports the backends from ``broadcaster._backends`` (a private package)."""
    for module, name in (("base", "BroadcastBackend"), ("memory", "MemoryBackend"), ("postgres", "PostgresBackend")):
        assert hasattr(importlib.import_module(f"broadcaster._backends.{module}"), name)
    assert hasattr(importlib.import_module("broadcaster._backends.redis"), "RedisBackend")


def test_broadcasters_redis_backend_state():
    """pubsub_backends.py ``ResilientRedisBackend`` stops ``_listener`` (the task ``connect``
    starts), closes ``_pubsub`` and ``_conn``, sets ``_ready`` after subscribing and waits on
    ``_queue`` alongside the listener."""
    from broadcaster._backends.redis import RedisBackend

    assert {"_listener", "_pubsub", "_conn", "_ready", "_queue"} <= attributes_set(RedisBackend)
    assert refers_to(RedisBackend.connect, "_listener")
    assert refers_to(RedisBackend._pubsub_listener, "_ready") and refers_to(RedisBackend._pubsub_listener, "_queue")
    for method in ("connect", "disconnect", "subscribe", "next_published"):
        assert parameters(getattr(RedisBackend, method))[0] == "self"


def test_broadcasters_postgres_backend_state():
    """pubsub_backends.py ``ResilientPostgresBackend`` adds a termination listener to ``_conn``
    (the asyncpg connection ``connect`` opens) and reads ``_listen_queue``."""
    from broadcaster._backends.postgres import PostgresBackend

    assert {"_conn", "_listen_queue"} <= attributes_set(PostgresBackend)
    assert refers_to(PostgresBackend.connect, "_conn") and refers_to(PostgresBackend.connect, "_listen_queue")


# --- uvicorn ---


def test_uvicorns_sans_io_websocket_protocol():
    """operations/websocket_protocol.py ``GivingUpWebSocketProtocol`` overrides ``send`` and
    ``keepalive_timeout`` (scheduled by the ping), calls ``stop_keepalive``, and reads and sets the
    protocol's buffers' and timers' state; ``conn`` is websockets' sans-I/O ``ServerProtocol``."""
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
    from websockets.server import ServerProtocol

    protocol = WebSocketsSansIOProtocol
    assert parameters(protocol.send) == ["self", "message"]
    assert parameters(protocol.keepalive_timeout) == ["self"]
    assert parameters(protocol.stop_keepalive) == ["self"]
    assert called_in(protocol, "keepalive_timeout")
    used = {
        "writable",
        "handshake_complete",
        "initial_response",
        "close_sent",
        "close_timer",
        "close_timeout",
        "loop",
        "transport",
        "queue",
        "conn",
        "read_paused",
        "ping_timeout",
        "pong_timer",
        "pending_ping_payload",
    }
    assert used <= attributes_set(protocol)
    assert refers_to(protocol.__init__, "ServerProtocol") and callable(ServerProtocol.send_close)
    assert callable(ServerProtocol.data_to_send)


def test_uvicorns_client_disconnected():
    """operations/websocket_protocol.py raises ``uvicorn.protocols.utils.ClientDisconnected`` for
    a client given up on, which Starlette takes for a disconnect (an ``OSError``)."""
    from uvicorn.protocols.utils import ClientDisconnected

    assert issubclass(ClientDisconnected, OSError)


def test_uvicorns_server_and_config():
    """operations/serving.py ``GracefulServer`` extends ``uvicorn.Server.startup`` and
    ``shutdown`` (closing websockets with 1001 first), reads ``should_exit`` and ``started`` (as
    tests/live.py does), and gives ``Config(ws=)`` its protocol class."""
    import uvicorn

    assert parameters(uvicorn.Server.startup) == ["self", "sockets"]
    assert parameters(uvicorn.Server.shutdown) == ["self", "sockets"]
    assert {"should_exit", "started"} <= attributes_set(uvicorn.Server)
    assert "ws" in parameters(uvicorn.Config.__init__)
    assert refers_to(uvicorn.Config.load, "ws_protocol_class")


# --- FastAPI ---


def test_fastapis_included_router_keeps_its_routes_state():
    """tests/live.py ``_share_route_state`` hands every app of the suite the first app's wrapper of
    each module-level router: FastAPI's ``include_router`` appends one object per router, which
    names it as ``original_router`` (rest/openapi.py ``api_routes`` and rest/errors.py read that
    too) and keeps the state it builds for the routes on itself, rebuilt only when the router's
    routes change (``effective_candidates``, ``_effective_candidates_version``)."""
    from fastapi import APIRouter, FastAPI
    from fastapi.routing import _IncludedRouter

    router = APIRouter()
    router.get("/x")(lambda: None)
    app = FastAPI()
    app.include_router(router)
    included = app.router.routes[-1]
    assert isinstance(included, _IncludedRouter) and included.original_router is router
    assert included.effective_candidates() is included.effective_candidates()  # built once, then kept
    assert refers_to(_IncludedRouter.effective_candidates, "_effective_candidates_version")


# --- openpyxl ---


def test_openpyxls_read_only_sheet_builds_each_row_in_get_row():
    """importing/reading.py ``_sheet_rows`` sets a read-only sheet's ``_get_row`` to take each row
    as its parser gives it (a dict per cell present, with ``column`` and ``value``), not padded to
    the columns asked for (a row with one cell at XFD built 16,384 values); and calls
    ``reset_dimensions`` so a missing row is empty. ``_cells_by_row`` must still call it by that
    name, with the parsed row first."""
    import io

    import openpyxl
    from openpyxl.worksheet import _read_only

    read_only: Any = _read_only.ReadOnlyWorksheet  # its private methods are not in the stubs
    assert parameters(read_only._get_row)[:2] == ["self", "row"]
    assert refers_to(read_only._cells_by_row, "_get_row")
    written = openpyxl.Workbook()
    written.active.append(["a", None, 3])
    buffer = io.BytesIO()
    written.save(buffer)
    sheet: Any = openpyxl.load_workbook(buffer, read_only=True).worksheets[0]
    sheet.reset_dimensions()
    sheet._get_row = lambda row, *_, **__: row
    (row,) = sheet.iter_rows(values_only=True)
    assert [(cell["column"], cell["value"]) for cell in row] == [(1, "a"), (3, 3)]


def test_pytests_assertion_rewriting_cache_that_warm_bytecode_fills(tmp_path):
    """scripts/warm_bytecode.py rewrites the test modules before pytest's workers start, with the
    functions pytest's import hook calls (``_read_pyc``, ``_rewrite_test``, ``_write_pyc``) and
    into the file it reads (``get_cache_dir`` and ``PYC_TAIL``): the hook must still call them,
    and what is written must be what it loads, asserts rewritten."""
    import importlib.util
    import sys
    from pathlib import Path

    from _pytest.assertion import rewrite

    assert all(
        refers_to(rewrite.AssertionRewritingHook.exec_module, name) for name in ("_read_pyc", "_rewrite_test", "_write_pyc")
    )
    assert refers_to(rewrite.AssertionRewritingHook.exec_module, "get_cache_dir")
    assert refers_to(rewrite.AssertionRewritingHook.exec_module, "PYC_TAIL")
    assert parameters(rewrite._rewrite_test) == ["fn", "config"]
    assert parameters(rewrite._write_pyc) == ["state", "co", "source_hash", "pyc"]

    script = Path(__file__).parents[1] / "scripts" / "warm_bytecode.py"
    spec = importlib.util.spec_from_file_location("warm_bytecode", script)
    assert spec is not None and spec.loader is not None
    warm: Any = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(warm)
    module = tmp_path / "test_sample.py"
    module.write_text("def test_it():\n    value = 1\n    assert value == 2\n")
    assert warm.rewrite(module) is True
    assert warm.rewrite(module) is False, "a current cache is left as it is"
    code = rewrite._read_pyc(module, rewrite.get_cache_dir(module) / (module.name[:-3] + rewrite.PYC_TAIL))
    assert code is not None and sys.implementation.cache_tag in rewrite.PYC_TAIL
    namespace: dict[str, Any] = {}
    exec(code, namespace)
    try:
        namespace["test_it"]()
    except AssertionError as failed:
        assert "assert 1 == 2" in str(failed), str(failed)  # pytest's explanation: the rewritten assert
    else:
        raise AssertionError("the rewritten test passed")
