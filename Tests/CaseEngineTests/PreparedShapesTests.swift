import Foundation
import Testing

@testable import CaseStorePostgres

/// Which statements run prepared on PostgreSQL (the whole PostgreSQL suite runs through them).
@Suite("PostgreSQL store: statements prepared once their text repeats")
struct PreparedShapesTests {
    @Test("a text takes a slot the second time it is seen and keeps it; once the slots are full, others run unnamed")
    func slots() {
        var registry = PreparedShapes.Registry(capacity: 2)
        #expect(registry.slot(for: "UPDATE a SET x = $1") == nil)
        #expect(registry.slot(for: "UPDATE a SET x = $1") == 0)
        #expect(registry.slot(for: "UPDATE a SET x = $1") == 0)
        #expect(registry.slot(for: "UPDATE b SET x = $1") == nil)
        #expect(registry.slot(for: "UPDATE b SET x = $1") == 1)
        // The slots are full: other texts run unnamed, the registered ones keep their slots.
        for _ in 0..<3 { #expect(registry.slot(for: "UPDATE c SET x = $1") == nil) }
        #expect(registry.slot(for: "UPDATE b SET x = $1") == 1)
        #expect(registry.slots == ["UPDATE a SET x = $1", "UPDATE b SET x = $1"])
    }

    @Test("a missing value is a NULL of its type in the text, never an untyped parameter")
    func missingValues() {
        let batch = WriteBatch()
        #expect(batch.value("a") == "$1")
        #expect(batch.value(String?.none) == "NULL::TEXT")
        #expect(batch.value(Int?.none) == "NULL::BIGINT")
        #expect(batch.value(Bool?.none) == "NULL::BOOLEAN")
        #expect(batch.value(Date?.none) == "NULL::TIMESTAMPTZ")
        // The missing values took no parameter.
        #expect(batch.value(Int64(2)) == "$2")
    }
}
