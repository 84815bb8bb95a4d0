import BundleKit
import CaseEngine
import Foundation
import Hummingbird
import HummingbirdTesting
import Kiosk
import OneGoServer
import Testing
import WebhookTesting
import WorkCalendar

#if canImport(Glibc)
    import Glibc
#endif

/// The kiosk as a client of a live `onego serve`: every KioskScript, the library it runs on, and
/// what a citizen sees when the network goes.
@Suite("Remote kiosk")
struct RemoteKioskTests {
    static let scripts =
        ((try? FileManager.default.contentsOfDirectory(
            atPath: repositoryRoot.appendingPathComponent("KioskScripts").path)) ?? [])
        .filter { $0.hasSuffix(".kiosk") }.sorted()

    /// A kiosk session on the server's own library (fetched over HTTP), talking to it with `bank-01`.
    static func session(port: Int, fixture: ServerFixture) async throws -> (KioskSession, HTTPKioskClient) {
        let client = HTTPKioskClient(server: "http://127.0.0.1:\(port)", credential: fixture.bank.text)
        let cache = NSTemporaryDirectory() + "onego-remote-\(UUID().uuidString)"
        let root = try await client.fetchLibrary(into: cache)
        let library = BundleLibrary.load(root: root)
        #expect(library.diagnostics.filter { $0.severity == .error }.isEmpty)
        let profile = try KioskProfile(
            contentsOf: repositoryRoot.appendingPathComponent("Bundles/kiosk/default-profile.json").path)
        let session = KioskSession(
            context: KioskSession.Context(
                library: library, calendar: try WorkCalendar(directory: root + "/calendar"),
                strings: try KioskStrings(contentsOf: root + "/kiosk/strings.json"), profile: profile, client: client,
                today: { CalendarDate(year: 2026, month: 11, day: 23) ?? CalendarDate(dayNumber: 0) }))
        await session.checkConnection()
        return (session, client)
    }

    @Test("every kiosk script passes against a live server", arguments: scripts)
    func script(name: String) async throws {
        let fixture = try await ServerFixture(querySeed: 3)
        defer { fixture.remove() }
        let script = try KioskScript(contentsOf: repositoryRoot.appendingPathComponent("KioskScripts/" + name).path)
        try await fixture.application().test(.live) { client in
            let (session, _) = try await Self.session(port: try #require(client.port), fixture: fixture)
            do {
                try await script.run(on: session, staff: EngineStaff(engine: fixture.engine, session: session).perform)
            } catch {
                Issue.record("\(error)")
            }
        }
        // The cases were stored by the server, through the kiosk's credential.
        let cases = try await fixture.engine.listCases()
        let text = try String(
            contentsOf: repositoryRoot.appendingPathComponent("KioskScripts/" + name), encoding: .utf8)
        if text.contains("expect 受理回执") { #expect(!cases.isEmpty, "\(name) stored no case on the server") }
        for summary in cases {
            #expect(summary.channel == Channel(kind: .kiosk, id: "bank-01"))
        }
    }

    @Test("the library a kiosk fetches is confined to the catalog, calendar, kiosk and bundle files")
    func confinedLibrary() {
        for path in ["company-opening.json", "catalog/items.json", "calendar/2026.json", "kiosk/strings.json"] {
            #expect(HTTPKioskClient.isConfined(path), "\(path)")
        }
        for path in [
            "../etc/passwd.json", "/etc/x.json", "catalog/../../x.json", "other/x.json", "catalog/x.txt", "a/b/c.json",
        ] {
            #expect(!HTTPKioskClient.isConfined(path), "\(path)")
        }
    }

    @Test("a submission that cannot reach the server prints a slip saying it was not submitted, never a receipt")
    func networkLossSlip() async throws {
        let fixture = try await ServerFixture(querySeed: 3)
        defer { fixture.remove() }
        let walk = try String(
            contentsOf: repositoryRoot.appendingPathComponent("KioskScripts/company-opening.kiosk"), encoding: .utf8)
        // The walk up to the last key before submitting.
        let beforeSubmit = walk.components(separatedBy: "\ntype 88\n")[0]
        // Held, bound and not listening, for the whole test: connecting is refused, and no other
        // test's server can be given the port (a port let go was, once, and answered).
        let reservation = try PortReservation()
        defer { reservation.release() }
        let port = reservation.port
        try await fixture.application().test(.live) { client in
            let (session, live) = try await Self.session(port: try #require(client.port), fixture: fixture)
            let dead = HTTPKioskClient(
                server: "http://127.0.0.1:\(port)", credential: fixture.bank.text,
                retryDelays: [.milliseconds(50), .milliseconds(50)], timeout: .milliseconds(500))
            session.replaceClient(LosesNetworkAtSubmit(live: live, dead: dead))
            try await KioskScript(path: "walk", text: beforeSubmit).run(on: session)
            let shown = ScreensShown()
            session.onRedraw = { shown.append(session.screen.joined(separator: "\n")) }
            await session.enter("88")
            #expect(shown.screens.first?.contains("! 正在提交，请稍候…") == true)
            let screen = session.screen.joined(separator: "\n")
            #expect(screen.contains("服务中心暂时无法连接，申请没有提交；已打印说明凭条。"))
            #expect(!screen.contains("受理回执"))
            let slip = try #require(session.printed.last)
            #expect(
                slip == """
                    未提交说明 · 企业开办
                    您的申请没有提交，服务中心没有收到。本凭条不是受理回执。
                    请稍后在本机重新提交，或到服务中心窗口办理（本机位置：政务服务中心 Service centre）。
                    """)
            #expect(!slip.contains("OG2026"))
            // Nothing was stored, and what the citizen entered is still there: once the network is
            // back, the same key submits once.
            #expect(try await fixture.engine.listCases().isEmpty)
            session.replaceClient(live)
            await session.enter("88")
            #expect(session.screen.joined(separator: "\n").contains("受理回执 · 企业开办"))
            #expect(try await fixture.engine.listCases().count == 1)
        }
    }

    @Test("a kiosk that cannot reach the server offers no bundles")
    func offlineHome() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        let reservation = try PortReservation()  // refuses connections, held for the whole test
        defer { reservation.release() }
        let port = reservation.port
        let bundles = repositoryRoot.appendingPathComponent("Bundles").path
        let session = KioskSession(
            context: KioskSession.Context(
                library: shippedLibrary, calendar: shippedCalendar,
                strings: try KioskStrings(contentsOf: bundles + "/kiosk/strings.json"),
                profile: try KioskProfile(contentsOf: bundles + "/kiosk/default-profile.json"),
                client: HTTPKioskClient(
                    server: "http://127.0.0.1:\(port)", credential: fixture.bank.text, timeout: .milliseconds(500)),
                today: { CalendarDate(year: 2026, month: 11, day: 23) ?? CalendarDate(dayNumber: 0) }))
        await session.checkConnection()
        #expect(!session.online)
        #expect(
            Array(session.screen.dropFirst(2).prefix(3)) == [
                "暂时无法连接服务中心，现在不能办理新业务。请稍后再试，或到服务中心窗口办理。", "80 查询办理进度", "90 English",
            ])
        await session.enter("80")
        await session.enter("OG20261123-000001")
        await session.enter("123456")
        #expect(session.screen.contains("! 暂时无法连接服务中心，请稍后再试。"))
    }

