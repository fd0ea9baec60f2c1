// name: call_edges
// description: Every CALLS edge (optionally of one project's callers) with both ends' projects, for networkx
// params: project STRING = null
MATCH (a:Function)-[r:CALLS]->(b:Function)
WHERE $project IS NULL OR a.project = $project
RETURN a.id AS source, b.id AS target, a.project AS source_project, b.project AS target_project,
       r.confidence AS confidence;

// name: import_edges
// description: Every File->File IMPORTS edge (optionally of one project's importers), for networkx
// params: project STRING = null
MATCH (a:File)-[r:IMPORTS]->(b:File)
WHERE $project IS NULL OR a.project = $project
RETURN a.id AS source, b.id AS target, a.project AS source_project, b.project AS target_project, r.line AS line;

// name: functions
// description: Functions (optionally of one project) with kind, exported flag, file path and inbound call count
// params: project STRING = null
MATCH (f:File)-[:DEFINES]->(fn:Function)
WHERE $project IS NULL OR fn.project = $project
OPTIONAL MATCH (c:Function)-[:CALLS]->(fn)
RETURN fn.id AS id, fn.project AS project, fn.name AS name, fn.qualified_name AS qualified_name,
       fn.kind AS kind, fn.exported AS exported, f.path AS path, fn.start_line AS start_line,
       count(c) AS callers;

// name: project_dependencies
// description: Every DEPENDS_ON edge between projects with type, source and description
// params:
MATCH (a:Project)-[r:DEPENDS_ON]->(b:Project)
RETURN a.id AS source, b.id AS target, r.type AS type, r.source AS how, r.description AS description;
