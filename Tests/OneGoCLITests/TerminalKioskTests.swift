import Foundation
import Glibc
import PostgresTesting
import Testing

/// Drives the real `onego-kiosk` binary in a real terminal through tmux.
@Suite("onego-kiosk in a real terminal (tmux)", .serialized)
struct TerminalKioskTests {
    /// A socket of this run's own, so no other tmux server answers.
    let socket = "onego-test-\(UUID().uuidString.prefix(8))"
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs a tmux command through the shell and returns its output. (Foundation's `Process` does
    /// not return here when the tmux client forks a server.)
    @discardableResult
    func tmux(_ arguments: String...) throws -> String {
        let file = NSTemporaryDirectory() + "onego-tmux-out-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let quoted = arguments.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        _ = system("tmux -L \(socket) " + quoted.joined(separator: " ") + " > '\(file)' 2>/dev/null < /dev/null")
        return (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
    }

    /// The screen once it shows `text` (and no longer shows `absent`), within `timeout` seconds;
    /// what it showed instead goes to `missed`. It blocks: the walk runs on a thread of its own
    /// (``offload``), so that its keys and waits keep their timing however busy the cooperative
    /// pool is with the rest of the suite, and the pool is not held by its waits.
    func waitFor(
        _ text: String, absent: String? = nil, timeout: Double = 5, missed: inout [String]
    ) throws -> String {
        var screen = ""
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            screen = try tmux("capture-pane", "-p", "-t", "kiosk")
            if screen.contains(text) && !(absent.map(screen.contains) ?? false) { return screen }
            usleep(100_000)
        }
        missed.append("the terminal never showed '\(text)'; it showed:\n\(screen)")
        return screen
    }

    /// What the walk saw: the screens the test looks at, and every wait that was not met.
    struct Walk: Sendable {
        var home = "", typing = "", dismissed = "", narrow = "", countdown = "", wiped = "", history = ""
        var killed: Int32 = -1
        var pane = ""
        var missed: [String] = []
    }

    /// A citizen at the kiosk, key by key (the profile warns after 4 s idle and wipes after 8 s).
    func walk() throws -> Walk {
        var walk = Walk()
        // Starting a debug build while the rest of the suite starts too can take a while.
        walk.home = try waitFor("请选择要办理的事项", timeout: 30, missed: &walk.missed)
        try tmux("send-keys", "-t", "kiosk", "1", "Enter")
        try tmux("send-keys", "-t", "kiosk", "1", "Enter")
        _ = try waitFor("请输入您的姓名", missed: &walk.missed)
        try tmux("send-keys", "-t", "kiosk", "张三", "Enter")
        _ = try waitFor("请输入您的 18 位身份证号", missed: &walk.missed)
        try tmux("send-keys", "-t", "kiosk", "C-c")
        try tmux("send-keys", "-t", "kiosk", "Up")
        // One digit every 2.5 s for 10 s: longer than the 8 s timeout, but every key resets the timer.
        for (index, digit) in ["1", "1", "0", "1"].enumerated() {
            if index > 0 { usleep(2_500_000) }
            try tmux("send-keys", "-t", "kiosk", digit)
        }
        walk.typing = try waitFor("> 1101", missed: &walk.missed)
        // During the countdown the first key only dismisses it; it does not go into the input.
        _ = try waitFor("秒后将清除您的信息并返回首页", timeout: 10, missed: &walk.missed)
        try tmux("send-keys", "-t", "kiosk", "9")
        walk.dismissed = try waitFor("> 1101", absent: "秒后将清除您的信息", missed: &walk.missed)

        try tmux("resize-window", "-t", "kiosk", "-x", "60", "-y", "20")
        walk.narrow = try waitFor("┌" + String(repeating: "─", count: 58) + "┐", missed: &walk.missed)
        walk.countdown = try waitFor("秒后将清除您的信息并返回首页", timeout: 10, missed: &walk.missed)
        walk.wiped = try waitFor("请选择要办理的事项", timeout: 10, missed: &walk.missed)
        walk.history = try tmux("capture-pane", "-p", "-S", "-1000", "-t", "kiosk")

        let pid = try tmux("list-panes", "-t", "kiosk", "-F", "#{pane_pid}").trimmingCharacters(
            in: .whitespacesAndNewlines)
        walk.killed = system("pkill -TERM -P \(pid) -f onego-kiosk")
        walk.pane = try tmux("capture-pane", "-p", "-t", "kiosk")
        return walk
    }

    @Test("a citizen types; every key resets the idle timer; idle wipes without scrollback; terminal restored")
    func terminal() async throws {
        let db = NSTemporaryDirectory() + "onego-tmux-\(UUID().uuidString).db"
        let profile = NSTemporaryDirectory() + "onego-tmux-profile-\(UUID().uuidString).json"
        let stty = NSTemporaryDirectory() + "onego-tmux-stty-\(UUID().uuidString).txt"
        try """
        { "id": "kiosk-test", "location": "测试", "bundles": ["company-opening", "newborn"],
          "idleWarning": 4, "idleTimeout": 8 }
        """.write(toFile: profile, atomically: true, encoding: .utf8)
        defer {
            _ = try? tmux("kill-server")
            for path in [profile, stty, db, db + "-wal", db + "-shm"] {
                try? FileManager.default.removeItem(atPath: path)
            }
        }
        let command =
            "cd '\(root.path)' && ONEGO_DB='\(db)' ONEGO_TEST_TODAY=2026-11-23 .build/debug/onego-kiosk --profile '\(profile)';"
            + " stty -a > '\(stty)'; sleep 30"
        try tmux("new-session", "-d", "-s", "kiosk", "-x", "80", "-y", "24", command)
        let terminal = self
        let walk = try await offload { try terminal.walk() }
        for missed in walk.missed { Issue.record(Comment(rawValue: missed)) }
        #expect(walk.home.contains("│  1 企业开办"))
        #expect(walk.home.split(separator: "\n").first?.hasPrefix("┌───") ?? false)
        #expect(walk.typing.contains("请输入您的 18 位身份证号"))
        #expect(!walk.typing.contains("秒后将清除您的信息"))
        #expect(!walk.dismissed.contains("秒后将清除您的信息"))
        #expect(walk.dismissed.contains("> 1101") && !walk.dismissed.contains("> 11019"))
        #expect(!walk.narrow.contains(String(repeating: "─", count: 70)))
        #expect(walk.countdown.contains("请输入您的 18 位身份证号"))
        #expect(!walk.wiped.contains("张三"))
        #expect(!walk.wiped.contains("1101"))
        // Nothing of the citizen in the terminal's history either (the kiosk runs in the alternate
        // screen, and the wipe clears the scrollback).
        #expect(!walk.history.contains("张三") && !walk.history.contains("1101"), "\(walk.history)")
        #expect(walk.killed == 0, "pkill found no kiosk in the pane:\n\(walk.pane)")
        var settings = ""
        for _ in 0..<50 where settings.isEmpty {
            try await Task.sleep(for: .milliseconds(100))
            settings = (try? String(contentsOfFile: stty, encoding: .utf8)) ?? ""
        }
        if settings.isEmpty {
            let pane = try tmux("capture-pane", "-p", "-t", "kiosk")
            Issue.record("no stty output; the pane shows:\n\(pane)")
        }
        #expect(settings.contains(" icanon"))
        #expect(!settings.contains("-icanon"))
        #expect(settings.contains(" echo "))
    }
}
