"""pyrevm side: one transaction runs an EVM loop of N STATICCALLs to the precompile (or N
KECCAK256 opcodes); calls/s = N / CPU time of that transaction, minus the CPU time of the same loop
calling an empty account (the loop and call overhead)."""
import sys, time
import pyrevm
sys.path.insert(0, __import__("os").path.dirname(__file__))
from inputs import CASES

def loop_code(n, target):
    c = bytes([0x36, 0x5f, 0x5f, 0x37])             # CALLDATACOPY(0, 0, CALLDATASIZE)
    c += bytes([0x62]) + n.to_bytes(3, "big")        # PUSH3 n
    loop = len(c)
    c += bytes([0x5b])                               # JUMPDEST
    if target is None:
        c += bytes([0x36, 0x5f, 0x20, 0x50])         # KECCAK256(0, CALLDATASIZE) POP
    else:
        c += bytes([0x60, 0x40, 0x61, 0x10, 0x00, 0x36, 0x5f, 0x60, target, 0x5a, 0xfa, 0x50])
    c += bytes([0x60, 0x01, 0x90, 0x03, 0x80, 0x61]) + loop.to_bytes(2, "big") + bytes([0x57, 0x00])
    return c

caller = "0x" + "11" * 20
def timed(evm, addr, data):
    t0 = time.process_time()
    evm.message_call(caller, addr, data, gas=10**12)
    return time.process_time() - t0

for name, target, data in CASES:
    evm = pyrevm.EVM()
    evm.set_balance(caller, 10**30)
    n = 20000 if target in (None, 5) and name != "modexp_256B" else (200 if target in (8, 0x0a) else 2000)
    for i, t in enumerate((target, 0x77 if target is not None else None)):
        a = "0x%040x" % (0x1000 + i)
        evm.insert_account_info(a, pyrevm.AccountInfo(code=loop_code(n, t)))
    timed(evm, "0x%040x" % 0x1000, data)                       # warm up
    best = min(timed(evm, "0x%040x" % 0x1000, data) for _ in range(3))
    empty = min(timed(evm, "0x%040x" % 0x1001, data) for _ in range(3)) if target is not None else 0.0
    print("%s %.0f" % (name, n / max(best - empty, 1e-9)))
    sys.stdout.flush()
