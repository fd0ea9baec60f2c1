// name: callers
// description: Functions calling any of the given functions (one hop, any project; primary-key lookups via UNWIND)
// params: ids STRING[]
UNWIND $ids AS i
MATCH (c:Function)-[r:CALLS]->(t:Function {id: i})
RETURN t.id AS target, c.id AS source, c.project AS project, c.qualified_name AS qualified_name,
       c.file AS file, r.line AS line, r.reason AS reason;

// name: importers
// description: Files importing any of the given files (one hop, any project), for impact analysis
// params: ids STRING[]
UNWIND $ids AS i
MATCH (a:File)-[r:IMPORTS]->(b:File {id: i})
RETURN b.id AS target, a.id AS source, a.project AS project, a.path AS path, r.line AS line;

// name: file_functions
// description: Functions defined in the given files with their line spans (diff lines -> functions)
// params: ids STRING[]
UNWIND $ids AS i
MATCH (f:File {id: i})-[:DEFINES]->(fn:Function)
RETURN f.id AS file, fn.id AS id, fn.qualified_name AS qualified_name, fn.kind AS kind,
       fn.start_line AS start_line, fn.end_line AS end_line;

// name: dependents
// description: Projects declaring a dependency on any of the given projects (one hop)
// params: ids STRING[]
UNWIND $ids AS i
MATCH (a:Project)-[r:DEPENDS_ON]->(b:Project {id: i})
RETURN b.id AS target, a.id AS source, r.type AS type, r.source AS how;
