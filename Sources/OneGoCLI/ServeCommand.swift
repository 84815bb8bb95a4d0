import ArgumentParser
import CaseEngine
import Foundation
import OneGoServer

/// `onego serve`: the engine over HTTP for every kiosk, window and department of a city.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the engine over HTTP (docs/api.md): kiosks, windows and departments share one database.")

    @OptionGroup var options: EngineOptions
    @Option(help: "Listen on HOST:PORT.") var listen = "127.0.0.1:8080"
    @Option(help: "The server's certificate chain (PEM) for TLS.") var tlsCert: String?
    @Option(help: "The server's private key (PEM) for TLS.") var tlsKey: String?
    @Flag(help: "Allow plain HTTP on an address other than loopback (only behind a TLS proxy).")
    var insecurePlainHttpOnNetwork = false
    @Option(help: "Seconds a webhook delivery may take before it counts as failed.") var webhookTimeout = 15
    @Option(
        name: .customLong("test-webhook-retries"), help: ArgumentHelp(visibility: .hidden))
    var testWebhookRetries: String?

    func validate() throws {
        guard (tlsCert == nil) == (tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
    }

    func run() async throws {
        guard let address = ServerAddress(listen) else {
            throw ValidationError("--listen is HOST:PORT, such as 127.0.0.1:8080, not '\(listen)'")
        }
        let testClock = options.testToday != nil || ProcessInfo.processInfo.environment["ONEGO_TEST_TODAY"] != nil
        if let refusal = address.refusal(
            tls: tlsCert != nil, plainHTTPAllowed: insecurePlainHttpOnNetwork, testClock: testClock)
        {
            throw RuntimeError(refusal)
        }
        let engine = try await options.engine()
        guard let access = engine.repository as? any AccessRepository else {
            throw RuntimeError("this store does not keep kiosk enrolments")
        }
        var server = OneGoServer(
            engine: engine, access: access, deliveries: engine.repository as? any DeliveryRepository,
            auditKey: try AuditKey.load(at: options.auditKeyPath), checkpointPath: options.checkpointPath)
        server.relaySettings.timeout = .seconds(max(1, webhookTimeout))
        server.relaySettings.lease = .seconds(max(1, webhookTimeout) * 4)
        if let testWebhookRetries {
            // Tests only: the schedule in milliseconds, the lease and the poll short, no jitter.
            let delays = testWebhookRetries.split(separator: ",").compactMap { Int64($0) }
            server.relaySettings.schedule = RetrySchedule(delays: delays, jitter: 0)
            server.relaySettings.lease = .seconds(max(1, webhookTimeout) * 2)
        }
        try await server.run(at: address, certificate: tlsCert, key: tlsKey)
    }
}
