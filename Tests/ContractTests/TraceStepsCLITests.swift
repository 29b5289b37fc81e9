import EEKitTestSupport
import Foundation
import Testing

/// `--trace-steps` native lines (TraceOutput.swift) where a mutation-testing round
/// (2026-12-06) found them unchecked: the depth in the text lines and the stored value in the
/// JSON lines. The two forms describe the same steps, so each is checked against the other
/// and against README's description (depth from 1, as EIP-3155 counts; `mem[ADDRESS]=BYTES`
/// for a store, `memStored` in JSON).
@Suite struct TraceStepsCLITests {
    @Test func nativeStepsNameTheirDepthAndStoredValues() throws {
        let dir = try TestFiles.scratchFolder("trace-steps-stores")
        defer { TestFiles.remove(dir) }
        let file = dir.appendingPathComponent("counter.elf")
        try Data(try Fixtures.elf("counter.elf")).write(to: file)
        let base = ["run", file.path, "--ee", "riscv", "--sig", "increment()", "--trace-steps"]
        let text = try TestFiles.runSeparately(try TestFiles.eekit(), base)
        let json = try TestFiles.runSeparately(try TestFiles.eekit(), base + ["--json"])
        #expect(text.status == 0 && json.status == 0, "\(text.err)\(json.err)")
        let textLines = text.err.split(separator: "\n").map(String.init)
        let jsonLines = json.err.split(separator: "\n").map(String.init)
        try #require(!textLines.isEmpty && textLines.count == jsonLines.count)
        var stores = 0
        for (t, j) in zip(textLines, jsonLines) {
            // The top frame is depth 1 in both forms.
            #expect(t.hasPrefix("[riscv depth 1 "), "\(t)")
            let o = try #require(try JSONSerialization.jsonObject(with: Data(j.utf8)) as? [String: Any], "\(j)")
            #expect(o["depth"] as? Int == 1, "\(j)")
            // A store: "mem[ADDRESS]=VALUE" in the text, memAddress and memStored in JSON.
            guard let m = t.firstMatch(of: /mem\[([0-9a-f]+)\]=([0-9a-f]+)/) else {
                #expect(o["memStored"] == nil, "\(t) / \(j)")
                continue
            }
            stores += 1
            let address = try #require(UInt64(m.1, radix: 16)), value = try #require(UInt64(m.2, radix: 16))
            #expect(o["memAddress"] as? String == "0x" + String(address, radix: 16), "\(t) / \(j)")
            #expect(o["memStored"] as? String == "0x" + String(value, radix: 16), "\(t) / \(j)")
            #expect(o["memSize"] as? Int == m.2.count / 2, "\(t) / \(j)")
        }
        // The contract's entry saves registers on its stack: stores happen.
        #expect(stores > 0, "no store among \(textLines.count) steps")
    }
}
