import Foundation
import PostgresTesting
import Testing

/// A copy of the shipped library in a temporary directory; the caller removes it.
func libraryCopy() throws -> String {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let copy = NSTemporaryDirectory() + "onego-library-\(UUID().uuidString)"
    try FileManager.default.copyItem(atPath: root.appendingPathComponent("Bundles").path, toPath: copy)
    return copy
}

/// Runs the built `onego` binary from the repository root to its end, off the cooperative pool
/// (see `offload`), and returns its exit status and output.
func runOneGo(
    _ arguments: [String], environment: [String: String] = [:], input: String? = nil
) async throws -> (status: Int32, stdout: String, stderr: String) {
    try await offload { try OneGoRun(arguments, environment: environment, input: input).finish() }
}

/// A running `onego` process (several may run at once), with its input written and closed.
struct OneGoRun {
    let process = Process()
    let output = Pipe()
    let errors = Pipe()

    init(_ arguments: [String], environment: [String: String] = [:], input: String? = nil) throws {
        let binary = repositoryRoot.appendingPathComponent(".build/debug/onego")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "build onego first: \(binary.path)"])
        }
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = output
        process.standardError = errors
        let feed = Pipe()
        if input != nil { process.standardInput = feed }
        try process.run()
        if let input {
            feed.fileHandleForWriting.write(Data(input.utf8))
            try? feed.fileHandleForWriting.close()
        }
    }

    /// Waits for the end: exit status, standard output and standard error.
    func finish() -> (status: Int32, stdout: String, stderr: String) {
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self)
        )
    }
}

@Suite("The onego executable", .serialized)
struct OneGoExecutableTests {
    @Test("lint of the shipped bundles exits 0")
    func lintClean() async throws {
        let result = try await runOneGo(["bundle", "lint", "--warnings-as-errors"])
        #expect(result.status == 0)
        // Counted from the files, so that an author adding a bundle (docs/bundle-format.md's
        // walk-through) does not have to edit this test: every bundle file is in the library.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Bundles")
        let files = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { $0.hasSuffix(".json") }
        let said = result.stdout.wholeMatch(of: /(\d+) bundles and (\d+) items: no problems\n/)
        #expect(said.map { Int($0.1) } == files.count)
        #expect(files.count >= 17 && (said.flatMap { Int($0.2) } ?? 0) >= 93)
    }

