import CaseEngine
import CaseStoreSQLite
import Foundation
import PostgresTesting
import Testing

@Suite("Crash safety", .serialized)
struct CrashTests {
    @Test("SIGKILL at random points during 1,000 submissions loses and duplicates nothing")
    func killDuringSubmissions() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let binary = root.appendingPathComponent(".build/debug/onego-bench").path
        let db = NSTemporaryDirectory() + "onego-crash-\(UUID().uuidString).db"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) } }
        var random = SystemRandomNumberGenerator()
        let recordedSeed = UInt64.random(in: 1...UInt64.max, using: &random)
        // On a thread of its own: the runs take a while, and the cooperative pool is shared.
        let (caseOfKey, kills, conflicts) = try await offload {
            try Self.submitWhileKilling(
                binary: binary, db: db, bundles: root.appendingPathComponent("Bundles").path, seed: recordedSeed)
        }
        #expect(conflicts == [], "seed \(recordedSeed)")
        #expect(kills > 0, "the process was never killed")
        #expect(caseOfKey.count == 1000)
        #expect(Set(caseOfKey.values).count == 1000, "seed \(recordedSeed): a case was acknowledged for two keys")
        let store = try SQLiteCaseStore(path: db)
        let report = try store.consistencyReport()
        #expect(report.cases == 1000, "seed \(recordedSeed): duplicated or lost cases")
        #expect(report.partial == 0, "seed \(recordedSeed): a case has a partial set of sub-cases")
        #expect(try store.integrityCheck() == "ok")
    }

    /// Runs `onego-bench submissions` until it finishes, killing it at random moments (25 times
    /// at most): the case acknowledged for each key, the kills, and any key acknowledged as two cases.
    static func submitWhileKilling(
        binary: String, db: String, bundles: String, seed start: UInt64
    ) throws -> (caseOfKey: [String: String], kills: Int, conflicts: [String]) {
        var seed = start
        var caseOfKey: [String: String] = [:]
        var conflicts: [String] = []
        var kills = 0
        var finished = false
        while !finished {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["submissions", "--count", "1000", "--db", db, "--bundles", bundles]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            if kills < 25 {
                seed ^= seed << 13
                seed ^= seed >> 7
                seed ^= seed << 17
                usleep(UInt32(20_000 + seed % 300_000))
                if process.isRunning {
                    kill(process.processIdentifier, SIGKILL)
                    kills += 1
                }
            }
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            for line in output.split(separator: "\n") {
                let parts = line.split(separator: " ")
                guard parts.count == 3, parts[0] == "ack" else { continue }
                let key = String(parts[1])
                let number = String(parts[2])
                if let earlier = caseOfKey[key], earlier != number {
                    conflicts.append("key \(key) acknowledged as \(earlier) and \(number)")
                }
                caseOfKey[key] = number
            }
            finished = process.terminationReason == .exit && process.terminationStatus == 0
        }
        return (caseOfKey, kills, conflicts)
    }
}
