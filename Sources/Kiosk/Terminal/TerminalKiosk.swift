@preconcurrency import Glibc

/// Runs a kiosk session on a real terminal: non-canonical input with a small line editor, a
/// one-second tick for the idle countdown, redraw on resize, and the terminal restored on exit.
///
/// Ctrl-C and Ctrl-Z reach the kiosk as keys and are ignored (kiosk mode); escape sequences
/// (arrow keys, pasted control codes) are dropped; invalid UTF-8 is dropped. The kiosk runs in the
/// terminal's alternate screen, so no screen of a session reaches the scrollback; when the session
/// is wiped, and at exit, the screen and scrollback are cleared and half-typed input is flushed.
/// Every key resets the idle timer; during the countdown the first key only dismisses it.
public final class TerminalKiosk {
    private let session: KioskSession
    private let input: Int32 = 0
    private let output: Int32 = 1
    private var saved = termios()
    private var buffer: [UInt8] = []
    private var pending: [UInt8] = []
    private var lastSize = (columns: 0, rows: 0)
    private let color: Bool
    private let onPrint: (String) -> Void
    private var printedCount = 0

    /// Creates a terminal kiosk; `onPrint` receives each printed receipt or list.
    public init(session: KioskSession, color: Bool, onPrint: @escaping (String) -> Void) {
        self.session = session
        self.color = color
        self.onPrint = onPrint
        session.onRedraw = { [weak self] in self?.draw() }
    }

    /// Whether standard input and output are a terminal.
    public static var isInteractive: Bool { isatty(0) == 1 && isatty(1) == 1 }

