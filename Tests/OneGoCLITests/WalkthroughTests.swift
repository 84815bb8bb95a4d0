import Foundation
import PostgresTesting
import Testing

@Suite("Window, departments and supervisors at the command line", .serialized)
struct WalkthroughTests {
    @Test("a company-opening case goes from submit through seven departments, a correction and handout")
    func companyOpening() async throws {
        let db = NSTemporaryDirectory() + "onego-walk-\(UUID().uuidString).db"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) } }
        var today = "2026-11-23"
        func onego(_ arguments: String...) async throws -> (status: Int32, stdout: String, stderr: String) {
            try await runOneGo(arguments, environment: ["ONEGO_DB": db, "ONEGO_TEST_TODAY": today])
        }
        func ok(_ arguments: String...) async throws -> String {
            let result = try await runOneGo(arguments, environment: ["ONEGO_DB": db, "ONEGO_TEST_TODAY": today])
            #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.stderr)")
            return result.stdout
        }
        // A mistyped path is not answered from an empty database: the database is created explicitly.
        let missing = try await onego("case", "list")
        #expect(missing.status == 1)
        #expect(
            missing.stderr
                == "error: there is no case database at \(db); check the path (--db or $ONEGO_DB), or create one with 'onego db init --db \(db)'\n"
        )
        #expect(!FileManager.default.fileExists(atPath: db))
        #expect(try await ok("db", "init") == "created the case database at \(db)\n")
        let receipt = try await ok(
            "window", "submit", "--application", "docs/examples/company-opening-application.json")
        #expect(receipt.contains("案件编号 Case number: OG20261123-000001"))
        #expect(receipt.contains("承诺办结 Promised:    2026-11-25"))
        #expect(receipt.contains("申请人 Applicant:     张三 110105********002X"))
        let c = "OG20261123-000001"

        let early = try await onego("dept", "approve", "\(c)-01", "--dept", "market-regulation")
        #expect(early.status == 1)
        #expect(
            early.stderr
                == "error: case \(c), sub-case \(c)-01 (company-registration): cannot approve while dispatched; allowed next steps: accept, correct, reject\n"
        )
        for step in ["accept", "review"] { _ = try await ok("dept", step, "\(c)-01", "--dept", "market-regulation") }
        _ = try await ok("dept", "approve", "\(c)-01", "--dept", "market-regulation", "--staff", "approver-1")
        _ = try await ok(
            "dept", "issue", "\(c)-01", "--dept", "market-regulation", "--output",
            "company.creditCode=91512081MA62K0260E")
        #expect(
            try await ok("dept", "inbox", "tax").contains(
                "company.creditCode = 91512081MA62K0260E  (from company-registration)"))

        _ = try await ok("dept", "accept", "\(c)-03", "--dept", "tax")
        _ = try await ok(
            "dept", "correct", "\(c)-03", "--dept", "tax", "--material", "id-card", "--field", "taxOfficer.phone",
            "--note", "复印件不清晰")
        let waiting = try await ok("case", "show", c)
        #expect(waiting.contains("awaiting-correction"))
        #expect(waiting.contains("  material id-card: 居民身份证"))
        today = "2026-11-24"
        _ = try await ok("case", "supply", c, "--material", "id-card", "--field", "taxOfficer.phone=13912345670")
        // The employee list, accepted under 容缺, arrives: the items that need it may then be issued.
        _ = try await ok("case", "supply", c, "--material", "employee-list")

        let departments = [
            (2, "public-security"), (3, "tax"), (4, "human-resources"), (5, "medical-security"), (6, "provident-fund"),
        ]
        for (index, department) in departments {
            let id = "\(c)-0\(index)"
            if index != 3 { _ = try await ok("dept", "accept", id, "--dept", department) }
            _ = try await ok("dept", "review", id, "--dept", department)
            _ = try await ok("dept", "approve", id, "--dept", department, "--staff", "approver-1")
            if index == 2 {
                _ = try await ok(
                    "dept", "issue", id, "--dept", department, "--output", "company.sealFilingNumber=AY-2026-001")
            } else {
                _ = try await ok("dept", "issue", id, "--dept", department)
            }
        }
        _ = try await ok("dept", "issue", "\(c)-07", "--dept", "bank")
        #expect(try await ok("case", "show", c).contains("\(c)  企业开办 (company-opening 1.0.0)  completed"))
        let handedOut = try await ok("case", "handout", c, "--recipient", "张三", "--recipient-id", "11010519491231002X")
        #expect(handedOut.contains("handed out"))
        #expect(handedOut.contains(" to 张三 110105********002X"))
        #expect(!handedOut.contains("11010519491231002X"))
        let again = try await onego("case", "handout", c, "--recipient", "李四")
        #expect(again.status == 1)
        #expect(again.stderr == "error: case \(c) was already handed out on 2026-11-24 to 张三\n")
        #expect(try await ok("case", "list").contains("\(c)  completed  company-opening  张三 110105********002X"))
        #expect(try await ok("audit", "verify") == "audit chain intact: 31 events\n")
        let report = try await ok("supervise", "report", "--format", "csv")
        #expect(report.hasPrefix("department,item,waiting,dispatched,accepted,reviewed,approved,correcting,issued"))
        #expect(report.contains("tax,tax-invoice-setup,0,0,0,0,0,0,1,0,0,1,1.000,"))
    }

    @Test("supervision lists warnings and overdue sub-cases")
    func overdue() async throws {
        let db = NSTemporaryDirectory() + "onego-overdue-\(UUID().uuidString).db"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) } }
        _ = try await runOneGo(
            ["window", "submit", "--create", "--application", "docs/examples/company-opening-application.json"],
            environment: ["ONEGO_DB": db, "ONEGO_TEST_TODAY": "2026-11-23"])
        let monday = try await runOneGo(
            ["supervise", "overdue"], environment: ["ONEGO_DB": db, "ONEGO_TEST_TODAY": "2026-11-23"])
        #expect(
            monday.stdout
                == "warning  OG20261123-000001-01  market-regulation  company-registration  dispatched  due 2026-11-24\n"
        )
        let wednesday = try await runOneGo(
            ["supervise", "overdue"], environment: ["ONEGO_DB": db, "ONEGO_TEST_TODAY": "2026-11-25"])
        #expect(wednesday.stdout.hasPrefix("overdue  OG20261123-000001-01"))
    }

    @Test("calendar commands answer from the yearly files")
    func calendar() async throws {
        #expect(try await runOneGo(["calendar", "add-days", "2026-02-12", "3"]).stdout == "2026-02-24\n")
        #expect(try await runOneGo(["calendar", "add-days", "2026-12-30", "3"]).stdout == "2027-01-05 (provisional)\n")
        let check = try await runOneGo(["calendar", "check", "2027-03-01"])
        #expect(check.status == 1)
        #expect(check.stdout.contains("2027-03-01: working day (provisional: no holiday data for 2027)"))
    }

    @Test("an invalid application file is answered at its line, and saves nothing")
    func invalidApplication() async throws {
        let db = NSTemporaryDirectory() + "onego-invalid-\(UUID().uuidString).db"
        let file = NSTemporaryDirectory() + "onego-app-\(UUID().uuidString).json"
        defer {
            try? FileManager.default.removeItem(atPath: file)
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
        }
        try "{\n  \"bundle\": \"newborn\",\n  \"idempotencyKey\": 7\n}".write(
            toFile: file, atomically: true, encoding: .utf8)
        let result = try await runOneGo(["window", "submit", "--application", file], environment: ["ONEGO_DB": db])
        #expect(result.status == 1)
        #expect(result.stderr == "\(file):3:21: error: 'idempotencyKey' must be a string\n")
    }
}

