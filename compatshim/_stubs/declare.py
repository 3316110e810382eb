"""A canonical function declared again in a generated stub, under its legacy name.

The declaration keeps the canonical signature (parameter names and kinds, annotations; defaults
become ``...``, as in every stub) and adds PEP 702's ``@deprecated`` with the runtime warning's
text. Annotations are read in the canonical module's namespace, so every name they use is
spelled through a private module alias (``import pkg.mod as _cs_pkg_mod``) that means the same
in any module. A signature that cannot be spelled safely (a decorator that may change the type,
a name the module does not bind) raises :class:`Unresolved`, and the name is re-exported as is.
"""

from __future__ import annotations

import ast
import builtins


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterable

    from .signatures import Binding
    from .signatures import Facts
    from .signatures import Locator

__all__ = ["Helpers", "Unresolved", "declare"]

_BUILTINS = frozenset(dir(builtins))
_OVERLOAD = frozenset({"typing.overload", "typing_extensions.overload"})
_LITERAL = frozenset({"typing.Literal", "typing_extensions.Literal"})
_ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})


class Unresolved(Exception):
    """Why a function's signature cannot be declared again (the message says it)."""


_TYPEVARS = frozenset(
    f"{module}.{kind}"
    for module in ("typing", "typing_extensions")
    for kind in ("TypeVar", "ParamSpec", "TypeVarTuple")
)
_ANYSTR = frozenset({"typing.AnyStr", "typing_extensions.AnyStr"})


class Helpers:
    """The private module aliases one generated stub imports, ``import a.b as _cs_a_b``, and
    the type variables it imports under their own name.

    :param names: the names the stub declares, each with the ``(module, name)`` it stands
        for; ``None`` where type variables are spelled through the module alias too (the
        block in a real module, whose own names an import could clash with).
    """

    def __init__(
        self, taken: Iterable[str] = (), names: dict[str, tuple[str, str]] | None = None
    ) -> None:
        self._aliases: dict[str, str] = {}
        self._taken = set(taken)
        self._names = names
        self._plain: dict[str, tuple[str, str]] = {}

    def plain(self, module: str, name: str) -> str:
        """How the type variable ``module.name`` is spelled: by its own name, imported from its
        module without re-exporting it, so that checkers show it as the canonical module does
        (``_T``, not ``_cs_pkg_mod._T``); through the module alias where that name is taken."""
        known = self._plain.get(name)
        if self._names is None or name.startswith("_cs_") or known not in (None, (module, name)):
            return f"{self.alias(module)}.{name}"
        declared = self._names.get(name)
        if declared is not None and declared != (module, name):
            return f"{self.alias(module)}.{name}"
        if declared is None:
            self._plain[name] = (module, name)
        return name

    def alias(self, module: str) -> str:
        """The private name ``module`` is imported as."""
        alias = self._aliases.get(module)
        if alias is None:
            base = alias = "_cs_" + module.replace(".", "_")
            number = 1
            while alias in self._taken:
                number += 1
                alias = f"{base}_{number}"
            self._taken.add(alias)
            self._aliases[module] = alias
        return alias

    def lines(self) -> list[str]:
        """The import statements, sorted."""
        lines = [f"import {module} as {alias}" for module, alias in sorted(self._aliases.items())]
        plain = sorted((module, name) for module, name in self._plain.values())
        return lines + [f"from {module} import {name}" for module, name in plain]


def _dotted(node: ast.expr) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id, *reversed(parts)]


def origin(node: ast.expr, facts: Facts) -> str | None:
    """The dotted path an expression names in ``facts``' module (``typing.overload``), or None."""
    parts = _dotted(node)
    if parts is None:
        return None
    binding = facts.first(parts[0])
    if binding is None:
        return ".".join(parts) if parts[0] in _BUILTINS else None
    if binding.kind == "from":
        head = f"{binding.module}.{binding.attr}"
    elif binding.kind == "import":
        head = binding.module
    else:
        head = f"{facts.name}.{parts[0]}"
    return ".".join([head, *parts[1:]])


