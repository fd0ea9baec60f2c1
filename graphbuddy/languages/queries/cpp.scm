; C++ tags. Namespaces are not definitions: they prefix qualified names (ns::Class::method).
; Prototypes are not definitions: a call binds to the body, inline or out of line (`void A::f() {}`).
(function_definition
  declarator: (function_declarator
    declarator: [(identifier) (field_identifier) (qualified_identifier) (destructor_name) (operator_name)] @name
    parameters: (parameter_list) @params)) @definition.function

(function_definition
  declarator: (pointer_declarator
    declarator: (function_declarator
      declarator: [(identifier) (field_identifier) (qualified_identifier) (operator_name)] @name
      parameters: (parameter_list) @params))) @definition.function

(function_definition
  declarator: (reference_declarator
    (function_declarator
      declarator: [(identifier) (field_identifier) (qualified_identifier) (operator_name)] @name
      parameters: (parameter_list) @params))) @definition.function

(class_specifier
  name: (type_identifier) @name
  (base_class_clause)? @bases
  body: (field_declaration_list)) @definition.class

(struct_specifier
  name: (type_identifier) @name
  (base_class_clause)? @bases
  body: (field_declaration_list)) @definition.struct

(union_specifier name: (type_identifier) @name body: (field_declaration_list)) @definition.struct
(enum_specifier name: (type_identifier) @name body: (enumerator_list)) @definition.enum

(call_expression function: (identifier) @name) @reference.call
(call_expression function: (template_function name: (identifier) @name)) @reference.call
; `a::b::f()`: the receiver is the whole qualified name (the adapter drops its last part)
(call_expression function: (qualified_identifier name: (identifier) @name) @receiver) @reference.call
(call_expression function: (qualified_identifier name: (qualified_identifier name: (identifier) @name)) @receiver) @reference.call
(call_expression function: (qualified_identifier name: (qualified_identifier name: (qualified_identifier
  name: (identifier) @name))) @receiver) @reference.call
(call_expression
  function: (field_expression
    argument: (_) @receiver
    field: (field_identifier) @name)) @reference.call

(new_expression type: (type_identifier) @name) @reference.new
(new_expression type: (qualified_identifier name: (type_identifier) @name) @receiver) @reference.new
(new_expression type: (qualified_identifier name: (qualified_identifier name: (type_identifier) @name)) @receiver) @reference.new
; `Shape s(1);` and `Shape s{1};` construct
(declaration
  type: (type_identifier) @name
  declarator: (init_declarator value: [(argument_list) (initializer_list)])) @reference.new
(declaration
  type: (qualified_identifier name: (type_identifier) @name) @receiver
  declarator: (init_declarator value: [(argument_list) (initializer_list)])) @reference.new
(declaration
  type: (qualified_identifier name: (qualified_identifier name: (type_identifier) @name)) @receiver
  declarator: (init_declarator value: [(argument_list) (initializer_list)])) @reference.new

(preproc_include) @import

; receiver typing: `Shape s;`, `Shape* p = ...`, `Shape& r = ...`, `auto p = new Shape()`, parameters, fields
(declaration
  type: [(type_identifier) (qualified_identifier)] @bind.type
  declarator: [(identifier) @bind.name
               (init_declarator declarator: (identifier) @bind.name)
               (init_declarator declarator: (pointer_declarator declarator: (identifier) @bind.name))
               (init_declarator declarator: (reference_declarator (identifier) @bind.name))
               (pointer_declarator declarator: (identifier) @bind.name)]) @binding
(declaration
  type: (placeholder_type_specifier)
  declarator: (init_declarator
    declarator: [(identifier) (pointer_declarator declarator: (identifier))] @bind.name
    value: (new_expression type: [(type_identifier) (qualified_identifier)] @bind.type))) @binding
(parameter_declaration
  type: [(type_identifier) (qualified_identifier)] @bind.type
  declarator: [(identifier) @bind.name
               (pointer_declarator declarator: (identifier) @bind.name)
               (reference_declarator (identifier) @bind.name)]) @binding
(field_declaration
  type: [(type_identifier) (qualified_identifier)] @bind.type
  declarator: [(field_identifier) @bind.name
               (pointer_declarator declarator: (field_identifier) @bind.name)]) @binding

; `Dog d;` runs Dog's default constructor; `Dog::Dog() : Animal("dog")` runs the base constructor
(declaration type: (type_identifier) @name declarator: (identifier)) @reference.new
(declaration
  type: (qualified_identifier name: (type_identifier) @name) @receiver
  declarator: (identifier)) @reference.new
(field_initializer (field_identifier) @name (argument_list)) @reference.call
