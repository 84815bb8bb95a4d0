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
    @Option(help: "A command that prints receipts (gets the text on standard input), or a file to append to.")
    var printer: String?

    public init() {}

    /// Runs the kiosk and exits: 0 when the input ends, 1 on a failure, 2 on a usage mistake.
    public static func runMain() async -> Never {
        await runCommand(Self.self, nil)
    }

    public func run() async throws {
        let root = options.library.root
        let strings = try KioskStrings(contentsOf: (root as NSString).appendingPathComponent("kiosk/strings.json"))
        let profile = try KioskProfile(
            contentsOf: self.profile ?? (root as NSString).appendingPathComponent("kiosk/default-profile.json"))
        let parsed = try script.map { try KioskScript(contentsOf: $0) }
        var options = self.options
        if options.testToday == nil, ProcessInfo.processInfo.environment["ONEGO_TEST_TODAY"] == nil,
            let day = parsed?.today
        {
            options.testToday = day.description  // the day the script is written for
        }
        let engine = try options.engine(createsDatabase: true)
        let clock = try options.clock()
        let session = KioskSession(
            context: KioskSession.Context(
                library: engine.library, calendar: engine.calendar, strings: strings, profile: profile,
                client: EngineKioskClient(engine: engine, kioskID: profile.id), today: { clock.today() },
                scanner: scanDir.map { ScanDirectory(path: $0).next }))
        if let script, let parsed {
            let staff = EngineStaff(engine: engine, session: session)
            let steps = try await parsed.run(on: session, staff: staff.perform)
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
            while session.printed.count > printedCount {
                deliver(session.printed[printedCount])
                printedCount += 1
            }
        }
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
    let path: String
    private var used: Set<String> = []

    init(path: String) {
        self.path = path
    }

    /// The newest file not used yet, read whole.
    func next() -> (name: String, content: [UInt8], mediaType: String)? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let candidates = names.filter { !used.contains($0) && !$0.hasPrefix(".") }.compactMap {
            name -> (String, Date)? in
            let full = (path as NSString).appendingPathComponent(name)
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: full),
                attributes[.type] as? FileAttributeType == .typeRegular,
                let modified = attributes[.modificationDate] as? Date
            else { return nil }
            return (name, modified)
        }
        guard let newest = candidates.max(by: { $0.1 < $1.1 })?.0 else { return nil }
        used.insert(newest)
        // Confined to the scanner's directory, its type from its content: anything else is not a scan.
        guard let scan = try? AttachmentFile.read(newest, in: path) else { return nil }
        return (newest, scan.content, scan.mediaType)
    }
}
