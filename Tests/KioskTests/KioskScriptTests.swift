import BundleKit
import CaseEngine
import CaseStoreSQLite
import Foundation
import Kiosk
import Testing
import WorkCalendar

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A kiosk session on a fresh SQLite file, on Monday 2026-11-23.
func makeSession(
    scanner: (() -> (name: String, content: [UInt8], mediaType: String)?)? = nil, profile custom: KioskProfile? = nil
) throws -> (KioskSession, CaseEngine, String) {
    let bundles = root.appendingPathComponent("Bundles").path
    let path = NSTemporaryDirectory() + "onego-kiosk-\(UUID().uuidString).db"
    let engine = CaseEngine(
        repository: try SQLiteCaseStore(path: path, create: true), library: BundleLibrary.load(root: bundles),
        calendar: try WorkCalendar(directory: bundles + "/calendar"),
        clock: FixedClock(day: CalendarDate("2026-11-23") ?? CalendarDate(dayNumber: 0)),
        codes: SeededQueryCodes(seed: 3))
    let profile = try custom ?? KioskProfile(contentsOf: bundles + "/kiosk/default-profile.json")
    let session = KioskSession(
        context: KioskSession.Context(
            library: engine.library, calendar: engine.calendar,
            strings: try KioskStrings(contentsOf: bundles + "/kiosk/strings.json"), profile: profile,
            client: EngineKioskClient(engine: engine, kioskID: profile.id),
            today: { CalendarDate("2026-11-23") ?? CalendarDate(dayNumber: 0) }, scanner: scanner))
    return (session, engine, path)
}

let scripts =
    ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("KioskScripts").path)) ?? [])
    .filter { $0.hasSuffix(".kiosk") }.sorted()

@Suite("KioskScripts")
struct KioskScriptTests {
    @Test("every kiosk script passes", arguments: scripts)
    func script(name: String) async throws {
        let (session, engine, path) = try makeSession()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let script = try KioskScript(contentsOf: root.appendingPathComponent("KioskScripts/" + name).path)
        do {
            try await script.run(on: session, staff: EngineStaff(engine: engine, session: session).perform)
        } catch {
            Issue.record("\(error.description)")
        }
    }

    @Test("every shipped bundle is offered at the kiosk and has a script that reaches its receipt")
    func coverage() async throws {
        let bundles = root.appendingPathComponent("Bundles").path
        let library = BundleLibrary.load(root: bundles)
        let profile = try KioskProfile(contentsOf: bundles + "/kiosk/default-profile.json")
        #expect(library.bundles.count >= 12)
        #expect(Set(profile.bundles) == Set(library.bundles.map(\.id)))
        for bundle in library.bundles {
            let text = try String(
                contentsOf: root.appendingPathComponent("KioskScripts/\(bundle.id).kiosk"), encoding: .utf8)
            #expect(text.contains("expect 受理回执 · " + bundle.name.zh), "\(bundle.id).kiosk")
        }
    }

    @Test("a progress query shows the correction a department asked for, and supplying it resumes the case")
    func progressWithCorrection() async throws {
        let (session, engine, path) = try makeSession()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let walk = try KioskScript(contentsOf: root.appendingPathComponent("KioskScripts/company-opening.kiosk").path)
        try await walk.run(on: session)
        let receipt = try await engine.receipt(for: "OG20261123-000001")
        let officer = Principal(id: "market", role: .department)
        try await engine.accept(receipt.caseNumber + "-01", department: "market-regulation", actor: officer)
        try await engine.requestCorrection(
            receipt.caseNumber + "-01", department: "market-regulation", materials: ["articles-of-association"],
            fields: [], note: "章程缺少股东签字", actor: officer)
        let query = try KioskScript(
            path: "progress",
            text: """
                type 80
                type \(receipt.caseNumber)
                type 000000
                expect 案件编号或查询码不正确，请核对后重新输入
                type \(receipt.caseNumber)
                type \(receipt.queryCode)
                expect 待补正
                expect 市场监督管理局 · 企业设立登记 — 需要您补正
                expect     待您补交（容缺）：参保职工花名册，请于 2026-11-24 前送到窗口
                expect 市场监督管理局 要求补正：
                expect   - 公司章程
                expect 章程缺少股东签字
                type 1
                expect 已补交，办理继续
                """)
        try await query.run(on: session)
        #expect(try await engine.caseSummary(receipt.caseNumber).status == .inProgress)
    }

