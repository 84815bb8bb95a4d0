import BundleKit
import Foundation

/// A small library written to a temporary directory: one catalog file and one bundle, valid as
/// given; tests plant one mistake by replacing text, then lint it.
struct LibraryFixture {
    static let catalog = """
        {
          "departments": {
            "market": { "name": { "zh": "市场监管", "en": "Market" } },
            "tax": { "name": { "zh": "税务", "en": "Tax" } }
          },
          "elements": {
            "company.name": { "label": { "zh": "名称", "en": "Name" }, "type": "text", "maxLength": 50 },
            "company.code": { "label": { "zh": "代码", "en": "Code" }, "type": "creditCode" },
            "company.size": { "label": { "zh": "规模", "en": "Size" }, "type": "choice",
              "choices": { "small": { "zh": "小", "en": "Small" }, "large": { "zh": "大", "en": "Large" } } },
            "staff.count": { "label": { "zh": "人数", "en": "Staff" }, "type": "integer" }
          },
          "materials": {
            "id-card": { "name": { "zh": "身份证", "en": "ID card" } },
            "licence": { "name": { "zh": "执照", "en": "Licence" }, "sharedData": true }
          },
          "items": {
            "register": {
              "name": { "zh": "登记", "en": "Register" },
              "department": "market",
              "kind": "committed",
              "legalDays": 3,
              "promisedDays": 1,
              "fields": { "company.name": {}, "company.size": {} },
              "materials": { "id-card": {} },
              "outputs": ["company.code"]
            },
            "tax-setup": {
              "name": { "zh": "税务", "en": "Tax" },
              "department": "tax",
              "kind": "committed",
              "promisedDays": 1,
              "fields": { "company.name": {}, "staff.count": {} },
              "materials": { "id-card": { "form": "copy" }, "licence": {} },
              "inputs": ["company.code"]
            }
          }
        }
        """

    static let bundle = """
        {
          "id": "demo",
          "version": "1",
          "name": { "zh": "示例", "en": "Demo" },
          "situations": {
            "hires": { "question": { "zh": "招工？", "en": "Hire?" },
              "choices": { "yes": { "zh": "是", "en": "Yes" }, "no": { "zh": "否", "en": "No" } } }
          },
          "items": {
            "register": {},
            "tax-setup": { "when": "hires == 'yes'" }
          },
          "promisedDays": 2
        }
        """

    let root: String

    /// Writes the fixture with replacements applied to the catalog and the bundle, plus extra files.
    init(
        catalog catalogChanges: [(String, String)] = [],
        bundle bundleChanges: [(String, String)] = [],
        extraCatalogFile: String? = nil
    ) throws {
        root = NSTemporaryDirectory() + "onego-fixture-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root + "/catalog", withIntermediateDirectories: true)
        var catalog = Self.catalog
        for (old, new) in catalogChanges {
            precondition(catalog.contains(old), "fixture catalog has no '\(old)'")
            catalog = catalog.replacingOccurrences(of: old, with: new)
        }
        var bundle = Self.bundle
        for (old, new) in bundleChanges {
            precondition(bundle.contains(old), "fixture bundle has no '\(old)'")
            bundle = bundle.replacingOccurrences(of: old, with: new)
        }
        try catalog.write(toFile: root + "/catalog/catalog.json", atomically: true, encoding: .utf8)
        try bundle.write(toFile: root + "/demo.json", atomically: true, encoding: .utf8)
        if let extraCatalogFile {
            try extraCatalogFile.write(toFile: root + "/catalog/extra.json", atomically: true, encoding: .utf8)
        }
    }

    var library: BundleLibrary { BundleLibrary.load(root: root) }

    /// The lint headlines with the temporary directory removed from paths.
    func headlines() -> [String] {
        let library = self.library
        let renderer = DiagnosticRenderer(sources: library.sources)
        return renderer.sorted(Linter(library: library).lint()).map {
            renderer.headline($0).replacingOccurrences(of: root + "/", with: "")
        }
    }

    /// The full lint report with the temporary directory removed from paths.
    func report() -> String {
        let library = self.library
        return DiagnosticRenderer(sources: library.sources).renderAll(Linter(library: library).lint())
            .replacingOccurrences(of: root + "/", with: "")
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }
}
