/// One bundle's savings for the citizen: what one application replaces.
public struct BundleSavings: Sendable, Equatable {
    /// The bundle id.
    public var bundle: String
    /// The bundle name.
    public var name: LocalizedText
    /// Items, counted with every situation switched on.
    public var items: Int
    /// Departments involved.
    public var departments: Int
    /// Fields of the combined form.
    public var fields: Int
    /// Fields the items would ask one by one.
    public var fieldsSeparately: Int
    /// Materials of the checklist.
    public var materials: Int
    /// Materials the items would need one by one.
    public var materialsSeparately: Int
    /// Materials supplied by shared data (免提交).
    public var sharedMaterials: Int
    /// The bundle's promise in working days.
    public var promisedDays: Int
    /// The sum of the items' legal limits in working days.
    public var legalDays: Int
    /// The critical path in working days.
    public var criticalPathDays: Int

    /// 1 − promised/legal, or `nil` when the legal total is 0.
    public var compression: Double? { legalDays > 0 ? 1 - Double(promisedDays) / Double(legalDays) : nil }
}

/// `onego bundle report`: for every bundle, the numbers that show what it saves the citizen.
///
/// Each bundle is compiled with no answers, so every item a situation can switch on is counted: the
/// figures are the largest case the bundle serves.
public struct BundleReport: Sendable {
    /// One row per bundle that compiles, sorted by bundle id.
    public let rows: [BundleSavings]

    /// Compiles every bundle of the library.
    public init(library: BundleLibrary) {
        let compiler = BundleCompiler(catalog: library.catalog)
        rows = library.bundles.compactMap { bundle in
            guard let compiled = compiler.compile(bundle).compiled else { return nil }
            return BundleSavings(
                bundle: bundle.id, name: bundle.name, items: compiled.subcases.count,
                departments: compiled.departments.count, fields: compiled.fields.count,
                fieldsSeparately: compiled.fieldsAskedSeparately, materials: compiled.materials.count,
                materialsSeparately: compiled.materialsNeededSeparately,
                sharedMaterials: compiled.materials.filter(\.sharedData).count, promisedDays: compiled.promisedDays,
                legalDays: compiled.legalDaysTotal, criticalPathDays: compiled.criticalPathDays)
        }
    }

    /// The CSV header and one line per bundle.
    public var csv: String {
        var lines = [
            "bundle,name,items,departments,fields,fields_separately,materials,materials_separately,shared_materials,promised_days,legal_days,compression,critical_path_days"
        ]
        for row in rows {
            lines.append(
                [
                    row.bundle, row.name.zh, String(row.items), String(row.departments), String(row.fields),
                    String(row.fieldsSeparately), String(row.materials), String(row.materialsSeparately),
                    String(row.sharedMaterials), String(row.promisedDays), String(row.legalDays),
                    row.compression.map { ConditionLiteral.number(($0 * 1000).rounded() / 1000).source } ?? "",
                    String(row.criticalPathDays),
                ].joined(separator: ","))
        }
        return lines.joined(separator: "\n")
    }

    /// A Markdown table (for docs/bundles.md and terminals alike).
    public var table: String {
        var lines = [
            "| bundle | items | departments | fields (separately) | materials (separately) | shared | promised / legal wd | compression | critical path wd |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for row in rows {
            let compression = row.compression.map { "\(Int(($0 * 100).rounded()))%" } ?? "—"
            lines.append(
                "| \(row.bundle) \(row.name.zh) | \(row.items) | \(row.departments) | \(row.fields) (\(row.fieldsSeparately)) | \(row.materials) (\(row.materialsSeparately)) | \(row.sharedMaterials) | \(row.promisedDays) / \(row.legalDays) | \(compression) | \(row.criticalPathDays) |"
            )
        }
        return lines.joined(separator: "\n")
    }
}
