import CNative

/// SHA-256 (FIPS 180-4), for the audit chain, attachment digests and request fingerprints.
///
/// Small and dependency-free; checked against the standard's test vectors in the tests. Every
/// event of the audit chain is hashed inside its transaction, so the message is read in place (no
/// padded copy). The block function runs on the x86 SHA extensions where the processor has them
/// (`Sources/CNative`), else here in Swift: the schedule on the stack, the rounds eight at a time
/// with the working variables renamed instead of moved. The tests run both.
public enum SHA256 {
    /// Whether the block function runs on the processor's SHA extensions.
    public static let isAccelerated = onego_sha256_accelerated() != 0

    fileprivate static let k: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// The digest of `bytes` as 32 bytes.
    public static func digest<C: Collection<UInt8>>(_ bytes: C) -> [UInt8] {
        let state = withBytes(of: bytes) { hashing($0) }
        var output = [UInt8]()
        output.reserveCapacity(32)
        state.forEachByte { output.append($0) }
        return output
    }

    /// The digest of `bytes` in lowercase hexadecimal; `portable` keeps to the Swift block
    /// function even where the processor has SHA extensions (for the tests).
    public static func hex<C: Collection<UInt8>>(_ bytes: C, portable: Bool = false) -> String {
        hex(of: withBytes(of: bytes) { hashing($0, portable: portable) })
    }

    /// The digest of a string's UTF-8 in lowercase hexadecimal.
    public static func hex(_ text: String) -> String {
        var text = text
        return text.withUTF8 { hex(of: hashing(UnsafeRawBufferPointer($0))) }
    }