class _Spell:
    """Spells an annotation as text in which each name goes through a module alias."""

    def __init__(self, locator: Locator, facts: Facts, helpers: Helpers, local: set[str]) -> None:
        self.locator, self.facts, self.helpers, self.local = locator, facts, helpers, local

    def name(self, name: str) -> str:
        facts, alias = self.facts, self.helpers.alias
        if name in self.local:
            return name
        binding = facts.first(name)
        if binding is None:
            for star in facts.bindings.get("*", ()):
                other = self.locator.facts(star.module)
                if other.error is not None:
                    raise Unresolved(f"{star.module}, which {facts.name} star-imports, is unread")
                if other.star(name):
                    return f"{alias(star.module)}.{name}"
            if name in _BUILTINS:
                return name
            raise Unresolved(f"its signature uses {name}, which {facts.name} does not define")
        if binding.kind == "import":
            return alias(binding.module)
        typevar = self._typevar(name, binding)
        if typevar is not None:
            return self.helpers.plain(*typevar)
        if binding.kind == "from":
            submodule = f"{binding.module}.{binding.attr}"
            if self.locator.find(submodule) is not None and (
                self.locator.facts(binding.module).first(binding.attr) is None
            ):
                return alias(submodule)
            return f"{alias(binding.module)}.{binding.attr}"
        return f"{alias(facts.name)}.{name}"

    def _typevar(self, name: str, binding: Binding) -> tuple[str, str] | None:
        # The module and name of the type variable ``name`` stands for, or None.
        facts = self.facts
        if binding.kind == "from":
            if f"{binding.module}.{binding.attr}" in _ANYSTR:
                return binding.module, binding.attr
            if binding.module.partition(".")[0] in ("typing", "typing_extensions"):
                return None
            facts, name, found = self.locator.resolve(binding.module, binding.attr)
            if found is None:
                return None
            binding = found
        node = binding.node
        if (
            binding.kind == "value"
            and isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and origin(node.value.func, facts) in _TYPEVARS
        ):
            return facts.name, name
        return None

    def __call__(self, node: ast.expr) -> str:
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.Attribute):
            parts = _dotted(node)
            binding = self.facts.first(parts[0]) if parts and parts[0] not in self.local else None
            if parts and binding is not None and binding.kind == "import":
                # ``import a.b`` then ``a.b.C``: through the deepest module imported.
                for depth in range(len(parts) - 1, 0, -1):
                    module = ".".join(parts[:depth])
                    if binding.module == parts[0] and module in self.facts.modules:
                        return ".".join([self.helpers.alias(module), *parts[depth:]])
            return f"{self(node.value)}.{node.attr}"
        if isinstance(node, ast.Subscript):
            what, inner = origin(node.value, self.facts), node.slice
            if what in _LITERAL:  # its arguments are values, not types
                spelled = ast.unparse(inner)
            elif isinstance(inner, ast.Tuple) and inner.elts:
                items = [self(e) for e in inner.elts[:1]]
                rest = inner.elts[1:]
                # Annotated's metadata are values too.
                items += [ast.unparse(e) if what in _ANNOTATED else self(e) for e in rest]
                spelled = ", ".join(items)
            else:
                spelled = self(inner)
            return f"{self(node.value)}[{spelled}]"
        if isinstance(node, ast.Tuple):
            items = [self(e) for e in node.elts]
            return f"({', '.join(items)}{',' if len(items) == 1 else ''})"
        if isinstance(node, ast.List):
            return f"[{', '.join(self(e) for e in node.elts)}]"
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return f"{self(node.left)} | {self(node.right)}"
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                inner = ast.parse(node.value.strip(), mode="eval").body
            except SyntaxError:
                raise Unresolved(f"its annotation {node.value!r} is not an expression") from None
            return self(inner)
        if isinstance(node, ast.Constant):
            return ast.unparse(node)
        shown = ast.unparse(node)
        raise Unresolved(f"its annotation {shown} is not a type expression compatshim can spell")

    def parameter(self, param: ast.AST) -> str:
        """A PEP 695 type parameter."""
        kind = type(param).__name__
        name = param.name  # type: ignore[attr-defined]
        if kind == "ParamSpec":
            text = f"**{name}"
        elif kind == "TypeVarTuple":
            text = f"*{name}"
        else:
            bound = getattr(param, "bound", None)
            text = name if bound is None else f"{name}: {self(bound)}"
        default = getattr(param, "default_value", None)
        return text if default is None else f"{text} = {self(default)}"


_WIDTH = 79  # flake8's default line length: generated lines stay within it where they can


