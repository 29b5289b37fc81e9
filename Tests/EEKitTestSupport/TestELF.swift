/// Builds small RISC-V ELF executables in memory for loader and interpreter tests.
public struct TestELF: Sendable {
    public struct Segment: Sendable {
        public var vaddr: UInt64
        public var bytes: [UInt8]
        public var memSize: UInt64
        /// PF_X = 1, PF_W = 2, PF_R = 4
        public var flags: UInt32
        /// p_type: PT_LOAD = 1 unless a test needs another program header (PT_INTERP = 3).
        public var type: UInt32
        public init(vaddr: UInt64, bytes: [UInt8], memSize: UInt64? = nil, flags: UInt32, type: UInt32 = 1) {
            self.vaddr = vaddr
            self.bytes = bytes
            self.memSize = memSize ?? UInt64(bytes.count)
            self.flags = flags
            self.type = type
        }
    }

    public var xlen: Int = 64
    public var machine: UInt16 = 243
    public var type: UInt16 = 2
    public var eFlags: UInt32 = 0
    /// e_phentsize as written (nil: the class's own, 32 or 56).
    public var phentsizeField: UInt16? = nil
    public var entry: UInt64
    public var segments: [Segment]

    public init(xlen: Int = 64, entry: UInt64, segments: [Segment]) {
        self.xlen = xlen
        self.entry = entry
        self.segments = segments
    }

    /// A program whose code is `words` at 0x10000 (R+X), entry at its start.
    public static func program(xlen: Int, code words: [UInt32], data: [UInt8] = []) -> TestELF {
        var segs = [Segment(vaddr: 0x10000, bytes: words.flatMap { le32($0) }, flags: 5)]
        if !data.isEmpty { segs.append(Segment(vaddr: 0x20000, bytes: data, flags: 6)) }
        return TestELF(xlen: xlen, entry: 0x10000, segments: segs)
    }

    public var bytes: [UInt8] {
        let is64 = xlen == 64
        let ehsize = is64 ? 64 : 52
        let phentsize = is64 ? 56 : 32
        let phoff = ehsize
        var dataOff = phoff + phentsize * segments.count
        var out: [UInt8] = [0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, 1, 1, 0] + [UInt8](repeating: 0, count: 8)
        func w16(_ v: UInt16) { out += [UInt8(v & 0xff), UInt8(v >> 8)] }
        func w32(_ v: UInt32) { out += TestELF.le32(v) }
        func wAddr(_ v: UInt64) {
            if is64 { for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } } else { w32(UInt32(truncatingIfNeeded: v)) }
        }
        w16(type); w16(machine); w32(1)
        wAddr(entry); wAddr(UInt64(phoff)); wAddr(0)
        w32(eFlags); w16(UInt16(ehsize)); w16(phentsizeField ?? UInt16(phentsize)); w16(UInt16(segments.count))
        w16(is64 ? 64 : 40); w16(0); w16(0)
        // Each segment's bytes at a file offset that agrees with its address within a 4 KiB
        // page, as the ELF specification requires (and ELFImage checks).
        var offsets: [Int] = []
        for s in segments {
            let want = Int(s.vaddr & 4095)
            dataOff += (want - dataOff % 4096 + 4096) % 4096
            offsets.append(dataOff)
            dataOff += s.bytes.count
        }
        for (i, s) in segments.enumerated() {
            w32(s.type)
            if is64 {
                w32(s.flags)
                wAddr(UInt64(offsets[i])); wAddr(s.vaddr); wAddr(s.vaddr)
                wAddr(UInt64(s.bytes.count)); wAddr(s.memSize); wAddr(0x1000)
            } else {
                wAddr(UInt64(offsets[i])); wAddr(s.vaddr); wAddr(s.vaddr)
                wAddr(UInt64(s.bytes.count)); wAddr(s.memSize); w32(s.flags); w32(0x1000)
            }
        }
        for (i, s) in segments.enumerated() {
            out += [UInt8](repeating: 0, count: offsets[i] - out.count)
            out += s.bytes
        }
        return out
    }

    public static func le32(_ v: UInt32) -> [UInt8] {
        [UInt8(v & 0xff), UInt8((v >> 8) & 0xff), UInt8((v >> 16) & 0xff), UInt8(v >> 24)]
    }
}
