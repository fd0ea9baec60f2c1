; Kotlin tags. Capture names: see languages/base.py. Constructors (primary and secondary) are named
; "constructor"; for one node the first matching pattern wins; `object` declarations are classes; companion-object members belong to their class.
(class_declaration "interface" (type_identifier) @name) @definition.interface
(class_declaration (type_identifier) @name (enum_class_body)) @definition.enum
(class_declaration (type_identifier) @name) @definition.class
(object_declaration (type_identifier) @name) @definition.class

(primary_constructor) @params @definition.constructor
(secondary_constructor (function_value_parameters) @params) @definition.constructor
(function_declaration (simple_identifier) @name (function_value_parameters) @params) @definition.function

(call_expression . (simple_identifier) @name) @reference.call
(call_expression (navigation_expression . (_) @receiver (navigation_suffix (simple_identifier) @name) .)) @reference.call
(constructor_delegation_call) @name @reference.call
(delegation_specifier (constructor_invocation (user_type (type_identifier) @name .))) @reference.call

(import_header) @import

(class_body (property_declaration (variable_declaration (simple_identifier) @bind.name (user_type) @bind.type)) @binding @bind.field)
(class_body (property_declaration (variable_declaration (simple_identifier) @bind.name .)
                                  (call_expression . (simple_identifier) @bind.type)) @binding @bind.field)
(class_parameter (simple_identifier) @bind.name (user_type) @bind.type) @binding @bind.field
(statements (property_declaration (variable_declaration (simple_identifier) @bind.name (user_type) @bind.type)) @binding)
(statements (property_declaration (variable_declaration (simple_identifier) @bind.name .)
                                  (call_expression . [(simple_identifier) (navigation_expression)] @bind.type)) @binding)
(parameter (simple_identifier) @bind.name (user_type) @bind.type) @binding

; what an expression-bodied function without a declared type returns: `= Rows()`, `= this`, and the scope
; functions that return their receiver, `= apply { }` / `= also { }` (binding_type reads them as `this`)
(function_body "=" . (call_expression . (simple_identifier) @bind.type)) @binding @bind.return
(function_body "=" . (this_expression) @bind.type) @binding @bind.return