def _string(text: str) -> str:
    if text.isprintable():
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(text)


def declare(
    locator: Locator,
    facts: Facts,
    nodes: list[ast.FunctionDef | ast.AsyncFunctionDef],
    name: str,
    message: str | None,
    helpers: Helpers,
    indent: str = "",
) -> list[str]:
    """The stub declaration (lines) of the function ``nodes`` define in ``facts``' module, as
    ``name``, deprecated with ``message`` (``None``: not deprecated).

    :raises Unresolved: when it cannot be declared faithfully.
    """
    overloads = [n for n in nodes if any(origin(d, facts) in _OVERLOAD for d in n.decorator_list)]
    if not overloads and len(nodes) > 1:
        raise Unresolved(f"{name} is defined more than once")
    chosen = overloads or nodes
    for node in chosen:
        for decorator in node.decorator_list:
            if origin(decorator, facts) not in _OVERLOAD:
                shown = ast.unparse(decorator)
                raise Unresolved(f"it is decorated with @{shown}, which may change its type")
    deprecation = []
    if message is not None:
        # One literal, never split in parts: checkers show it as it is (and some warn about
        # implicit concatenation); on a line of its own when the whole would be long.
        call = f"{indent}@{helpers.alias('typing_extensions')}.deprecated("
        literal = _string(message)
        if len(call) + len(literal) + 1 <= _WIDTH:
            deprecation.append(f"{call}{literal})")
        else:
            deprecation.append(f"{call}\n{indent}    {literal}\n{indent})")
    overload = [f"{indent}@{helpers.alias('typing')}.overload"] if overloads else []
    lines = []
    for node in chosen:
        lines.extend([*overload, *deprecation])
        lines.append(_one(locator, facts, node, name, helpers, indent))
    if overloads and indent:
        # Outside a stub file (the block in a real module) overloads need an implementation.
        lines.extend(deprecation)
        implementation = [n for n in nodes if n not in overloads and not n.decorator_list]
        if implementation:
            lines.append(_one(locator, facts, implementation[-1], name, helpers, indent))
        else:
            any_ = f"{helpers.alias('typing')}.Any"
            lines.append(f"{indent}def {name}(*args: {any_}, **kwargs: {any_}) -> {any_}: ...")
    return lines


def _params(args: ast.arguments, spell: Callable[[ast.arg], str]) -> list[str]:
    def one(arg: ast.arg, default: bool) -> str:
        text = spell(arg)
        return text + ((" = ..." if arg.annotation is not None else "=...") if default else "")

    positional = [*args.posonlyargs, *args.args]
    first_default = len(positional) - len(args.defaults)
    parts = []
    for index, arg in enumerate(positional):
        parts.append(one(arg, index >= first_default))
        if index == len(args.posonlyargs) - 1:
            parts.append("/")
    if args.vararg is not None:
        parts.append("*" + spell(args.vararg))
    elif args.kwonlyargs:
        parts.append("*")
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        parts.append(one(arg, default is not None))
    if args.kwarg is not None:
        parts.append("**" + spell(args.kwarg))
    return parts


def _one(
    locator: Locator,
    facts: Facts,
    node: ast.FunctionDef | ast.AsyncFunctionDef,
    name: str,
    helpers: Helpers,
    indent: str,
) -> str:
    params = getattr(node, "type_params", ())
    spell = _Spell(locator, facts, helpers, {p.name for p in params})

    def annotation(expr: ast.expr) -> str:
        text = spell(expr)
        # In a real module (indented, in the block) "X | Y" must stay a string for Python 3.9.
        return repr(text) if indent and " | " in text else text

    def parameter(arg: ast.arg) -> str:
        return arg.arg if arg.annotation is None else f"{arg.arg}: {annotation(arg.annotation)}"

    returns = "" if node.returns is None else f" -> {annotation(node.returns)}"
    kind = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
    generic = f"[{', '.join(spell.parameter(p) for p in params)}]" if params else ""
    parts = _params(node.args, parameter)
    line = f"{indent}{kind} {name}{generic}({', '.join(parts)}){returns}: ..."
    if len(line) <= _WIDTH or not parts:
        return line
    inner = "".join(f"{indent}    {part},\n" for part in parts)
    return f"{indent}{kind} {name}{generic}(\n{inner}{indent}){returns}: ..."
