import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOSSL

/// Where `onego serve` listens, and whether it may speak plain HTTP there.
public struct ServerAddress: Sendable, Equatable {
    /// The host (an address or `localhost`).
    public var host: String
    /// The port.
    public var port: Int

    /// Reads `HOST:PORT` (`[::1]:8080` for IPv6); nil when it is not one.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.host = host
        self.port = port
    }

    /// Whether only this machine can reach the address.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Why the server may not start here, or nil when it may: plain HTTP beyond loopback needs a
    /// flag that says so, and a test clock never leaves loopback.
    public func refusal(tls: Bool, plainHTTPAllowed: Bool, testClock: Bool) -> String? {
        if testClock && !isLoopback {
            return "a test clock (--test-today or $ONEGO_TEST_TODAY) is for tests only; the server refuses it on"
                + " \(host), which is not a loopback address"
        }
        if !tls && !plainHTTPAllowed && !isLoopback {
            return "plain HTTP is allowed only on a loopback address; give --tls-cert and --tls-key, or"
                + " --insecure-plain-http-on-network if a TLS proxy stands in front"
        }
        return nil
    }

    /// HTTP/1.1 with the server's limits: a connection idle for 30 s is closed (a client that
    /// stalls mid-request holds nothing for long), headers at most 16 KiB each, 32 KiB and 100 in all.
    public static func http1(idleSeconds: Int64 = 30) -> HTTPServerBuilder {
        .http1(
            configuration: .init(
                idleTimeout: .seconds(idleSeconds),
                httpDecoderConfiguration: .init(
                    maxHeaderFieldSize: 16 * 1024, maxHeaderListSize: 32 * 1024, maxHeaderFieldCount: 100)))
    }

    /// The HTTP/1.1 server, over TLS with a PEM certificate chain and key when given.
    public static func serverBuilder(certificate: String?, key: String?) throws -> HTTPServerBuilder {
        guard let certificate, let key else { return http1() }
        let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
        let privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain, privateKey: .privateKey(privateKey))
        return try .tls(http1(), tlsConfiguration: configuration)
    }
}
