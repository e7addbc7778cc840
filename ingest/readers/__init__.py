"""One module per file format; ``ingest.loaders`` picks the reader by extension."""
