import JSONC

/// What a department's system hears of: a sub-case dispatched to it, a correction supplied, a
/// sub-case cancelled, a case withdrawn. One per outbox row, written in the transaction of the
/// change; the webhook deliveries and the pull feed both read it.
public struct DepartmentEvent: Sendable, Equatable {
    /// The event types, as Standard Webhooks' `type`.
    public enum EventType: String, Sendable, CaseIterable {
        case subcaseDispatched = "subcase.dispatched"
        case correctionSupplied = "subcase.correction-supplied"
        case subcaseCancelled = "subcase.cancelled"
        case caseWithdrawn = "case.withdrawn"

        /// The type of an outbox row's kind.
        public init(_ kind: Dispatch.Kind) {
            switch kind {
            case .dispatched: self = .subcaseDispatched
            case .resumed: self = .correctionSupplied
            case .cancelled: self = .subcaseCancelled
            case .withdrawn: self = .caseWithdrawn
            }
        }

        /// Every type's name, for help and errors.
        public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
    }

    /// The outbox row's number: the feed's cursor and the order of a department's events.
    public var sequence: Int64
    /// The department.
    public var department: String
    /// The sub-case.
    public var subcase: String
    /// What happened.
    public var type: EventType
    /// The sub-case's state after it happened.
    public var state: String
    /// When (ISO 8601, the server's clock).
    public var at: String

    /// Creates an event.
    public init(sequence: Int64, department: String, subcase: String, type: EventType, state: String, at: String) {
        self.sequence = sequence
        self.department = department
        self.subcase = subcase
        self.type = type
        self.state = state
        self.at = at
    }

    /// The case the sub-case belongs to (a sub-case's id is its case's number, a hyphen and its position).
    public var caseNumber: String {
        guard let hyphen = subcase.lastIndex(of: "-") else { return subcase }
        return String(subcase[..<hyphen])
    }

    /// Standard Webhooks' `webhook-id`: the same for every attempt and every replay of this event,
    /// so that a receiver de-duplicates by it.
    public var webhookID: String { "evt_\(sequence)" }

    /// The thin payload: ids and state, no personal data. The department fetches the sub-case with
    /// its own credential, so every read of the application is authenticated and audited.
    public var payload: String {
        JSONValue.object([
            "type": .string(type.rawValue), "timestamp": .string(at),
            "data": .object([
                "id": .string(webhookID), "sequence": .integer(sequence), "department": .string(department),
                "case": .string(caseNumber), "subcase": .string(subcase), "state": .string(state),
            ]),
        ]).serialized(pretty: false)
    }
}
