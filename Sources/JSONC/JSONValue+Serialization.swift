extension JSONValue {
    /// The value as JSON text: two-space indentation when `pretty`, members in their order,
    /// non-ASCII characters written as they are (UTF-8).
    public func serialized(pretty: Bool = true) -> String {
        var output = ""
        write(to: &output, indent: 0, pretty: pretty)
        if pretty { output.append("\n") }
        return output
    }

    private func write(to output: inout String, indent: Int, pretty: Bool) {
        switch self {
        case .null: output.append("null")
        case .bool(let value): output.append(value ? "true" : "false")
        case .integer(let value): output.append(String(value))
        case .double(let value):
            if value.isFinite, value.rounded() == value, abs(value) < 1e15 {
                output.append(String(Int64(value)))
            } else if value.isFinite {
                output.append(String(value))
            } else {
                output.append("null")
            }
        case .string(let value): Self.writeString(value, to: &output)
        case .array(let elements):
            if elements.isEmpty {
                output.append("[]")
                return
            }
            output.append("[")
            for (position, element) in elements.enumerated() {
                if position > 0 { output.append(",") }
                Self.newline(&output, indent: indent + 1, pretty: pretty)
                element.value.write(to: &output, indent: indent + 1, pretty: pretty)
            }
            Self.newline(&output, indent: indent, pretty: pretty)
            output.append("]")
        case .object(let members):
            if members.isEmpty {
                output.append("{}")
                return
            }
            output.append("{")
            for (position, member) in members.enumerated() {
                if position > 0 { output.append(",") }
                Self.newline(&output, indent: indent + 1, pretty: pretty)
                Self.writeString(member.key, to: &output)
                output.append(pretty ? ": " : ":")
                member.node.value.write(to: &output, indent: indent + 1, pretty: pretty)
            }
            Self.newline(&output, indent: indent, pretty: pretty)
            output.append("}")
        }
    }

    private static func newline(_ output: inout String, indent: Int, pretty: Bool) {
        guard pretty else { return }
        output.append("\n")
        output.append(String(repeating: "  ", count: indent))
    }

    private static func writeString(_ value: String, to output: inout String) {
        output.append("\"")
        // Most strings need no escape: append them whole.
        if !value.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            output.append(value)
            output.append("\"")
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output.append("\\\"")
            case "\\": output.append("\\\\")
            case "\n": output.append("\\n")
            case "\r": output.append("\\r")
            case "\t": output.append("\\t")
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
            default: output.unicodeScalars.append(scalar)
            }
        }
        output.append("\"")
    }
}
