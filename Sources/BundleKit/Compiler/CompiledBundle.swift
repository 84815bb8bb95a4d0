/// The result of compiling a bundle for a set of situation answers: one combined form, one
/// material checklist, one fan-out plan and each department's projection.
///
/// It is a plain value: the kiosk, the window and the case engine read it; nothing at run time
/// reads bundle files. ``jsonValue`` gives the documented JSON form (docs/compiled-bundle.md).
public struct CompiledBundle: Sendable {
    /// The bundle id.
    public var bundle: String
    /// The bundle version.
    public var version: String
    /// The bundle name.
    public var name: LocalizedText
    /// The bundle description.
    public var description: LocalizedText
    /// The situation answers compiled for, in the bundle's order.
    public var answers: [(situation: String, choice: String)]
    /// Situations left unanswered; their conditions stay in the result.
    public var openSituations: [Situation]
    /// The combined form (一表).
    public var fields: [CompiledField]
    /// The form's sections, in order; fields name their section.
    public var sections: [(id: String, title: LocalizedText)]
    /// The material checklist (一次性告知单).
    public var materials: [CompiledMaterial]
    /// Materials an item of this case makes for the others: never on the citizen's checklist.
    public var producedMaterials: [ProducedMaterial] = []
    /// One planned sub-case per active item, in bundle order.
    public var subcases: [PlannedSubcase]
    /// The bundle's promise in working days.
    public var promisedDays: Int
    /// The longest chain of promised limits through the dependency graph, in working days.
    public var criticalPathDays: Int
    /// The items on that chain, first to last.
    public var criticalPath: [String]
    /// The sum of the active items' legal limits (an item with none counts its promised limit): what
    /// the items would take one after another. Shown apart from the compression, which it overstates.
    public var legalDaysTotal: Int
    /// The critical path of the same plan with each item at its legal limit: what the law allows
    /// the case, since items that run side by side take their time together.
    public var legalCriticalPathDays: Int
    /// For each department, exactly what its items need.
    public var projections: [DepartmentProjection]
    /// Fields the active items would ask if each asked separately.
    public var fieldsAskedSeparately: Int
    /// Materials the active items would need if each asked separately.
    public var materialsNeededSeparately: Int

    /// 1 − promised / legal critical path, or `nil` when that path is 0 days or shorter than the
    /// promise (the bundle's days include items the law sets no limit for).
    public var compression: Double? {
        guard legalCriticalPathDays > 0, promisedDays <= legalCriticalPathDays else { return nil }
        return 1 - Double(promisedDays) / Double(legalCriticalPathDays)
    }

    /// The departments involved, in order of first appearance.
    public var departments: [String] {
        var seen: [String] = []
        for subcase in subcases where !seen.contains(subcase.department) { seen.append(subcase.department) }
        return seen
    }
}

/// One field of the combined form, asked once for every item that needs it.
public struct CompiledField: Sendable {
    /// The element id.
    public var element: String
    /// The label.
    public var label: LocalizedText
    /// The hint.
    public var hint: LocalizedText?
    /// The element's type.
    public var type: ElementType
    /// Whether some active item requires it.
    public var required: Bool
    /// When it is required, if that is narrower than when it is asked.
    public var requiredWhen: ConditionExpression?
    /// When it is asked; `nil` always.
    public var condition: ConditionExpression?
    /// The merged limits: strictest length and range, intersected choices.
    public var constraints: FieldConstraints
    /// The allowed choices after intersection, in the element's order.
    public var choices: [Choice]
    /// Whether screens and logs mask it.
    public var sensitive: Bool
    /// The part of the applicant's identity that fills it in (to confirm), if any.
    public var identity: IdentityPart?
    /// The part of the applicant's identity it is (never asked), if any.
    public var applicant: IdentityPart?
    /// The items that ask for it.
    public var items: [String]
    /// The section it belongs to, if the bundle has sections.
    public var section: String?
}

/// A material one item of the case makes and others need (the seal engraved, then used to open
/// the bank account): the one-time notice says it comes from this application.
public struct ProducedMaterial: Sendable {
    /// The material id.
    public var material: String
    /// The material's name.
    public var name: LocalizedText
    /// The item that makes it.
    public var producer: String
    /// That item's name.
    public var producerName: LocalizedText
    /// The items that need it.
    public var items: [String]
}

/// One material of the checklist, listed once for every item that needs it.
public struct CompiledMaterial: Sendable {
    /// The material id.
    public var material: String
    /// The name.
    public var name: LocalizedText
    /// The strongest form any item asks (original beats copy beats electronic).
    public var form: MaterialForm
    /// The most copies any item asks.
    public var copies: Int
    /// Whether shared data supplies it, so the citizen need not bring it (免提交).
    public var sharedData: Bool
    /// Whether every item needing it allows 容缺受理.
    public var acceptWithGaps: Bool
    /// When it is needed; `nil` always.
    public var condition: ConditionExpression?
    /// The items that need it.
    public var items: [String]
    /// Those items' departments, in order.
    public var departments: [String]
}

/// Outputs that flow from one item to another along a dependency edge.
public struct PlannedInput: Sendable, Equatable {
    /// The producing item.
    public var from: String
    /// The elements it hands over.
    public var elements: [String]

    /// Creates a flow.
    public init(from: String, elements: [String]) {
        self.from = from
        self.elements = elements
    }
}

/// One sub-case the orchestrator will open.
public struct PlannedSubcase: Sendable {
    /// The item id.
    public var item: String
    /// The item name.
    public var name: LocalizedText
    /// The deciding department id.
    public var department: String
    /// The department name.
    public var departmentName: LocalizedText
    /// Immediate or committed.
    public var kind: ItemKind
    /// Promised limit in working days.
    public var promisedDays: Int
    /// Legal limit in working days, when the law sets one.
    public var legalDays: Int?
    /// When the item is part of the case; `nil` always.
    public var condition: ConditionExpression?
    /// Items that must be issued first (explicit and implied by inputs).
    public var after: [String]
    /// Outputs it receives and from whom.
    public var inputs: [PlannedInput]
    /// Outputs it issues.
    public var outputs: [String]
    /// Whether it may accept and review before its inputs arrive (提前介入).
    public var earlyStart: Bool
}

/// What one department sees: its items' fields, materials and inputs, nothing else.
public struct DepartmentProjection: Sendable {
    /// The department id.
    public var department: String
    /// Its items in this bundle.
    public var items: [String]
    /// The element ids its items ask for.
    public var fields: [String]
    /// The material ids its items need.
    public var materials: [String]
    /// The outputs it receives from other items.
    public var inputs: [PlannedInput]
}
