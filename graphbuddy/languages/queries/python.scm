; Python tags: definitions, calls, imports, receiver typing. Capture names: see languages/base.py.
(function_definition
  name: (identifier) @name
  parameters: (parameters) @params) @definition.function

(class_definition
  name: (identifier) @name
  superclasses: (argument_list)? @bases) @definition.class

(call function: (identifier) @name) @reference.call

(call function: (attribute object: (_) @receiver attribute: (identifier) @name)) @reference.call

(import_statement) @import
(import_from_statement) @import

(assignment
  left: (identifier) @bind.name
  !type
  right: (call function: [(identifier) (attribute)] @bind.type)) @binding

(assignment
  left: (attribute object: (identifier) @bind.self attribute: (identifier) @bind.name)
  !type
  right: (call function: [(identifier) (attribute)] @bind.type)) @binding

(typed_parameter (identifier) @bind.name type: (type [(identifier) (attribute)] @bind.type)) @binding
(typed_default_parameter name: (identifier) @bind.name type: (type [(identifier) (attribute)] @bind.type)) @binding

(assignment
  left: (attribute object: (identifier) @bind.self attribute: (identifier) @bind.name)
  right: (identifier) @bind.value) @binding

(return_statement (call function: [(identifier) (attribute)] @bind.type)) @binding @bind.return
(return_statement (identifier) @bind.type (#eq? @bind.type "self")) @binding @bind.return   ; fluent: `return self`

; function values: a parameter defaulting to a function (`def f(fn=helper)`: `fn()` calls helper unless given
; another), a function returning one (`return inner`: `g = f(); g()` calls inner)
(default_parameter name: (identifier) @bind.name value: [(identifier) (attribute)] @bind.type) @binding @bind.calls
(typed_default_parameter name: (identifier) @bind.name value: [(identifier) (attribute)] @bind.type) @binding @bind.calls
((return_statement (identifier) @bind.type) @binding @bind.return @bind.calls
  (#not-eq? @bind.type "self"))

; annotations: `x: Foo = ...` and `self.x: Foo = ...` in functions, `x: Foo` in a class body (dataclass fields),
; `Optional[Foo]` / `Foo | None` (a call on it is Foo's), a string annotation naming one class ("Foo")
(assignment left: (identifier) @bind.name
  type: (type [(identifier) (attribute)] @bind.type)) @binding
(assignment left: (attribute object: (identifier) @bind.self attribute: (identifier) @bind.name)
  type: (type [(identifier) (attribute)] @bind.type)) @binding
(class_definition body: (block
  (assignment left: (identifier) @bind.name type: (type [(identifier) (attribute)] @bind.type)) @binding @bind.field))
((typed_parameter (identifier) @bind.name
   type: (type (generic_type (identifier) @_opt (type_parameter . (type [(identifier) (attribute)] @bind.type) .)))) @binding
  (#eq? @_opt "Optional"))
((typed_default_parameter name: (identifier) @bind.name
   type: (type (generic_type (identifier) @_opt (type_parameter . (type [(identifier) (attribute)] @bind.type) .)))) @binding
  (#eq? @_opt "Optional"))
(typed_parameter (identifier) @bind.name
  type: (type (binary_operator left: [(identifier) (attribute)] @bind.type right: (none)))) @binding
(typed_default_parameter name: (identifier) @bind.name
  type: (type (binary_operator left: [(identifier) (attribute)] @bind.type right: (none)))) @binding
((typed_parameter (identifier) @bind.name type: (type (string (string_content) @bind.type))) @binding
  (#match? @bind.type "^[A-Za-z_][A-Za-z_0-9.]*$"))
((typed_default_parameter name: (identifier) @bind.name type: (type (string (string_content) @bind.type))) @binding
  (#match? @bind.type "^[A-Za-z_][A-Za-z_0-9.]*$"))

; element types of sequences and sets (`xs: list[Foo]`, `Sequence[Foo]`, a dataclass field `items: list[Foo]`),
; bound as `xs[]` (fields as `self.xs[]`): the variable of `for x in xs` / `for x in self.xs` and of comprehensions
((typed_parameter (identifier) @bind.name
   type: (type (generic_type (identifier) @_seq (type_parameter . (type [(identifier) (attribute)] @bind.type) .)))) @binding @bind.elements
  (#any-of? @_seq "list" "List" "Sequence" "MutableSequence" "Iterable" "Iterator" "Collection" "set" "Set" "frozenset"
   "FrozenSet" "AbstractSet" "MutableSet" "deque" "Deque"))
((typed_default_parameter name: (identifier) @bind.name
   type: (type (generic_type (identifier) @_seq (type_parameter . (type [(identifier) (attribute)] @bind.type) .)))) @binding @bind.elements
  (#any-of? @_seq "list" "List" "Sequence" "MutableSequence" "Iterable" "Iterator" "Collection" "set" "Set" "frozenset"
   "FrozenSet" "AbstractSet" "MutableSet" "deque" "Deque"))
((assignment left: (identifier) @bind.name
   type: (type (generic_type (identifier) @_seq (type_parameter . (type [(identifier) (attribute)] @bind.type) .)))) @binding @bind.elements
  (#any-of? @_seq "list" "List" "Sequence" "MutableSequence" "Iterable" "Iterator" "Collection" "set" "Set" "frozenset"
   "FrozenSet" "AbstractSet" "MutableSet" "deque" "Deque"))
((assignment left: (attribute object: (identifier) @bind.self attribute: (identifier) @bind.name)
   type: (type (generic_type (identifier) @_seq (type_parameter . (type [(identifier) (attribute)] @bind.type) .)))) @binding @bind.elements
  (#any-of? @_seq "list" "List" "Sequence" "MutableSequence" "Iterable" "Iterator" "Collection" "set" "Set" "frozenset"
   "FrozenSet" "AbstractSet" "MutableSet" "deque" "Deque"))
((class_definition body: (block
   (assignment left: (identifier) @bind.name
     type: (type (generic_type (identifier) @_seq (type_parameter . (type [(identifier) (attribute)] @bind.type) .))))
   @binding @bind.elements @bind.field))
  (#any-of? @_seq "list" "List" "Sequence" "MutableSequence" "Iterable" "Iterator" "Collection" "set" "Set" "frozenset"
   "FrozenSet" "AbstractSet" "MutableSet" "deque" "Deque"))
(for_statement left: (identifier) @bind.name
  right: [(identifier) (attribute object: (identifier) attribute: (identifier))] @bind.value) @binding @bind.element
(for_in_clause left: (identifier) @bind.name
  right: [(identifier) (attribute object: (identifier) attribute: (identifier))] @bind.value) @binding @bind.element
