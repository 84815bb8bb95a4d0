import BundleKit
import GRDB
import WorkCalendar

/// A sub-case row as the engine works with it.
struct SubcaseRecord {
    var id: String
    var caseNumber: String
    var position: Int
    var item: String
    var itemName: LocalizedText
    var department: String
    var departmentName: LocalizedText
    var kind: ItemKind
    var promisedDays: Int
    var legalDays: Int?
    var earlyStart: Bool
    // Lists stay as stored text until asked for: a step reads few of them.
    private var afterText: String
    private var inputFlowsText: String
    private var outputElementsText: String
    private var fieldsText: String
    private var materialsText: String
    private var dependantsText: String
    private var inputsText: String
    private var outputsText: String
    var state: SubcaseState
    var resumeState: SubcaseState?
    var released: Bool
    var dispatchedOn: CalendarDate?
    var due: Deadline?
    var daysUsedBeforePause: Int
    var pausedDays: Int
    var pausedOn: CalendarDate?
    var finishedOn: CalendarDate?
    var reason: String?

    /// The columns `init(_:)` reads, by position.
    private static let columnNames = [
        "id", "case_number", "position", "item", "item_name_zh", "item_name_en", "department", "department_name_zh",
        "department_name_en", "kind", "promised_days", "legal_days", "early_start", "after_items", "input_flows",
        "output_elements", "fields", "materials", "state", "resume_state", "released", "inputs", "outputs",
        "dispatched_on", "due_date", "due_provisional", "days_used_before_pause", "paused_days", "paused_on",
        "finished_on", "reason", "dependant_items",
    ]
    static let columns = columnNames.joined(separator: ", ")

    init(_ row: SQLRow) {
        id = row.text(0)
        caseNumber = row.text(1)
        position = row.int(2)
        item = row.text(3)
        itemName = LocalizedText(zh: row.text(4), en: row.text(5))
        department = row.text(6)
        departmentName = LocalizedText(zh: row.text(7), en: row.text(8))
        kind = ItemKind(rawValue: row.text(9)) ?? .committed
        promisedDays = row.int(10)
        legalDays = row.optionalInt(11)
        earlyStart = row.bool(12)
        afterText = row.text(13)
        inputFlowsText = row.text(14)
        outputElementsText = row.text(15)
        fieldsText = row.text(16)
        materialsText = row.text(17)
        state = SubcaseState(rawValue: row.text(18)) ?? .waiting
        resumeState = row.optionalText(19).flatMap(SubcaseState.init(rawValue:))
        released = row.bool(20)
        inputsText = row.text(21)
        outputsText = row.text(22)
        dispatchedOn = row.optionalText(23).flatMap(CalendarDate.init)
        due = row.optionalText(24).flatMap(CalendarDate.init).map { Deadline(date: $0, provisional: row.bool(25)) }
        daysUsedBeforePause = row.int(26)
        pausedDays = row.int(27)
        pausedOn = row.optionalText(28).flatMap(CalendarDate.init)
        finishedOn = row.optionalText(29).flatMap(CalendarDate.init)
        reason = row.optionalText(30)
        dependantsText = row.text(31)
    }

    /// The sub-cases of one case, in order.
    static func all(ofCase number: String, in db: Database) throws -> [SubcaseRecord] {
        try db.fetch(
            .subcasesOfCase, .text(number),
            .text(number), row: SubcaseRecord.init)
    }

    /// One sub-case, if it exists.
    static func find(_ id: String, in db: Database) throws -> SubcaseRecord? {
        try db.fetchFirst(.subcase, .text(id), row: SubcaseRecord.init)
    }

    /// Items that must be issued before this one.
    var after: [String] { Self.list(afterText) }
    /// Producer item → elements it hands over.
    var inputFlows: [(from: String, elements: [String])] { Self.flows(inputFlowsText) }

    /// Parses stored input flows: `producer:element|element,producer:element`.
    static func flows(_ text: String) -> [(from: String, elements: [String])] {
        list(text).map { flow in
            let parts = flow.split(separator: ":", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? parts[1].split(separator: "|").map(String.init) : [])
        }
    }
    /// Elements the item issues.
    var outputElements: [String] { Self.list(outputElementsText) }
    /// Elements the item's department sees.
    var fields: [String] { Self.list(fieldsText) }
    /// Materials the item's department sees.
    var materials: [String] { Self.list(materialsText) }
    /// Whether some item of the case waits for this one.
    var hasDependants: Bool { !dependantsText.isEmpty }
    /// Outputs received from predecessors.
    var inputs: [String: String] {
        get { Self.map(inputsText) }
        set { inputsText = Self.encode(newValue) }
    }
    /// Outputs issued.
    var outputs: [String: String] {
        get { Self.map(outputsText) }
        set { outputsText = Self.encode(newValue) }
    }

    var allowedSteps: [SubcaseStep] {
        SubcaseStep.allowed(from: state, released: released, earlyStart: earlyStart, immediate: kind == .immediate)
    }

