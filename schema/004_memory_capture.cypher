// Memory capture: insights can be voted on like reflections.
ALTER TABLE Insight ADD votes INT64 DEFAULT 0;
