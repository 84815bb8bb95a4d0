import JSONC

/// How serious a diagnostic is.
public enum Severity: String, Sendable, Comparable {
    case warning
    case error

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        lhs == .warning && rhs == .error
    }
}

/// A stable name for each kind of problem the loader and compiler find.
///
/// The raw values are printed after each message (`[unknown-reference]`) and documented in
/// docs/bundle-format.md; they do not change between releases.
public enum DiagnosticCode: String, Sendable, CaseIterable {
    /// The file is not valid in OneGo's JSON dialect.
    case jsonSyntax = "json-syntax"
    /// The path is not a file that can be read: a directory, a FIFO, a loop of links, no permission.
    case unreadableFile = "unreadable-file"
    /// A key the format does not define, usually a misspelling.
    case unknownKey = "unknown-key"
    /// A key the format requires is absent.
    case missingKey = "missing-key"
    /// A value of the wrong JSON type.
    case wrongType = "wrong-type"
    /// A value of the right type that the format does not allow.
    case invalidValue = "invalid-value"
    /// A name of an element, material, department, item or situation that is not defined.
    case unknownReference = "unknown-reference"
    /// The same id defined twice.
    case duplicateDefinition = "duplicate-definition"
    /// The same element defined twice with different types.
    case conflictingElementType = "conflicting-element-type"
    /// Items that wait for each other in a circle.
    case dependencyCycle = "dependency-cycle"
    /// Merged field constraints that no value can meet.
    case unsatisfiableConstraints = "unsatisfiable-constraints"
    /// A condition that does not parse.
    case conditionSyntax = "condition-syntax"
    /// A condition over a name that is neither a situation nor an element of the bundle.
    case conditionUnknownName = "condition-unknown-name"
    /// A condition comparing a situation or choice element with a choice it does not have.
    case conditionUnknownChoice = "condition-unknown-choice"
    /// A condition comparing a value with a literal of the wrong type.
    case conditionType = "condition-type"
    /// An item that no combination of situation answers switches on.
    case itemNeverActive = "item-never-active"
    /// An item input that no active item produces.
    case inputNotProduced = "input-not-produced"
    /// A bundle promise shorter than its critical path.
    case promiseBelowCriticalPath = "promise-below-critical-path"
    /// An item's promised limit above its legal limit.
    case promisedAboveLegal = "promised-above-legal"
    /// A catalog entry no bundle uses.
    case unusedCatalogEntry = "unused-catalog-entry"
    /// A golden test whose expectation the compiled bundle does not meet.
    case goldenMismatch = "golden-mismatch"
    /// A bundle asks for a material one of its own items produces.
    case producedMaterialAsked = "produced-material-asked"
    /// A Chinese text with an ASCII punctuation mark next to a Chinese character.
    case asciiPunctuation = "ascii-punctuation"
    /// A bundle name too wide for half a kiosk screen, where the home screen lists bundles in two
    /// columns.
    case longBundleName = "long-bundle-name"
}

/// Where a diagnostic points: a file and a byte offset in it.
///
/// The JSON pointer of the value is worked out from the offset when a diagnostic is rendered (see
/// ``JSONPointer/locate(offset:in:)``), so reading files builds no pointer strings.
public struct SourceLocation: Sendable, Equatable {
    /// The file's path as given by the user.
    public var path: String
    /// Byte offset (0-based) in the file.
    public var offset: Int

    /// Creates a location.
    public init(path: String, offset: Int) {
        self.path = path
        self.offset = offset
    }

    /// The location moved `delta` bytes forward, for a point inside a string value.
    public func advanced(by delta: Int) -> SourceLocation {
        SourceLocation(path: path, offset: offset + delta)
    }
}

/// One problem found in a catalog or bundle file, with its evidence.
public struct Diagnostic: Sendable, Equatable {
    /// Error or warning.
    public var severity: Severity
    /// The stable code.
    public var code: DiagnosticCode
    /// What is wrong, one sentence without a trailing period.
    public var message: String
    /// Where, when the problem has a place in a file.
    public var location: SourceLocation?
    /// A close name the author may have meant.
    public var suggestion: String?
    /// Further lines that explain (the other side of a clash, the members of a cycle).
    public var notes: [String]

    /// Creates a diagnostic.
    public init(
        _ severity: Severity,
        _ code: DiagnosticCode,
        _ message: String,
        at location: SourceLocation?,
        suggestion: String? = nil,
        notes: [String] = []
    ) {
        self.severity = severity
        self.code = code
        self.message = message
        self.location = location
        self.suggestion = suggestion
        self.notes = notes
    }
}

// MARK: - JSON pointers

/// JSON pointers (RFC 6901) for diagnostics.
public enum JSONPointer {
    /// The pointer of the value or key that starts at `offset`, or of the innermost value whose
    /// text contains it (a point inside a condition string).
    public static func locate(offset: Int, in root: JSONNode) -> String {
        var pointer = ""
        var node = root
        while true {
            if node.offset == offset { return pointer }
            switch node.value {
            case .object(let members):
                guard let member = members.last(where: { $0.keyOffset <= offset }) else { return pointer }
                pointer += "/" + escape(member.key)
                if member.keyOffset == offset { return pointer }
                node = member.node
            case .array(let elements):
                guard let index = elements.lastIndex(where: { $0.offset <= offset }) else { return pointer }
                pointer += "/" + String(index)
                node = elements[index]
            default:
                return pointer
            }
        }
    }

    /// A reference token with `~` and `/` escaped.
    static func escape(_ token: String) -> String {
        guard token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else {
            return token
        }
        var result = ""
        for character in token {
            switch character {
            case "~": result += "~0"
            case "/": result += "~1"
            default: result.append(character)
            }
        }
        return result
    }
}
