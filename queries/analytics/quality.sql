-- name: quality_trend
-- description: Quality checkpoints per project and time bucket: count, mean, min and max score
-- params: project STRING = null, bucket STRING {minute|hour|day|week|month|quarter|year} = day, since TIMESTAMP = null
SELECT project, date_trunc($bucket, ts) AS bucket, count(*) AS checkpoints, avg(score) AS quality,
       min(score) AS min_quality, max(score) AS max_quality
FROM checkpoints
WHERE score IS NOT NULL AND ($project IS NULL OR project = $project) AND ($since IS NULL OR ts >= $since)
GROUP BY 1, 2
ORDER BY 1, 2;

-- name: daily_work
-- description: Per project and day with a quality checkpoint: mean quality, commits (0 if none), compliance
-- params: project STRING = null, since TIMESTAMP = null
WITH q AS (
    SELECT project, CAST(ts AS DATE) AS day, avg(score) AS quality
    FROM checkpoints
    WHERE score IS NOT NULL AND ($project IS NULL OR project = $project) AND ($since IS NULL OR ts >= $since)
    GROUP BY 1, 2),
c AS (
    SELECT project, CAST(ts AS DATE) AS day, count(*) AS commits, count(type) AS conventional
    FROM commits
    WHERE NOT coalesce(merge, false) AND ($project IS NULL OR project = $project)
      AND ($since IS NULL OR ts >= $since)
    GROUP BY 1, 2)
SELECT q.project, q.day, q.quality, coalesce(c.commits, 0) AS commits,
       CASE WHEN c.commits > 0 THEN c.conventional / c.commits END AS compliance
FROM q LEFT JOIN c ON q.project = c.project AND q.day = c.day
ORDER BY q.project, q.day;

-- name: session_checkpoints
-- description: Per session: first and last checkpoint time and score (quality delta when sessions lack it)
-- params: project STRING = null, since TIMESTAMP = null
SELECT session_id, any_value(project) AS project, min(ts) AS first_ts, max(ts) AS last_ts,
       arg_min(score, ts) AS first_score, arg_max(score, ts) AS last_score, count(*) AS checkpoints
FROM checkpoints
WHERE session_id IS NOT NULL AND score IS NOT NULL AND ($project IS NULL OR project = $project)
  AND ($since IS NULL OR ts >= $since)
GROUP BY session_id
ORDER BY first_ts;
