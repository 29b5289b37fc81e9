"""Group a campaign's disagreements: /tmp/eesvenv/bin/python Fuzz/statetest_diff/triage.py OUT [N]
Reads OUT/failures.jsonl and the kept batch files, and prints per group (fork, failure kind,
transaction type, whether the test reaches an EIP-2537 address, whether it has authorizations)
the count and up to N examples (file, test, entry index) to give to minimize.py."""
import collections, json, os, re, sys

out = sys.argv[1]
n_ex = int(sys.argv[2]) if len(sys.argv) > 2 else 3
tests = {}
groups = collections.defaultdict(list)
crashes = 0
for line in open(os.path.join(out, "failures.jsonl")):
    fl = json.loads(line)
    if fl.get("eekit_crash"):
        crashes += 1
        print("EEKit crash on", fl["file"], fl.get("stderr", "")[-300:])
        continue
    f = fl["file"]
    if f not in tests:
        tests[f] = json.load(open(f)) if os.path.exists(f) else {}
    t = tests[f].get(fl["name"], {})
    info = t.get("_info", {})
    reason = fl["reason"]
    kind = ("logs" if reason.startswith("logs hash") else "root" if reason.startswith("state root")
            else "rejected-by-eekit" if "transaction rejected" in reason
            else "valid-in-eekit" if "but the transaction was valid" in reason else re.sub(r"0x[0-9a-f]+", "#", reason)[:60])
    key = (fl["fork"], kind, info.get("ttype", "?"), "bls" if info.get("bls") else "-",
           "auth%d" % info["authorizations"] if "authorizations" in info else "")
    groups[key].append((f, fl["name"], fl["index"], reason[:160]))
for key, items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
    print("%5d  %s" % (len(items), "  ".join(key)))
    for f, name, idx, reason in items[:n_ex]:
        print("         %s %s %s  %s" % (f, name, idx, reason))
print("groups", len(groups), "failures", sum(len(v) for v in groups.values()), "crashes", crashes)
