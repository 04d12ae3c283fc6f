"""The one lazy-export mechanism of the package ``__init__`` files: a public name resolves on first use,
so ``--help``, ``cite`` and the sandbox worker start without importing torch, pandas or datasets."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_getattr(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` resolving ``name`` from submodule ``exports[name]``.

    Parameters
    ----------
    package : the package's dotted name (its ``__name__``).
    exports : public name → submodule (relative to ``package``) that defines it.

    Returns
    -------
    The ``__getattr__`` function to assign in the package. It binds each resolved name on the
    package, because importing a submodule binds the submodule's own name there: an export named
    like its submodule (``calibration.calibrate``) must resolve to the export, not the module.
    """

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{exports[name]}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