@Suite("onego-kiosk", .serialized)
struct KioskExecutableTests {
    /// Runs the kiosk to its end on a thread of its own (off the cooperative pool, which other
    /// tests need meanwhile).
    func runKiosk(
        _ arguments: [String], input: String = "", db: String, testToday: String? = "2026-11-23"
    ) async throws -> (Int32, String, String) {
        try await offload { try Self.runKioskBlocking(arguments, input: input, db: db, testToday: testToday) }
    }

    static func runKioskBlocking(
        _ arguments: [String], input: String, db: String, testToday: String?
    ) throws -> (Int32, String, String) {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let process = Process()
        process.executableURL = root.appendingPathComponent(".build/debug/onego-kiosk")
        process.arguments = arguments
        process.currentDirectoryURL = root
        var environment = ProcessInfo.processInfo.environment.merging(["ONEGO_DB": db]) { _, new in new }
        environment["ONEGO_TEST_TODAY"] = testToday
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        let stdin = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = stdin
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, out, err)
    }

    @Test("a script runs against the real build; a failing expectation names its line")
    func script() async throws {
        let db = NSTemporaryDirectory() + "onego-kiosk-cli-\(UUID().uuidString).db"
        let bad = NSTemporaryDirectory() + "onego-kiosk-bad-\(UUID().uuidString).kiosk"
        defer {
            try? FileManager.default.removeItem(atPath: bad)
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
        }
        let (status, output, _) = try await runKiosk(["--script", "KioskScripts/company-opening.kiosk"], db: db)
        #expect(status == 0)
        #expect(output.hasSuffix("KioskScripts/company-opening.kiosk: 90 steps passed\n"))
        try "type 1\nexpect 新生儿出生\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let failed = try await runKiosk(["--script", bad], db: db)
        #expect(failed.0 == 1)
        #expect(failed.2.hasPrefix("\(bad):2: error: the screen does not show '新生儿出生'\n--- screen ---\n"))
    }

    @Test("a script runs on the day it says (today …) when run by hand on another day (issue 16.14)")
    func scriptDay() async throws {
        let db = NSTemporaryDirectory() + "onego-kiosk-day-\(UUID().uuidString).db"
        defer {
            for suffix in ["", "-wal", "-shm", ".audit-key"] {
                try? FileManager.default.removeItem(atPath: db + suffix)
            }
        }
        let (status, output, errors) = try await runKiosk(
            ["--script", "KioskScripts/newborn.kiosk"], db: db, testToday: nil)
        #expect(status == 0, "\(output)\(errors)")
        // The script expects case numbers and deadlines of 2026-11-23: it passes only on that day.
        #expect(output.hasSuffix(" steps passed\n"), "\(output)")
    }

    @Test("a kiosk on a pipe reads lines and ends cleanly at end of input; the case reaches the window")
    func pipe() async throws {
        let db = NSTemporaryDirectory() + "onego-kiosk-pipe-\(UUID().uuidString).db"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) } }
        let script = try String(contentsOfFile: "KioskScripts/newborn.kiosk", encoding: .utf8)
        // `bundle ID` is the bundle's number on the home screen: its place in the profile's list.
        let profile = try String(contentsOfFile: "Bundles/kiosk/default-profile.json", encoding: .utf8)
        let offered = profile.components(separatedBy: "\"bundles\": [")[1].components(separatedBy: "]")[0]
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines.union(["\""])) }
        let lines = script.split(separator: "\n").compactMap { line -> String? in
            if line.hasPrefix("type ") { return String(line.dropFirst(5)) }
            if line.hasPrefix("bundle ") {
                return offered.firstIndex(of: String(line.dropFirst(7))).map { String($0 + 1) }
            }
            return line == "enter" ? "" : nil
        }
        let (status, output, _) = try await runKiosk([], input: lines.joined(separator: "\n") + "\n", db: db)
        #expect(status == 0)
        #expect(output.contains("案件编号：OG20261123-000001"))
        let list = try await runOneGo(
            ["case", "list"], environment: ["ONEGO_DB": db, "ONEGO_TEST_TODAY": "2026-11-23"])
        #expect(list.stdout.contains("OG20261123-000001  in-progress  newborn  王芳 440524********0014"))
    }
}

