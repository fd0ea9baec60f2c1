; Java tags. Capture names: see languages/base.py. Constructors are named after their class.
(class_declaration name: (identifier) @name) @definition.class
(record_declaration name: (identifier) @name parameters: (formal_parameters) @params) @definition.class
(interface_declaration name: (identifier) @name) @definition.interface
(annotation_type_declaration name: (identifier) @name) @definition.interface
(enum_declaration name: (identifier) @name) @definition.enum

(method_declaration name: (identifier) @name parameters: (formal_parameters) @params) @definition.method
(constructor_declaration name: (identifier) @name parameters: (formal_parameters) @params) @definition.constructor
(compact_constructor_declaration name: (identifier) @name) @definition.constructor

; calls: `m()`, `x.m()`, `new T()`, `super(...)` / `this(...)` (renamed to constructors by the adapter)
(method_invocation !object name: (identifier) @name) @reference.call
(method_invocation object: (_) @receiver name: (identifier) @name) @reference.call
(object_creation_expression
  type: [(type_identifier) @name
         (generic_type (type_identifier) @name)
         (scoped_type_identifier (type_identifier) @name .)]) @reference.new
(explicit_constructor_invocation constructor: [(super) (this)] @name) @reference.call

(import_declaration) @import

; receiver typing: locals, parameters, fields (`var x = new T()` takes T from the constructor call)
(local_variable_declaration
  type: (_) @bind.type
  declarator: (variable_declarator name: (identifier) @bind.name)) @binding
(local_variable_declaration
  type: (type_identifier) @_var
  declarator: (variable_declarator
    name: (identifier) @bind.name
    value: (object_creation_expression type: (_) @bind.type))
  (#eq? @_var "var")) @binding
(formal_parameter type: (_) @bind.type name: (identifier) @bind.name) @binding
(field_declaration
  type: (_) @bind.type
  declarator: (variable_declarator name: (identifier) @bind.name)) @binding @bind.field
