"""Differential campaign: random state tests, expected post state from execution-specs, checked by EEKit.

Set-up (once): python3 -m venv /tmp/eesvenv && /tmp/eesvenv/bin/pip install ethereum-execution==2.20.0
Run (one process; the reference is single-threaded Python), from the repository root after a
release build (swift build -c release --product eekit --scratch-path .build-contracts):
    /tmp/eesvenv/bin/python Fuzz/statetest_diff/campaign.py --seed 1 --minutes 60 [--batch 25]
      [--out /tmp/eekit-statetest-diff] [--eekit PATH] [--forks Frontier,Cancun,...] [--combos 3]
      [--prague FRACTION]

Each batch of generated tests is filled with the reference (refrun.py: execution-specs t8n in
state-test mode) for every fork the transaction type allows (Frontier..Cancun, no EIP-1283
"Constantinople": execution-specs has no such fork), written to OUT/batch_NNNN.json, and run with
`eekit statetest FILE --fork all --json`. Disagreements go to OUT/failures.jsonl (batch files with
a failure are kept, the others deleted); per-fork counts to OUT/summary.json.
--prague FRACTION makes that share of the tests with gen.gen_test_prague (Prague posts only: type-4
set-code transactions and authorizations, delegated accounts in the generated code, calldata near
the EIP-7623 floor, 7-10 blobs, EIP-2537 precompile calls); `--forks Prague` alone means
--prague 1. Without either the random stream is the one before Prague, so a seed makes the same
Frontier..Cancun tests as it did. --no-bls keeps Prague tests away from 0x0b-0x11 (for a build
without EIP-2537); otherwise each test's `_info.bls` says whether anything reaches them.
Re-check a single filled file with the reference:  /tmp/eesvenv/bin/python refrun.py FILE
--osaka (or --forks naming Osaka) posts those Prague tests under Osaka as well and draws Osaka's
additions into them (CLZ, P256VERIFY at 0x100, modexp lengths around 1024 bytes, gas limits
above 2^24, 7 blobs); the same test then checks both forks' rules.
--bpo (or --forks naming BPO1 or BPO2) also posts them under BPO1 and BPO2, with excess blob gas
and blob fee caps large enough that the forks' blob base fees differ, and a fifth of each fork's
config.blobSchedule entries one of two chains' own schedules (execution-specs takes them as
blobParams, building a clone of the fork for each, about 30 s the first time).
"""
import argparse, json, os, random, signal, subprocess, sys, time, traceback
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen
from refrun import run_case

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Before Spurious Dragon the fillers' runner (geth's) pays the coinbase a zero reward after a
# rejected transaction too, which creates it; execution-specs leaves the state as it was. EEKit
# follows the fillers, so such entries are left out rather than compared.
PRE_EIP161 = {"Frontier", "Homestead", "EIP150"}

ap = argparse.ArgumentParser()
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--minutes", type=float, default=60)
ap.add_argument("--batch", type=int, default=25)
ap.add_argument("--out", default="/tmp/eekit-statetest-diff")
ap.add_argument("--eekit", default=os.path.join(ROOT, ".build-contracts/release/eekit"))
ap.add_argument("--forks", default="")
ap.add_argument("--combos", type=int, default=3)
ap.add_argument("--keep", action="store_true", help="keep passing batch files too")
ap.add_argument("--prague", type=float, default=None, help="share of Prague-only tests (0..1)")
ap.add_argument("--no-bls", action="store_true", help="Prague tests without EIP-2537 calls (0x0b-0x11)")
ap.add_argument("--bpo", action="store_true",
                help="with --osaka: post those tests under BPO1 and BPO2 too, with larger blob fees and some random blob schedules")
ap.add_argument("--osaka", action="store_true",
                help="post the Prague tests under Osaka too, with Osaka's additions (CLZ, P256VERIFY, modexp bounds, gas cap)")
args = ap.parse_args()
os.makedirs(args.out, exist_ok=True)
only = set(args.forks.split(",")) if args.forks else None
prague = args.prague if args.prague is not None else (1.0 if only and only <= {"Prague", "Osaka", "BPO1", "BPO2"} else 0.0)
gen.BPO = args.bpo or bool(only and only & {"BPO1", "BPO2"})
gen.OSAKA = args.osaka or gen.BPO or bool(only and "Osaka" in only)
gen.PRAGUE_BLS = not args.no_bls


class Timeout(Exception):
    pass


def _alarm(*_):
    raise Timeout()


signal.signal(signal.SIGALRM, _alarm)

