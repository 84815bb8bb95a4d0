/// A department system's webhook endpoint: where its events are delivered, signed with its own
/// secret (Standard Webhooks 1.0).
public struct WebhookEndpoint: Sendable, Equatable {
    /// Whether deliveries go out.
    public enum Status: String, Sendable {
        /// Deliveries go out.
        case enabled
        /// Deliveries wait (a supervisor disabled it, or it answered 410 Gone).
        case disabled
    }

    /// The endpoint's id (`we_…`).
    public var id: String
    /// The department whose events it receives.
    public var department: String
    /// The URL deliveries are posted to.
    public var url: String
    /// The event types it receives; empty for all.
    public var events: [DepartmentEvent.EventType]
    /// The signing secret (`whsec_` and base64).
    public var secret: String
    /// The secret before the last rotation, still signing alongside until ``previousSecretUntil``.
    public var previousSecret: String?
    /// Until when (Unix milliseconds) the previous secret signs too.
    public var previousSecretUntil: Int64?
    /// Whether deliveries go out.
    public var status: Status
    /// Why it was disabled.
    public var disabledReason: String?
    /// When it was added (Unix milliseconds).
    public var createdAt: Int64

    /// Creates an endpoint.
    public init(
        id: String, department: String, url: String, events: [DepartmentEvent.EventType], secret: String,
        previousSecret: String? = nil, previousSecretUntil: Int64? = nil, status: Status = .enabled,
        disabledReason: String? = nil, createdAt: Int64
    ) {
        self.id = id
        self.department = department
        self.url = url
        self.events = events
        self.secret = secret
        self.previousSecret = previousSecret
        self.previousSecretUntil = previousSecretUntil
        self.status = status
        self.disabledReason = disabledReason
        self.createdAt = createdAt
    }

    /// Whether it receives events of this type.
    public func receives(_ type: DepartmentEvent.EventType) -> Bool { events.isEmpty || events.contains(type) }

    /// The secrets that sign a delivery at `now` (Unix milliseconds): the current one, and the
    /// previous one during the overlap after a rotation.
    public func signingSecrets(at now: Int64) -> [String] {
        guard let previousSecret, let until = previousSecretUntil, now < until else { return [secret] }
        return [secret, previousSecret]
    }

    /// The event types as stored: a comma-separated list, or `*` for all.
    public var storedEvents: String { events.isEmpty ? "*" : events.map(\.rawValue).joined(separator: ",") }

    /// The event types of a stored list.
    public static func events(stored: String) -> [DepartmentEvent.EventType] {
        stored == "*" ? [] : stored.split(separator: ",").compactMap { DepartmentEvent.EventType(rawValue: String($0)) }
    }
}
