/// One bundle's savings for the citizen: what one application replaces.
public struct BundleSavings: Sendable {
    /// The bundle id.
    public var bundle: String
    /// The bundle name.
    public var name: LocalizedText
    /// The situation answers of the case the row shows (the largest a citizen can have).
    public var answers: [(String, String)]
    /// Items.
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
    /// The sum of the items' legal limits in working days (items one after another).
    public var legalDays: Int
    /// The critical path at the items' legal limits in working days: what compression is against.
    public var legalPathDays: Int
    /// The critical path in working days.
    public var criticalPathDays: Int

    /// The answers as `situation=choice` pairs in question order.
    public var answerText: String {
        answers.map { situation, choice in situation + "=" + choice }.joined(separator: " ")
    }

    /// 1 − promised / legal critical path, or `nil` when that path is 0 days or shorter than the promise.
    public var compression: Double? {
        guard legalPathDays > 0, promisedDays <= legalPathDays else { return nil }
        return 1 - Double(promisedDays) / Double(legalPathDays)
    }
}

/// `onego bundle report`: for every bundle, the numbers that show what it saves the citizen.
///
/// Each bundle is compiled for every combination of its situation answers, and the row shows the
/// largest case a citizen can really have (most items, then most fields, materials and days):
/// compiling with no answers would count alternatives that exclude each other (a natural and an
/// unnatural death) as if one citizen needed both.
public struct BundleReport: Sendable {
    /// One row per bundle that compiles, sorted by bundle id.
    public let rows: [BundleSavings]

    /// More combinations than this, and the bundle is compiled with no answers instead.
    static let combinationLimit = 4096

    /// Compiles every bundle of the library.
    public init(library: BundleLibrary) {
        let compiler = BundleCompiler(catalog: library.catalog)
        rows = library.bundles.compactMap { bundle in
            Self.largestCase(of: bundle, compiler: compiler).map { answers, compiled in
                BundleSavings(
                    bundle: bundle.id, name: bundle.name, answers: answers, items: compiled.subcases.count,
                    departments: compiled.departments.count, fields: compiled.fields.count,
                    fieldsSeparately: compiled.fieldsAskedSeparately, materials: compiled.materials.count,
                    materialsSeparately: compiled.materialsNeededSeparately,
                    sharedMaterials: compiled.materials.filter(\.sharedData).count, promisedDays: compiled.promisedDays,
                    legalDays: compiled.legalDaysTotal, legalPathDays: compiled.legalCriticalPathDays,
                    criticalPathDays: compiled.criticalPathDays)
            }
        }
    }

    /// The answers, in question order, whose compilation is largest, and that compilation.
    static func largestCase(
        of bundle: BundleDefinition, compiler: BundleCompiler
    ) -> (answers: [(String, String)], compiled: CompiledBundle)? {
        let count = bundle.situations.reduce(1) { $0 * max($1.choices.count, 1) }
        guard !bundle.situations.isEmpty, count <= combinationLimit else {
            return compiler.compile(bundle).compiled.map { ([], $0) }
        }
        var best: (answers: [(String, String)], compiled: CompiledBundle, size: [Int])?
        for index in 0..<count {
            var rest = index
            var answers: [(String, String)] = []
            for situation in bundle.situations.reversed() {
                let choices = situation.choices.count
                answers.insert((situation.id, situation.choices[rest % choices].value), at: 0)
                rest /= choices
            }
            guard let compiled = compiler.compile(bundle, answers: Dictionary(uniqueKeysWithValues: answers)).compiled
            else { continue }
            let size = [
                compiled.subcases.count, compiled.fields.count, compiled.materials.count, compiled.criticalPathDays,
            ]
            if let current = best, !current.size.lexicographicallyPrecedes(size) { continue }
            best = (answers, compiled, size)
        }
        return best.map { ($0.answers, $0.compiled) }
    }

    /// The CSV header and one line per bundle.
    public var csv: String {
        var lines = [
            "bundle,name,items,departments,fields,fields_separately,materials,materials_separately,shared_materials,promised_days,legal_path_days,legal_days,compression,critical_path_days,answers"
        ]
        for row in rows {
            lines.append(
                [
                    row.bundle, row.name.zh, String(row.items), String(row.departments), String(row.fields),
                    String(row.fieldsSeparately), String(row.materials), String(row.materialsSeparately),
                    String(row.sharedMaterials), String(row.promisedDays), String(row.legalPathDays),
                    String(row.legalDays),
                    row.compression.map { ConditionLiteral.number(($0 * 1000).rounded() / 1000).source } ?? "",
                    String(row.criticalPathDays), row.answerText,
                ].joined(separator: ","))
        }
        return lines.joined(separator: "\n")
    }

    /// A Markdown table (for docs/bundles.md and terminals alike).
    public var table: String {
        var lines = [
            "| bundle | items | departments | fields (separately) | materials (separately) | shared | promised / legal path (legal sum) wd | compression | critical path wd |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for row in rows {
            let compression = row.compression.map { "\(Int(($0 * 100).rounded()))%" } ?? "—"
            lines.append(
                "| \(row.bundle) \(row.name.zh) | \(row.items) | \(row.departments) | \(row.fields) (\(row.fieldsSeparately)) | \(row.materials) (\(row.materialsSeparately)) | \(row.sharedMaterials) | \(row.promisedDays) / \(row.legalPathDays) (\(row.legalDays)) | \(compression) | \(row.criticalPathDays) |"
            )
        }
        return lines.joined(separator: "\n")
    }
}
