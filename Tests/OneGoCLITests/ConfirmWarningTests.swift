import Foundation
import Testing

/// A credit code failing its GB 32100 check is asked about at the window as at the kiosk (issue 17.13).
@Suite("Warnings confirmed at the window")
struct ConfirmWarningTests {
    func application(creditCode: String) -> String {
        """
        {
          "bundle": "enterprise-deregistration-simplified",
          "idempotencyKey": "window-credit-1",
          "channel": { "kind": "window", "id": "staff-023" },
          "applicant": { "name": "张三", "idNumber": "11010519491231002X", "phone": "13812345678" },
          "values": {
            "company.name": "安阳市示例科技有限公司", "company.creditCode": "\(creditCode)",
            "legalRep.name": "张三", "legalRep.phone": "13812345678", "legalRep.idNumber": "11010519491231002X",
            "deregistration.noticeEndDate": "2026-11-16"
          },
          "materials": { "deregistration-form": "provided", "investors-promise": "provided", "business-licence": "provided" }
        }
        """
    }

    @Test("a credit code failing its check is refused until the clerk confirms it, and nothing is saved before")
    func windowConfirms() async throws {
        let db = NSTemporaryDirectory() + "onego-confirm-\(UUID().uuidString).db"
        let file = NSTemporaryDirectory() + "onego-confirm-\(UUID().uuidString).json"
        defer {
            try? FileManager.default.removeItem(atPath: file)
            for suffix in ["", "-wal", "-shm", ".audit-key"] {
                try? FileManager.default.removeItem(atPath: db + suffix)
            }
        }
        try application(creditCode: "91350211M0000XUF46").write(toFile: file, atomically: true, encoding: .utf8)
        let environment = ["ONEGO_DB": db, "ONEGO_TEST_TODAY": "2026-11-23"]
        let refused = try await runOneGo(
            ["window", "submit", "--create", "--application", file], environment: environment)
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains(
                "  company.creditCode: 统一社会信用代码:统一社会信用代码校验位不符,请核对;确属有效代码的由工作人员确认 / Unified social credit code: The credit code's check character does not match; check it, or have staff confirm a genuine code. (--confirm company.creditCode)"
            ), "\(refused.stderr)")
        let confirmed = try await runOneGo(
            ["window", "submit", "--create", "--application", file, "--confirm", "company.creditCode"],
            environment: environment)
        #expect(confirmed.status == 0, "\(confirmed.stderr)")
        #expect(confirmed.stdout.contains("OG20261123-000001"), "\(confirmed.stdout)")
    }
}
