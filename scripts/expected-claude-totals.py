#!/usr/bin/env python3
"""Independent computation of exact Claude Code totals for test fixtures.

Usage: python3 scripts/expected-claude-totals.py <dir-with-jsonl> > expected-totals.json

Method (deliberately simple, written apart from the TypeScript parser):
full json.loads of every line; assistant lines with model != "<synthetic>";
key = requestId or message.id; for each key the LAST line in file order wins
(the final usage of a streamed call); sidechain lines go to the stream
"sidechain-<first 8 chars of the root uuid>", the root found by following
parentUuid among isSidechain lines; 5m/1h split from usage.cache_creation.
"""
import json, sys, os

def totals():
    return {"turns": 0, "inputTokens": 0, "cacheWrite5mTokens": 0, "cacheWrite1hTokens": 0, "cacheReadTokens": 0, "outputTokens": 0}

out = {"method": __doc__.strip().split("\n\n")[1].replace("\n", " "), "sessions": {}}
d = sys.argv[1]
for name in sorted(os.listdir(d)):
    if not name.endswith(".jsonl"):
        continue
    rows = [json.loads(l) for l in open(os.path.join(d, name), encoding="utf-8") if l.strip()]
    side_parent = {r["uuid"]: r.get("parentUuid") for r in rows if r.get("isSidechain") and "uuid" in r}
    def root(u):
        seen = {u}
        while side_parent.get(u) in side_parent and side_parent[u] not in seen:
            u = side_parent[u]; seen.add(u)
        return u
    last = {}
    order = []
    sid = None
    for r in rows:
        sid = sid or r.get("sessionId")
        if r.get("type") != "assistant":
            continue
        m = r["message"]
        if m.get("model") == "<synthetic>":
            continue
        key = r.get("requestId") or m.get("id")
        stream = "sidechain-" + root(r["uuid"])[:8] if r.get("isSidechain") else "main"
        if key not in last:
            order.append(key)
        last[key] = (stream, m["usage"])
    sess = {"total": totals(), "streams": {}}
    for key in order:
        stream, u = last[key]
        cc = u.get("cache_creation")
        w5 = cc["ephemeral_5m_input_tokens"] if cc else u.get("cache_creation_input_tokens", 0)
        w1 = cc["ephemeral_1h_input_tokens"] if cc else 0
        for t in (sess["total"], sess["streams"].setdefault(stream, totals())):
            t["turns"] += 1
            t["inputTokens"] += u["input_tokens"]
            t["cacheWrite5mTokens"] += w5
            t["cacheWrite1hTokens"] += w1
            t["cacheReadTokens"] += u.get("cache_read_input_tokens", 0)
            t["outputTokens"] += u["output_tokens"]
    out["sessions"][sid] = sess
print(json.dumps(out, indent=2, sort_keys=True))
