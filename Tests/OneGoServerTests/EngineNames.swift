import CaseEngine

// `Application` names both the engine's citizen application and Hummingbird's server; this file
// sees only the engine.

/// A citizen's application.
typealias CitizenApplication = Application
