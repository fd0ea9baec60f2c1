// name: find_by_id
// description: The function, class or file whose id is exactly the text (primary-key lookups, no scan); no row when none has it
// params: id STRING
OPTIONAL MATCH (f:Function {id: $id})
OPTIONAL MATCH (c:Class {id: $id})
OPTIONAL MATCH (x:File {id: $id})
WITH f, c, x WHERE f IS NOT NULL OR c IS NOT NULL OR x IS NOT NULL
RETURN f.id AS function, f.qualified_name AS function_name, f.file AS function_file,
       c.id AS class, c.qualified_name AS class_name, c.file AS class_file, x.id AS file, x.path AS path;

// name: file_members
// description: Functions and classes defined in one file
// params: id STRING
MATCH (a:File {id: $id})-[:DEFINES]->(d)
RETURN d.id AS member, label(d) AS kind;

// name: class_methods
// description: Methods of one class
// params: id STRING
MATCH (a:Class {id: $id})-[:HAS_METHOD]->(d:Function)
RETURN d.id AS member, 'Function' AS kind;

// name: index_stamps
// description: When each project was last indexed (find_related_code's edge cache holds the code as of these stamps)
MATCH (p:Project)
RETURN p.id AS project, p.indexed_at AS indexed_at
ORDER BY project;

// name: all_calls
// description: Every CALLS edge with its line, confidence and reason (find_related_code edge cache)
MATCH (a:Function)-[r:CALLS]->(b:Function)
RETURN a.id AS source, b.id AS target, r.line AS line, r.confidence AS confidence, r.reason AS reason;

// name: all_imports
// description: Every IMPORTS edge, to files and external modules (find_related_code edge cache)
MATCH (a:File)-[r:IMPORTS]->(b)
RETURN a.id AS source, b.id AS target, r.line AS line, CAST(NULL AS DOUBLE) AS confidence,
       CAST(NULL AS STRING) AS reason;

// name: all_inherits
// description: Every INHERITS edge with its kind (find_related_code edge cache)
MATCH (a:Class)-[r:INHERITS]->(b:Class)
RETURN a.id AS source, b.id AS target, CAST(NULL AS INT64) AS line, CAST(NULL AS DOUBLE) AS confidence,
       r.kind AS reason;

// name: all_function_nodes
// description: Every function's display fields (find_related_code edge cache)
MATCH (b:Function)
RETURN b.id AS id, b.name AS name, b.qualified_name AS qualified_name, b.file AS file, b.start_line AS start_line;

// name: all_class_nodes
// description: Every class's display fields (find_related_code edge cache)
MATCH (b:Class)
RETURN b.id AS id, b.name AS name, b.qualified_name AS qualified_name, b.file AS file, b.start_line AS start_line;

// name: all_file_and_module_nodes
// description: Every file's and external module's display fields (find_related_code edge cache)
MATCH (b:File)
RETURN b.id AS id, 'File' AS kind, CAST(NULL AS STRING) AS name, b.path AS file
UNION ALL
MATCH (b:Module)
RETURN b.id AS id, 'Module' AS kind, b.name AS name, CAST(NULL AS STRING) AS file;

// name: calls_from_files
// description: The CALLS edges out of the functions of the given files (the edge cache after an index run)
// params: files STRING[]
MATCH (f:File)-[:DEFINES]->(a:Function)-[r:CALLS]->(b:Function)
WHERE f.id IN $files
RETURN a.id AS source, b.id AS target, r.line AS line, r.confidence AS confidence, r.reason AS reason;

// name: imports_from_files
// description: The IMPORTS edges out of the given files (the edge cache after an index run)
// params: files STRING[]
MATCH (a:File)-[r:IMPORTS]->(b)
WHERE a.id IN $files
RETURN a.id AS source, b.id AS target, r.line AS line, CAST(NULL AS DOUBLE) AS confidence,
       CAST(NULL AS STRING) AS reason;

// name: inherits_from_files
// description: The INHERITS edges out of the classes of the given files (the edge cache after an index run)
// params: files STRING[]
MATCH (f:File)-[:DEFINES]->(a:Class)-[r:INHERITS]->(b:Class)
WHERE f.id IN $files
RETURN a.id AS source, b.id AS target, CAST(NULL AS INT64) AS line, CAST(NULL AS DOUBLE) AS confidence,
       r.kind AS reason;

// name: function_nodes_in_files
// description: The display fields of the functions of the given files (the edge cache after an index run)
// params: files STRING[]
MATCH (f:File)-[:DEFINES]->(b:Function)
WHERE f.id IN $files
RETURN b.id AS id, b.name AS name, b.qualified_name AS qualified_name, b.file AS file, b.start_line AS start_line;

