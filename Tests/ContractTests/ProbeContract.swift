import EEKit
import EEKitTestSupport
import Foundation

/// A native probe contract for NativeVsEVMTests (compiled at test time like Contracts/build.sh).
///   calldata = op (1 byte) ++ fields; u64 fields are 8 bytes big-endian.
///   op 1 CALL:   kind (1) ++ target (20) ++ value (32) ++ gas (8) ++ data
///                -> status, returndata size, gas_left before, gas_left after (u64 BE each) ++ returndata
///   op 2 CREATE: ee (1) ++ value (32) ++ use salt (1) ++ salt (32) ++ deployment data
///                -> status, returndata size, gas before, gas after ++ address (20) ++ returndata
///   op 3 CONTEXT: -> the 15 context words ++ gas_left (u64 BE)
///   op 5 abi_arg_word(i) ++ abi_has_args(i) for i = u64 (SDK bounds checks)
///   op 6 abi_return_string of n = u64 letters
///   op 7 u256_mul / u256_divmod / u256_shl / u256_shr of a, b, n (three words)
///   op 8 abi_arg_bytes(i = byte 3) of calldata laid out as selector (bytes 0-3) + ABI args;
///        byte 2 non-zero: a 16-byte buffer. Returns the bytes (abi_return_bytes) or reverts
///        with (0, len) as two u64
///   op 9 abi_revert_error with the rest of the calldata as the message
///   op 15 abi_encoder: declares byte 1 values, adds byte 2 (u64 0, 1, ...), abi_enc_return
///   op 14 abi_arg_array(i = byte 3) of calldata laid out as for op 8: (uint256 count, T[] its
///        first 200 elements) through abi_enc_words, or a revert with no data if malformed
///   op 12 u64 a, b -> a / b, a % b, and the same signed (RISC-V results for b = 0 and overflow)
///   op 11 eek_alloc(n = u64), then eek_alloc(1) -> 1 if both are 16-byte aligned, apart and zeroed
///   op 10 CALL as op 1 with the value pointer at 0x40000000 (outside guest memory): kind (1) ++
///                target (20) -> status (u64 BE)
///   op 13 abi_encoder: (uint256, bytes, address, string, bool), see the source
///   op 4 RETURNDATA after a call: kind ++ target ++ value ++ gas ++ data, then calls RETURNDATA_SIZE
///                and returns (size, copied returndata)
enum ProbeContract {
    static let source = #"""
    #include "eekit_abi.h"
    static uint8_t in[65536 + 1024];
    static uint8_t out[8192];
    static void put64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (56 - 8 * i)); }
    static uint64_t get64(const uint8_t *p) { uint64_t v = 0; for (int i = 0; i < 8; i++) v = v << 8 | p[i]; return v; }
    void eekit_main(int is_constructor) {
      if (is_constructor) return;
      size_t n = eek_calldata_size();
      if (n > sizeof in) eek_revert(0, 0);
      eek_calldata_copy(in, 0, n);
      int op = in[0];
      if (op == 1) {
        int kind = in[1];
        eek_address t; __builtin_memcpy(t.b, in + 2, 20);
        eek_word v; __builtin_memcpy(v.b, in + 22, 32);
        uint64_t g = get64(in + 54);
        size_t rl = 0;
        uint64_t g0 = eek_gas_left();
        int s = eek_call(kind, &t, &v, in + 62, n - 62, g == 0 ? EEK_GAS_ALL : (uintptr_t)g, &rl);
        uint64_t g1 = eek_gas_left();
        put64(out, (uint64_t)s); put64(out + 8, rl); put64(out + 16, g0); put64(out + 24, g1);
        if (rl > sizeof out - 32) rl = sizeof out - 32;
        eek_returndata_copy(out + 32, 0, rl);
        eek_return(out, 32 + rl);
      }
      if (op == 2) {
        int ee = in[1];
        eek_word v; __builtin_memcpy(v.b, in + 2, 32);
        int use_salt = in[34];
        eek_word salt; __builtin_memcpy(salt.b, in + 35, 32);
        eek_address a = {{0}};
        uint64_t g0 = eek_gas_left();
        size_t rl0 = 0;
        int s = eek_create_rd(in + 67, n - 67, &v, use_salt ? &salt : 0, ee, &a, &rl0);
        uint64_t g1 = eek_gas_left();
        size_t rl = eek_returndata_size();
        if (rl0 != rl) eek_revert("create_rd", 9); /* a1 must be the returndata size */
        put64(out, (uint64_t)s); put64(out + 8, rl); put64(out + 16, g0); put64(out + 24, g1);
        __builtin_memcpy(out + 32, a.b, 20);
        if (rl > sizeof out - 52) rl = sizeof out - 52;
        eek_returndata_copy(out + 52, 0, rl);
        eek_return(out, 52 + rl);
      }
      if (op == 10) { /* a value pointer the host must not read for static and delegate calls */
        eek_address t; __builtin_memcpy(t.b, in + 2, 20);
        int s = eek_call(in[1], &t, (const eek_word *)(uintptr_t)0x40000000u, 0, 0, EEK_GAS_ALL, 0);
        put64(out, (uint64_t)s);
        eek_return(out, 8);
      }
      if (op == 5) { /* SDK bounds: abi_arg_word(i) and abi_has_args(i), i = bytes 1..8 */
        size_t i = (size_t)get64(in + 1);
        eek_word w = abi_arg_word(i);
        __builtin_memcpy(out, w.b, 32);
        out[32] = (uint8_t)abi_has_args(i);
        eek_return(out, 33);
      }
      if (op == 6) { /* abi_return_string of bytes 1..8 letters 'a' */
        size_t k = (size_t)get64(in + 1);
        static char text[20000];
        for (size_t j = 0; j < sizeof text; j++) text[j] = 'a';
        abi_return_string(text, k);
      }
      if (op == 7) { /* u256 arithmetic: a, b, n (words at 1, 33, 65) -> a*b, overflow, a/b, a%b, a<<n, a>>n */
        eek_word wa, wb, wn; __builtin_memcpy(wa.b, in + 1, 32); __builtin_memcpy(wb.b, in + 33, 32);
        __builtin_memcpy(wn.b, in + 65, 32);
        u256 a = u256_from_word(&wa), b = u256_from_word(&wb), nn = u256_from_word(&wn), r, q, m;
        unsigned sh = (nn.l[1] | nn.l[2] | nn.l[3] || nn.l[0] > 1000) ? 1000u : (unsigned)nn.l[0];
        int ovf = u256_mul(&r, a, b);
        u256_divmod(&q, &m, a, b);
        u256 res[6] = {r, u256_from_u64((uint64_t)ovf), q, m, u256_shl(a, sh), u256_shr(a, sh)};
        for (int i = 0; i < 6; i++) { eek_word w = u256_to_word(res[i]); __builtin_memcpy(out + 32 * i, w.b, 32); }
        eek_return(out, 192);
      }
      if (op == 8) { /* abi_arg_bytes: calldata = 8, _, small buffer?, i ++ ABI args */
        /* The probe's op byte and two padding bytes stand in for the selector's first three. */
        size_t i = in[3], len = 0;
        static uint8_t buf[4096];
        int ok = abi_arg_bytes(i, buf, in[2] ? 16 : sizeof buf, &len);
        if (!ok) { put64(out, 0); put64(out + 8, len); eek_revert(out, 16); }
        abi_return_bytes(buf, len);
      }
      if (op == 14) { /* abi_arg_array: calldata = 14, _, _, i ++ ABI args */
        size_t i = in[3], count = 0, at = 0;
        if (!abi_arg_array(i, &count, &at)) eek_revert(0, 0);
        static eek_word items[200];
        size_t k = count < 200 ? count : 200;
        for (size_t j = 0; j < k; j++) items[j] = abi_calldata_word(at + 32 * j);
        abi_encoder e;
        abi_enc_begin(&e, out, sizeof out, 2);
        abi_enc_u64(&e, count);
        abi_enc_words(&e, items, k);
        abi_enc_return(&e);
      }
      if (op == 15) { /* abi_encoder: declare in[1] values, add in[2] u64 values 0, 1, ... */
        abi_encoder e;
        abi_enc_begin(&e, out, sizeof out, in[1]);
        for (int k = 0; k < in[2]; k++) abi_enc_u64(&e, (uint64_t)k);
        abi_enc_return(&e);
      }
      if (op == 9) abi_revert_error((const char *)in + 1, n - 1);
      if (op == 12) { /* 64-bit division (RV32: eekit_rt.c's __udivdi3 & co.): a, b at 1, 9 */
        volatile uint64_t a = get64(in + 1), b = get64(in + 9);
        volatile int64_t sa = (int64_t)a, sb = (int64_t)b;
        put64(out, a / b); put64(out + 8, a % b); put64(out + 16, (uint64_t)(sa / sb)); put64(out + 24, (uint64_t)(sa % sb));
        eek_return(out, 32);
      }
      if (op == 11) { /* eek_alloc(n = bytes 1..8) then eek_alloc(1): aligned, zeroed, apart */
        size_t k = (size_t)get64(in + 1);
        uint8_t *p = (uint8_t *)eek_alloc(k), *q = (uint8_t *)eek_alloc(1);
        int ok = ((uintptr_t)p & 15) == 0 && ((uintptr_t)q & 15) == 0 && q >= p + k;
        for (size_t j = 0; j < k; j++) ok &= p[j] == 0;
        __builtin_memset(p, 0x5a, k);
        out[0] = (uint8_t)ok;
        eek_return(out, 1);
      }
      if (op == 13) { /* abi_encoder: (uint256 a, bytes x, address b, string y, bool c) from
                         a (32) ++ b (20) ++ c (1) ++ len x (2) ++ x ++ y; byte 1: buffer size / 32
                         (0: the whole buffer) */
        eek_word wa; __builtin_memcpy(wa.b, in + 2, 32);
        eek_address b; __builtin_memcpy(b.b, in + 34, 20);
        size_t lx = (size_t)in[55] << 8 | in[56];
        if (57 + lx > n) eek_revert(0, 0);
        abi_encoder e;
        abi_enc_begin(&e, out, in[1] ? 32u * in[1] : sizeof out, 5);
        abi_enc_word(&e, wa);
        abi_enc_bytes(&e, in + 57, lx);
        abi_enc_address(&e, &b);
        abi_enc_bytes(&e, in + 57 + lx, n - 57 - lx);
        abi_enc_bool(&e, in[54]);
        abi_enc_return(&e);
      }
      if (op == 3) {
        for (int i = 0; i < 15; i++) { eek_word w; eek_context(i, &w); __builtin_memcpy(out + 32 * i, w.b, 32); }
        put64(out + 480, eek_gas_left());
        eek_return(out, 488);
      }
      eek_revert(0, 0);
    }
    """#

    static let elf: Result<Bytes, Fixtures.BuildError> = build(xlen: 64)
    static let elf32: Result<Bytes, Fixtures.BuildError> = build(xlen: 32)

    static func build(xlen: Int) -> Result<Bytes, Fixtures.BuildError> {
        let dir: URL
        do { dir = try TestFiles.processFolder("probe\(xlen)") } catch {
            return .failure(Fixtures.BuildError(message: "\(error)", what: "a folder for the probe contract"))
        }
        let src = dir.appendingPathComponent("probe\(xlen).c"), out = dir.appendingPathComponent("probe\(xlen).elf")
        do { try source.write(to: src, atomically: true, encoding: .utf8) } catch {
            return .failure(Fixtures.BuildError(message: "\(error)", what: "writing the probe contract"))
        }
        let inc = Fixtures.root.appendingPathComponent("Contracts/include").path
        let target = xlen == 64 ? ["--target=riscv64", "-march=rv64im", "-mabi=lp64"] : ["--target=riscv32", "-march=rv32im", "-mabi=ilp32"]
        let flags = ["clang"] + target + ["-nostdlib", "-ffreestanding", "-static",
                     "-fuse-ld=lld", "-O2", "-I\(inc)", "-Wl,--strip-all", "-Wl,-z,norelro",
                     "-o", out.path, "\(inc)/crt0.S", "\(inc)/eekit_rt.c", src.path]
        if let e = Fixtures.run("/usr/bin/env", flags, what: "clang (the probe contract)") { return .failure(e) }
        do { return .success(Array(try Data(contentsOf: out))) } catch {
            return .failure(Fixtures.BuildError(message: "\(error)", what: "reading the probe contract"))
        }
    }

    /// A u64 as 8 big-endian bytes (`be` reads them back): the probe contracts' field encoding,
    /// which the native system-call suites' contracts use too.
    static func u64(_ v: UInt64) -> Bytes { (0..<8).map { UInt8(truncatingIfNeeded: v >> (56 - 8 * UInt64($0))) } }
    static func call(kind: UInt8, _ target: Address, value: U256 = .zero, gas: UInt64 = 0, _ data: Bytes = []) -> Bytes {
        [1, kind] + target.bytes + value.bigEndianBytes + u64(gas) + data
    }
    static func create(ee: UInt8, value: U256 = .zero, salt: Bytes32? = nil, _ data: Bytes) -> Bytes {
        [2, ee] + value.bigEndianBytes + [salt == nil ? 0 : 1] + (salt?.bytes ?? Bytes(repeating: 0, count: 32)) + data
    }

    struct Result4 {
        var status: UInt64, returndataSize: UInt64, before: UInt64, after: UInt64
        var address: Address?
        var returndata: Bytes
    }
    static func be(_ b: ArraySlice<UInt8>) -> UInt64 { b.reduce(0) { $0 << 8 | UInt64($1) } }
    static func decode(_ r: Receipt, create: Bool = false) -> Result4? {
        guard r.status == .success else { return nil }
        return decode(bytes: r.output, create: create)
    }
    static func decode(bytes o: Bytes, create: Bool = false) -> Result4? {
        guard o.count >= (create ? 52 : 32) else { return nil }
        return Result4(status: be(o[0..<8]), returndataSize: be(o[8..<16]), before: be(o[16..<24]), after: be(o[24..<32]),
                       address: create ? Address(Array(o[32..<52])) : nil, returndata: Array(o[(create ? 52 : 32)...]))
    }
}
