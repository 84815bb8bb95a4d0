import Crypto
import Foundation

/// Standard Webhooks 1.0 signing: `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`,
/// with a secret written `whsec_<base64 of 24–64 random bytes>`.
public enum WebhookSignature {
    /// A new secret: 32 random bytes.
    public static func newSecret() -> String {
        "whsec_" + SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// The key of a secret; nil when it is not `whsec_` and 24–64 bytes of base64.
    public static func key(of secret: String) -> SymmetricKey? {
        guard secret.hasPrefix("whsec_"), let bytes = Data(base64Encoded: String(secret.dropFirst(6))),
            (24...64).contains(bytes.count)
        else { return nil }
        return SymmetricKey(data: bytes)
    }

    /// One signature, `v1,<base64>`.
    public static func sign(id: String, timestamp: Int64, body: [UInt8], key: SymmetricKey) -> String {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Array("\(id).\(timestamp).".utf8))
        hmac.update(data: body)
        return "v1," + Data(hmac.finalize()).base64EncodedString()
    }

    /// The `webhook-signature` header: one signature per secret, space-separated (both while a
    /// secret rotates). Secrets that are not well formed sign nothing.
    public static func header(id: String, timestamp: Int64, body: [UInt8], secrets: [String]) -> String {
        secrets.compactMap(key(of:)).map { sign(id: id, timestamp: timestamp, body: body, key: $0) }
            .joined(separator: " ")
    }
}

/// Where a webhook may be delivered: `https://`, or `http://` on the loopback interface only (a
/// receiver on the same machine, or behind a proxy there) unless plain HTTP is explicitly allowed.
public enum WebhookURL {
    /// The longest URL accepted.
    public static let maximumLength = 2048

    /// Why `text` is refused, or nil when it is fine.
    public static func refusal(_ text: String, plainHTTPAllowed: Bool = false) -> String? {
        guard text.count <= maximumLength else { return "a webhook URL is at most \(maximumLength) characters" }
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
            let host = url.host, !host.isEmpty
        else { return "'\(text)' is not a URL such as https://tax.example.gov.cn/onego/events" }
        guard url.user == nil, url.password == nil else {
            return "a webhook URL carries no user name or password: the signature authenticates OneGo"
        }
        switch scheme {
        case "https": return nil
        case "http":
            if plainHTTPAllowed || ["127.0.0.1", "::1", "[::1]", "localhost"].contains(host.lowercased()) {
                return nil
            }
            return "plain http:// is allowed only on this machine (127.0.0.1); use https://"
        default: return "a webhook URL is https://, not \(scheme)://"
        }
    }
}
