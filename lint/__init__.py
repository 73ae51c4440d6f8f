"""Built-in lint rules: one JSON file per single-document cross-field check (data; kind
lint of rule.schema.json in vmssplan.schemas).
"""
