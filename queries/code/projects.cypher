// name: projects
// description: Indexed projects with root, languages, HEAD, last index time and file count
// params:
MATCH (p:Project)
OPTIONAL MATCH (p)-[:CONTAINS]->(f:File)
RETURN p.id AS project, p.root AS root, p.languages AS languages, p.head AS head, p.indexed_at AS indexed_at,
       count(f) AS files
ORDER BY project;

// name: project_stats
// description: Node and edge counts of one project's code graph
// params: project STRING
MATCH (f:File {project: $project})
WITH count(f) AS files
OPTIONAL MATCH (fn:Function {project: $project})
WITH files, count(fn) AS functions
OPTIONAL MATCH (c:Class {project: $project})
WITH files, functions, count(c) AS classes
OPTIONAL MATCH (a:Function {project: $project})-[k:CALLS]->()
WITH files, functions, classes, count(k) AS calls
OPTIONAL MATCH (g:File {project: $project})-[i:IMPORTS]->()
WITH files, functions, classes, calls, count(i) AS imports
OPTIONAL MATCH (x:Class {project: $project})-[h:INHERITS]->()
RETURN files, functions, classes, calls, imports, count(h) AS inherits;
