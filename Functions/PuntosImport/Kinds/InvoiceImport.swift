import Foundation
import PuntosCore
import PuntosLedger
import PuntosPostgres
import PuntosRuntime

/// `puntos import invoices`: each record is an `accrue` invoice event, checked by `ValidInvoice` and
/// priced by the earning rules in force on its date (`PromotionCalendar`), decided by `InvoiceDecision`
/// (the agreement as of its date, region, channel, moderation), with its lot dated from the invoice:
/// pending until its return window closes (already closed: active), expiring by the programme's rule
/// counted from then (already past: the lot arrives expired, with its expiry entry). The invoice number
/// is the natural key: one recorded before is skipped.
struct InvoiceImport: ImportKind {
    struct Record {
        var event: AccrueEvent.Invoice
        var invoice: ValidInvoice
    }

    let eventKind = "invoice"

    /// The rule each set of applied promotions records (`AccrualRule.json`), encoded once per set.
    let rules = RuleCache()

    func validate(_ json: Data, session: ImportSession) throws(FunctionError) -> Record {
        guard case .invoice(let event) = try EventDecoding.decode(AccrueEvent.self, from: json) else {
            throw .badInput(.unknownKind, field: "kind", "an invoices record is kind invoice")
        }
        if let programme = event.programme, programme != session.programme {
            throw .badInput(
                .invalidValue, field: "programme", "this run imports into programme \(session.programme), not \(programme)")
        }
        do {
            let invoice = try ValidInvoice(event, now: session.now)
            try LineValidation.currency(event.currency, programme: session.settings.programme)
            return Record(event: event, invoice: invoice)
        } catch let error as FunctionError {
            throw error
        } catch {
            throw FunctionError(converting: error)
        }
    }

    /// A batch's invoices priced, and what became of those it will not write.
    struct Prepared {
        var outcomes: [Int: Outcome] = [:]
        var priced: [PricedInvoice] = []
        /// Whether its invoices may be written in parts by customer: not when customers share what the
        /// history before an invoice decides (a pool's account and tier, a promotion's budget), which a
        /// batch draws on in date order.
        var splits = false
    }

    /// Finds each invoice's card and customer and prices it by the rules in force on its date; what
    /// depends on the history before it (tiers, promotion limits) and on the account's balance is
    /// decided by `write`, under the accounts' locks.
    func prepare(_ batch: [Numbered<Record>], session: ImportSession, database: Database) throws -> Prepared {
        var prepared = Prepared()
        prepared.splits =
            try !session.settings.hasPooledOrganisations
            && !database.withConnection { try ImportLimitStore(connection: $0, programme: session.programme).hasBudgets() }
        var seen: Set<String> = []
        var fresh: [Numbered<Record>] = []
        for item in batch {
            if seen.insert(item.record.invoice.number).inserted {
                fresh.append(item)
            } else {
                prepared.outcomes[item.line] = .deferred
            }
        }
        let accounts = try ImportReferenceStore(session: session, database: database).accounts(
            fresh.map {
                ImportReference(line: $0.line, key: $0.record.invoice.number, reference: $0.record.invoice.account)
            }, .invoices)
        for item in fresh {
            let found = accounts[item.line]
            switch ImportAccount.check(found, reference: item.record.invoice.account) {
            case .failure(let error): prepared.outcomes[item.line] = .rejected(error)
            case .success(let account) where account.recorded: prepared.outcomes[item.line] = .skipped
            case .success(let account): prepared.priced.append(try price(item, account, session))
            }
        }
        return prepared
    }

    /// Records the priced invoices; one recorded meanwhile (by a batch before or by `accrue`) is skipped.
    func write(_ prepared: Prepared, session: ImportSession, database: Database) throws -> [Int: Outcome] {
        var outcomes = prepared.outcomes
        let inserted = try InvoiceImportStore(session: session, database: database).insert(prepared.priced, rules: rules)
        for invoice in prepared.priced where !inserted.contains(invoice.number) { outcomes[invoice.line] = .skipped }
        return outcomes
    }

    /// Parts by customer: a customer's invoices stay in one part, in the file's order, so each part
    /// locks accounts no other part locks and decides its customers' tiers and caps alone.
    func split(_ prepared: Prepared, into count: Int) -> [ImportPart<Prepared>]? {
        guard prepared.splits else { return nil }
        var parts = (0..<count).map { _ in ImportPart(prepared: Prepared(), lines: []) }
        parts[0].prepared.outcomes = prepared.outcomes
        parts[0].lines = Set(prepared.outcomes.keys)
        for invoice in prepared.priced {
            let part = Int(invoice.customerId.magnitude % UInt64(count))
            parts[part].prepared.priced.append(invoice)
            parts[part].lines.insert(invoice.line)
        }
        return parts
    }