    /// Runs until input ends (the terminal closes); restores the terminal whatever happens.
    public func run() async {
        tcgetattr(input, &saved)
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG | IEXTEN)
        raw.c_iflag &= ~tcflag_t(IXON | ICRNL)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        tcsetattr(input, TCSAFLUSH, &raw)
        terminalToRestore = saved
        // A parent may start the kiosk with these signals blocked; a kiosk must still restore the
        // terminal when it is stopped.
        var handled = sigset_t()
        sigemptyset(&handled)
        for number in [SIGTERM, SIGHUP, SIGQUIT] {
            sigaddset(&handled, number)
            signal(number, restoreTerminalAndExit)
        }
        sigprocmask(SIG_UNBLOCK, &handled, nil)
        write(Self.enterAlternateScreen)
        defer { restore() }
        await session.checkConnection()
        draw()
        var idleMilliseconds = 0
        var secondsSinceCheck = 0
        while true {
            var descriptor = pollfd(fd: input, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 250)
            if ready == 0 {
                idleMilliseconds += 250
                if idleMilliseconds >= 1000 {
                    idleMilliseconds -= 1000
                    let before = session.screen
                    session.idle(seconds: 1)
                    if isWiped(before) { wipeTerminal() }
                    // On the home screen, whether the engine can be reached is checked every 10 s:
                    // offline, no bundles are offered.
                    secondsSinceCheck += 1
                    if session.isFresh && secondsSinceCheck >= 10 {
                        secondsSinceCheck = 0
                        await session.checkConnection()
                    }
                    draw()
                } else if sizeChanged() {
                    draw()
                }
                continue
            }
            if ready < 0 { continue }
            var bytes = [UInt8](repeating: 0, count: 256)
            let count = read(input, &bytes, 256)
            if count <= 0 { return }
            idleMilliseconds = 0
            let before = session.screen
            // A key during the countdown only dismisses it (it does not go into the input).
            if session.keyPressed() {
                for byte in bytes.prefix(count) { await handle(byte) }
            }
            if isWiped(before) { wipeTerminal() }
            if session.isFresh { await session.checkConnection() }
            deliverPrints()
            draw()
        }
    }

    // MARK: - Keys

    private var inEscape = 0

    private func handle(_ byte: UInt8) async {
        if inEscape > 0 {
            // Drop CSI and other escape sequences up to their final byte.
            if inEscape == 1 { inEscape = (byte == UInt8(ascii: "[") || byte == UInt8(ascii: "O")) ? 2 : 0; return }
            if (0x40...0x7E).contains(byte) { inEscape = 0 }
            return
        }
        switch byte {
        case 0x1B:
            inEscape = 1
        case 0x0D, 0x0A:
            let line = String(decoding: buffer, as: UTF8.self)
            buffer = []
            pending = []
            await session.enter(line)
        case 0x7F, 0x08:
            removeLastCharacter()
        case 0x03, 0x1A, 0x04, 0x1C:
            break  // Ctrl-C, Ctrl-Z, Ctrl-D, Ctrl-\ are ignored in kiosk mode
        case 0x00..<0x20:
            break
        default:
            appendUTF8(byte)
        }
    }

    /// Adds a byte, keeping only complete and valid UTF-8 sequences.
    private func appendUTF8(_ byte: UInt8) {
        guard buffer.count < 400 else { return }
        if byte < 0x80 {
            pending = []
            buffer.append(byte)
            return
        }
        if byte & 0xC0 == 0x80 {
            guard !pending.isEmpty else { return }
            pending.append(byte)
        } else {
            pending = [byte]
        }
        let expected = pending[0] >= 0xF0 ? 4 : pending[0] >= 0xE0 ? 3 : 2
        if pending.count == expected {
            if String(validating: pending, as: UTF8.self) != nil { buffer += pending }
            pending = []
        }
    }

    private func removeLastCharacter() {
        var text = String(decoding: buffer, as: UTF8.self)
        if !text.isEmpty { text.removeLast() }
        buffer = Array(text.utf8)
    }

    // MARK: - Screen

    private func isWiped(_ before: [String]) -> Bool {
        session.isFresh && before != session.screen
    }

    private func wipeTerminal() {
        buffer = []
        pending = []
        tcflush(input, TCIFLUSH)
        write("\u{1B}[3J\u{1B}[H\u{1B}[2J")
    }

    private func sizeChanged() -> Bool {
        let size = terminalSize()
        if size != lastSize {
            lastSize = size
            return true
        }
        return false
    }

    private func terminalSize() -> (columns: Int, rows: Int) {
        var size = winsize()
        if ioctl(output, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
            return (Int(size.ws_col), Int(size.ws_row))
        }
        return (80, 24)
    }

    private func draw() {
        lastSize = terminalSize()
        // The session pages a screen taller than the terminal (a resize starts again at page 1).
        if session.viewport.map({ $0.columns != lastSize.columns || $0.rows != lastSize.rows }) ?? true {
            session.viewport = lastSize
        }
        let layout = ScreenLayout(columns: lastSize.columns, rows: lastSize.rows, color: color)
        let lines = layout.render(session.screen, input: String(decoding: buffer, as: UTF8.self))
        write("\u{1B}[H\u{1B}[2J" + lines.joined(separator: "\r\n"))
    }

    private func deliverPrints() {
        while session.printed.count > printedCount {
            onPrint(session.printed[printedCount])
            printedCount += 1
        }
    }

    private func restore() {
        write(Self.leaveAlternateScreen)
        tcsetattr(input, TCSAFLUSH, &saved)
    }

    /// Switches to the alternate screen and clears it.
    static let enterAlternateScreen = "\u{1B}[?1049h\u{1B}[H\u{1B}[2J"
    /// Clears the alternate screen, goes back to the normal one and clears its scrollback.
    static let leaveAlternateScreen = "\u{1B}[H\u{1B}[2J\u{1B}[?1049l\u{1B}[3J"

    private func write(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                Glibc.write(output, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            }
            if written <= 0 { return }
            offset += written
        }
    }
}

/// The terminal settings to put back when a signal ends the kiosk. A signal handler cannot capture
/// context, so this one value is global; it is written once, before the handlers are installed.
nonisolated(unsafe) private var terminalToRestore = termios()

private func restoreTerminalAndExit(_ signal: Int32) {
    // Only async-signal-safe calls: write(2) and tcsetattr(3).
    "\u{1B}[H\u{1B}[2J\u{1B}[?1049l\u{1B}[3J".withCString { _ = Glibc.write(1, $0, strlen($0)) }
    tcsetattr(0, TCSAFLUSH, &terminalToRestore)
    _exit(128 + signal)
}