    private static func withBytes<C: Collection<UInt8>>(
        of bytes: C, _ body: (UnsafeRawBufferPointer) -> State
    )
        -> State
    {
        if let state = bytes.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) {
            return state
        }
        return Array(bytes).withUnsafeBytes(body)
    }

    private static func hex(of state: State) -> String {
        String(unsafeUninitializedCapacity: 64) { output in
            var index = 0
            state.forEachByte { byte in
                output[index] = Hex.digit(byte >> 4)
                output[index + 1] = Hex.digit(byte & 0x0f)
                index += 2
            }
            return 64
        }
    }

    /// Runs the block function over the whole message: full blocks in place, then the last one or
    /// two blocks with the padding and the length in a stack buffer.
    private static func hashing(_ message: UnsafeRawBufferPointer, portable: Bool = false) -> State {
        var state = State()
        let length = message.count
        let fullBlocks = length / 64
        let accelerated = isAccelerated && !portable
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { schedule in
            k.withUnsafeBufferPointer { k in
                func compress(_ start: UnsafeRawPointer, blocks: Int) {
                    guard accelerated else {
                        for block in 0..<blocks { state.compress(start + block * 64, schedule: schedule, constants: k) }
                        return
                    }
                    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 8) { words in
                        state.store(to: words)
                        onego_sha256_blocks(words.baseAddress, start.assumingMemoryBound(to: UInt8.self), blocks)
                        state = State(words)
                    }
                }
                if let start = message.baseAddress, fullBlocks > 0 {
                    compress(start, blocks: fullBlocks)
                }
                withUnsafeTemporaryAllocation(byteCount: 128, alignment: 8) { tail in
                    let rest = length - fullBlocks * 64
                    tail.copyMemory(from: UnsafeRawBufferPointer(rebasing: message[(fullBlocks * 64)...]))
                    let blocks = rest < 56 ? 1 : 2
                    tail[rest] = 0x80
                    for index in (rest + 1)..<(blocks * 64 - 8) { tail[index] = 0 }
                    let bitLength = UInt64(length) &* 8
                    for index in 0..<8 {
                        tail[blocks * 64 - 1 - index] = UInt8(truncatingIfNeeded: bitLength &>> UInt64(index * 8))
                    }
                    guard let start = tail.baseAddress else { return }
                    compress(UnsafeRawPointer(start), blocks: blocks)
                }
            }
        }
        return state
    }

    /// The eight working words between blocks.
    private struct State {
        var a: UInt32 = 0x6a09_e667, b: UInt32 = 0xbb67_ae85, c: UInt32 = 0x3c6e_f372, d: UInt32 = 0xa54f_f53a
        var e: UInt32 = 0x510e_527f, f: UInt32 = 0x9b05_688c, g: UInt32 = 0x1f83_d9ab, h: UInt32 = 0x5be0_cd19

        init() {}

        /// The state from eight words a…h.
        init(_ words: UnsafeMutableBufferPointer<UInt32>) {
            (a, b, c, d) = (words[0], words[1], words[2], words[3])
            (e, f, g, h) = (words[4], words[5], words[6], words[7])
        }

        /// Writes the eight words a…h.
        func store(to words: UnsafeMutableBufferPointer<UInt32>) {
            (words[0], words[1], words[2], words[3]) = (a, b, c, d)
            (words[4], words[5], words[6], words[7]) = (e, f, g, h)
        }

        /// The digest's bytes, big-endian word by word.
        @inline(__always)
        func forEachByte(_ body: (UInt8) -> Void) {
            for word in [a, b, c, d, e, f, g, h] {
                body(UInt8(truncatingIfNeeded: word &>> 24))
                body(UInt8(truncatingIfNeeded: word &>> 16))
                body(UInt8(truncatingIfNeeded: word &>> 8))
                body(UInt8(truncatingIfNeeded: word))
            }
        }

        /// Processes one 64-byte block.
        @inline(__always)
        mutating func compress(
            _ block: UnsafeRawPointer, schedule w: UnsafeMutableBufferPointer<UInt32>,
            constants k: UnsafeBufferPointer<UInt32>
        ) {
            for i in 0..<16 {
                w[i] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
            }
            for i in 16..<64 {
                let x = w[i - 15], y = w[i - 2]
                let s0 = rotate(x, 7) ^ rotate(x, 18) ^ (x &>> 3)
                let s1 = rotate(y, 17) ^ rotate(y, 19) ^ (y &>> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var a = self.a, b = self.b, c = self.c, d = self.d, e = self.e, f = self.f, g = self.g, h = self.h
            var i = 0
            while i < 64 {
                round(a, b, c, &d, e, f, g, &h, k[i] &+ w[i])
                round(h, a, b, &c, d, e, f, &g, k[i + 1] &+ w[i + 1])
                round(g, h, a, &b, c, d, e, &f, k[i + 2] &+ w[i + 2])
                round(f, g, h, &a, b, c, d, &e, k[i + 3] &+ w[i + 3])
                round(e, f, g, &h, a, b, c, &d, k[i + 4] &+ w[i + 4])
                round(d, e, f, &g, h, a, b, &c, k[i + 5] &+ w[i + 5])
                round(c, d, e, &f, g, h, a, &b, k[i + 6] &+ w[i + 6])
                round(b, c, d, &e, f, g, h, &a, k[i + 7] &+ w[i + 7])
                i += 8
            }
            self.a &+= a
            self.b &+= b
            self.c &+= c
            self.d &+= d
            self.e &+= e
            self.f &+= f
            self.g &+= g
            self.h &+= h
        }

        /// One round, with the roles of the working variables passed in rotated order: `d`
        /// receives the new `e` and `h` the new `a`.
        @inline(__always)
        private func round(
            _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32, _ e: UInt32, _ f: UInt32, _ g: UInt32,
            _ h: inout UInt32, _ kw: UInt32
        ) {
            let t1 = h &+ (rotate(e, 6) ^ rotate(e, 11) ^ rotate(e, 25)) &+ (g ^ (e & (f ^ g))) &+ kw
            let t2 = (rotate(a, 2) ^ rotate(a, 13) ^ rotate(a, 22)) &+ ((a & b) | (c & (a | b)))
            d &+= t1
            h = t1 &+ t2
        }
    }
}

/// Masking shifts: the smart shifts `>>` and `<<` check for over-long counts on every call.
@inline(__always)
private func rotate(_ value: UInt32, _ count: UInt32) -> UInt32 {
    (value &>> count) | (value &<< (32 &- count))
}
