import BundleKit
import CaseEngine
import Foundation
import WorkCalendar

// The walk's transitions: what each line typed on each stage leads to (see `KioskSession`).
extension KioskSession {
    func handle(_ line: String) async {
        switch stage {
        case .home:
            let bundles = offered
            if let number = Int(line), bundles.indices.contains(number - 1) {
                wipe(newCitizen: false)
                bundle = bundles[number - 1]
                draftKey = context.profile.id + "-" + UUID().uuidString
                compiled = BundleCompiler(catalog: context.library.catalog).compile(bundles[number - 1]).compiled
                go(.notice)
            } else if line == Self.progressKey {
                go(.progressNumber)
            } else if line == Self.languageKey {
                language = language == .zh ? .en : .zh
            } else {
                say("field.chooseNumber")
            }
        case .help:
            stage = history.popLast() ?? .home
        case .notice:
            if line == "1" { go(.name) } else { say("field.chooseNumber") }
        case .name where hasCardReader && (line.isEmpty || !context.profile.typedIdentity):
            guard line.isEmpty else { return say("card.required") }
            readCard()
        case .name:
            let entered = line.isEmpty ? name : line
            guard entered.count >= 2 else { return say("identity.nameTooShort") }
            if let problem = FieldValidator.validate(entered, type: .personName) {
                message = validation(problem)
                return
            }
            name = entered
            nextAfterIdentity(from: .name)
        case .idNumber:
            let entered = line.isEmpty ? idNumber : KioskInput.idNumber(line)
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
            guard let number = Int(line), situation.choices.indices.contains(number - 1) else {
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
        case .zero(let element):
            if line == "1" {
                stage = history.popLast() ?? .field(element)
                handleField(element, "0")
            } else if line == "2" {
                _ = history.popLast()
                stage = history.popLast() ?? .home
            } else {
                say("field.chooseNumber")
            }
        case .material(let index):
            handleMaterial(index, line)
        case .promise(let index):
            let materials = neededMaterials
            guard index < materials.count, let date = CalendarDate(KioskInput.date(line)), date >= context.today()
            else {
                return say("material.promiseInvalid")
            }
            if let compiled,
                let latest = GapPromise.latest(
                    for: materials[index], in: compiled, calendar: context.calendar, today: context.today()),
                date > latest
            {
                return say("material.promiseTooLate", latest.description)
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
                if let receipt {
                    try? await context.client.rate(
                        number: receipt.caseNumber, queryCode: receipt.queryCode, grade: grade)
                }
                go(.thanks)
            } else {
                say("field.chooseNumber")
            }
        case .thanks, .supplied:
            wipe()
        case .leaving:
            if line == "1" {
                wipe(newCitizen: false)
            } else if let previous = history.popLast() {
                stage = previous
            }
        case .progressNumber:
            caseNumber = KioskInput.caseNumber(line)
            go(.progressCode)
        case .progressCode:
            do {
                progress = try await context.client.progress(number: caseNumber, queryCode: line)
                queryCode = line
                go(.progressView)
            } catch .unreachable {
                say("offline.tryLater")
            } catch .queryLocked {
                say("progress.locked")
                stage = .progressNumber
            } catch .remote(code: "query-code-locked", _, _) {
                say("progress.locked")
                stage = .progressNumber
            } catch {
                say("progress.notFound")
                stage = .progressNumber
            }
        case .progressView:
            guard line == "1", let progress, let notice = progress.corrections.first else { return wipe() }
            do {
                try await context.client.supply(
                    number: progress.number, queryCode: queryCode, materials: notice.materials.map(\.id))
                go(.supplied)
            } catch {
                say("error.submit")
            }
        }
    }

    /// Reads the card on the reader: name and ID number filled and locked, an expired or unreadable
    /// card refused with a sentence saying what to do.
    func readCard() {
        guard let card = placedCards.isEmpty ? context.cardReader?() : placedCards.removeFirst() else {
            return say("card.none")
        }
        guard FieldValidator.validate(card.idNumber, type: .idNumber) == nil else { return say("card.unreadable") }
        if card.isExpired(on: context.today()) {
            return say("card.expired", card.validUntil?.description ?? "")
        }
        name = card.name
        idNumber = card.idNumber
        identityFromCard = true
        nextAfterIdentity(from: .idNumber)
    }

    func nextAfterIdentity(from stage: Stage) {
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
    func prefill() {
        let identity = Applicant(name: name, idNumber: idNumber, phone: phone)
        for field in compiled?.fields ?? [] where values[field.element] == nil {
            if let part = field.identity { values[field.element] = identity[part] }
        }
    }

    // MARK: - Form

    /// The form as the answers and values so far make it (the engine's validator evaluates it the same way).
    var form: FormEvaluation? {
        compiled.map { FormEvaluation($0, answers: answers, values: values) }
    }

    /// The fields the answers and values so far switch on, in form order.
    var activeFields: [CompiledField] { form?.activeFields ?? [] }

    /// The active fields the citizen is asked: not those that are the applicant's own identity
    /// (the engine fills them from the name, ID number and phone given first).
    var askedFields: [CompiledField] {
        activeFields.filter { $0.applicant == nil }
    }

    func goToFields(after element: String?) {
        let fields = askedFields
        let start = element.flatMap { current in fields.firstIndex { $0.element == current }.map { $0 + 1 } } ?? 0
        if start < fields.count { go(.field(fields[start].element)) } else { goToMaterials() }
    }

    /// Whether `0` is a valid answer to a number field (then typing it asks whether it is meant).
    func acceptsZero(_ element: String) -> Bool {
        guard let field = compiled?.fields.first(where: { $0.element == element }), field.type.isNumeric else {
            return false
        }
        return FieldValidator.validate("0", type: field.type, constraints: field.constraints) == nil
    }

    func handleField(_ element: String, _ line: String) {
        guard let field = compiled?.fields.first(where: { $0.element == element }) else { return }
        var value = line
        if !line.isEmpty, field.type == .idNumber { value = KioskInput.idNumber(line) }
        if field.type == .date || field.type == .pastDate { value = KioskInput.date(line) }
        if field.type == .choice || field.type == .boolean {
            let choices = field.type == .boolean ? ["true", "false"] : field.choices.map(\.value)
            if line.isEmpty, let kept = values[element] {
                value = kept
            } else if let number = Int(line), choices.indices.contains(number - 1) {
                value = choices[number - 1]
            } else {
                return say("field.chooseNumber")
            }
        } else if line.isEmpty {
            if let kept = values[element], !kept.isEmpty {
                value = kept
            } else if form?.isRequired(field) ?? field.required {
                return say("field.required")
            } else {
                values[element] = nil
                return reviewing ? backToReview() : goToFields(after: element)
            }
        }
        if values[element] != value { confirmedWarnings.remove(element) }
        if let problem = FieldValidator.validate(
            value, type: field.type, constraints: field.constraints, today: context.today().description),
            problem.severity == .error || !confirmedWarnings.contains(element)
        {
            if problem.severity == .warning, let warned, warned == (element, value) {
                confirmedWarnings.insert(element)  // checked and entered again as written
            } else {
                if problem.severity == .warning { warned = (element, value) }
                message = validation(problem)
                return
            }
        }
        warned = nil
        values[element] = value
        if reviewing { backToReview() } else { goToFields(after: element) }
    }

    // MARK: - Materials

    /// Materials of the checklist the citizen must bring (shared-data ones are not asked).
    var neededMaterials: [CompiledMaterial] {
        (form?.neededMaterials ?? []).filter { !$0.sharedData }
    }

    func goToMaterials() {
        if neededMaterials.isEmpty { go(.review) } else { go(.material(0)) }
    }

    func handleMaterial(_ index: Int, _ line: String) {
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

    func nextMaterial(after index: Int) {
        if reviewing { return backToReview() }
        if index + 1 < neededMaterials.count { return go(.material(index + 1)) }
        if !missingMaterials.isEmpty {
            printed.append(bringListText())
            return go(.bring)
        }
        go(.review)
    }

    /// Materials marked as not at hand and not covered by a 容缺 promise.
    var missingMaterials: [CompiledMaterial] {
        neededMaterials.filter { material in
            if case .missing(let date) = materialStatus[material.material] { return date.dayNumber == 0 }
            return false
        }
    }

    func bringListText() -> String {
        ([context.strings.text("bring.heading", language)]
            + missingMaterials.map { "  - " + $0.name.text(in: language) }).joined(separator: "\n")
    }

    // MARK: - Review and submission

    /// The review lines with what each number changes.
    /// A field's value as the citizen reads it: a choice or yes/no by its label; an ID number, a bank
    /// card or another sensitive account number masked (first 6, last 4) for whoever stands behind
    /// them. Phone numbers stay readable: the citizen checks them here.
    func shown(_ value: String, of field: CompiledField) -> String {
        guard !value.isEmpty else { return value }
        if field.sensitive && (field.type == .text || field.type == .bankCard) { return IDNumber.masked(value) }
        switch field.type {
        case .idNumber, .bankCard: return IDNumber.masked(value)
        case .choice: return field.choices.first { $0.value == value }?.label.text(in: language) ?? value
        case .boolean: return context.strings.text(value == "true" ? "yes" : "no", language)
        default: return value
        }
    }

    var reviewEntries: [(text: String, stage: Stage)] {
        // A label and its value: the full-width colon in Chinese, a colon and a space in English.
        let colon = language == .zh ? "：" : ": "
        var entries: [(String, Stage)] = [
            (context.strings.text("review.name", language) + colon + name, .name),
            (context.strings.text("review.idNumber", language) + colon + IDNumber.masked(idNumber), .idNumber),
            (context.strings.text("review.phone", language) + colon + phone, .phone),
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
            let value = shown(values[field.element] ?? "", of: field)
            entries.append((field.label.text(in: language) + colon + value, .field(field.element)))
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
            entries.append((material.name.text(in: language) + colon + status, .material(index)))
        }
        return entries
    }

    func handleReview(_ line: String) async {
        if line == "88" { return await submit() }
        let entries = reviewEntries
        let pages = max(1, (entries.count + Self.reviewPageSize - 1) / Self.reviewPageSize)
        if line == "99" || line == "97" {
            reviewPage = min(pages - 1, max(0, reviewPage + (line == "99" ? 1 : -1)))
            return
        }
        guard let number = Int(line), entries.indices.contains(number - 1) else { return say("field.chooseNumber") }
        if identityFromCard && [Stage.name, .idNumber].contains(entries[number - 1].stage) {
            return say("card.locked")
        }
        reviewing = true
        go(entries[number - 1].stage)
    }

    /// Back to the review after an edit, on the page of the edited entry (an answer may have added or
    /// removed entries before it).
    func backToReview() {
        let edited = stage
        reviewing = false
        history.removeAll { $0 == .review }
        go(.review)
        reviewing = true
        if let index = reviewEntries.firstIndex(where: { $0.stage == edited }) {
            reviewPage = index / Self.reviewPageSize
        }
    }

    func submit() async {
        guard let bundle else { return wipe() }
        let active = Set(askedFields.map(\.element))
        var statuses: [String: MaterialStatus] = [:]
        for material in neededMaterials { statuses[material.material] = materialStatus[material.material] }
        var application = Application(
            bundle: bundle.id, answers: answers, values: values.filter { active.contains($0.key) },
            materials: statuses,
            attachments: neededMaterials.compactMap { scans[$0.material] },
            applicant: Applicant(name: name, idNumber: idNumber, phone: phone),
            channel: Channel(kind: .kiosk, id: context.profile.id),
            idempotencyKey: draftKey)
        application.confirmedWarnings = confirmedWarnings.intersection(active)
        // Submitting can take a while over the network (retries under the same key): say so.
        say("submit.busy")
        onRedraw?()
        do {
            let receipt = try await context.client.submit(application)
            self.receipt = receipt
            lastReceipt = (receipt.caseNumber, receipt.queryCode)
            printed.append(receiptText(receipt))
            reviewing = false
            history = []
            message = nil
            stage = .receipt
        } catch .invalidApplication(let problems) {
            message = problems.map { $0.message.text(in: language) }.joined(separator: "; ")
        } catch .unreachable {
            // Never a receipt for a case the server does not hold: a slip that says so. What the
            // citizen entered stays; submitting again later uses the same key.
            printed.append(notSubmittedSlip())
            say("offline.notSubmitted")
        } catch {
            say("error.submit")
        }
    }
}
