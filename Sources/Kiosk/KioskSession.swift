import BundleKit
import CaseEngine
import Foundation
import WorkCalendar

/// One kiosk's conversation with the citizen in front of it, as a pure state machine: a line in,
/// the next screen out. Time passes only through `idle(seconds:)`, so scripts replay exactly.
///
/// The walk: home → one-time notice → identity → situation questions → combined form → material
/// checklist → review → submit → receipt → rating → home; and home → progress query → correction
/// supplied. On every screen `0` goes back, `00` home, `?` shows help.
///
/// ```swift
/// let session = KioskSession(context: context)
/// session.enter("1")            // choose the first bundle
/// print(session.screen.joined(separator: "\n"))
/// ```
public final class KioskSession {
    /// Everything a session needs that outlives one citizen.
    public struct Context {
        public var library: BundleLibrary
        public var calendar: WorkCalendar
        public var strings: KioskStrings
        public var profile: KioskProfile
        public var client: any KioskClient
        public var today: () -> CalendarDate
        /// The kiosk's scanner, if it has one: the next scanned file (name, bytes, media type).
        public var scanner: (() -> (name: String, content: [UInt8], mediaType: String)?)?
        /// The kiosk's ID card reader, if it has one: the card placed since the last call.
        public var cardReader: (() -> IDCard?)?

        public init(
            library: BundleLibrary, calendar: WorkCalendar, strings: KioskStrings, profile: KioskProfile,
            client: any KioskClient, today: @escaping () -> CalendarDate,
            scanner: (() -> (name: String, content: [UInt8], mediaType: String)?)? = nil,
            cardReader: (() -> IDCard?)? = nil
        ) {
            self.scanner = scanner
            self.cardReader = cardReader
            self.library = library
            self.calendar = calendar
            self.strings = strings
            self.profile = profile
            self.client = client
            self.today = today
        }
    }

    enum Stage: Equatable {
        case home, help, notice, name, idNumber, phone
        case situation(Int), field(String), material(Int), promise(Int)
        case bring, review, receipt, rating, thanks
        /// `00` pressed with answers entered: asks before they are thrown away.
        case leaving
        /// `0` typed on a number field that accepts zero: the value 0, or back?
        case zero(String)
        case progressNumber, progressCode, progressView, supplied
    }

    private(set) var context: Context
    var language: Language
    var stage: Stage = .home
    var history: [Stage] = []
    var message: String?
    var idleSeconds = 0
    /// The idempotency key of the application being filled in: new for each bundle chosen, the
    /// same for every retry of its submission.
    var draftKey = ""

    // The citizen's data: all of it is dropped by `wipe()`.
    var bundle: BundleDefinition?
    var compiled: CompiledBundle?
    var answers: [String: String] = [:]
    var values: [String: String] = [:]
    var name = ""
    var idNumber = ""
    var phone = ""
    var materialStatus: [String: MaterialStatus] = [:]
    var scans: [String: Attachment] = [:]
    /// A value that failed a warning check, shown once; the same value entered again is confirmed.
    var warned: (element: String, value: String)?
    /// Fields whose warning the citizen confirmed (sent as ``Application/confirmedWarnings``).
    var confirmedWarnings: Set<String> = []
    var reviewing = false
    var reviewPage = 0
    /// Review lines per page, so a page fits an 80×24 terminal.
    static let reviewPageSize = 12
    var receipt: Receipt?
    var caseNumber = ""
    var queryCode = ""
    /// Cards placed on the reader by a script (`card {…}`), taken before the device's.
    var placedCards: [IDCard] = []
    /// Name and ID number came from the ID card: they are locked.
    var identityFromCard = false
    var progress: CaseSummary?
    /// Whether the engine answered the last check (``checkConnection()``); offline, the kiosk
    /// offers no bundles.
    public internal(set) var online = true
    /// Called when the screen changes while the session waits (submitting): the terminal redraws.
    public var onRedraw: (() -> Void)?
    /// The terminal's size; a screen taller than it is shown a page at a time (`97`, `99`).
    public var viewport: (columns: Int, rows: Int)? {
        didSet { screenPage = 0 }
    }
    /// The page of a paged screen being looked at.
    var screenPage = 0

    /// The case number and query code of the last receipt this kiosk printed (kept across citizens
    /// for scripts; never shown).
    public internal(set) var lastReceipt: (caseNumber: String, queryCode: String)?

    /// Whether nothing of a citizen is held: the home screen with no answers.
    public var isFresh: Bool {
        stage == .home && bundle == nil && name.isEmpty && values.isEmpty && progress == nil
    }

    /// What the printer printed, newest last (receipts and lists of materials to bring).
    public internal(set) var printed: [String] = []

    /// Creates a session on the home screen.
    public init(context: Context) {
        self.context = context
        self.language = context.profile.language
    }

    // MARK: - Input

