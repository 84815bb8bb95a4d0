/// Who takes a step, as the audit log records them.
public struct Actor: Sendable, Equatable {
    /// The role.
    public enum Role: String, Sendable, CaseIterable {
        case citizen, kiosk, window, department, supervisor, system
    }
    /// A staff, kiosk or department id; never a citizen's personal data.
    public var id: String
    /// The role.
    public var role: Role

    /// Creates an actor.
    public init(id: String, role: Role) {
        self.id = id
        self.role = role
    }
}
