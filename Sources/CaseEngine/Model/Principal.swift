/// Who takes a step, as the audit log records them: a kiosk, a window, a department's clerk or
/// system, a supervisor, or the engine itself.
///
/// (Not named `Actor`, which would hide Swift's `Actor` protocol in every file that imports the
/// engine.)
public struct Principal: Sendable, Equatable, Hashable, Codable {
    /// The kind of caller.
    public enum Role: String, Sendable, CaseIterable, Codable {
        case citizen, kiosk, window, department, supervisor, system
    }
    /// A staff, kiosk or department id; never a citizen's personal data.
    public var id: String
    /// The role.
    public var role: Role
    /// The kiosk, client or session the principal acted through (`onego serve`); empty in process.
    public var via: String
    /// The id of the HTTP request that carried the step; empty in process.
    public var requestID: String

    /// Creates a principal.
    public init(id: String, role: Role, via: String = "", requestID: String = "") {
        self.id = id
        self.role = role
        self.via = via
        self.requestID = requestID
    }
}
