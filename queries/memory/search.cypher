// name: search_code_symbols
// description: Functions and classes of a project with the text code search embeds (module bodies excluded)
// params: project STRING
MATCH (d)
WHERE (label(d) = 'Function' OR label(d) = 'Class') AND d.project = $project AND d.kind <> 'module'
RETURN d.id AS id, label(d) AS label, d.kind AS kind, d.name AS name, d.qualified_name AS qualified_name,
       CASE WHEN label(d) = 'Function' THEN d.signature ELSE NULL END AS signature, d.docstring AS docstring,
       d.file AS file, d.start_line AS start_line;

// name: search_about
// description: Reflections and insights ABOUT any of the given nodes (files, functions, classes, projects)
// params: ids STRING[]
MATCH (m)-[a:ABOUT]->(n)
WHERE n.id IN $ids
RETURN DISTINCT m.id AS memory, label(m) AS memory_kind, n.id AS about, label(n) AS about_kind, a.how AS how;

// name: search_about_callers
// description: Memories ABOUT functions that call any of the given functions (one CALLS hop)
// params: ids STRING[]
MATCH (m)-[:ABOUT]->(c:Function)-[:CALLS]->(t:Function)
WHERE t.id IN $ids
RETURN DISTINCT m.id AS memory, label(m) AS memory_kind, c.id AS about, t.id AS target;

// name: search_about_callees
// description: Memories ABOUT functions called by any of the given functions (one CALLS hop)
// params: ids STRING[]
MATCH (t:Function)-[:CALLS]->(c:Function)<-[:ABOUT]-(m)
WHERE t.id IN $ids
RETURN DISTINCT m.id AS memory, label(m) AS memory_kind, c.id AS about, t.id AS target;

