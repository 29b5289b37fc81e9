/// Dynamic relocations of a native contract that is a static PIE.
///
/// A contract linked `-static-pie` at 0x10000 (`ELFImage.dynamicBase`) is placed where it was
/// linked (load bias 0), but lld leaves its absolute pointers (GOT entries, vtables, tables of
/// function pointers, `.init_array`) as zeros with the values in `R_RISCV_RELATIVE` entries of
/// `.rela.dyn`, for start-up code that a contract does not have. The image is built with those
/// entries applied, as a static PIE's own start-up code would apply them; the stored code stays
/// the file as deployed. With a bias of 0, `.relr.dyn` and REL entries (slot += bias) change
/// nothing. Any other relocation type (a symbol reference, an IFUNC) is refused.
extension ELFImage {
    static let relocationNone: UInt64 = 0
    static let relocationRelative: UInt64 = 3  // R_RISCV_RELATIVE

    /// The file's bytes with its RELA relocations applied, or nil when it has none to apply.
    /// Only for a PIE placed at its link addresses (`loadBias == 0`); an ET_EXEC is taken as it
    /// is. The patched bytes are the file's: where the loader maps a file page into two
    /// segments (a text segment's last page holding the start of .got), both see them.
    /// - Throws: `EEError.elf(.dynamicRelocation)` naming what cannot be applied.
    func contractRelocatedBytes() throws(EEError) -> [UInt8]? {
        guard isPositionIndependent, let dyn = dynamicSection, loadBias == 0 else { return nil }
        let word = UInt64(xlen / 8)
        func fail(_ why: String) -> EEError { .elf(.dynamicRelocation(why)) }
        /// r_info's type: its low byte (ELF32) or low 32 bits (ELF64).
        func relocationType(_ info: UInt64) -> UInt64 { info & (xlen == 32 ? 0xff : 0xffff_ffff) }
        func read(_ offset: UInt64, _ size: UInt64) -> UInt64 {
            var v: UInt64 = 0
            for i in 0..<size { v |= UInt64(bytes[Int(offset + i)]) << (8 * i) }
            return v
        }
        // Segments do not overlap (ELFImage checks it): sorted by address, the one that can
        // hold an address is found by binary search (a file may have thousands of segments and
        // of relocations).
        let sorted = segments.sorted { $0.vaddr < $1.vaddr }
        /// The file offset of `size` bytes at `address` in a segment's file bytes.
        func fileOffset(_ address: UInt64, _ size: UInt64, _ what: String) throws(EEError) -> UInt64 {
            var lo = 0, hi = sorted.count  // the first segment above `address` is at `lo` after the loop
            while lo < hi {
                let mid = (lo + hi) / 2
                if sorted[mid].vaddr <= address { lo = mid + 1 } else { hi = mid }
            }
            if lo > 0 {
                let s = sorted[lo - 1]
                if address - s.vaddr <= s.fileSize && s.fileSize - (address - s.vaddr) >= size {
                    return s.fileOffset + (address - s.vaddr)
                }
            }
            throw fail("\(what) at 0x\(String(address, radix: 16)) is not in the file bytes of a loaded segment")
        }
        // The dynamic section: (tag, value) pairs of two words each, up to DT_NULL.
        guard dyn.offset <= UInt64(bytes.count), dyn.size <= UInt64(bytes.count) - dyn.offset else {
            throw fail("PT_DYNAMIC lies outside the file")
        }
        var tags: [UInt64: UInt64] = [:]
        var at = dyn.offset
        while at + 2 * word <= dyn.offset + dyn.size {
            let tag = read(at, word), value = read(at + word, word)
            if tag == 0 { break }  // DT_NULL
            tags[tag] = value
            at += 2 * word
        }
        let entrySize = 3 * word  // Elf32_Rela / Elf64_Rela
        var tables: [(address: UInt64, size: UInt64, name: String)] = []
        if let size = tags[8], size > 0 {  // DT_RELASZ
            guard let address = tags[7] else { throw fail("DT_RELASZ without DT_RELA") }
            if let ent = tags[9], ent != entrySize { throw fail("DT_RELAENT \(ent), not \(entrySize)") }
            tables.append((address, size, ".rela.dyn"))
        }
        if let size = tags[2], size > 0 {  // DT_PLTRELSZ
            guard tags[20] == 7, let address = tags[23] else { throw fail("PLT relocations that are not RELA") }
            tables.append((address, size, ".rela.plt"))
        }
        if let size = tags[18], size > 0, let address = tags[17] {  // DT_RELSZ, DT_REL
            // slot += bias: only R_RISCV_RELATIVE is possible, and with a bias of 0 it is done.
            let offset = try fileOffset(address, size, "DT_REL")
            for k in stride(from: UInt64(0), to: size / (2 * word), by: 1) {
                let type = relocationType(read(offset + k * 2 * word + word, word))
                if type != Self.relocationRelative && type != Self.relocationNone {
                    throw fail("relocation type \(type) in .rel.dyn (only R_RISCV_RELATIVE is applied)")
                }
            }
        }
        guard !tables.isEmpty else { return nil }
        var out = bytes
        for t in tables {
            guard t.size % entrySize == 0 else { throw fail("\(t.name) size \(t.size) is not a multiple of \(entrySize)") }
            let table = try fileOffset(t.address, t.size, t.name)
            for k in 0..<(t.size / entrySize) {
                let e = table + k * entrySize
                let target = read(e, word), info = read(e + word, word), addend = read(e + 2 * word, word)
                let type = relocationType(info)
                if type == Self.relocationNone { continue }
                guard type == Self.relocationRelative else {
                    throw fail("relocation type \(type) in \(t.name) (only R_RISCV_RELATIVE is applied; link with -static -no-pie)")
                }
                let slot = try fileOffset(target, word, "a relocation target")
                for i in 0..<word { out[Int(slot + i)] = UInt8(truncatingIfNeeded: addend >> (8 * i)) }
            }
        }
        return out
    }
}