stats = {f: {"entries": 0, "rejected": 0, "fail": 0, "skip": 0} for f in gen.ALL_FORKS}
summary = {"seed": args.seed, "prague": prague, "tests": 0, "ref_errors": 0, "ref_timeouts": 0, "batches": 0, "stats": stats}
failf = open(os.path.join(args.out, "failures.jsonl"), "a")
errf = open(os.path.join(args.out, "ref_errors.log"), "a")
t_end = time.time() + args.minutes * 60
rng = random.Random(args.seed)
schedules_met = set()
bn = 0
while time.time() < t_end:
    bn += 1
    batch = {}
    for ti in range(args.batch):
        name = "s%d_b%d_t%d" % (args.seed, bn, ti)
        # draw for the Prague share only when there is one (the old stream stays as it was)
        if prague > 0 and (prague >= 1 or rng.random() < prague):
            test, forks, meta = gen.gen_test_prague(rng)
        else:
            test, forks, meta = gen.gen_test(rng)
        if only:
            forks = [f for f in forks if f in only]
        nd, ng, nv = len(test["transaction"]["data"]), len(test["transaction"]["gasLimit"]), len(test["transaction"]["value"])
        combos = [(d, g, v) for d in range(nd) for g in range(ng) for v in range(nv)]
        if len(combos) > args.combos:
            combos = rng.sample(combos, args.combos)
        post = {}
        for f in forks:
            ents = []
            for (d, g, v) in combos:
                try:
                    # the first entry under a (fork, blob schedule) the reference has not met
                    # waits for it to build that fork's clone (refrun.py; about 30 s)
                    sched = (f, json.dumps(test.get("config", {}).get("blobSchedule", {}).get(f), sort_keys=True))
                    signal.alarm(30 if sched in schedules_met else 600)
                    schedules_met.add(sched)
                    root, logs, rej, gas = run_case(test, f, d, g, v)
                    signal.alarm(0)
                except Timeout:
                    summary["ref_timeouts"] += 1
                    errf.write("TIMEOUT %s %s %s\n" % (name, f, (d, g, v)))
                    continue
                except Exception as e:
                    signal.alarm(0)
                    summary["ref_errors"] += 1
                    errf.write("ERROR %s %s %s %r\n%s\n" % (name, f, (d, g, v), e, traceback.format_exc()[-1500:]))
                    continue
                e = {"indexes": {"data": d, "gas": g, "value": v}, "hash": root, "logs": logs}
                if rej is not None:
                    coinbase = test["env"]["currentCoinbase"].lower()
                    if f in PRE_EIP161 and coinbase not in {a.lower() for a in test["pre"]}:
                        continue
                    if not rej.startswith("Failed transaction"):
                        errf.write("PARSE %s %s %s %s\n" % (name, f, (d, g, v), rej))
                    e["expectException"] = "TR_" + rej[:120]
                    stats[f]["rejected"] += 1
                ents.append(e)
                stats[f]["entries"] += 1
            if ents:
                post[f] = ents
        test["post"] = post
        test["_info"] = {"comment": "random differential test", **meta}
        batch[name] = test
        summary["tests"] += 1
    errf.flush()
    path = os.path.join(args.out, "batch_%d_%04d.json" % (args.seed, bn))
    with open(path, "w") as fh:
        json.dump(batch, fh)
    p = subprocess.run([args.eekit, "statetest", path, "--fork", "all", "--json"], capture_output=True, text=True, timeout=600)
    try:
        out = p.stdout
        res = json.loads(out[out.index("{"):])
    except Exception:
        failf.write(json.dumps({"file": path, "eekit_crash": True, "rc": p.returncode, "stderr": p.stderr[-2000:], "stdout": p.stdout[-2000:]}) + "\n")
        failf.flush()
        summary["batches"] += 1
        continue
    for fl in res["failures"]:
        stats.setdefault(fl["fork"], {"entries": 0, "rejected": 0, "fail": 0, "skip": 0})["fail"] += 1
        failf.write(json.dumps(fl) + "\n")
    for sk in res.get("skips", []):
        f = sk.get("fork") if isinstance(sk, dict) else None
        if f in stats:
            stats[f]["skip"] += 1
    # entries of a fork EEKit does not implement are neither run nor failed: count them, so that
    # a Prague campaign against a build without Prague cannot look clean
    for f, n in res.get("notImplementedForks", {}).items():
        summary.setdefault("not_run", {})[f] = summary.get("not_run", {}).get(f, 0) + n
    failf.flush()
    if not res["failures"] and not res.get("skips") and not args.keep:
        os.remove(path)
    summary["batches"] += 1
    with open(os.path.join(args.out, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=1)
    print("batch", bn, "tests", summary["tests"], "entries", sum(s["entries"] for s in stats.values()),
          "fails", sum(s["fail"] for s in stats.values()), "referr", summary["ref_errors"],
          *(["not-run", summary["not_run"]] if summary.get("not_run") else []), flush=True)
print(json.dumps(summary, indent=1))
