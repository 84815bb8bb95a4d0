import CaseEngine
import Foundation
import Testing

@Suite("Scans for the departments that need them")
struct ScanAccessTests {
    @Test(
        "a department sees a scan of its own item's material only once its sub-case is dispatched to it",
        arguments: StoreKind.allCases)
    func dispatchedOnly(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let engine = fixture.engine()
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array("id card front".utf8)
        let number = try await engine.submit(
            companyApplication {
                $0.attachments.append(Attachment(material: "id-card", content: png, mediaType: "image/png"))
            }
        ).caseNumber
        let digest = SHA256.hex(png)
        let registration = try await engine.departmentAttachment(
            number + "-01", department: "market-regulation", material: "id-card", sha256: digest)
        #expect(registration.bytes == png)
        #expect(registration.info.mediaType == "image/png")

        // Tax needs the ID card too, but its sub-case waits for the credit code: nothing yet.
        await #expect(throws: CaseEngineError.unknownAttachment(subcase: number + "-03", material: "id-card")) {
            try await engine.departmentAttachment(
                number + "-03", department: "tax", material: "id-card", sha256: digest)
        }
        // Another department's sub-case, another material's name, another digest: refused alike.
        await #expect(
            throws: CaseEngineError.wrongDepartment(
                subcase: number + "-01", department: "tax", owner: "market-regulation")
        ) {
            try await engine.departmentAttachment(
                number + "-01", department: "tax", material: "id-card", sha256: digest)
        }
        await #expect(throws: CaseEngineError.unknownAttachment(subcase: number + "-01", material: "lease-contract")) {
            try await engine.departmentAttachment(
                number + "-01", department: "market-regulation", material: "lease-contract", sha256: digest)
        }
        await #expect(throws: CaseEngineError.unknownAttachment(subcase: number + "-01", material: "id-card")) {
            try await engine.departmentAttachment(
                number + "-01", department: "market-regulation", material: "id-card",
                sha256: String(repeating: "0", count: 64))
        }

        try await engine.issueRegistration(number)
        let tax = try await engine.departmentAttachment(
            number + "-03", department: "tax", material: "id-card", sha256: digest)
        #expect(tax.bytes == png)
    }
}
