"""Input stage: the YAML config, read, checked against the schema, and written back resolved."""
