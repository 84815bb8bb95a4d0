import CaseEngine
import Foundation
import Testing

@Suite("Clock and query codes")
struct EngineEnvironmentTests {
    @Test("the system clock writes China Standard Time to the millisecond, every part zero-padded")
    func timestamp() throws {
        let stamp = SystemClock().timestamp()
        let pattern = try Regex(#"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+08:00$"#)
        #expect(stamp.wholeMatch(of: pattern) != nil, "\(stamp)")
    }

    @Test("query codes are six digits, leading zeros kept; a seed gives the same codes every run")
    func queryCodes() {
        let seeded = SeededQueryCodes(seed: 1)
        let codes = (0..<200).map { _ in seeded.nextQueryCode() }
        #expect(Array(codes.prefix(3)) == ["269761", "853505", "764457"])
        #expect(codes.allSatisfy { $0.count == 6 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) })
        #expect(codes.contains { $0.hasPrefix("0") })
        let random = RandomQueryCodes()
        #expect((0..<200).map { _ in random.nextQueryCode() }.allSatisfy { $0.count == 6 })
    }
}
