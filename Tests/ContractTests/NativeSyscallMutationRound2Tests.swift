import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// The second mutation-testing round on the native system-call layer (RISCVEnvironment and the
/// guest-memory checks of RISCVBuffers it calls): each test pins an edge a surviving mutation
/// changed. Expected values come from eekit.h / Contracts/README.md (numbers, registers, error
/// rules, prices) and, where a system call mirrors an EVM operation, from the EIP it follows.
@Suite(.serialized) struct NativeSyscallMutationRound2Tests {
    /// calldata[0] is the operation (u64 fields are 8 bytes big-endian):
    ///   1 ++ inner: static-call self with `inner`; return the status (u64) ++ the returndata
    ///   2 ++ addr20 ++ inner: delegate-call addr with `inner`; return the status (u64) ++ the
    ///      returndata
    ///   3: SSTORE(1, 1)            4: TSTORE(1, 5)            5 ++ addr20: SELFDESTRUCT(addr)
    ///   6: CREATE of empty EVM init code; return the status
    ///   7 ++ addr20: CALLCODE addr with value 1; return the status
    ///   8 ++ id (u64): the raw CONTEXT(id); return the word
    ///   9: the raw GAS_LEFT; return a0 and a1 (u64 each)
    ///   10 ++ 32 bytes: SSTORE_LE(2, bytes), then SLOAD(2) and SLOAD_LE(2); return both words
    ///   11 ++ addr20 ++ addr2: the gas of one system call each (measured with GAS_LEFT around it):
    ///      CONTEXT(CHAIN_ID) (the baseline: no price of its own), TLOAD, TSTORE, BLOCK_HASH,
    ///      BLOB_HASH, BALANCE(addr), CODE_SIZE(addr), KECCAK256 of 0 bytes,
    ///      CODE_SIZE(addr2) (u64 each)
    ///   12 ++ off ++ len: call self with op 20 (64 bytes of output), then the raw
    ///      RETURNDATA_COPY(buf, off, len); return the first `len` bytes of buf (len <= 64)
    ///   13: CREATE of EVM init code that reverts, with the address output in read-only memory
    ///   14: KECCAK256 and LOG0 of 0 bytes at a pointer outside guest memory; return the hash
    ///   15: RETURN of 0 bytes at a pointer outside guest memory
    ///   16 ++ which: a system call writing into read-only memory (0 CALLER, 1 CALLVALUE,
    ///      2 KECCAK256's result, 3 CALLDATA_COPY, 4 SLOAD's result); returns if it did not fail
    ///   17: KECCAK256 of 32 bytes at the last 16 bytes of the address space
    ///   18 ++ gas: call self (op 21) with that raw gas argument; return the status ++ the output
    ///   19 ++ ee (u64): eek_create of empty init code with that EE kind (the SDK passes the whole
    ///      register); return the status
    ///   20: return bytes 0...63        21: return GAS_LEFT (u64)
    ///   22 ++ value (32) ++ init code: CREATE (EVM) with that value; status ++ address
    ///   23 ++ init code: CREATE2 (EVM) with an all-zero salt word; status ++ address
    ///   24 ++ n ++ n topics: LOG n topics with data "hi"
    ///   26 ++ len ++ mode: call self with op 27 (len bytes of output), then mode 0
    ///      REVERT_RETURNDATA, 1 RETURN_RETURNDATA, 2 RETURNDATA_COPY of all of it and RETURN
    ///      of nothing       27 ++ len: RETURN of len bytes
    ///   28 ++ k ++ n ++ n bytes: SSTORE each byte's value to slot k in turn; return the gas of
    ///      each (u64)
    ///   29: the gas of LOG0 ... LOG4 of one byte (u64 each)
    ///   30 ++ init code: CREATE (EVM); return the status, a1 and RETURNDATA_SIZE (u64 each)
    ///   31 ++ kind (u64) ++ addr20: eek_call of that kind (the SDK passes the whole register), no
    ///      value, no data; return the status
    ///   32: CALLVALUE from the frame block and from the system call (two words)
    ///   33 ++ len: the gas of a CALL of 0xdead (no code) with `len` bytes of calldata
    ///   34: call self (op 21) with value 1 and a gas request of 0; status ++ the callee's gas
    ///   35 ++ len ++ over: grow the heap by two pages, then CALLDATA_COPY of `len` bytes ending
    ///      `over` bytes past the break (len <= 8192 + over)
    /// The constructor stores CONTEXT(IS_CONSTRUCTOR) in slot 7, the size of its arguments in
    /// slot 8 and their first 32 bytes in slot 9.
    static let source = #"""
        #include "eekit_abi.h"
        static uint8_t cd[70000];
        static uint8_t out[512];
        static const uint8_t ro[64] = {1, 2, 3, 4, 5, 6, 7, 8};
        static volatile uintptr_t sink;
        static void put64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (56 - 8 * i)); }
        static uint64_t get64(const uint8_t *p) { uint64_t v = 0; for (int i = 0; i < 8; i++) v = v << 8 | p[i]; return v; }
        #define WILD ((const void *)(uintptr_t)0x7ff00000u)
        __attribute__((noinline)) static uint64_t cost(int which, const eek_address *a) {
          eek_word k = eek_word_from_u64(1), v; uint64_t g = eek_gas_left();
          switch (which) {
          case 0: eek_context(EEK_CTX_CHAIN_ID, &v); break;
          case 1: eek_tload(&k, &v); break;
          case 2: eek_tstore(&k, &k); break;
          case 3: eek_block_hash(1, &v); break;
          case 4: eek_blob_hash(0, &v); break;
          case 5: eek_balance(a, &v); break;
          case 6: sink = eek_code_size(a); break;
          case 7: eek_keccak256(cd, 0, &v); break;
          case 8: sink = eek_code_size(a + 1); break;
          }
          uint64_t c = g - eek_gas_left(); sink = v.b[0]; return c;
        }
        __attribute__((noinline)) static uint64_t sstore_cost(const eek_word *k, uint8_t value) {
          eek_word v = eek_word_from_u64(value); uint64_t g = eek_gas_left();
          eek_sstore(k, &v);
          return g - eek_gas_left();
        }
        __attribute__((noinline)) static uint64_t log_cost(size_t n) {
          uint64_t g = eek_gas_left();
          eek_log((const eek_word *)cd, n, "x", 1);
          return g - eek_gas_left();
        }
        void eekit_main(int is_constructor) {
          eek_word one = eek_word_from_u64(1);
          if (is_constructor) {
            eek_word k = eek_word_from_u64(7), v, w = {{0}};
            eek_context(EEK_CTX_IS_CONSTRUCTOR, &v);
            eek_sstore(&k, &v);
            k = eek_word_from_u64(8); v = eek_word_from_u64(eek_calldata_size()); eek_sstore(&k, &v);
            eek_calldata_copy(w.b, 0, 32);
            k = eek_word_from_u64(9); eek_sstore(&k, &w);
            return;
          }
          size_t n = eek_calldata_size();
          if (n > sizeof cd) eek_revert(0, 0);
          eek_calldata_copy(cd, 0, n);
          eek_address me; eek_self(&me);
          switch (cd[0]) {
          case 1: case 2: case 18: {
            size_t rl = 0;
            int s;
            if (cd[0] == 18) {
              uint8_t op = 21;
              s = (int)eek_syscall6(EEK_SYS_CALL, EEK_CALL, (uintptr_t)&me, 0, (uintptr_t)&op, 1, (uintptr_t)get64(cd + 1), (uintptr_t *)&rl);
            } else if (cd[0] == 2) {
              eek_address t; __builtin_memcpy(t.b, cd + 1, 20);
              s = eek_call(EEK_CALL_DELEGATE, &t, 0, cd + 21, n - 21, EEK_GAS_ALL, &rl);
            } else {
              s = eek_call(EEK_CALL_STATIC, &me, 0, cd + 1, n - 1, EEK_GAS_ALL, &rl);
            }
            put64(out, (uint64_t)s);
            if (rl > sizeof out - 8) rl = sizeof out - 8;
            eek_returndata_copy(out + 8, 0, rl);
            eek_return(out, 8 + rl);
          }
          case 3: eek_sstore(&one, &one); eek_return(0, 0);
          case 4: { eek_word f = eek_word_from_u64(5); eek_tstore(&one, &f); eek_return(0, 0); }
          case 5: { eek_address b; __builtin_memcpy(b.b, cd + 1, 20); eek_selfdestruct(&b); }
          case 6: { eek_address a; put64(out, (uint64_t)eek_create(cd, 0, 0, 0, EEK_EE_EVM, &a)); eek_return(out, 8); }
          case 7: {
            eek_address t; __builtin_memcpy(t.b, cd + 1, 20);
            put64(out, (uint64_t)eek_call(EEK_CALL_CODE, &t, &one, 0, 0, EEK_GAS_ALL, 0));
            eek_return(out, 8);
          }
          case 8: eek_syscall2(EEK_SYS_CONTEXT, (uintptr_t)get64(cd + 1), (uintptr_t)out); eek_return(out, 32);
          case 9: {
            uintptr_t hi = 0, lo = eek_syscall6(EEK_SYS_GAS_LEFT, 0, 0, 0, 0, 0, 0, &hi);
            put64(out, (uint64_t)lo); put64(out + 8, (uint64_t)hi);
            eek_return(out, 16);
          }
          case 10: {
            eek_word k = eek_word_from_u64(2), v; __builtin_memcpy(v.b, cd + 1, 32);
            eek_syscall2(EEK_SYS_SSTORE_LE, (uintptr_t)&k, (uintptr_t)&v);
            eek_syscall2(EEK_SYS_SLOAD, (uintptr_t)&k, (uintptr_t)out);
            eek_syscall2(EEK_SYS_SLOAD_LE, (uintptr_t)&k, (uintptr_t)(out + 32));
            eek_return(out, 64);
          }
          case 11: {
            eek_address a[2]; __builtin_memcpy(a[0].b, cd + 1, 20); __builtin_memcpy(a[1].b, cd + 21, 20);
            for (int i = 0; i < 9; i++) put64(out + 8 * i, cost(i, a));
            eek_return(out, 72);
          }
          case 12: {
            uint8_t op = 20;
            eek_call(EEK_CALL, &me, 0, &op, 1, EEK_GAS_ALL, 0);
            uint64_t len = get64(cd + 9);
            eek_syscall3(EEK_SYS_RETURNDATA_COPY, (uintptr_t)out, (uintptr_t)get64(cd + 1), (uintptr_t)len);
            eek_return(out, len > 64 ? 64 : (size_t)len);
          }
          case 13: {
            static const uint8_t revert[] = {0x60, 0x00, 0x60, 0x00, 0xfd};
            put64(out, (uint64_t)eek_create(revert, sizeof revert, 0, 0, EEK_EE_EVM, (eek_address *)(uintptr_t)ro));
            eek_return(out, 8);
          }
          case 14: {
            eek_word h;
            eek_keccak256(WILD, 0, &h);
            eek_log(WILD, 0, WILD, 0);
            eek_return(h.b, 32);
          }
          case 15: eek_return(WILD, 0);
          case 16: {
            eek_word k = eek_word_from_u64(1);
            switch (cd[1]) {
            case 0: eek_syscall1(EEK_SYS_CALLER, (uintptr_t)ro); break;
            case 1: eek_syscall1(EEK_SYS_CALLVALUE, (uintptr_t)ro); break;
            case 2: eek_syscall3(EEK_SYS_KECCAK256, (uintptr_t)cd, 4, (uintptr_t)ro); break;
            case 3: eek_syscall3(EEK_SYS_CALLDATA_COPY, (uintptr_t)ro, 0, 8); break;
            case 4: eek_syscall2(EEK_SYS_SLOAD, (uintptr_t)&k, (uintptr_t)ro); break;
            }
            eek_return(ro, 8);
          }
          case 17: eek_syscall3(EEK_SYS_KECCAK256, (uintptr_t)0 - 16, 32, (uintptr_t)out); eek_return(out, 32);
          case 19: {
            eek_address a;
            put64(out, (uint64_t)eek_create(cd, 0, 0, 0, (uintptr_t)get64(cd + 1), &a));
            eek_return(out, 8);
          }
          case 20: for (int i = 0; i < 64; i++) out[i] = (uint8_t)i; eek_return(out, 64);
          case 21: put64(out, eek_gas_left()); eek_return(out, 8);
          case 22: case 23: {
            eek_word v = {{0}}, salt = {{0}};
            size_t at = 1;
            if (cd[0] == 22) { __builtin_memcpy(v.b, cd + 1, 32); at = 33; }
            eek_address a = {{0}};
            int s = eek_create(cd + at, n - at, &v, cd[0] == 23 ? &salt : 0, EEK_EE_EVM, &a);
            put64(out, (uint64_t)s); __builtin_memcpy(out + 8, a.b, 20);
            eek_return(out, 28);
          }
          case 26: {
            uint8_t in[9]; in[0] = 27; __builtin_memcpy(in + 1, cd + 1, 8);
            eek_call(EEK_CALL, &me, 0, in, 9, EEK_GAS_ALL, 0);
            if (cd[9] == 0) eek_syscall0(EEK_SYS_REVERT_RETURNDATA);
            if (cd[9] == 1) eek_syscall0(EEK_SYS_RETURN_RETURNDATA);
            eek_syscall3(EEK_SYS_RETURNDATA_COPY, (uintptr_t)cd, 0, (uintptr_t)get64(cd + 1));
            eek_return(0, 0);
          }
          case 27: eek_return(cd + 16, (size_t)get64(cd + 1));
          case 28: {
            eek_word k = eek_word_from_u64(cd[1]);
            for (int i = 0; i < cd[2]; i++) put64(out + 8 * i, sstore_cost(&k, cd[3 + i]));
            eek_return(out, 8u * cd[2]);
          }
          case 29: for (int i = 0; i < 5; i++) put64(out + 8 * i, log_cost(i)); eek_return(out, 40);
          case 30: {
            eek_address a; size_t rl = 99;
            int st = eek_create_rd(cd + 1, n - 1, 0, 0, EEK_EE_EVM, &a, &rl);
            put64(out, (uint64_t)st); put64(out + 8, rl); put64(out + 16, eek_returndata_size());
            eek_return(out, 24);
          }
          case 31: {
            eek_address t; __builtin_memcpy(t.b, cd + 9, 20);
            put64(out, (uint64_t)eek_call((uintptr_t)get64(cd + 1), &t, 0, 0, 0, EEK_GAS_ALL, 0));
            eek_return(out, 8);
          }
          case 32: {
            eek_callvalue((eek_word *)out);
            eek_syscall1(EEK_SYS_CALLVALUE, (uintptr_t)(out + 32));
            eek_return(out, 64);
          }
          case 33: {
            eek_address t = {{0}}; t.b[19] = 0xad; t.b[18] = 0xde;
            uint64_t g = eek_gas_left();
            eek_call(EEK_CALL, &t, 0, cd, (size_t)get64(cd + 1), EEK_GAS_ALL, 0);
            put64(out, g - eek_gas_left());
            eek_return(out, 8);
          }
          case 34: {
            uint8_t op = 21; size_t rl = 0;
            int st = eek_call(EEK_CALL, &me, &one, &op, 1, 0, &rl);
            put64(out, (uint64_t)st);
            eek_returndata_copy(out + 8, 0, rl > 8 ? 8 : rl);
            eek_return(out, 8 + (rl > 8 ? 8 : rl));
          }
          case 35: {
            uintptr_t p = eek_brk(0), len = (uintptr_t)get64(cd + 1);
            eek_brk(p + 2 * 4096);
            eek_syscall3(EEK_SYS_CALLDATA_COPY, p + 2 * 4096 + (uintptr_t)get64(cd + 9) - len, 0, len);
            eek_return(0, 0);
          }
          case 24: eek_log((const eek_word *)(cd + 2), cd[1], "hi", 2); eek_return(0, 0);
          }
          eek_revert(0, 0);
        }
        """#

    static let elf64: Result<Bytes, Fixtures.BuildError> = build(xlen: 64)
    static let elf32: Result<Bytes, Fixtures.BuildError> = build(xlen: 32)
    static func build(xlen: Int) -> Result<Bytes, Fixtures.BuildError> {
        Fixtures.contractResult(source, xlen: xlen, suite: "NativeSyscallMutationRound2Tests")
    }


    func deployed(_ s: ContractSession, xlen: Int = 64) throws -> Address {
        let elf = try (xlen == 64 ? Self.elf64 : Self.elf32).get()
        return try #require(try s.deploy(elf, kind: .riscv).createdAddress)
    }

    /// Two GAS_LEFT readings around the same code differ by up to one gas from the rounding
    /// of the instructions' quarter gases.
    func near(_ measured: Int64, _ expected: Int64, _ what: String) {
        #expect(abs(measured - expected) <= 1, "\(what): measured \(measured), expected \(expected)")
    }

    func word(_ b: Bytes) -> U256 { U256(hex: Hex.encode(b))! }

    /// eekit.h: SELFDESTRUCT costs "+25000 if the balance is not zero and the beneficiary is
    /// empty" (EIP-161, as the EVM's): with no balance, an empty beneficiary costs no more than
    /// a funded one (both cold, addresses with the same calldata price); with a balance it
    /// costs 25,000 more.
    @Test func selfdestructNewAccountChargeNeedsABalance() throws {
        let s = ContractSession()
        let c = try deployed(s)
        let funded = Address(low: 0xbeef01), empty = Address(low: 0xbeef02)
        s.fund(funded, U256(1))
        let a = try s.call(c, data: [5] + funded.bytes)
        let b = try s.call(c, data: [5] + empty.bytes)
        #expect(a.status == .success && b.status == .success, "\(a.status) \(b.status)")
        #expect(a.gasUsed == b.gasUsed, "no balance: \(a.gasUsed) vs \(b.gasUsed)")
        let funded2 = Address(low: 0xbeef03), empty2 = Address(low: 0xbeef04)
        s.fund(funded2, U256(1))
        s.fund(c, U256(1))
        let c1 = try s.call(c, data: [5] + funded2.bytes)
        s.fund(c, U256(1))
        let c2 = try s.call(c, data: [5] + empty2.bytes)
        #expect(c2.gasUsed == c1.gasUsed + 25000, "a balance: \(c1.gasUsed) vs \(c2.gasUsed)")
        #expect(s.world.balance(empty2) == U256(1))
    }

    /// EIP-214 / eekit.h ("a state change in a static context" fails the frame): SSTORE,
    /// TSTORE, CREATE and SELFDESTRUCT in a static frame fail it (status 2 to its caller, the
    /// slot unchanged). CALLCODE with value is not a state change (EIP-214 forbids only CALL
    /// with a value): it runs in a static frame.
    @Test func staticFramesRejectEachStateChange() throws {
        let s = ContractSession()
        let c = try deployed(s)
        s.fund(c, U256(10))
        for (inner, what) in [([3], "SSTORE"), ([4], "TSTORE"), ([6], "CREATE"), ([5] + Address(low: 0xbeef).bytes, "SELFDESTRUCT")] as [(Bytes, String)] {
            let r = try s.call(c, data: [1] + inner)
            #expect(r.status == .success, "\(what): \(r.status)")
            #expect(Array(r.output.prefix(8)) == ProbeContract.u64(2), "\(what) in a static frame: \(Hex.encode(r.output))")
        }
        #expect(s.world.storage(c, U256(1)) == .zero)
        #expect(s.world.account(c)?.code.isEmpty == false, "the static SELFDESTRUCT must not have run")
        // Not static, the same operations succeed.
        #expect(try s.call(c, data: [3]).status == .success)
        #expect(s.world.storage(c, U256(1)) == U256(1))
        let cc = try s.call(c, data: [1, 7] + Address(low: 0xc0de).bytes)
        #expect(cc.output == ProbeContract.u64(0) + ProbeContract.u64(0), "CALLCODE with value in a static frame: \(Hex.encode(cc.output))")
    }

    /// eekit.h: CONTEXT ids above 14 fail the frame; IS_STATIC is 1 in a static frame, DEPTH
    /// counts frames from 0, CODE_ADDRESS is where the running code lives (the delegate
    /// callee's address in a delegate call, whose ADDRESS is the caller's).
    @Test func contextWords() throws {
        let s = ContractSession()
        let c = try deployed(s), lib = try deployed(s)
        #expect(try s.call(c, data: [8] + ProbeContract.u64(15)).status.isFailure)
        #expect(try s.call(c, data: [8] + ProbeContract.u64(14)).status == .success)
        let st = try s.call(c, data: [1, 8] + ProbeContract.u64(11))
        #expect(st.output == ProbeContract.u64(0) + U256(1).bigEndianBytes, "IS_STATIC: \(Hex.encode(st.output))")
        #expect(try s.call(c, data: [8] + ProbeContract.u64(11)).output == U256.zero.bigEndianBytes)
        #expect(try s.call(c, data: [8] + ProbeContract.u64(12)).output == U256.zero.bigEndianBytes, "DEPTH of the transaction's frame")
        #expect(try s.call(c, data: [1, 8] + ProbeContract.u64(12)).output == ProbeContract.u64(0) + U256(1).bigEndianBytes, "DEPTH one call down")
        let d = try s.call(c, data: [2] + lib.bytes + [8] + ProbeContract.u64(9))
        #expect(d.output == ProbeContract.u64(0) + lib.word.bigEndianBytes, "CODE_ADDRESS in a delegate call: \(Hex.encode(d.output))")
    }

    /// eekit.h: GAS_LEFT "(RV32: a0 low, a1 high half)": with more than 2^32 gas left, a1 is
    /// the high half and a0 the low 32 bits.
    @Test func gasLeftHalvesOnRV32() throws {
        let s = ContractSession()
        let c = try deployed(s, xlen: 32)
        let gas: UInt64 = 7_000_000_000  // the low half above 2^31
        let r = try s.call(c, data: [9], gas: gas)
        #expect(r.status == .success, "\(r.status)")
        let lo = ProbeContract.be(r.output[0..<8]), hi = ProbeContract.be(r.output[8..<16])
        let left = hi << 32 | lo
        #expect(hi == 1 && lo <= 0xffff_ffff && lo > 1 << 31, "a0 \(lo), a1 \(hi)")
        #expect(left < gas && left > gas - 100_000, "gas left \(left)")
        let r64 = try s.call(try deployed(s), data: [9], gas: gas)
        let left64 = ProbeContract.be(r64.output[0..<8])
        #expect(left64 < gas && left64 > gas - 100_000, "RV64 gas left \(left64)")
    }

    /// eekit.h: SSTORE_LE / SLOAD_LE take the value little-endian (the key stays big-endian):
    /// bytes b stored with SSTORE_LE are the number whose big-endian bytes are b reversed;
    /// SLOAD gives those, SLOAD_LE gives b back.
    @Test(arguments: [64, 32]) func littleEndianStorageValues(xlen: Int) throws {
        let s = ContractSession()
        let c = try deployed(s, xlen: xlen)
        let b: Bytes = Array(1...32)
        let r = try s.call(c, data: [10] + b)
        #expect(r.status == .success)
        #expect(s.world.storage(c, U256(2)) == word(b.reversed()))
        #expect(r.output == b.reversed() + b, "\(Hex.encode(r.output))")
    }

    /// eekit.h prices: TLOAD / TSTORE 100 (EIP-1153), BLOCK_HASH 20, BLOB_HASH 3, BALANCE 2600
    /// cold and CODE_SIZE 100 once the account is warm, 2600 cold (EIP-2929), KECCAK256 30 + 6 per word
    /// (0 words here); the baseline CONTEXT
    /// (CHAIN_ID) has no price of its own.
    @Test func pricesOfTheSmallSystemCalls() throws {
        let s = ContractSession()
        let c = try deployed(s)
        let r = try s.call(c, data: [11] + Address(low: 0xc01d).bytes + Address(low: 0xc01e).bytes)
        #expect(r.status == .success)
        guard r.output.count == 72 else { Issue.record("\(Hex.encode(r.output))"); return }
        let v = (0..<9).map { Int64(bitPattern: ProbeContract.be(r.output[8 * $0..<8 * $0 + 8])) }
        near(v[1] - v[0], 100, "TLOAD")
        near(v[2] - v[0], 100, "TSTORE")
        near(v[3] - v[0], 20, "BLOCK_HASH")
        near(v[4] - v[0], 3, "BLOB_HASH")
        near(v[5] - v[0], 2600, "cold BALANCE")
        near(v[6] - v[0], 100, "warm CODE_SIZE")
        near(v[7] - v[0], 30, "KECCAK256 of nothing")
        near(v[8] - v[0], 2600, "cold CODE_SIZE")
    }

    /// eekit.h: RETURNDATA_COPY past the end fails the frame (EIP-211): a copy ending exactly
    /// at the end is fine, one whose offset + length wraps around 2^64 is past the end.
    @Test func returndataCopyBounds() throws {
        let s = ContractSession()
        let c = try deployed(s)
        let r = try s.call(c, data: [12] + ProbeContract.u64(32) + ProbeContract.u64(32))
        #expect(r.status == .success, "\(r.status)")
        #expect(r.output == Array(32..<64))
        #expect(try s.call(c, data: [12] + ProbeContract.u64(33) + ProbeContract.u64(32)).status.isFailure)
        #expect(try s.call(c, data: [12] + ProbeContract.u64(.max) + ProbeContract.u64(2)).status.isFailure)
        #expect(try s.call(c, data: [12] + ProbeContract.u64(64) + ProbeContract.u64(0)).status == .success)
    }

    /// eekit.h: an output pointer that is not writable fails the frame: CREATE's address
    /// output in read-only memory fails it even when the deployment fails (here its init code
    /// reverts), rather than handing back EEK_REVERTED.
    @Test func createOutputMustBeWritable() throws {
        let s = ContractSession()
        let c = try deployed(s)
        let r = try s.call(c, data: [13])
        #expect(r.status.isFailure, "\(r.status) \(Hex.encode(r.output))")
    }

    /// Zero-length ranges are never touched (as in the EVM): KECCAK256 and LOG of 0 bytes and
    /// RETURN of 0 bytes at a pointer outside guest memory work (keccak256 of nothing).
    @Test func zeroLengthRangesIgnoreThePointer() throws {
        let s = ContractSession()
        let c = try deployed(s)
        let k = try s.call(c, data: [14])
        #expect(k.status == .success, "\(k.status)")
        #expect(k.output == Hex.decode("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")!)
        #expect(k.logs.count == 1)
        let r = try s.call(c, data: [15])
        #expect(r.status == .success && r.output.isEmpty, "\(r.status)")
    }

    /// eekit.h: an output pointer that is not writable guest memory fails the frame: CALLER,
    /// CALLVALUE, KECCAK256's result, CALLDATA_COPY and SLOAD's result into a read-only
    /// segment (the contract's const data).
    @Test(arguments: [0, 1, 2, 3, 4] as [UInt8]) func readOnlyMemoryIsNoOutput(which: UInt8) throws {
        let s = ContractSession()
        let c = try deployed(s)
        let r = try s.call(c, data: [16, which])
        #expect(r.status.isFailure, "\(which): \(r.status) \(Hex.encode(r.output))")
    }

    /// A range whose end wraps around the address space is not guest memory: the frame fails.
    @Test func rangeWrappingTheAddressSpaceFails() throws {
        let s = ContractSession()
        let c = try deployed(s)
        #expect(try s.call(c, data: [17]).status.isFailure)
    }

    /// eekit.h: a CALL's gas argument above what the frame may give gets all but 1/64 of what
    /// is left (EIP-150), also a request of 2^56 gas, whose ergs (x 256) pass 2^64.
    @Test func hugeGasRequestsGetAllButOne64th() throws {
        let s = ContractSession()
        let c = try deployed(s)
        for g: UInt64 in [1 << 56, (1 << 56) + 5, 1 << 60] {
            let r = try s.call(c, data: [18] + ProbeContract.u64(g))
            #expect(r.status == .success)
            #expect(Array(r.output.prefix(8)) == ProbeContract.u64(0), "request \(g): \(Hex.encode(r.output))")
            #expect(r.output.count == 16 && ProbeContract.be(r.output[8..<16]) > 20_000_000, "request \(g): \(Hex.encode(r.output))")
        }
    }

    /// eekit.h: an EE kind other than EEK_EE_* fails the calling frame (a kind whose low byte
    /// is a valid one, 0x101, included); EEK_EE_EVM deploys.
    @Test func createEEKindMustBeExact() throws {
        let s = ContractSession()
        let c = try deployed(s)
        #expect(try s.call(c, data: [19] + ProbeContract.u64(1)).output == ProbeContract.u64(0))
        for ee: UInt64 in [0, 4, 0x101, 0x1_0000_0001] {
            #expect(try s.call(c, data: [19] + ProbeContract.u64(ee)).status.isFailure, "EE kind \(ee)")
        }
    }

    /// CREATE with a value moves it to the new account (as the EVM's CREATE); CREATE2 with an
    /// all-zero salt word is CREATE2 (eekit.h), at EIP-1014's address
    /// keccak256(0xff ++ deployer ++ salt ++ keccak256(init code))[12...].
    @Test func createValueAndZeroSalt() throws {
        let s = ContractSession()
        let c = try deployed(s)
        s.fund(c, U256(10))
        let v = try s.call(c, data: [22] + U256(5).bigEndianBytes)
        #expect(Array(v.output.prefix(8)) == ProbeContract.u64(0), "\(Hex.encode(v.output))")
        let a = Address(Array(v.output[8..<28]))
        #expect(s.world.balance(a) == U256(5))
        #expect(s.world.balance(c) == U256(5))

        let initcode: Bytes = [0x00]
        let z = try s.call(c, data: [23] + initcode)
        #expect(Array(z.output.prefix(8)) == ProbeContract.u64(0), "\(Hex.encode(z.output))")
        let expected = Address(Array(Keccak.hash([0xff] + c.bytes + Bytes(repeating: 0, count: 32) + Keccak.hash(initcode).bytes).bytes[12...]))
        #expect(Address(Array(z.output[8..<28])) == expected)
    }

    /// LOG's topics keep their order (topic 0 first, as LOG1...LOG4's stack order).
    @Test func logTopicsInOrder() throws {
        let s = ContractSession()
        let c = try deployed(s)
        let t1 = Bytes(repeating: 0x11, count: 32), t2 = Bytes(repeating: 0x22, count: 32)
        let r = try s.call(c, data: [24, 2] + t1 + t2)
        #expect(r.status == .success)
        #expect(r.logs.first?.topics == [Bytes32(t1), Bytes32(t2)])
        #expect(r.logs.first?.data == Array("hi".utf8))
    }

    /// eekit.h: the constructor runs with CONTEXT(IS_CONSTRUCTOR) = 1 (0 in an ordinary call),
    /// and its calldata is the constructor arguments that followed the ELF (a1 = their size).
    @Test(arguments: [64, 32]) func constructorContextAndArguments(xlen: Int) throws {
        let s = ContractSession()
        let elf = try (xlen == 64 ? Self.elf64 : Self.elf32).get()
        let args: Bytes = Array(100..<140)
        let c = try #require(try s.deploy(elf, kind: .riscv, arguments: args).createdAddress)
        #expect(s.world.storage(c, U256(7)) == U256(1), "IS_CONSTRUCTOR in the constructor")
        #expect(s.world.storage(c, U256(8)) == U256(40), "constructor argument size")
        #expect(s.world.storage(c, U256(9)) == word(Array(args.prefix(32))))
        #expect(s.world.account(c)?.code == elf, "the ELF alone is the code")
        #expect(try s.call(c, data: [8] + ProbeContract.u64(10)).output == U256.zero.bigEndianBytes)
    }

    /// eekit.h: copies cost 3 gas per 32-byte word: REVERT_RETURNDATA / RETURN_RETURNDATA (no
    /// copy through guest memory, but the same price) and RETURNDATA_COPY. 128 more words of
    /// returndata cost 128 x 3 in the callee's RETURN and as much again in the caller's system
    /// call (lengths 0x100 and 0x1100: the same calldata price).
    @Test func returndataPassingCostsThreeGasAWord() throws {
        let s = ContractSession()
        let c = try deployed(s)
        for mode: UInt8 in [0, 1, 2] {
            let a = try s.call(c, data: [26] + ProbeContract.u64(0x100) + [mode])
            let b = try s.call(c, data: [26] + ProbeContract.u64(0x1100) + [mode])
            #expect(a.status == (mode == 0 ? .revert : .success) && b.status == a.status, "mode \(mode): \(a.status)")
            near(Int64(b.gasUsed) - Int64(a.gasUsed), 2 * 3 * 128, "mode \(mode)")
            if mode == 1 { #expect(b.output.count == 0x1100) }
        }
    }

    /// eekit.h: "SSTORE as EIP-2929 + EIP-2200 + EIP-3529 (refunds included)". A slot that
    /// was 7 at the start of the transaction: the first write of another value costs 2100
    /// (cold) + 2900 = 5000, the next ones 100. Cleared (refund 4800) and then set again, the
    /// clearing refund is taken back (EIP-2200: current 0, original not 0: -4800): no refund.
    @Test func sstoreNetMetering() throws {
        let s = ContractSession()
        let c = try deployed(s)
        #expect(try s.call(c, data: [28, 5, 1, 7]).status == .success)
        let r = try s.call(c, data: [28, 5, 3, 8, 8, 9])
        #expect(r.status == .success && r.output.count == 24)
        let v = (0..<3).map { Int64(bitPattern: ProbeContract.be(r.output[8 * $0..<8 * $0 + 8])) }
        near(v[0] - v[1], 4900, "cold first write of a non-zero slot against a warm no-op")
        near(v[2] - v[1], 0, "dirty writes")
        #expect(r.refund == 0)
        let back = try s.call(c, data: [28, 5, 2, 0, 5])
        #expect(back.status == .success)
        #expect(back.refund == 0, "cleared and set again: refund \(back.refund)")
        #expect(s.world.storage(c, U256(5)) == U256(5))
        let clear = try s.call(c, data: [28, 5, 1, 0])
        #expect(clear.refund == min(4800, (clear.gasUsed + clear.refund) / 5), "clearing: refund \(clear.refund)")
    }

    /// eekit.h: EEK_GAS_ALL is 2^32-1 on RV32 and asks for as much as allowed, all but 1/64 of
    /// what is left, even when that is more than 2^32-1 gas; a request of 2^32-2 gets that.
    @Test func gasAllOnRV32() throws {
        let s = ContractSession()
        let c = try deployed(s, xlen: 32)
        let all = try s.call(c, data: [18] + ProbeContract.u64(0xffff_ffff), gas: 7_000_000_000)
        #expect(Array(all.output.prefix(8)) == ProbeContract.u64(0), "\(Hex.encode(all.output))")
        let got = all.output.count == 16 ? ProbeContract.be(all.output[8..<16]) : 0
        #expect(got > 6_800_000_000 && got < 7_000_000_000 * 63 / 64, "EEK_GAS_ALL: the callee had \(got)")
        let some = try s.call(c, data: [18] + ProbeContract.u64(0xffff_fffe), gas: 7_000_000_000)
        let had = some.output.count == 16 ? ProbeContract.be(some.output[8..<16]) : 0
        #expect(had <= 0xffff_fffe && had > 0xffff_fffe - 10_000, "a request of 2^32-2: the callee had \(had)")
    }

    /// eekit.h: LOG costs 375 + 375 per topic + 8 per data byte (the EVM's LOGn).
    @Test func logPricePerTopic() throws {
        let s = ContractSession()
        let c = try deployed(s)
        let r = try s.call(c, data: [29])
        #expect(r.status == .success && r.output.count == 40 && r.logs.count == 5)
        guard r.output.count == 40 else { return }
        let v = (0..<5).map { Int64(bitPattern: ProbeContract.be(r.output[8 * $0..<8 * $0 + 8])) }
        for i in 1..<5 { near(v[i] - v[0], 375 * Int64(i), "LOG\(i) against LOG0") }
        #expect(r.logs.map(\.topics.count) == [0, 1, 2, 3, 4])
    }

    /// A delegate call from a static frame is static too (eekit.h): the library's SSTORE
    /// fails that delegate frame, and the static frame goes on (status 2 from its call).
    @Test func delegateFromAStaticFrameIsStatic() throws {
        let s = ContractSession()
        let c = try deployed(s), lib = try deployed(s)
        let r = try s.call(c, data: [1, 2] + lib.bytes + [3])
        #expect(r.output == ProbeContract.u64(0) + ProbeContract.u64(2), "\(Hex.encode(r.output))")
        #expect(s.world.storage(c, U256(1)) == .zero)
        // Not static: the library's SSTORE writes the caller's storage.
        #expect(try s.call(c, data: [2] + lib.bytes + [3]).output == ProbeContract.u64(0))
        #expect(s.world.storage(c, U256(1)) == U256(1))
    }

    /// eekit.h: any call kind but EEK_CALL...EEK_CALL_CODE fails the calling frame; `eek_call`
    /// passes the whole register (it took an `int`, which cut 2^32 to 0, a plain CALL, on RV64).
    @Test func unknownCallKindFailsTheFrame() throws {
        let s = ContractSession()
        let c = try deployed(s)
        #expect(try s.call(c, data: [31] + ProbeContract.u64(0) + Address(low: 0xdead).bytes).output == ProbeContract.u64(0))
        for kind: UInt64 in [4, 0x100, 0x1_0000_0000] {
            #expect(try s.call(c, data: [31] + ProbeContract.u64(kind) + Address(low: 0xdead).bytes).status.isFailure, "kind \(kind)")
        }
    }

    /// A delegate call keeps this frame's value (eekit.h, as DELEGATECALL): the library sees
    /// the value the transaction sent, in the frame block and from CALLVALUE.
    @Test func delegateCallKeepsTheValue() throws {
        let s = ContractSession()
        let c = try deployed(s), lib = try deployed(s)
        let r = try s.call(c, data: [2] + lib.bytes + [32], value: U256(3))
        #expect(r.output == ProbeContract.u64(0) + U256(3).bigEndianBytes + U256(3).bigEndianBytes, "\(Hex.encode(r.output))")
    }

    /// eekit.h: CALL with value pays "+25000 if the target is empty"; CALLCODE does not (the
    /// value stays with the caller, as the EVM's CALLCODE): to an empty address it costs what
    /// it costs to a funded one.
    @Test func callcodeToAnEmptyAccountPaysNoNewAccount() throws {
        let s = ContractSession()
        let c = try deployed(s)
        s.fund(c, U256(10))
        let funded = Address(low: 0xfeed01), empty = Address(low: 0xfeed02)
        s.fund(funded, U256(1))
        let a = try s.call(c, data: [7] + funded.bytes)
        let b = try s.call(c, data: [7] + empty.bytes)
        #expect(a.output == ProbeContract.u64(0) && b.output == ProbeContract.u64(0))
        #expect(a.gasUsed == b.gasUsed, "\(a.gasUsed) vs \(b.gasUsed)")
    }

    /// eekit.h: CALL costs "+3 per calldata word (the copy)": 128 more words, 384 more gas.
    @Test func callDataCopyPrice() throws {
        let s = ContractSession()
        let c = try deployed(s)
        let a = try s.call(c, data: [33] + ProbeContract.u64(0x100) + Bytes(repeating: 0, count: 0x1100))
        let b = try s.call(c, data: [33] + ProbeContract.u64(0x1100) + Bytes(repeating: 0, count: 0x1100))
        #expect(a.status == .success && b.status == .success)
        near(Int64(ProbeContract.be(b.output[0..<8])) - Int64(ProbeContract.be(a.output[0..<8])), 384, "128 words of calldata")
    }

    /// A CALL with value adds the 2,300-gas stipend to what it passes (eekit.h, EIP-150's
    /// CALL): with a request of 0 gas the callee runs on the stipend alone.
    @Test func valueCallGetsTheStipend() throws {
        let s = ContractSession()
        let c = try deployed(s)
        s.fund(c, U256(10))
        let r = try s.call(c, data: [34])
        #expect(Array(r.output.prefix(8)) == ProbeContract.u64(0), "\(Hex.encode(r.output))")
        let had = r.output.count == 16 ? ProbeContract.be(r.output[8..<16]) : 0
        #expect(had > 0 && had < 2300, "the callee had \(had)")
    }

    /// After a successful CREATE the returndata is empty (as the EVM's CREATE): a1 and
    /// RETURNDATA_SIZE are 0; after a reverting constructor they are the revert data's size.
    @Test func createReturndata() throws {
        let s = ContractSession()
        let c = try deployed(s)
        // Init code returning 3 bytes of code: PUSH1 3 PUSH1 0 RETURN.
        let ok = try s.call(c, data: [30, 0x60, 0x03, 0x60, 0x00, 0xf3])
        #expect(ok.output == ProbeContract.u64(0) + ProbeContract.u64(0) + ProbeContract.u64(0), "\(Hex.encode(ok.output))")
        // PUSH1 5 PUSH1 0 REVERT: 5 bytes of revert data.
        let rv = try s.call(c, data: [30, 0x60, 0x05, 0x60, 0x00, 0xfd])
        #expect(rv.output == ProbeContract.u64(1) + ProbeContract.u64(5) + ProbeContract.u64(5), "\(Hex.encode(rv.output))")
    }

    /// EIP-3860 (eekit.h: "From Shanghai, EVM init code above 49,152 bytes fails the creating
    /// frame"): 49,152 bytes deploy, 49,153 fail the frame.
    @Test func initcodeLimitBoundary() throws {
        let s = ContractSession()
        let c = try deployed(s)
        let at = try s.call(c, data: [30] + Bytes(repeating: 0, count: 49_152))
        #expect(at.status == .success && Array(at.output.prefix(8)) == ProbeContract.u64(0), "\(at.status)")
        #expect(try s.call(c, data: [30] + Bytes(repeating: 0, count: 49_153)).status.isFailure)
    }

    /// A system call's output range must be writable on every page it covers (eekit.h: the
    /// heap's pages end at the break): a copy ending exactly at a two-page break works, one
    /// ending a word past it fails the frame, also when it starts pages below the break.
    @Test(arguments: [64, 32]) func outputRangeChecksEveryPage(xlen: Int) throws {
        let s = ContractSession()
        let c = try deployed(s, xlen: xlen)
        for len: UInt64 in [32, 4096, 4097, 8192] {
            #expect(try s.call(c, data: [35] + ProbeContract.u64(len) + ProbeContract.u64(0)).status == .success, "\(len) bytes")
            #expect(try s.call(c, data: [35] + ProbeContract.u64(len + 32) + ProbeContract.u64(32)).status.isFailure, "\(len) + 32 bytes")
        }
    }
}
