; Go tags. Capture names: see languages/base.py. Methods name their receiver type with @owner.
(function_declaration name: (identifier) @name parameters: (parameter_list) @params) @definition.function
(method_declaration
  receiver: (parameter_list (parameter_declaration type: [(type_identifier) @owner
                                                          (pointer_type (type_identifier) @owner)
                                                          (generic_type type: (type_identifier) @owner)
                                                          (pointer_type (generic_type type: (type_identifier) @owner))]))
  name: (field_identifier) @name
  parameters: (parameter_list) @params) @definition.method
(type_declaration (type_spec name: (type_identifier) @name type: (struct_type)) @definition.struct)
(type_declaration (type_spec name: (type_identifier) @name type: (interface_type)) @definition.interface)
(type_declaration (type_spec name: (type_identifier) @name
                             type: [(type_identifier) (qualified_type) (map_type) (slice_type) (function_type)
                                    (array_type) (pointer_type) (channel_type) (generic_type)]) @definition.class)
(method_elem name: (field_identifier) @name parameters: (parameter_list) @params) @definition.method

(call_expression function: (identifier) @name) @reference.call
(call_expression function: (selector_expression operand: (_) @receiver field: (field_identifier) @name)) @reference.call

(import_declaration) @import

; receiver typing: receivers and parameters, `var x T`, `x := T{}` / `&T{}` / `NewT()`, struct fields
(parameter_declaration name: (identifier) @bind.name type: (_) @bind.type) @binding
(var_spec name: (identifier) @bind.name . type: (_) @bind.type) @binding
(short_var_declaration
  left: (expression_list . (identifier) @bind.name .)
  right: (expression_list . [(composite_literal type: (_) @bind.type)
                             (unary_expression operand: (composite_literal type: (_) @bind.type))
                             (call_expression function: [(identifier) (selector_expression)] @bind.type)] .)) @binding
(var_spec
  name: (identifier) @bind.name .
  value: (expression_list . [(composite_literal type: (_) @bind.type)
                             (unary_expression operand: (composite_literal type: (_) @bind.type))
                             (call_expression function: [(identifier) (selector_expression)] @bind.type)] .)) @binding
(field_declaration name: (field_identifier) @bind.name type: (_) @bind.type) @binding @bind.field
(field_declaration !name type: [(type_identifier) @bind.name @bind.type
                                (pointer_type (type_identifier) @bind.name @bind.type)]) @binding @bind.field
; element types of slices, arrays and maps (`items []T`, `var xs []*T`, `xs := []T{...}`), bound as `items[]`:
; `for _, x := range items` gives x that type
(parameter_declaration name: (identifier) @bind.name
  type: [(slice_type element: (_) @bind.type) (array_type element: (_) @bind.type)
         (map_type value: (_) @bind.type)]) @binding @bind.elements
(var_spec name: (identifier) @bind.name .
  type: [(slice_type element: (_) @bind.type) (array_type element: (_) @bind.type)
         (map_type value: (_) @bind.type)]) @binding @bind.elements
(short_var_declaration
  left: (expression_list . (identifier) @bind.name .)
  right: (expression_list . (composite_literal type: [(slice_type element: (_) @bind.type)
                                                      (array_type element: (_) @bind.type)
                                                      (map_type value: (_) @bind.type)]) .)) @binding @bind.elements
(range_clause left: (expression_list (_) . (identifier) @bind.name .) right: (identifier) @bind.value) @binding @bind.element
