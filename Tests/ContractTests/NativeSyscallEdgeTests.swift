import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// Edges of the native system-call ABI that a mutation-testing round found unpinned: each
/// expected value comes from eekit.h's text (costs, "past the end" rules), the EIP the system
/// call mirrors, or a hand count of the instructions a raw program retires at the documented
/// prices (GasSchedule: ALU 64 ergs, ecall 512, every system call 10 gas more, 256 ergs a gas).
@Suite(.serialized) struct NativeSyscallEdgeTests {
    /// calldata[0] is the operation:
    ///   1 L (u64) k (u64) id0 id1 pages: the gas of LOG0 with 0 and L data bytes, KECCAK256 of
    ///     0 and L bytes, CONTEXT id0 and id1, SLOAD of slot k twice (cold, then warm), BRK
    ///     growing the heap by 0 and by `pages` pages (u64 BE each, measured with GAS_LEFT
    ///     around one system call made by the same code, so that only the system call differs)
    ///   2 ++ inner: static-call self with `inner` as calldata; return the status (u64)
    ///   3: LOG0 of one byte, return empty          (run as 2's inner call: a static frame)
    ///   4 target (20): CALL target with value 1; return the status (u64)   (idem)
    ///   7 off (u64): fill 128 bytes with 0xff, the raw CALLDATA_COPY(buf, off, 96); return the
    ///     128 bytes
    ///   8: fill 128 bytes with 0xff, CODE_COPY(self, buf, code size - 8, 64); return the 128
    ///     bytes
    ///   9 k a b: SSTORE(k, a), then SSTORE(k, b)
    static let source = #"""
        #include "eekit_abi.h"
        static uint8_t cd[512];
        static uint8_t out[256];
        static uint8_t big[4096];
        static volatile uintptr_t sink;
        static void put64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (56 - 8 * i)); }
        static uint64_t get64(const uint8_t *p) { uint64_t v = 0; for (int i = 0; i < 8; i++) v = v << 8 | p[i]; return v; }
        __attribute__((noinline)) static uint64_t log_cost(size_t len) {
          uint64_t a = eek_gas_left(); eek_log(0, 0, big, len); return a - eek_gas_left();
        }
        __attribute__((noinline)) static uint64_t keccak_cost(size_t len) {
          eek_word w; uint64_t a = eek_gas_left(); eek_keccak256(big, len, &w); uint64_t c = a - eek_gas_left();
          sink = w.b[0]; return c;
        }
        __attribute__((noinline)) static uint64_t context_cost(int id) {
          eek_word w; uint64_t a = eek_gas_left(); eek_context(id, &w); uint64_t c = a - eek_gas_left();
          sink = w.b[0]; return c;
        }
        __attribute__((noinline)) static uint64_t sload_cost(const eek_word *k) {
          eek_word v; uint64_t a = eek_gas_left(); eek_sload(k, &v); uint64_t c = a - eek_gas_left();
          sink = v.b[0]; return c;
        }
        __attribute__((noinline)) static uint64_t brk_cost(uintptr_t to) {
          uint64_t a = eek_gas_left(); sink = eek_brk(to); return a - eek_gas_left();
        }
        void eekit_main(int is_constructor) {
          if (is_constructor) return;
          size_t n = eek_calldata_size();
          if (n > sizeof cd) eek_revert(0, 0);
          eek_calldata_copy(cd, 0, n);
          eek_address me; eek_self(&me);
          switch (cd[0]) {
          case 1: {
            size_t len = (size_t)get64(cd + 1);
            eek_word k = eek_word_from_u64(get64(cd + 9));
            uintptr_t top = eek_brk(0);
            uint64_t r[10]; /* one at a time: the order of an initializer list's calls is unspecified */
            r[0] = log_cost(0); r[1] = log_cost(len); r[2] = keccak_cost(0); r[3] = keccak_cost(len);
            r[4] = context_cost(cd[17]); r[5] = context_cost(cd[18]); r[6] = sload_cost(&k); r[7] = sload_cost(&k);
            r[8] = brk_cost(top); r[9] = brk_cost(top + 4096u * cd[19]);
            for (int i = 0; i < 10; i++) put64(out + 8 * i, r[i]);
            eek_return(out, 80);
          }
          case 2: {
            int s = eek_call(EEK_CALL_STATIC, &me, 0, cd + 1, n - 1, EEK_GAS_ALL, 0);
            put64(out, (uint64_t)s);
            eek_return(out, 8);
          }
          case 3: eek_log(0, 0, cd, 1); eek_return(0, 0);
          case 4: {
            eek_address t; __builtin_memcpy(t.b, cd + 1, 20);
            eek_word one = eek_word_from_u64(1);
            int s = eek_call(EEK_CALL, &t, &one, 0, 0, EEK_GAS_ALL, 0);
            put64(out, (uint64_t)s);
            eek_return(out, 8);
          }
          case 7:
            __builtin_memset(big, 0xff, 128);
            eek_syscall3(EEK_SYS_CALLDATA_COPY, (uintptr_t)big, (uintptr_t)get64(cd + 1), 96);
            eek_return(big, 128);
          case 9: {
            eek_word k = eek_word_from_u64(cd[1]), a = eek_word_from_u64(cd[2]), b = eek_word_from_u64(cd[3]);
            eek_sstore(&k, &a);
            eek_sstore(&k, &b);
            eek_return(0, 0);
          }
          case 8: {
            __builtin_memset(big, 0xff, 128);
            eek_code_copy(&me, big, eek_code_size(&me) - 8, 64);
            eek_return(big, 128);
          }
          }
          eek_revert(0, 0);
        }
        """#

    static let elf64: Result<Bytes, Fixtures.BuildError> = build(xlen: 64)
    static let elf32: Result<Bytes, Fixtures.BuildError> = build(xlen: 32)
    static func build(xlen: Int) -> Result<Bytes, Fixtures.BuildError> {
        Fixtures.contractResult(source, xlen: xlen, suite: "NativeSyscallEdgeTests")
    }


    func deployed(_ s: ContractSession, xlen: Int) throws -> Address {
        let elf = try (xlen == 64 ? Self.elf64 : Self.elf32).get()
        return try #require(try s.deploy(elf, kind: .riscv).createdAddress)
    }

    /// Two GAS_LEFT readings around the same code differ by up to one gas from the rounding
    /// of the instructions' quarter gases (GAS_LEFT rounds the ergs down).
    func near(_ measured: Int64, _ expected: Int64, _ what: String) {
        #expect(abs(measured - expected) <= 1, "\(what): measured \(measured), expected \(expected)")
    }

    /// eekit.h's costs, as differences between two runs of one measuring function: LOG 8 gas
    /// per data byte; KECCAK256 6 per word; CONTEXT 5 for EEK_CTX_SELF_BALANCE (SELFBALANCE)
    /// against 0 for the chain id; SLOAD 2100 cold and 100 warm (EIP-2929); BRK 64 gas per
    /// 4 KiB page the heap grows by.
    @Test(arguments: [64, 32]) func systemCallCostsFollowEekitH(xlen: Int) throws {
        let s = ContractSession()
        let c = try deployed(s, xlen: xlen)
        let len: UInt64 = 320, pages: UInt8 = 10
        let r = try s.call(c, data: [1] + ProbeContract.u64(len) + ProbeContract.u64(77) + [0, 13, pages])
        #expect(r.status == .success, "\(r.status)")
        let o = r.output
        guard o.count == 80 else {
            Issue.record("output \(Hex.encode(o))")
            return
        }
        let v = (0..<10).map { Int64(bitPattern: ProbeContract.be(o[8 * $0..<8 * $0 + 8])) }
        near(v[1] - v[0], 8 * Int64(len), "LOG0 data bytes")
        near(v[3] - v[2], 6 * Int64(len / 32), "KECCAK256 words")
        near(v[5] - v[4], 5, "SELFBALANCE against CHAIN_ID")
        near(v[6] - v[7], 2100 - 100, "cold against warm SLOAD")
        near(v[9] - v[8], 64 * Int64(pages), "BRK pages")
        // CHAIN_ID costs nothing but the system call: a measurement holds two system calls
        // (CONTEXT and the second GAS_LEFT, 10 gas each) and a few instructions.
        #expect(v[4] >= 20 && v[4] < 40, "CHAIN_ID: \(v[4])")
    }

    /// EIP-214 / eekit.h ("a state change in a static context" fails the frame): a LOG in a
    /// static frame fails that frame (status 2 to its caller, no log kept); a CALL with value
    /// there fails the calling frame itself, as the EVM's CALL with value does in a static
    /// context, not just the call (which would let the static frame go on and return success).
    @Test(arguments: [64, 32]) func staticFramesCannotLogOrSendValue(xlen: Int) throws {
        let s = ContractSession()
        let c = try deployed(s, xlen: xlen)
        let log = try s.call(c, data: [2, 3])
        #expect(log.status == .success, "\(log.status)")
        #expect(log.output == ProbeContract.u64(2))
        #expect(log.logs.isEmpty)
        // Outside a static frame the same operation logs.
        let plain = try s.call(c, data: [3])
        #expect(plain.status == .success && plain.logs.count == 1)

        _ = s.world.addBalance(c, U256(10))
        try s.world.commit()
        let payee = Address(low: 0xbeef)
        let value = try s.call(c, data: [2, 4] + payee.bytes)
        #expect(value.status == .success, "\(value.status)")
        #expect(value.output == ProbeContract.u64(2), "the static frame that sent value must fail")
        #expect(s.world.balance(payee) == .zero)
        // Not static: the value goes.
        let sent = try s.call(c, data: [4] + payee.bytes)
        #expect(sent.output == ProbeContract.u64(0))
        #expect(s.world.balance(payee) == .one)
    }

    /// eekit.h: CALLDATA_COPY and CODE_COPY read bytes past the end as 0 (EVM CALLDATACOPY /
    /// EXTCODECOPY): they write zeros there, over whatever the buffer held (0xff here), and
    /// nothing beyond the length.
    @Test(arguments: [64, 32]) func copiesPastTheEndWriteZeros(xlen: Int) throws {
        let s = ContractSession()
        let c = try deployed(s, xlen: xlen)
        let tail: Bytes = Array(0xa0...0xbf)  // calldata = 7 ++ offset ++ 32 known bytes
        let data: Bytes = [7] + ProbeContract.u64(9) + tail
        let r = try s.call(c, data: data)
        #expect(r.output == tail + Bytes(repeating: 0, count: 64) + Bytes(repeating: 0xff, count: 32))
        // Entirely past the end: all zeros.
        let far = try s.call(c, data: [7] + ProbeContract.u64(1000))
        #expect(far.output == Bytes(repeating: 0, count: 96) + Bytes(repeating: 0xff, count: 32))

        let code = try #require(s.world.account(c)?.code)
        let cc = try s.call(c, data: [8])
        #expect(cc.output == Array(code.suffix(8)) + Bytes(repeating: 0, count: 56) + Bytes(repeating: 0xff, count: 64))
    }

    /// EIP-2200 / EIP-3529 refunds of a slot set back to its value at the start of the
    /// transaction (eekit.h: "SSTORE as EIP-2929 + EIP-2200 + EIP-3529 (refunds included)"):
    /// a slot that was 7, written 8 then 7, refunds 5000 - 2100 - 100 = 2800; one that was 0,
    /// written 5 then 0, refunds 20000 - 100 = 19,900, capped at a fifth of the gas used.
    @Test(arguments: [64, 32]) func sstoreRestoringTheOriginalValueRefunds(xlen: Int) throws {
        let s = ContractSession()
        let c = try deployed(s, xlen: xlen)
        #expect(try s.call(c, data: [9, 2, 7, 7]).status == .success)
        let nonZero = try s.call(c, data: [9, 2, 8, 7])
        #expect(nonZero.status == .success && s.world.storage(c, U256(2)) == U256(7))
        #expect(nonZero.refund == 2800, "refund \(nonZero.refund)")
        let zero = try s.call(c, data: [9, 1, 5, 0])
        #expect(zero.status == .success && s.world.storage(c, U256(1)) == .zero)
        let used = zero.gasUsed + zero.refund
        #expect(zero.refund == min(19_900, used / 5), "refund \(zero.refund) of \(used)")
    }

    // MARK: Raw programs: exact ergs

    /// The receipt's gas is what the transaction's ergs leave in whole gas, rounded against the
    /// sender: return(0, 0) retires three ALU instructions and an ecall (3 x 64 + 512 ergs) and
    /// pays the system call's 10 gas (2560 ergs), 12.75 gas, so the receipt says 21,000 + 13.
    @Test(arguments: [64, 32]) func receiptGasRoundsPartialGasUp(xlen: Int) throws {
        let s = ContractSession()
        let a = Address(low: 0x5e01)
        try s.install(TestELF.program(xlen: xlen, code: AdversarialNativeTests.returnEmpty).bytes, kind: .riscv, at: a)
        let r = try s.call(a, data: [], gas: 100_000)
        #expect(r.status == .success)
        #expect(r.gasUsed == 21_000 + 13)
    }

    /// GAS_LEFT reports whole gas, rounded down (as Resources.gas): after two ALU instructions,
    /// the ecall and the system call's 10 gas (2 x 64 + 512 + 2560 = 3200 ergs, 12.5 gas) a frame
    /// given G gas has G - 13 left. The program returns a0 as 8 bytes (little-endian, RV64).
    @Test func gasLeftRoundsDown() throws {
        let s = ContractSession()
        let a = Address(low: 0x5e02)
        let code: [UInt32] = [
            RVAsm.lui(17, 0x10), RVAsm.addi(17, 17, 8), RVAsm.ecall,  // a0 = GAS_LEFT
            RVAsm.addi(2, 2, -16), RVAsm.s(0, 10, 2, 3, 0x23),  // sd a0, 0(sp)
            RVAsm.addi(10, 2, 0), RVAsm.li(11, 8), RVAsm.lui(17, 0x10), RVAsm.ecall,  // return(sp, 8)
        ]
        try s.install(TestELF.program(xlen: 64, code: code).bytes, kind: .riscv, at: a)
        let limit: UInt64 = 100_000
        let r = try s.call(a, data: [], gas: limit)
        #expect(r.status == .success)
        let left = r.output.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(left == limit - 21_000 - 13, "GAS_LEFT \(left)")
    }

    /// EIP-2200 (eekit.h: SSTORE "fails if 2300 gas or less are left"): a native callee given
    /// G gas by an EVM CALL runs four ALU instructions and the ecall (3 gas) before its SSTORE
    /// of zero into a zero slot (2200 + 10 gas), so with G = 2303 it has exactly 2300 left and
    /// must fail; with 2304 it succeeds. The EVM caller stores the call's success at slot G.
    @Test func sstoreRefusesAtExactly2300GasLeft() throws {
        let s = ContractSession()
        let callee = Address(low: 0x5e03), caller = Address(low: 0x5e04)
        // Key and value: the zero word at 0x11000, in the code segment (after 1024 slots).
        var code: [UInt32] = [
            RVAsm.lui(10, 0x11), RVAsm.addi(11, 10, 0), RVAsm.lui(17, 0x10), RVAsm.addi(17, 17, 0xa), RVAsm.ecall,
        ] + AdversarialNativeTests.returnEmpty
        code += [UInt32](repeating: 0, count: 1024 + 8 - code.count)
        try s.install(TestELF.program(xlen: 64, code: code).bytes, kind: .riscv, at: callee)
        // CALL(gas = calldata word, callee, 0, 0, 0, 0, 0); SSTORE(calldata word, success); STOP
        try s.install(Hex.decode("5f5f5f5f5f73" + Hex.encode(callee.bytes) + "5f35f15f355500")!, kind: .evm, at: caller)
        for g: UInt64 in [2303, 2304] {
            let r = try s.call(caller, data: ABI.word(g), gas: 200_000)
            #expect(r.status == .success)
        }
        #expect(s.world.storage(caller, U256(2303)) == .zero, "SSTORE with exactly 2300 gas left must fail")
        #expect(s.world.storage(caller, U256(2304)) == .one)
    }
}
