"""String references: import_module, mock.patch, monkeypatch.setattr, pkgutil.resolve_name."""

import importlib
import pkgutil
from importlib import import_module
from unittest import mock

import legacy_utils
from cases._show import show


class FakeMonkeypatch:
    """Records what pytest's monkeypatch would patch (there is no pytest here)."""

    def setattr(self, target, value):
        show("monkeypatch target", pkgutil.resolve_name(target.rpartition(".")[0]))


monkeypatch = FakeMonkeypatch()
show("import_module", importlib.import_module("legacy_utils").func)
show("moved name", importlib.import_module("legacy_utils").OldHelper)
show("import_module short", import_module("oldpkg.sub"))
show("resolve_name", pkgutil.resolve_name("realmod:OldName"))
show("resolve_name dotted", pkgutil.resolve_name("oldpkg.utils.CONST"))
with mock.patch("legacy_utils.func", return_value="patched"):
    show("patched", legacy_utils.func())
with mock.patch("legacy_utils.OldHelper", "patched helper"):
    show("patched helper", legacy_utils.OldHelper)
monkeypatch.setattr("oldpkg.utils.CONST", 1)
name = "sub"
show("computed", importlib.import_module(f"oldpkg.{name}"))
show("dunder import", __import__("oldpkg.sub").sub)
show("escaped", importlib.import_module("legacy\x5futils"))
