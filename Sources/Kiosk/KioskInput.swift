/// What the kiosk accepts of a typed line, before any stage sees it.
public enum KioskInput {
    /// Keeps printable characters only, at most 200: escape sequences (cursor keys, terminal
    /// titles) and control bytes are dropped whole.
    public static func clean(_ raw: String) -> String {
        var kept = String.UnicodeScalarView()
        var scalars = raw.unicodeScalars.makeIterator()
        while let scalar = scalars.next(), kept.count < 200 {
            if scalar == "\u{1B}" {
                switch scalars.next() {
                case "[":
                    while let next = scalars.next(), !(0x40...0x7E).contains(next.value) {}
                case "]":
                    while let next = scalars.next(), next != "\u{07}", next != "\u{1B}" {}
                default:
                    break
                }
                continue
            }
            if scalar.value >= 0x20 && scalar.value != 0x7F && !(0x80...0x9F).contains(scalar.value) {
                kept.append(scalar)
            }
        }
        var text = String(kept)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }

    /// An ID number as typed on a numeric keypad: `*` stands for the check character X (the usual
    /// convention on keypads), and the spaces people type between groups are dropped.
    public static func idNumber(_ line: String) -> String {
        String(line.filter { $0 != " " }.map { $0 == "*" ? "X" : $0 }).uppercased()
    }

    /// A case number as typed: `OG20261123-000001`, or its 14 digits alone on a numeric keypad, with or
    /// without the letters, the dash and spaces.
    public static func caseNumber(_ line: String) -> String {
        var text = line.uppercased().filter { $0 != " " && $0 != "-" }
        if text.hasPrefix("OG") { text.removeFirst(2) }
        guard text.count == 14, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber) else {
            return line.uppercased()
        }
        return "OG" + text.prefix(8) + "-" + text.suffix(6)
    }

    /// A date as typed: `2026-12-08`, or its 8 digits alone (`20261208`) on a numeric keypad.
    public static func date(_ line: String) -> String {
        guard line.count == 8, line.allSatisfy(\.isASCII), line.allSatisfy(\.isNumber) else { return line }
        let digits = Array(line)
        return String(digits[0..<4]) + "-" + String(digits[4..<6]) + "-" + String(digits[6..<8])
    }
}
