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
        let engine = try options.engine()
        guard let access = engine.repository as? any AccessRepository else {
            throw RuntimeError("this store does not keep kiosk enrolments")
        }
        try await OneGoServer(engine: engine, access: access).run(at: address, certificate: tlsCert, key: tlsKey)
    }
}

/// `onego kiosk`: enrol, list and revoke the kiosks that may call `onego serve`.
struct KioskAdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kiosk", abstract: "Enrol, list and revoke kiosks (administrators).",
        subcommands: [Enrol.self, List.self, Revoke.self])

    struct Enrol: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enrol a kiosk and print its credential once, alone on standard output.")

        @OptionGroup var options: EngineOptions
        @Argument(help: "The kiosk's id: letters, digits and hyphens.") var id: String
        @Option(help: "Where the kiosk stands.") var site: String

        func run() async throws {
            guard KioskEnrolment.isValidID(id) else {
                throw ValidationError("a kiosk id is 1–64 letters, digits and hyphens, not '\(id)'")
            }
            let (_, access) = try accessStore(options)
            let credential = KioskCredential.generate(kioskID: id)
            let enrolment = KioskEnrolment(
                id: id, site: site, secretHash: credential.secretHash, enrolledAt: try options.clock().timestamp())
            guard try await access.enrol(enrolment) else {
                throw RuntimeError("kiosk \(id) is already enrolled; revoke it and enrol it under a new id")
            }
            print(credential.text)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the enrolled kiosks.")

        @OptionGroup var options: EngineOptions

        func run() async throws {
            let (_, access) = try accessStore(options)
            for kiosk in try await access.kiosks() {
                let state = kiosk.revoked ? "revoked" : "active"
                print([kiosk.id, state, kiosk.enrolledAt, TerminalText.escaped(kiosk.site)].joined(separator: "  "))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a kiosk: its credential is refused from now on.")

        @OptionGroup var options: EngineOptions
        @Argument(help: "The kiosk's id.") var id: String

        func run() async throws {
            let (_, access) = try accessStore(options)
            guard try await access.revokeKiosk(id) else { throw RuntimeError("no kiosk \(id) is enrolled") }
            print("revoked \(id)")
        }
    }
}

private func accessStore(_ options: EngineOptions) throws -> (CaseEngine, any AccessRepository) {
    let engine = try options.engine()
    guard let access = engine.repository as? any AccessRepository else {
        throw RuntimeError("this store does not keep kiosk enrolments")
    }
    return (engine, access)
}
