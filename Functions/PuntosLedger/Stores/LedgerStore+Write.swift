import PuntosCore
import PuntosPostgres
import PuntosRuntime

extension LedgerStore {
    /// Runs a ledger write once per idempotency key (`scope` names the function and event kind), in
    /// one transaction, with the programme's settings loaded and a store at hand.
    static func write<Request: Encodable, Output: Codable & Sendable>(
        _ scope: String, programme id: String?, key: String?, request: Request, _ context: FunctionContext,
        _ body: (LedgerStore) throws -> Output
    ) throws -> Output {
        let programmeID = try Validate.programme(id)
        return try Idempotency.run(
            database: context.database, programme: programmeID, scope: scope, key: key, request: request
        ) { connection in
            try body(
                LedgerStore(
                    connection: connection, settings: try ProgrammeSettingsStore(connection: connection).load(programmeID),
                    requestId: context.requestId, now: context.now))
        }
    }
}
