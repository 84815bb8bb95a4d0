/// A stored value as `onego db copy` moves it from one store to another, row by row, unchanged.
public enum CopiedValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case text(String)
    case bytes([UInt8])
}
