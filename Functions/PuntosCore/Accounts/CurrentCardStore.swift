package import PuntosPostgres

/// The customer's current card, one rule for every module: the active card, else the most recently
/// issued, ties broken on the number. The rule lives in SQL as `puntos_current_card(customer_id)`
/// (migrations/0110_current_card.sql), so that statements which need it inline (the ledger's account
/// lock, a balance by external id) use the very same rule as this store.
package struct CurrentCardStore {
    package let connection: PostgresConnection

    package init(connection: PostgresConnection) { self.connection = connection }

    /// The customer's current card number; nil for a customer without a card.
    package func currentCardNumber(customerId: Int64) throws -> String? {
        try connection.query("SELECT puntos_current_card(\(customerId)) AS number").first?.decodeIfPresent("number")
    }
}
