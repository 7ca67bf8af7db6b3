import FoundationEssentials
import PuntosCore
import PuntosPostgres
import PuntosRuntime

/// The SQL behind `subscribe` for one programme, run on a connection inside the caller's transaction.
struct SubscriptionStore {
    let connection: PostgresConnection
    let programme: String

    /// A subscriber found: the recipient key subscriptions are kept under, and who it is.
    struct Subscriber {
        var key: RecipientKey
        var customerId: Int64?
        var email: String?
        var isGuest: Bool { customerId == nil }
    }

    /// `c:<customer id>` for a known customer (found by card, id or external id), `e:<e-mail>` for a guest.
    func subscriber(_ subscriber: SubscribeEvent.Subscriber, field: String) throws -> Subscriber {
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
            return Subscriber(key: .email(address), customerId: nil, email: address)
        }
        let (id, name) = try customerId(subscriber, field: field)
        guard let id else {
            throw FunctionError.notFound(
                .customerNotFound, field: "\(field).\(name)", "no customer in programme \(programme) has that \(name)")
        }
        return Subscriber(key: .customer(id), customerId: id, email: nil)
    }

    /// The customer a card number, customer id or external id names, and the field's name.
    private func customerId(_ subscriber: SubscribeEvent.Subscriber, field: String) throws -> (Int64?, String) {
        if let card = subscriber.cardNumber {
            let number = try Validate.cardNumber(card, field: "\(field).card_number")
            let row = try connection.query(
                """
                SELECT customer_id AS id FROM cards WHERE number = \(number.digits) AND programme_id = \(programme)
                """
            ).first
            return (try row?.decode("id"), "card_number")
        }
        if let id = subscriber.customerId {
            let row = try connection.query("SELECT id FROM customers WHERE id = \(id) AND programme_id = \(programme)").first
            return (try row?.decode("id"), "customer_id")
        }
        let externalId = try Validate.text(subscriber.externalId ?? "", field: "\(field).external_id", maxLength: 128)
        let row = try connection.query(
            """
            SELECT id FROM customers WHERE external_id = \(externalId) AND programme_id = \(programme)
            """
        ).first
        return (try row?.decode("id"), "external_id")
    }

    // MARK: Reading

    /// The last price the feed gave for the sku, in that currency.
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

    /// The subscriber's listed subscriptions: fired ones, and live ones not yet expired, oldest first.
    func list(of subscriber: RecipientKey, now: Date) throws -> [SubscriptionView] {
        try connection.query(
            """
            SELECT * FROM alert_subscriptions
            WHERE programme_id = \(programme) AND subscriber = \(subscriber)
              AND (status = \(SubscriptionStatus.fired)
                   OR (status IN (\(SubscriptionStatus.pending), \(SubscriptionStatus.active)) AND expires_at > \(now)))
            ORDER BY created_at, id
            """
        ).map(SubscriptionView.init(row:))
    }

    // MARK: Writing

    /// Marks the subscriber's expired live subscription for this sku expired, so it no longer holds
    /// the one live slot.
    func expireLapsed(subscriber: RecipientKey, kind: SubscriptionKind, store: String, sku: String, now: Date) throws {
        try connection.query(
            """
            UPDATE alert_subscriptions SET status = \(SubscriptionStatus.expired)
            WHERE programme_id = \(programme) AND subscriber = \(subscriber) AND sku = \(sku) AND kind = \(kind)
              AND store = \(store) AND status IN (\(SubscriptionStatus.pending), \(SubscriptionStatus.active))
              AND expires_at <= \(now)
            """)
    }

    /// Removes the subscriber's subscription (removing it again changes nothing); nil if it is not theirs.
    func remove(id: Int64, subscriber: RecipientKey, now: Date) throws -> SubscriptionView? {
        try connection.query(
            """
            UPDATE alert_subscriptions
            SET status = CASE WHEN status = \(SubscriptionStatus.removed) THEN status ELSE \(SubscriptionStatus.removed) END,
                removed_at = coalesce(removed_at, \(now))
            WHERE id = \(id) AND programme_id = \(programme) AND subscriber = \(subscriber)
            RETURNING *
            """
        ).first.map(SubscriptionView.init(row:))
    }

    /// Subscribing is consent: an earlier "stop everything" of the subscriber no longer applies.
    func clearUnsubscribe(of subscriber: RecipientKey) throws {
        try connection.query(
            "DELETE FROM unsubscribes WHERE programme_id = \(programme) AND address_key = \(subscriber)")
    }

    /// Keeps a customer's time zone (for SMS quiet hours) when it is new.
    func keepTimeZone(customerId: Int64?, timeZone: String?, now: Date) throws {
        try connection.query(
            """
            INSERT INTO notification_settings AS n (customer_id, time_zone, updated_at)
            VALUES (\(customerId), \(timeZone), \(now))
            ON CONFLICT (customer_id) DO UPDATE SET time_zone = coalesce(excluded.time_zone, n.time_zone),
                updated_at = excluded.updated_at
            WHERE n.time_zone IS DISTINCT FROM coalesce(excluded.time_zone, n.time_zone)
            """)
    }
}
