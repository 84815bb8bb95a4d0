import Foundation

/// A scripted kiosk session (`KioskScripts/*.kiosk`): what the citizen types, what the screen must
/// show, idle time passing.
///
/// ```text
/// # comment
/// expect 请选择要办理的事项      the screen contains this text
/// type 1                        the citizen types "1" and presses Enter
/// enter                         Enter alone
/// idle 91                       91 seconds pass without a key
/// expect-not 张三               the screen does not contain this text
/// printed 案件编号              the printer's last output contains this text
/// ```
public struct KioskScript: Sendable {
    /// One step.
    public enum Step: Sendable, Equatable {
        case type(String)
        case expect(String)
        case expectNot(String)
        case idle(Int)
        case printed(String)
    }

    /// The file's path.
    public var path: String
    /// The steps with their 1-based line numbers.
    public var steps: [(line: Int, step: Step)]

    /// Parses a script; an unknown command is an error with its line.
    public init(path: String, text: String) throws {
        self.path = path
        var steps: [(Int, Step)] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
            let trimmed = line.drop { $0 == " " }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let parts = trimmed.split(separator: " ", maxSplits: 1)
            let command = String(parts[0])
            let argument = parts.count > 1 ? String(parts[1]) : ""
            switch command {
            case "type": steps.append((index + 1, .type(argument)))
            case "enter": steps.append((index + 1, .type("")))
            case "expect": steps.append((index + 1, .expect(argument)))
            case "expect-not": steps.append((index + 1, .expectNot(argument)))
            case "printed": steps.append((index + 1, .printed(argument)))
            case "idle":
                guard let seconds = Int(argument), seconds >= 0 else {
                    throw KioskSetupError("\(path):\(index + 1): error: idle takes a number of seconds")
                }
                steps.append((index + 1, .idle(seconds)))
            default:
                throw KioskSetupError(
                    "\(path):\(index + 1): error: unknown command '\(command)'; use type, enter, expect, expect-not, idle or printed"
                )
            }
        }
        self.steps = steps
    }

    /// Reads a script file.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KioskSetupError("cannot read the kiosk script \(path)")
        }
        try self.init(path: path, text: String(decoding: data, as: UTF8.self))
    }

    /// Where a script failed, with the screen at that moment.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var line: Int
        public var message: String
        public var screen: [String]

        public var description: String {
            "\(path):\(line): error: \(message)\n--- screen ---\n" + screen.joined(separator: "\n") + "\n--------------"
        }
    }

    /// Runs the script against a session; returns the number of steps run, or throws at the first
    /// expectation that fails.
    @discardableResult
    public func run(on session: KioskSession) throws(Failure) -> Int {
        for (line, step) in steps {
            switch step {
            case .type(let text):
                session.enter(text)
            case .idle(let seconds):
                session.idle(seconds: seconds)
            case .expect(let text):
                let screen = session.screen
                if !screen.joined(separator: "\n").contains(text) {
                    throw Failure(path: path, line: line, message: "the screen does not show '\(text)'", screen: screen)
                }
            case .expectNot(let text):
                let screen = session.screen
                if screen.joined(separator: "\n").contains(text) {
                    throw Failure(path: path, line: line, message: "the screen still shows '\(text)'", screen: screen)
                }
            case .printed(let text):
                if !(session.printed.last ?? "").contains(text) {
                    throw Failure(
                        path: path, line: line, message: "the printer did not print '\(text)'",
                        screen: (session.printed.last ?? "(nothing printed)").split(separator: "\n").map(String.init))
                }
            }
        }
        return steps.count
    }
}
