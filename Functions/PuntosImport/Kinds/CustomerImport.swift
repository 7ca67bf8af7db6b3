import Foundation
import PuntosCore
import PuntosLedger
import PuntosPostgres
import PuntosRuntime

/// `puntos import customers`: each record is `register-card`'s `issue` event without the card:
/// `{"customer":{external_id?, email?, phone?, name?, locale?}}`, checked by `CustomerIdentity.validate`.
/// The natural keys are the external id, e-mail and phone: a customer they name already is completed
/// with what it lacked, or skipped when nothing is new.
struct CustomerImport: ImportKind {
    struct Record {
        var identity: CustomerIdentity
    }

    struct Fields: Decodable {
        var customer: CustomerInput
        enum CodingKeys: String, CodingKey, CaseIterable { case kind, programme, customer, idempotencyKey = "idempotency_key" }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            customer = try decoder.container(keyedBy: CodingKeys.self).decode(CustomerInput.self, forKey: .customer)
        }
    }

    let eventKind = "issue"

    func validate(_ json: Data, session: ImportSession) throws(FunctionError) -> Record {
        try RecordEnvelope.check(json, kind: eventKind, session: session)
        let fields = try EventDecoding.decode(Fields.self, from: json)
        do {
            return Record(
                identity: try CustomerIdentity.validate(
                    fields.customer, field: "customer", defaultCountryCode: session.settings.programme.defaultCountryCode
                ).withoutBirthDate(field: "customer"))
        } catch let error as FunctionError {
            throw error
        } catch {
            throw FunctionError(converting: error)
        }
    }

    func write(_ batch: [Numbered<Record>], session: ImportSession, database: Database) throws -> [Int: Outcome] {
        try database.withTransaction { connection in
            let resolved = try CustomerResolver(session: session, connection: connection)
                .resolve(batch.map { Numbered(line: $0.line, record: $0.record.identity) })
            return resolved.mapValues { (resolution: CustomerResolver.Resolution) -> Outcome in
                switch resolution {
                case .customer(_, let changed): return changed ? Outcome.accepted : Outcome.skipped
                case .outcome(let outcome): return outcome
                }
            }
        }
    }
}

/// Finds or creates the customers of a batch, in the caller's transaction: one query for the customers
/// their identifiers name, `CustomerMatch` per record, then one insert and one update for the batch.
struct CustomerResolver {
    let session: ImportSession
    let connection: PostgresConnection

    enum Resolution {
        /// The customer, and whether this record created or completed it.
        case customer(Int64, changed: Bool)
        case outcome(Outcome)
    }

    func resolve(_ batch: [Numbered<CustomerIdentity>]) throws -> [Int: Resolution] {
        var resolutions: [Int: Resolution] = [:]
        // Two records naming one customer in a batch: the later waits for the next batch.
        var keys: Set<String> = []
        var fresh: [Numbered<CustomerIdentity>] = []
        for item in batch {
            let own = [
                item.record.externalId.map { "x:" + $0 }, item.record.email.map { "e:" + $0.value },
                item.record.phone.map { "p:" + $0.e164 },
            ].compactMap { $0 }
            if own.contains(where: keys.contains) {
                resolutions[item.line] = .outcome(.deferred)
            } else {
                keys.formUnion(own)
                fresh.append(item)
            }
        }
        let store = CustomerImportStore(connection: connection, programme: session.programme)
        let found = try store.stage(fresh)
        var creates: [Int] = []
        var completes: [Int] = []
        for item in fresh {
            do {
                switch try CustomerMatch.decide(item.record, found: found[item.line] ?? [], field: "customer") {
                case .create: creates.append(item.line)
                case .complete(let id):
                    completes.append(item.line)
                    resolutions[item.line] = .customer(id, changed: true)
                case .unchanged(let id): resolutions[item.line] = .customer(id, changed: false)
                }
            } catch {
                resolutions[item.line] = .outcome(.rejected(error))
            }
        }
        try store.complete(lines: completes)
        for (line, id) in try store.create(lines: creates) { resolutions[line] = .customer(id, changed: true) }
        for line in creates where resolutions[line] == nil { resolutions[line] = .outcome(.deferred) }
        return resolutions
    }
}
