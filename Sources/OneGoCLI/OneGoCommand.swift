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
            AuditCommand.self, CalendarCommand.self,
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
        let code = type.exitCode(for: error)
        if code == .success {
            print(type.fullMessage(for: error))
            Foundation.exit(0)
        }
        if error is ExitCode {
            Foundation.exit(code.rawValue)
        }
        if let usage = error as? UsageError {
            printError(usage.description)
            Foundation.exit(2)
        }
        if let failure = error as? RuntimeError {
            printError(failure.description.hasPrefix("error:") ? failure.description : "error: " + failure.description)
            Foundation.exit(1)
        }
        if let failure = error as? CaseEngineError {
            printError("error: " + failure.description)
            Foundation.exit(1)
        }
        if code != .validationFailure {
            // Our own errors (a broken strings or calendar file…) carry their text.
            let text = String(describing: error)
            printError(text.contains("error:") ? text : "error: " + text)
            Foundation.exit(1)
        }
        FileHandle.standardError.write(Data((type.fullMessage(for: error) + "\n").utf8))
        Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
    }
}

/// A usage mistake: exit status 2 with the message.
struct UsageError: Error, CustomStringConvertible {
    var description: String
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
