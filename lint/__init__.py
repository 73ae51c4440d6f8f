"""Built-in lint rules: one JSON file per single-document cross-field check (data; see lint.schema.json in vmssplan.schemas)."""
