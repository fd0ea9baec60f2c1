// Write statements of the memory domain (named blocks, parsed by graphbuddy.queries.parse_file).
// They live here, not in queries/, because the catalogue there is read-only.
// `_Source_` and `_Target_` are replaced by node labels from a fixed list before running.

// name: create_session
MATCH (p:Project {id: $project})
CREATE (s:Session {id: $id, project: $project, agent: $agent, started_at: $started_at, ended_at: $ended_at,
        status: $status, branch: $branch, head_start: $head_start, head_end: $head_end,
        quality_start: $quality_start, summary: $summary, source: $source})-[:OF_PROJECT]->(p);

// name: end_session
MATCH (s:Session {id: $id})
SET s.ended_at = $ended_at, s.status = 'ended', s.head_end = $head_end, s.quality_end = $quality_end,
    s.summary = $summary;

// name: extend_session
MATCH (s:Session {id: $id})
SET s.ended_at = $ended_at, s.summary = coalesce(s.summary, $summary);

// name: touched
MATCH (s:Session {id: $session}), (f:File {id: $file})
MERGE (s)-[t:TOUCHED]->(f)
SET t.change = $change;

// name: create_reflection
CREATE (:Reflection {id: $id, project: $project, content: $content, tags: $tags, created_at: $now,
        updated_at: $now, votes: 0});

// name: set_reflection_tags
MATCH (r:Reflection {id: $id})
SET r.tags = $tags, r.updated_at = $now;

// name: create_insight
CREATE (:Insight {id: $id, project: $project, content: $content, type: $type, topics: $topics,
        confidence: $confidence, created_at: $now, votes: 0});

// name: vote
MATCH (m:_Source_ {id: $id})
SET m.votes = coalesce(m.votes, 0) + $delta
RETURN m.votes;

// name: delete
MATCH (m:_Source_ {id: $id})
DETACH DELETE m;

// name: captured_in
MATCH (m:_Source_ {id: $id}), (s:Session {id: $session})
MERGE (m)-[:CAPTURED_IN]->(s);

// name: about
MATCH (m:_Source_ {id: $id}), (t:_Target_ {id: $target})
MERGE (m)-[a:ABOUT]->(t)
ON CREATE SET a.how = $how;