    @Test("a rating given at the kiosk is stored with the case, without personal data")
    func rating() async throws {
        let (session, engine, path) = try makeSession()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        try await KioskScript(contentsOf: root.appendingPathComponent("KioskScripts/company-opening.kiosk").path)
            .run(on: session)
        #expect(try await engine.ratingCounts() == [1: 1])
    }

    @Test("a material scanned at the kiosk is attached to the case, and its department sees the scan")
    func scanning() async throws {
        var scans = [("id-card.pdf", Array("%PDF scan".utf8), "application/pdf")]
        let (session, engine, path) = try makeSession(scanner: { scans.isEmpty ? nil : scans.removeFirst() })
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let text = try String(contentsOf: root.appendingPathComponent("KioskScripts/newborn.kiosk"), encoding: .utf8)
        let scripted = text.replacingOccurrences(
            of: "expect 材料 1/4：居民身份证\ntype 1\n",
            with: "expect 材料 1/4：居民身份证\nexpect 4 放在扫描仪上，扫描上传\ntype 4\nexpect 材料 2/4\n")
        #expect(scripted != text)
        try await KioskScript(path: "scan", text: scripted).run(on: session)
        let view = try await engine.departmentView("OG20261123-000001-01", department: "health")
        let idCard = try #require(view.materials.first { $0.id == "id-card" })
        #expect(idCard.attachments.map(\.mediaType) == ["application/pdf"])
        #expect(idCard.attachments.first?.size == 9)
    }

    @Test("after an edit the review returns to the page of the edited entry (issue 16.11)")
    func reviewPageAfterEdit() async throws {
        let (session, _, path) = try makeSession()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let text = try String(
            contentsOf: root.appendingPathComponent("KioskScripts/company-opening.kiosk"), encoding: .utf8)
        let upToReview = try #require(text.components(separatedBy: "expect 请核对\n").first)
        let script =
            upToReview + """
                expect 请核对
                expect 第 1/3 页
                type 25
                expect 材料
                type 1
                expect 请核对
                expect 第 3/3 页

                """
        try await KioskScript(path: "review-page", text: script).run(on: session)
    }

    @Test("home numbers are right-aligned, so that 1–9, 10–13 and the fixed 80 and 90 line up (issue 16.13)")
    func homeAligned() throws {
        let (session, _, path) = try makeSession()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        #expect(session.screen.contains { $0.hasPrefix(" 1 企业开办") }, "\(session.screen)")
        #expect(session.screen.contains { $0.hasPrefix("90 ") }, "\(session.screen)")
    }

    @Test("a numeric keypad is enough for case numbers and ID numbers (issue 16.2)")
    func keypadInput() {
        for typed in ["20261123000001", "OG20261123-000001", "og20261123000001", "2026 1123 000001", "20261123-000001"]
        {
            #expect(KioskInput.caseNumber(typed) == "OG20261123-000001", "\(typed)")
        }
        #expect(KioskInput.caseNumber("12345") == "12345")
        #expect(KioskInput.idNumber("110105 19491231 002*") == "11010519491231002X")
        #expect(KioskInput.idNumber("11010519491231002x") == "11010519491231002X")
        #expect(KioskInput.date("20261208") == "2026-12-08")
        #expect(KioskInput.date("2026-12-08") == "2026-12-08")
        #expect(KioskInput.date("2026128") == "2026128")
    }

    @Test("control bytes, escape sequences and very long lines neither crash nor leak into answers")
    func hostileInput() async throws {
        let (session, _, path) = try makeSession()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        await session.enter("\u{1B}[A\u{1B}[B1")
        await session.enter("1")
        await session.enter(String(repeating: "张", count: 5000) + "\u{07}\u{00}")
        // Cut at 200 characters, then refused as a name (2 to 30 characters, issue 16.7).
        #expect(session.screen.joined().contains("姓名应为 2 至 30 个字"))
        await session.enter("张三")
        #expect(session.screen.joined().contains("请输入您的 18 位身份证号"))
        await session.enter("\u{FFFD}\u{1B}]0;title\u{07}")
        #expect(session.screen.joined().contains("身份证号应为 18 位"))
    }
}

