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

; element types of arrays and collections (`Foo[]`, `List<Foo>`, `IEnumerable<Foo>`, ...), bound as `xs[]` (fields
; and properties as `this.xs[]`): the variable of `foreach (var x in xs)` and the first parameter of a lambda given to
; `xs.Select` / `Where` / `Any` / `ForEach` / ... get that type
((parameter type: [(generic_name (identifier) @_c (type_argument_list . (_) @bind.type .))
                  (array_type type: (_) @bind.type)]
            name: (identifier) @bind.name) @binding @bind.elements
  (#any-of? @_c "List" "IList" "IEnumerable" "ICollection" "IReadOnlyList" "IReadOnlyCollection" "HashSet" "ISet"
   "SortedSet" "Queue" "Stack" "LinkedList" "Collection" "ObservableCollection" "ImmutableList" "ImmutableArray"))
((variable_declaration type: [(generic_name (identifier) @_c (type_argument_list . (_) @bind.type .))
                              (array_type type: (_) @bind.type)]
                       (variable_declarator name: (identifier) @bind.name)) @binding @bind.elements
  (#any-of? @_c "List" "IList" "IEnumerable" "ICollection" "IReadOnlyList" "IReadOnlyCollection" "HashSet" "ISet"
   "SortedSet" "Queue" "Stack" "LinkedList" "Collection" "ObservableCollection" "ImmutableList" "ImmutableArray"))
((variable_declaration type: (implicit_type)
   (variable_declarator name: (identifier) @bind.name
     (object_creation_expression type: (generic_name (identifier) @_c (type_argument_list . (_) @bind.type .)))))
  @binding @bind.elements
  (#any-of? @_c "List" "HashSet" "SortedSet" "Queue" "Stack" "LinkedList" "Collection" "ObservableCollection"))
((field_declaration (variable_declaration type: [(generic_name (identifier) @_c (type_argument_list . (_) @bind.type .))
                                                  (array_type type: (_) @bind.type)]
                                          (variable_declarator name: (identifier) @bind.name)))
  @binding @bind.elements @bind.field
  (#any-of? @_c "List" "IList" "IEnumerable" "ICollection" "IReadOnlyList" "IReadOnlyCollection" "HashSet" "ISet"
   "SortedSet" "Queue" "Stack" "LinkedList" "Collection" "ObservableCollection" "ImmutableList" "ImmutableArray"))
((property_declaration type: (generic_name (identifier) @_c (type_argument_list . (_) @bind.type .)) name: (identifier) @bind.name)
  @binding @bind.elements @bind.field
  (#any-of? @_c "List" "IList" "IEnumerable" "ICollection" "IReadOnlyList" "IReadOnlyCollection" "HashSet" "ISet"
   "SortedSet" "Queue" "Stack" "LinkedList" "Collection" "ObservableCollection" "ImmutableList" "ImmutableArray"))
(foreach_statement type: [(identifier) (qualified_name) (generic_name)] @bind.type left: (identifier) @bind.name) @binding
(foreach_statement type: (implicit_type) left: (identifier) @bind.name
  right: [(identifier) (member_access_expression)] @bind.value) @binding @bind.element
((invocation_expression
   function: (member_access_expression expression: [(identifier) (member_access_expression)] @bind.value
                                       name: (identifier) @_linq)
   arguments: (argument_list . (argument (lambda_expression
                                           [(implicit_parameter) @bind.name
                                            (parameter_list . (parameter !type name: (identifier) @bind.name))]))))
  @binding @bind.element
  (#any-of? @_linq "Select" "Where" "Any" "All" "First" "FirstOrDefault" "Last" "LastOrDefault" "Single"
   "SingleOrDefault" "Count" "Sum" "Min" "Max" "Average" "OrderBy" "OrderByDescending" "GroupBy" "SelectMany"
   "ForEach" "Exists" "Find" "FindAll" "FindIndex" "FindLast" "RemoveAll" "TakeWhile" "SkipWhile" "ToDictionary"
   "ToLookup" "DistinctBy" "MinBy" "MaxBy" "TrueForAll"))
; locals shadow fields of the same name (`foreach (var x in items)` after `var items = ...` is not the field's); a
; typed local is bound already (its elements too), only `var` ones need saying
(local_declaration_statement (variable_declaration type: (implicit_type) (variable_declarator name: (identifier) @local)))
