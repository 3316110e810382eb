"""compatshim check on factory rules: the factory exists, returns the class, honours the protocol."""

from __future__ import annotations

import json

from helpers import Project


FILES = {
    "shop/__init__.py": "",
    "shop/models.py": """
        from typing import Protocol

        class Sized(Protocol):
            def size(self) -> int: ...

        class Cart:
            def size(self) -> int:
                return 0

        class Basket:
            pass

        class Other:
            pass

        NOT_A_CLASS = 3
    """,
    "shop/factory.py": """
        from __future__ import annotations
        from shop.models import Basket, Cart, Other

        def make_cart() -> Cart:
            return Cart()

        def make_basket() -> Other:
            return Basket()

        def make_thing():
            return None

        VALUE = 1
    """,
}
CONFIG = """
    [tool.compatshim.factories]
    "shop.models:Cart" = { factory = "shop.factory:make_cart", protocol = "shop.models:Sized" }
    "shop.models:Basket" = { factory = "shop.factory:make_basket", protocol = "shop.models:Sized" }
    "shop.models:Other" = "shop.factory:missing"
    "shop.models:NOT_A_CLASS" = "shop.factory:make_thing"
    "shop.models:Gone" = "shop.factory:make_thing"
    "shop.models:Cart2" = "shop.factory:VALUE"
"""


def test_check_verifies_every_factory_rule(project: Project) -> None:
    """A sound rule passes; a wrong return annotation, an unmet protocol, a missing factory or
    class, and something that is no class or not callable are each a problem."""
    project.write(FILES).config(CONFIG)
    result = project.command(["-m", "compatshim", "check", "--format", "json"])
    assert result.returncode == 1, result.stderr
    rules = {a["legacy"]: a for a in json.loads(result.stdout)["aliases"]}
    assert rules["shop.models:Cart()"]["ok"] is True
    assert rules["shop.models:Cart()"]["canonical"] == "shop.factory:make_cart()"
    basket = rules["shop.models:Basket()"]["problems"]
    assert basket[0] == (
        "factory: factory shop.factory.make_basket is annotated to return Other, which "
        "shop.models.Basket is not"
    )
    assert basket[1].startswith("protocol: shop.models.Basket lacks 'size'")
    assert rules["shop.models:Other()"]["kinds"] == ["factory"]
    assert (
        "factory shop.factory.missing cannot be imported"
        in rules["shop.models:Other()"]["problems"][0]
    )
    assert rules["shop.models:NOT_A_CLASS()"]["problems"] == [
        "factory: shop.models.NOT_A_CLASS is not a class but int"
    ]
    assert "class shop.models.Gone cannot be imported" in rules["shop.models:Gone()"]["problems"][0]
    assert rules["shop.models:Cart2()"]["kinds"] == ["factory"]