    @Test("a submission retried while the server comes back is stored once, under the same key")
    func retryUntilServerAnswers() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        // Held until the server binds it (PortReservation lets a server bind a port it holds).
        let reservation = try PortReservation()
        defer { reservation.release() }
        let port = Int(reservation.port)
        let client = HTTPKioskClient(
            server: "http://127.0.0.1:\(port)", credential: fixture.bank.text,
            retryDelays: [.milliseconds(400), .milliseconds(400), .milliseconds(800), .seconds(2)],
            timeout: .seconds(1))
        var application = try SubmittedApplicationFixture.company()
        application.idempotencyKey = "kiosk-retry-1"
        let submitted = application
        async let receipt = client.submit(submitted)
        try await Task.sleep(for: .milliseconds(200))
        let app = Application(
            router: fixture.server.router(), configuration: .init(address: .hostname("127.0.0.1", port: port)))
        let serving = Task { try await app.run() }
        let first = try await receipt
        let again = try await client.submit(submitted)
        serving.cancel()
        #expect(first.caseNumber == again.caseNumber)
        #expect(try await fixture.engine.listCases().count == 1)
    }
}

/// The screens a session drew while it waited.
final class ScreensShown: @unchecked Sendable {
    private(set) var screens: [String] = []
    func append(_ screen: String) { screens.append(screen) }
}

/// The live client, except that submissions go to a port nobody listens on: the network lost
/// between filling in the form and submitting it.
struct LosesNetworkAtSubmit: KioskClient {
    let live: HTTPKioskClient
    let dead: HTTPKioskClient

    func submit(_ application: CitizenApplication) async throws(CaseEngineError) -> Receipt {
        try await dead.submit(application)
    }

    func progress(number: String, queryCode: String) async throws(CaseEngineError) -> CaseSummary {
        try await live.progress(number: number, queryCode: queryCode)
    }

    func supply(number: String, queryCode: String, materials: [String]) async throws(CaseEngineError) {
        try await live.supply(number: number, queryCode: queryCode, materials: materials)
    }

    func rate(number: String, queryCode: String, grade: Int) async throws(CaseEngineError) {
        try await live.rate(number: number, queryCode: queryCode, grade: grade)
    }

    func isOnline() async -> Bool { await live.isOnline() }
}

/// The company-opening application of the API tests, as the engine's value.
enum SubmittedApplicationFixture {
    static func company() throws -> CitizenApplication {
        try CitizenApplication(json: Array(companyApplicationJSON().readableBytesView), name: "fixture")
    }
}
