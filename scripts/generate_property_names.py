"""Regenerate schemas/property-names.json: every property name of the VMSS model.

The normalizer folds property names to these REST spellings (ARM is case-insensitive
about names, and `az vmss show` respells some: ``diskSizeGb`` for ``diskSizeGB``).
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


def collect(node: object, names: set[str]) -> None:
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            names.update(k for k in props if isinstance(k, str))
        for value in node.values():
            collect(value, names)
    elif isinstance(node, list):
        for value in node:
            collect(value, names)


def main() -> int:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CORPUS
    names: set[str] = set()
    swagger = corpus / "schemas" / "swagger"
    # Oldest first, so that the newest spelling wins where two versions differ in case.
    for path in sorted(swagger.rglob("*.json")):
        collect(json.loads(path.read_text(encoding="utf-8-sig")), names)
    by_lower: dict[str, str] = {}
    for name in sorted(names):
        by_lower.setdefault(name.lower(), name)
    out = REPO / "schemas" / "property-names.json"
    payload = {"source": "Azure/azure-rest-api-specs compute swagger (MIT), via scripts/generate_property_names.py",
               "names": sorted(by_lower.values())}
    out.write_text(json.dumps(payload, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {out.relative_to(REPO)}: {len(by_lower)} names")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
