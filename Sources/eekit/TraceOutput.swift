import ArgumentParser
import EEKit

/// `--trace`: the call tree of each transaction (every frame across EEs, with its gas and how
/// it ended), after the receipt; in `--json` output a `trace` member.
struct TraceOptions: ParsableArguments {
    @Flag(help: "Print each transaction's call tree: every frame (EE, call kind, gas, input) and how it ended, nested calls included.")
    var trace = false

    /// A recorder attached to the session's bootloader, or nil without `--trace`.
    func recorder(for session: ContractSession) -> CallTraceRecorder? {
        guard trace else { return nil }
        let r = CallTraceRecorder()
        r.attach(to: session.boot)
        return r
    }
}

/// The call tree as JSON: one object per frame in call order (a flat list, as Parity's
/// `trace_transaction` gives it, so that a 1,024-deep chain does not nest 1,024 levels), each
/// with its `traceAddress` (child indexes from the root), `subtraces`, its fields and full
/// input and output.
func traceJSON(_ node: CallTraceNode, errors: [String], address: [Int] = []) -> [[String: Any]] {
    let s = node.start
    var doc: [String: Any] = [
        "type": "\(s.kind)", "from": s.from.hex, "target": "\(s.target)", "value": s.value.decimalString,
        "gas": s.gas, "input": "0x" + Hex.encode(s.input), "depth": s.depth,
        "traceAddress": address, "subtraces": node.children.count,
    ]
    if let to = s.to { doc["to"] = to.hex }
    if let end = node.end {
        doc.merge(statusJSON(end.status, output: end.output, errors: errors)) { $1 }
        doc["gasUsed"] = node.gasUsed ?? 0
        doc["output"] = "0x" + Hex.encode(end.output)
        if let created = end.created { doc["created"] = created.hex }
    }
    var out = [doc]
    for (i, child) in node.children.enumerated() { out += traceJSON(child, errors: errors, address: address + [i]) }
    return out
}
