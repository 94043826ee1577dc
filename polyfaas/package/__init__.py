"""``polyfaas package``: the deployable zip of a TARGET for a platform, its deploy
configuration, and the proof that it runs there.

``build(PackageOptions(provider=..., target=...))`` does it all (``build``); the
steps are modules of their own: the user's code folder (``code``, with the
gitignore-like rules of ``ignore``), polyfaas itself and its pure runtime dependency
from this environment (``distribution``), the requirements installed for the
platform (``install``), the reproducible zip (``archive``) and the verification with
a bare interpreter (``verify``). Never imported on a runtime path.
"""

from __future__ import annotations

from polyfaas.package.build import MANIFEST, Built, PackageOptions, build
from polyfaas.package.install import NoWheelError, PipOptions

__all__ = ["MANIFEST", "Built", "NoWheelError", "PackageOptions", "PipOptions", "build"]
