"""Loading a handler TARGET: ``path/file.py:attr``, ``module:attr`` or the
platforms' own ``file.attr`` (``pkg.mod.attr`` too, and ``dir/file.attr`` as FC allows)."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

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
        ) from exc
    except ModuleNotFoundError as exc:
        if exc.name == target.module.split(".")[0] or exc.name == target.module:
            raise HandlerImportError(
                f"no module {target.module!r} in {target.folder}", "missing-module"
            ) from exc
        raise HandlerImportError(
            f"importing {target.module!r} failed: {type(exc).__name__}: {exc}"
        ) from exc
    except Exception as exc:
        raise HandlerImportError(
            f"importing {target.module!r} failed: {type(exc).__name__}: {exc}"
        ) from exc
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
    return obj
