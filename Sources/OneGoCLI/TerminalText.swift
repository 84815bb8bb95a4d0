/// A stored value made safe for a staff terminal: control characters (C0, DEL, C1), bidirectional
/// overrides and isolates and zero-width characters are shown as `\u{…}` instead of acting on the
/// terminal (clearing it, setting its title, reordering a line, printing a fake one). New values are
/// refused at input; this covers whatever older versions or other writers left in a database.
enum TerminalText {
    static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            if isUnsafe(scalar) {
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return value < 0x20 || (0x7F...0x9F).contains(value) || (0x202A...0x202E).contains(value)
            || (0x2066...0x2069).contains(value) || (0x200B...0x200F).contains(value) || value == 0x2060
            || value == 0xFEFF
    }
}
