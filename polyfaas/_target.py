"""Loading a handler TARGET: ``path/file.py:attr``, ``module:attr`` or the
platforms' own ``file.attr`` (``pkg.mod.attr`` too, and ``dir/file.attr`` as FC allows)."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import attrs

from polyfaas.errors import HandlerImportError


@attrs.frozen
class Target:
    """Where a handler lives: the code folder (the instance's working directory and
    first ``sys.path`` entry), the module to import and the attribute path in it."""

    folder: Path
    module: str
    attribute: str
    file: Path | None = None
    #: Serve a bare WSGI or ASGI application (not wrapped in ``polyfaas.wsgi`` or
    #: ``polyfaas.asgi``) as one.
    wrap_wsgi: bool = False
    #: When set, a plain ``handler(event, context)`` is refused at load, with this
    #: fix (the platform does not call such a handler natively).
    native_fix: str = ""

    @property
    def handler_string(self) -> str:
        """The platforms' notation, ``file.attr`` (what FC and Yandex settings take)."""
        return f"{self.module}.{self.attribute}"


def parse_target(spec: str, cwd: Path | None = None) -> Target:
    """Resolve a TARGET string against ``cwd`` without importing anything."""
    base = Path(cwd or os.getcwd())
    if ":" in spec:
        location, _, attribute = spec.rpartition(":")
        if not location or not attribute:
            raise HandlerImportError(
                f"TARGET {spec!r} must look like 'file.py:name' or 'module:name'", "target"
            )
        if location.endswith(".py") or "/" in location or os.sep in location:
            file = (base / location).resolve()
            if not file.is_file():
                raise HandlerImportError(f"TARGET {spec!r}: no such file {file}", "target")
            return Target(file.parent, file.stem, attribute, file)
        return Target(base.resolve(), location, attribute)
    if spec.endswith(".py"):
        file = (base / spec).resolve()
        names = defined_callables(file) if file.is_file() else []
        stem = Path(spec).name[: -len(".py")]
        example = f"{spec}:{names[0] if names else 'handler'}"
        raise HandlerImportError(
            f"TARGET {spec!r} names a file, not a handler: use FILE:NAME, e.g. {example!r} "
            f"(or {stem}.NAME); "
            + (f"callables {spec} defines: {', '.join(names)}" if names else f"no {file}"),
            "target",
        )
    module, dot, attribute = spec.rpartition(".")
    if not dot or not module or not attribute:
        raise HandlerImportError(
            f"TARGET {spec!r} must look like 'file.py:name', 'module:name' or 'file.name'",
            "target",
        )
    if "/" in module:  # FC: "dir/sub/main.handler" means dir/sub/main.py
        folder, _, module = module.rpartition("/")
        return Target((base / folder).resolve(), module, attribute)
    return Target(base.resolve(), module, attribute)


