import BundleKit
import CaseEngine
import Crypto
import Foundation

/// Adding, rotating, disabling and removing department endpoints, and replaying deliveries: the
/// same rules for `onego dept webhook …` and the administrators' API.
public struct WebhookAdministration: Sendable {
    /// How long a rotated-out secret keeps signing alongside the new one.
    public static let rotationOverlap: Int64 = 24 * 3600 * 1000

    /// Why a change was refused.
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        /// A stable code for the API.
        public var code: String
        /// What to do.
        public var description: String
    }

    let store: any DeliveryRepository
    let departments: Set<String>
    let sealer: WebhookSecretSealer?
    let now: @Sendable () -> Int64

    /// Creates the administration over a store and the catalog's departments; `sealer` seals the
    /// secrets it stores (with the audit key; without one they are stored as they are).
    public init(
        store: any DeliveryRepository, departments: Set<String>, sealer: WebhookSecretSealer? = nil,
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.store = store
        self.departments = departments
        self.sealer = sealer
        self.now = now
    }

    /// A new endpoint with a new secret: the endpoint returned carries it in the clear, to be shown
    /// once; the store keeps it sealed.
    public func add(
        department: String, url: String, events: [String], plainHTTPAllowed: Bool = false
    ) async throws -> WebhookEndpoint {
        guard departments.contains(department) else {
            let suggestion = Suggestion.closest(to: department, among: departments.sorted())
            throw Refusal(
                code: "unknown-department",
                description: "no department '\(department)' in the catalog"
                    + (suggestion.map { "; did you mean '\($0)'?" } ?? ""))
        }
        if let refusal = WebhookURL.refusal(url, plainHTTPAllowed: plainHTTPAllowed) {
            throw Refusal(code: "invalid-url", description: refusal)
        }
        var types: [DepartmentEvent.EventType] = []
        for name in events.flatMap({ $0.split(separator: ",") }).map(String.init) where name != "*" {
            guard let type = DepartmentEvent.EventType(rawValue: name) else {
                throw Refusal(
                    code: "unknown-event",
                    description: "no event '\(name)'; events are \(DepartmentEvent.EventType.names)")
            }
            if !types.contains(type) { types.append(type) }
        }
        let secret = WebhookSignature.newSecret()
        var endpoint = WebhookEndpoint(
            id: "we_" + Self.randomHex(bytes: 8), department: department, url: url, events: types,
            secret: sealed(secret), createdAt: now())
        guard try await store.addEndpoint(endpoint) else {
            throw Refusal(code: "endpoint-exists", description: "an endpoint \(endpoint.id) exists; try again")
        }
        endpoint.secret = secret
        return endpoint
    }

    /// A new secret, returned in the clear once; the old one signs too for ``rotationOverlap``.
    public func rotate(_ id: String) async throws -> WebhookEndpoint {
        var endpoint = try await existing(id)
        let secret = WebhookSignature.newSecret()
        endpoint.previousSecret = endpoint.secret
        endpoint.previousSecretUntil = now() + Self.rotationOverlap
        endpoint.secret = sealed(secret)
        _ = try await store.updateEndpoint(endpoint)
        endpoint.secret = secret
        return endpoint
    }

    private func sealed(_ secret: String) -> String { sealer?.seal(secret) ?? secret }

    /// Stops or resumes deliveries to an endpoint (pending ones wait while it is disabled).
    public func setEnabled(_ id: String, _ enabled: Bool) async throws -> WebhookEndpoint {
        var endpoint = try await existing(id)
        endpoint.status = enabled ? .enabled : .disabled
        endpoint.disabledReason = enabled ? nil : "disabled by an administrator"
        _ = try await store.updateEndpoint(endpoint)
        return endpoint
    }

    /// Removes an endpoint and its deliveries (the department's events stay in the pull feed).
    public func remove(_ id: String) async throws {
        guard try await store.removeEndpoint(id) else { throw Self.noEndpoint(id) }
    }

    /// The endpoint with this id.
    public func existing(_ id: String) async throws -> WebhookEndpoint {
        guard let endpoint = try await store.endpoint(id) else { throw Self.noEndpoint(id) }
        return endpoint
    }

    static func noEndpoint(_ id: String) -> Refusal {
        Refusal(
            code: "unknown-endpoint", description: "no webhook endpoint '\(id)'; 'onego dept webhook list' lists them")
    }

    /// A replay selection from its written form: `ID`, `FIRST-LAST`, or a time (`2026-11-23`,
    /// `2026-11-23T14:00`) for everything since.
    public static func selection(_ text: String) -> ReplaySelection? {
        if let id = Int64(text) { return .one(id) }
        let parts = text.split(separator: "-", maxSplits: 1).map(String.init)
        if parts.count == 2, let first = Int64(parts[0]), let last = Int64(parts[1]), first <= last {
            return .range(first, last)
        }
        let pattern = /\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?)?/
        return text.wholeMatch(of: pattern) != nil ? .since(text) : nil
    }

    static func randomHex(bytes: Int) -> String {
        SymmetricKey(size: SymmetricKeySize(bitCount: bytes * 8)).withUnsafeBytes { Hex.lowercase($0) }
    }
}
