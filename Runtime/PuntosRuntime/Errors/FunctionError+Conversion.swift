import PuntosPostgres

extension FunctionError {
    /// Turns anything a handler throws into the error the caller sees.
    ///
    /// Database outages become `temporary` (exit 75) with a message that says what to check; everything
    /// unexpected becomes `bug` (exit 70) with a message that reveals no values.
    public init(converting error: any Error) {
        switch error {
        case let error as FunctionError:
            self = error
        case let error as PostgresError where error.isTemporary:
            let message =
                switch error.code {
                case .connectionFailed, .connectionLost: error.message
                default: "the database is busy or unavailable (\(error.description)); retry the same event"
                }
            self = .temporary(.databaseUnavailable, message)
        case let error as PostgresError where error.code == .invalidParameter:
            self = .badInput(.invalidText, field: nil, "a text value contains a NUL character")
        case let error as PostgresError:
            self = .bug("database error \(error.sqlState?.code ?? String(describing: error.code)); see the function's log")
        default:
            self = .bug("unexpected \(type(of: error)); see the function's log")
        }
    }
}
