; TypeScript / TSX tags (both grammars), after ecmascript.scm: interfaces, enums, abstract members and type
; annotations. Capture names: see languages/base.py. Overload/`declare` signatures are not definitions.

(class_declaration
  name: (type_identifier) @name
  (class_heritage)? @bases) @definition.class

(abstract_class_declaration
  name: (type_identifier) @name
  (class_heritage)? @bases) @definition.class

(interface_declaration
  name: (type_identifier) @name
  (extends_type_clause)? @bases) @definition.interface

(enum_declaration name: (identifier) @name) @definition.enum

(class_body
  (abstract_method_signature
    name: [(property_identifier) (private_property_identifier)] @name
    parameters: (formal_parameters) @params) @definition.method)

; interface method signatures: the declared target of a call through the interface type (implementations get
; `override` edges), as Java's abstract interface methods
(interface_body
  (method_signature
    name: [(property_identifier) (private_property_identifier)] @name
    parameters: (formal_parameters) @params) @definition.method)

(public_field_definition
  name: [(property_identifier) (private_property_identifier)] @name
  value: [
    (arrow_function parameters: (formal_parameters) @params)
    (arrow_function parameter: (identifier))
    (function_expression parameters: (formal_parameters) @params)
  ]) @definition.method

; `x: Foo`, `x: Repo<T>` -> Repo (unions and arrays say too little)
(variable_declarator
  name: (identifier) @bind.name
  type: (type_annotation [(type_identifier) @bind.type (nested_type_identifier) @bind.type
                          (generic_type name: (_) @bind.type)])) @binding

(required_parameter
  pattern: (identifier) @bind.name
  type: (type_annotation [(type_identifier) @bind.type (nested_type_identifier) @bind.type
                          (generic_type name: (_) @bind.type)])) @binding

(optional_parameter
  pattern: (identifier) @bind.name
  type: (type_annotation [(type_identifier) @bind.type (nested_type_identifier) @bind.type
                          (generic_type name: (_) @bind.type)])) @binding

; class fields (`repo: Repo;`, `repo = new Repo()`) are bound in the class scope: the adapter makes them `self.x`
(public_field_definition
  name: (property_identifier) @bind.name
  type: (type_annotation [(type_identifier) @bind.type (nested_type_identifier) @bind.type
                          (generic_type name: (_) @bind.type)])) @binding

(public_field_definition
  name: (property_identifier) @bind.name
  value: (new_expression constructor: [(identifier) (member_expression)] @bind.type)) @binding

; element types of arrays (`xs: Foo[]`, `readonly Foo[]`, `Array<Foo>`, `ReadonlyArray<Foo>`), bound as `xs[]` (a
; field's as `this.xs[]`): the variable of `for (const x of xs)` and the first parameter of a callback given to
; `xs.map` / `forEach` / `filter` / ... get that type
((required_parameter pattern: (identifier) @bind.name
   type: (type_annotation [(array_type (type_identifier) @bind.type)
                           (readonly_type (array_type (type_identifier) @bind.type))
                           (generic_type name: (type_identifier) @_arr type_arguments: (type_arguments . (type_identifier) @bind.type .))]))
  @binding @bind.elements
  (#any-of? @_arr "Array" "ReadonlyArray" "Set" "ReadonlySet"))
((optional_parameter pattern: (identifier) @bind.name
   type: (type_annotation [(array_type (type_identifier) @bind.type)
                           (readonly_type (array_type (type_identifier) @bind.type))
                           (generic_type name: (type_identifier) @_arr type_arguments: (type_arguments . (type_identifier) @bind.type .))]))
  @binding @bind.elements
  (#any-of? @_arr "Array" "ReadonlyArray" "Set" "ReadonlySet"))
((variable_declarator name: (identifier) @bind.name
   type: (type_annotation [(array_type (type_identifier) @bind.type)
                           (readonly_type (array_type (type_identifier) @bind.type))
                           (generic_type name: (type_identifier) @_arr type_arguments: (type_arguments . (type_identifier) @bind.type .))]))
  @binding @bind.elements
  (#any-of? @_arr "Array" "ReadonlyArray" "Set" "ReadonlySet"))
((public_field_definition name: (property_identifier) @bind.name
   type: (type_annotation [(array_type (type_identifier) @bind.type)
                           (readonly_type (array_type (type_identifier) @bind.type))
                           (generic_type name: (type_identifier) @_arr type_arguments: (type_arguments . (type_identifier) @bind.type .))]))
  @binding @bind.elements @bind.field
  (#any-of? @_arr "Array" "ReadonlyArray" "Set" "ReadonlySet"))
(for_in_statement left: (identifier) @bind.name "of"
  right: [(identifier) (member_expression object: (this) property: (property_identifier))] @bind.value) @binding @bind.element
((call_expression
   function: (member_expression
     object: [(identifier) (member_expression object: (this) property: (property_identifier))] @bind.value
     property: (property_identifier) @_each)
   arguments: (arguments . [(arrow_function parameter: (identifier) @bind.name)
                            (arrow_function parameters: (formal_parameters . (required_parameter pattern: (identifier) @bind.name !type)))
                            (function_expression parameters: (formal_parameters . (required_parameter pattern: (identifier) @bind.name !type)))]))
  @binding @bind.element
  (#any-of? @_each "map" "forEach" "filter" "some" "every" "find" "findIndex" "findLast" "findLastIndex" "flatMap"))
