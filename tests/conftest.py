"""Fixtures: a throwaway project folder, the canonical package tree, a copy of the corpus.

What the tests import (Project, CANON, snapshot...) is in helpers.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import CANON
from helpers import CORPUS
from helpers import Project


pytest_plugins = ["pytester"]


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """An empty project with the probe helpers."""
    return Project(tmp_path)


@pytest.fixture
def canon_project(tmp_path: Path) -> Project:
    """A project with the ``canon`` package tree and ``"old" = "canon"`` configured."""
    return Project(tmp_path).write(CANON).config()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A copy of the corpus tree (tests/corpus/tree): canonical packages and legacy-using cases."""
    import shutil

    tree = tmp_path / "tree"
    shutil.copytree(CORPUS / "tree", tree)
    return tree
