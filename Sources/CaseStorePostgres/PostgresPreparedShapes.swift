import Logging
import PostgresNIO
import Synchronization

/// The statements this process sends again and again, prepared once per connection so the server
/// parses and plans them once instead of every time.
///
/// The store builds its SQL per transition, but a given kind of step builds the same text each time
/// (an accept on a remembered sub-case, a submission of a known plan): only the bound values differ.
/// The second time a text with bound values is seen it takes one of ``capacity`` slots for the
/// life of the process, and from then on it runs as the named prepared statement of its slot
/// (postgres-nio prepares it on each connection the first time it runs there, with the parameter
/// types of the values it runs with: so no batch binds a NULL, which it would send untyped; see
/// ``WriteBatch/value(_:)``). A text never changes its slot, so a name always means one statement;
/// texts that come once, or after the slots are full, run unnamed as before.
enum PreparedShapes {
    static let capacity = 16

    /// Which texts hold which slots, and how often the others were seen.
    struct Registry {
        let capacity: Int
        private(set) var slots: [String] = []
        private var slotOfText: [String: Int] = [:]
        private var seen: [String: Int] = [:]

        init(capacity: Int) { self.capacity = capacity }

        /// The slot of `text`, which takes one the second time it is seen if a slot is free.
        mutating func slot(for text: String) -> Int? {
            if let slot = slotOfText[text] { return slot }
            guard slots.count < capacity else { return nil }
            let times = seen[text, default: 0] + 1
            guard times >= 2 else {
                // A bounded count of texts seen once: past 256 it starts again.
                if seen.count >= 256 { seen.removeAll() }
                seen[text] = times
                return nil
            }
            seen[text] = nil
            slots.append(text)
            slotOfText[text] = slots.count - 1
            return slots.count - 1
        }
    }

    private static let registry = Mutex(Registry(capacity: capacity))

    /// The slot of `query`'s text (see ``Registry/slot(for:)``); none without values.
    static func slot(for query: PostgresQuery) -> Int? {
        guard query.binds.count > 0 else { return nil }
        return registry.withLock { $0.slot(for: query.sql) }
    }

    /// The text of a taken slot.
    static func text(of slot: Int) -> String { registry.withLock { $0.slots[slot] } }

    /// Runs `query`, as its slot's prepared statement if it has one: its rows.
    static func rows(
        _ query: PostgresQuery, on connection: PostgresConnection, logger: Logger
    ) async throws -> [PostgresRow] {
        if let slot = slot(for: query) {
            return try await runners[slot](query.binds, connection, logger)
        }
        var rows: [PostgresRow] = []
        for try await row in try await connection.query(query, logger: logger) { rows.append(row) }
        return rows
    }

    private typealias Runner = @Sendable (PostgresBindings, PostgresConnection, Logger) async throws -> [PostgresRow]

    private static let runners: [Runner] = [
        runner(Slot0.self), runner(Slot1.self), runner(Slot2.self), runner(Slot3.self), runner(Slot4.self),
        runner(Slot5.self), runner(Slot6.self), runner(Slot7.self), runner(Slot8.self), runner(Slot9.self),
        runner(Slot10.self), runner(Slot11.self), runner(Slot12.self), runner(Slot13.self), runner(Slot14.self),
        runner(Slot15.self),
    ]

    private static func runner<Slot: PreparedSlot>(_: Slot.Type) -> Runner {
        { binds, connection, logger in
            var rows: [PostgresRow] = []
            for try await row in try await connection.execute(Shape<Slot>(binds: binds), logger: logger) {
                rows.append(row)
            }
            return rows
        }
    }

    /// One slot's statement: its name and text are the slot's (a short name: the server keeps 63
    /// bytes of one, and postgres-nio's default, the type's full name, is longer).
    private struct Shape<Slot: PreparedSlot>: PostgresPreparedStatement {
        typealias Row = PostgresRow
        static var name: String { "onego_shape_\(Slot.index)" }
        static var sql: String { PreparedShapes.text(of: Slot.index) }
        var binds: PostgresBindings
        func makeBindings() throws -> PostgresBindings { binds }
        func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
    }
}

/// A slot of ``PreparedShapes``: a type per slot, as a prepared statement's name and text are
/// static.
private protocol PreparedSlot: Sendable { static var index: Int { get } }
private enum Slot0: PreparedSlot { static let index = 0 }
private enum Slot1: PreparedSlot { static let index = 1 }
private enum Slot2: PreparedSlot { static let index = 2 }
private enum Slot3: PreparedSlot { static let index = 3 }
private enum Slot4: PreparedSlot { static let index = 4 }
private enum Slot5: PreparedSlot { static let index = 5 }
private enum Slot6: PreparedSlot { static let index = 6 }
private enum Slot7: PreparedSlot { static let index = 7 }
private enum Slot8: PreparedSlot { static let index = 8 }
private enum Slot9: PreparedSlot { static let index = 9 }
private enum Slot10: PreparedSlot { static let index = 10 }
private enum Slot11: PreparedSlot { static let index = 11 }
private enum Slot12: PreparedSlot { static let index = 12 }
private enum Slot13: PreparedSlot { static let index = 13 }
private enum Slot14: PreparedSlot { static let index = 14 }
private enum Slot15: PreparedSlot { static let index = 15 }
