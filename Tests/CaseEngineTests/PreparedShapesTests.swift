import Testing

@testable import CaseStorePostgres

/// Which statements run prepared on PostgreSQL (the whole PostgreSQL suite runs through them).
@Suite("PostgreSQL store: statements prepared once their text repeats")
struct PreparedShapesTests {
    @Test("a text takes a slot the second time it is seen, keeps it, and never takes one while it binds a NULL")
    func slots() {
        var registry = PreparedShapes.Registry(capacity: 2)
        #expect(registry.slot(for: "UPDATE a SET x = $1", registering: true) == nil)
        #expect(registry.slot(for: "UPDATE a SET x = $1", registering: true) == 0)
        // Once it holds a slot, a run with a NULL uses it too (the types came from the first run).
        #expect(registry.slot(for: "UPDATE a SET x = $1", registering: false) == 0)
        for _ in 0..<3 { #expect(registry.slot(for: "UPDATE b SET x = $1", registering: false) == nil) }
        #expect(registry.slot(for: "UPDATE b SET x = $1", registering: true) == nil)
        #expect(registry.slot(for: "UPDATE b SET x = $1", registering: true) == 1)
        // The slots are full: other texts run unnamed, the registered ones keep their slots.
        for _ in 0..<3 { #expect(registry.slot(for: "UPDATE c SET x = $1", registering: true) == nil) }
        #expect(registry.slot(for: "UPDATE b SET x = $1", registering: true) == 1)
        #expect(registry.slots == ["UPDATE a SET x = $1", "UPDATE b SET x = $1"])
    }
}
