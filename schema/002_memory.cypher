// Working memory and cross-project structure: groups, typed project dependencies, sessions,
// reflections and insights, and the edges that tie them to the code graph.
// Text that is searched (content, summaries) is mirrored in DuckDB's `documents` table under the same id.
CREATE NODE TABLE ProjectGroup(id STRING PRIMARY KEY, description STRING, created_at TIMESTAMP);

CREATE NODE TABLE Session(id STRING PRIMARY KEY, project STRING, agent STRING, started_at TIMESTAMP,
    ended_at TIMESTAMP, status STRING, branch STRING, head_start STRING, head_end STRING,
    quality_start DOUBLE, quality_end DOUBLE, summary STRING, source STRING);

CREATE NODE TABLE Reflection(id STRING PRIMARY KEY, project STRING, content STRING, tags STRING[],
    created_at TIMESTAMP, updated_at TIMESTAMP, votes INT64);

CREATE NODE TABLE Insight(id STRING PRIMARY KEY, project STRING, content STRING, type STRING,
    topics STRING[], confidence DOUBLE, created_at TIMESTAMP);

CREATE REL TABLE DEPENDS_ON(FROM Project TO Project, type STRING, source STRING, description STRING,
    created_at TIMESTAMP);
CREATE REL TABLE IN_GROUP(FROM Project TO ProjectGroup);
CREATE REL TABLE OF_PROJECT(FROM Session TO Project);
CREATE REL TABLE TOUCHED(FROM Session TO File, change STRING);
CREATE REL TABLE ABOUT(FROM Reflection TO Project, FROM Reflection TO File, FROM Reflection TO Function,
    FROM Reflection TO Class, FROM Insight TO Project, FROM Insight TO File, FROM Insight TO Function,
    FROM Insight TO Class, how STRING);
CREATE REL TABLE CAPTURED_IN(FROM Reflection TO Session, FROM Insight TO Session);
