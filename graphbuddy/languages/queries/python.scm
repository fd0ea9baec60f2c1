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
  right: (call function: [(identifier) (attribute)] @bind.type)) @binding

(assignment
  left: (attribute object: (identifier) @bind.self attribute: (identifier) @bind.name)
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