@Suite("Stored values on staff terminals")
struct TerminalEscapingTests {
    @Test("a stored value with terminal control sequences is shown escaped, never acted on")
    func controlSequencesEscaped() async throws {
        let db = NSTemporaryDirectory() + "onego-escape-\(UUID().uuidString).db"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) } }
        let environment = ["ONEGO_DB": db, "ONEGO_TEST_TODAY": "2026-11-23"]
        _ = try await runOneGo(
            ["window", "submit", "--create", "--application", "docs/examples/company-opening-application.json"],
            environment: environment)
        // As an older version or another writer might have left it: refused at input today.
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sqlite.arguments = [
            "python3", "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
                + "c.execute(\"UPDATE cases SET applicant_name = '张三' || char(27) || '[2J' || char(27) || ']0;pwned' || char(7)\"); "
                + "c.commit()",
            db,
        ]
        #expect(try await exitStatus(of: sqlite) == 0)
        let shown = try await runOneGo(["case", "show", "OG20261123-000001"], environment: environment)
        #expect(shown.status == 0)
        #expect(!shown.stdout.contains("\u{1B}") && !shown.stdout.contains("\u{07}"))
        #expect(shown.stdout.contains("applicant 张三\\u{1B}[2J\\u{1B}]0;pwned\\u{7} 110105********002X"))
        let listed = try await runOneGo(["case", "list"], environment: environment)
        #expect(!listed.stdout.contains("\u{1B}"))
    }
}

