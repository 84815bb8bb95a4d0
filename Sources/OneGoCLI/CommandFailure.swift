import BundleKit
import CaseEngine
import JSONC
import Kiosk
import WorkCalendar

/// How every command reports a failure: the text for standard error and the exit status, decided
/// here and nowhere else (as swift-argument-parser's `MessageInfo` does for usage errors).
///
/// | error | printed | status |
/// |---|---|---|
/// | `UsageError` | `error: <message>` | 2 |
/// | `RuntimeError` | `error: <message>` | 1 |
/// | `CaseEngineError` | `error: <message>`; an invalid application lists each problem in Chinese and English | 1 |
/// | `CaseEngineError` a retry can cure (database busy, unreachable, timed out, connection lost) | `error: <message>` | 75 (`EX_TEMPFAIL`) |
/// | a file's error (`path:line: error: …`) | as it is | 1 |
///
/// Anything else is ArgumentParser's own (help, version, a usage mistake it found).
enum CommandFailure {
    /// The text and exit status for an error, or `nil` when ArgumentParser reports it.
    static func render(_ error: any Error) -> (text: String, status: Int32)? {
        switch error {
        case let usage as UsageError:
            return ("error: " + usage.description, 2)
        case let failure as RuntimeError:
            return ("error: " + failure.description, 1)
        case let failure as CaseEngineError:
            // 75 is sysexits' EX_TEMPFAIL: a script or supervisor may try the same command again.
            return (text(of: failure), failure.retryable ? 75 : 1)
        case let located as any LocatedFailure:
            return (located.description, 1)
        default:
            return nil
        }
    }

    /// An engine error as staff read it: the English message, or for an invalid application every
    /// problem in Chinese and English. Never an ID number: the engine's messages carry none.
    static func text(of error: CaseEngineError) -> String {
        if case .invalidApplication(let problems) = error {
            return
                (["error: the application was not saved; fix these and submit again:"]
                + problems.map { problem in
                    "  \(problem.subject): \(problem.message.zh) / \(problem.message.en)"
                        + (problem.confirmable ? " (--confirm \(problem.subject))" : "")
                }).joined(separator: "\n")
        }
        return "error: " + error.message.en
    }
}

/// A usage mistake: exit status 2 with the message.
struct UsageError: Error, CustomStringConvertible {
    var description: String
}

/// A failure while running a command: exit status 1 with the message.
struct RuntimeError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// An error that names its file (and line) itself: `path:line: error: message`, printed as it is.
protocol LocatedFailure: Error, CustomStringConvertible {}

extension JSONFileError: LocatedFailure {}
extension ApplicationFileError: LocatedFailure {}
extension CalendarFileError: LocatedFailure {}
extension KioskSetupError: LocatedFailure {}
extension AuditKey.Problem: LocatedFailure {}
extension KioskScript.Failure: LocatedFailure {}
