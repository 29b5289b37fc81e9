import Foundation
import ArgumentParser
import EEKit

/// `--trace`: the call tree of each transaction (every frame across EEs, with its gas and how
/// it ended), after the receipt; in `--json` output a `trace` member.
struct TraceOptions: ParsableArguments {
    @Flag(help: "Print each transaction's call tree: every frame (EE, call kind, gas, input) and how it ended, nested calls included.")
    var trace = false

    @Flag(name: .customLong("trace-steps"), help: "Write every instruction each frame runs to stderr: EVM frames as EIP-3155 JSON lines, native frames as '[riscv depth N ADDRESS gas BEFORE] pc (word) disassembly  reg=value  mem[address]=bytes' lines, or with --json as JSON lines too (\"ee\":\"riscv\", pc, op, opName, gas, depth, address, and reg/regValue, memAddress/memSize/memStored when the instruction has them); much slower, the receipts are the same.")
    var traceSteps = false

    /// A recorder attached to the session's bootloader, or nil without `--trace`; with
    /// `--trace-steps`, the session's EVM and RISC-V EEs are replaced by tracing ones first
    /// (native steps as JSON lines when `json`).
    func recorder(for session: ContractSession, json: Bool) -> CallTraceRecorder? {
        if traceSteps { Self.installStepTracers(on: session, json: json) }
        guard trace else { return nil }
        let r = CallTraceRecorder()
        r.attach(to: session.boot)
        return r
    }
}

extension TraceOptions {
    /// Registers an EVM and a RISC-V EE that write every step to stderr (the RISC-V one with the
    /// default configuration, which is what the command line's sessions use).
    static func installStepTracers(on session: ContractSession, json: Bool) {
        func write(_ line: String) { writeToStandardError(Data((line + "\n").utf8)) }
        session.boot.registry.register(EVMEnvironment.self) {
            EVMEnvironment(tracer: { step in write(step.jsonLine) })
        }
        let perGas = max(1, session.boot.schedule.ergsPerGas)
        session.boot.registry.registerRISCV(tracer: { s in
            write(
                json
                    ? riscvStepJSON(s, gas: s.ergsBefore / perGas)
                    : "[riscv depth \(s.depth + 1) \(s.address.hex) gas \(s.ergsBefore / perGas)] " + s.step.line)
        })
    }

    /// A native step as one JSON line, named as EIP-3155 names an EVM step's fields where they
    /// mean the same (`pc`, `op`: the instruction word, `opName`: its disassembly, `gas`
    /// before it, `depth` from 1), with the register it wrote and the memory it accessed.
    static func riscvStepJSON(_ s: RISCVFrameTraceStep, gas: UInt64) -> String {
        let st = s.step
        var fields: [(String, Any)] = [("ee", "riscv"), ("pc", NSNumber(value: st.pc))]
        if let w = st.instruction {
            fields += [("op", NSNumber(value: w)), ("opName", RISCVMachine.disassemble(w, pc: st.pc, xlen: st.xlen))]
        } else {
            fields.append(("opName", "(unreadable)"))
        }
        fields += [("gas", hexQuantity(gas)), ("depth", s.depth + 1), ("address", s.address.hex)]
        if let w = st.written {
            fields += [("reg", RISCVTraceStep.registerNames[w.register]), ("regValue", hexQuantity(w.value))]
        }
        if let m = st.memory {
            fields += [("memAddress", hexQuantity(m.address)), ("memSize", m.width)]
            if let v = m.stored { fields.append(("memStored", hexQuantity(v))) }
        }
        return jsonLine(ordered: fields)
    }
}

/// Trace lines (`rv run --trace`, `statetest --trace` / `--dump`), written to stderr in blocks.
final class TraceBuffer {
    private var bytes: [UInt8] = []
    func append(_ line: String) {
        bytes += line.utf8
        bytes.append(10)
        if bytes.count >= 1 << 16 { flush() }
    }
    func flush() {
        guard !bytes.isEmpty else { return }
        writeToStandardError(Data(bytes))
        bytes.removeAll(keepingCapacity: true)
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
