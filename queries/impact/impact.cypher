// name: caller_edges
// description: CALLS edges (callee, caller) within 3 hops upstream of one function, any project (impact walks them; the hop bound is rewritten for other depths)
// params: id STRING
MATCH (t:Function {id: $id})<-[:CALLS*0..2]-(b:Function)<-[:CALLS]-(c:Function)
RETURN DISTINCT b.id AS target, c.id AS source, c.project AS project;

// name: importer_edges
// description: File IMPORTS edges (imported, importer) within 3 hops upstream of one file, any project (impact)
// params: id STRING
MATCH (t:File {id: $id})<-[:IMPORTS*0..2]-(b:File)<-[:IMPORTS]-(c:File)
RETURN DISTINCT b.id AS target, c.id AS source, c.project AS project;

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
