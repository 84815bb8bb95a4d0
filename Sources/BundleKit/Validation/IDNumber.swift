/// The 18-digit citizen ID number of GB 11643-1999: address code, birth date, sequence and an
/// ISO 7064 MOD 11-2 check character.
public enum IDNumber {
    private static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]

    /// The check character for the first 17 digits, or `nil` if they are not 17 digits.
    public static func checkCharacter(for body: String) -> Character? {
        let bytes = Array(body.utf8)
        guard bytes.count == 17, bytes.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Character(Unicode.Scalar(checkByte(for: bytes[...])))
    }

    /// The check character, as an ASCII byte, for 17 ASCII digits.
    static func checkByte(for body: ArraySlice<UInt8>) -> UInt8 {
        var sum = 0
        for (byte, weight) in zip(body, weights) { sum += Int(byte - 0x30) * weight }
        return checkBytes[sum % 11]
    }
    private static let checkBytes = Array("10X98765432".utf8)

    /// The number masked for screens, receipts and logs: first 6, eight `*`, last 4.
    public static func masked(_ number: String) -> String {
        let bytes = number.utf8
        if bytes.allSatisfy({ $0 < 0x80 }) {
            guard bytes.count > 10 else { return String(repeating: "*", count: bytes.count) }
            return String(decoding: bytes.prefix(6), as: UTF8.self) + "********"
                + String(decoding: bytes.suffix(4), as: UTF8.self)
        }
        let characters = Array(number)
        guard characters.count > 10 else { return String(repeating: "*", count: characters.count) }
        return String(characters.prefix(6)) + "********" + String(characters.suffix(4))
    }
}

/// The unified social credit code of GB 32100-2015: 18 characters with a MOD 31 check character.
public enum CreditCode {
    /// The 31 characters codes are written in (no I, O, Z, S, V).
    public static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    private static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// The value of an ASCII byte in the alphabet, if it is one of its characters.
    static func value(of byte: UInt8) -> Int? {
        byte < 0x80 ? values[Int(byte)] : nil
    }
    private static let values: [Int?] = (0..<128).map { byte in
        alphabetBytes.firstIndex(of: UInt8(byte))
    }
    private static let alphabetBytes = Array("0123456789ABCDEFGHJKLMNPQRTUWXY".utf8)

    /// The check character, as an ASCII byte, for 17 bytes of the alphabet.
    static func checkByte(for body: ArraySlice<UInt8>) -> UInt8 {
        var sum = 0
        for (byte, weight) in zip(body, weights) { sum += (value(of: byte) ?? 0) * weight }
        return alphabetBytes[(31 - sum % 31) % 31]
    }

    /// The check character for the first 17 characters, or `nil` if they are not in the alphabet.
    public static func checkCharacter(for body: String) -> Character? {
        let bytes = Array(body.utf8)
        guard bytes.count == 17, bytes.allSatisfy({ value(of: $0) != nil }) else { return nil }
        return Character(Unicode.Scalar(checkByte(for: bytes[...])))
    }
}