@Suite("A new database opened by many processes at once", .serialized)
struct ConcurrentFirstUseTests {
    @Test("20 processes submitting first to a new database: migrations run once, every case is stored")
    func concurrentFirstSubmissions() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let directory = NSTemporaryDirectory() + "onego-race-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let db = directory + "/onego.db"
        let example = try String(
            contentsOf: root.appendingPathComponent("docs/examples/company-opening-application.json"), encoding: .utf8)
        try FileManager.default.copyItem(
            atPath: root.appendingPathComponent("docs/examples/lease-contract.pdf").path,
            toPath: directory + "/lease-contract.pdf")
        var processes: [(Process, Pipe)] = []
        for index in 0..<20 {
            let file = directory + "/application-\(index).json"
            try example.replacingOccurrences(of: "window-023-20261123-0001", with: "race-\(index)")
                .write(toFile: file, atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = root.appendingPathComponent(".build/debug/onego")
            process.arguments = ["window", "submit", "--create", "--application", file, "--db", db]
            process.currentDirectoryURL = root
            process.environment = ProcessInfo.processInfo.environment.merging(["ONEGO_TEST_TODAY": "2026-11-23"]) {
                _, new in new
            }
            let errors = Pipe()
            process.standardOutput = FileHandle.nullDevice
            process.standardError = errors
            processes.append((process, errors))
        }
        let started = processes
        let failures = try await offload {
            for (process, _) in started { try process.run() }
            var failures: [String] = []
            for (process, errors) in started {
                let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                if process.terminationStatus != 0 { failures.append(text) }
            }
            return failures
        }
        #expect(failures == [])
        let list = try await runOneGo(["case", "list", "--limit", "50"], environment: ["ONEGO_DB": db])
        #expect(list.stdout.split(separator: "\n").count == 20)
    }
}

@Suite("An auditor's read-only copy")
struct ReadOnlyCopyTests {
    @Test("verify and the read-only commands work on a read-only copy and write nothing beside it")
    func readOnlyCopy() async throws {
        let directory = NSTemporaryDirectory() + "onego-audit-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let db = directory + "/live.db"
        let environment = ["ONEGO_TEST_TODAY": "2026-11-23"]
        _ = try await runOneGo(
            [
                "window", "submit", "--create", "--db", db, "--application",
                "docs/examples/company-opening-application.json",
            ], environment: environment)
        // The auditor's copy: the live file checkpointed and copied alone.
        let copy = directory + "/copy/onego.db"
        try FileManager.default.createDirectory(atPath: directory + "/copy", withIntermediateDirectories: true)
        _ = try await runOneGo(["case", "list", "--db", db], environment: environment)
        try FileManager.default.copyItem(atPath: db, toPath: copy)
        let before = try Data(contentsOf: URL(fileURLWithPath: copy))
        // Without the key the keyed chain cannot be vouched for; the auditor is given it.
        let keyless = try await runOneGo(["audit", "verify", "--read-only", "--db", copy], environment: environment)
        #expect(keyless.status == 1)
        #expect(
            keyless.stdout
                == "audit chain not verified: events from 1 on are keyed; give the audit key (ONEGO_AUDIT_KEY_FILE)\n")
        let verify = try await runOneGo(
            ["audit", "verify", "--read-only", "--db", copy, "--audit-key", db + ".audit-key"], environment: environment
        )
        #expect(verify.stdout == "audit chain intact: 1 event\n", "\(verify.stderr)")
        let show = try await runOneGo(
            ["case", "show", "OG20261123-000001", "--read-only", "--db", copy], environment: environment)
        #expect(show.status == 0)
        let change = try await runOneGo(
            ["case", "withdraw", "OG20261123-000001", "--reason", "x", "--read-only", "--db", copy],
            environment: environment)
        #expect(change.status == 1)
        #expect(
            change.stderr == "error: the database is read-only here; use a writable copy or ask the administrator\n")
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory + "/copy") == ["onego.db"])
    }

    @Test("a file that fails its quick check is reported as damaged, never as intact")
    func damagedFile() async throws {
        let directory = NSTemporaryDirectory() + "onego-damaged-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let db = directory + "/onego.db"
        let environment = ["ONEGO_TEST_TODAY": "2026-11-23", "ONEGO_DB": db]
        _ = try await runOneGo(
            ["window", "submit", "--create", "--application", "docs/examples/company-opening-application.json"],
            environment: environment)
        _ = try await runOneGo(["case", "list"], environment: environment)  // checkpoints the WAL on close
        // Overwrite the header and the middle of every page after the first two with garbage.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: db))
        let size = try handle.seekToEnd()
        var page: UInt64 = 8192
        while page + 4096 <= size {
            for offset in [page, page + 2048] {
                try handle.seek(toOffset: offset)
                handle.write(Data(repeating: 0xA5, count: 64))
            }
            page += 4096
        }
        try handle.close()
        let verify = try await runOneGo(["audit", "verify"], environment: environment)
        #expect(verify.status == 1)
        #expect(!verify.stdout.contains("intact"))
        #expect(
            verify.stdout.hasPrefix("database damaged, audit chain not verified: ")
                || verify.stderr.hasPrefix("error: the database file is damaged"), "\(verify.stdout)\(verify.stderr)")
    }
}

