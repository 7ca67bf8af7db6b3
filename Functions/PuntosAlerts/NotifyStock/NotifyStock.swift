import FoundationEssentials
import PuntosCore
import PuntosPostgres
package import PuntosRuntime

/// `notify-stock`: records stock levels and notifies stock subscribers once per restock.
package struct NotifyStock: FunctionHandler {
    package static let name = "notify-stock"
    package static let httpRoutes = ["POST /stock": "stock"]
    package static let scheduledEventKind: String? = "waves"
    static let maximumItems = 200_000

    package init() {}

    package func handle(_ event: NotifyStockEvent, context: FunctionContext) throws -> NotifyStockOutput {
        switch event {
        case .stock(let stock): try record(stock, context)
        case .waves:
            try context.database.withTransaction { connection in
                try StockStore(connection: connection).fire(
                    programme: nil, store: nil, skus: [], items: 0, restocked: 0, now: context.now)
            }
        }
    }

    private func record(_ event: NotifyStockEvent.Stock, _ context: FunctionContext) throws -> NotifyStockOutput {
        let request = try Self.validate(event)
        return try Idempotency.run(
            database: context.database, programme: request.programme, scope: "notify-stock.stock", key: event.idempotencyKey,
            request: request
        ) { connection in
            _ = try Programme.load(request.programme, from: connection)
            let store = StockStore(connection: connection)
            let recorded = try store.recordLevels(request, now: context.now)
            var output = try store.fire(
                programme: request.programme, store: request.store, skus: request.skus, items: request.skus.count,
                restocked: recorded.restocked, now: context.now)
            output.stale = recorded.stale
            return output
        }
    }

    /// The event checked field by field: the store, the wave settings, and each item once.
    static func validate(_ event: NotifyStockEvent.Stock) throws -> StockRequest {
        let programme = try Validate.programme(event.programme)
        let store = try Validate.text(event.store, field: "store", maxLength: 64)
        guard !event.items.isEmpty else {
            throw FunctionError.badInput(.invalidValue, field: "items", "items must not be empty")
        }
        guard event.items.count <= Self.maximumItems else {
            throw FunctionError.badInput(.invalidValue, field: "items", "at most \(Self.maximumItems) items in one event")
        }
        try validateWaves(size: event.waveSize, intervalMinutes: event.waveIntervalMinutes)
        var skus: [String] = [], quantities: [Int] = []
        var seen = Set<String>()
        for (index, item) in event.items.enumerated() {
            let sku = try Validate.text(item.sku, field: "items[\(index)].sku", maxLength: 128)
            guard seen.insert(sku).inserted else {
                throw FunctionError.badInput(
                    .duplicateSKU, field: "items[\(index)].sku", "sku \(sku) appears twice in the event")
            }
            guard (-1_000_000_000...1_000_000_000).contains(item.quantity) else {
                throw FunctionError.badInput(.invalidValue, field: "items[\(index)].quantity", "quantity is out of range")
            }
            skus.append(sku)
            quantities.append(item.quantity)
        }
        return StockRequest(
            programme: programme, store: store, skus: skus, quantities: quantities, waveSize: event.waveSize,
            waveIntervalMinutes: event.waveIntervalMinutes, asOf: event.asOf)
    }

    private static func validateWaves(size: Int?, intervalMinutes: Int?) throws {
        if let size, !(1...1_000_000).contains(size) {
            throw FunctionError.badInput(.invalidValue, field: "wave_size", "wave_size must be 1 to 1000000")
        }
        if let minutes = intervalMinutes {
            guard (1...10_080).contains(minutes) else {
                throw FunctionError.badInput(
                    .invalidValue, field: "wave_interval_minutes", "wave_interval_minutes must be 1 to 10080")
            }
            guard size != nil else {
                throw FunctionError.badInput(
                    .invalidValue, field: "wave_interval_minutes", "wave_interval_minutes needs wave_size")
            }
        }
    }

    /// What an idempotency key is checked against: the event as validated.
    struct StockRequest: Encodable {
        var programme: String, store: String, skus: [String], quantities: [Int]
        var waveSize: Int?, waveIntervalMinutes: Int?, asOf: Date?
    }
}
