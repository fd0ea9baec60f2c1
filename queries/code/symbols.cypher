// name: find_symbol
// description: Functions and classes whose id, qualified name or short name equals the text
// params: text STRING, project STRING = null
MATCH (d)
WHERE (label(d) = 'Function' OR label(d) = 'Class')
  AND (d.id = $text OR d.qualified_name = $text OR d.name = $text)
  AND ($project IS NULL OR d.project = $project)
  AND d.kind <> 'module'
RETURN d.id AS id, label(d) AS kind, d.qualified_name AS qualified_name, d.name AS name, d.project AS project,
       d.file AS file, d.start_line AS start_line,
       CASE WHEN d.id = $text THEN 0 WHEN d.qualified_name = $text THEN 1 ELSE 2 END AS rank
ORDER BY rank, id
LIMIT 50;

// name: symbol_names
// description: The distinct short names of functions and classes (optionally of one project), for "did you mean"
// params: project STRING = null
MATCH (d)
WHERE (label(d) = 'Function' OR label(d) = 'Class') AND ($project IS NULL OR d.project = $project)
  AND d.kind <> 'module'
RETURN DISTINCT d.name AS name;

// name: find_file
// description: Files whose id or path equals the text, or whose path ends with it
// params: text STRING, project STRING = null
MATCH (f:File)
WHERE (f.id = $text OR f.path = $text OR f.path ENDS WITH ('/' + $text))
  AND ($project IS NULL OR f.project = $project)
RETURN f.id AS id, f.path AS path, f.project AS project,
       CASE WHEN f.id = $text OR f.path = $text THEN 0 ELSE 1 END AS rank
ORDER BY rank, id
LIMIT 50;

// name: callers
// description: Functions that call the function with this id (one hop), with line, confidence and reason
// params: id STRING
MATCH (g:Function)-[c:CALLS]->(f:Function {id: $id})
RETURN g.id AS id, g.qualified_name AS caller, g.file AS file, c.line AS line,
       c.confidence AS confidence, c.reason AS reason
ORDER BY caller, line;

// name: callees
// description: Functions called by the function with this id (one hop), with line, confidence and reason
// params: id STRING
MATCH (f:Function {id: $id})-[c:CALLS]->(g:Function)
RETURN g.id AS id, g.qualified_name AS callee, g.file AS file, c.line AS line,
       c.confidence AS confidence, c.reason AS reason
ORDER BY line, callee;

// name: hotspots
// description: Most-called functions of a project (inbound CALLS edges from distinct callers)
// params: project STRING, limit INT64 {0..} = 20
MATCH (g:Function)-[:CALLS]->(f:Function {project: $project})
RETURN f.qualified_name AS function, f.file AS file, count(DISTINCT g) AS callers
ORDER BY callers DESC, function
LIMIT $limit;

// name: largest_files
// description: Biggest files of a project by line count, with their definition counts
// params: project STRING, limit INT64 {0..} = 20
MATCH (f:File {project: $project})
OPTIONAL MATCH (f)-[:DEFINES]->(d)
RETURN f.path AS path, f.language AS language, f.lines AS lines, count(d) AS definitions
ORDER BY lines DESC, path
LIMIT $limit;

// name: file_imports
// description: What a file imports: project files and external modules, with line and imported name
// params: id STRING
MATCH (f:File {id: $id})-[i:IMPORTS]->(t)
RETURN label(t) AS kind, t.id AS target, i.line AS line, i.name AS name
ORDER BY line, target;

// name: importers
// description: Files importing the file with this id
// params: id STRING
MATCH (f:File)-[i:IMPORTS]->(t:File {id: $id})
RETURN f.id AS importer, i.line AS line, i.name AS name
ORDER BY importer, line;

// name: external_modules
// description: External modules (not provided by any indexed project) ranked by importing files
// params: project STRING, limit INT64 {0..} = 20
MATCH (f:File {project: $project})-[:IMPORTS]->(m:Module)
RETURN m.id AS module, count(DISTINCT f) AS files
ORDER BY files DESC, module
LIMIT $limit;

// name: symbol
// description: One function or class by id, with its file's path and language and its project's root
// params: id STRING
MATCH (d)
WHERE (label(d) = 'Function' OR label(d) = 'Class') AND d.id = $id
MATCH (f:File {id: d.file})
MATCH (p:Project {id: f.project})
RETURN d.id AS id, label(d) AS kind, d.kind AS subkind, d.name AS name, d.qualified_name AS qualified_name,
       d.project AS project, f.path AS path, f.language AS language, p.root AS root, d.signature AS signature,
       d.docstring AS docstring, d.start_line AS start_line, d.end_line AS end_line;
