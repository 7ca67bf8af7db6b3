import Foundation
import PuntosCore
import PuntosLedger
import PuntosPostgres
import PuntosRuntime

/// `puntos import cards`: each record is `register-card`'s `link` event, with what history adds: when
/// the card was issued (`issued_at`) and the agreement the customer accepted (`version`, `accepted_at`,
/// as `accept_agreement` takes them). The customer is found or created as a customer record is; the
/// card number is the natural key: a card linked to this customer already is skipped (its agreement
/// still recorded if new), one of another customer is `card_taken`, a customer with another active
/// card is `customer_has_card`: `link`'s rules.
struct CardImport: ImportKind {
    struct Record {
        var number: CardNumber
        var identity: CustomerIdentity
        var issuedAt: Date?
        var version: String?
        var acceptedAt: Date?
    }

    struct Fields: Decodable {
        var cardNumber: String
        var customer: CustomerInput
        var issuedAt: Date?
        var version: String?
        var acceptedAt: Date?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, customer, version, idempotencyKey = "idempotency_key", cardNumber = "card_number",
                issuedAt = "issued_at", acceptedAt = "accepted_at"
        }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            cardNumber = try c.decode(String.self, forKey: .cardNumber)
            customer = try c.decode(CustomerInput.self, forKey: .customer)
            issuedAt = try c.decodeIfPresent(Date.self, forKey: .issuedAt)
            version = try c.decodeIfPresent(String.self, forKey: .version)
            acceptedAt = try c.decodeIfPresent(Date.self, forKey: .acceptedAt)
        }
    }

    let eventKind = "link"

    func validate(_ json: Data, session: ImportSession) throws(FunctionError) -> Record {
        try RecordEnvelope.check(json, kind: eventKind, session: session)
        let fields = try EventDecoding.decode(Fields.self, from: json)
        do {
            let number = try Validate.cardNumber(fields.cardNumber, field: "card_number")
            let identity = try CustomerIdentity.validate(
                fields.customer, field: "customer", defaultCountryCode: session.settings.programme.defaultCountryCode
            ).withoutBirthDate(field: "customer")
            let version = try Validate.optionalText(fields.version, field: "version", maxLength: 64)
            if let issuedAt = fields.issuedAt { try Validate.notInFuture(issuedAt, field: "issued_at", now: session.now) }
            if let acceptedAt = fields.acceptedAt {
                try Validate.notInFuture(acceptedAt, field: "accepted_at", now: session.now)
                guard version != nil else {
                    throw FunctionError.badInput(.missingField, field: "version", "accepted_at needs the agreement's version")
                }
            }
            return Record(
                number: number, identity: identity, issuedAt: fields.issuedAt, version: version, acceptedAt: fields.acceptedAt)
        } catch let error as FunctionError {
            throw error
        } catch {
            throw FunctionError(converting: error)
        }
    }

    func write(_ batch: [Numbered<Record>], session: ImportSession, database: Database) throws -> [Int: Outcome] {
        try database.withTransaction { connection in
            var outcomes: [Int: Outcome] = [:]
            // One card number once per batch; a customer's second card waits for the next batch.
            var numbers: Set<String> = []
            var fresh: [Numbered<Record>] = []
            for item in batch {
                if numbers.insert(item.record.number.digits).inserted {
                    fresh.append(item)
                } else {
                    outcomes[item.line] = .deferred
                }
            }
            let customers = try CustomerResolver(session: session, connection: connection)
                .resolve(fresh.map { Numbered(line: $0.line, record: $0.record.identity) })
            var linked: [(Numbered<Record>, Int64)] = []
            for item in fresh {
                switch customers[item.line] {
                case .customer(let id, _): linked.append((item, id))
                case .outcome(let outcome): outcomes[item.line] = outcome
                case nil: outcomes[item.line] = .deferred
                }
            }
            let store = CardImportStore(connection: connection, session: session)
            let found = try store.stage(linked)
            var inserts: [Int] = []
            var owners: Set<Int64> = []
            for (item, customerId) in linked {
                let state = found[item.line]
                if let owner = state?.owner {
                    outcomes[item.line] =
                        owner == customerId
                        ? .skipped
                        : .rejected(.refused(.cardTaken, field: "card_number", "this card number is linked to another customer"))
                } else if state?.activeCard != nil {
                    outcomes[item.line] = .rejected(
                        .refused(
                            .customerHasCard, field: "customer",
                            "the customer already has an active card; replace it to move to this one"))
                } else if !owners.insert(customerId).inserted {
                    outcomes[item.line] = .deferred
                } else {
                    inserts.append(item.line)
                }
            }
            let inserted = try store.link(lines: inserts)
            for line in inserts where !inserted.contains(line) { outcomes[line] = .deferred }
            // Agreements of the cards linked now, or linked before to the same customer.
            let agreed = linked.map(\.0.line).filter { line in
                switch outcomes[line] {
                case nil, .some(.skipped): true
                default: false
                }
            }
            try store.recordAgreements(lines: agreed)
            return outcomes
        }
    }
}