def defined_callables(file: Path) -> list[str]:
    """The public top-level functions and assigned names of a Python file, read
    without importing it ([] if it does not parse)."""
    import ast

    try:
        tree = ast.parse(file.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return []
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
    return [n for n in dict.fromkeys(names) if not n.startswith("_")]


CallableKind = Literal["entry", "wsgi", "asgi", "native", "other"]

WSGI_PARAMS = ("environ", "start_response")


def callable_kind(obj: Any) -> CallableKind:
    """What a loaded TARGET is: a polyfaas entry, a bare WSGI application (a Flask or
    Django app, any callable of ``(environ, start_response)``), a bare ASGI 3
    application (a FastAPI or Starlette app, any ``async`` callable of ``(scope,
    receive, send)``), a native handler (a plain callable of two or more positional
    arguments, ``handler(event, context)``), or something else."""
    import inspect

    from polyfaas._entry import Entry

    if isinstance(obj, Entry):
        return "entry"
    if callable(getattr(obj, "wsgi_app", None)):  # Flask, Quart-free werkzeug apps
        return "wsgi"
    try:
        parameters = list(inspect.signature(obj).parameters.values())
    except (TypeError, ValueError):
        return "other"
    positional = [
        p.name
        for p in parameters
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    if tuple(positional[:2]) == WSGI_PARAMS or positional[1:2] == ["start_response"]:
        return "wsgi"
    if len(positional) == 3 and _is_async_callable(obj):
        return "asgi"
    if len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in parameters):
        return "native"
    return "other"


def _is_async_callable(obj: Any) -> bool:
    import inspect

    if inspect.iscoroutinefunction(obj):
        return True
    # An app object (FastAPI, Starlette): its class's ``async def __call__``.
    return callable(obj) and inspect.iscoroutinefunction(type(obj).__call__)


def _user_frames(tb: TracebackType | None) -> TracebackType | None:
    """``tb`` without the frames of the import machinery and of polyfaas itself."""
    here = str(Path(__file__).resolve().parent)
    kept: list[TracebackType] = []
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if (
            not filename.startswith(("<frozen importlib", here))
            and "importlib" not in Path(filename).parts[-2:-1]
        ):
            kept.append(tb)
        tb = tb.tb_next
    for first, second in zip(kept, kept[1:]):
        first.tb_next = second
    if kept:
        kept[-1].tb_next = None
    return kept[0] if kept else None


def _trim(exc: BaseException) -> BaseException:
    """Drop polyfaas' and importlib's frames from ``exc`` (and what it chains)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.__traceback__ = _user_frames(current.__traceback__)
        current = current.__cause__ or current.__context__
    return exc


#: What separates a chained cause from the error it caused in a formatted traceback.
CAUSE_SEPARATOR = "\nThe above exception was the direct cause of the following exception:\n"


def user_traceback(text: str) -> str:
    """The user's own traceback in the formatted text of a ``HandlerImportError``
    (``ErrorInfo.text``): the cause it chains, or ``""`` if there is none."""
    head, sep, _ = text.rpartition(CAUSE_SEPARATOR)
    return head.strip("\n") + "\n" if sep else ""


def _wrap(obj: Any, target: Target) -> Any:
    kind = callable_kind(obj)
    if kind in ("wsgi", "asgi") and target.wrap_wsgi:
        from polyfaas import _entry

        article = "a WSGI" if kind == "wsgi" else "an ASGI"
        sys.stderr.write(
            f"polyfaas: {target.handler_string} is {article} application, not a polyfaas "
            f"entry: serving it as polyfaas.{kind}({target.attribute.rpartition('.')[2]})\n"
        )
        sys.stderr.flush()
        wrapped: Any = getattr(_entry, kind)(obj)
        return wrapped
    if kind == "native" and target.native_fix:
        raise HandlerImportError(
            f"{target.handler_string} is a native handler (event, context), not a polyfaas "
            f"entry: {target.native_fix}",
            "not-an-entry",
        )
    return obj


def load_target(target: Target) -> Any:
    """Import the target's module from its folder and return the attribute.

    Raises ``HandlerImportError`` with one clear sentence for every way this fails;
    the original exception is chained.
    """
    folder = str(target.folder)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    try:
        if target.file is not None:
            spec = importlib.util.spec_from_file_location(target.module, target.file)
            if spec is None or spec.loader is None:
                raise HandlerImportError(f"cannot load {target.file}", "missing-module")
            module = importlib.util.module_from_spec(spec)
            sys.modules[target.module] = module
            spec.loader.exec_module(module)
        else:
            module = importlib.import_module(target.module)
    except HandlerImportError:
        raise
    except SyntaxError as exc:
        raise HandlerImportError(
            f"syntax error in {exc.filename}, line {exc.lineno}: {exc.msg}", "syntax"
        ) from _trim(exc)
    except ModuleNotFoundError as exc:
        if exc.name == target.module.split(".")[0] or exc.name == target.module:
            raise HandlerImportError(  # nothing of the user's ran: no traceback to show
                f"no module {target.module!r} in {target.folder}", "missing-module"
            ) from None
        raise HandlerImportError(
            f"importing {target.module!r} failed: {type(exc).__name__}: {exc}"
        ) from _trim(exc)
    except Exception as exc:
        raise HandlerImportError(
            f"importing {target.module!r} failed: {type(exc).__name__}: {exc}"
        ) from _trim(exc)
    obj: Any = module
    for part in target.attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            found = sorted(
                name
                for name, value in vars(module).items()
                if callable(value) and not name.startswith("_") and not isinstance(value, type)
            )
            raise HandlerImportError(
                f"module {target.module!r} has no {target.attribute!r}; "
                f"callables it defines: {', '.join(found) or 'none'}",
                "missing-handler",
            ) from None
    if not callable(obj):
        raise HandlerImportError(
            f"{target.handler_string} is a {type(obj).__name__}, not callable", "not-callable"
        )
    return _wrap(obj, target)


def check_main(argv: list[str]) -> int:
    """``python -c 'from polyfaas._target import check_main; …' FOLDER MODULE ATTRIBUTE
    [FILE]``: import the TARGET as an instance would; on failure print the user's
    traceback and one line, exit 1 (the reloader's import check)."""
    folder, module, attribute, *rest = argv
    target = Target(Path(folder), module, attribute, Path(rest[0]) if rest else None)
    try:
        load_target(target)
    except HandlerImportError as exc:
        import traceback

        if exc.__cause__ is not None:
            cause = exc.__cause__
            sys.stderr.write(
                "".join(traceback.format_exception(type(cause), cause, cause.__traceback__))
            )
        sys.stderr.write(f"polyfaas: {exc}\n")
        return 1
    return 0
