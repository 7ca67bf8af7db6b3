import FoundationEssentials
import PuntosCore
import PuntosPostgres
package import PuntosRuntime

/// `balance`: the balance, the statement and the forecast. Reads only.
package struct Balance: FunctionHandler {
    package static let name = "balance"

    package static let httpRoutes = [
        "GET /cards/{card_number}/balance": "balance",
        "GET /cards/{card_number}/statement": "statement",
        "POST /forecast": "forecast",
    ]

    package init() {}

    package func handle(_ event: BalanceEvent, context: FunctionContext) throws -> BalanceResult {
        switch event {
        case .balance(let event):
            let reference = try AccountReference(cardNumber: event.cardNumber, externalId: event.externalId)
            return try read(event.programme, context) { store in
                let account = try store.accounts.readShown(reference)
                return BalanceResult(balance: store.balance(account), tier: try store.tierStatus(customerId: account.customerId))
            }
        case .statement(let event): return try statement(event, context)
        case .forecast(let event): return try forecast(event, context)
        case .liability(let event): return try liability(event, context)
        }
    }

    private func read(_ programme: String?, _ context: FunctionContext, _ body: (LedgerStore) throws -> BalanceResult) throws
        -> BalanceResult
    {
        let id = try Validate.programme(programme)
        return try context.database.withTransaction(isolation: .repeatableRead) { connection in
            try body(
                LedgerStore(
                    connection: connection, settings: try ProgrammeSettingsStore(connection: connection).load(id),
                    requestId: context.requestId, now: context.now))
        }
    }

    /// The balance of a card, whatever its status (a blocked card may still look).
    static func account(_ reference: AccountReference, _ store: LedgerStore) throws -> BalanceView {
        store.balance(try store.accounts.read(reference))
    }

    private func statement(_ event: BalanceEvent.Statement, _ context: FunctionContext) throws -> BalanceResult {
        let reference = try AccountReference(cardNumber: event.cardNumber, externalId: event.externalId)
        let limit = event.limit ?? 50
        guard (1...200).contains(limit) else {
            throw FunctionError.badInput(.invalidValue, field: "limit", "limit must be 1 to 200")
        }
        let before: Int64? = try event.cursor.map {
            guard let id = Int64($0), id > 0 else {
                throw FunctionError.badInput(
                    .invalidCursor, field: "cursor", "cursor must be the next_cursor of a previous page")
            }
            return id
        }
        return try read(event.programme, context) { store in
            let balance = try Self.account(reference, store)
            // One entry more than the page tells whether there is a next page.
            let rows = try store.entries(customerOf: balance.cardNumber, before: before, limit: limit + 1)
            let entries = Array(rows.prefix(limit))
            let next = rows.count > limit ? entries.last.map { String($0.id) } : nil
            return BalanceResult(balance: balance, entries: entries, nextCursor: next)
        }
    }

    private func forecast(_ event: BalanceEvent.Forecast, _ context: FunctionContext) throws -> BalanceResult {
        let channel = try LineValidation.channel(event.channel ?? "online", orderNumber: nil)
        let lines = try LineValidation.lines(event.lines, channel: channel)
        let card = try event.cardNumber.map { try Validate.cardNumber($0, field: "card_number").digits }
        let date = event.date ?? context.now
        let order = try Validate.optionalText(event.orderNumber, field: "order_number", maxLength: 64)
        let other = try ProgrammeExclusionStore.name(event.otherProgramme, field: "other_programme")
        try Accrue.date(date, field: "date", now: context.now.addingTimeInterval(366 * 86_400))
        return try read(event.programme, context) { store in
            let segment = try card.flatMap { try store.accounts.segment(cardNumber: $0) }
            if try store.excluded(order: order, other: other) != nil {
                return BalanceResult(
                    forecast: .init(points: 0, value: 0, lines: [], reason: ProgrammeExclusionStore.reason))
            }
            var rules = try store.earningRules(at: date, segment: segment)
            rules.tier = try store.appliedTier(customerId: try card.flatMap { try store.tiers.customer(cardNumber: $0) })
            let earning = rules.earn(lines, segment: segment, channels: store.settings.channels)
            return BalanceResult(
                forecast: .init(
                    points: earning.points, value: store.settings.forSegment(segment).policy.value(earning.points),
                    lines: earning.lines))
        }
    }
}
