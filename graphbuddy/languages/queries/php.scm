; PHP tags. Namespaces prefix qualified names (App\Models\User::save); closures belong to their function.
(function_definition name: (name) @name parameters: (formal_parameters) @params) @definition.function
(method_declaration name: (name) @name parameters: (formal_parameters) @params) @definition.method
(class_declaration name: (name) @name) @definition.class
(interface_declaration name: (name) @name) @definition.interface
(trait_declaration name: (name) @name) @definition.trait
(enum_declaration name: (name) @name) @definition.enum

(function_call_expression function: (name) @name) @reference.call
(function_call_expression function: (qualified_name (namespace_name) @receiver (name) @name)) @reference.call
(member_call_expression object: (_) @receiver name: (name) @name) @reference.call
(nullsafe_member_call_expression object: (_) @receiver name: (name) @name) @reference.call
(scoped_call_expression scope: (_) @receiver name: (name) @name) @reference.call
(object_creation_expression (name) @name) @reference.new
(object_creation_expression (qualified_name (namespace_name) @receiver (name) @name)) @reference.new

(namespace_use_declaration) @import
(require_expression) @import
(require_once_expression) @import
(include_expression) @import
(include_once_expression) @import

(assignment_expression
  left: (variable_name) @bind.name
  right: (object_creation_expression [(name) (qualified_name)] @bind.type)) @binding
(simple_parameter type: (named_type [(name) (qualified_name)] @bind.type) name: (variable_name) @bind.name) @binding
(property_promotion_parameter type: (named_type [(name) (qualified_name)] @bind.type) name: (variable_name) @bind.name) @binding
(property_declaration type: (named_type [(name) (qualified_name)] @bind.type) (property_element (variable_name) @bind.name)) @binding
(assignment_expression
  left: (member_access_expression object: (variable_name) @bind.self name: (name) @bind.name)
  right: (object_creation_expression [(name) (qualified_name)] @bind.type)) @binding
