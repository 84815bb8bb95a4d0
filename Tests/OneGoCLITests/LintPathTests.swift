import Foundation
import Testing

/// `onego bundle lint PATH`: each path is taken as what it is (issue 17.9).
@Suite("Paths given to bundle lint")
struct LintPathTests {
    @Test("a directory is linted as the library it is, not refused as an unreadable file")
    func directoryIsALibrary() async throws {
        let copy = try libraryCopy()
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let lint = try await runOneGo(["bundle", "lint", copy])
        #expect(lint.status == 0, "\(lint.stdout)\(lint.stderr)")
        #expect(lint.stdout.hasSuffix("items: no problems\n"), "\(lint.stdout)")
        try "{".write(toFile: copy + "/broken.json", atomically: true, encoding: .utf8)
        let broken = try await runOneGo(["bundle", "lint", copy])
        #expect(broken.status == 1)
        #expect(broken.stdout.contains("\(copy)/broken.json:1:2: error:"), "\(broken.stdout)")
    }

    @Test("a FIFO and a symbolic link loop are named for what they are, without waiting on the FIFO")
    func fifoAndLoop() async throws {
        let directory = NSTemporaryDirectory() + "onego-paths-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = directory + "/pipe.json"
        let loop = directory + "/loop.json"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(symlink(loop, loop) == 0)
        let lint = try await runOneGo(["bundle", "lint", fifo, loop])
        #expect(lint.status == 1)
        #expect(
            lint.stdout.contains(
                "\(fifo): error: cannot be read: it is a FIFO (named pipe), not a file [unreadable-file]"),
            "\(lint.stdout)")
        #expect(
            lint.stdout.contains("\(loop): error: is a symbolic link that leads round in a loop [unreadable-file]"))
    }

    @Test("a catalog file given by path is linted as a catalog, not as a bundle missing its id")
    func catalogFile() async throws {
        let copy = try libraryCopy()
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let path = copy + "/catalog/departments.json"
        let clean = try await runOneGo(["bundle", "lint", "--bundles", copy, path])
        #expect(clean.status == 0, "\(clean.stdout)")
        #expect(!clean.stdout.contains("a bundle needs the key"))
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "\"departments\":", with: "\"departmens\":")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let broken = try await runOneGo(["bundle", "lint", "--bundles", copy, path])
        #expect(broken.status == 1)
        #expect(broken.stdout.contains("departmens"), "\(broken.stdout)")
        #expect(!broken.stdout.contains("a bundle needs the key"))
    }

    @Test("a golden test file given by path is read as a test file, and a wrong expectation fails the lint")
    func testFile() async throws {
        let copy = try libraryCopy()
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let path = copy + "/tests/newborn.json"
        let clean = try await runOneGo(["bundle", "lint", "--bundles", copy, path])
        #expect(clean.status == 0, "\(clean.stdout)")
        #expect(!clean.stdout.contains("a bundle needs the key"))
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "\"promisedDays\": 5", with: "\"promisedDays\": 6")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let broken = try await runOneGo(["bundle", "lint", "--bundles", copy, path])
        #expect(broken.status == 1)
        #expect(broken.stdout.contains("\(path):"), "\(broken.stdout)")
        #expect(broken.stdout.contains("promisedDays"), "\(broken.stdout)")
    }

    @Test("a catalog path that is not a directory is said to be so, not passed over in silence")
    func catalogNotADirectory() async throws {
        let copy = try libraryCopy()
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try FileManager.default.removeItem(atPath: copy + "/catalog")
        try "".write(toFile: copy + "/catalog", atomically: true, encoding: .utf8)
        let lint = try await runOneGo(["bundle", "lint", "--bundles", copy])
        #expect(lint.status == 1)
        #expect(
            lint.stdout.contains("error: the catalog directory \(copy)/catalog is a file, not a directory"),
            "\(lint.stdout)")
    }
}