    @Test("lint of a broken file exits 1 and points at the line")
    func lintErrors() async throws {
        let path = NSTemporaryDirectory() + "onego-broken-\(UUID().uuidString).json"
        let text = """
            {
              "id": "broken",
              "version": "1",
              "name": { "zh": "坏", "en": "Broken" },
              "items": { "company-registraton": {} },
              "promisedDays": 1
            }
            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await runOneGo(["bundle", "lint", path])
        #expect(result.status == 1)
        #expect(
            result.stdout.hasPrefix(
                "\(path):5:14: error: unknown item 'company-registraton'; did you mean 'company-registration'? [unknown-reference]"
            ))
    }

    @Test(
        "usage errors exit 2",
        arguments: [
            ["bundle", "lint", "/no/such/file.json"], ["bundle", "show", "no-such-bundle"],
            ["bundle", "compile", "newborn", "--answer", "oops"], ["bundle", "frobnicate"],
        ])
    func usage(arguments: [String]) async throws {
        let result = try await runOneGo(arguments)
        #expect(result.status == 2)
        #expect(!result.stderr.isEmpty)
    }

    @Test("an unknown bundle gets a did-you-mean")
    func unknownBundle() async throws {
        let result = try await runOneGo(["bundle", "show", "new-born"])
        #expect(
            result.stderr == "error: unknown bundle 'new-born'; did you mean 'newborn'?\n(see 'onego bundle list')\n")
    }

    @Test("a material an item of the bundle makes is not asked of the citizen, and the notice says so (issue 16.1)")
    func producedMaterial() async throws {
        let notice = try await runOneGo(["bundle", "show", "company-opening", "--answer", "needsBankAccount=yes"])
        #expect(notice.stdout.contains("由本次办理产生,无需提交:\n  - 企业公章(由“印章刻制备案”产生)\n"), "\(notice.stdout)")
        #expect(!notice.stdout.contains("企业公章                "))
        let json = try await runOneGo(["bundle", "compile", "company-opening", "--format", "json"])
        #expect(
            json.stdout.contains(
                "  \"producedMaterials\": [\n    {\n      \"material\": \"company-seal\",\n      \"producer\": \"seal-engraving\",\n"
            ))
    }

    @Test("a notice states each condition once, in its shortest form (issue 17.14)")
    func simplifiedConditions() async throws {
        let retirement = try await runOneGo(["bundle", "show", "retirement"])
        #expect(retirement.stdout.contains("视情形:按哪种情形退休:特殊工种提前退休或因病或非因工致残提前退休"))
        #expect(!retirement.stdout.contains(",或按哪种情形退休"))
        // The identity card is needed whichever way one retires: no condition at all.
        let idCard = retirement.stdout.split(separator: "\n").first { $0.contains("居民身份证") }
        #expect(idCard.map { !$0.contains("视情形") } == true, "\(retirement.stdout)")
    }

    @Test("show prints the one-time notice with the savings, compressed against the legal critical path")
    func show() async throws {
        let result = try await runOneGo(["bundle", "show", "company-opening", "--answer", "hiresStaff=yes"])
        #expect(result.status == 0)
        // Items that run side by side take their legal time together: 18 days, not the sum of 26 (issue 17.15).
        #expect(
            result.stdout.contains(
                "承诺办结:2 个工作日(法定时限下最长的办理链为 18 个工作日,压缩 89%;各事项法定时限相加为 26 个工作日)"))
        let english = try await runOneGo([
            "bundle", "show", "company-opening", "--answer", "hiresStaff=yes", "--lang", "en",
        ])
        #expect(
            english.stdout.contains(
                "Promised completion: 2 working days (at their legal limits the longest chain of items takes 18 working days: 89% shorter; the items' legal limits added one after another come to 26)"
            ), "\(english.stdout)")
        #expect(result.stdout.contains("一表申请:填写 20 项信息(分别办理需填写 34 项)"))
    }

    @Test("compile --format json has the documented keys")
    func compileJSON() async throws {
        let result = try await runOneGo(["bundle", "compile", "newborn", "--format", "json"])
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        for key in [
            "bundle", "version", "form", "materials", "subcases", "promisedDays", "criticalPathDays", "legalDaysTotal",
        ] {
            #expect(object[key] != nil, "missing \(key)")
        }
    }

    @Test("graph draws DOT with the flowing outputs")
    func graph() async throws {
        let result = try await runOneGo(["bundle", "graph", "newborn", "--format", "dot"])
        #expect(
            result.stdout.contains(
                "\"birth-certificate\" -> \"birth-registration\" [label=\"newborn.birthCertificateNumber\"];"))
    }

    @Test("bundle test runs the golden cases")
    func golden() async throws {
        let result = try await runOneGo(["bundle", "test"])
        #expect(result.status == 0)
        // Every golden case of every file runs: counted from the files (one "answers" a case), so
        // that adding a bundle's tests does not mean editing this one.
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Bundles/tests")
        let cases = try FileManager.default.contentsOfDirectory(atPath: tests.path).filter { $0.hasSuffix(".json") }
            .reduce(0) { count, file in
                let text = try String(contentsOf: tests.appendingPathComponent(file), encoding: .utf8)
                return count + text.matches(of: /"answers"\s*:/).count
            }
        #expect(cases >= 39)
        #expect(result.stdout.hasSuffix("\(cases) passed, 0 failed\n"))
    }
}

@Suite("Bundle report")
struct BundleReportCommandTests {
    @Test("the report shows each bundle's saving, in text and CSV")
    func report() async throws {
        let csv = try await runOneGo(["bundle", "report", "--format", "csv"])
        #expect(csv.status == 0)
        #expect(
            csv.stdout.contains(
                "company-opening,企业开办,7,7,20,34,8,19,2,2,18,26,0.889,2,applicantRole=agent premises=owned hiresStaff=yes needsBankAccount=yes\n"
            ))
        #expect(
            csv.stdout.contains(
                "after-death,身后一件事,7,7,13,40,8,19,4,7,7,15,0,7,deathKind=natural hadDrivingLicence=yes hadPension=yes hadProvidentFund=yes\n"
            ))
        let text = try await runOneGo(["bundle", "report"])
        #expect(text.stdout.contains("| newborn 新生儿出生 | 7 | 5 | 16 (33) | 8 (13) | 4 | 5 / 4 (7) | — | 4 |"))
    }

    @Test("docs/bundles.md carries the current table")
    func documented() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/bundles.md"), encoding: .utf8)
        #expect(doc.contains(try await runOneGo(["bundle", "report"]).stdout))
    }
}

@Suite("Clashing ids in the library")
struct ClashingIDTests {
    @Test("a second file claiming a bundle id is found when either file is linted, and no command serves the id")
    func duplicateBundleID() async throws {
        let copy = try libraryCopy()
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let original = try String(contentsOfFile: copy + "/newborn.json", encoding: .utf8)
        try original.replacingOccurrences(of: "\"id\": \"newborn\"", with: "\"id\": \"company-opening\"")
            .write(toFile: copy + "/zz-copy.json", atomically: true, encoding: .utf8)
        let lint = try await runOneGo(["bundle", "lint", "--bundles", copy, copy + "/zz-copy.json"])
        #expect(lint.status == 1)
        #expect(lint.stdout.contains("error: bundle id 'company-opening' is used by two files"), "\(lint.stdout)")
        let show = try await runOneGo(["bundle", "show", "company-opening", "--bundles", copy])
        #expect(show.status == 1)
        #expect(show.stderr.contains("error: bundle id 'company-opening' is used by two files"))
        #expect(show.stdout.isEmpty)
    }

    @Test("two catalog items with one government catalogue code are an error")
    func duplicateItemCode() async throws {
        let copy = try libraryCopy()
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let path = copy + "/catalog/items-family.json"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard let range = text.range(of: "\"name\"") else {
            Issue.record("no item in \(path)")
            return
        }
        try text.replacingCharacters(in: range, with: "\"code\": \"00013112700401\", \"name\"")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let lint = try await runOneGo(["bundle", "lint", "--bundles", copy])
        #expect(lint.status == 1)
        #expect(lint.stdout.contains("have the same catalogue code '00013112700401'"), "\(lint.stdout)")
    }
}

@Suite("bundle test and show on broken libraries")
struct BrokenLibraryTests {
    @Test("bundle test with an unknown id says so with a did-you-mean instead of '0 passed, 0 failed'")
    func unknownID() async throws {
        let copy = try libraryCopy()
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let result = try await runOneGo(["bundle", "test", "newbron", "--bundles", copy])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("error: unknown bundle 'newbron'; did you mean 'newborn'?"), "\(result.stderr)")
    }

    @Test("an expectation that does not read fails its case, and failures name their place")
    func invalidExpectation() async throws {
        let copy = try libraryCopy()
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let path = copy + "/tests/newborn.json"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard let range = text.range(of: "\"expect\": {") else {
            Issue.record("no expectation in \(path)")
            return
        }
        try text.replacingCharacters(in: range, with: "\"expect\": { \"itemz\": [],")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await runOneGo(["bundle", "test", "newborn", "--bundles", copy])
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAIL newborn"))
        #expect(result.stdout.contains(path + ":"))
        #expect(result.stdout.contains("the expectation has errors (reported above)"))
    }

    @Test("show names the errors of a bundle's file instead of calling the bundle unknown")
    func brokenFile() async throws {
        let copy = try libraryCopy()
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let path = copy + "/newborn.json"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "\"version\"", with: "\"version\",,").write(
            toFile: path, atomically: true, encoding: .utf8)
        let result = try await runOneGo(["bundle", "show", "newborn", "--bundles", copy])
        #expect(result.status == 1)
        #expect(
            result.stderr.hasPrefix("error: the file of bundle 'newborn' has errors; fix them first:\n" + path + ":"))
    }
}

@Suite("A catalog file that does not parse")
struct CascadeTests {
    @Test("one trailing comma in elements.json is reported once, with a count of what may follow from it")
    func trailingComma() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let copy = NSTemporaryDirectory() + "onego-cascade-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: root.appendingPathComponent("Bundles").path, toPath: copy)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let path = copy + "/catalog/elements.json"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard let key = text.range(of: "\"applicant.name\""), let end = text[key.upperBound...].firstIndex(of: "\n")
        else {
            Issue.record("no applicant.name in \(path)")
            return
        }
        var broken = text
        broken.insert(",", at: end)
        try broken.write(toFile: path, atomically: true, encoding: .utf8)
        let lint = try await runOneGo(["bundle", "lint", "--bundles", copy])
        #expect(lint.status == 1)
        #expect(lint.stdout.hasSuffix("2 errors, 0 warnings\n"), "\(lint.stdout.suffix(300))")
        #expect(lint.stdout.contains(path + ":5:"))
        #expect(
            lint.stdout.contains("not reported: they may follow from " + path + ", which does not parse; fix it first"))
        #expect(!lint.stdout.contains("did you mean"))
    }
}
