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

/// Hex of `bytes`, cut after 64 bytes with the full length named.
func traceHex(_ bytes: Bytes) -> String {
    if bytes.count <= 64 { return "0x" + Hex.encode(bytes) }
    return "0x" + Hex.encode(Array(bytes.prefix(32))) + "... (\(bytes.count) bytes)"
}

/// The end of a frame as one phrase: "success", "revert: reason", "failure (out of gas)".
func traceStatus(_ end: TraceFrameEnd, errors: [String]) -> String {
    switch end.status {
    case .success: return "success"
    case .revert:
        if let reason = ABIEncoder.revertReason(end.output, errors: errors) { return "revert: \(reason)" }
        return "revert"
    case .failure(let why): return "failure (\(why))"
    }
}

/// The call tree as text lines, two spaces of indent per depth.
func traceLines(_ node: CallTraceNode, errors: [String], indent: String = "  ") -> [String] {
    let s = node.start
    var head = "\(indent)\(s.kind) \(s.from.hex) -> \(s.to?.hex ?? "new contract") [\(s.target)]"
    // A delegate call moves no value (its frame only shows its caller's): not printed.
    let delegate = s.kind == .call(.delegate) || s.kind == .call(.delegateStatic)
    if !s.value.isZero && !delegate { head += " value \(s.value.decimalString)" }
    head += " gas \(s.gas) input \(traceHex(s.input))"
    var lines = [head]
    for child in node.children { lines += traceLines(child, errors: errors, indent: indent + "  ") }
    guard let end = node.end else { return lines + ["\(indent)└ did not end (the transaction stopped)"] }
    var tail = "\(indent)└ \(traceStatus(end, errors: errors)), gas used \(node.gasUsed ?? 0)"
    if let created = end.created { tail += ", created \(created.hex)" }
    if !end.output.isEmpty { tail += ", output \(traceHex(end.output))" }
    return lines + [tail]
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
