"""Reference runner: execution-specs (PyPI ethereum-execution 2.20.0, venv /tmp/eesvenv).
run_case(test_dict, fork_name, d, g, v) -> (state_root_hex, logs_hash_hex, rejected_msg_or_None)
Modeled on ethereum_spec_tools.evm_tools.statetest.run_test_case (state-test mode: no rewards,
invalid tx -> state restored to pre).

Prague (ethereum.forks.prague): type-4 transactions pass their `authorizationList` through; the
reference recovers each authority from (chainId, address, nonce, yParity/v, r, s) itself (EEST's
`signer` field is not read: a signer that disagrees with the signature cannot mislead it; a
tuple with only `yParity` gets it as `v`, the field the t8n loader reads). `config.chainid` is
the chain id authorizations are checked against; `config.blobSchedule[fork]`, when it differs
from the fork's own parameters (Cancun 3/6/3338477, Prague and Osaka 6/9/5007716, BPO1
10/15/8346193, BPO2 14/21/11684671), is given to the
reference as blob parameters (its first run under a new schedule builds a clone of the fork,
about 30 s; before Osaka the clone keeps the fork's blob maximum, which is a literal there, and
takes only the update fraction); the EIP-7623 calldata floor is the reference's own."""
import json, sys, logging
from copy import deepcopy
from io import StringIO
from ethereum_spec_tools.evm_tools.t8n import T8N, ForkCache
from ethereum_spec_tools.forks import Hardfork
from ethereum_spec_tools.evm_tools import create_parser
from Crypto.Hash import keccak

logging.getLogger("T8N").setLevel(logging.ERROR)
logging.disable(logging.WARNING)

# Fork discovery is slow: the installed forks are found once. A search elsewhere (the clone of a
# fork with other blob parameters, below) still searches (patching that too broke every such run).
_discover = Hardfork.discover.__func__
_disc = _discover(Hardfork)
Hardfork.discover = classmethod(lambda cls, where=None: _disc if where is None else _discover(cls, where))
_parser = create_parser()
_cache = ForkCache()

# JSON fork key -> name execution-specs' t8n understands
FORKMAP = {"Frontier": "Frontier", "Homestead": "Homestead", "EIP150": "EIP150", "EIP158": "EIP158",
           "Byzantium": "Byzantium", "ConstantinopleFix": "ConstantinopleFix", "Istanbul": "Istanbul",
           "Berlin": "Berlin", "London": "London", "Paris": "Paris", "Shanghai": "Shanghai", "Cancun": "Cancun",
           "Prague": "Prague", "Osaka": "Osaka", "BPO1": "BPO1", "BPO2": "BPO2"}
# each fork's own blob parameters (target, max, baseFeeUpdateFraction): a config.blobSchedule with
# these is the default, anything else is passed on
BLOB_DEFAULT = {"Cancun": (3, 6, 3338477), "Prague": (6, 9, 5007716), "Osaka": (6, 9, 5007716),
                "BPO1": (10, 15, 8346193), "BPO2": (14, 21, 11684671)}


def _int(x):
    return int(x, 0) if isinstance(x, str) else int(x)

# Numbers written in decimal without 0x, as 2016-2017 fillings write some (a transaction's
# "value": ["634395362"]): EEKit's loader reads them as decimal, as the filler meant, but t8n
# reads every such string as hex, so a review saw four false differences. They are given to the
# reference as 0x hex. Only known number fields: an address may be all digits.
_NUMBER_KEYS = {"currentNumber", "currentTimestamp", "currentGasLimit", "currentDifficulty", "currentBaseFee",
                "currentExcessBlobGas", "currentRandom", "gasLimit", "value", "gasPrice", "nonce",
                "maxFeePerGas", "maxPriorityFeePerGas", "maxFeePerBlobGas", "balance"}

def _hexnum(x):
    return hex(int(x)) if isinstance(x, str) and x.isdigit() else x

def _normalized(key, value):
    if key not in _NUMBER_KEYS: return value
    return [_hexnum(x) for x in value] if isinstance(value, list) else _hexnum(value)

def run_case(test, fork, d, g, v):
    env = {k: _normalized(k, x) for k, x in test["env"].items()}
    pre = {a: {k: _normalized(k, x) for k, x in acct.items()} for a, acct in test["pre"].items()}
    # BLOCKHASH of the 256 blocks before this one: keccak256 of the decimal number, as geth's
    # state-test runner (vmTestBlockHash) and EEKit's Bootloader answer it (without them the
    # reference crashed on a past block's hash, a reference error instead of a comparison).
    # t8n reads the keys as hex (`int(key, 16)`): decimal keys named other blocks from block 10
    # on (a review found BLOCKHASH(256) at block 257 answered with keccak("100")).
    number = int(env["currentNumber"], 0)
    env["blockHashes"] = {hex(n): "0x" + keccak.new(digest_bits=256, data=str(n).encode()).hexdigest()
                          for n in range(max(0, number - 256), number)}
    env["withdrawals"] = []
    tx = {}
    for k, value in test["transaction"].items():
        value = _normalized(k, value)
        if k == "data": tx["input"] = value[d]
        elif k == "gasLimit": tx["gas"] = value[g]
        elif k == "value": tx[k] = value[v]
        elif k == "accessLists":
            if value[d] is not None: tx["accessList"] = value[d]
        elif k == "authorizationList":
            tx[k] = [dict(a, v=a.get("v", a.get("yParity"))) for a in value]
        else: tx[k] = value
    stdin = {"env": env, "alloc": pre, "txs": [tx]}
    argv = ["t8n", "--input.alloc", "stdin", "--input.env", "stdin", "--input.txs", "stdin",
            "--state.fork", FORKMAP[fork], "--state-test"]
    config = test.get("config", {})
    if "chainid" in config:
        argv += ["--state.chainid", str(_int(config["chainid"]))]
    sched = config.get("blobSchedule", {}).get(fork)
    if sched is not None:
        params = (_int(sched["target"]), _int(sched["max"]), _int(sched["baseFeeUpdateFraction"]))
        if params != BLOB_DEFAULT.get(fork):
            stdin["blobParams"] = {"target": params[0], "max": params[1], "baseFeeUpdateFraction": params[2]}
            argv += ["--input.blobParams", "stdin"]
    inp = StringIO(json.dumps(stdin))
    out = StringIO()
    opts = _parser.parse_args(argv)
    t8n = T8N(opts, out, inp, _cache)
    t8n.run_state_test()
    r = t8n.result
    rej = r.rejected.get(0) if r.rejected else None
    return "0x" + bytes(r.state_root).hex(), "0x" + bytes(r.logs_hash).hex(), rej, r.gas_used

if __name__ == "__main__":
    # usage: refrun.py FILE [FILE...]  -> checks every post entry against the reference: the root,
    # the logs hash, and that a rejection happens exactly where the entry has expectException
    agree = total = 0
    for f in sys.argv[1:]:
        for name, t in json.load(open(f)).items():
            for fork, ents in t["post"].items():
                if fork not in FORKMAP: print("skip", name, fork); continue
                for i, e in enumerate(ents):
                    ix = e["indexes"]
                    root, logs, rej, gas = run_case(t, fork, ix["data"], ix["gas"], ix["value"])
                    ok = root == e["hash"].lower() and logs == e["logs"].lower()
                    ok_rej = (rej is not None) == ("expectException" in e)
                    total += 1
                    agree += ok and ok_rej
                    print(("OK  " if ok and ok_rej else "BAD " if not ok else "REJ "), name, fork, i, root, logs, "gas", gas, rej or "")
    print("agree %d of %d" % (agree, total))
