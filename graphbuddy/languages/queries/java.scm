; Java tags. Capture names: see languages/base.py. Constructors are named after their class.
(class_declaration name: (identifier) @name) @definition.class
(record_declaration name: (identifier) @name parameters: (formal_parameters) @params) @definition.class
(interface_declaration name: (identifier) @name) @definition.interface
(annotation_type_declaration name: (identifier) @name) @definition.interface
(enum_declaration name: (identifier) @name) @definition.enum

(method_declaration name: (identifier) @name parameters: (formal_parameters) @params) @definition.method
(constructor_declaration name: (identifier) @name parameters: (formal_parameters) @params) @definition.constructor
(compact_constructor_declaration name: (identifier) @name) @definition.constructor

; calls: `m()`, `x.m()`, `new T()`, `super(...)` / `this(...)` (renamed to constructors by the adapter)
(method_invocation !object name: (identifier) @name) @reference.call
(method_invocation object: (_) @receiver name: (identifier) @name) @reference.call
(object_creation_expression
  type: [(type_identifier) @name
         (generic_type (type_identifier) @name)
         (scoped_type_identifier (type_identifier) @name .)]) @reference.new
(explicit_constructor_invocation constructor: [(super) (this)] @name) @reference.call

(import_declaration) @import

; receiver typing: locals, parameters, fields (`var x = new T()` takes T from the constructor call)
(local_variable_declaration
  type: (_) @bind.type
  declarator: (variable_declarator name: (identifier) @bind.name)) @binding
(local_variable_declaration
  type: (type_identifier) @_var
  declarator: (variable_declarator
    name: (identifier) @bind.name
    value: (object_creation_expression type: (_) @bind.type))
  (#eq? @_var "var")) @binding
(formal_parameter type: (_) @bind.type name: (identifier) @bind.name) @binding
(field_declaration
  type: (_) @bind.type
  declarator: (variable_declarator name: (identifier) @bind.name)) @binding @bind.field

; loop variables: `for (Acc a : xs)` has its declared type; `for (var a : xs)` the element type of xs
((enhanced_for_statement type: (_) @bind.type name: (identifier) @bind.name) @binding
  (#not-eq? @bind.type "var"))
((enhanced_for_statement type: (type_identifier) @_var name: (identifier) @bind.name
   value: [(identifier) (field_access object: (this))] @bind.value) @binding @bind.element
  (#eq? @_var "var"))
; element types of arrays and collections (`Acc[]`, `List<Acc>`, ...), bound as `xs[]` (fields as `this.xs[]`): the
; variable of `for (var x : xs)` and the first parameter of a lambda given to `xs.forEach` / `xs.stream().map` / ...
((formal_parameter type: [(generic_type (type_identifier) @_c (type_arguments . (_) @bind.type .))
                         (array_type element: (_) @bind.type)]
                   name: (identifier) @bind.name) @binding @bind.elements
  (#any-of? @_c "List" "Collection" "Set" "Iterable" "ArrayList" "LinkedList" "HashSet" "LinkedHashSet" "TreeSet"
   "SortedSet" "NavigableSet" "Queue" "Deque" "ArrayDeque" "PriorityQueue" "Vector" "CopyOnWriteArrayList"))
((local_variable_declaration type: [(generic_type (type_identifier) @_c (type_arguments . (_) @bind.type .))
                                    (array_type element: (_) @bind.type)]
                             declarator: (variable_declarator name: (identifier) @bind.name)) @binding @bind.elements
  (#any-of? @_c "List" "Collection" "Set" "Iterable" "ArrayList" "LinkedList" "HashSet" "LinkedHashSet" "TreeSet"
   "SortedSet" "NavigableSet" "Queue" "Deque" "ArrayDeque" "PriorityQueue" "Vector" "CopyOnWriteArrayList"))
((field_declaration type: [(generic_type (type_identifier) @_c (type_arguments . (_) @bind.type .))
                           (array_type element: (_) @bind.type)]
                    declarator: (variable_declarator name: (identifier) @bind.name)) @binding @bind.elements @bind.field
  (#any-of? @_c "List" "Collection" "Set" "Iterable" "ArrayList" "LinkedList" "HashSet" "LinkedHashSet" "TreeSet"
   "SortedSet" "NavigableSet" "Queue" "Deque" "ArrayDeque" "PriorityQueue" "Vector" "CopyOnWriteArrayList"))
((method_invocation
   object: [(identifier) @bind.value (field_access object: (this)) @bind.value
            (method_invocation object: [(identifier) (field_access object: (this))] @bind.value name: (identifier) @_s)]
   name: (identifier) @_m
   arguments: (argument_list . (lambda_expression parameters: [(identifier) @bind.name
                                                               (inferred_parameters . (identifier) @bind.name)])))
  @binding @bind.element
  (#any-of? @_s "stream" "parallelStream")
  (#any-of? @_m "forEach" "removeIf" "map" "filter" "forEachOrdered" "anyMatch" "allMatch" "noneMatch" "mapToInt"
   "mapToLong" "mapToDouble" "mapToObj" "flatMap" "peek" "takeWhile" "dropWhile"))
; locals shadow fields of the same name (`for (var x : items)` after `var items = ...` is not the field's); a
; typed local is bound already (its elements too), only `var` ones need saying
((local_variable_declaration type: (type_identifier) @_var declarator: (variable_declarator name: (identifier) @local))
  (#eq? @_var "var"))
