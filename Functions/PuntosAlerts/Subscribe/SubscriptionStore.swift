import FoundationEssentials
import PuntosCore
import PuntosPostgres
import PuntosRuntime

/// The SQL behind `subscribe`, run on a connection inside the caller's transaction.
struct SubscriptionStore {
    let connection: PostgresConnection
    let programme: String

    /// `c:<customer id>` for a known customer (found by card, id or external id), `e:<e-mail>` for a guest.
    func subscriberKey(_ subscriber: SubscribeEvent.Subscriber, field: String) throws -> (
        key: String, customerId: Int64?, email: String?
    ) {
        let given = [
            subscriber.cardNumber != nil, subscriber.customerId != nil, subscriber.externalId != nil, subscriber.email != nil,
        ]
        guard given.filter({ $0 }).count == 1 else {
            throw FunctionError.badInput(
                .invalidSubscriber, field: field,
                "\(field) needs exactly one of card_number, customer_id, external_id and email")
        }
        if let email = subscriber.email {
            let address = try Validate.email(email, field: "\(field).email").value
            return ("e:" + address, nil, address)
        }
        let row: PostgresRow?
        let name: String
        if let card = subscriber.cardNumber {
            let number = try Validate.cardNumber(card, field: "\(field).card_number")
            name = "card_number"
            row = try connection.query(
                """
                SELECT customer_id AS id FROM cards WHERE number = \(number.digits) AND programme_id = \(programme)
                """
            ).first
        } else if let id = subscriber.customerId {
            name = "customer_id"
            row = try connection.query("SELECT id FROM customers WHERE id = \(id) AND programme_id = \(programme)").first
        } else {
            let externalId = try Validate.text(subscriber.externalId ?? "", field: "\(field).external_id", maxLength: 128)
            name = "external_id"
            row = try connection.query(
                """
                SELECT id FROM customers WHERE external_id = \(externalId) AND programme_id = \(programme)
                """
            ).first
        }
        guard let row else {
            throw FunctionError.notFound(
                .customerNotFound, field: "\(field).\(name)", "no customer in programme \(programme) has that \(name)")
        }
        let id: Int64 = try row.decode("id")
        return ("c:\(id)", id, nil)
    }

    func view(_ row: PostgresRow) throws -> SubscriptionView {
        SubscriptionView(
            id: try row.decode("id"), kind: try row.decode("kind"), status: try row.decode("status"),
            store: try row.decode("store"), sku: try row.decode("sku"), productName: try row.decodeIfPresent("product_name"),
            currency: try row.decodeIfPresent("currency"),
            targetPrice: try row.decodeIfPresent("target_price", as: String.self).map(Money.display),
            minDropPercent: try row.decodeIfPresent("min_drop_percent"),
            minDropAmount: try row.decodeIfPresent("min_drop_amount", as: String.self).map(Money.display),
            baselinePrice: try row.decodeIfPresent("baseline_price", as: String.self).map(Money.display),
            minQuantity: try row.decodeIfPresent("min_quantity"),
            rearm: try row.decode("rearm"), channel: try row.decodeIfPresent("channel"), createdAt: try row.decode("created_at"),
            confirmedAt: try row.decodeIfPresent("confirmed_at"), expiresAt: try row.decode("expires_at"),
            lastFiredAt: try row.decodeIfPresent("last_fired_at"), fireCount: try row.decode("fire_count"))
    }

    func lastPrice(store: String, sku: String, currency: String) throws -> Decimal? {
        try connection.query(
            """
            SELECT price::text AS price FROM product_prices
            WHERE programme_id = \(programme) AND store = \(store) AND sku = \(sku) AND currency = \(currency)
            """
        ).first?.decode("price")
    }

    /// The restock a new stock subscriber already knows of: the current one when the item can be
    /// bought now in the wanted quantity, so only a later restock fires.
    func knownRestock(store: String, sku: String, minQuantity: Int) throws -> Int? {
        guard
            let row = try connection.query(
                """
                SELECT restock_seq, quantity, sellable FROM product_stock
                WHERE programme_id = \(programme) AND store = \(store) AND sku = \(sku)
                """
            ).first
        else { return nil }
        let sellable: Bool = try row.decode("sellable")
        let quantity: Int = try row.decode("quantity")
        return sellable && quantity >= minQuantity ? try row.decode("restock_seq") : nil
    }

    func isValidTimeZone(_ name: String) throws -> Bool {
        try connection.query("SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = \(name)) AS valid").one().decode(
            "valid")
    }
}
