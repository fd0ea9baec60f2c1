-- name: velocity
-- description: Commits per time bucket (minute, hour, day, week, month, quarter, year) with lines added/removed and distinct authors
-- params: project STRING = null, bucket STRING {minute|hour|day|week|month|quarter|year} = day, since TIMESTAMP = null
SELECT date_trunc($bucket, ts) AS bucket, count(*) AS commits, CAST(sum(insertions) AS BIGINT) AS insertions,
       CAST(sum(deletions) AS BIGINT) AS deletions, count(DISTINCT author) AS authors
FROM commits
WHERE ($project IS NULL OR project = $project) AND ($since IS NULL OR ts >= $since)
GROUP BY 1
ORDER BY 1;

-- name: compliance
-- description: Conventional-commit compliance rate and breaking-change count per project (merges excluded)
-- params: project STRING = null, since TIMESTAMP = null
SELECT project, count(*) AS commits, count(type) AS conventional,
       round(count(type) / count(*), 4) AS compliance, count(*) FILTER (WHERE breaking) AS breaking,
       min(ts) AS first_commit, max(ts) AS last_commit
FROM commits
WHERE NOT coalesce(merge, false) AND ($project IS NULL OR project = $project) AND ($since IS NULL OR ts >= $since)
GROUP BY project
ORDER BY project;

-- name: breaking_changes
-- description: Breaking changes (`type!:` or a BREAKING CHANGE footer), newest first
-- params: project STRING = null, since TIMESTAMP = null
SELECT project, ts, sha, author, type, scope, subject
FROM commits
WHERE breaking AND ($project IS NULL OR project = $project) AND ($since IS NULL OR ts >= $since)
ORDER BY ts DESC;

-- name: commit_types
-- description: Commits per conventional type (`(none)` for non-conventional), merges excluded
-- params: project STRING = null, since TIMESTAMP = null
SELECT coalesce(type, '(none)') AS type, count(*) AS commits, count(DISTINCT scope) AS scopes
FROM commits
WHERE NOT coalesce(merge, false) AND ($project IS NULL OR project = $project) AND ($since IS NULL OR ts >= $since)
GROUP BY 1
ORDER BY commits DESC, type;

-- name: activity_by_hour
-- description: Commits per hour of day (UTC), busiest first
-- params: project STRING = null, since TIMESTAMP = null
SELECT hour(ts) AS hour, count(*) AS commits
FROM commits
WHERE ($project IS NULL OR project = $project) AND ($since IS NULL OR ts >= $since)
GROUP BY 1
ORDER BY commits DESC, hour;

-- name: activity_by_weekday
-- description: Commits per weekday (UTC, 1 = Monday), busiest first
-- params: project STRING = null, since TIMESTAMP = null
SELECT isodow(ts) AS weekday_number, dayname(ts) AS weekday, count(*) AS commits
FROM commits
WHERE ($project IS NULL OR project = $project) AND ($since IS NULL OR ts >= $since)
GROUP BY 1, 2
ORDER BY commits DESC, weekday_number;

-- name: top_authors
-- description: Authors by commit count with their conventional-commit rate
-- params: project STRING = null, since TIMESTAMP = null, limit INT64 {0..} = 20
SELECT coalesce(author, '(no author)') AS author, count(*) AS commits,
       round(count(type) / count(*), 4) AS compliance, min(ts) AS first_commit, max(ts) AS last_commit
FROM commits
WHERE ($project IS NULL OR project = $project) AND ($since IS NULL OR ts >= $since)
GROUP BY 1
ORDER BY commits DESC, author
LIMIT $limit;
