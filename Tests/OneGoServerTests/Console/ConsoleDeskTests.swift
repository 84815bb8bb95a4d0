import BundleKit
import CaseEngine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OneGoServer
import Testing

@Suite("Staff console: the department desk")
struct ConsoleDeskTests {
    @Test("a clerk opens a scan from the sub-case page; another department's clerk cannot, even by URL")
    func scans() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        let application = try ConsoleTests.exampleApplication()
        let scan = try #require(application.attachments.first)
        let number = try await fixture.engine.submit(application).caseNumber
        let path =
            "/console/desk/\(number)-01/materials/\(scan.material)/scans/\(SHA256.hex(scan.content))"
        try await fixture.application().test(.router) { client in
            let clerk = try await ConsoleTests.signIn(client, "zhao.market")
            let (_, page) = try await ConsoleTests.page(client, "/console/desk/\(number)-01", session: clerk)
            #expect(
                page.contains("<a href=\"\(path)\" target=\"_blank\" rel=\"noopener\">扫描件 1</a> (application/pdf, "))
            var fields = HTTPFields()
            fields[.cookie] = "onego_session=\(clerk)"
            let response = try await client.execute(uri: path, method: .get, headers: fields)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/pdf")
            #expect(response.headers[.cacheControl] == "no-store")
            #expect(response.headers[.contentDisposition]?.hasPrefix("inline; filename=\"lease-contract-") == true)
            #expect(Array(buffer: response.body) == scan.content)

            let taxClerk = try await ConsoleTests.signIn(client, "li.tax")
            let (status, refused) = try await ConsoleTests.page(client, path, session: taxClerk)
            #expect(status == .forbidden)
            #expect(!refused.contains("%PDF"))
        }
    }
}