// name: class_nodes_in_files
// description: The display fields of the classes of the given files (the edge cache after an index run)
// params: files STRING[]
MATCH (f:File)-[:DEFINES]->(b:Class)
WHERE f.id IN $files
RETURN b.id AS id, b.name AS name, b.qualified_name AS qualified_name, b.file AS file, b.start_line AS start_line;

// name: file_and_module_nodes_in_files
// description: The display fields of the given files and external modules (the edge cache after an index run)
// params: files STRING[], modules STRING[]
MATCH (b:File)
WHERE b.id IN $files
RETURN b.id AS id, 'File' AS kind, CAST(NULL AS STRING) AS name, b.path AS file
UNION ALL
MATCH (b:Module)
WHERE b.id IN $modules
RETURN b.id AS id, 'Module' AS kind, b.name AS name, CAST(NULL AS STRING) AS file;

// name: members
// description: Functions and classes defined in the given files, and methods of the given classes
// params: ids STRING[]
MATCH (a)-[:DEFINES|HAS_METHOD]->(d)
WHERE a.id IN $ids
RETURN a.id AS owner, d.id AS member, label(d) AS kind;

// name: step_calls
// description: CALLS edges out of the given functions, with the callee's display fields (one find_related_code hop)
// params: ids STRING[]
MATCH (a:Function)-[r:CALLS]->(b:Function)
WHERE a.id IN $ids
RETURN a.id AS source, b.id AS target, r.line AS line, r.confidence AS confidence, r.reason AS reason,
       'Function' AS kind, b.name AS name, b.qualified_name AS qualified_name, b.file AS file,
       b.start_line AS start_line;

// name: step_called_by
// description: CALLS edges into the given functions, with the caller's display fields (one find_related_code hop)
// params: ids STRING[]
MATCH (b:Function)-[r:CALLS]->(a:Function)
WHERE a.id IN $ids
RETURN a.id AS source, b.id AS target, r.line AS line, r.confidence AS confidence, r.reason AS reason,
       'Function' AS kind, b.name AS name, b.qualified_name AS qualified_name, b.file AS file,
       b.start_line AS start_line;

// name: step_imports
// description: IMPORTS edges out of the given files, to files and external modules (one find_related_code hop)
// params: ids STRING[]
MATCH (a:File)-[r:IMPORTS]->(b)
WHERE a.id IN $ids
RETURN a.id AS source, b.id AS target, r.line AS line, CAST(NULL AS DOUBLE) AS confidence,
       CAST(NULL AS STRING) AS reason, label(b) AS kind, b.name AS name, CAST(NULL AS STRING) AS qualified_name,
       b.path AS file, CAST(NULL AS INT64) AS start_line;

// name: step_imported_by
// description: IMPORTS edges into the given files or modules, with the importing file (one find_related_code hop)
// params: ids STRING[]
MATCH (b:File)-[r:IMPORTS]->(a)
WHERE a.id IN $ids
RETURN a.id AS source, b.id AS target, r.line AS line, CAST(NULL AS DOUBLE) AS confidence,
       CAST(NULL AS STRING) AS reason, 'File' AS kind, CAST(NULL AS STRING) AS name,
       CAST(NULL AS STRING) AS qualified_name, b.path AS file, CAST(NULL AS INT64) AS start_line;

// name: step_inherits
// description: INHERITS edges out of the given classes, with the base's display fields (one find_related_code hop)
// params: ids STRING[]
MATCH (a:Class)-[r:INHERITS]->(b:Class)
WHERE a.id IN $ids
RETURN a.id AS source, b.id AS target, CAST(NULL AS INT64) AS line, CAST(NULL AS DOUBLE) AS confidence,
       r.kind AS reason, 'Class' AS kind, b.name AS name, b.qualified_name AS qualified_name, b.file AS file,
       b.start_line AS start_line;

// name: step_inherited_by
// description: INHERITS edges into the given classes, with the subclass's display fields (one find_related_code hop)
// params: ids STRING[]
MATCH (b:Class)-[r:INHERITS]->(a:Class)
WHERE a.id IN $ids
RETURN a.id AS source, b.id AS target, CAST(NULL AS INT64) AS line, CAST(NULL AS DOUBLE) AS confidence,
       r.kind AS reason, 'Class' AS kind, b.name AS name, b.qualified_name AS qualified_name, b.file AS file,
       b.start_line AS start_line;
