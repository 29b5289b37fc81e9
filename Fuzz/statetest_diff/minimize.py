"""Minimize one EEKit/execution-specs disagreement.
usage: /tmp/eesvenv/bin/python Fuzz/statetest_diff/minimize.py FILE TESTNAME FORK INDEX OUT.json [--any]
Keeps one post entry, refills it with the reference after every reduction and keeps a reduction
when EEKit still disagrees in the same way (same failure kind: logs / root / rejected / valid).
Prague tests: authorization tuples are dropped one at a time, delegation designators (0xef0100 ||
address) are kept whole rather than cut like code, and long calldata is halved."""
import json, os, subprocess, sys, tempfile, copy
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from refrun import run_case

EEKIT = os.environ.get("EEKIT", os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), ".build-contracts/release/eekit"))
SENDER = "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b"


def fill(t, fork):
    root, logs, rej, gas = run_case(t, fork, 0, 0, 0)
    e = {"indexes": {"data": 0, "gas": 0, "value": 0}, "hash": root, "logs": logs}
    if rej:
        e["expectException"] = "TR_" + rej[:100]
    t = copy.deepcopy(t)
    t["post"] = {fork: [e]}
    return t


def eekit_kind(t, name="min"):
    fd, p = tempfile.mkstemp(suffix=".json")
    with os.fdopen(fd, "w") as fh:
        json.dump({name: t}, fh)
    r = subprocess.run([EEKIT, "statetest", p, "--fork", "all", "--json"], capture_output=True, text=True, timeout=120)
    os.remove(p)
    try:
        res = json.loads(r.stdout[r.stdout.index("{"):])
    except Exception:
        return "crash"
    if not res["failures"]:
        return None
    reason = res["failures"][0]["reason"]
    for k in ("logs hash", "state root", "transaction rejected", "but the transaction was valid"):
        if reason.startswith(k) or k in reason:
            return k
    return reason[:40]


def instrs(code):
    out, i = [], 0
    while i < len(code):
        op = code[i]
        n = op - 0x5f if 0x60 <= op <= 0x7f else 0
        out.append(code[i:i + 1 + n])
        i += 1 + n
    return out


def main():
    f, name, fork, idx, outp = sys.argv[1:6]
    anyfail = "--any" in sys.argv
    t = json.load(open(f))[name]
    e = t["post"][fork][int(idx)]
    ix = e["indexes"]
    tx = t["transaction"]
    tx["data"] = [tx["data"][ix["data"]]]
    tx["gasLimit"] = [tx["gasLimit"][ix["gas"]]]
    tx["value"] = [tx["value"][ix["value"]]]
    if "accessLists" in tx:
        tx["accessLists"] = [tx["accessLists"][ix["data"]]]
    t.pop("_info", None)
    base = fill(t, fork)
    kind0 = eekit_kind(base)
    print("initial kind:", kind0)
    if kind0 is None:
        print("no disagreement")
        return

    def ok(cand):
        try:
            c = fill(cand, fork)
        except Exception as ex:
            return None
        k = eekit_kind(c)
        if k is None:
            return None
        if anyfail or k == kind0:
            return c
        return None

    cur = base
    changed = True
    while changed:
        before = json.dumps(cur, sort_keys=True)
        # drop accounts
        for a in list(cur["pre"]):
            if a.lower() == SENDER:
                continue
            c = copy.deepcopy(cur)
            del c["pre"][a]
            r = ok(c)
            if r:
                cur, changed = r, True
                print("dropped account", a)
        # drop storage / zero balances / nonces
        for a in list(cur["pre"]):
            for k in list(cur["pre"][a].get("storage", {})):
                c = copy.deepcopy(cur)
                del c["pre"][a]["storage"][k]
                r = ok(c)
                if r:
                    cur, changed = r, True
            for fld, v in (("nonce", "0x0"), ("balance", "0x0")):
                if cur["pre"][a][fld] != v and not (a.lower() == SENDER and fld == "nonce"):
                    c = copy.deepcopy(cur)
                    c["pre"][a][fld] = v
                    r = ok(c)
                    if r:
                        cur, changed = r, True
        # code ddmin (accounts + create data)
        targets = [("pre", a) for a in cur["pre"] if cur["pre"][a]["code"] not in ("0x", "")
                   and not (cur["pre"][a]["code"].lower().startswith("0xef0100") and len(cur["pre"][a]["code"]) == 48)]
        if cur["transaction"]["to"] == "":
            targets.append(("data", 0))
        for kind, key in targets:
            def get(c):
                return c["pre"][key]["code"] if kind == "pre" else c["transaction"]["data"][0]

            def put(c, hexs):
                if kind == "pre":
                    c["pre"][key]["code"] = hexs
                else:
                    c["transaction"]["data"][0] = hexs
            ins = instrs(bytes.fromhex(get(cur)[2:]))
            n = max(1, len(ins) // 2)
            while n >= 1:
                i = 0
                while i < len(ins):
                    cand_ins = ins[:i] + ins[i + n:]
                    c = copy.deepcopy(cur)
                    put(c, "0x" + b"".join(cand_ins).hex())
                    r = ok(c)
                    if r:
                        cur, ins, changed = r, cand_ins, True
                    else:
                        i += n
                n //= 2
            print("code", kind, key, "->", len(ins), "instrs")
        # simplify tx data
        if cur["transaction"]["to"] != "" and cur["transaction"]["data"][0] != "0x":
            c = copy.deepcopy(cur)
            c["transaction"]["data"][0] = "0x"
            r = ok(c)
            if r:
                cur, changed = r, True
        # EIP-7702 authorizations: drop one tuple at a time
        for i in reversed(range(len(cur["transaction"].get("authorizationList", [])))):
            c = copy.deepcopy(cur)
            del c["transaction"]["authorizationList"][i]
            r = ok(c)
            if r:
                cur, changed = r, True
                print("dropped authorization", i)
        # long calldata (EIP-7623 floor cases): halve it while the disagreement stays
        while cur["transaction"]["to"] != "" and len(cur["transaction"]["data"][0]) > 130:
            c = copy.deepcopy(cur)
            d = c["transaction"]["data"][0]
            c["transaction"]["data"][0] = d[:2 + (len(d) - 2) // 4 * 2]
            r = ok(c)
            if not r:
                break
            cur, changed = r, True
        if cur["transaction"].get("accessLists"):
            c = copy.deepcopy(cur)
            c["transaction"]["accessLists"] = [[]]
            r = ok(c)
            if r:
                cur, changed = r, True
        changed = json.dumps(cur, sort_keys=True) != before
    json.dump({"repro": cur}, open(outp, "w"), indent=1)
    print("final kind", eekit_kind(cur))
    print(json.dumps(cur, indent=1))


main()
