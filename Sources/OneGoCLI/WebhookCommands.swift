import ArgumentParser
import BundleKit
import CaseEngine
import Foundation
import OneGoServer

/// `onego dept webhook …`: connect a department's own system to its events (docs/departments.md).
struct WebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook",
        abstract: "Connect a department system: signed webhooks (Standard Webhooks 1.0) for its events.",
        subcommands: [Add.self, List.self, Disable.self, Enable.self, Rotate.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an endpoint; prints its signing secret once.",
            discussion: "Events: \(DepartmentEvent.EventType.names) (default: all).")
        @OptionGroup var options: EngineOptions
        @Argument(help: "The department id.") var department: String
        @Argument(help: "Where deliveries are posted (https://…; http:// only on 127.0.0.1).") var url: String
        @Option(help: "The event types it receives, comma-separated (default: all).") var events: [String] = []
        @Flag(help: "Allow plain http:// to another machine (only inside a network that encrypts it).")
        var insecurePlainHttp = false

        func run() async throws {
            let endpoint = try await administration(options) { administration in
                try await administration.add(
                    department: department, url: url, events: events, plainHTTPAllowed: insecurePlainHttp)
            }
            print("added \(endpoint.id) for \(endpoint.department): \(TerminalText.escaped(endpoint.url))")
            print("events: \(endpoint.storedEvents == "*" ? "all" : endpoint.storedEvents)")
            print("secret (shown once; give it to the department system): \(endpoint.secret)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the endpoints, of one department or all.")
        @OptionGroup var options: EngineOptions
        @Argument(help: "The department id.") var department: String?

        func run() async throws {
            let endpoints = try await deliveryStore(options).endpoints(department: department)
            if endpoints.isEmpty { print("no webhook endpoints") }
            for endpoint in endpoints { print(WebhookText.line(endpoint)) }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop deliveries to an endpoint; they wait until it is enabled again.")
        @OptionGroup var options: EngineOptions
        @Argument(help: "The endpoint id (we_…).") var id: String

        func run() async throws {
            let endpoint = try await administration(options) { try await $0.setEnabled(id, false) }
            print(WebhookText.line(endpoint))
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resume deliveries to an endpoint.")
        @OptionGroup var options: EngineOptions
        @Argument(help: "The endpoint id (we_…).") var id: String

        func run() async throws {
            let endpoint = try await administration(options) { try await $0.setEnabled(id, true) }
            print(WebhookText.line(endpoint))
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give an endpoint a new secret; the old one signs too for 24 hours.")
        @OptionGroup var options: EngineOptions
        @Argument(help: "The endpoint id (we_…).") var id: String

        func run() async throws {
            let endpoint = try await administration(options) { try await $0.rotate(id) }
            print("rotated \(endpoint.id): both secrets sign for 24 hours")
            print("new secret (shown once): \(endpoint.secret)")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove an endpoint and its deliveries (its events stay in the pull feed).")
        @OptionGroup var options: EngineOptions
        @Argument(help: "The endpoint id (we_…).") var id: String

        func run() async throws {
            try await administration(options) { try await $0.remove(id) }
            print("removed \(id)")
        }
    }
}

/// `onego supervise deliveries`: dead deliveries and disabled endpoints, and replays.
struct DeliveriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliveries",
        abstract: "Dead webhook deliveries and disabled endpoints; replay one, a range, or everything since a time.")
    @OptionGroup var options: EngineOptions
    @Option(help: "Which deliveries: pending, done, dead (comma-separated).") var status = "dead"
    @Option(help: "At most this many.") var limit = 100
    @Option(
        help:
            "Make deliveries due again: an id, a range FIRST-LAST, or a time (2026-11-23, 2026-11-23T14:00) for all since."
    )
    var replay: String?

    func run() async throws {
        let store = try await deliveryStore(options)
        if let replay {
            guard let selection = WebhookAdministration.selection(replay) else {
                throw ValidationError(
                    "--replay is a delivery id, a range FIRST-LAST, or a time such as 2026-11-23T14:00, not '\(replay)'"
                )
            }
            let count = try await store.replay(selection, at: Int64(Date().timeIntervalSince1970 * 1000))
            print("replayed \(count) deliver\(count == 1 ? "y" : "ies")")
            return
        }
        let states = try status.split(separator: ",").map { name in
            guard let state = Delivery.Status(rawValue: String(name)) else {
                throw ValidationError("--status is pending, done or dead, not '\(name)'")
            }
            return state
        }
        let records = try await store.deliveries(in: states, limit: max(1, limit))
        if records.isEmpty { print("no \(states.map(\.rawValue).joined(separator: " or ")) deliveries") }
        for record in records { print(WebhookText.line(record)) }
        let disabled = try await store.endpoints(department: nil).filter { $0.status == .disabled }
        if !disabled.isEmpty {
            print("disabled endpoints:")
            for endpoint in disabled { print("  " + WebhookText.line(endpoint)) }
        }
    }
}

enum WebhookText {
    static func line(_ endpoint: WebhookEndpoint) -> String {
        [
            endpoint.id, endpoint.department,
            endpoint.status.rawValue
                + (endpoint.disabledReason.map { " (\(TerminalText.escaped($0)))" } ?? ""),
            endpoint.storedEvents == "*" ? "all events" : endpoint.storedEvents, TerminalText.escaped(endpoint.url),
        ].joined(separator: "  ")
    }

    static func line(_ record: DeliveryRecord) -> String {
        [
            "#\(record.id)", "evt_\(record.sequence)", record.type.rawValue, record.subcase, record.endpointID,
            record.status.rawValue, "\(record.attempts) attempt\(record.attempts == 1 ? "" : "s")",
            TerminalText.escaped(record.lastError ?? "—"), record.createdAt,
        ].joined(separator: "  ")
    }
}

/// The store's webhook endpoints and deliveries.
func deliveryStore(_ options: EngineOptions) async throws -> any DeliveryRepository {
    guard let store = try await options.openStore() as? any DeliveryRepository else {
        throw RuntimeError("this store does not keep webhook endpoints")
    }
    return store
}

/// Runs an administration change, its refusals as the command's error.
@discardableResult
private func administration<T>(
    _ options: EngineOptions, _ work: (WebhookAdministration) async throws -> T
) async throws -> T {
    let departments = Set(try options.library.load().catalog.departments.ids)
    let store = try await deliveryStore(options)  // opening a store makes its audit key if it has none
    let administration = WebhookAdministration(
        store: store, departments: departments,
        sealer: try AuditKey.load(at: options.auditKeyFile()).map(WebhookSecretSealer.init))
    do {
        return try await work(administration)
    } catch let refusal as WebhookAdministration.Refusal {
        throw RuntimeError(refusal.description)
    }
}
