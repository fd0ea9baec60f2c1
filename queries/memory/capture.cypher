// name: project_symbols
// description: Functions (not module pseudo-functions) and classes of a project, for the mention finder
// params: project STRING
MATCH (d)
WHERE (label(d) = 'Function' OR label(d) = 'Class') AND d.project = $project AND d.kind <> 'module'
RETURN label(d) AS label, d.id AS id, d.name AS name, d.qualified_name AS qualified_name, d.file AS file,
       d.start_line AS start_line, d.end_line AS end_line;

// name: project_files
// description: Paths of a project's files, for the mention finder
// params: project STRING
MATCH (f:File {project: $project})
RETURN f.path AS path;

// name: reflection
// description: One reflection with its tags, votes, sessions and the files, functions and classes it is about
// params: id STRING
// (one label per ABOUT match: inside the write transaction that created them, Kùzu 0.11.3 reads an uncommitted
// edge to a File through the Function and Class pairs too when the target's label is left open, returning the
// node at the File's offset in those tables; collect() of nothing is null, hence the coalesce)
MATCH (r:Reflection {id: $id})
OPTIONAL MATCH (r)-[:CAPTURED_IN]->(s:Session)
OPTIONAL MATCH (r)-[:ABOUT]->(f:File)
OPTIONAL MATCH (r)-[:ABOUT]->(d:Function)
OPTIONAL MATCH (r)-[:ABOUT]->(c:Class)
WITH r, collect(DISTINCT s.id) AS sessions, coalesce(collect(DISTINCT f.id), CAST([] AS STRING[])) AS files,
     coalesce(collect(DISTINCT d.id), CAST([] AS STRING[])) AS functions,
     coalesce(collect(DISTINCT c.id), CAST([] AS STRING[])) AS classes
RETURN r.id AS id, r.project AS project, r.content AS content, r.tags AS tags, r.votes AS votes,
       r.created_at AS created_at, r.updated_at AS updated_at, sessions,
       list_concat(list_concat(files, functions), classes) AS about;

// name: insight
// description: One insight with its type, topics, votes, sessions and the files, functions and classes it is about
// params: id STRING
// (one label per ABOUT match, as in `reflection`)
MATCH (i:Insight {id: $id})
OPTIONAL MATCH (i)-[:CAPTURED_IN]->(s:Session)
OPTIONAL MATCH (i)-[:ABOUT]->(f:File)
OPTIONAL MATCH (i)-[:ABOUT]->(d:Function)
OPTIONAL MATCH (i)-[:ABOUT]->(c:Class)
WITH i, collect(DISTINCT s.id) AS sessions, coalesce(collect(DISTINCT f.id), CAST([] AS STRING[])) AS files,
     coalesce(collect(DISTINCT d.id), CAST([] AS STRING[])) AS functions,
     coalesce(collect(DISTINCT c.id), CAST([] AS STRING[])) AS classes
RETURN i.id AS id, i.project AS project, i.content AS content, i.type AS type, i.topics AS topics,
       i.confidence AS confidence, i.votes AS votes, i.created_at AS created_at,
       sessions, list_concat(list_concat(files, functions), classes) AS about;

// name: about
// description: Reflections and insights ABOUT a file, function or class (by id), and for a file also those about what it defines
// params: id STRING
MATCH (m)-[a:ABOUT]->(t)
WHERE (label(m) = 'Reflection' OR label(m) = 'Insight')
  AND (t.id = $id OR (label(t) <> 'Project' AND label(t) <> 'File' AND t.file = $id))
RETURN m.id AS id, label(m) AS kind, m.content AS content, m.project AS project, t.id AS about, a.how AS how,
       m.created_at AS created_at
ORDER BY created_at DESC, id;

// name: insights
// description: Insights, newest first, optionally of one project, topic or type
// params: project STRING = null, topic STRING = null, type STRING = null, limit INT64 {0..} = 50
MATCH (i:Insight)
WHERE ($project IS NULL OR i.project = $project)
  AND ($topic IS NULL OR list_contains(i.topics, $topic))
  AND ($type IS NULL OR i.type = $type)
OPTIONAL MATCH (i)-[:CAPTURED_IN]->(s:Session)
OPTIONAL MATCH (i)-[a:ABOUT]->(t)
WHERE label(t) <> 'Project'
RETURN i.id AS id, i.project AS project, i.content AS content, i.type AS type, i.topics AS topics,
       i.confidence AS confidence, i.votes AS votes, i.created_at AS created_at,
       collect(DISTINCT s.id) AS sessions, collect(DISTINCT t.id) AS about
ORDER BY created_at DESC, id
LIMIT $limit;

// name: insight_types
// description: Insight counts by type (optionally of one project)
// params: project STRING = null
MATCH (i:Insight)
WHERE $project IS NULL OR i.project = $project
RETURN i.type AS type, count(*) AS n
ORDER BY n DESC, type;

// name: insight_topics
// description: Insight counts by topic (optionally of one project)
// params: project STRING = null
MATCH (i:Insight)
WHERE $project IS NULL OR i.project = $project
UNWIND i.topics AS topic
RETURN topic, count(*) AS n
ORDER BY n DESC, topic;

// name: reflection_tags
// description: Reflection counts by tag (optionally of one project)
// params: project STRING = null
MATCH (r:Reflection)
WHERE $project IS NULL OR r.project = $project
UNWIND r.tags AS tag
RETURN tag, count(*) AS n
ORDER BY n DESC, tag;

// name: memory_totals
// description: Reflection and insight totals, votes and ABOUT-linked counts (optionally of one project)
// params: project STRING = null
MATCH (m)
WHERE (label(m) = 'Reflection' OR label(m) = 'Insight') AND ($project IS NULL OR m.project = $project)
OPTIONAL MATCH (m)-[a:ABOUT]->(t)
WHERE label(t) <> 'Project'
WITH m, count(a) AS links
RETURN label(m) AS kind, count(*) AS n, sum(m.votes) AS votes,
       sum(CASE WHEN links > 0 THEN 1 ELSE 0 END) AS linked_to_code
ORDER BY kind;

// name: ids_with_prefix
// description: Reflections and insights whose id starts with the text (the short ids the CLI prints), at most 10
// params: prefix STRING
MATCH (m)
WHERE (label(m) = 'Reflection' OR label(m) = 'Insight') AND starts_with(m.id, $prefix)
RETURN m.id AS id, label(m) AS label
ORDER BY id
LIMIT 10;
