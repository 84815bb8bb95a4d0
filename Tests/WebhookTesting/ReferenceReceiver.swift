import Foundation
import PostgresTesting

#if canImport(Glibc)
    import Glibc
#endif

/// scripts/webhook-receiver.py running in the background: the reference receiver departments copy,
/// verifying signatures and logging what it accepted (JSON Lines).
public final class ReferenceReceiver: @unchecked Sendable {
    /// One line of its log.
    public struct Entry: Decodable, Sendable, Equatable {
        public var webhookID: String
        public var duplicate: Bool
        public var type: String
        public var subcase: String
        public var sequence: Int64
        public var eventAt: String
        public var receivedAtMs: Int64

        enum CodingKeys: String, CodingKey {
            case webhookID = "webhook_id", duplicate, type, subcase, sequence
            case eventAt = "event_at", receivedAtMs = "received_at_ms"
        }
    }

    public static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/webhook-receiver.py").path

    public let port: UInt16
    public let log: String
    private let process: Process

    /// Starts a receiver (on the port `reservation` holds, or any free one) and waits until it
    /// listens. The reserved socket itself is handed over (as standard input), so that the port is
    /// never free for another socket to take between the reservation and the receiver.
    public init(
        secrets: [String], on reservation: PortReservation? = nil, log: String, options: [String] = []
    ) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["python3", Self.script, "--log", log] + secrets.flatMap { ["--secret", $0] } + options
        if let reservation {
            process.arguments? += ["--socket-on-stdin"]
            process.standardInput = reservation.socketHandle
        }
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        self.process = process
        self.log = log
        let text = try await firstLine(of: output)
        guard
            let port = UInt16(
                text.replacingOccurrences(of: "listening on ", with: "").trimmingCharacters(
                    in: .whitespacesAndNewlines))
        else { throw ReceiverNotStarted(output: text) }
        self.port = port
    }

    /// The webhook URL of this receiver.
    public var url: String { "http://127.0.0.1:\(port)/onego/events" }

    /// Stops it at once (SIGKILL) and waits.
    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// What it has logged so far.
    public func entries() -> [Entry] {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Entry.self, from: Data($0.utf8)) }
    }

    /// The distinct webhook-ids it accepted.
    public func accepted() -> Set<String> { Set(entries().filter { !$0.duplicate }.map(\.webhookID)) }
}

public struct ReceiverNotStarted: Error {
    public var output: String
}

/// Waits until `condition` holds, checking every 50 ms, for at most `seconds`; whether it held.
public func eventually(within seconds: Double = 30, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

/// A temporary file's path for a receiver's log.
public func temporaryLog() -> String { NSTemporaryDirectory() + "onego-receiver-\(UUID().uuidString).jsonl" }

/// A loopback port held, bound but not listening: connecting to it is refused, and no other process
/// (another test's receiver, or a connection's own end) can be given it until ``release()``. An endpoint can point at it before
/// its receiver, which needs the endpoint's secret, starts there.
public final class PortReservation: @unchecked Sendable {
    public let port: UInt16
    private var socket: Int32

    public init() throws {
        let handle = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        // SO_REUSEADDR, as servers set it: a server of the test may bind the port while it is held
        // (Linux allows that until one of them listens), so it is never free for another socket.
        var one: Int32 = 1
        setsockopt(handle, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw -> Bool in
                bind(handle, raw, length) == 0 && getsockname(handle, raw, &length) == 0
            }
        }
        guard handle >= 0, bound else { throw ReceiverNotStarted(output: "no loopback port could be reserved") }
        socket = handle
        port = UInt16(bigEndian: address.sin_port)
    }

    /// The bound socket, for a receiver to listen on (``ReferenceReceiver/init(secrets:on:log:options:)``).
    public var socketHandle: FileHandle { FileHandle(fileDescriptor: socket, closeOnDealloc: false) }

    /// Lets the port go.
    public func release() {
        if socket >= 0 { close(socket) }
        socket = -1
    }

    deinit { release() }
}