@Suite("Kiosk strings")
struct KioskStringsTests {
    @Test("every key the kiosk's code shows is in the list checked at load")
    func requiredKeysCoverTheCode() throws {
        let sources = root.appendingPathComponent("Sources/Kiosk")
        let files = try #require(FileManager.default.enumerator(atPath: sources.path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") }
        let pattern = try Regex(#"[^A-Za-z0-9_](?:say|text|t)\([\s]*"([a-zA-Z0-9_.\-]+)""#)
        var used: Set<String> = []
        for file in files {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for match in text.matches(of: pattern) {
                if let key = match.output[1].substring { used.insert(String(key)) }
            }
        }
        used.subtract(["state.", "status."])
        #expect(used.count > 60)
        #expect(used.subtracting(KioskStrings.requiredKeys).sorted() == [])
    }

    @Test("a strings file without a text the kiosk needs stops the kiosk at start, naming the keys")
    func missingKeyFailsAtLoad() throws {
        let path = NSTemporaryDirectory() + "onego-strings-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try #"{ "title": { "zh": "一件事一次办", "en": "One go" } }"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: KioskSetupError.self) { try KioskStrings(contentsOf: path) }
        do {
            _ = try KioskStrings(contentsOf: path)
        } catch let error as KioskSetupError {
            #expect(error.description.hasPrefix("\(path): error: missing kiosk strings: bring.done, bring.heading,"))
            #expect(error.description.hasSuffix("status.withdrawn"))
        }
    }
}

@Suite("Screen layout")
struct ScreenLayoutTests {
    @Test("English wraps between words, Chinese anywhere, and a word wider than the line is cut (issue 16.13)")
    func wrapping() {
        let layout = ScreenLayout(columns: 80, rows: 24, color: false)
        #expect(
            layout.wrap("Bring the application form and the articles of association", width: 20) == [
                "Bring the", "application form and", "the articles of", "association",
            ])
        #expect(layout.wrap("请准备企业设立登记申请书和公司章程", width: 10) == ["请准备企业", "设立登记申", "请书和公司", "章程"])
        #expect(layout.wrap("Supercalifragilistic", width: 8) == ["Supercal", "ifragili", "stic"])
        #expect(layout.wrap("一次告知: One-time notice", width: 12) == ["一次告知:", "One-time", "notice"])
    }
}

@Suite("ID card reader")
struct IDCardReaderTests {
    static let card = #"{"name": "孙梅", "idNumber": "440524188001010014", "validUntil": "长期"}"#

    @Test("a reader program's records and a reader's files are read once each, in order")
    func devices() async throws {
        let command = try CardCommand(command: "printf '%s\\n' 'not a card' '\(Self.card)'")
        var read: IDCard?
        for _ in 0..<50 where read == nil {
            read = command.next()
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(read?.name == "孙梅")
        #expect(read?.validUntil == nil)
        #expect(command.next() == nil)

        let directory = NSTemporaryDirectory() + "onego-cards-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.card.write(toFile: directory + "/1.json", atomically: true, encoding: .utf8)
        let reader = CardDirectory(path: directory)
        #expect(reader.next()?.idNumber == "440524188001010014")
        #expect(reader.next() == nil)
        #expect(IDCard(json: #"{"name": "x", "idNumber": "1", "validUntil": "someday"}"#) == nil)
    }

    @Test("a kiosk whose profile does not allow typing asks for the card")
    func cardRequired() async throws {
        let (session, _, path) = try makeSession(
            profile: KioskProfile(
                id: "police-07", location: "派出所", bundles: ["social-security-card"], cardReader: true,
                typedIdentity: false))
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        await session.enter("1")
        await session.enter("1")
        #expect(session.screen.contains("请将身份证放在读卡区，然后按确认键"))
        #expect(!session.screen.contains("没有带身份证？也可以直接输入姓名后按确认键"))
        await session.enter("孙梅")
        #expect(session.screen.contains("! 本机须读取身份证，请将身份证放在读卡区后按确认键"))
        await session.enter("")
        #expect(session.screen.contains("! 没有读到身份证，请把身份证平放在读卡区后再按确认键"))
    }
}

@Suite("What the kiosk lets through (issue 16.7)")
struct KioskValidationTests {
    @Test("a birth date after today and Latin letters in a newborn's name are refused, and what to do is said")
    func newbornChecks() async throws {
        let (session, _, path) = try makeSession()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let walk = try String(contentsOf: root.appendingPathComponent("KioskScripts/newborn.kiosk"), encoding: .utf8)
        let script = walk.replacingOccurrences(
            of: "type 李小明\ntype 1\ntype 2026-11-20\n",
            with: """
                type Li 小明
                expect 姓名只能使用汉字(少数民族姓名各部分之间可用 ·)
                type 李小明
                type 1
                type 2026-12-20
                expect 日期不能晚于今天(2026-11-23),请核对
                type 20261120
                expect 出生医院

                """)
        #expect(script != walk)
        try await KioskScript(path: "newborn-checks", text: script).run(on: session)
    }
}
