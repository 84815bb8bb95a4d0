import Foundation
import Glibc
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

    func waitFor(_ text: String, timeout: Double = 5) throws -> String {
        var screen = ""
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            screen = try tmux("capture-pane", "-p", "-t", "kiosk")
            if screen.contains(text) { return screen }
            usleep(100_000)
        }
        Issue.record("the terminal never showed '\(text)'; it showed:\n\(screen)")
        return screen
    }

    @Test("a citizen types; every key resets the idle timer; idle wipes without scrollback; terminal restored")
    func terminal() async throws {
        let db = NSTemporaryDirectory() + "onego-tmux-\(UUID().uuidString).db"
        let profile = NSTemporaryDirectory() + "onego-tmux-profile-\(UUID().uuidString).json"
        let stty = NSTemporaryDirectory() + "onego-tmux-stty-\(UUID().uuidString).txt"
        try """
        { "id": "kiosk-test", "location": "测试", "bundles": ["company-opening", "newborn"],
          "idleWarning": 2, "idleTimeout": 4 }
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
        let home = try waitFor("请选择要办理的事项")
        #expect(home.contains("│  1 企业开办"))
        #expect(home.split(separator: "\n").first?.hasPrefix("┌───") ?? false)

        try tmux("send-keys", "-t", "kiosk", "1", "Enter")
        try tmux("send-keys", "-t", "kiosk", "1", "Enter")
        _ = try waitFor("请输入您的姓名")
        try tmux("send-keys", "-t", "kiosk", "张三", "Enter")
        _ = try waitFor("请输入您的 18 位身份证号")
        try tmux("send-keys", "-t", "kiosk", "C-c")
        try tmux("send-keys", "-t", "kiosk", "Up")
        // One digit every 1.5 s for 6 s: longer than the 4 s timeout, but every key resets the timer.
        for digit in ["1", "1", "0", "1"] {
            try tmux("send-keys", "-t", "kiosk", digit)
            usleep(1_500_000)
        }
        let typing = try waitFor("> 1101")
        #expect(typing.contains("请输入您的 18 位身份证号"))
        #expect(!typing.contains("秒后将清除您的信息"))
        // During the countdown the first key only dismisses it; it does not go into the input.
        _ = try waitFor("秒后将清除您的信息并返回首页")
        try tmux("send-keys", "-t", "kiosk", "9")
        usleep(500_000)
        let dismissed = try tmux("capture-pane", "-p", "-t", "kiosk")
        #expect(!dismissed.contains("秒后将清除您的信息"))
        #expect(dismissed.contains("> 1101") && !dismissed.contains("> 11019"))

        try tmux("resize-window", "-t", "kiosk", "-x", "60", "-y", "20")
        let narrow = try waitFor("┌" + String(repeating: "─", count: 58) + "┐")
        #expect(!narrow.contains(String(repeating: "─", count: 70)))

        let countdown = try waitFor("秒后将清除您的信息并返回首页")
        #expect(countdown.contains("请输入您的 18 位身份证号"))
        let wiped = try waitFor("请选择要办理的事项", timeout: 8)
        #expect(!wiped.contains("张三"))
        #expect(!wiped.contains("1101"))
        // Nothing of the citizen in the terminal's history either (the kiosk runs in the alternate
        // screen, and the wipe clears the scrollback).
        let history = try tmux("capture-pane", "-p", "-S", "-1000", "-t", "kiosk")
        #expect(!history.contains("张三") && !history.contains("1101"), "\(history)")

        let pid = try tmux("list-panes", "-t", "kiosk", "-F", "#{pane_pid}").trimmingCharacters(
            in: .whitespacesAndNewlines)
        let killed = system("pkill -TERM -P \(pid) -f onego-kiosk")
        #expect(killed == 0, "pkill found no kiosk under pane \(pid)")
        var settings = ""
        for _ in 0..<50 where settings.isEmpty {
            usleep(100_000)
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
