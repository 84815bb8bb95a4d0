/// What a compiled form asks of one applicant, given the situation answers and the values so far:
/// which fields are active, which are required, which materials are needed.
///
/// The one evaluation the kiosk, the window and the engine's validator share, so that what a citizen
/// is asked and what the engine accepts cannot drift apart. A condition that names a value not
/// given yet counts as met (the field or material is shown until an answer rules it out).
///
/// ```swift
/// let form = FormEvaluation(compiled, answers: ["hiresStaff": "yes"], values: values)
/// for field in form.activeFields where form.isRequired(field) && values[field.element] == nil { … }
/// ```
public struct FormEvaluation: Sendable {
    /// The compiled bundle.
    public let compiled: CompiledBundle
    /// The situation answers.
    public let answers: [String: String]
    /// The field values so far, by element.
    public let values: [String: String]

    /// Creates an evaluation.
    public init(_ compiled: CompiledBundle, answers: [String: String], values: [String: String]) {
        self.compiled = compiled
        self.answers = answers
        self.values = values
    }

    /// What a condition sees for a name: an answer, else a field's value as its type (numbers for
    /// integers and decimals, `true`/`false` for Booleans).
    public func known(_ name: String) -> ConditionLiteral? {
        if let answer = answers[name] { return .string(answer) }
        guard let value = values[name], let field = compiled.fields.first(where: { $0.element == name }) else {
            return nil
        }
        switch field.type {
        case .integer, .decimal: return Double(value.trimmingWhitespace).map { .number($0) }
        case .boolean: return .bool(value == "true")
        default: return .string(value)
        }
    }

    /// Whether a field is asked: its condition holds (or cannot be decided yet).
    public func isActive(_ field: CompiledField) -> Bool {
        field.condition?.evaluate(known) ?? true
    }

    /// Whether an active field must be filled in: required, and its `requiredWhen` holds.
    public func isRequired(_ field: CompiledField) -> Bool {
        isActive(field) && field.required && (field.requiredWhen?.evaluate(known) ?? true)
    }

    /// The active fields, in form order.
    public var activeFields: [CompiledField] { compiled.fields.filter(isActive) }

    /// Whether a material is needed: its condition holds (or cannot be decided yet).
    public func isNeeded(_ material: CompiledMaterial) -> Bool {
        material.condition?.evaluate(known) ?? true
    }

    /// The needed materials, in checklist order (shared-data ones included).
    public var neededMaterials: [CompiledMaterial] { compiled.materials.filter(isNeeded) }
}
