// name: list
// description: Sessions, newest first, optionally of one project
// params: project STRING = null, limit INT64 {0..} = 20
MATCH (s:Session)
WHERE $project IS NULL OR s.project = $project
OPTIONAL MATCH (s)-[t:TOUCHED]->(:File)
RETURN s.id AS id, s.project AS project, s.agent AS agent, s.status AS status, s.branch AS branch,
       s.started_at AS started_at, s.ended_at AS ended_at, s.quality_start AS quality_start,
       s.quality_end AS quality_end, s.source AS source, count(t) AS files_touched
ORDER BY started_at DESC, id
LIMIT $limit;

// name: get
// description: One session with every property
// params: id STRING
MATCH (s:Session {id: $id})
RETURN s.id AS id, s.project AS project, s.agent AS agent, s.status AS status, s.branch AS branch,
       s.head_start AS head_start, s.head_end AS head_end, s.started_at AS started_at, s.ended_at AS ended_at,
       s.quality_start AS quality_start, s.quality_end AS quality_end, s.summary AS summary, s.source AS source;

// name: active
// description: Active (not ended) sessions, newest first, optionally of one project
// params: project STRING = null
MATCH (s:Session)
WHERE s.status = 'active' AND ($project IS NULL OR s.project = $project)
RETURN s.id AS id, s.project AS project, s.started_at AS started_at
ORDER BY started_at DESC, id;

// name: touched
// description: Files a session touched, with the kind of change
// params: id STRING
MATCH (s:Session {id: $id})-[t:TOUCHED]->(f:File)
RETURN f.id AS file, f.path AS path, t.change AS change
ORDER BY path;

// name: memories
// description: Reflections and insights captured in a session
// params: id STRING
MATCH (m)-[:CAPTURED_IN]->(s:Session {id: $id})
RETURN m.id AS id, label(m) AS kind, m.content AS content, m.created_at AS created_at
ORDER BY created_at, id;

// name: quality_signals
// description: Measurable code-graph signals of a project for the session quality score (files, syntax errors, test files, documented functions)
// params: project STRING
MATCH (f:File {project: $project})
WITH count(f) AS files,
     sum(CASE WHEN f.syntax_errors > 0 THEN 1 ELSE 0 END) AS syntax_error_files,
     sum(CASE WHEN f.path =~ '(.*/)?(tests?|__tests__|specs?)/.*|(.*/)?test_[^/]*|.*_test\\.[a-z]+|.*\\.(test|spec)\\.[a-z]+'
              THEN 1 ELSE 0 END) AS test_files
OPTIONAL MATCH (fn:Function {project: $project})
WHERE fn.kind <> 'module'
RETURN files, syntax_error_files, test_files, count(fn) AS functions,
       sum(CASE WHEN fn.docstring IS NOT NULL AND fn.docstring <> '' THEN 1 ELSE 0 END) AS documented;
