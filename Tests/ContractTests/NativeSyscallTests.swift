import EEKit
import Foundation
import Testing

/// System calls of native contracts that no example uses: transient storage (EIP-1153
/// semantics: per transaction, across frames, undone by a revert, refused in a static frame)
/// and the pointer and length checks of the calls that write results into guest memory.
@Suite struct NativeSyscallTests {
    /// calldata[0] is the operation, calldata[1..33] a value where one is needed:
    ///   1 v: TSTORE(0, v)           2: return TLOAD(0)
    ///   3 v: TSTORE(0, v), call self with [2], return its output (a reentrant frame sees it)
    ///   4 v: TSTORE(0, v), call self with [5] (which stores 99 and reverts), return TLOAD(0)
    ///   5: TSTORE(0, 99), revert    6 v: static-call self with [1 v], return the status word
    ///   7 v: TSTORE(0, v), return the gas a TLOAD costs (measured with GAS_LEFT)
    static let transient = """
        #include "eekit_abi.h"
        static uint8_t cd[33];
        static eek_word call_self(int kind, uint8_t op, int *status) {
          eek_address me;
          eek_self(&me);
          uint8_t data[33];
          for (int i = 0; i < 33; i++) data[i] = cd[i];
          data[0] = op;
          size_t n = 0;
          *status = eek_call(kind, &me, 0, data, 33, EEK_GAS_ALL, &n);
          eek_word w = {{0}};
          if (n >= 32) eek_returndata_copy(&w, 0, 32);
          return w;
        }
        void eekit_main(int is_constructor) {
          if (is_constructor) return;
          eek_calldata_copy(cd, 0, 33);
          eek_word key = {{0}}, v, out;
          for (int i = 0; i < 32; i++) v.b[i] = cd[1 + i];
          int status = 0;
          switch (cd[0]) {
          case 1: eek_tstore(&key, &v); eek_return(0, 0);
          case 2: eek_tload(&key, &out); eek_return(&out, 32);
          case 3: eek_tstore(&key, &v); out = call_self(EEK_CALL, 2, &status); eek_return(&out, 32);
          case 4:
            eek_tstore(&key, &v);
            call_self(EEK_CALL, 5, &status);
            if (status != EEK_REVERTED) eek_revert(0, 0);
            eek_tload(&key, &out);
            eek_return(&out, 32);
          case 5: v = eek_word_from_u64(99); eek_tstore(&key, &v); eek_revert(0, 0);
          case 6: call_self(EEK_CALL_STATIC, 1, &status); out = eek_word_from_u64((uint64_t)status); eek_return(&out, 32);
          case 7: {
            eek_tstore(&key, &v);
            uint64_t before = eek_gas_left();
            eek_tload(&key, &out);
            out = eek_word_from_u64(before - eek_gas_left());
            eek_return(&out, 32);
          }
          }
          eek_revert(0, 0);
        }
        """

    func op(_ code: UInt8, _ value: UInt64 = 0) -> Bytes { [code] + U256(value).bigEndianBytes }

    @Test(arguments: [64, 32]) func transientStorage(xlen: Int) throws {
        let s = ContractSession()
        let c = try #require(try s.deploy(try Fixtures.contract(Self.transient, xlen: xlen), kind: .riscv).createdAddress)
        // Within a transaction a reentrant frame reads what its caller stored.
        #expect(try s.call(c, data: op(3, 0x1234)).output == U256(0x1234).bigEndianBytes)
        // The next transaction starts with it cleared, and nothing reaches storage.
        #expect(try s.call(c, data: op(2)).output == U256(0).bigEndianBytes)
        #expect(s.world.storage(c, .zero) == .zero)
        // A callee's TSTORE is undone with its revert.
        #expect(try s.call(c, data: op(4, 7)).output == U256(7).bigEndianBytes)
        // A static frame cannot TSTORE: the callee fails (status 2), the caller goes on.
        #expect(try s.call(c, data: op(6, 5)).output == U256(2).bigEndianBytes)
        // A TLOAD costs 100 gas, plus 10 for each of the two system calls (TLOAD, the second
        // GAS_LEFT) and a few for the instructions between the two readings.
        let g = U256(bigEndian: try s.call(c, data: op(7, 1)).output).limbs.0
        #expect(g >= 120 && g < 140, "TLOAD measured \(g) gas")
    }

    /// calldata[0] selects a system call given a pointer or length it may not use; each fails
    /// the frame with a reason naming the call.
    static let badPointers = """
        #include "eekit_abi.h"
        void eekit_main(int is_constructor) {
          if (is_constructor) return;
          uint8_t op = 0;
          eek_calldata_copy(&op, 0, 1);
          eek_word w = {{0}};
          eek_address me;
          eek_self(&me);
          void *code = (void *)&eekit_main;   /* read-only, executable */
          const void *unmapped = (const void *)(uintptr_t)16;
          switch (op) {
          case 0: eek_return(&w, 32);
          case 1: eek_keccak256(unmapped, 32, &w); break;
          case 2: eek_keccak256(&w, 32, (eek_word *)code); break;
          case 3: {
            uint8_t zero = 0;
            eek_call(EEK_CALL, &me, 0, &zero, 1, EEK_GAS_ALL, 0); /* returns 32 bytes */
            eek_returndata_copy(code, 0, 32);
            break;
          }
          case 4: eek_code_copy(&me, code, 0, 32); break;
          case 5: eek_tload(&w, (eek_word *)code); break;
          case 6: eek_calldata_copy(&w, 0, (size_t)0x7fffffff); break;
          case 7: eek_sload((const eek_word *)unmapped, &w); break;
          case 8: eek_log(&w, 1, unmapped, 8); break;
          case 9: eek_balance((const eek_address *)unmapped, &w); break;
          case 10: eek_revert(unmapped, 1);
          case 11: eek_return(unmapped, 1);
          }
          eek_return(0, 0);
        }
        """

    @Test(arguments: [64, 32]) func pointersAndLengthsAreChecked(xlen: Int) throws {
        let s = ContractSession()
        let c = try #require(try s.deploy(try Fixtures.contract(Self.badPointers, xlen: xlen), kind: .riscv).createdAddress)
        #expect(try s.call(c, data: [0]).status == .success)
        let expected: [(UInt8, String)] = [
            (1, "keccak256"), (2, "keccak256"), (3, "returndata_copy"), (4, "code_copy"), (5, "tload"),
            (6, "calldata_copy: length"), (7, "sload"), (8, "log"), (9, "balance"), (10, "revert:"), (11, "return:"),
        ]
        for (code, name) in expected {
            let r = try s.call(c, data: [code], gas: 1_000_000)
            guard case .failure(let reason) = r.status else {
                Issue.record("op \(code): \(r.status)")
                continue
            }
            #expect(reason.description.contains(name), "op \(code): \(reason)")
            #expect(r.gasUsed == 1_000_000, "op \(code): a failed frame keeps no gas")
        }
        // The contract still works afterwards (its pooled machine was restored).
        #expect(try s.call(c, data: [0]).output == Bytes(repeating: 0, count: 32))
    }
}
