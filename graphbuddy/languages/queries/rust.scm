; Rust tags. Capture names: see languages/base.py. `impl [Trait for] Type` blocks are containers: their
; functions become methods of Type, the trait becomes one of Type's bases. An inline `mod x { }` is a
; class-like `module_class` whose functions stay functions.
(struct_item name: (type_identifier) @name) @definition.struct
(union_item name: (type_identifier) @name) @definition.struct
(enum_item name: (type_identifier) @name) @definition.enum
(trait_item name: (type_identifier) @name) @definition.trait
(function_item name: (identifier) @name parameters: (parameters) @params) @definition.function
(function_signature_item name: (identifier) @name parameters: (parameters) @params) @definition.function

(impl_item trait: (_) @bases type: [(type_identifier) @name (generic_type type: (type_identifier) @name)
                                     (scoped_type_identifier name: (type_identifier) @name)]) @container
(impl_item !trait type: [(type_identifier) @name (generic_type type: (type_identifier) @name)
                          (scoped_type_identifier name: (type_identifier) @name)]) @container
(mod_item name: (identifier) @name body: (declaration_list)) @definition.module_class

(call_expression function: (identifier) @name) @reference.call
(call_expression function: (field_expression value: (_) @receiver field: (field_identifier) @name)) @reference.call
(call_expression function: (scoped_identifier path: (_) @receiver name: (identifier) @name)) @reference.call
(call_expression function: (generic_function function: (identifier) @name)) @reference.call
(call_expression function: (generic_function function: (scoped_identifier path: (_) @receiver name: (identifier) @name))) @reference.call
(call_expression function: (generic_function function: (field_expression value: (_) @receiver field: (field_identifier) @name))) @reference.call

; calls in the arguments of std's expression macros (`format!`, `assert_eq!`, ...): the adapter reads the tokens
(macro_invocation macro: [(identifier) @name (scoped_identifier name: (identifier) @name)] (token_tree) @args
  (#any-of? @name "format" "format_args" "print" "println" "eprint" "eprintln" "write" "writeln" "panic"
   "assert" "assert_eq" "assert_ne" "debug_assert" "debug_assert_eq" "debug_assert_ne" "vec" "dbg" "todo"
   "unimplemented" "unreachable" "trace" "debug" "info" "warn" "error" "anyhow" "bail" "ensure")) @expand

(use_declaration) @import
(mod_item name: (identifier) !body) @import

(let_declaration pattern: (identifier) @bind.name type: (_) @bind.type) @binding
(let_declaration pattern: (identifier) @bind.name !type
  value: [(call_expression function: [(identifier) (scoped_identifier)] @bind.type)
          (struct_expression name: (_) @bind.type)]) @binding
(parameter pattern: (identifier) @bind.name type: (_) @bind.type) @binding
(field_declaration name: (field_identifier) @bind.name type: (_) @bind.type) @binding @bind.field

; element types of slices and sequence collections (`xs: &[T]`, `xs: Vec<T>`), bound as `xs[]`: the variable of
; `for x in xs` / `&xs` / `xs.iter()`, and the closure parameter of `xs.iter().map(|x| ...)`, get that type
((parameter pattern: (identifier) @bind.name
   type: [(array_type element: (_) @bind.type)
          (reference_type type: (array_type element: (_) @bind.type))
          (generic_type type: (type_identifier) @_seq type_arguments: (type_arguments . (_) @bind.type .))
          (reference_type type: (generic_type type: (type_identifier) @_seq
                                              type_arguments: (type_arguments . (_) @bind.type .)))]) @binding @bind.elements
  (#any-of? @_seq "Vec" "VecDeque" "HashSet" "BTreeSet" "BinaryHeap" "LinkedList"))
((let_declaration pattern: (identifier) @bind.name
   type: [(array_type element: (_) @bind.type)
          (reference_type type: (array_type element: (_) @bind.type))
          (generic_type type: (type_identifier) @_seq type_arguments: (type_arguments . (_) @bind.type .))
          (reference_type type: (generic_type type: (type_identifier) @_seq
                                              type_arguments: (type_arguments . (_) @bind.type .)))]) @binding @bind.elements
  (#any-of? @_seq "Vec" "VecDeque" "HashSet" "BTreeSet" "BinaryHeap" "LinkedList"))
((for_expression pattern: (identifier) @bind.name
   value: [(identifier) @bind.value (reference_expression value: (identifier) @bind.value)
           (call_expression function: (field_expression value: (identifier) @bind.value field: (field_identifier) @_it))])
   @binding @bind.element
  (#any-of? @_it "iter" "iter_mut" "into_iter"))
((call_expression
   function: (field_expression
     value: (call_expression function: (field_expression value: (identifier) @bind.value field: (field_identifier) @_it))
     field: (field_identifier) @_adapter)
   arguments: (arguments . (closure_expression parameters: (closure_parameters . (identifier) @bind.name .))))
   @binding @bind.element
  (#any-of? @_it "iter" "iter_mut" "into_iter")
  (#any-of? @_adapter "map" "for_each" "filter" "filter_map" "flat_map" "any" "all" "find" "find_map" "position"
   "inspect" "take_while" "skip_while" "map_while" "partition" "max_by_key" "min_by_key"))
