; JavaScript-only tags, after ecmascript.scm: arrow functions bound to names, class fields, CommonJS exports.

(class_declaration
  name: (identifier) @name
  (class_heritage)? @bases) @definition.class

; `handle = () => {}` class fields behave like methods
(field_definition
  property: [(property_identifier) (private_property_identifier)] @name
  value: [
    (arrow_function parameters: (formal_parameters) @params)
    (arrow_function parameter: (identifier))
    (function_expression parameters: (formal_parameters) @params)
  ]) @definition.method

; `x = new Foo()` class field: bound in the class scope, the adapter makes it `self.x`
(field_definition
  property: (property_identifier) @bind.name
  value: (new_expression constructor: [(identifier) (member_expression)] @bind.type)) @binding
