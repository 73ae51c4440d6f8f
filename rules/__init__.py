"""Built-in change rules: one JSON file per rule (data; see rule.schema.json in vmssplan.schemas)."""
