"""compatshim's version: the one place it is written.

The package re-exports it as ``compatshim.__version__`` (flit reads it from there when it builds),
and every module that records or prints the version imports it from here, never from the facade.
It has no annotations, hence no ``from __future__ import annotations``: ``import compatshim``
loads this module, and ``__future__`` would cost more than the two of them.
"""

__all__ = ["__version__"]

__version__ = "0.1.0.dev0"
