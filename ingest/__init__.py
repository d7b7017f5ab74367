"""Getting data in: batches, parsers, column mappings (built in the ingest issue)."""
