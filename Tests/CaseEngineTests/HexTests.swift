import Testing

@testable import CaseEngine

@Suite("Hexadecimal text of digests and keys")
struct HexTests {
    @Test("bytes are two lowercase digits each")
    func digits() {
        #expect(Hex.lowercase([UInt8]()) == "")
        #expect(Hex.lowercase([0x00, 0x09, 0x0a, 0x0f, 0x10, 0xa5, 0xff]) == "00090a0f10a5ff")
        #expect(Hex.lowercase((0...255).map(UInt8.init)).count == 512)
    }

    @Test("a keyed chain's code is HMAC-SHA256 in lowercase hexadecimal (RFC 4231, test case 1)")
    func authenticationCode() {
        let key = AuditKey(bytes: Array(repeating: 0x0b, count: 20))
        #expect(
            key.authenticationCode(Array("Hi There".utf8))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    }
}