    var summary: SubcaseSummary {
        SubcaseSummary(
            id: id, item: item, itemName: itemName, department: department, departmentName: departmentName,
            kind: kind, state: state, released: released, earlyStart: earlyStart, due: due, promisedDays: promisedDays,
            reason: reason)
    }

    /// Writes the mutable columns back.
    func save(in db: Database) throws {
        try db.execute(
            .saveSubcase,
            .text(state.rawValue), .text(resumeState?.rawValue), .bool(released), .text(inputsText),
            .text(outputsText), .text(dispatchedOn?.description), .text(due?.date.description),
            .bool(due?.provisional ?? false), .int(daysUsedBeforePause), .int(pausedDays),
            .text(pausedOn?.description), .text(finishedOn?.description), .text(reason), .text(id))
    }

    // MARK: - Encoding

    static func list(_ text: String) -> [String] {
        text.isEmpty ? [] : text.split(separator: ",").map(String.init)
    }

    /// A map stored as `key US value RS key US value` (ASCII unit and record separators), which
    /// no element id or output value contains.
    static func map(_ text: String) -> [String: String] {
        guard !text.isEmpty else { return [:] }
        var result: [String: String] = [:]
        for entry in text.split(separator: "\u{1E}") {
            let parts = entry.split(separator: "\u{1F}", maxSplits: 1, omittingEmptySubsequences: false)
            result[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return result
    }

    static func encode(_ map: [String: String]) -> String {
        map.sorted { $0.key < $1.key }.map { $0.key + "\u{1F}" + $0.value }.joined(separator: "\u{1E}")
    }
}

/// What accept, review, approve and issue read of a sub-case: enough to check the step, write
/// the event and answer with the summary, and for an issue its outputs and whether anything waits
/// for it. These steps change a few columns, so the rest of the row stays unread. A class: it is
/// read, handed through the generic fetch and the step, and summarised, and copying a dozen strings
/// at each hand-over cost more than one reference.
final class SubcaseHead {
    var id: String
    var caseNumber: String
    var item: String
    var itemName: LocalizedText
    var department: String
    var departmentName: LocalizedText
    var kind: ItemKind
    var promisedDays: Int
    var earlyStart: Bool
    var state: SubcaseState
    var released: Bool
    var due: Deadline?
    var reason: String?
    private var outputElementsText: String
    private var dependantsText: String

    static let columns = """
        case_number, item, item_name_zh, item_name_en, department, department_name_zh, department_name_en, kind,
        promised_days, early_start, state, released, due_date, due_provisional, reason, output_elements,
        dependant_items
        """

    init(id: String, _ row: SQLRow) {
        self.id = id
        caseNumber = row.text(0)
        item = row.text(1)
        itemName = LocalizedText(zh: row.text(2), en: row.text(3))
        department = row.text(4)
        departmentName = LocalizedText(zh: row.text(5), en: row.text(6))
        kind = ItemKind(rawValue: row.text(7)) ?? .committed
        promisedDays = row.int(8)
        earlyStart = row.bool(9)
        state = SubcaseState(rawValue: row.text(10)) ?? .waiting
        released = row.bool(11)
        due = row.optionalText(12).flatMap(CalendarDate.init).map { Deadline(date: $0, provisional: row.bool(13)) }
        reason = row.optionalText(14)
        outputElementsText = row.text(15)
        dependantsText = row.text(16)
    }

    /// Elements the item issues.
    var outputElements: [String] { SubcaseRecord.list(outputElementsText) }
    /// Whether some item of the case waits for this one.
    var hasDependants: Bool { !dependantsText.isEmpty }

    var allowedSteps: [SubcaseStep] {
        SubcaseStep.allowed(from: state, released: released, earlyStart: earlyStart, immediate: kind == .immediate)
    }

    var summary: SubcaseSummary {
        SubcaseSummary(
            id: id, item: item, itemName: itemName, department: department, departmentName: departmentName,
            kind: kind, state: state, released: released, earlyStart: earlyStart, due: due, promisedDays: promisedDays,
            reason: reason)
    }
}

extension SubcaseSummary {
    /// A summary as the engine answers it: no due date while a correction stops the clock, and the
    /// steps allowed from the state.
    init(
        id: String, item: String, itemName: LocalizedText, department: String, departmentName: LocalizedText,
        kind: ItemKind, state: SubcaseState, released: Bool, earlyStart: Bool, due: Deadline?, promisedDays: Int,
        reason: String?
    ) {
        self.id = id
        self.item = item
        self.itemName = itemName
        self.department = department
        self.departmentName = departmentName
        self.kind = kind
        self.state = state
        self.released = released
        self.due = state == .correcting ? nil : due
        self.promisedDays = promisedDays
        self.reason = reason
        self.allowedSteps = SubcaseStep.allowed(
            from: state, released: released, earlyStart: earlyStart, immediate: kind == .immediate)
    }
}
