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
            ("subcases", .list(subcases.map(\.jsonValue))),
            ("projections", .list(projections.map(\.jsonValue))),
            ("promisedDays", .integer(Int64(promisedDays))),
            ("criticalPathDays", .integer(Int64(criticalPathDays))),
            ("criticalPath", .strings(criticalPath)),
            ("legalDaysTotal", .integer(Int64(legalDaysTotal))),
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
