#!/bin/sh
# Precompile throughput, EEKit's C cores vs revm (pyrevm 0.3.7), calls per second; then the EIP-2537
# BLS12-381 cases (pyrevm 0.3.7 has none of them): EEKit microseconds per call and gas per second,
# next to blst's closest operations through pyblst when BLST_PYTHON names a python with pyblst
# (default python3; see bench_blst.py for what blst does and does not pay there).
# Usage: Benchmarks/precompiles/run.sh   (from anywhere; needs clang, python3 + pyrevm,
# libsecp256k1-dev, nettle-dev, libgmp-dev; optional BLST_PYTHON=/path/to/python with pyblst==0.3.15)
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
clang -O3 -march=native -o "$tmp/bench_eekit" "$here/bench_eekit.c" "$root"/CSources/CPrecompiles/*.c \
  "$root/CSources/CEVM/keccak.c" -I"$root/CSources/CPrecompiles/include" -I"$root/CSources/CEVM/include" \
  -lsecp256k1 -lhogweed -lnettle -lgmp
python3 -c "
import sys; sys.path.insert(0, '$here')
from inputs import CASES, BLS_CASES, OSAKA_CASES
for name, _, data in CASES + BLS_CASES + OSAKA_CASES: print(name, data.hex())" > "$tmp/inputs.txt"
"$tmp/bench_eekit" < "$tmp/inputs.txt" > "$tmp/eekit.txt"
python3 "$here/bench_pyrevm.py" > "$tmp/revm.txt"
printf '| case | EEKit calls/s | revm (pyrevm) calls/s | ratio |\n|---|---:|---:|---:|\n'
grep -v '^bls_\|^p256' "$tmp/eekit.txt" > "$tmp/eekit_cancun.txt"
paste -d' ' "$tmp/eekit_cancun.txt" "$tmp/revm.txt" | awk '{ printf "| %s | %d | %d | %.2f |\n", $1, $2, $4, $2 / $4 }'
"${BLST_PYTHON:-python3}" "$here/bench_blst.py" > "$tmp/blst.txt" || true
python3 -c "
import sys; sys.path.insert(0, '$here')
from inputs import BLS_GAS
blst = {}
for line in open('$tmp/blst.txt'):
    parts = line.split()
    if len(parts) == 2 and parts[0] != 'SKIP': blst[parts[0].split('(')[0]] = (parts[0], float(parts[1]))
print()
print('| EIP-2537 case | EEKit us/call | EEKit Mgas/s | blst (pyblst) us/call, closest operation | EEKit / blst time |')
print('|---|---:|---:|---:|---:|')
alias = {'bls_map_fp_to_g1': 'bls_hash_to_g1', 'bls_map_fp2_to_g2': 'bls_hash_to_g2'}
for line in open('$tmp/eekit.txt'):
    name, cps = line.split()
    if not name.startswith('bls_'): continue
    us = 1e6 / float(cps)
    b = blst.get(alias.get(name, name))
    print('| %s | %.1f | %.1f | %s | %s |' % (name, us, BLS_GAS[name] / us, ('%.1f (%s)' % (b[1], b[0])) if b else 'n/a',
          ('%.2f' % (us / b[1])) if b else 'n/a'))
"
# P256VERIFY (Osaka): no pyrevm peer either; OpenSSL's verify through Python's cryptography (the
# key object built per call, as a precompile must; CRYPTO_PYTHON, default python3) when importable.
"${CRYPTO_PYTHON:-python3}" - "$here" "$tmp/eekit.txt" <<'PY'
import sys, time
sys.path.insert(0, sys.argv[1])
from inputs import P256VERIFY as b
cps = dict(line.split() for line in open(sys.argv[2]))
us = 1e6 / float(cps["p256verify"])
peer = "n/a"
try:
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature
    from cryptography.hazmat.primitives import hashes
    h, r, s, x, y = b[:32], *(int.from_bytes(b[i:i + 32], "big") for i in range(32, 160, 32))
    n, t = 0, time.process_time()
    while time.process_time() - t < 1.0:
        key = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
        key.verify(encode_dss_signature(r, s), h, ec.ECDSA(Prehashed(hashes.SHA256())))
        n += 1
    peer = "%.1f" % ((time.process_time() - t) / n * 1e6)
except ImportError:
    pass
print()
print("| Osaka case | EEKit us/call | EEKit Mgas/s | OpenSSL via cryptography us/call | EEKit / OpenSSL time |")
print("|---|---:|---:|---:|---:|")
ratio = "%.2f" % (us / float(peer)) if peer != "n/a" else "n/a"
print("| p256verify | %.1f | %.1f | %s | %s |" % (us, 6900 / us, peer, ratio))
PY
