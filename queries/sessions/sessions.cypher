// name: touched_file
// description: Sessions that touched a file (id or path), newest first, with the kind of change
// params: file STRING
MATCH (s:Session)-[t:TOUCHED]->(f:File)
WHERE f.id = $file OR f.path = $file
RETURN s.id AS session, s.project AS project, s.agent AS agent, s.started_at AS started_at,
       s.ended_at AS ended_at, t.change AS change, f.id AS file, s.summary AS summary
ORDER BY started_at DESC;

// name: touched_function
// description: Sessions that touched the file defining a function (id or qualified name)
// params: function STRING
MATCH (fn:Function)
WHERE fn.id = $function OR fn.qualified_name = $function
MATCH (s:Session)-[t:TOUCHED]->(f:File {id: fn.file})
RETURN DISTINCT s.id AS session, s.project AS project, s.started_at AS started_at, t.change AS change,
       f.id AS file, fn.qualified_name AS function, s.summary AS summary
ORDER BY started_at DESC;

// name: durations
// description: Session durations in minutes with quality at start and end, optionally for one project
// params: project STRING = null, since TIMESTAMP = null
MATCH (s:Session)
WHERE s.ended_at IS NOT NULL AND ($project IS NULL OR s.project = $project)
  AND ($since IS NULL OR s.started_at >= $since)
RETURN s.id AS session, s.project AS project, s.started_at AS started_at, s.ended_at AS ended_at,
       (to_epoch_ms(s.ended_at) - to_epoch_ms(s.started_at)) / 60000.0 AS minutes,
       s.quality_start AS quality_start, s.quality_end AS quality_end,
       s.quality_end - s.quality_start AS quality_delta
ORDER BY started_at;

// name: recent
// description: Latest sessions, optionally of one project, with status and summary
// params: project STRING = null, limit INT64 {0..} = 20
MATCH (s:Session)
WHERE $project IS NULL OR s.project = $project
RETURN s.id AS session, s.project AS project, s.agent AS agent, s.status AS status, s.started_at AS started_at,
       s.ended_at AS ended_at, s.summary AS summary
ORDER BY started_at DESC
LIMIT $limit;
