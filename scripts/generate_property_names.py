"""Regenerate schemas/property-names.json: every property name of the VMSS model, and the
names whose type is always boolean or always integer.

The normalizer folds property names to these REST spellings (ARM is case-insensitive
about names, and `az vmss show` respells some: ``diskSizeGb`` for ``diskSizeGB``), and
converts a string written for a boolean or integer property (``"overprovision": "true"``)
to the value ARM makes of it.
Source: the official swagger in ../shared/corpus/schemas/swagger (MIT, Azure/azure-rest-api-specs,
see the corpus PROVENANCE.md).

    python scripts/generate_property_names.py [CORPUS_DIR]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"


def collect(node: object, names: set[str], types: dict[str, set[str]]) -> None:
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            for key, schema in props.items():
                if isinstance(key, str):
                    names.add(key)
                    kind = schema.get("type") if isinstance(schema, dict) else None
                    types.setdefault(key.lower(), set()).add(kind if isinstance(kind, str) else "other")
        for value in node.values():
            collect(value, names, types)
    elif isinstance(node, list):
        for value in node:
            collect(value, names, types)


def main() -> int:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CORPUS
    names: set[str] = set()
    types: dict[str, set[str]] = {}
    swagger = corpus / "schemas" / "swagger"
    # Oldest first, so that the newest spelling wins where two versions differ in case.
    for path in sorted(swagger.rglob("*.json")):
        collect(json.loads(path.read_text(encoding="utf-8-sig")), names, types)
    by_lower: dict[str, str] = {}
    for name in sorted(names):
        by_lower.setdefault(name.lower(), name)
    out = REPO / "schemas" / "property-names.json"
    payload = {"source": "Azure/azure-rest-api-specs compute swagger (MIT), via scripts/generate_property_names.py",
               "names": sorted(by_lower.values()),
               # A name is listed only when every property of that name has the type.
               "booleans": sorted(n for n in by_lower.values() if types.get(n.lower()) == {"boolean"}),
               "integers": sorted(n for n in by_lower.values() if types.get(n.lower()) == {"integer"})}
    out.write_text(json.dumps(payload, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {out.relative_to(REPO)}: {len(by_lower)} names")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
