import ArgumentParser
import BundleKit
import Foundation
import JSONC

/// `onego-bench bundles`: generates a catalog at the scale of a real city (Anyang: 2,185 items,
/// 89 bundles of 4–10 items) in a temporary directory, then alternates two measurements in one
/// process: json-c alone parsing every file (the floor), and OneGo loading and compiling every
/// bundle. Prints the median of each and their ratio.
struct BundlesBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundles", abstract: "Load and compile a city-scale library against json-c alone.")

    @Option(help: "Catalog items.") var items = 2185
    @Option(help: "Bundles.") var bundles = 89
    @Option(help: "Alternating runs.") var runs = 5

    func run() throws {
        let options = self
        let root = NSTemporaryDirectory() + "onego-bench-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        do {
            try generateLibrary(at: root, options: options)
        } catch {
            FileHandle.standardError.write(Data("onego-bench: cannot write the generated library: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let files = allFiles(root)
        let bytes = files.reduce(0) {
            $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0)
        }

        var floorTimes: [Double] = []
        var oneGoTimes: [Double] = []
        var compiledCount = 0
        var errorCount = 0
        for _ in 0..<options.runs {
            floorTimes.append(
                seconds {
                    for path in files {
                        guard let data = FileManager.default.contents(atPath: path),
                            JSONDocument.parseWithJSONCOnly([UInt8](data))
                        else {
                            FileHandle.standardError.write(Data("onego-bench: json-c rejected \(path)\n".utf8))
                            Foundation.exit(1)
                        }
                    }
                })
            oneGoTimes.append(
                seconds {
                    let library = BundleLibrary.load(root: root)
                    let compiler = BundleCompiler(catalog: library.catalog)
                    compiledCount = 0
                    errorCount = library.diagnostics.count
                    for bundle in library.bundles {
                        let result = compiler.compile(bundle)
                        if result.compiled != nil { compiledCount += 1 }
                        errorCount += result.diagnostics.filter { $0.severity == .error }.count
                    }
                })
        }
        guard compiledCount == options.bundles, errorCount == 0 else {
            FileHandle.standardError.write(
                Data(
                    "onego-bench: only \(compiledCount) of \(options.bundles) bundles compiled (\(errorCount) errors)\n"
                        .utf8))
            throw ExitCode(1)
        }
        let floor = median(floorTimes)
        let oneGo = median(oneGoTimes)
        print(
            "bundles items=\(options.items) bundles=\(options.bundles) files=\(files.count) bytes=\(bytes) runs=\(options.runs) "
                + "json-c=\(String(format: "%.3f", floor))s onego=\(String(format: "%.3f", oneGo))s "
                + "ratio=\(String(format: "%.2f", oneGo / floor))")
    }
}

/// A deterministic generator (xorshift), so every run builds the same library.
struct Generator {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    mutating func next(_ bound: Int) -> Int {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Int(state % UInt64(bound))
    }
}

func text(_ zh: String, _ en: String) -> String { "{ \"zh\": \"\(zh)\", \"en\": \"\(en)\" }" }

