// name: call_chain_down
// description: Call chains leaving a function, up to `depth` calls deep (at most 10), shortest chain per function
// params: id STRING, depth INT64 {1..10} = 3
MATCH p = (f:Function {id: $id})-[:CALLS* SHORTEST 1..10]->(g:Function)
WHERE length(p) <= $depth
RETURN g.id AS id, g.qualified_name AS function, length(p) AS depth,
       list_transform(nodes(p), x -> x.qualified_name) AS chain
ORDER BY depth, function;

// name: call_chain_up
// description: Call chains arriving at a function (its transitive callers), up to `depth` calls away (at most 10)
// params: id STRING, depth INT64 {1..10} = 3
MATCH p = (g:Function)-[:CALLS* SHORTEST 1..10]->(f:Function {id: $id})
WHERE length(p) <= $depth
RETURN g.id AS id, g.qualified_name AS function, length(p) AS depth,
       list_transform(nodes(p), x -> x.qualified_name) AS chain
ORDER BY depth, function;

// name: import_cycles
// description: File import cycles of a project (up to 8 files long), each cycle once, starting at its smallest id
// params: project STRING
MATCH (a:File {project: $project})-[:IMPORTS]->(b:File), p = (b)-[:IMPORTS* ACYCLIC 1..7]->(a)
WITH a.id AS start, length(p) + 1 AS length, [a.path] + list_transform(nodes(p), x -> x.path) AS cycle,
     [a.id] + list_transform(nodes(p), x -> x.id) AS ids
WHERE start = list_sort(ids)[1] AND size(list_distinct(ids)) = length
RETURN length, cycle, start
ORDER BY length, start;

// name: call_cycles
// description: Mutually recursive functions of a project: call cycles up to 6 calls long, each cycle once
// params: project STRING
MATCH (a:Function {project: $project})-[:CALLS]->(b:Function), p = (b)-[:CALLS* ACYCLIC 1..5]->(a)
WITH a.id AS start, length(p) + 1 AS length,
     [a.qualified_name] + list_transform(nodes(p), x -> x.qualified_name) AS cycle,
     [a.id] + list_transform(nodes(p), x -> x.id) AS ids
WHERE start = list_sort(ids)[1] AND size(list_distinct(ids)) = length
RETURN length, cycle, start
ORDER BY length, start;

// name: dead_code
// description: Dead-code candidates: functions with no inbound CALLS, not exported, not modules or dunders
// params: project STRING, limit INT64 {0..} = 100
MATCH (f:Function {project: $project})
WHERE f.kind <> 'module' AND NOT coalesce(f.exported, false)
  AND NOT (f.name STARTS WITH '__' AND f.name ENDS WITH '__')
  AND NOT EXISTS { MATCH (:Function)-[:CALLS]->(f) }
RETURN f.id AS id, f.qualified_name AS function, f.kind AS kind, f.file AS file, f.start_line AS line,
       f.end_line - f.start_line + 1 AS lines
ORDER BY file, line
LIMIT $limit;

// name: largest_classes
// description: Classes of a project with the most methods, with their line span
// params: project STRING, limit INT64 {0..} = 20
MATCH (c:Class {project: $project})
OPTIONAL MATCH (c)-[:HAS_METHOD]->(m:Function)
RETURN c.qualified_name AS class, c.file AS file, count(m) AS methods, c.end_line - c.start_line + 1 AS lines
ORDER BY methods DESC, lines DESC, class
LIMIT $limit;

// name: subclasses
// description: Classes inheriting from a class, transitively (up to 5 levels), with the distance
// params: id STRING
MATCH p = (s:Class)-[:INHERITS* SHORTEST 1..5]->(c:Class {id: $id})
RETURN s.id AS id, s.qualified_name AS class, length(p) AS depth
ORDER BY depth, class;

// name: call_edges
// description: Every CALLS edge of a project as caller/callee qualified names (for .nx() and drawings)
// params: project STRING
MATCH (a:Function {project: $project})-[c:CALLS]->(b:Function)
RETURN a.qualified_name AS caller, b.qualified_name AS callee, c.confidence AS confidence, c.reason AS reason;

// name: import_edges
// description: Every File->File IMPORTS edge of a project as path pairs (for .nx() and drawings)
// params: project STRING
MATCH (a:File {project: $project})-[i:IMPORTS]->(b:File)
RETURN a.path AS importer, b.path AS imported, count(i) AS imports;
