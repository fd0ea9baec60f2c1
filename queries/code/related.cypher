// name: related_out
// description: One hop along CALLS/IMPORTS/INHERITS edges leaving the given nodes (find_related_code)
// params: ids STRING[], rels STRING[]
MATCH (a)-[r:CALLS|IMPORTS|INHERITS]->(b)
WHERE a.id IN $ids AND label(r) IN $rels
RETURN a.id AS source, label(r) AS rel, b.id AS target, label(b) AS target_kind, b.name AS name,
       b.qualified_name AS qualified_name, coalesce(b.path, b.file) AS file, b.start_line AS start_line,
       r.line AS line, r.confidence AS confidence, r.reason AS reason, r.kind AS inherit_kind;

// name: related_in
// description: One hop along CALLS/IMPORTS/INHERITS edges arriving at the given nodes (find_related_code)
// params: ids STRING[], rels STRING[]
MATCH (b)-[r:CALLS|IMPORTS|INHERITS]->(a)
WHERE a.id IN $ids AND label(r) IN $rels
RETURN a.id AS source, label(r) AS rel, b.id AS target, label(b) AS target_kind, b.name AS name,
       b.qualified_name AS qualified_name, coalesce(b.path, b.file) AS file, b.start_line AS start_line,
       r.line AS line, r.confidence AS confidence, r.reason AS reason, r.kind AS inherit_kind;

// name: members
// description: Functions and classes defined in the given files, and methods of the given classes
// params: ids STRING[]
MATCH (a)-[:DEFINES|HAS_METHOD]->(d)
WHERE a.id IN $ids
RETURN a.id AS owner, d.id AS member, label(d) AS kind;
