// Code graph: projects, files, definitions and their relations.
// Every node has a string `id` primary key; DuckDB rows join on the same id.
CREATE NODE TABLE SchemaVersion(version INT64 PRIMARY KEY, name STRING, applied_at TIMESTAMP);

CREATE NODE TABLE Project(id STRING PRIMARY KEY, root STRING, created_at TIMESTAMP, head STRING,
    indexed_at TIMESTAMP, languages STRING[]);

CREATE NODE TABLE File(id STRING PRIMARY KEY, project STRING, path STRING, language STRING, module STRING,
    hash STRING, size INT64, lines INT64, indexed_at TIMESTAMP, syntax_errors INT64);

CREATE NODE TABLE Function(id STRING PRIMARY KEY, project STRING, file STRING, name STRING,
    qualified_name STRING, kind STRING, signature STRING, docstring STRING, start_line INT64,
    end_line INT64, exported BOOLEAN);

CREATE NODE TABLE Class(id STRING PRIMARY KEY, project STRING, file STRING, name STRING,
    qualified_name STRING, kind STRING, start_line INT64, end_line INT64, docstring STRING);

CREATE NODE TABLE Module(id STRING PRIMARY KEY, name STRING, language STRING);

CREATE REL TABLE CONTAINS(FROM Project TO File);
CREATE REL TABLE DEFINES(FROM File TO Function, FROM File TO Class);
CREATE REL TABLE HAS_METHOD(FROM Class TO Function);
CREATE REL TABLE CALLS(FROM Function TO Function, line INT64, confidence DOUBLE, reason STRING);
CREATE REL TABLE IMPORTS(FROM File TO File, FROM File TO Module, line INT64, name STRING);
CREATE REL TABLE INHERITS(FROM Class TO Class, kind STRING);
