; Ruby tags. Classes and modules are definitions; `def self.x` is a singleton method.
(method name: (_) @name parameters: (method_parameters)? @params) @definition.method
(singleton_method name: (_) @name parameters: (method_parameters)? @params) @definition.singleton
(class name: [(constant) (scope_resolution)] @name (superclass (_) @bases)?) @definition.class
(module name: [(constant) (scope_resolution)] @name) @definition.module_class

(call receiver: (_) @receiver method: [(identifier) (constant)] @name) @reference.call
(call !receiver method: [(identifier) (constant)] @name) @reference.call
(call method: (super) @name) @reference.call
(body_statement (super) @name @reference.call)
(binary (super) @name @reference.call)
(argument_list (super) @name @reference.call)
(assignment right: (super) @name @reference.call)
(parenthesized_statements (super) @name @reference.call)

; a method called without arguments or parentheses reads like a variable: dropped if a local has the name
(program (identifier) @name @reference.bare)
(body_statement (identifier) @name @reference.bare)
(call receiver: (identifier) @name @reference.bare)
(block_body (identifier) @name @reference.bare)
(then (identifier) @name @reference.bare)
(else (identifier) @name @reference.bare)
(argument_list (identifier) @name @reference.bare)
(binary (identifier) @name @reference.bare)
(assignment right: (identifier) @name @reference.bare)
(parenthesized_statements (identifier) @name @reference.bare)
(interpolation (identifier) @name @reference.bare)

(assignment left: (identifier) @local)
(operator_assignment left: (identifier) @local)
(left_assignment_list (identifier) @local)
(method_parameters (identifier) @local)
(lambda_parameters (identifier) @local)
(block_parameters (identifier) @local)
(optional_parameter name: (identifier) @local)
(keyword_parameter name: (identifier) @local)
(splat_parameter name: (identifier) @local)
(hash_splat_parameter name: (identifier) @local)
(block_parameter name: (identifier) @local)

(call !receiver method: (identifier) @_m (#match? @_m "^(require|require_relative|load)$")) @import

(assignment
  left: [(identifier) (instance_variable)] @bind.name
  right: (call receiver: [(constant) (scope_resolution)] @bind.type method: (identifier) @_new (#eq? @_new "new"))) @binding
