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

    /// The columns `init(row:)` reads, by position (GRDB's lookup by name costs more than the rest).
    static let columns =
        "id, case_number, position, item, item_name_zh, item_name_en, department, department_name_zh, department_name_en, kind, promised_days, legal_days, early_start, after_items, input_flows, output_elements, fields, materials, state, resume_state, released, inputs, outputs, dispatched_on, due_date, due_provisional, days_used_before_pause, paused_days, paused_on, finished_on, reason, dependant_items"

    init(row: Row) {
        id = row[0]
        caseNumber = row[1]
        position = row[2]
        item = row[3]
        itemName = LocalizedText(zh: row[4], en: row[5])
        department = row[6]
        departmentName = LocalizedText(zh: row[7], en: row[8])
        kind = ItemKind(rawValue: row[9]) ?? .committed
        promisedDays = row[10]
        legalDays = row[11]
        earlyStart = row[12]
        afterText = row[13]
        inputFlowsText = row[14]
        outputElementsText = row[15]
        fieldsText = row[16]
        materialsText = row[17]
        state = SubcaseState(rawValue: row[18]) ?? .waiting
        resumeState = (row[19] as String?).flatMap(SubcaseState.init(rawValue:))
        released = row[20]
        inputsText = row[21]
        outputsText = row[22]
        dispatchedOn = (row[23] as String?).flatMap(CalendarDate.init)
        due = (row[24] as String?).flatMap(CalendarDate.init).map { Deadline(date: $0, provisional: row[25]) }
        daysUsedBeforePause = row[26]
        pausedDays = row[27]
        pausedOn = (row[28] as String?).flatMap(CalendarDate.init)
        finishedOn = (row[29] as String?).flatMap(CalendarDate.init)
        reason = row[30]
        dependantsText = row[31]
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
            kind: kind, state: state, released: released, due: state == .correcting ? nil : due,
            promisedDays: promisedDays, reason: reason, allowedSteps: allowedSteps)
    }

    /// Writes the mutable columns back.
    func save(in db: Database) throws {
        try db.run(
            """
            UPDATE subcases SET state = ?, resume_state = ?, released = ?, inputs = ?, outputs = ?, dispatched_on = ?,
                due_date = ?, due_provisional = ?, days_used_before_pause = ?, paused_days = ?, paused_on = ?,
                finished_on = ?, reason = ?
            WHERE id = ?
            """,
            [
                state.rawValue, resumeState?.rawValue, released, inputsText, outputsText,
                dispatchedOn?.description, due?.date.description, due?.provisional ?? false, daysUsedBeforePause,
                pausedDays, pausedOn?.description, finishedOn?.description, reason, id,
            ])
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
