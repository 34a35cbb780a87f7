"""The SHA-256 a signature records: of the content's canonical JSON (sorted keys, no spaces),
for opinions, their addenda and the parts of a combined review alike."""

import hashlib
import json


def sha256_of(content: dict) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
