"""Which files of the user's code folder stay out of the package: gitignore-like rules.

A rule is one line: ``#`` starts a comment, ``!`` re-includes what an earlier rule
left out, a trailing ``/`` matches folders only, a rule holding a ``/`` elsewhere is
anchored at the code folder (``/build``, ``docs/*.md``) and one without matches a name
at any depth; ``*`` and ``?`` never cross a ``/``, ``**`` does; the last rule that
matches decides. As in git, a file inside a left-out folder stays out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import attrs

#: What never belongs in a deployment: hidden files and folders (the VCS's ``.git``,
#: editors' ``.idea``/``.vscode``, tool caches, ``.env`` files with secrets), virtual
#: environments, bytecode, the tests, editors' backup and swap files. A
#: ``.polyfaasignore`` can take any of them back with ``!``.
DEFAULT_RULES = (
    ".*",
    "venv/",
    "__pycache__/",
    "*.py[cod]",
    "tests/",
    "*~",
    "*.swp",
    "*.swo",
    "#*#",
    "Thumbs.db",
)

#: The file in the code folder with the user's own rules.
IGNORE_FILE = ".polyfaasignore"


@attrs.frozen
class Rule:
    pattern: re.Pattern[str]
    negated: bool
    folders_only: bool


def _translate(glob: str) -> str:
    """The regular expression of one rule's glob (without ``!`` or a trailing ``/``)."""
    out: list[str] = []
    index = 0
    while index < len(glob):
        char = glob[index]
        if glob.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
            continue
        if glob.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = glob.find("]", index + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = glob[index + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                index = end
        elif char == "\\" and index + 1 < len(glob):
            index += 1
            out.append(re.escape(glob[index]))
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


def parse_rule(line: str) -> Rule | None:
    """One line of rules, or ``None`` for a blank line or a comment."""
    text = line.rstrip("\n").rstrip(" ")
    if not text or text.startswith("#"):
        return None
    negated = text.startswith("!")
    if negated or text.startswith("\\"):
        text = text[1:]
    folders_only = text.endswith("/")
    text = text.rstrip("/")
    if not text:
        return None
    anchored = "/" in text
    body = _translate(text.lstrip("/"))
    regex = f"^{body}$" if anchored else f"^(?:.*/)?{body}$"
    return Rule(re.compile(regex, re.DOTALL), negated, folders_only)


@attrs.frozen
class IgnoreRules:
    """An ordered list of rules; ``ignored(path, folder)`` applies them."""

    rules: tuple[Rule, ...]

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> IgnoreRules:
        return cls(tuple(rule for rule in map(parse_rule, lines) if rule is not None))

    def __add__(self, other: IgnoreRules) -> IgnoreRules:
        return IgnoreRules(self.rules + other.rules)

    def ignored(self, path: str, folder: bool) -> bool:
        """Whether the ``/``-separated ``path`` (relative to the code folder) is left
        out; its parent folders are the caller's to check first."""
        verdict = False
        for rule in self.rules:
            if rule.folders_only and not folder:
                continue
            if rule.pattern.match(path):
                verdict = not rule.negated
        return verdict


def default_rules(extra: Sequence[str] = ()) -> IgnoreRules:
    return IgnoreRules.from_lines([*DEFAULT_RULES, *extra])
