import BundleKit
import Foundation
import JSONC
import WorkCalendar

/// What a second-generation ID card (二代证) reader reads: the holder's name, sex, ethnicity,
/// birth date, address and ID number, the issuing authority and the validity.
///
/// A reader hands the kiosk one JSON record per card placed (docs/kiosk.md):
/// `{"name": "张三", "idNumber": "11010519491231002X", "validUntil": "2035-01-01", …}`;
/// `validUntil` is a date or `长期` (long-term).
public struct IDCard: Sendable, Equatable {
    public var name: String
    public var idNumber: String
    public var sex: String
    public var ethnicity: String
    public var birthDate: String
    public var address: String
    public var authority: String
    public var validFrom: String
    /// The last valid day, or nil for a long-term card (长期).
    public var validUntil: CalendarDate?

    /// Reads a card record; nil when it is not one (no name or ID number, or a validity that is
    /// neither a date nor 长期).
    public init?(json text: String) {
        guard let document = try? JSONDocument(parsing: text, path: "card"),
            let members = document.root.value.members
        else { return nil }
        func value(_ key: String) -> String {
            members.first { $0.key == key }?.node.value.stringValue?.trimmingCharacters(in: .whitespaces) ?? ""
        }
        name = value("name")
        idNumber = value("idNumber").uppercased()
        sex = value("sex")
        ethnicity = value("ethnicity")
        birthDate = value("birthDate")
        address = value("address")
        authority = value("authority")
        validFrom = value("validFrom")
        let until = value("validUntil")
        guard !name.isEmpty, !idNumber.isEmpty else { return nil }
        if until == "长期" || until.lowercased() == "long-term" {
            validUntil = nil
        } else if let date = CalendarDate(until) {
            validUntil = date
        } else {
            return nil
        }
    }

    /// Whether the card has expired by `today`.
    public func isExpired(on today: CalendarDate) -> Bool {
        validUntil.map { $0 < today } ?? false
    }
}

/// A reader that drops one JSON file per card placed in a directory; each file is used once.
public final class CardDirectory {
    let directory: DropDirectory

    /// Creates a reader on a directory.
    public init(path: String) {
        directory = DropDirectory(path: path, suffix: ".json")
    }

    /// The newest card not used yet.
    public func next() -> IDCard? {
        guard let newest = directory.takeNewest(),
            let data = FileManager.default.contents(
                atPath: (directory.path as NSString).appendingPathComponent(newest)),
            data.count <= 64 * 1024
        else { return nil }
        return IDCard(json: String(decoding: data, as: UTF8.self))
    }
}

/// A reader program that prints one JSON record per card placed, one per line; read in the
/// background, taken in order.
public final class CardCommand: @unchecked Sendable {
    private let process = Process()
    private let lock = NSLock()
    private var cards: [IDCard] = []

    /// Starts the program (`/usr/local/bin/idcard-reader --json`, run through `/bin/sh -c`).
    public init(command: String) throws {
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let handle = output.fileHandleForReading
        Thread.detachNewThread { [weak self] in
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { return }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    if let card = IDCard(json: line) { self?.append(card) }
                }
            }
        }
    }

    deinit { if process.isRunning { process.terminate() } }

    private func append(_ card: IDCard) {
        lock.withLock { cards.append(card) }
    }

    /// The next card read, if any.
    public func next() -> IDCard? {
        lock.withLock { cards.isEmpty ? nil : cards.removeFirst() }
    }
}
