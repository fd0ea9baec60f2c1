; JavaScript-only tags, after ecmascript.scm: arrow functions bound to names, class fields, CommonJS exports.

; `const f = () => ...`, `const f = function () {}`: the declarator is the definition (name = variable)
(variable_declarator
  name: (identifier) @name
  value: [
    (arrow_function parameters: (formal_parameters) @params)
    (arrow_function parameter: (identifier))
    (function_expression parameters: (formal_parameters) @params)
    (generator_function parameters: (formal_parameters) @params)
  ]) @definition.function

(class_declaration
  name: (identifier) @name
  (class_heritage)? @bases) @definition.class

; only class members: object-literal methods would otherwise pose as module functions
(class_body
  (method_definition
    name: [(property_identifier) (private_property_identifier)] @name
    parameters: (formal_parameters) @params) @definition.method)

; `handle = () => {}` class fields behave like methods
(field_definition
  property: [(property_identifier) (private_property_identifier)] @name
  value: [
    (arrow_function parameters: (formal_parameters) @params)
    (arrow_function parameter: (identifier))
    (function_expression parameters: (formal_parameters) @params)
  ]) @definition.method

; CommonJS `exports.f = function () {}` / `module.exports.f = () => {}`
((assignment_expression
   left: (member_expression object: (identifier) @_exports property: (property_identifier) @name)
   right: [
     (arrow_function parameters: (formal_parameters) @params)
     (arrow_function parameter: (identifier))
     (function_expression parameters: (formal_parameters) @params)
   ]) @definition.function
  (#eq? @_exports "exports"))

; bare `super(...)`: the adapter renames it to a `constructor` call on `super`
(call_expression function: (super) @name @receiver) @reference.call

; `x = new Foo()` class field: bound in the class scope, the adapter makes it `self.x`
(field_definition
  property: (property_identifier) @bind.name
  value: (new_expression constructor: [(identifier) (member_expression)] @bind.type)) @binding
