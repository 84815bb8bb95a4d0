import BundleKit
import CaseEngine
import Foundation
import WorkCalendar

// What each stage shows: the screen's lines and the printed texts (see `KioskSession`).
extension KioskSession {
    /// The receipt (受理回执): what was accepted, when and where, from whom (masked), with which
    /// materials, the items and their departments, when and where to collect the results, and the
    /// hotline; then, when materials were accepted under 容缺, the one-time notice of what is still
    /// to bring, in the same print job.
    func receiptText(_ receipt: Receipt) -> String {
        let strings = context.strings
        var lines = [
            strings.text("receipt.heading", language) + " · " + receipt.bundleName.text(in: language),
            strings.text("receipt.number", language, receipt.caseNumber),
            strings.text("receipt.code", language, receipt.queryCode),
            strings.text("receipt.time", language, Self.shownInstant(receipt.submittedAt, day: receipt.submittedOn)),
        ]
        if !context.profile.location.isEmpty {
            lines.append(strings.text("receipt.place", language, context.profile.location))
        }
        lines.append(strings.text("receipt.applicant", language, receipt.applicantName, receipt.applicantIDMasked))
        let received = neededMaterials.filter { material in
            if case .missing = materialStatus[material.material] { return false }
            return materialStatus[material.material] != nil
        }
        if !received.isEmpty {
            lines.append(
                strings.text(
                    "receipt.received", language, received.map { $0.name.text(in: language) }.joined(separator: "、")))
        }
        let shared = (form?.neededMaterials ?? []).filter(\.sharedData)
        if !shared.isEmpty {
            lines.append(
                strings.text(
                    "receipt.shared", language, shared.map { $0.name.text(in: language) }.joined(separator: "、")))
        }
        lines.append(strings.text("receipt.promised", language, shown(receipt.promised)))
        for subcase in receipt.subcases {
            lines.append("  " + subcase.department.text(in: language) + " — " + subcase.item.text(in: language))
        }
        if !context.profile.collection.isEmpty {
            lines.append(
                strings.text("receipt.collect", language, context.profile.collection, receipt.promised.date.description)
            )
        }
        if !context.profile.hotline.isEmpty {
            lines.append(strings.text("receipt.hotline", language, context.profile.hotline))
        }
        // What was accepted under 容缺: a one-time notice of its own, the citizen's reminder.
        let awaited = neededMaterials.compactMap { material -> (CompiledMaterial, CalendarDate)? in
            guard case .missing(let date) = materialStatus[material.material] else { return nil }
            return (material, date)
        }
        if !awaited.isEmpty {
            lines += [
                "", "- - - - - - - - - - - - - - - -", strings.text("gaps.heading", language),
                strings.text(
                    "gaps.case", language, receipt.bundleName.text(in: language), receipt.caseNumber,
                    receipt.submittedOn.description),
            ]
            for (material, date) in awaited {
                lines.append(
                    strings.text("receipt.bringLater", language, material.name.text(in: language), date.description))
            }
            lines.append(strings.text("gaps.close", language))
        }
        return lines.joined(separator: "\n")
    }

    /// `2026-11-23 09:00` from the server's instant, or the day alone without one.
    static func shownInstant(_ instant: String?, day: CalendarDate) -> String {
        guard let instant, instant.count >= 16, instant.dropFirst(10).first == "T" else { return day.description }
        return String(instant.prefix(10)) + " " + String(instant.dropFirst(11).prefix(5))
    }

    /// The slip printed when the server stays unreachable at submission: it says that nothing was
    /// submitted and where to go, and carries no case number.
    func notSubmittedSlip() -> String {
        let bundleName = bundle?.name.text(in: language) ?? ""
        return [
            context.strings.text("slip.heading", language) + (bundleName.isEmpty ? "" : " · " + bundleName),
            context.strings.text("slip.notSubmitted", language),
            context.strings.text("slip.whereToGo", language, context.profile.location),
        ].joined(separator: "\n")
    }

    // MARK: - Screen

    /// The current screen as lines, with the keys line last.
    /// The current screen as lines, with the keys line last; on a terminal too small for it
    /// (``viewport``), the page being looked at, with "第 1/3 页 · 97 上一页 · 99 下一页".
    public var screen: [String] {
        let lines = wholeScreen
        guard let pages = pages(of: lines) else { return lines }
        let page = min(screenPage, pages.count - 1)
        return pages[page] + [
            context.strings.text("review.page", language, String(page + 1), String(pages.count)),
            lines.last ?? "",
        ]
    }

