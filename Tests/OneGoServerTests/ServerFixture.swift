import BundleKit
import CaseEngine
import CaseStoreSQLite
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OneGoServer
import WorkCalendar

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

let shippedLibrary = BundleLibrary.load(root: repositoryRoot.appendingPathComponent("Bundles").path)

let shippedCalendar: WorkCalendar = {
    do {
        return try WorkCalendar(directory: repositoryRoot.appendingPathComponent("Bundles/calendar").path)
    } catch {
        fatalError("cannot load the shipped calendar: \(error)")
    }
}()

/// The server's clock in Unix seconds, moved by the test.
final class TestSeconds: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int64 = 1_795_000_000

    var now: Int64 { lock.withLock { value } }

    func advance(by seconds: Int64) { lock.withLock { value += seconds } }
}

/// A server over a real SQLite file on 2026-11-23, with two enrolled kiosks (`bank-01`,
/// `police-07`), a revoked one (`old-03`), the market regulator's system, and staff: a window
/// (`wang.fang`), two market clerks (`zhao.market`, `qian.market`), a tax clerk (`li.tax`) and a
/// supervisor (`chen.sup`), every password `correct horse battery`.
struct ServerFixture {
    static let password = "correct horse battery"

    let path: String
    let store: SQLiteCaseStore
    let engine: CaseEngine
    let seconds = TestSeconds()
    let server: OneGoServer
    let bank: ClientCredential
    let police: ClientCredential
    let revoked: ClientCredential
    let marketSystem: ClientCredential

    init(querySeed: UInt64 = 7) async throws {
        path = NSTemporaryDirectory() + "onego-server-\(UUID().uuidString).db"
        store = try SQLiteCaseStore(path: path, create: true)
        engine = CaseEngine(
            repository: store, library: shippedLibrary, calendar: shippedCalendar,
            clock: FixedClock(day: CalendarDate(year: 2026, month: 11, day: 23) ?? CalendarDate(dayNumber: 0)),
            codes: SeededQueryCodes(seed: querySeed))
        let seconds = self.seconds
        server = OneGoServer(engine: engine, access: store, deliveries: store, now: { seconds.now })
        bank = ClientCredential.generate(.kiosk, id: "bank-01")
        police = ClientCredential.generate(.kiosk, id: "police-07")
        revoked = ClientCredential.generate(.kiosk, id: "old-03")
        marketSystem = ClientCredential.generate(.department, id: "market-backoffice")
        for (credential, scope) in [
            (bank, "工行漕溪北路支行"), (police, "徐汇公安分局"), (revoked, "旧终端"), (marketSystem, "market-regulation"),
        ] {
            _ = try await store.enrol(
                ClientEnrolment(
                    id: credential.clientID, kind: credential.kind, scope: scope, secretHash: credential.secretHash,
                    enrolledAt: "2026-11-20T09:00:00.000+08:00"))
        }
        _ = try await store.revokeClient("old-03")
        let hasher = PasswordHasher(rounds: 1000)
        let accounts: [(String, StaffAccount.Role, String)] = [
            ("wang.fang", .window, ""), ("zhao.market", .department, "market-regulation"),
            ("qian.market", .department, "market-regulation"), ("li.tax", .department, "tax"),
            ("chen.sup", .supervisor, ""), ("root.admin", .administrator, ""),
        ]
        for (id, role, department) in accounts {
            _ = try await store.addStaff(
                StaffAccount(
                    id: id, name: id, role: role, department: department,
                    passwordHash: try hasher.hash(Self.password)))
        }
    }

    func application() -> some ApplicationProtocol {
        Application(router: server.router())
    }

    func remove() {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}

/// Signs in and returns the session's bearer token.
func signIn(_ client: some TestClientProtocol, _ account: String) async throws -> String {
    try await client.execute(
        uri: "/v1/sessions", method: .post,
        body: ByteBuffer(string: #"{"account": "\#(account)", "password": "\#(ServerFixture.password)"}"#)
    ) { response in
        guard response.status == .created, let token = json(response)["token"] as? String else {
            throw SignInFailed(status: Int(response.status.code))
        }
        return token
    }
}

struct SignInFailed: Error {
    var status: Int
}

/// Headers for a bearer token and more fields.
func headers(token: String, _ more: [HTTPField.Name: String] = [:]) -> HTTPFields {
    var fields = HTTPFields()
    fields[.authorization] = "Bearer \(token)"
    for (name, value) in more { fields[name] = value }
    return fields
}

/// Headers for a caller with a credential and more fields.
func headers(_ credential: ClientCredential?, _ more: [HTTPField.Name: String] = [:]) -> HTTPFields {
    var fields = HTTPFields()
    if let credential { fields[.authorization] = "Bearer \(credential.text)" }
    for (name, value) in more { fields[name] = value }
    return fields
}

let idempotencyKey: HTTPField.Name = {
    guard let name = HTTPField.Name("Idempotency-Key") else { preconditionFailure("a valid field name") }
    return name
}()

/// The company-opening application as a kiosk sends it (no channel, no key: the server sets them).
func companyApplicationJSON(companyName: String = "安阳市示例科技有限公司") -> ByteBuffer {
    ByteBuffer(
        string: """
            {
              "bundle": "company-opening",
              "applicant": {"name": "张三", "idNumber": "11010519491231002X", "phone": "13812345678"},
              "answers": {"applicantRole": "legal-rep", "premises": "rented", "hiresStaff": "yes", "needsBankAccount": "yes"},
              "values": {
                "company.name": "\(companyName)", "company.type": "llc", "company.registeredCapital": "100",
                "company.businessScope": "软件开发", "company.address": "河南省安阳市文峰区中华路 1 号",
                "company.divisionCode": "410502", "legalRep.name": "张三", "legalRep.idNumber": "11010519491231002X",
                "legalRep.phone": "13812345678", "taxOfficer.name": "李四", "taxOfficer.phone": "13912345678",
                "seal.set": "basic", "invoice.type": "ordinary", "invoice.monthlyQuantity": "50",
                "company.employeeCount": "5", "providentFund.depositRate": "12", "bank.branch": "中国银行安阳文峰支行"
              },
              "materials": {
                "registration-application": "provided", "articles-of-association": "provided",
                "appointment-documents": "provided", "id-card": "provided", "lease-contract": "provided",
                "employee-list": "provided", "company-seal": "provided"
              }
            }
            """)
}

/// The body of a response as a JSON object (empty when it is not one).
func json(_ response: TestResponse) -> [String: Any] {
    let object = try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
    return object as? [String: Any] ?? [:]
}
