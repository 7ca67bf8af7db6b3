import Foundation
import PuntosCore
import PuntosLedger
import PuntosPostgres
import PuntosRuntime

/// `puntos import adjustments`: each record is `accrue`'s `adjust` event (`idempotency_key`, `card_number`
/// or `external_id`, `points` ±, `reason`) with the `date` it was made (now without one), checked by the
/// same rules. The key is the natural key: one applied before, by an import or by `accrue`, is skipped.
/// A credit is a lot dated from its date (active at once, expiring by the programme's rule from then:
/// already past, it arrives expired); a debit takes the soonest-expiring lots (`LotPlan.take`) and is
/// refused with `insufficient_points` where `accrue` refuses it.
struct AdjustmentImport: ImportKind {
    struct Record {
        var key: String
        var reference: AccountReference
        var points: Int64
        var reason: String
        var date: Date
        var request: String
    }

    struct Fields: Decodable {
        var idempotencyKey: String
        var cardNumber: String?
        var externalId: String?
        var points: Int64
        var reason: String
        var date: Date?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, points, reason, date, idempotencyKey = "idempotency_key", cardNumber = "card_number",
                externalId = "external_id"
        }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            idempotencyKey = try c.decode(String.self, forKey: .idempotencyKey)
            cardNumber = try c.decodeIfPresent(String.self, forKey: .cardNumber)
            externalId = try c.decodeIfPresent(String.self, forKey: .externalId)
            points = try c.decode(Int64.self, forKey: .points)
            reason = try c.decode(String.self, forKey: .reason)
            date = try c.decodeIfPresent(Date.self, forKey: .date)
        }
    }

    let eventKind = "adjust"

    func validate(_ json: Data, session: ImportSession) throws(FunctionError) -> Record {
        try RecordEnvelope.check(json, kind: eventKind, session: session)
        let fields = try EventDecoding.decode(Fields.self, from: json)
        do {
            let key = try Validate.idempotencyKey(fields.idempotencyKey)
            let reference = try AccountReference(cardNumber: fields.cardNumber, externalId: fields.externalId)
            let reason = try Validate.text(fields.reason, field: "reason", maxLength: 500)
            try Validate.pointsCorrection(fields.points)
            if let date = fields.date { try Accrue.date(date, field: "date", now: session.now) }
            return Record(
                key: key, reference: reference, points: fields.points, reason: reason, date: fields.date ?? session.now,
                request: String(decoding: json, as: UTF8.self))
        } catch let error as FunctionError {
            throw error
        } catch {
            throw FunctionError(converting: error)
        }
    }

    func write(_ batch: [Numbered<Record>], session: ImportSession, database: Database) throws -> [Int: Outcome] {
        var outcomes: [Int: Outcome] = [:]
        var keys: Set<String> = []
        var fresh: [Numbered<Record>] = []
        for item in batch {
            if keys.insert(item.record.key).inserted { fresh.append(item) } else { outcomes[item.line] = .deferred }
        }
        let store = AdjustmentImportStore(session: session, database: database)
        let accounts = try ImportReferenceStore(session: session, database: database).accounts(
            fresh.map { ImportReference(line: $0.line, key: $0.record.key, reference: $0.record.reference) }, .adjustments)
        var staged: [StagedAdjustment] = []
        for item in fresh {
            switch ImportAccount.check(accounts[item.line], reference: item.record.reference) {
            case .failure(let error): outcomes[item.line] = .rejected(error)
            case .success(let account) where account.recorded: outcomes[item.line] = .skipped
            case .success(let account):
                staged.append(
                    StagedAdjustment(
                        item: item, account: account,
                        lot: ImportLot(
                            from: item.record.date, settings: session.settings, now: session.now, pendingWindow: false),
                        origin: session.origin(item.line)))
            }
        }
        for (line, outcome) in try store.apply(staged) { outcomes[line] = outcome }
        return outcomes
    }
}

/// An adjustment ready to write: its record, the account, and (for a credit) its lot's dates.
struct StagedAdjustment {
    var item: Numbered<AdjustmentImport.Record>
    var account: ImportAccount
    var lot: ImportLot
    var origin: String
}
