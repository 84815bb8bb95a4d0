/// Checks a text against OneGo's JSON dialect and records where every value and key starts.
///
/// json-c builds the values; this scanner makes the checks json-c does not make (duplicate keys,
/// single quotes, `NaN`, leading zeros, trailing commas, text after the value) and gives each
/// value its byte offset. Offsets are recorded in pre-order: for an object, its own offset, then
/// for each member the key's offset followed by the member value's offsets; for an array, its own
/// offset followed by its elements'. json-c keeps members in source order, so a walk over its tree
/// in the same order pairs every value with its offset.
struct DialectScanner {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private(set) var offsets: [Int] = []
    /// Hashes and offsets of the keys of the objects being scanned, innermost last.
    private var keyStack: [(hash: UInt64, offset: Int)] = []
    private let maxDepth: Int

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        offsets.reserveCapacity(bytes.count / 8)
    }

    /// Scans the whole text; throws at the first problem.
    mutating func scan() throws(JSONSyntaxError) {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            throw JSONSyntaxError(offset: 0, message: "remove the byte-order mark at the start of the file")
        }
        try skipTrivia()
        if index >= bytes.count {
            throw JSONSyntaxError(offset: index, message: "the file is empty; expected a JSON value")
        }
        try scanValue(depth: 0)
        try skipTrivia()
        if index < bytes.count {
            throw JSONSyntaxError(offset: index, message: "unexpected text after the JSON value")
        }
    }

    // MARK: - Values

    private mutating func scanValue(depth: Int) throws(JSONSyntaxError) {
        try skipTrivia()
        guard index < bytes.count else {
            throw JSONSyntaxError(offset: index, message: "expected a value but the file ended")
        }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            try scanObject(depth: depth + 1)
        case UInt8(ascii: "["):
            try scanArray(depth: depth + 1)
        case UInt8(ascii: "\""):
            offsets.append(index)
            _ = try scanString(decode: false)
        case UInt8(ascii: "'"):
            throw singleQuoteError()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            offsets.append(index)
            try scanNumber()
        case UInt8(ascii: "+"):
            throw JSONSyntaxError(offset: index, message: "a number may not start with '+'")
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
            offsets.append(index)
            try scanLiteral()
        default:
            throw JSONSyntaxError(offset: index, message: "expected a value, found \(describeByte(at: index))")
        }
    }

    private mutating func scanObject(depth: Int) throws(JSONSyntaxError) {
        try checkDepth(depth)
        offsets.append(index)
        index += 1
        // Keys are told apart by a hash of their bytes; only on a hash match are both decoded.
        // Each object's keys sit on a stack shared by all objects (no allocation per object);
        // an object with many keys also gets a dictionary.
        let base = keyStack.count
        var many: [UInt64: Int]? = nil
        defer { keyStack.removeLast(keyStack.count - base) }
        try skipTrivia()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return
        }
        var lastComma: Int?
        while true {
            try skipTrivia()
            guard index < bytes.count else {
                throw JSONSyntaxError(offset: index, message: "the object is not closed; expected '}'")
            }
            switch bytes[index] {
            case UInt8(ascii: "\""):
                break
            case UInt8(ascii: "'"):
                throw singleQuoteError()
            case UInt8(ascii: "}") where lastComma != nil:
                throw JSONSyntaxError(offset: lastComma ?? index, message: "remove the trailing comma before '}'")
            default:
                throw JSONSyntaxError(
                    offset: index,
                    message: "expected a key in double quotes, found \(describeByte(at: index))"
                )
            }
            let keyOffset = index
            let hasEscape = try scanKey()
            let hash = hasEscape ? Self.hash(Array(try decodedKey(at: keyOffset).utf8)) : rawKeyHash(keyOffset)
            let first: Int?
            if let many {
                first = many[hash]
            } else {
                first = keyStack[base...].first { $0.hash == hash }?.offset
            }
            if let first {
                let key = try decodedKey(at: keyOffset)
                if try decodedKey(at: first) == key {
                    throw JSONSyntaxError(
                        offset: keyOffset,
                        message: "duplicate key '\(key)' in the same object",
                        relatedOffset: first
                    )
                }
            }
            keyStack.append((hash, keyOffset))
            if many != nil {
                many?[hash] = keyOffset
            } else if keyStack.count - base > 16 {
                many = Dictionary(keyStack[base...].map { ($0.hash, $0.offset) }) { first, _ in first }
            }
            let key = ""
            offsets.append(keyOffset)
            try skipTrivia()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw JSONSyntaxError(
                    offset: index, message: "expected ':' after the key '\((try? decodedKey(at: keyOffset)) ?? key)'")
            }
            index += 1
            try scanValue(depth: depth)
            try skipTrivia()
            guard index < bytes.count else {
                throw JSONSyntaxError(offset: index, message: "the object is not closed; expected '}'")
            }
            if bytes[index] == UInt8(ascii: ",") {
                lastComma = index
                index += 1
            } else if bytes[index] == UInt8(ascii: "}") {
                index += 1
                return
            } else {
                throw JSONSyntaxError(
                    offset: index,
                    message:
                        "expected ',' or '}' after the value of '\((try? decodedKey(at: keyOffset)) ?? key)', found \(describeByte(at: index))"
                )
            }
        }
    }

    private mutating func scanArray(depth: Int) throws(JSONSyntaxError) {
        try checkDepth(depth)
        offsets.append(index)
        index += 1
        try skipTrivia()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            try scanValue(depth: depth)
            try skipTrivia()
            guard index < bytes.count else {
                throw JSONSyntaxError(offset: index, message: "the array is not closed; expected ']'")
            }
            if bytes[index] == UInt8(ascii: ",") {
                let comma = index
                index += 1
                try skipTrivia()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                    throw JSONSyntaxError(offset: comma, message: "remove the trailing comma before ']'")
                }
            } else if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return
            } else {
                throw JSONSyntaxError(
                    offset: index,
                    message: "expected ',' or ']' in the array, found \(describeByte(at: index))"
                )
            }
        }
    }

    private mutating func scanLiteral() throws(JSONSyntaxError) {
        let start = index
        while index < bytes.count, isIdentifierByte(bytes[index]) { index += 1 }
        let word = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        switch word {
        case "true", "false", "null":
            return
        case "NaN", "Infinity":
            throw JSONSyntaxError(offset: start, message: "'\(word)' is not a JSON value; write a number")
        default:
            throw JSONSyntaxError(
                offset: start,
                message: "'\(word)' is not a JSON value; put text in double quotes"
            )
        }
    }

    private mutating func scanNumber() throws(JSONSyntaxError) {
        let start = index
        if bytes[index] == UInt8(ascii: "-") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "I") || bytes[index] == UInt8(ascii: "N") {
                throw JSONSyntaxError(offset: start, message: "'-Infinity' is not a JSON value; write a number")
            }
        }
        guard index < bytes.count, isDigit(bytes[index]) else {
            throw JSONSyntaxError(offset: start, message: "expected a digit after '-'")
        }
        if bytes[index] == UInt8(ascii: "0"), index + 1 < bytes.count, isDigit(bytes[index + 1]) {
            throw JSONSyntaxError(offset: start, message: "a number may not have leading zeros")
        }
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else {
                throw JSONSyntaxError(offset: index, message: "expected a digit after the decimal point")
            }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else {
                throw JSONSyntaxError(offset: index, message: "expected a digit in the exponent")
            }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, isIdentifierByte(bytes[index]) {
            throw JSONSyntaxError(offset: start, message: "malformed number")
        }
        // json-c clamps what does not fit: say so here, where the number stands.
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        let isInteger = !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" })
        if isInteger, Int64(text) == nil {
            throw JSONSyntaxError(
                offset: start, message: "\(text) is beyond the range of whole numbers (±9223372036854775807)")
        }
        if !isInteger, let value = Double(text), !value.isFinite {
            throw JSONSyntaxError(offset: start, message: "\(text) is beyond the range of numbers (about ±1.8e308)")
        }
    }

    // MARK: - Keys

    /// Scans a key string; returns whether it contains escapes.
    private mutating func scanKey() throws(JSONSyntaxError) -> Bool {
        let start = index
        _ = try scanString(decode: false)
        return bytes[start..<index].contains(UInt8(ascii: "\\"))
    }

    /// The key starting at `offset`, decoded.
    private func decodedKey(at offset: Int) throws(JSONSyntaxError) -> String {
        var copy = self
        copy.index = offset
        return try copy.scanString(decode: true)
    }

    private func rawKeyHash(_ offset: Int) -> UInt64 {
        var end = offset + 1
        while end < bytes.count, bytes[end] != UInt8(ascii: "\"") { end += 1 }
        return Self.hash(UnsafeBufferPointer(rebasing: bytes[(offset + 1)..<end]))
    }

    /// FNV-1a over bytes.
    private static func hash<C: Collection<UInt8>>(_ bytes: C) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    // MARK: - Strings

    /// Scans a double-quoted string starting at `index`; returns the decoded text when asked.
    private mutating func scanString(decode: Bool) throws(JSONSyntaxError) -> String {
        let open = index
        index += 1
        let contentStart = index
        var decoded: [UInt8]? = nil
        while true {
            // Fast path: plain ASCII text needs no check beyond these.
            while index < bytes.count, decoded == nil {
                let byte = bytes[index]
                guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") else { break }
                index += 1
            }
            guard index < bytes.count else {
                throw JSONSyntaxError(offset: open, message: "the string is not closed; expected '\"'")
            }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let content = UnsafeBufferPointer(rebasing: bytes[contentStart..<index])
                index += 1
                guard decode else { return "" }
                if let decoded { return String(decoding: decoded, as: UTF8.self) }
                return String(decoding: content, as: UTF8.self)
            } else if byte == UInt8(ascii: "\\") {
                if decode, decoded == nil { decoded = Array(bytes[contentStart..<index]) }
                let scalar = try scanEscape()
                if decode { decoded?.append(contentsOf: Array(String(scalar).utf8)) }
            } else if byte < 0x20 {
                throw JSONSyntaxError(
                    offset: index,
                    message: "a control character cannot stand in a string; write it as an escape such as \\n"
                )
            } else if byte < 0x80 {
                decoded?.append(byte)
                index += 1
            } else {
                let start = index
                try skipUTF8Sequence()
                decoded?.append(contentsOf: bytes[start..<index])
            }
        }
    }

    private mutating func scanEscape() throws(JSONSyntaxError) -> Unicode.Scalar {
        let start = index
        index += 1
        guard index < bytes.count else {
            throw JSONSyntaxError(offset: start, message: "the string is not closed; expected '\"'")
        }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let high = try scanHex4(escapeStart: start)
            if (0xD800...0xDBFF).contains(high) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                    bytes[index + 1] == UInt8(ascii: "u")
                else {
                    throw JSONSyntaxError(offset: start, message: "a \\u escape names half of a surrogate pair")
                }
                index += 2
                let low = try scanHex4(escapeStart: start)
                guard (0xDC00...0xDFFF).contains(low),
                    let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
                else {
                    throw JSONSyntaxError(offset: start, message: "a \\u escape names half of a surrogate pair")
                }
                return scalar
            }
            guard let scalar = Unicode.Scalar(high) else {
                throw JSONSyntaxError(offset: start, message: "a \\u escape names half of a surrogate pair")
            }
            // json-c cuts keys and text at NUL, so two keys that differ after it would collide unseen.
            guard scalar.value != 0 else {
                throw JSONSyntaxError(offset: start, message: "\\u0000 (NUL) cannot stand in a OneGo file")
            }
            return scalar
        default:
            throw JSONSyntaxError(offset: start, message: "invalid escape '\\\(describeRaw(byte))' in a string")
        }
    }

    private mutating func scanHex4(escapeStart: Int) throws(JSONSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < bytes.count, let digit = hexValue(bytes[index]) else {
                throw JSONSyntaxError(offset: escapeStart, message: "a \\u escape needs four hexadecimal digits")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    /// Steps over one UTF-8 sequence of two to four bytes, or throws if it is malformed.
    private mutating func skipUTF8Sequence() throws(JSONSyntaxError) {
        let start = index
        let lead = bytes[index]
        let length: Int
        let minimum: UInt32
        var scalar: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; scalar = UInt32(lead & 0x1F); minimum = 0x80
        case 0xE0...0xEF: length = 3; scalar = UInt32(lead & 0x0F); minimum = 0x800
        case 0xF0...0xF4: length = 4; scalar = UInt32(lead & 0x07); minimum = 0x10000
        default: throw JSONSyntaxError(offset: start, message: "invalid UTF-8 byte sequence; save the file as UTF-8")
        }
        guard start + length <= bytes.count else {
            throw JSONSyntaxError(offset: start, message: "invalid UTF-8 byte sequence; save the file as UTF-8")
        }
        for position in (start + 1)..<(start + length) {
            let byte = bytes[position]
            guard byte & 0xC0 == 0x80 else {
                throw JSONSyntaxError(offset: start, message: "invalid UTF-8 byte sequence; save the file as UTF-8")
            }
            scalar = scalar << 6 | UInt32(byte & 0x3F)
        }
        if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) {
            throw JSONSyntaxError(offset: start, message: "invalid UTF-8 byte sequence; save the file as UTF-8")
        }
        index = start + length
    }

    // MARK: - Whitespace and comments

    private mutating func skipTrivia() throws(JSONSyntaxError) {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                index += 1
            case UInt8(ascii: "/"):
                let start = index
                guard index + 1 < bytes.count else {
                    throw JSONSyntaxError(offset: start, message: "a comment starts with '//' or '/*'")
                }
                if bytes[index + 1] == UInt8(ascii: "/") {
                    index += 2
                    while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { try skipCommentByte() }
                } else if bytes[index + 1] == UInt8(ascii: "*") {
                    index += 2
                    while true {
                        guard index < bytes.count else {
                            throw JSONSyntaxError(offset: start, message: "the comment is not closed; expected '*/'")
                        }
                        if bytes[index] == UInt8(ascii: "*"), index + 1 < bytes.count,
                            bytes[index + 1] == UInt8(ascii: "/")
                        {
                            index += 2
                            break
                        }
                        try skipCommentByte()
                    }
                } else {
                    throw JSONSyntaxError(offset: start, message: "a comment starts with '//' or '/*'")
                }
            default:
                return
            }
        }
    }

    private mutating func skipCommentByte() throws(JSONSyntaxError) {
        if bytes[index] < 0x80 {
            index += 1
        } else {
            try skipUTF8Sequence()
        }
    }

    // MARK: - Helpers

    private func checkDepth(_ depth: Int) throws(JSONSyntaxError) {
        if depth > maxDepth {
            throw JSONSyntaxError(offset: index, message: "values are nested more than \(maxDepth) levels deep")
        }
    }

    private func singleQuoteError() -> JSONSyntaxError {
        JSONSyntaxError(offset: index, message: "single-quoted strings are not JSON; use double quotes")
    }

    private func describeByte(at position: Int) -> String {
        guard position < bytes.count else { return "the end of the file" }
        guard bytes[position] >= 0x80 else { return "'\(describeRaw(bytes[position]))'" }
        // A whole character, named: a full-width comma from a Chinese input method is the commonest slip.
        var end = position + 1
        while end < bytes.count, end < position + 4, bytes[end] & 0xC0 == 0x80 { end += 1 }
        guard let text = String(validating: bytes[position..<end], as: UTF8.self),
            let scalar = text.unicodeScalars.first
        else { return "'\(describeRaw(bytes[position]))'" }
        return Self.name(of: scalar)
    }

    /// A character as a message names it: the character, its code point and name, and what to write
    /// instead when it stands for a JSON punctuation mark (or is invisible).
    static func name(of scalar: Unicode.Scalar) -> String {
        let code = "U+" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4)
        let known: [UInt32: (name: String, use: String?)] = [
            0xFF0C: ("FULLWIDTH COMMA", ","), 0x3001: ("IDEOGRAPHIC COMMA", ","), 0xFF1A: ("FULLWIDTH COLON", ":"),
            0xFF1B: ("FULLWIDTH SEMICOLON", ","), 0x201C: ("LEFT DOUBLE QUOTATION MARK", "\""),
            0x201D: ("RIGHT DOUBLE QUOTATION MARK", "\""), 0xFF02: ("FULLWIDTH QUOTATION MARK", "\""),
            0xFF5B: ("FULLWIDTH LEFT CURLY BRACKET", "{"), 0xFF5D: ("FULLWIDTH RIGHT CURLY BRACKET", "}"),
            0xFF3B: ("FULLWIDTH LEFT SQUARE BRACKET", "["), 0xFF3D: ("FULLWIDTH RIGHT SQUARE BRACKET", "]"),
            0x00A0: ("NO-BREAK SPACE", " "), 0x3000: ("IDEOGRAPHIC SPACE", " "), 0x200B: ("ZERO WIDTH SPACE", nil),
            0xFEFF: ("ZERO WIDTH NO-BREAK SPACE", nil),
        ]
        guard let (name, use) = known[scalar.value] else { return "'\(Character(scalar))' (\(code))" }
        let shown = name.hasSuffix("SPACE") ? "" : "'\(Character(scalar))' "
        return shown + "(\(code) \(name))" + (use.map { ": use '\($0)'" } ?? ": remove it")
    }

    private func describeRaw(_ byte: UInt8) -> String {
        if byte >= 0x20, byte < 0x7F { return String(UnicodeScalar(byte)) }
        return "\\u{\(String(byte, radix: 16))}"
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}

private func isDigit(_ byte: UInt8) -> Bool {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
}

private func isIdentifierByte(_ byte: UInt8) -> Bool {
    isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
        || byte == UInt8(ascii: "_")
}

private func hexValue(_ byte: UInt8) -> UInt32? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
    default: return nil
    }
}
