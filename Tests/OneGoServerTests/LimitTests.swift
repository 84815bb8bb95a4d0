import AsyncHTTPClient
import CaseEngine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOHTTP1
import NIOSSL
import OneGoServer
import Testing
import WebhookTesting

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Server limits")
struct LimitTests {
    @Test("an application nested deeper than 64 levels is refused before it reaches the engine")
    func jsonDepth() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        try await fixture.application().test(.router) { client in
            try await client.execute(
                uri: "/v1/cases", method: .post, headers: headers(fixture.bank, [idempotencyKey: "deep"]),
                body: ByteBuffer(string: #"{"bundle": "company-opening", "answers": \#(deep)}"#)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(json(response)["code"] as? String == "invalid-request")
            }
        }
        #expect(try await fixture.engine.listCases().isEmpty)
    }

    @Test("headers over the limit are refused; a connection idle past the timeout is closed")
    func headersAndIdleConnections() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        let reservation = try PortReservation()  // held while the server binds it: never free
        defer { reservation.release() }
        let port = Int(reservation.port)
        let app = Application(
            router: fixture.server.router(), server: ServerAddress.http1(idleSeconds: 3),
            configuration: .init(address: .hostname("127.0.0.1", port: port)))
        let serving = Task { try await app.run() }
        defer { serving.cancel() }
        // Wait until it listens (the suite runs tests side by side on 2 cores).
        for _ in 0..<100 {
            if (try? LocalConnection(port: port)) != nil { break }
            try await Task.sleep(for: .milliseconds(100))
        }

        let big = try LocalConnection(port: port)
        let padding = String(repeating: "a", count: 20 * 1024)
        try big.send("GET /health HTTP/1.1\r\nHost: x\r\nX-Padding: \(padding)\r\n\r\n")
        let answer = big.receive(seconds: 10)
        // Refused: a 400, or (when the close overtakes the answer) the connection closed by the server.
        #expect(
            answer.hasPrefix("HTTP/1.1 400 Bad Request") || (answer.isEmpty && big.closedByPeer),
            "\(answer.prefix(80))")
        #expect(!answer.hasPrefix("HTTP/1.1 200"))

        let normal = try LocalConnection(port: port)
        try normal.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(normal.receive(seconds: 10, until: "\"ok\"").hasPrefix("HTTP/1.1 200"))

        // Half a request, then nothing: the server closes the connection after the idle timeout.
        let stalled = try LocalConnection(port: port)
        try stalled.send("POST /v1/cases HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{")
        let start = Date()
        _ = stalled.receive(seconds: 20)
        #expect(stalled.closedByPeer && Date().timeIntervalSince(start) < 15, "the stalled connection was held open")
    }
}

/// A TCP connection to a local port.
final class LocalConnection {
    let socket: Int32
    /// Whether the last ``receive(seconds:until:)`` ended because the server closed the connection.
    private(set) var closedByPeer = false

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    deinit { close(socket) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let written = bytes[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, 0) }
            guard written > 0 else { throw POSIXError(.EPIPE) }
            sent += written
        }
    }

    /// What arrives until the server closes the connection, `until` appears, or `seconds` pass.
    func receive(seconds: Int, until marker: String? = nil) -> String {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        closedByPeer = false
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count == 0 { closedByPeer = true }
            guard count > 0 else { break }
            received += buffer[0..<count]
            if let marker, String(decoding: received, as: UTF8.self).contains(marker) { break }
        }
        return String(decoding: received, as: UTF8.self)
    }
}

@Suite("TLS")
struct TLSTests {
    @Test("with a certificate the server speaks TLS only; a client that trusts it gets answers")
    func tls() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        let fixtures = repositoryRoot.appendingPathComponent("Tests/OneGoServerTests/Fixtures").path
        let reservation = try PortReservation()  // held while the server binds it: never free
        defer { reservation.release() }
        let port = Int(reservation.port)
        let app = Application(
            router: fixture.server.router(),
            server: try ServerAddress.serverBuilder(
                certificate: fixtures + "/test-server.pem", key: fixtures + "/test-server.key"),
            configuration: .init(address: .hostname("127.0.0.1", port: port)))
        let serving = Task { try await app.run() }
        defer { serving.cancel() }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(fixtures + "/test-server.pem"))
        let client = HTTPClient(configuration: .init(tlsConfiguration: tls))
        defer { _ = client.shutdown() }
        var answered: HTTPClientResponse?
        for _ in 0..<50 {
            answered = try? await client.execute(
                HTTPClientRequest(url: "https://localhost:\(port)/health"), timeout: .seconds(2))
            if answered != nil { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let response = try #require(answered)
        #expect(response.status.code == 200)
        #expect(String(buffer: try await response.body.collect(upTo: 1024)) == #"{"status":"ok"}"#)
        // Plain HTTP to the TLS port gets no answer.
        let plain = try LocalConnection(port: port)
        try plain.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(!plain.receive(seconds: 3).contains("HTTP/1.1 200"))
    }
}
