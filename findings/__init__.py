"""Built-in finding ids: one JSON file per check vmssplan's own code reports (data; see
rule.schema.json in vmssplan.schemas).
"""
