"""The two embedded databases. `graph` is the only module importing kuzu, `analytics` the only one importing duckdb."""
