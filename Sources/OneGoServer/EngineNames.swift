import CaseEngine

// `Application` names both the engine's citizen application and Hummingbird's server, and the
// module `CaseEngine` is shadowed by its class of the same name: this file sees only the engine.

/// A citizen's application, as submitted over the API.
typealias SubmittedApplication = Application
