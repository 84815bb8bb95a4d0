/// One event on its way to one endpoint.
public struct Delivery: Sendable, Equatable {
    /// Where a delivery stands.
    public enum Status: String, Sendable, CaseIterable {
        /// Due now or later (or being attempted, while a relay holds its lease).
        case pending
        /// The endpoint answered 2xx.
        case done
        /// Every attempt of the schedule failed; a supervisor may replay it.
        case dead
    }

    /// The delivery's id.
    public var id: Int64
    /// The event.
    public var event: DepartmentEvent
    /// The endpoint.
    public var endpoint: WebhookEndpoint
    /// Attempts so far, this one included when claimed.
    public var attempts: Int

    /// Creates a delivery.
    public init(id: Int64, event: DepartmentEvent, endpoint: WebhookEndpoint, attempts: Int) {
        self.id = id
        self.event = event
        self.endpoint = endpoint
        self.attempts = attempts
    }
}

/// A delivery as supervisors see it.
public struct DeliveryRecord: Sendable, Equatable {
    /// The delivery's id.
    public var id: Int64
    /// The endpoint's id, department and URL.
    public var endpointID: String
    public var department: String
    public var url: String
    /// The event's sequence, type and sub-case.
    public var sequence: Int64
    public var type: DepartmentEvent.EventType
    public var subcase: String
    /// Where it stands.
    public var status: Delivery.Status
    /// Attempts so far.
    public var attempts: Int
    /// The last HTTP status, if the endpoint answered.
    public var lastStatus: Int?
    /// What went wrong last (a timeout, a refused connection, a status).
    public var lastError: String?
    /// When its event happened (ISO 8601).
    public var createdAt: String
    /// When it is next due (Unix milliseconds; 0 for at once).
    public var nextAttemptAt: Int64

    /// Creates a record.
    public init(
        id: Int64, endpointID: String, department: String, url: String, sequence: Int64,
        type: DepartmentEvent.EventType, subcase: String, status: Delivery.Status, attempts: Int, lastStatus: Int?,
        lastError: String?, createdAt: String, nextAttemptAt: Int64
    ) {
        self.id = id
        self.endpointID = endpointID
        self.department = department
        self.url = url
        self.sequence = sequence
        self.type = type
        self.subcase = subcase
        self.status = status
        self.attempts = attempts
        self.lastStatus = lastStatus
        self.lastError = lastError
        self.createdAt = createdAt
        self.nextAttemptAt = nextAttemptAt
    }
}

/// What became of one attempt, for ``DeliveryRepository/finish(_:at:)``.
public struct DeliveryOutcome: Sendable, Equatable {
    /// What to do with the delivery.
    public enum Result: Sendable, Equatable {
        /// 2xx: done.
        case delivered
        /// Try again at this time (Unix milliseconds).
        case retry(at: Int64)
        /// The schedule is spent: dead.
        case dead
        /// 410 Gone: the endpoint is disabled; the delivery waits for it to be enabled again.
        case endpointGone
    }

    /// The delivery.
    public var id: Int64
    /// Its endpoint.
    public var endpointID: String
    /// What to do.
    public var result: Result
    /// The HTTP status, if the endpoint answered.
    public var status: Int?
    /// What went wrong, if anything.
    public var error: String?

    /// What the store writes for it at `now`: the delivery's new status and when it is next due.
    /// A 410 leaves it pending (due at once) for when its endpoint is enabled again.
    public func stored(at now: Int64) -> (status: Delivery.Status, nextAttemptAt: Int64) {
        switch result {
        case .delivered: return (.done, now)
        case .retry(let at): return (.pending, at)
        case .dead: return (.dead, now)
        case .endpointGone: return (.pending, now)
        }
    }

    /// Creates an outcome.
    public init(id: Int64, endpointID: String, result: Result, status: Int?, error: String?) {
        self.id = id
        self.endpointID = endpointID
        self.result = result
        self.status = status
        self.error = error
    }
}

/// Which deliveries a supervisor replays: they become due now, with their schedule restarted and
/// their `webhook-id` unchanged.
public enum ReplaySelection: Sendable, Equatable {
    /// One delivery.
    case one(Int64)
    /// Deliveries with ids in this range, both ends included.
    case range(Int64, Int64)
    /// Every delivery of an event at or after this time (ISO 8601 in China time, as the engine
    /// writes it, or a prefix of one: `2026-11-23`, `2026-11-23T14:00`).
    case since(String)
}

/// How a relay claims due deliveries.
public struct ClaimRequest: Sendable, Equatable {
    /// The relay's clock (Unix milliseconds).
    public var now: Int64
    /// Until when the claimed deliveries are the relay's (Unix milliseconds): after that, another
    /// relay may claim them again (the first was killed, or hangs).
    public var leaseUntil: Int64
    /// At most this many.
    public var limit: Int
    /// Endpoints the relay already has enough deliveries in flight for: none of theirs.
    public var busyEndpoints: [String]

    /// Creates a claim request.
    public init(now: Int64, leaseUntil: Int64, limit: Int, busyEndpoints: [String] = []) {
        self.now = now
        self.leaseUntil = leaseUntil
        self.limit = limit
        self.busyEndpoints = busyEndpoints
    }
}

/// Where a store keeps webhook endpoints and the deliveries of department events to them.
///
/// The deliveries of an event are written in the transaction of the change that causes it, one
/// per enabled-or-disabled endpoint of the department that takes its type: a relay claims the
/// due ones (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the single writer on SQLite), delivers
/// outside any transaction, then finishes them. Only the oldest pending delivery of each
/// (endpoint, sub-case) is claimable, so one sub-case's events reach an endpoint in order.
public protocol DeliveryRepository: Sendable {
    /// Stores a new endpoint; false when one with that id exists.
    func addEndpoint(_ endpoint: WebhookEndpoint) async throws(CaseEngineError) -> Bool
    /// One endpoint.
    func endpoint(_ id: String) async throws(CaseEngineError) -> WebhookEndpoint?
    /// The endpoints of a department, or every endpoint, by id.
    func endpoints(department: String?) async throws(CaseEngineError) -> [WebhookEndpoint]
    /// Rewrites an endpoint's URL, events, secrets and status; false when there is none with that id.
    func updateEndpoint(_ endpoint: WebhookEndpoint) async throws(CaseEngineError) -> Bool
    /// Removes an endpoint and its deliveries; false when there is none with that id.
    func removeEndpoint(_ id: String) async throws(CaseEngineError) -> Bool

    /// Claims due deliveries of enabled endpoints, oldest first, each the oldest pending one of its
    /// (endpoint, sub-case), and counts an attempt on each.
    func claimDeliveries(_ request: ClaimRequest) async throws(CaseEngineError) -> [Delivery]
    /// Records what became of attempts, in one transaction.
    func finish(_ outcomes: [DeliveryOutcome], at now: Int64) async throws(CaseEngineError)
    /// Deliveries in these states, newest first, `limit` at most.
    func deliveries(in states: [Delivery.Status], limit: Int) async throws(CaseEngineError) -> [DeliveryRecord]
    /// Makes deliveries due again at `now`; returns how many.
    func replay(_ selection: ReplaySelection, at now: Int64) async throws(CaseEngineError) -> Int

    /// A department's events after a sequence number, in order, `limit` at most: the pull feed.
    func departmentEvents(
        department: String, after sequence: Int64, limit: Int
    ) async throws(CaseEngineError) -> [DepartmentEvent]
}
