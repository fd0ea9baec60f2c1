; Tags shared by JavaScript, TypeScript and TSX (loaded before javascript.scm / typescript.scm).
; Capture names: see languages/base.py.

; `const f = () => ...`, `const f = function () {}`: the declarator is the definition (name = variable)
(variable_declarator
  name: (identifier) @name
  value: [
    (arrow_function parameters: (formal_parameters) @params)
    (arrow_function parameter: (identifier))
    (function_expression parameters: (formal_parameters) @params)
    (generator_function parameters: (formal_parameters) @params)
  ]) @definition.function

; only class members: object-literal methods would otherwise pose as module functions
(class_body
  (method_definition
    name: [(property_identifier) (private_property_identifier)] @name
    parameters: (formal_parameters) @params) @definition.method)

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

; -- definitions -------------------------------------------------------------------------------------
(function_declaration
  name: (identifier) @name
  parameters: (formal_parameters) @params) @definition.function

(generator_function_declaration
  name: (identifier) @name
  parameters: (formal_parameters) @params) @definition.function

(variable_declarator
  name: (identifier) @name
  value: (class (class_heritage)? @bases)) @definition.class

; `export default function () {}` / `export default () => {}` / `export default class {}`: named "default"
(export_statement
  "default" @name
  value: [
    (arrow_function parameters: (formal_parameters) @params)
    (arrow_function parameter: (identifier))
    (function_expression parameters: (formal_parameters) @params)
  ]) @definition.function

(export_statement "default" @name value: (class (class_heritage)? @bases)) @definition.class

((assignment_expression
   left: (member_expression
     object: (member_expression object: (identifier) @_module property: (property_identifier) @_exports)
     property: (property_identifier) @name)
   right: [
     (arrow_function parameters: (formal_parameters) @params)
     (arrow_function parameter: (identifier))
     (function_expression parameters: (formal_parameters) @params)
   ]) @definition.function
  (#eq? @_module "module") (#eq? @_exports "exports"))

; -- calls -------------------------------------------------------------------------------------------
((call_expression function: (identifier) @name) @reference.call
  (#not-eq? @name "require"))

(call_expression
  function: (member_expression
    object: (_) @receiver
    property: [(property_identifier) (private_property_identifier)] @name)) @reference.call

(new_expression constructor: (identifier) @name) @reference.new

(new_expression
  constructor: (member_expression object: (_) @receiver property: (property_identifier) @name)) @reference.new

; -- imports -----------------------------------------------------------------------------------------
(import_statement) @import

(export_statement source: (string)) @import

((variable_declarator
   value: (call_expression function: (identifier) @_req arguments: (arguments . (string) .))) @import
  (#eq? @_req "require"))

((variable_declarator
   value: (member_expression
     object: (call_expression function: (identifier) @_req arguments: (arguments . (string) .)))) @import
  (#eq? @_req "require"))

((expression_statement
   (call_expression function: (identifier) @_req arguments: (arguments . (string) .))) @import
  (#eq? @_req "require"))

; -- receiver typing ---------------------------------------------------------------------------------
(variable_declarator
  name: (identifier) @bind.name
  value: (new_expression constructor: [(identifier) (member_expression)] @bind.type)) @binding

(assignment_expression
  left: (member_expression object: (this) @bind.self property: (property_identifier) @bind.name)
  right: (new_expression constructor: [(identifier) (member_expression)] @bind.type)) @binding

; `return new Foo()`: types `x = make()` (see languages/base.py)
(return_statement (new_expression constructor: (identifier) @bind.type)) @binding @bind.return
