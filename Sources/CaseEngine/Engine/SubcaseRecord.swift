import BundleKit
import GRDB
import JSONC
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
    var after: [String]
    /// Producer item → elements it hands over.
    var inputFlows: [(from: String, elements: [String])]
    var outputElements: [String]
    var fields: [String]
    var materials: [String]
    var state: SubcaseState
    var resumeState: SubcaseState?
    var released: Bool
    var inputs: [String: String]
    var outputs: [String: String]
    var dispatchedOn: CalendarDate?
    var due: Deadline?
    var daysUsedBeforePause: Int
    var pausedDays: Int
    var pausedOn: CalendarDate?
    var finishedOn: CalendarDate?
    var reason: String?

    init(row: Row) {
        id = row["id"]
        caseNumber = row["case_number"]
        position = row["position"]
        item = row["item"]
        itemName = LocalizedText(zh: row["item_name_zh"], en: row["item_name_en"])
        department = row["department"]
        departmentName = LocalizedText(zh: row["department_name_zh"], en: row["department_name_en"])
        kind = ItemKind(rawValue: row["kind"]) ?? .committed
        promisedDays = row["promised_days"]
        legalDays = row["legal_days"]
        earlyStart = row["early_start"]
        after = Self.list(row["after_items"])
        inputFlows = Self.list(row["input_flows"]).map { flow in
            let parts = flow.split(separator: ":", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? parts[1].split(separator: "|").map(String.init) : [])
        }
        outputElements = Self.list(row["output_elements"])
        fields = Self.list(row["fields"])
        materials = Self.list(row["materials"])
        state = SubcaseState(rawValue: row["state"]) ?? .waiting
        resumeState = (row["resume_state"] as String?).flatMap(SubcaseState.init(rawValue:))
        released = row["released"]
        inputs = Self.map(row["inputs"])
        outputs = Self.map(row["outputs"])
        dispatchedOn = (row["dispatched_on"] as String?).flatMap(CalendarDate.init)
        due = (row["due_date"] as String?).flatMap(CalendarDate.init).map {
            Deadline(date: $0, provisional: row["due_provisional"])
        }
        daysUsedBeforePause = row["days_used_before_pause"]
        pausedDays = row["paused_days"]
        pausedOn = (row["paused_on"] as String?).flatMap(CalendarDate.init)
        finishedOn = (row["finished_on"] as String?).flatMap(CalendarDate.init)
        reason = row["reason"]
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
                state.rawValue, resumeState?.rawValue, released, Self.encode(inputs), Self.encode(outputs),
                dispatchedOn?.description, due?.date.description, due?.provisional ?? false, daysUsedBeforePause,
                pausedDays, pausedOn?.description, finishedOn?.description, reason, id,
            ])
    }

    // MARK: - Encoding

    static func list(_ text: String) -> [String] {
        text.isEmpty ? [] : text.split(separator: ",").map(String.init)
    }

    static func map(_ text: String) -> [String: String] {
        guard !text.isEmpty, let document = try? JSONDocument(parsing: text, path: "column"),
            let members = document.root.value.members
        else { return [:] }
        var result: [String: String] = [:]
        for member in members { result[member.key] = member.node.value.stringValue ?? "" }
        return result
    }

    static func encode(_ map: [String: String]) -> String {
        guard !map.isEmpty else { return "" }
        return JSONValue.orderedObject(map.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
            .serialized(pretty: false)
    }
}
