/// Bytes as lowercase hexadecimal text: digests, authentication codes, keys and tokens.
///
/// Written digit by digit into the string's storage: `String(format: "%02x")` a byte (one
/// Foundation format call and one string each) cost a keyed chain's every event about as much as
/// its HMAC.
public enum Hex {
    /// `bytes` as lowercase hexadecimal, two digits a byte.
    public static func lowercase(_ bytes: some Collection<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { output in
            var index = 0
            for byte in bytes {
                output[index] = digit(byte >> 4)
                output[index + 1] = digit(byte & 0x0f)
                index += 2
            }
            return index
        }
    }

    /// The ASCII digit of a nibble (0–15).
    @inline(__always)
    static func digit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? 0x30 + nibble : 0x57 + nibble
    }
}