func generateLibrary(at root: String, options: BundlesBenchmark) throws {
    var random = Generator()
    try FileManager.default.createDirectory(atPath: root + "/catalog", withIntermediateDirectories: true)
    let departments = 40
    let elements = 3000
    let materials = 1500
    var lines = ["{ \"departments\": {"]
    lines.append(
        (0..<departments).map { "  \"dept-\($0)\": { \"name\": \(text("部门\($0)", "Department \($0)")) }" }
            .joined(separator: ",\n"))
    lines.append("}, \"elements\": {")
    let types = ["text", "integer", "date", "phone", "idNumber", "choice"]
    lines.append(
        (0..<elements).map { index in
            let type = types[index % types.count]
            var entry =
                "  \"element.e\(index)\": { \"label\": \(text("数据项\(index)", "Element \(index)")), \"type\": \"\(type)\""
            if type == "choice" {
                entry += ", \"choices\": { \"a\": \(text("甲", "A")), \"b\": \(text("乙", "B")) }"
            }
            if type == "text" { entry += ", \"maxLength\": \(50 + index % 50)" }
            return entry + " }"
        }.joined(separator: ",\n"))
    lines.append("}, \"materials\": {")
    lines.append(
        (0..<materials).map {
            "  \"material-\($0)\": { \"name\": \(text("材料\($0)", "Material \($0)")), \"form\": \"copy\", \"sharedData\": \($0 % 4 == 0) }"
        }.joined(separator: ",\n"))
    lines.append("} }")
    try lines.joined(separator: "\n").write(toFile: root + "/catalog/base.json", atomically: true, encoding: .utf8)

    let perFile = 100
    for file in 0..<((options.items + perFile - 1) / perFile) {
        var entries: [String] = []
        for index in (file * perFile)..<min(options.items, (file + 1) * perFile) {
            var fields: [String] = []
            var used = Set<Int>()
            for _ in 0..<8 {
                let element = random.next(elements)
                guard used.insert(element).inserted else { continue }
                fields.append("\"element.e\(element)\": {}")
            }
            let mats = (0..<3).map { _ in random.next(materials) }
            let materialEntries = Set(mats).map { "\"material-\($0)\": {}" }
            entries.append(
                """
                  "item-\(index)": { "name": \(text("事项\(index)", "Item \(index)")), "department": "dept-\(index % departments)",
                    "kind": "committed", "legalDays": 20, "promisedDays": \(1 + index % 3),
                    "fields": { \(fields.joined(separator: ", ")) },
                    "materials": { \(materialEntries.joined(separator: ", ")) },
                    "outputs": ["output.o\(index)"] }
                """)
        }
        let outputs = ((file * perFile)..<min(options.items, (file + 1) * perFile)).map {
            "\"output.o\($0)\": { \"label\": \(text("结果\($0)", "Output \($0)")), \"type\": \"text\" }"
        }
        let body =
            "{ \"elements\": { \(outputs.joined(separator: ", ")) },\n  \"items\": {\n"
            + entries.joined(separator: ",\n")
            + "\n} }"
        try body.write(toFile: root + "/catalog/items-\(file).json", atomically: true, encoding: .utf8)
    }

    for bundle in 0..<options.bundles {
        let count = 4 + bundle % 7
        let first = (bundle * 23) % max(1, options.items - count)
        var items: [String] = []
        for offset in 0..<count {
            let id = "item-\(first + offset)"
            if offset == 0 {
                items.append("\"\(id)\": {}")
            } else if offset % 3 == 0 {
                items.append(
                    "\"\(id)\": { \"when\": \"choice\(offset % 2) == 'yes'\", \"after\": [\"item-\(first)\"] }")
            } else {
                items.append("\"\(id)\": { \"after\": [\"item-\(first)\"] }")
            }
        }
        let body = """
            {
              "id": "bundle-\(bundle)", "version": "1.0.0", "name": \(text("一件事\(bundle)", "Bundle \(bundle)")),
              "situations": {
                "choice0": { "question": \(text("问题一", "Question one")), "choices": { "yes": \(text("是", "Yes")), "no": \(text("否", "No")) } },
                "choice1": { "question": \(text("问题二", "Question two")), "choices": { "yes": \(text("是", "Yes")), "no": \(text("否", "No")) } }
              },
              "items": { \(items.joined(separator: ", ")) },
              "promisedDays": 6
            }
            """
        try body.write(toFile: root + "/bundle-\(bundle).json", atomically: true, encoding: .utf8)
    }
}

func allFiles(_ root: String) -> [String] {
    let catalog = (try? FileManager.default.contentsOfDirectory(atPath: root + "/catalog")) ?? []
    let bundles = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
    return catalog.filter { $0.hasSuffix(".json") }.map { root + "/catalog/" + $0 }
        + bundles.filter { $0.hasSuffix(".json") }.map { root + "/" + $0 }
}

func seconds(_ work: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    work()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}
