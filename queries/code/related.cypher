// name: find_by_id
// description: The function, class or file whose id is exactly the text (primary-key lookups, no scan)
// params: id STRING
OPTIONAL MATCH (f:Function {id: $id})
OPTIONAL MATCH (c:Class {id: $id})
OPTIONAL MATCH (x:File {id: $id})
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
// description: When each project was last indexed (find_related_code reloads its edge cache when this changes)
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

// name: members
// description: Functions and classes defined in the given files, and methods of the given classes
// params: ids STRING[]
MATCH (a)-[:DEFINES|HAS_METHOD]->(d)
WHERE a.id IN $ids
RETURN a.id AS owner, d.id AS member, label(d) AS kind;
