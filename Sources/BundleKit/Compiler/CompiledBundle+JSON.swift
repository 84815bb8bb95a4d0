import JSONC

extension CompiledBundle {
    /// The compiled bundle in its documented JSON form (docs/compiled-bundle.md); keys are stable.
    public var jsonValue: JSONValue {
        .orderedObject([
            ("bundle", .string(bundle)),
            ("version", .string(version)),
            ("name", name.jsonValue),
            ("answers", .orderedObject(answers.map { ($0.situation, .string($0.choice)) })),
            ("openSituations", .strings(openSituations.map(\.id))),
            ("form", .object(["fields": .list(fields.map(\.jsonValue))])),
            ("materials", .list(materials.map(\.jsonValue))),
            (
                "producedMaterials",
                .list(
                    producedMaterials.map {
                        .object([
                            "material": .string($0.material), "producer": .string($0.producer),
                            "items": .strings($0.items),
                        ])
                    })
            ),
            ("subcases", .list(subcases.map(\.jsonValue))),
            ("projections", .list(projections.map(\.jsonValue))),
            ("promisedDays", .integer(Int64(promisedDays))),
            ("criticalPathDays", .integer(Int64(criticalPathDays))),
            ("criticalPath", .strings(criticalPath)),
            ("legalDaysTotal", .integer(Int64(legalDaysTotal))),
            ("legalCriticalPathDays", .integer(Int64(legalCriticalPathDays))),
            ("compression", compression.map { .double(($0 * 1000).rounded() / 1000) } ?? .null),
            (
                "savings",
                .object([
                    "fields": .integer(Int64(fields.count)),
                    "fieldsAskedSeparately": .integer(Int64(fieldsAskedSeparately)),
                    "materials": .integer(Int64(materials.count)),
                    "materialsNeededSeparately": .integer(Int64(materialsNeededSeparately)),
                ])
            ),
        ])
    }
}

extension LocalizedText {
    /// `{"zh": …, "en": …}`.
    public var jsonValue: JSONValue { .object(["zh": .string(zh), "en": .string(en)]) }
}

extension Optional where Wrapped == ConditionExpression {
    fileprivate var jsonValue: JSONValue { map { .string($0.source) } ?? .null }
}

extension CompiledField {
    var jsonValue: JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("element", .string(element)),
            ("label", label.jsonValue),
            ("type", .string(type.rawValue)),
            ("required", .bool(required)),
        ]
        if let requiredWhen { pairs.append(("requiredWhen", .string(requiredWhen.source))) }
        pairs.append(("when", condition.jsonValue))
        if let value = constraints.minLength { pairs.append(("minLength", .integer(Int64(value)))) }
        if let value = constraints.maxLength { pairs.append(("maxLength", .integer(Int64(value)))) }
        if let value = constraints.minimum { pairs.append(("minimum", .double(value))) }
        if let value = constraints.maximum { pairs.append(("maximum", .double(value))) }
        if type == .choice { pairs.append(("choices", .strings(choices.map(\.value)))) }
        pairs.append(("sensitive", .bool(sensitive)))
        if let identity { pairs.append(("identity", .string(identity.rawValue))) }
        if let applicant { pairs.append(("applicant", .string(applicant.rawValue))) }
        pairs.append(("items", .strings(items)))
        if let section { pairs.append(("section", .string(section))) }
        return .orderedObject(pairs)
    }
}

extension CompiledMaterial {
    var jsonValue: JSONValue {
        .orderedObject([
            ("material", .string(material)),
            ("name", name.jsonValue),
            ("form", .string(form.rawValue)),
            ("copies", .integer(Int64(copies))),
            ("sharedData", .bool(sharedData)),
            ("acceptWithGaps", .bool(acceptWithGaps)),
            ("when", condition.jsonValue),
            ("items", .strings(items)),
            ("departments", .strings(departments)),
        ])
    }
}

extension PlannedInput {
    var jsonValue: JSONValue { .object(["from": .string(from), "elements": .strings(elements)]) }
}

extension PlannedSubcase {
    var jsonValue: JSONValue {
        .orderedObject([
            ("item", .string(item)),
            ("department", .string(department)),
            ("kind", .string(kind.rawValue)),
            ("promisedDays", .integer(Int64(promisedDays))),
            ("legalDays", legalDays.map { .integer(Int64($0)) } ?? .null),
            ("when", condition.jsonValue),
            ("after", .strings(after)),
            ("inputs", .list(inputs.map(\.jsonValue))),
            ("outputs", .strings(outputs)),
            ("earlyStart", .bool(earlyStart)),
        ])
    }
}

extension DepartmentProjection {
    var jsonValue: JSONValue {
        .orderedObject([
            ("department", .string(department)),
            ("items", .strings(items)),
            ("fields", .strings(fields)),
            ("materials", .strings(materials)),
            ("inputs", .list(inputs.map(\.jsonValue))),
        ])
    }
}

// MARK: - Reading back

/// A field of a compiled form as read back from the JSON form: what validating a later value
/// needs.
public struct CompiledFieldType: Sendable, Equatable {
    /// The element id.
    public var element: String
    /// The element's type.
    public var type: ElementType
    /// The merged constraints.
    public var constraints: FieldConstraints
}

extension CompiledBundle {
    /// The form fields' types and constraints of a compiled bundle stored as JSON (a case's pinned
    /// plan): the plan is read back, not recompiled, so a later catalog change cannot alter it.
    ///
    /// Throws the JSON syntax error of a document that does not parse; fields without an element
    /// or a known type are reported as ``JSONSyntaxError`` too, never skipped.
    public static func formFields(fromJSON json: String) throws(JSONSyntaxError) -> [CompiledFieldType] {
        let document = try JSONDocument(parsing: json, path: "plan")
        func member(_ value: JSONValue, _ key: String) -> JSONValue? {
            value.members?.first { $0.key == key }?.node.value
        }
        guard let form = member(document.root.value, "form"), let fields = member(form, "fields")?.elements else {
            return []
        }
        var result: [CompiledFieldType] = []
        for field in fields {
            let value = field.value
            guard let element = member(value, "element")?.stringValue,
                let type = member(value, "type")?.stringValue.flatMap(ElementType.init(rawValue:))
            else {
                throw JSONSyntaxError(offset: 0, message: "a form field without element or type")
            }
            result.append(
                CompiledFieldType(
                    element: element, type: type,
                    constraints: FieldConstraints(
                        minLength: member(value, "minLength")?.integerValue.map(Int.init),
                        maxLength: member(value, "maxLength")?.integerValue.map(Int.init),
                        minimum: member(value, "minimum")?.doubleValue, maximum: member(value, "maximum")?.doubleValue,
                        choices: member(value, "choices")?.elements?.compactMap(\.value.stringValue))))
        }
        return result
    }
}
