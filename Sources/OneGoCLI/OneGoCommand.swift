import ArgumentParser
import BundleKit
import CaseEngine
import Foundation

/// The `onego` command for window staff, departments, supervisors and bundle authors.
public struct OneGoCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "onego",
        abstract: "OneGo: one thing, one go (一件事一次办).",
        subcommands: [
            BundleCommand.self, WindowCommand.self, CaseCommand.self, DepartmentCommand.self, SuperviseCommand.self,
            AuditCommand.self, CalendarCommand.self, DatabaseCommand.self, ServeCommand.self, KioskAdminCommand.self,
            ClientCommand.self, StaffCommand.self, LoginCommand.self, LogoutCommand.self,
        ]
    )

    public init() {}

    /// Runs the command line and exits: 0 success, 1 problems found, 2 usage errors.
    public static func runMain(_ arguments: [String]? = nil) async -> Never {
        await runCommand(Self.self, arguments)
    }
}

/// Parses and runs a command, then exits: 0 success, 1 a failure reported as `error: …`, 2 a usage
/// mistake. Shared by `onego` and `onego-kiosk`.
func runCommand<Command: ParsableCommand>(_ type: Command.Type, _ arguments: [String]?) async -> Never {
    do {
        var command = try type.parseAsRoot(arguments)
        if var asynchronous = command as? any AsyncParsableCommand {
            try await asynchronous.run()
        } else {
            try command.run()
        }
        Foundation.exit(0)
    } catch {
        if let (text, status) = CommandFailure.render(error) {
            printError(text)
            Foundation.exit(status)
        }
        let code = type.exitCode(for: error)
        if code == .success {
            print(type.fullMessage(for: error))
            Foundation.exit(0)
        }
        if error is ExitCode { Foundation.exit(code.rawValue) }
        // ArgumentParser's own usage errors.
        FileHandle.standardError.write(Data((type.fullMessage(for: error) + "\n").utf8))
        Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
    }
}

/// Where the bundle library is: `--bundles`, then `ONEGO_BUNDLES`, then `./Bundles`.
struct LibraryOptions: ParsableArguments {
    @Option(name: .long, help: "The bundles directory (default: $ONEGO_BUNDLES or ./Bundles).")
    var bundles: String?

    var root: String {
        bundles ?? ProcessInfo.processInfo.environment["ONEGO_BUNDLES"] ?? "Bundles"
    }

    func load(bundleFiles: [String]? = nil) throws -> BundleLibrary {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw UsageError(
                description:
                    "error: no bundles directory at '\(root)'; run from the repository root or pass --bundles DIR")
        }
        return BundleLibrary.load(root: root, bundleFiles: bundleFiles)
    }
}

/// Writes text to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
