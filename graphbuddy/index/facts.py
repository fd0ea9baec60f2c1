"""Plain frozen records that cross pipeline stages (never tree-sitter nodes or database rows)."""
from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields, replace
from operator import attrgetter


class _FastPickle:
    """Pickle as (class, field tuple): dataclasses' generic slot pickling is ~5x slower, and facts cross
    process boundaries (parse workers) and go to DuckDB blobs by the hundred thousand. The tuple comes from
    one `attrgetter` call (a generator over the slots cost ~25% more of a pickling: 153 against 199 ms per
    100k definitions)."""

    __slots__ = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        slots = cls.__dict__.get("__slots__")       # the class `dataclass(slots=True)` makes, not the first
        if slots:
            get = attrgetter(*slots)
            cls._field_values = get if len(slots) > 1 else (lambda obj: (get(obj),))

    def __reduce__(self):
        return self.__class__, self._field_values(self)


def slot_init(cls):
    """Replace a frozen slots dataclass's `__init__` (one `object.__setattr__` call per field, ~0.4 us a
    record) by one that stores through the slot descriptors (~half that): extraction builds facts by the
    hundred thousand, unpickling rebuilds them, and resolution builds call edges as many. Same signature, defaults and default factories."""
    env, params, body = {}, [], []
    for i, f in enumerate(fields(cls)):
        env[f"_set{i}"] = cls.__dict__[f.name].__set__
        if f.default is not MISSING:
            env[f"_default{i}"] = f.default
            params.append(f"{f.name}=_default{i}")
        elif f.default_factory is not MISSING:
            env[f"_factory{i}"] = f.default_factory
            params.append(f"{f.name}=_MISSING")
            body.append(f"    if {f.name} is _MISSING: {f.name} = _factory{i}()")
        else:
            params.append(f.name)
        body.append(f"    _set{i}(self, {f.name})")
    env["_MISSING"] = MISSING
    env["__name__"] = cls.__module__
    exec(f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body), env)
    env["__init__"].__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = env["__init__"]
    return cls


@slot_init
@dataclass(frozen=True, slots=True)
class Definition(_FastPickle):
    """A function, method, constructor, module body, or class-like definition in one file."""

    kind: str                 # function|method|constructor|module|class|interface|struct|trait|enum
    name: str
    qualified_name: str       # module-qualified, in the language's own convention
    parent: str | None        # `key` of the enclosing definition (None: the module itself)
    start_line: int           # 1-based, inclusive
    end_line: int
    signature: str = ""
    docstring: str = ""
    exported: bool = False
    bases: tuple[str, ...] = ()   # class-likes: base/interface expressions as written ("pkg.Base")
    base_kinds: tuple[str, ...] = ()  # parallel to bases: extends|implements|includes
    alias: str = ""           # the name scopes know it by where the qualified name would name another class:
                              # "mod.Popen@12" for a later class of the same name in the file (both arms of
                              # an `if`), "mod.Popen@12.wait" for a member of it; "" for every other definition

    @property
    def is_class(self) -> bool:
        return self.kind in CLASS_KINDS

    @property
    def key(self) -> str:
        """What `parent`, call sites' `caller`, bindings' `scope` and resolved edges name it by: unique in its
        file but for a function defined twice, a function and a class of one name, and a class the language
        reopens (Ruby), whose lookups bind to the first (a class before a function)."""
        return self.alias or self.qualified_name


CLASS_KINDS = frozenset({"class", "interface", "struct", "trait", "enum", "module_class"})
FUNCTION_KINDS = frozenset({"function", "method", "constructor", "module"})


@slot_init
@dataclass(frozen=True, slots=True)
class Import(_FastPickle):
    """One imported binding. `module` as written ("os.path", ".util", "./util", "@/lib/x")."""

    line: int
    module: str
    name: str | None          # imported member ("join"), "*" for star/re-export-all, None for the module
    alias: str | None         # local name bound in the importing file (None: side effect only)
    reexport: bool = False    # JS `export {x} from`, `export * from`


@slot_init
@dataclass(frozen=True, slots=True)
class CallSite(_FastPickle):
    caller: str               # `key` of the innermost enclosing function (or the module's qualified name)
    name: str                 # called name, last segment
    receiver: str | None      # None for bare calls; "self", "this", "super", "cls", "a.b", "Foo()" ...
    line: int
    is_new: bool = False      # JS/TS `new Foo()`


RETURN = "<return>"           # binding name of a function's inferred return type
CALLS = "()"                  # suffix of a binding naming the function a value calls: `transform()` (a parameter
                              # defaulting to a function), `<return>()` (a function returning a function)


@slot_init
@dataclass(frozen=True, slots=True)
class Binding(_FastPickle):
    """`x = Foo()` / `self.x = Foo()` / `x: Foo`: lets `x.m()` resolve through Foo."""

    scope: str                # `key` of the scope where the name is bound (a class for attributes)
    name: str                 # "x", or "self.x" for attributes
    type_name: str            # "Foo" or "mod.Foo" as written

    @property
    def is_shared(self) -> bool:
        """Read when resolving other files (a function's return type, a class's attributes), so it is kept
        with the symbols every run loads, not with the per-file body."""
        return self.name.startswith(("self.", RETURN))


@slot_init
@dataclass(frozen=True, slots=True)
class FileFacts(_FastPickle):
    path: str                 # relative to the project root, forward slashes
    language: str
    module: str               # module name used as qualified-name prefix
    hash: str
    size: int
    lines: int
    definitions: tuple[Definition, ...] = ()
    imports: tuple[Import, ...] = ()
    calls: tuple[CallSite, ...] = ()
    bindings: tuple[Binding, ...] = ()
    syntax_errors: int = 0
    extra: dict = field(default_factory=dict, compare=False, hash=False)  # adapter-specific hints


def symbol_part(facts: FileFacts) -> FileFacts:
    """What other files' resolution reads: everything but call sites and local bindings."""
    return replace(facts, calls=(), bindings=tuple(b for b in facts.bindings if b.is_shared))


def body_part(facts: FileFacts) -> tuple[list, ...]:
    """The rest, read back only for files being re-resolved (`with_body` joins the two again), as columns: the
    call sites' callers, names, receivers, lines and `is_new`, then the local bindings' scopes, names and types.
    Plain lists of strings and ints pickle ~2x faster than the records (stdlib: 0.2-0.3 s less in the parse
    workers) and ~20% smaller."""
    calls, local = facts.calls, [b for b in facts.bindings if not b.is_shared]
    return ([c.caller for c in calls], [c.name for c in calls], [c.receiver for c in calls],
            [c.line for c in calls], [c.is_new for c in calls],
            [b.scope for b in local], [b.name for b in local], [b.type_name for b in local])


def with_body(symbols: FileFacts, body: tuple[list, ...]) -> FileFacts:
    if len(body) == 2:      # a body stored before state format 5 (records): another project of the store may hold it
        return replace(symbols, calls=tuple(body[0]), bindings=symbols.bindings + tuple(body[1]))
    callers, names, receivers, lines, new, scopes, bound, types = body
    return replace(symbols, calls=tuple(map(CallSite, callers, names, receivers, lines, new)),
                   bindings=symbols.bindings + tuple(map(Binding, scopes, bound, types)))