    /// The home screen's bundles: one a line, or in two columns (1, 2, … down the left, then the
    /// right) when one a line would not fit the terminal's rows but two fit its width, so that a
    /// kiosk offering many bundles shows them all on one screen rather than a page at a time.
    func homeColumns(_ entries: [String]) -> [String] {
        guard let viewport else { return entries }
        let layout = ScreenLayout(columns: viewport.columns, rows: viewport.rows, color: false)
        // Around the entries in the box: the title, a blank line, the heading, the two fixed keys and
        // the blank line before the keys.
        guard entries.count + 6 > layout.bodyRows(keys: context.strings.text("keys", language)) else { return entries }
        let width = entries.map(DisplayWidth.of).max() ?? 0
        let gap = 4
        guard 2 * width + gap <= layout.inner else { return entries }
        let left = (entries.count + 1) / 2
        return (0..<left).map { row in
            let right = row + left
            guard right < entries.count else { return entries[row] }
            return DisplayWidth.padded(entries[row], to: width + gap) + entries[right]
        }
    }

    /// The screen's pages at the viewport's size; nil when it fits (or no viewport is known).
    func pages(of lines: [String]) -> [[String]]? {
        guard let viewport else { return nil }
        let pages = ScreenLayout(columns: viewport.columns, rows: viewport.rows, color: false).pages(lines)
        return pages.count > 1 ? pages : nil
    }

    /// The whole screen, however tall.
    var wholeScreen: [String] {
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

    func body() -> [String] {
        let strings = context.strings
        let t = { (key: String) in strings.text(key, self.language) }
        switch stage {
        case .home:
            var lines = [t(online ? "home.heading" : "home.offline")]
            let bundles = offered
            // Numbers right-aligned, so that 1–9 and 10–15 line up.
            let width = max(String(bundles.count).count, Self.progressKey.count)
            func numbered(_ number: Int, _ text: String) -> String {
                String(repeating: " ", count: width - String(number).count) + "\(number) \(text)"
            }
            lines += homeColumns(
                bundles.enumerated().map { numbered($0.offset + 1, $0.element.name.text(in: language)) })
            // Fixed keys, whatever the number of bundles: scripts and citizens' habits stay valid.
            lines.append(numbered(Int(Self.progressKey) ?? 0, t("home.progress")))
            lines.append(numbered(Int(Self.languageKey) ?? 0, t("home.language")))
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
        case .zero(let element):
            let label = compiled?.fields.first { $0.element == element }?.label.text(in: language) ?? element
            return [strings.text("zero.question", language, label), "1 " + t("zero.value"), "2 " + t("zero.back")]
        case .name where hasCardReader:
            return [t("card.place")] + (context.profile.typedIdentity ? [t("card.orType")] : [])
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
                lines.append(strings.text("field.keep", language, shown(kept, of: field)))
            } else if !(form?.isRequired(field) ?? field.required) {
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
                for shared in (form?.neededMaterials ?? []).filter(\.sharedData) {
                    lines.append(strings.text("material.shared", language, shared.name.text(in: language)))
                }
                for produced in compiled?.producedMaterials ?? [] {
                    lines.append(strings.text("material.produced", language, produced.name.text(in: language)))
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
        case .leaving:
            return [t("leave.question"), "", t("leave.yes"), t("leave.no")]
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
                var line =
                    "  " + subcase.departmentName.text(in: language) + " · " + subcase.itemName.text(in: language)
                    + " — " + state
                if let due = subcase.due { line += " · " + strings.text("progress.due", language, shown(due)) }
                lines.append(line)
                if subcase.state == .rejected, let reason = subcase.reason {
                    lines.append(strings.text("progress.reason", language, KioskInput.clean(reason)))
                }
                for output in subcase.outputs {
                    let label =
                        context.library.catalog.elements[output.element]?.label.text(in: language) ?? output.element
                    lines.append(strings.text("progress.output", language, label, KioskInput.clean(output.value)))
                }
            }
            for material in progress.materials where material.status == MaterialStatus.missingWord {
                lines.append(
                    strings.text(
                        "progress.awaited", language, material.name.text(in: language), material.promisedBy ?? ""))
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

    func keep(_ value: String) -> [String] {
        value.isEmpty ? [] : [context.strings.text("field.keep", language, value)]
    }
}
