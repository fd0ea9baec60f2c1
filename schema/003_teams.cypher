// Teams: members, who wrote a memory item, what is shared with which team, and votes.
// Visibility (docs/cross-project.md): a member sees items they authored, items shared with one of their
// teams, and items nobody authored (project knowledge captured without an author, and all code).
CREATE NODE TABLE Team(id STRING PRIMARY KEY, description STRING, created_at TIMESTAMP);
CREATE NODE TABLE Member(id STRING PRIMARY KEY, created_at TIMESTAMP);
CREATE REL TABLE MEMBER_OF(FROM Member TO Team, joined_at TIMESTAMP);
CREATE REL TABLE AUTHORED(FROM Member TO Reflection, FROM Member TO Insight, created_at TIMESTAMP);
CREATE REL TABLE SHARED_WITH(FROM Reflection TO Team, FROM Insight TO Team, shared_by STRING, shared_at TIMESTAMP);
CREATE REL TABLE VOTED(FROM Member TO Reflection, FROM Member TO Insight, value INT64, voted_at TIMESTAMP);