    /// The citizen typed a line and pressed Enter.
    public func enter(_ raw: String) async {
        let line = KioskInput.clean(raw)
        let wasWarned = idleSeconds >= context.profile.idleWarning && stage != .home
        idleSeconds = 0
        if wasWarned && line.isEmpty { return }
        // A screen paged to fit the terminal turns its pages first; past its ends the keys go on to
        // the review's own pages, and do nothing elsewhere.
        if let pages = pages(of: wholeScreen), line == "97" || line == "99" {
            if line == "99" && screenPage < pages.count - 1 {
                screenPage += 1
                return
            }
            if line == "97" && screenPage > 0 {
                screenPage -= 1
                return
            }
            if stage != .review { return }
        }
        screenPage = 0
        message = nil
        if stage == .rating && line == "0" { return wipe() }
        switch line {
        case "00":
            // Answers not yet submitted are thrown away only when the citizen says so.
            let entered = !name.isEmpty || !answers.isEmpty || !values.isEmpty
            if entered && receipt == nil && stage != .leaving {
                history.append(stage)
                stage = .leaving
            } else {
                wipe(newCitizen: false)
            }
            return
        case "0":
            // On a number field that accepts zero, 0 may be the answer: ask (issue 16.12).
            if case .field(let element) = stage, acceptsZero(element) {
                history.append(stage)
                stage = .zero(element)
                return
            }
            if let previous = history.popLast() { stage = previous } else { stage = .home }
            return
        case "000", "?":
            // Help has a key a numeric keypad has (`?` still works on a full keyboard).
            if stage != .help { history.append(stage) }
            stage = .help
            return
        default:
            break
        }
        await handle(line)
    }

    /// The home screen's key for a progress query, whatever the number of bundles.
    public static let progressKey = "80"
    /// The home screen's key for the other language.
    public static let languageKey = "90"

    /// A card placed on the reader (KioskScripts' `card`); read when the citizen presses Enter on
    /// the identity screen.
    public func placeCard(_ card: IDCard) {
        placedCards.append(card)
    }

    /// Whether the kiosk reads identity from an ID card.
    var hasCardReader: Bool { context.cardReader != nil || !placedCards.isEmpty || context.profile.cardReader }

    /// Whether the idle countdown is on the screen.
    public var isWarning: Bool {
        idleSeconds >= context.profile.idleWarning && idleSeconds < context.profile.idleTimeout
    }

    /// A key was pressed (before Enter): the idle timer starts again. Returns false when the key
    /// only dismissed the countdown and should not go into the input.
    public func keyPressed() -> Bool {
        let warned = isWarning
        idleSeconds = 0
        return !warned
    }

    /// Time passed without a keystroke: a countdown after the warning, a full wipe at the timeout.
    public func idle(seconds: Int) {
        guard stage != .home || bundle != nil || !name.isEmpty else { return }
        idleSeconds += seconds
        if idleSeconds >= context.profile.idleTimeout { wipe() }
    }

    /// Drops everything of the current citizen and returns home; a new citizen (after the idle
    /// timeout) also gets the profile's language back.
    public func wipe(newCitizen: Bool = true) {
        bundle = nil
        compiled = nil
        answers = [:]
        values = [:]
        name = ""
        idNumber = ""
        phone = ""
        materialStatus = [:]
        scans = [:]
        warned = nil
        confirmedWarnings = []
        reviewing = false
        reviewPage = 0
        receipt = nil
        caseNumber = ""
        queryCode = ""
        identityFromCard = false
        progress = nil
        history = []
        message = nil
        idleSeconds = 0
        if newCitizen { language = context.profile.language }
        stage = .home
    }

    // MARK: - Stages

    func go(_ next: Stage) {
        history.append(stage)
        stage = next
    }

    /// A validator's message from the kiosk's table.
    func validation(_ problem: ValidationProblem) -> String {
        let key = "validation." + problem.code
        guard context.strings.contains(key) else { return problem.message.text(in: language) }
        return context.strings.text(key, language, arguments: problem.arguments)
    }

    /// A deadline in the citizen's language; one in a year without a published calendar is marked
    /// as provisional.
    func shown(_ deadline: Deadline) -> String {
        deadline.provisional
            ? deadline.date.description + context.strings.text("deadline.provisional", language)
            : deadline.date.description
    }

    func say(_ key: String, _ arguments: String...) {
        message = context.strings.text(key, language, arguments: arguments)
    }

    var offered: [BundleDefinition] {
        guard online else { return [] }
        return context.profile.bundles.compactMap { context.library.bundle($0) }
    }

    /// Talks to the engine through another client from now on (a kiosk moved to another server);
    /// what the citizen entered stays.
    public func replaceClient(_ client: any KioskClient) {
        context.client = client
    }

    /// Asks the engine whether it can be reached; called before the home screen is shown.
    public func checkConnection() async {
        online = await context.client.isOnline()
    }
}
