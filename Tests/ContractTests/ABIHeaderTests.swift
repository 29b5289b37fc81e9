import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// `Contracts/include/eekit.h` is the ABI contract authors compile against; `ContractSyscall`
/// is what the EE dispatches on. The two lists are written by hand in two languages (a design
/// review found nothing tied them together), so every number is compared here.
@Suite struct ABIHeaderTests {
    @Test func systemCallNumbersMatchTheHeader() throws {
        let header = try String(
            contentsOf: TestFiles.root.appendingPathComponent("Contracts/include/eekit.h"), encoding: .utf8)
        var defined: [String: UInt64] = [:]
        for line in header.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count >= 3, words[0] == "#define", words[1].hasPrefix("EEK_SYS_"), words[2].hasPrefix("0x"),
                let value = UInt64(words[2].dropFirst(2), radix: 16)
            else { continue }
            #expect(defined.updateValue(value, forKey: String(words[1].dropFirst(8))) == nil, "\(words[1]) twice")
        }
        let expected: [String: UInt64] = [
            "RETURN": ContractSyscall.ret, "REVERT": ContractSyscall.revert,
            "CALLDATA_SIZE": ContractSyscall.calldataSize, "CALLDATA_COPY": ContractSyscall.calldataCopy,
            "CALLER": ContractSyscall.caller, "ADDRESS": ContractSyscall.address,
            "CALLVALUE": ContractSyscall.callvalue, "CONTEXT": ContractSyscall.context,
            "GAS_LEFT": ContractSyscall.gasLeft, "SLOAD": ContractSyscall.sload, "SSTORE": ContractSyscall.sstore,
            "TLOAD": ContractSyscall.tload, "TSTORE": ContractSyscall.tstore, "LOG": ContractSyscall.log,
            "KECCAK256": ContractSyscall.keccak256, "RETURNDATA_SIZE": ContractSyscall.returndataSize,
            "RETURNDATA_COPY": ContractSyscall.returndataCopy, "CALL": ContractSyscall.call,
            "CREATE": ContractSyscall.create, "BALANCE": ContractSyscall.balance, "BRK": ContractSyscall.brk,
            "SLOAD_LE": ContractSyscall.sloadLE, "SSTORE_LE": ContractSyscall.sstoreLE,
            "CODE_SIZE": ContractSyscall.codeSize, "CODE_HASH": ContractSyscall.codeHash,
            "CODE_COPY": ContractSyscall.codeCopy, "BLOCK_HASH": ContractSyscall.blockHash,
            "BLOB_HASH": ContractSyscall.blobHash, "SELFDESTRUCT": ContractSyscall.selfdestruct,
            "REVERT_RETURNDATA": ContractSyscall.revertReturndata,
            "RETURN_RETURNDATA": ContractSyscall.returnReturndata,
        ]
        #expect(defined == expected)
        // Distinct, and from 0x10000 up (the header promises both: no Linux number is taken).
        #expect(Set(expected.values).count == expected.count && expected.values.allSatisfy { $0 >= 0x10000 })
    }
}
