import PuntosRuntime

/// The `FunctionError` that `body` throws, or nil when it does not throw.
func refusal(_ body: () throws -> Void) -> FunctionError? {
    do {
        try body()
        return nil
    } catch {
        return error as? FunctionError
    }
}
