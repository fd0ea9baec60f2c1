; C# tags. Capture names: see languages/base.py. Constructors are named after their class.
(class_declaration name: (identifier) @name) @definition.class
(record_declaration name: (identifier) @name) @definition.class
(struct_declaration name: (identifier) @name) @definition.struct
(interface_declaration name: (identifier) @name) @definition.interface
(enum_declaration name: (identifier) @name) @definition.enum

(method_declaration name: (identifier) @name parameters: (parameter_list) @params) @definition.method
(constructor_declaration name: (identifier) @name parameters: (parameter_list) @params) @definition.constructor
(local_function_statement name: (identifier) @name parameters: (parameter_list) @params) @definition.function

(invocation_expression function: (identifier) @name) @reference.call
(invocation_expression function: (generic_name (identifier) @name)) @reference.call
(invocation_expression function: (member_access_expression expression: _ @receiver
                                                            name: [(identifier) @name (generic_name (identifier) @name)])) @reference.call
(object_creation_expression type: [(identifier) @name
                                   (generic_name (identifier) @name)
                                   (qualified_name name: (identifier) @name)]) @reference.new
(constructor_initializer ["base" "this"] @name) @reference.call

(using_directive) @import

(variable_declaration type: (_) @bind.type (variable_declarator name: (identifier) @bind.name)) @binding
(variable_declaration type: (implicit_type)
  (variable_declarator name: (identifier) @bind.name (object_creation_expression type: (_) @bind.type))) @binding
(parameter type: (_) @bind.type name: (identifier) @bind.name) @binding
(field_declaration (variable_declaration type: (_) @bind.type
                                         (variable_declarator name: (identifier) @bind.name))) @binding @bind.field
(property_declaration type: (_) @bind.type name: (identifier) @bind.name) @binding @bind.field
