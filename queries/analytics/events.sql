-- name: event_series
-- description: Events per time bucket and kind (index runs, git ingestion, tool calls, ...) with summed value
-- params: kind STRING = null, project STRING = null, bucket STRING {minute|hour|day|week|month|quarter|year} = hour, since TIMESTAMP = null
SELECT date_trunc($bucket, ts) AS bucket, kind, count(*) AS events, sum(value) AS value
FROM events
WHERE ($kind IS NULL OR kind = $kind) AND ($project IS NULL OR project = $project)
  AND ($since IS NULL OR ts >= $since)
GROUP BY 1, 2
ORDER BY 1, 2;

-- name: index_runs
-- description: Index runs (full or delta) with the number of files parsed, newest first
-- params: project STRING = null, limit INT64 {0..} = 50
SELECT ts, project, name AS mode, value AS files_parsed, attrs
FROM events
WHERE kind = 'index' AND ($project IS NULL OR project = $project)
ORDER BY ts DESC
LIMIT $limit;

-- name: session_events
-- description: Per session: first and last event time, minutes between them and event count
-- params: project STRING = null, since TIMESTAMP = null
SELECT session_id, any_value(project) AS project, min(ts) AS started, max(ts) AS ended,
       date_diff('second', min(ts), max(ts)) / 60.0 AS minutes, count(*) AS events
FROM events
WHERE session_id IS NOT NULL AND ($project IS NULL OR project = $project) AND ($since IS NULL OR ts >= $since)
GROUP BY session_id
ORDER BY started;
