"""compatshim's version: the one place it is written.

The package re-exports it as ``compatshim.__version__`` (flit reads it from there when it builds),
and every module that records or prints the version imports it from here, never from the facade.
"""

from __future__ import annotations


__all__ = ["__version__"]

__version__ = "0.1.0.dev0"
