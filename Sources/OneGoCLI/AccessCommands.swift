import ArgumentParser
import BundleKit
import CaseEngine
import Foundation
import OneGoServer

/// `onego kiosk`: enrol, list and revoke the kiosks that may call `onego serve`.
struct KioskAdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kiosk", abstract: "Enrol, list and revoke kiosks (administrators).",
        subcommands: [Enrol.self])

    struct Enrol: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enrol a kiosk and print its credential once, alone on standard output.")

        @OptionGroup var options: EngineOptions
        @Argument(help: "The kiosk's id: letters, digits, hyphens and underscores.") var id: String
        @Option(help: "Where the kiosk stands.") var site: String

        func run() async throws {
            print(try await enrolClient(.kiosk, id: id, scope: site, options: options))
        }
    }
}

/// `onego client`: list and revoke the kiosks and department systems that may call `onego serve`.
struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client", abstract: "List and revoke enrolled kiosks and department systems.",
        subcommands: [ListClients.self, Revoke.self])
}

/// Lists the clients.
struct ListClients: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the enrolled kiosks and department systems.")

    @OptionGroup var options: EngineOptions

    func run() async throws {
        let access = try await accessStore(options)
        for client in try await access.clients() {
            let state = client.revoked ? "revoked" : "active"
            print(
                [client.id, client.kind.rawValue, state, client.enrolledAt, TerminalText.escaped(client.scope)]
                    .joined(separator: "  "))
        }
    }
}

/// Revokes a kiosk or department system: its credential is refused from then on.
struct Revoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Revoke a kiosk or department system: its credential is refused from now on.")

    @OptionGroup var options: EngineOptions
    @Argument(help: "The client's id.") var id: String

    func run() async throws {
        guard try await accessStore(options).revokeClient(id) else { throw RuntimeError("no client \(id) is enrolled") }
        print("revoked \(id)")
    }
}

/// `onego dept enrol`: a department's back-office system, scoped to that department.
struct DepartmentEnrol: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enrol",
        abstract: "Enrol a department's system and print its credential once, alone on standard output.")

    @OptionGroup var options: EngineOptions
    @Argument(help: "The system's id.") var id: String
    @Option(help: "The department it acts for.") var dept: String

    func run() async throws {
        let engine = try await options.engine()
        guard engine.library.catalog.departments[dept] != nil else {
            throw ValidationError("no department '\(dept)' in the catalog")
        }
        print(try await enrolClient(.department, id: id, scope: dept, options: options))
    }
}

/// `onego staff`: accounts for window staff, department clerks, supervisors and administrators.
struct StaffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "staff", abstract: "Add, list and disable staff accounts (administrators).",
        subcommands: [Add.self, List.self, Disable.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an account; the password is read from standard input (one line).")

        @OptionGroup var options: EngineOptions
        @Argument(help: "The sign-in name: letters, digits, hyphens and underscores.") var id: String
        @Option(help: "The person's name.") var name: String
        @Option(help: "window, department, supervisor or administrator.") var role: String
        @Option(help: "A department clerk's department.") var dept: String?
        @Option(help: "The site the account serves (windows, supervisors).") var site: String?

        func run() async throws {
            guard StaffAccount.isValidID(id) else {
                throw ValidationError(
                    "a sign-in name is 1–64 letters, digits, dots, hyphens and underscores, not '\(id)'")
            }
            guard let role = StaffAccount.Role(rawValue: role) else {
                throw ValidationError("--role is window, department, supervisor or administrator, not '\(role)'")
            }
            guard (role == .department) == (dept != nil) else {
                throw ValidationError("--dept is given for department clerks, and only for them")
            }
            let engine = try await options.engine()
            if let dept, engine.library.catalog.departments[dept] == nil {
                throw ValidationError("no department '\(dept)' in the catalog")
            }
            guard let password = readLine(strippingNewline: true), password.count >= PasswordHasher.minimumLength
            else {
                throw RuntimeError(
                    "give the password on standard input, at least \(PasswordHasher.minimumLength) characters")
            }
            let account = StaffAccount(
                id: id, name: name, role: role, department: dept ?? "", site: site ?? "",
                passwordHash: try PasswordHasher().hash(password))
            guard try await accessStore(options).addStaff(account) else {
                throw RuntimeError("an account \(id) exists already")
            }
            print("added \(id) (\(role.rawValue))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the staff accounts.")

        @OptionGroup var options: EngineOptions

        func run() async throws {
            for account in try await accessStore(options).staffAccounts() {
                let scope = account.department.isEmpty ? account.site : account.department
                print(
                    [
                        account.id, account.role.rawValue, account.disabled ? "disabled" : "active",
                        TerminalText.escaped(scope), TerminalText.escaped(account.name),
                    ].joined(separator: "  "))
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable an account and end its sessions.")

        @OptionGroup var options: EngineOptions
        @Argument(help: "The sign-in name.") var id: String

        func run() async throws {
            guard try await accessStore(options).disableStaff(id) else { throw RuntimeError("no account \(id)") }
            print("disabled \(id)")
        }
    }
}

/// Enrols a client and returns its credential (printed once, alone, by the caller).
private func enrolClient(
    _ kind: ClientEnrolment.Kind, id: String, scope: String, options: EngineOptions
) async throws -> String {
    guard ClientEnrolment.isValidID(id) else {
        throw ValidationError("an id is 1–64 letters, digits, hyphens and underscores, not '\(id)'")
    }
    let credential = ClientCredential.generate(kind, id: id)
    let enrolment = ClientEnrolment(
        id: id, kind: kind, scope: scope, secretHash: credential.secretHash, enrolledAt: try options.clock().timestamp()
    )
    guard try await accessStore(options).enrol(enrolment) else {
        throw RuntimeError("\(id) is already enrolled; revoke it and enrol the replacement under a new id")
    }
    return credential.text
}

private func accessStore(_ options: EngineOptions) async throws -> any AccessRepository {
    guard let access = try await options.engine().repository as? any AccessRepository else {
        throw RuntimeError("this store does not keep clients and accounts")
    }
    return access
}
