import ArgumentParser
import BundleKit
import CaseEngine
import Foundation
import Kiosk
import WorkCalendar

/// `onego-kiosk`: the self-service kiosk on a text terminal.
///
/// This version reads whole lines (a pipe, or a terminal in its normal line mode); the raw-mode
/// terminal layer with the idle countdown, resize handling and display-width boxes is the next step
/// of the kiosk issue (see docs/kiosk.md).
public struct KioskCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "onego-kiosk", abstract: "The OneGo self-service kiosk.")

    @OptionGroup var options: EngineOptions
    @Option(help: "The kiosk profile (JSON); default Bundles/kiosk/default-profile.json.") var profile: String?
    @Option(help: "Run a KioskScripts file and report the first expectation that fails.") var script: String?
    @Option(help: "The directory where the kiosk's scanner drops its files; enables scanning materials.")
    var scanDir: String?
    @Option(
        help: """
            The ID card reader: a directory where it drops one JSON file per card, or a command that prints one \
            JSON record per card, one a line (docs/kiosk.md).
            """)
    var cardReader: String?
    @Option(help: "A command that prints receipts (gets the text on standard input), or a file to append to.")
    var printer: String?

    public init() {}

    /// Runs the kiosk and exits: 0 when the input ends, 1 on a failure, 2 on a usage mistake.
    public static func runMain() async -> Never {
        await runCommand(Self.self, nil)
    }

    @Option(help: "With --server: the file holding the kiosk's credential (from 'onego kiosk enrol').")
    var credential: String?
    @Option(help: "With --server: where the server's library is kept between starts.")
    var libraryCache: String?

    public func validate() throws {
        guard (options.serverAddress == nil) == (credential == nil) else {
            throw ValidationError("--server and --credential go together")
        }
    }

    public func run() async throws {
        let parsed = try script.map { try KioskScript(contentsOf: $0) }
        var options = self.options
        if options.testToday == nil, ProcessInfo.processInfo.environment["ONEGO_TEST_TODAY"] == nil,
            let day = parsed?.today
        {
            options.testToday = day.description  // the day the script is written for
        }
        let clock = try options.clock()
        let profile: KioskProfile
        let library: BundleLibrary
        let calendar: WorkCalendar
        let strings: KioskStrings
        let client: any KioskClient
        var engine: CaseEngine?
        if let server = options.serverAddress, let credential {
            let remote = HTTPKioskClient(
                server: server, credential: try String(contentsOfFile: credential, encoding: .utf8))
            // The server's own library: what it validates against, not local files that can drift.
            let cache = libraryCache ?? NSTemporaryDirectory() + "onego-kiosk-library"
            let root: String
            switch await Self.fetch(remote, into: cache) {
            case .success(let fetched):
                root = fetched
            case .failure(let error):
                // Offline at start: the library fetched last time, so that the kiosk can show that it
                // is offline (and offers nothing) until the server answers.
                guard case .unreachable(let detail) = error, let newest = Self.newestLibrary(in: cache) else {
                    throw error
                }
                _ = detail
                root = newest
            }
            let loaded = BundleLibrary.load(root: root)
            if loaded.diagnostics.contains(where: { $0.severity == .error }) {
                throw RuntimeError("the server's bundle library does not load here; update onego-kiosk")
            }
            (library, calendar, client) = (
                loaded, try WorkCalendar(directory: (root as NSString).appendingPathComponent("calendar")), remote
            )
            strings = try KioskStrings(contentsOf: (root as NSString).appendingPathComponent("kiosk/strings.json"))
            // A kiosk's own profile (its place, its bundles), else the server's default one.
            profile = try KioskProfile(
                contentsOf: self.profile ?? (root as NSString).appendingPathComponent("kiosk/default-profile.json"))
        } else {
            let root = options.library.root
            strings = try KioskStrings(contentsOf: (root as NSString).appendingPathComponent("kiosk/strings.json"))
            profile = try KioskProfile(
                contentsOf: self.profile ?? (root as NSString).appendingPathComponent("kiosk/default-profile.json"))
            let local = try await options.engine(createsDatabase: true)
            (library, calendar, client, engine) = (
                local.library, local.calendar, EngineKioskClient(engine: local, kioskID: profile.id), local
            )
        }
        let session = KioskSession(
            context: KioskSession.Context(
                library: library, calendar: calendar, strings: strings, profile: profile, client: client,
                today: { clock.today() }, scanner: scanDir.map { ScanDirectory(path: $0).next },
                cardReader: try cardReaderDevice()))
        await session.checkConnection()
        if let script, let parsed {
            let steps = try await parsed.run(
                on: session, staff: engine.map { EngineStaff(engine: $0, session: session).perform })
            print(session.screen.joined(separator: "\n"))
            print("\(script): \(steps) steps passed")
            return
        }
        if TerminalKiosk.isInteractive {
            let color = ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            await TerminalKiosk(session: session, color: color) { deliver($0) }.run()
            return
        }
        var printedCount = 0
        while true {
            print(session.screen.joined(separator: "\n"))
            print("> ", terminator: "")
            guard let line = readLine(strippingNewline: true) else { break }
            await session.enter(line)
            if session.isFresh { await session.checkConnection() }
            while session.printed.count > printedCount {
                deliver(session.printed[printedCount])
                printedCount += 1
            }
        }
    }

    static func fetch(_ client: HTTPKioskClient, into cache: String) async -> Result<String, CaseEngineError> {
        do throws(CaseEngineError) {
            return .success(try await client.fetchLibrary(into: cache))
        } catch {
            return .failure(error)
        }
    }

    /// The card reader `--card-reader` names: a directory of JSON files, else a command.
    private func cardReaderDevice() throws -> (() -> IDCard?)? {
        guard let cardReader else { return nil }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: cardReader, isDirectory: &isDirectory), isDirectory.boolValue {
            return CardDirectory(path: cardReader).next
        }
        return try CardCommand(command: cardReader).next
    }

    /// The most recently written library under the cache directory.
    static func newestLibrary(in cache: String) -> String? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: cache)) ?? []
        let dated = names.map { name -> (String, Date) in
            let path = (cache as NSString).appendingPathComponent(name)
            let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
            return (path, modified ?? .distantPast)
        }
        return dated.max { $0.1 < $1.1 }?.0
    }

    private func deliver(_ text: String) {
        guard let printer else { return }
        if FileManager.default.isExecutableFile(atPath: printer) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: printer)
            let pipe = Pipe()
            process.standardInput = pipe
            try? process.run()
            pipe.fileHandleForWriting.write(Data((text + "\n").utf8))
            try? pipe.fileHandleForWriting.close()
            process.waitUntilExit()
        } else {
            if !FileManager.default.fileExists(atPath: printer) {
                _ = FileManager.default.createFile(atPath: printer, contents: nil)
            }
            guard let handle = FileHandle(forWritingAtPath: printer) else { return }
            handle.seekToEndOfFile()
            handle.write(Data((text + "\n\n").utf8))
            try? handle.close()
        }
    }
}

/// The files a scanner drops in a directory, newest first, each used once.
final class ScanDirectory {
    let directory: DropDirectory

    init(path: String) {
        directory = DropDirectory(path: path)
    }

    /// The newest file not used yet, read whole.
    func next() -> (name: String, content: [UInt8], mediaType: String)? {
        guard let newest = directory.takeNewest() else { return nil }
        let path = directory.path
        // Confined to the scanner's directory, its type from its content: anything else is not a scan.
        guard let scan = try? AttachmentFile.read(newest, in: path) else { return nil }
        return (newest, scan.content, scan.mediaType)
    }
}
