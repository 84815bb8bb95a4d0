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

        public init(
            library: BundleLibrary, calendar: WorkCalendar, strings: KioskStrings, profile: KioskProfile,
            client: any KioskClient, today: @escaping () -> CalendarDate,
            scanner: (() -> (name: String, content: [UInt8], mediaType: String)?)? = nil
        ) {
            self.scanner = scanner
            self.library = library
            self.calendar = calendar
            self.strings = strings
            self.profile = profile
            self.client = client
            self.today = today
        }
    }

    private enum Stage: Equatable {
        case home, help, notice, name, idNumber, phone
        case situation(Int), field(String), material(Int), promise(Int)
        case bring, review, receipt, rating, thanks
        case progressNumber, progressCode, progressView, supplied
    }

    private let context: Context
    private var language: Language
    private var stage: Stage = .home
    private var history: [Stage] = []
    private var message: String?
    private var idleSeconds = 0
    /// The idempotency key of the application being filled in: new for each bundle chosen, the
    /// same for every retry of its submission.
    private var draftKey = ""

    // The citizen's data: all of it is dropped by `wipe()`.
    private var bundle: BundleDefinition?
    private var compiled: CompiledBundle?
    private var answers: [String: String] = [:]
    private var values: [String: String] = [:]
    private var name = ""
    private var idNumber = ""
    private var phone = ""
    private var materialStatus: [String: MaterialStatus] = [:]
    private var scans: [String: Attachment] = [:]
    private var reviewing = false
    private var reviewPage = 0
    /// Review lines per page, so a page fits an 80×24 terminal.
    private static let reviewPageSize = 12
    private var receipt: Receipt?
    private var caseNumber = ""
    private var progress: CaseSummary?

    /// The case number and query code of the last receipt this kiosk printed (kept across citizens
    /// for scripts; never shown).
    public private(set) var lastReceipt: (caseNumber: String, queryCode: String)?

    /// Whether nothing of a citizen is held: the home screen with no answers.
    public var isFresh: Bool {
        stage == .home && bundle == nil && name.isEmpty && values.isEmpty && progress == nil
    }

    /// What the printer printed, newest last (receipts and lists of materials to bring).
    public private(set) var printed: [String] = []

    /// Creates a session on the home screen.
    public init(context: Context) {
        self.context = context
        self.language = context.profile.language
    }

    // MARK: - Input

    /// The citizen typed a line and pressed Enter.
    public func enter(_ raw: String) async {
        let line = Self.clean(raw)
        let wasWarned = idleSeconds >= context.profile.idleWarning && stage != .home
        idleSeconds = 0
        if wasWarned && line.isEmpty { return }
        message = nil
        if stage == .rating && line == "0" { return wipe() }
        switch line {
        case "00":
            wipe(newCitizen: false)
            return
        case "0":
            if let previous = history.popLast() { stage = previous } else { stage = .home }
            return
        case "?":
            if stage != .help { history.append(stage) }
            stage = .help
            return
        default:
            break
        }
        await handle(line)
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
        reviewing = false
        reviewPage = 0
        receipt = nil
        caseNumber = ""
        progress = nil
        history = []
        message = nil
        idleSeconds = 0
        if newCitizen { language = context.profile.language }
        stage = .home
    }

    /// Keeps printable characters only, at most 200: escape sequences (cursor keys, terminal
    /// titles) and control bytes are dropped whole.
    static func clean(_ raw: String) -> String {
        var kept = String.UnicodeScalarView()
        var scalars = raw.unicodeScalars.makeIterator()
        while let scalar = scalars.next(), kept.count < 200 {
            if scalar == "\u{1B}" {
                switch scalars.next() {
                case "[":
                    while let next = scalars.next(), !(0x40...0x7E).contains(next.value) {}
                case "]":
                    while let next = scalars.next(), next != "\u{07}", next != "\u{1B}" {}
                default:
                    break
                }
                continue
            }
            if scalar.value >= 0x20 && scalar.value != 0x7F && !(0x80...0x9F).contains(scalar.value) {
                kept.append(scalar)
            }
        }
        var text = String(kept)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }

    // MARK: - Stages

    private func go(_ next: Stage) {
        history.append(stage)
        stage = next
    }

    /// A validator's message from the kiosk's table.
    private func validation(_ problem: ValidationProblem) -> String {
        let key = "validation." + problem.code
        guard context.strings.contains(key) else { return problem.message.text(in: language) }
        return context.strings.text(key, language, arguments: problem.arguments)
    }

    /// A deadline in the citizen's language; one in a year without a published calendar is marked
    /// as provisional.
    private func shown(_ deadline: Deadline) -> String {
        deadline.provisional
            ? deadline.date.description + context.strings.text("deadline.provisional", language)
            : deadline.date.description
    }

    private func say(_ key: String, _ arguments: String...) {
        message = context.strings.text(key, language, arguments: arguments)
    }

    private var offered: [BundleDefinition] {
        context.profile.bundles.compactMap { context.library.bundle($0) }
    }

    private func handle(_ line: String) async {
        switch stage {
        case .home:
            let bundles = offered
            if let number = Int(line), (1...bundles.count).contains(number) {
                wipe(newCitizen: false)
                bundle = bundles[number - 1]
                draftKey = context.profile.id + "-" + UUID().uuidString
                compiled = BundleCompiler(catalog: context.library.catalog).compile(bundles[number - 1]).compiled
                go(.notice)
            } else if line == "\(bundles.count + 1)" {
                go(.progressNumber)
            } else if line == "\(bundles.count + 2)" {
                language = language == .zh ? .en : .zh
            } else {
                say("field.chooseNumber")
            }
        case .help:
            stage = history.popLast() ?? .home
        case .notice:
            if line == "1" { go(.name) } else { say("field.chooseNumber") }
        case .name:
            let entered = line.isEmpty ? name : line
            guard entered.count >= 2 else { return say("identity.nameTooShort") }
            name = entered
            nextAfterIdentity(from: .name)
        case .idNumber:
            let entered = line.isEmpty ? idNumber : line
            if let problem = FieldValidator.validate(entered, type: .idNumber) {
                message = validation(problem)
                return
            }
            idNumber = entered.uppercased()
            nextAfterIdentity(from: .idNumber)
        case .phone:
            let entered = line.isEmpty ? phone : line
            if let problem = FieldValidator.validate(entered, type: .phone) {
                message = validation(problem)
                return
            }
            phone = entered
            prefill()
            nextAfterIdentity(from: .phone)
        case .situation(let index):
            guard let bundle, index < bundle.situations.count else { return }
            let situation = bundle.situations[index]
            guard let number = Int(line), (1...situation.choices.count).contains(number) else {
                return say("field.chooseNumber")
            }
            answers[situation.id] = situation.choices[number - 1].value
            if reviewing || index + 1 == bundle.situations.count {
                compiled = BundleCompiler(catalog: context.library.catalog).compile(bundle, answers: answers).compiled
            }
            if reviewing { return backToReview() }
            if index + 1 < bundle.situations.count { go(.situation(index + 1)) } else { goToFields(after: nil) }
        case .field(let element):
            handleField(element, line)
        case .material(let index):
            handleMaterial(index, line)
        case .promise(let index):
            let materials = neededMaterials
            guard index < materials.count, let date = CalendarDate(line), date >= context.today() else {
                return say("material.promiseInvalid")
            }
            materialStatus[materials[index].material] = .missing(promisedBy: date)
            nextMaterial(after: index)
        case .bring:
            wipe()
        case .review:
            await handleReview(line)
        case .receipt:
            go(.rating)
        case .rating:
            if line == "0" || line.isEmpty {
                wipe()
            } else if let grade = Int(line), (1...5).contains(grade) {
                if let receipt { try? await context.client.rate(number: receipt.caseNumber, grade: grade) }
                go(.thanks)
            } else {
                say("field.chooseNumber")
            }
        case .thanks, .supplied:
            wipe()
        case .progressNumber:
            caseNumber = line.uppercased()
            go(.progressCode)
        case .progressCode:
            do {
                progress = try await context.client.progress(number: caseNumber, queryCode: line)
                go(.progressView)
            } catch {
                say("progress.notFound")
                stage = .progressNumber
            }
        case .progressView:
            guard line == "1", let progress, let notice = progress.corrections.first else { return wipe() }
            do {
                try await context.client.supply(number: progress.number, materials: notice.materials.map(\.id))
                go(.supplied)
            } catch {
                say("error.submit")
            }
        }
    }

    private func nextAfterIdentity(from stage: Stage) {
        if reviewing { return backToReview() }
        switch stage {
        case .name: go(.idNumber)
        case .idNumber: go(.phone)
        default:
            if let bundle, !bundle.situations.isEmpty { go(.situation(0)) } else { goToFields(after: nil) }
        }
    }

    /// Fills the elements the catalog marks as coming from the applicant's identity (`"identity"`)
    /// with the name, ID number and phone read at the start; the citizen keeps or changes each.
    private func prefill() {
        let identity = Applicant(name: name, idNumber: idNumber, phone: phone)
        for field in compiled?.fields ?? [] where values[field.element] == nil {
            if let part = field.identity { values[field.element] = identity[part] }
        }
    }

    // MARK: - Form

    private func known(_ name: String) -> ConditionLiteral? {
        if let answer = answers[name] { return .string(answer) }
        guard let value = values[name], let field = compiled?.fields.first(where: { $0.element == name }) else {
            return nil
        }
        switch field.type {
        case .integer, .decimal: return Double(value).map { .number($0) }
        case .boolean: return .bool(value == "true")
        default: return .string(value)
        }
    }

    /// The fields the answers and values so far switch on, in form order.
    private var activeFields: [CompiledField] {
        (compiled?.fields ?? []).filter { $0.condition?.evaluate(known) ?? true }
    }

    /// The active fields the citizen is asked: not those that are the applicant's own identity
    /// (the engine fills them from the name, ID number and phone given first).
    private var askedFields: [CompiledField] {
        activeFields.filter { $0.applicant == nil }
    }

    private func goToFields(after element: String?) {
        let fields = askedFields
        let start = element.flatMap { current in fields.firstIndex { $0.element == current }.map { $0 + 1 } } ?? 0
        if start < fields.count { go(.field(fields[start].element)) } else { goToMaterials() }
    }

    private func handleField(_ element: String, _ line: String) {
        guard let field = compiled?.fields.first(where: { $0.element == element }) else { return }
        var value = line
        if field.type == .choice || field.type == .boolean {
            let choices = field.type == .boolean ? ["true", "false"] : field.choices.map(\.value)
            if line.isEmpty, let kept = values[element] {
                value = kept
            } else if let number = Int(line), (1...choices.count).contains(number) {
                value = choices[number - 1]
            } else {
                return say("field.chooseNumber")
            }
        } else if line.isEmpty {
            if let kept = values[element], !kept.isEmpty {
                value = kept
            } else if field.required {
                return say("field.required")
            } else {
                values[element] = nil
                return reviewing ? backToReview() : goToFields(after: element)
            }
        }
        if let problem = FieldValidator.validate(value, type: field.type, constraints: field.constraints),
            problem.severity == .error
        {
            message = validation(problem)
            return
        }
        values[element] = value
        if reviewing { backToReview() } else { goToFields(after: element) }
    }

    // MARK: - Materials

    /// Materials of the checklist the citizen must bring (shared-data ones are not asked).
    private var neededMaterials: [CompiledMaterial] {
        (compiled?.materials ?? []).filter { !$0.sharedData && ($0.condition?.evaluate(known) ?? true) }
    }

    private func goToMaterials() {
        if neededMaterials.isEmpty { go(.review) } else { go(.material(0)) }
    }

    private func handleMaterial(_ index: Int, _ line: String) {
        let materials = neededMaterials
        guard index < materials.count else { return go(.review) }
        let material = materials[index]
        switch line {
        case "1": materialStatus[material.material] = .provided
        case "2": materialStatus[material.material] = nil
        case "3" where material.acceptWithGaps: return go(.promise(index))
        case "4" where context.scanner != nil:
            guard let scan = context.scanner?() else { return say("material.noScan") }
            scans[material.material] = Attachment(
                material: material.material, content: scan.content, mediaType: scan.mediaType)
            materialStatus[material.material] = .provided
        default: return say("field.chooseNumber")
        }
        if line == "2" { materialStatus[material.material] = .missing(promisedBy: CalendarDate(dayNumber: 0)) }
        nextMaterial(after: index)
    }

    private func nextMaterial(after index: Int) {
        if reviewing { return backToReview() }
        if index + 1 < neededMaterials.count { return go(.material(index + 1)) }
        if !missingMaterials.isEmpty {
            printed.append(bringListText())
            return go(.bring)
        }
        go(.review)
    }

    /// Materials marked as not at hand and not covered by a 容缺 promise.
    private var missingMaterials: [CompiledMaterial] {
        neededMaterials.filter { material in
            if case .missing(let date) = materialStatus[material.material] { return date.dayNumber == 0 }
            return false
        }
    }

    private func bringListText() -> String {
        ([context.strings.text("bring.heading", language)]
            + missingMaterials.map { "  - " + $0.name.text(in: language) }).joined(separator: "\n")
    }

    // MARK: - Review and submission

    /// The review lines with what each number changes.
    private var reviewEntries: [(text: String, stage: Stage)] {
        var entries: [(String, Stage)] = [
            (context.strings.text("review.name", language) + ": " + name, .name),
            (context.strings.text("review.idNumber", language) + ": " + IDNumber.masked(idNumber), .idNumber),
            (context.strings.text("review.phone", language) + ": " + phone, .phone),
        ]
        for (index, situation) in (bundle?.situations ?? []).enumerated() {
            let choice = situation.choices.first { $0.value == answers[situation.id] }
            entries.append(
                (
                    situation.question.text(in: language) + " " + (choice?.label.text(in: language) ?? ""),
                    .situation(index)
                ))
        }
        for field in askedFields {
            var value = values[field.element] ?? ""
            if field.type == .idNumber, !value.isEmpty { value = IDNumber.masked(value) }
            if field.type == .choice {
                value = field.choices.first { $0.value == value }?.label.text(in: language) ?? value
            }
            entries.append((field.label.text(in: language) + ": " + value, .field(field.element)))
        }
        for (index, material) in neededMaterials.enumerated() {
            var status = context.strings.text("review.ready", language)
            if let scan = scans[material.material] {
                status = context.strings.text(
                    "material.scanned", language, "\(scan.mediaType), \(scan.content.count) bytes")
            }
            if case .missing(let date) = materialStatus[material.material] {
                status = context.strings.text("review.promised", language, date.description)
            }
            entries.append((material.name.text(in: language) + ": " + status, .material(index)))
        }
        return entries
    }

    private func handleReview(_ line: String) async {
        if line == "88" { return await submit() }
        let entries = reviewEntries
        let pages = max(1, (entries.count + Self.reviewPageSize - 1) / Self.reviewPageSize)
        if line == "99" || line == "97" {
            reviewPage = min(pages - 1, max(0, reviewPage + (line == "99" ? 1 : -1)))
            return
        }
        guard let number = Int(line), (1...entries.count).contains(number) else { return say("field.chooseNumber") }
        reviewing = true
        go(entries[number - 1].stage)
    }

    private func backToReview() {
        reviewing = false
        history.removeAll { $0 == .review }
        go(.review)
        reviewing = true
    }

    private func submit() async {
        guard let bundle else { return wipe() }
        let active = Set(askedFields.map(\.element))
        var statuses: [String: MaterialStatus] = [:]
        for material in neededMaterials { statuses[material.material] = materialStatus[material.material] }
        let application = Application(
            bundle: bundle.id, answers: answers, values: values.filter { active.contains($0.key) },
            materials: statuses,
            attachments: neededMaterials.compactMap { scans[$0.material] },
            applicant: Applicant(name: name, idNumber: idNumber, phone: phone),
            channel: Channel(kind: .kiosk, id: context.profile.id),
            idempotencyKey: draftKey)
        do {
            let receipt = try await context.client.submit(application)
            self.receipt = receipt
            lastReceipt = (receipt.caseNumber, receipt.queryCode)
            printed.append(receiptText(receipt))
            reviewing = false
            history = []
            stage = .receipt
        } catch .invalidApplication(let problems) {
            message = problems.map { $0.message.text(in: language) }.joined(separator: "; ")
        } catch {
            say("error.submit")
        }
    }

    private func receiptText(_ receipt: Receipt) -> String {
        var lines = [
            context.strings.text("receipt.heading", language) + " · " + receipt.bundleName.text(in: language),
            context.strings.text("receipt.number", language, receipt.caseNumber),
            context.strings.text("receipt.code", language, receipt.queryCode),
            context.strings.text("receipt.promised", language, shown(receipt.promised)),
        ]
        for subcase in receipt.subcases {
            lines.append("  " + subcase.department.text(in: language) + " — " + subcase.item.text(in: language))
        }
        // What was accepted under 容缺 goes on the receipt too: it is the citizen's reminder.
        for material in neededMaterials {
            guard case .missing(let date) = materialStatus[material.material] else { continue }
            lines.append(
                context.strings.text(
                    "receipt.bringLater", language, material.name.text(in: language), date.description))
        }
        return lines.joined(separator: "\n")
    }

    // MARK: - Screen

    /// The current screen as lines, with the keys line last.
    public var screen: [String] {
        let strings = context.strings
        var lines = [strings.text("title", language) + " · " + context.profile.location, ""]
        lines += body()
        if let message { lines += ["", "! " + message] }
        if idleSeconds >= context.profile.idleWarning && idleSeconds < context.profile.idleTimeout {
            lines += ["", strings.text("idle.warning", language, String(context.profile.idleTimeout - idleSeconds))]
        }
        lines += ["", strings.text("keys", language)]
        return lines
    }

    private func body() -> [String] {
        let strings = context.strings
        let t = { (key: String) in strings.text(key, self.language) }
        switch stage {
        case .home:
            var lines = [t("home.heading")]
            let bundles = offered
            for (index, bundle) in bundles.enumerated() {
                lines.append("\(index + 1) \(bundle.name.text(in: language))")
            }
            lines.append("\(bundles.count + 1) \(t("home.progress"))")
            lines.append("\(bundles.count + 2) \(t("home.language"))")
            return lines
        case .help:
            return [t("help")]
        case .notice:
            guard let bundle, let compiled else { return [] }
            let due = context.calendar.deadline(acceptedOn: context.today(), workingDays: compiled.criticalPathDays)
            var lines = [
                strings.text("notice.heading", language, bundle.name.text(in: language)),
                strings.text(
                    "notice.items", language, String(compiled.subcases.count), String(compiled.departments.count)),
            ]
            for subcase in compiled.subcases {
                lines.append("  " + subcase.departmentName.text(in: language) + " — " + subcase.name.text(in: language))
            }
            lines.append(strings.text("notice.promised", language, shown(due), String(compiled.criticalPathDays)))
            lines.append(t("notice.prepare"))
            for material in compiled.materials where !material.sharedData {
                lines.append("  " + material.name.text(in: language))
            }
            lines.append(t("notice.start"))
            return lines
        case .name: return [t("identity.name")] + keep(name)
        case .idNumber: return [t("identity.idNumber")] + keep(idNumber.isEmpty ? "" : IDNumber.masked(idNumber))
        case .phone: return [t("identity.phone")] + keep(phone)
        case .situation(let index):
            guard let bundle, index < bundle.situations.count else { return [] }
            let situation = bundle.situations[index]
            var lines = [
                strings.text("situation.heading", language, String(index + 1), String(bundle.situations.count)),
                situation.question.text(in: language),
            ]
            for (number, choice) in situation.choices.enumerated() {
                lines.append("\(number + 1) \(choice.label.text(in: language))")
            }
            return lines
        case .field(let element):
            let fields = askedFields
            guard let position = fields.firstIndex(where: { $0.element == element }) else { return [] }
            let field = fields[position]
            var lines = [
                strings.text("field.heading", language, String(position + 1), String(fields.count)),
                field.label.text(in: language),
            ]
            if let hint = field.hint { lines.append(hint.text(in: language)) }
            if field.type == .choice {
                for (number, choice) in field.choices.enumerated() {
                    lines.append("\(number + 1) \(choice.label.text(in: language))")
                }
            } else if field.type == .boolean {
                lines += ["1 " + t("yes"), "2 " + t("no")]
            }
            if let kept = values[element], !kept.isEmpty {
                let shown = field.type == .idNumber ? IDNumber.masked(kept) : kept
                lines.append(strings.text("field.keep", language, shown))
            } else if !field.required {
                lines.append(t("field.optional"))
            }
            return lines
        case .material(let index):
            let materials = neededMaterials
            guard index < materials.count else { return [] }
            let material = materials[index]
            let departments = material.departments.map {
                context.library.catalog.departments[$0]?.name.text(in: language) ?? $0
            }
            var lines = [
                strings.text(
                    "material.heading", language, String(index + 1), String(materials.count),
                    material.name.text(in: language)),
                strings.text(
                    "material.detail", language, material.form.label.text(in: language), String(material.copies),
                    departments.joined(separator: language == .zh ? "、" : ", ")),
                t("material.ready"), t("material.missing"),
            ]
            if material.acceptWithGaps { lines.append(t("material.gap")) }
            if context.scanner != nil { lines.append(t("material.scan")) }
            if index == 0 {
                for shared in (compiled?.materials ?? []).filter(\.sharedData) {
                    lines.append(strings.text("material.shared", language, shared.name.text(in: language)))
                }
            }
            return lines
        case .promise:
            return [strings.text("material.promise", language, context.today().adding(days: 7).description)]
        case .bring:
            return bringListText().split(separator: "\n").map(String.init) + [t("bring.done")]
        case .review:
            let entries = reviewEntries
            let pages = max(1, (entries.count + Self.reviewPageSize - 1) / Self.reviewPageSize)
            let page = min(reviewPage, pages - 1)
            let start = page * Self.reviewPageSize
            var lines = [t("review.heading")]
            for index in start..<min(entries.count, start + Self.reviewPageSize) {
                lines.append("\(index + 1) \(entries[index].text)")
            }
            if pages > 1 { lines.append(strings.text("review.page", language, String(page + 1), String(pages))) }
            lines.append(t("review.submit"))
            return lines
        case .receipt:
            guard let receipt else { return [] }
            return receiptText(receipt).split(separator: "\n").map(String.init) + [t("receipt.next")]
        case .rating:
            return [
                t("rating.heading"), t("rating.1"), t("rating.2"), t("rating.3"), t("rating.4"), t("rating.5"),
                t("rating.skip"),
            ]
        case .thanks:
            return [t("rating.thanks")]
        case .progressNumber:
            return [t("progress.number")]
        case .progressCode:
            return [t("progress.code")]
        case .progressView:
            guard let progress else { return [] }
            let status = strings.text("status." + progress.status.rawValue, language)
            var lines = [strings.text("progress.heading", language, progress.number, status)]
            for subcase in progress.subcases {
                let state = strings.text("state." + subcase.state.rawValue, language)
                var line = "  " + subcase.departmentName.text(in: language) + " — " + state
                if let due = subcase.due { line += " · " + strings.text("progress.due", language, shown(due)) }
                lines.append(line)
            }
            for notice in progress.corrections {
                lines.append(strings.text("progress.correction", language, notice.department.text(in: language)))
                for material in notice.materials { lines.append("  - " + material.name.text(in: language)) }
                for field in notice.fields { lines.append("  - " + field.label.text(in: language)) }
                if !notice.note.isEmpty { lines.append("  " + notice.note) }
            }
            if progress.corrections.first.map({ !$0.materials.isEmpty }) ?? false { lines.append(t("progress.supply")) }
            return lines
        case .supplied:
            return [t("progress.supplied")]
        }
    }

    private func keep(_ value: String) -> [String] {
        value.isEmpty ? [] : [context.strings.text("field.keep", language, value)]
    }
}