    /// The invoice priced and decided by the rules in force on its date, with its lot's dates.
    private func price(_ item: Numbered<Record>, _ account: ImportAccount, _ session: ImportSession) throws -> PricedInvoice {
        let (event, invoice) = (item.record.event, item.record.invoice)
        let settings = session.settings
        let rules = session.promotions.earningRules(at: event.date, segment: account.segment, settings)
        let earning = rules.earn(invoice.lines, segment: account.segment, channels: settings.channels)
        let earnings = earning.lines
        let decision = InvoiceDecision(
            settings: settings, agreementFrom: account.agreementFrom, invoicedAt: event.date, region: invoice.region,
            lineChannels: invoice.lines.compactMap(\.channel), moderation: event.moderation == true)
        let points = decision.status == .notEligible ? 0 : earning.points
        let lot = ImportLot(from: event.date, settings: settings, now: session.now, pendingWindow: true)
        return PricedInvoice(
            line: item.line, number: invoice.number, orderNumber: invoice.orderNumber, customerId: account.customerId,
            cardNumber: account.cardNumber, channel: invoice.channel, region: invoice.region, invoicedAt: event.date,
            currency: event.currency, status: decision.status, points: points,
            lines: try JSONCoding.string(zip(invoice.lines, earnings).map { StoredLine(line: $0, earning: $1) }),
            rule: try self.rules.json(rules, applied: Set(earnings.flatMap(\.promotions)), settings), lot: lot,
            origin: session.origin(item.line),
            pricing: InvoicePricing(
                rules: rules, lines: invoice.lines, segment: account.segment, moderation: event.moderation == true))
    }
}

/// `AccrualRule.json` once per set of applied promotions and tier: the rule an entry records holds the
/// rate, the rounding, the window, the expiry, the promotions that applied and the tier earned at, so
/// equal sets give equal text. Shared by the thread that prepares batches and the one that writes them.
final class RuleCache: @unchecked Sendable {  // `texts` is guarded by `lock`
    private let lock = NSLock()
    private var texts: [[String]: String] = [:]

    func json(_ rules: EarningRules, applied: Set<String>, _ settings: LedgerSettings) throws -> String {
        let key = applied.sorted() + (rules.tier.map { ["tier:\($0.code)"] } ?? [])
        if let text = lock.withLock({ texts[key] }) { return text }
        let text = try AccrualRule.json(rules, applied: applied, settings).text
        lock.withLock { texts[key] = text }
        return text
    }
}

/// A priced invoice, as staged for the set-based insert.
struct PricedInvoice {
    var line: Int
    var number: String
    var orderNumber: String?
    var customerId: Int64
    var cardNumber: String
    var channel: String
    var region: String?
    var invoicedAt: Date
    var currency: String
    var status: InvoiceStatus
    var points: Int64
    var lines: String
    var rule: String
    var lot: ImportLot
    var origin: String
    /// What priced it, for the rules that depend on the history before it (`InvoiceHistory`).
    var pricing: InvoicePricing
}

/// What an invoice was priced from: the earning rules in force on its date (without a tier), its lines,
/// the member's segment, and whether it is a claim (which earns at the base rate).
struct InvoicePricing {
    var rules: EarningRules
    var lines: [InvoiceLine]
    var segment: String?
    var moderation: Bool
}

/// A credit's lot dated from the moment it was earned, as `LedgerStore.credit` dates one from now:
/// pending for the return window (when it has one), then active; expiring by the programme's rule from
/// its activation. Seen from the run's now, a window already closed is active and an expiry already
/// past is expired.
struct ImportLot {
    var activatesAt: Date
    var active: Bool
    var expiresAt: Date?
    var expired: Bool

    init(from date: Date, settings: LedgerSettings, now: Date, pendingWindow: Bool) {
        activatesAt = pendingWindow ? settings.activation(from: date) : date
        active = activatesAt <= now
        expiresAt = settings.expiry(from: activatesAt)
        expired = expiresAt.map { $0 <= now } ?? false
    }
}

extension JSONCoding {
    static func string(_ value: some Encodable) throws -> String {
        String(decoding: try JSONCoding.encode(value), as: UTF8.self)
    }
}
