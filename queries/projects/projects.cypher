// name: most_connected
// description: Projects ranked by links to other projects: DEPENDS_ON edges both ways and cross-project imports
// params: limit INT64 {0..} = 20
MATCH (p:Project)
OPTIONAL MATCH (p)-[d:DEPENDS_ON]->(:Project)
WITH p, count(d) AS depends_on
OPTIONAL MATCH (:Project)-[u:DEPENDS_ON]->(p)
WITH p, depends_on, count(u) AS depended_on_by
OPTIONAL MATCH (:File {project: p.id})-[i:IMPORTS]->(t:File)
WHERE t.project <> p.id
WITH p, depends_on, depended_on_by, count(i) AS imports_out
OPTIONAL MATCH (s:File)-[j:IMPORTS]->(:File {project: p.id})
WHERE s.project <> p.id
WITH p, depends_on, depended_on_by, imports_out, count(j) AS imports_in
RETURN p.id AS project, depends_on, depended_on_by, imports_out, imports_in,
       depends_on + depended_on_by + imports_out + imports_in AS links
ORDER BY links DESC, project
LIMIT $limit;

// name: dependencies
// description: Typed project dependencies (DEPENDS_ON) with type and source, optionally for one project
// params: project STRING = null
MATCH (a:Project)-[d:DEPENDS_ON]->(b:Project)
WHERE $project IS NULL OR a.id = $project OR b.id = $project
RETURN a.id AS project, b.id AS depends_on, d.type AS type, d.source AS source, d.description AS description
ORDER BY project, depends_on;

// name: cross_imports
// description: Imports from one project's files into another project's files, counted per project pair
// params: project STRING = null
MATCH (a:File)-[i:IMPORTS]->(b:File)
WHERE a.project <> b.project AND ($project IS NULL OR a.project = $project OR b.project = $project)
RETURN a.project AS importer, b.project AS imported, count(i) AS imports, count(DISTINCT a) AS files
ORDER BY imports DESC, importer, imported;

// name: shared_modules
// description: External modules imported by more than one project: the implicit links between projects
// params: limit INT64 {0..} = 50
MATCH (f:File)-[:IMPORTS]->(m:Module)
WITH m, collect(DISTINCT f.project) AS projects, count(DISTINCT f) AS files
WHERE size(projects) > 1
RETURN m.id AS module, size(projects) AS project_count, list_sort(projects) AS projects, files
ORDER BY project_count DESC, files DESC, module
LIMIT $limit;

// name: groups
// description: Project groups with their member projects
// params:
MATCH (g:ProjectGroup)
OPTIONAL MATCH (p:Project)-[:IN_GROUP]->(g)
RETURN g.id AS group_name, g.description AS description, coalesce(list_sort(collect(p.id)), []) AS projects
ORDER BY group_name;

// name: implied_imports
// description: External modules one project imports that another indexed project's files provide (by module name)
// params: project STRING = null
MATCH (f:File)-[:IMPORTS]->(m:Module), (g:File)
WHERE g.module = m.name AND g.project <> f.project AND g.language = m.language
  AND ($project IS NULL OR f.project = $project OR g.project = $project)
RETURN f.project AS importer, g.project AS provider, m.name AS module, count(DISTINCT f) AS files
ORDER BY importer, provider, module;