@Suite("A keyed audit chain and its checkpoints")
struct KeyedAuditTests {
    /// A database with one case, its key and checkpoint file beside it; returns the paths.
    func live() async throws -> (directory: String, db: String, environment: [String: String]) {
        let directory = NSTemporaryDirectory() + "onego-keyed-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let db = directory + "/onego.db"
        let environment = ["ONEGO_TEST_TODAY": "2026-11-23", "ONEGO_DB": db]
        let submitted = try await runOneGo(
            ["window", "submit", "--create", "--application", "docs/examples/company-opening-application.json"],
            environment: environment)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        return (directory, db, environment)
    }

    func sql(_ db: String, _ statement: String) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()", db,
            statement,
        ]
        _ = try await exitStatus(of: process)
    }

    @Test("the key file is created on first use with owner-only rights, and keying is recorded outside the database")
    func keyCreated() async throws {
        let (directory, db, _) = try await live()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let rights = try FileManager.default.attributesOfItem(atPath: db + ".audit-key")[.posixPermissions] as? Int
        #expect(rights == 0o600)
        #expect(try String(contentsOfFile: db + ".audit-checkpoints", encoding: .utf8) == "keyed-from 1\n")
    }

    @Test("commands that only read never create the audit key: an audit does not start keying behind the writers")
    func readersCreateNoKey() async throws {
        let (directory, db, environment) = try await live()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for file in [db + ".audit-key", db + ".audit-checkpoints"] { try FileManager.default.removeItem(atPath: file) }
        for command in [["audit", "verify"], ["audit", "sign-ins"]] {
            let result = try await runOneGo(command, environment: environment)
            #expect(result.status != 139, "\(command)")
            #expect(!FileManager.default.fileExists(atPath: db + ".audit-key"), "\(command) created the key")
            #expect(!FileManager.default.fileExists(atPath: db + ".audit-checkpoints"), "\(command)")
        }
    }

    @Test("a chain rewritten with plain SHA-256, without the key, is caught")
    func rewrittenWithoutKey() async throws {
        let (directory, db, environment) = try await live()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Whoever edits the database recomputes the chain the way the first versions did.
        try await sql(
            db,
            "UPDATE events SET keyed = 0, hash = '" + String(repeating: "0", count: 64)
                + "'; UPDATE events SET detail = detail")
        let script = """
            import sqlite3,hashlib,sys
            c=sqlite3.connect(sys.argv[1]); prev='0'*64
            for r in c.execute('select seq,at,actor,role,action,case_number,subcase_id,before,after,detail from events order by seq').fetchall():
                seq=r[0]; msg=(prev+'\\n'+r[1]+'\\x1f'+'\\x1f'.join(r[2:])).encode(); h=hashlib.sha256(msg).hexdigest()
                c.execute('update events set prev_hash=?, hash=? where seq=?',(prev,h,seq)); prev=h
            c.commit()
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, db]
        _ = try await exitStatus(of: process)
        let verify = try await runOneGo(["audit", "verify"], environment: environment)
        #expect(verify.status == 1)
        #expect(
            verify.stdout == "audit chain broken: event 1 is not keyed: the chain was rewritten without the audit key\n"
        )
    }

    @Test("deleting the newest events is caught against a checkpoint")
    func truncatedAfterCheckpoint() async throws {
        let (directory, db, environment) = try await live()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try await runOneGo(
            ["dept", "accept", "OG20261123-000001-01", "--dept", "market-regulation"], environment: environment)
        let checkpoint = try await runOneGo(["audit", "checkpoint"], environment: environment)
        #expect(checkpoint.stdout.hasPrefix("checkpoint 2 "))
        try await sql(
            db, "DELETE FROM events WHERE seq = 2; UPDATE subcases SET state = 'dispatched' WHERE id LIKE '%-01'")
        let verify = try await runOneGo(["audit", "verify"], environment: environment)
        #expect(verify.status == 1)
        #expect(
            verify.stdout
                == "audit chain broken: it ends at event 1, but a checkpoint recorded event 2: the newest events were deleted\n"
        )
    }
}
