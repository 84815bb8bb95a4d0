import CaseEngine
import Foundation
import WorkCalendar

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
/// staff correct 01 market-regulation articles-of-association 章程缺少签字
///                               a department's step between kiosk visits (see `StaffHandler`)
/// today 2026-11-23              the day the script is written for (not a step)
/// bundle company-opening        chooses a bundle on the home screen by id, whatever its number
/// ```
/// `{case}` and `{code}` in a line stand for the case number and query code of the last receipt.
public struct KioskScript: Sendable {
    /// One step.
    public enum Step: Sendable, Equatable {
        case type(String)
        case expect(String)
        case expectNot(String)
        case idle(Int)
        case printed(String)
        case staff(String)
        case bundle(String)
        /// `size 80x24`: the terminal the screens must fit (paging).
        case size(columns: Int, rows: Int)
        /// `card {…}`: an ID card placed on the reader (its JSON record).
        case card(IDCard)
    }

    /// Carries out a `staff` line (department steps between kiosk visits); throws a message when
    /// the step fails.
    public typealias StaffHandler = (String) async throws -> Void

    /// The file's path.
    public var path: String
    /// The steps with their 1-based line numbers.
    public var steps: [(line: Int, step: Step)]
    /// The day the script is written for (`today YYYY-MM-DD`): `onego-kiosk --script` runs it on that
    /// day unless told otherwise, so that a script does not fail when run by hand later.
    public var today: CalendarDate?

    /// Parses a script; an unknown command is an error with its line.
    public init(path: String, text: String) throws {
        self.path = path
        var steps: [(Int, Step)] = []
        var today: CalendarDate?
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
            case "staff": steps.append((index + 1, .staff(argument)))
            case "bundle": steps.append((index + 1, .bundle(argument)))
            case "card":
                guard let card = IDCard(json: argument) else {
                    throw KioskSetupError(
                        "\(path):\(index + 1): error: card takes a card's JSON record with name, idNumber and validUntil"
                    )
                }
                steps.append((index + 1, .card(card)))
            case "size":
                let numbers = argument.split(separator: "x").compactMap { Int($0) }
                guard numbers.count == 2, numbers[0] >= 30, numbers[1] >= 10 else {
                    throw KioskSetupError(
                        "\(path):\(index + 1): error: size takes COLUMNSxROWS, at least 30x10, such as 80x24")
                }
                steps.append((index + 1, .size(columns: numbers[0], rows: numbers[1])))
            case "today":
                guard let day = CalendarDate(argument) else {
                    throw KioskSetupError("\(path):\(index + 1): error: today takes a date, YYYY-MM-DD")
                }
                today = day
            case "idle":
                guard let seconds = Int(argument), seconds >= 0 else {
                    throw KioskSetupError("\(path):\(index + 1): error: idle takes a number of seconds")
                }
                steps.append((index + 1, .idle(seconds)))
            default:
                throw KioskSetupError(
                    "\(path):\(index + 1): error: unknown command '\(command)'; use type, enter, expect, expect-not, idle, printed, staff, bundle, size, card or today"
                )
            }
        }
        self.steps = steps
        self.today = today
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
    public func run(on session: KioskSession, staff: StaffHandler? = nil) async throws(Failure) -> Int {
        for (line, rawStep) in steps {
            let step = substitute(rawStep, session.lastReceipt)
            switch step {
            case .staff(let command):
                guard let staff else {
                    throw Failure(path: path, line: line, message: "this runner takes no staff steps", screen: [])
                }
                do {
                    try await staff(command)
                } catch {
                    throw Failure(
                        path: path, line: line, message: "staff step failed: \(error)", screen: session.screen)
                }
            case .type(let text):
                await session.enter(text)
            case .bundle(let id):
                guard let position = session.context.profile.bundles.firstIndex(of: id) else {
                    throw Failure(
                        path: path, line: line, message: "the kiosk's profile does not offer the bundle '\(id)'",
                        screen: session.screen)
                }
                await session.enter(String(position + 1))
            case .idle(let seconds):
                session.idle(seconds: seconds)
            case .size(let columns, let rows):
                session.viewport = (columns, rows)
            case .card(let card):
                session.placeCard(card)
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

    private func substitute(_ step: Step, _ receipt: (caseNumber: String, queryCode: String)?) -> Step {
        guard let receipt else { return step }
        func fill(_ text: String) -> String {
            text.replacingOccurrences(of: "{case}", with: receipt.caseNumber)
                .replacingOccurrences(of: "{code}", with: receipt.queryCode)
        }
        switch step {
        case .type(let text): return .type(fill(text))
        case .expect(let text): return .expect(fill(text))
        case .expectNot(let text): return .expectNot(fill(text))
        case .printed(let text): return .printed(fill(text))
        case .staff(let text): return .staff(fill(text))
        case .idle, .bundle, .size, .card: return step
        }
    }
}

/// `staff` lines for scripts, carried out through the engine as a department would:
/// `accept|review|approve SUFFIX DEPT`, `issue SUFFIX DEPT [ELEMENT=VALUE …]`, `reject SUFFIX DEPT REASON`,
/// `correct SUFFIX DEPT MATERIAL NOTE`, where SUFFIX is the sub-case's position (`01`) in the last
/// receipt's case.
public struct EngineStaff {
    let engine: CaseEngine
    let session: KioskSession

    /// Creates the handler.
    public init(engine: CaseEngine, session: KioskSession) {
        self.engine = engine
        self.session = session
    }

    /// Carries out one staff line.
    public func perform(_ command: String) async throws {
        let words = command.split(separator: " ", maxSplits: 4).map(String.init)
        guard let receipt = session.lastReceipt, words.count >= 3 else {
            throw KioskSetupError("a staff step needs a receipt and 'STEP SUFFIX DEPARTMENT …'")
        }
        let id = receipt.caseNumber + "-" + words[1]
        let actor = Principal(id: words[2], role: .department)
        do {
            switch words[0] {
            case "accept": _ = try await engine.accept(id, department: words[2], actor: actor)
            case "review": _ = try await engine.review(id, department: words[2], actor: actor)
            case "approve":
                // Another clerk than the one who reviewed: separation of duties.
                let approver = Principal(id: words[2] + "-approver", role: .department)
                _ = try await engine.approve(id, department: words[2], actor: approver)
            case "issue":
                var outputs: [String: String] = [:]
                for pair in words.dropFirst(3).joined(separator: " ").split(separator: " ") {
                    let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                    if parts.count == 2 { outputs[parts[0]] = parts[1] }
                }
                _ = try await engine.issue(id, department: words[2], outputs: outputs, actor: actor)
            case "reject" where words.count >= 4:
                _ = try await engine.reject(
                    id, department: words[2], reason: words.dropFirst(3).joined(separator: " "), actor: actor)
            case "correct" where words.count >= 4:
                _ = try await engine.requestCorrection(
                    id, department: words[2], materials: [words[3]], fields: [],
                    note: words.count > 4 ? words[4] : "", actor: actor)
            default: throw KioskSetupError("unknown staff step '\(command)'")
            }
        } catch let error as CaseEngineError {
            throw KioskSetupError(error.description)
        }
    }
}
