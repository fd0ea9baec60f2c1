// name: reflections_about_file
// description: Reflections about a file (id or path) or about any function or class defined in it
// params: file STRING
MATCH (f:File)
WHERE f.id = $file OR f.path = $file
MATCH (r:Reflection)-[a:ABOUT]->(t)
WHERE t.id = f.id OR t.file = f.id
RETURN DISTINCT r.id AS id, r.content AS content, r.tags AS tags, r.votes AS votes, r.created_at AS created_at,
       t.id AS about, label(t) AS about_kind
ORDER BY created_at DESC;

// name: reflections_about_function
// description: Reflections about a function (id or qualified name), newest first
// params: function STRING
MATCH (r:Reflection)-[:ABOUT]->(f:Function)
WHERE f.id = $function OR f.qualified_name = $function
RETURN r.id AS id, r.content AS content, r.tags AS tags, r.votes AS votes, r.created_at AS created_at,
       f.id AS about
ORDER BY created_at DESC;

// name: recent_reflections
// description: Latest reflections, optionally of one project
// params: project STRING = null, limit INT64 {0..} = 20
MATCH (r:Reflection)
WHERE $project IS NULL OR r.project = $project
RETURN r.id AS id, r.project AS project, r.content AS content, r.tags AS tags, r.votes AS votes,
       r.created_at AS created_at
ORDER BY created_at DESC
LIMIT $limit;

// name: insights_by_topic
// description: Insights carrying a topic, oldest first (how the understanding of a topic moved over time)
// params: topic STRING, since TIMESTAMP = null
MATCH (i:Insight)
WHERE list_contains(i.topics, $topic) AND ($since IS NULL OR i.created_at >= $since)
RETURN i.id AS id, i.created_at AS created_at, i.type AS type, i.project AS project, i.confidence AS confidence,
       i.content AS content
ORDER BY created_at;

// name: insight_topics_over_time
// description: Insight count per topic and month
// params: project STRING = null
MATCH (i:Insight)
WHERE $project IS NULL OR i.project = $project
UNWIND i.topics AS topic
RETURN topic, date_trunc('month', i.created_at) AS month, count(*) AS insights
ORDER BY month, insights DESC, topic;

// name: correlations
// description: Stored correlation insights (computed by `graphbuddy analytics`), newest first
// params: project STRING = null
MATCH (i:Insight {type: 'correlation'})
WHERE $project IS NULL OR i.project = $project
RETURN i.id AS id, i.project AS project, i.created_at AS created_at, i.confidence AS confidence,
       i.topics AS topics, i.content AS content
ORDER BY created_at DESC, content;
