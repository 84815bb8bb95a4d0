import Hummingbird
import HummingbirdAuth

/// The request context of every route: the authenticated caller, if any.
public struct ServerContext: AuthRequestContext, RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller, set by ``CallerAuthenticator``.
    public var identity: Caller?
    /// The peer's IP address as the connection shows it (a reverse proxy's, behind one), for the
    /// audit of sign-ins.
    public let clientAddress: String?

    public init(source: Source) {
        coreContext = .init(source: source)
        identity = nil
        clientAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Request bodies are at most this large: an application with its scans in base64.
    public var maxUploadSize: Int { ServerLimits.maximumBodyBytes }
}

/// The server's limits on what one request may carry.
public enum ServerLimits {
    /// The largest request body: three scans of the largest size in base64, and the form.
    public static let maximumBodyBytes = 64 * 1024 * 1024
    /// The largest body that is not a submission (steps, queries, ratings).
    public static let maximumSmallBodyBytes = 64 * 1024
    /// The longest idempotency key (Stripe's limit).
    public static let maximumIdempotencyKeyLength = 255
}
