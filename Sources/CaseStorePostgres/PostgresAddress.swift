import Foundation
import NIOSSL
import PostgresNIO

/// Where a PostgreSQL database is, written as libpq's connection URL:
/// `postgres://user[:password]@host[:port]/database[?host=/socket/dir&sslmode=…]`
/// (`postgresql://` too). A `host` parameter, or a host that is a percent-encoded path, names the
/// directory of a Unix socket, as with `psql`. The password may also come from `$PGPASSWORD`.
public struct PostgresAddress: Sendable, Equatable {
    /// How the connection is encrypted (libpq's `sslmode`).
    public enum TLSMode: String, Sendable {
        /// Plain TCP (and always for a Unix socket).
        case disable
        /// TLS if the server offers it (libpq's default).
        case prefer
        /// TLS required, the server's certificate not checked.
        case require
        /// TLS required and the certificate checked against the host name.
        case verifyFull = "verify-full"
    }

    public var user: String
    public var password: String?
    /// A host name or address; `nil` with a socket directory.
    public var host: String?
    public var port: Int
    /// The directory holding the server's Unix socket (`.s.PGSQL.<port>`).
    public var socketDirectory: String?
    public var database: String
    public var tls: TLSMode
    /// `application_name`, shown in `pg_stat_activity`.
    public var applicationName: String

    /// The TLS configuration `sslmode` asks for and whether the server must accept it; `nil` for
    /// plain connections. `prefer` and `require` do not check the certificate (as libpq);
    /// `verify-full` does.
    public var tlsChoice: (configuration: TLSConfiguration, required: Bool)? {
        var unverified = TLSConfiguration.makeClientConfiguration()
        unverified.certificateVerification = .none
        switch tls {
        case .disable: return nil
        case .prefer: return (unverified, false)
        case .require: return (unverified, true)
        case .verifyFull: return (.makeClientConfiguration(), true)
        }
    }

    /// Whether `text` is a PostgreSQL address rather than a SQLite file's path.
    public static func isAddress(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// The socket's path, when the address names a socket directory.
    public var socketPath: String? { socketDirectory.map { $0 + "/.s.PGSQL.\(port)" } }

    /// The address as people and logs see it: never the password.
    public var description: String {
        let place = socketDirectory ?? host ?? "localhost"
        return "postgres://\(user)@\(place.hasPrefix("/") ? "[\(place)]" : place):\(port)/\(database)"
    }

    /// Parses a libpq URL; the error says what is wrong with it (the password is never repeated).
    public init(
        _ text: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(PostgresAddressError) {
        guard Self.isAddress(text), let components = URLComponents(string: text) else {
            throw PostgresAddressError(
                "not a PostgreSQL address; write postgres://user@host:port/database (or ?host=/socket/dir)")
        }
        var parameters: [String: String] = [:]
        for item in components.queryItems ?? [] { parameters[item.name] = item.value ?? "" }
        let known: Set = ["host", "port", "user", "password", "dbname", "sslmode", "application_name"]
        if let unknown = parameters.keys.sorted().first(where: { !known.contains($0) }) {
            throw PostgresAddressError(
                "unknown parameter '\(unknown)'; OneGo reads \(known.sorted().joined(separator: ", "))")
        }
        let hostText = parameters["host"] ?? components.percentEncodedHost.flatMap { $0.removingPercentEncoding }
        if let hostText, hostText.hasPrefix("/") {
            socketDirectory = hostText
            host = nil
        } else {
            socketDirectory = nil
            host = (hostText?.isEmpty ?? true) ? "localhost" : hostText
        }
        if let portText = parameters["port"] ?? components.port.map(String.init) {
            guard let port = Int(portText), (1...65535).contains(port) else {
                throw PostgresAddressError("the port must be a number from 1 to 65535, not '\(portText)'")
            }
            self.port = port
        } else {
            port = 5432
        }
        user = parameters["user"] ?? components.user ?? environment["PGUSER"] ?? environment["USER"] ?? "postgres"
        password = parameters["password"] ?? components.password ?? environment["PGPASSWORD"]
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = parameters["dbname"] ?? (path.isEmpty ? user : path)
        guard !database.isEmpty, !database.contains("/") else {
            throw PostgresAddressError("name the database after the host: postgres://user@host:port/database")
        }
        let mode = parameters["sslmode"] ?? "prefer"
        guard let tls = TLSMode(rawValue: mode) else {
            throw PostgresAddressError("sslmode is disable, prefer, require or verify-full, not '\(mode)'")
        }
        self.tls = socketDirectory == nil ? tls : .disable
        applicationName = parameters["application_name"] ?? "onego"
    }
}

/// A database address that cannot be used, and why.
public struct PostgresAddressError: Error, Sendable, CustomStringConvertible {
    public var description: String

    init(_ description: String) { self.description = description }
}

extension PostgresAddress {
    /// A pool's settings for this address: its socket, or its host with the TLS it asks for.
    package var clientConfiguration: PostgresClient.Configuration {
        if let socketPath {
            return .init(unixSocketPath: socketPath, username: user, password: password, database: database)
        }
        let tls: PostgresClient.Configuration.TLS =
            tlsChoice.map { $0.required ? .require($0.configuration) : .prefer($0.configuration) } ?? .disable
        return .init(
            host: host ?? "localhost", port: port, username: user, password: password, database: database, tls: tls)
    }
}
