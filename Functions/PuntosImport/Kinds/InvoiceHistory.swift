import Foundation
import PuntosCore
import PuntosLedger
import PuntosPostgres
import PuntosRuntime

/// The earning rules that depend on what came before an invoice, decided for a batch under its account
/// locks, in date order (then the file's): the tier the member (or the pool) held on the invoice's
/// date, which multiplies what it earns, and the upgrade it brings (`TierPolicy.upgrade`, counting the
/// history up to its date: what was recorded before and what the batch brought so far); and what the
/// budgets and per-customer caps of limited promotions still leave (`EarningRules.earn(within:)`). A
/// programme with neither reads its tier scheme and limits once per batch and does nothing more.
struct InvoiceHistory {
    let connection: PostgresConnection
    let session: ImportSession

    /// What a batch's pricing decided to record once its invoices are in: the grants on limited
    /// promotions and the tier changes, each with its invoice.
    struct Writes {
        var scheme: TierScheme?
        var grants: [ImportGrant] = []
        var changes: [(change: TierChange, at: Date, origin: String)] = []
    }

    /// A customer's use of a capped promotion in one period (nil: the campaign).
    private struct CapUse: Hashable {
        var promotion: Int64
        var customer: Int64
        var period: Date?
    }

    /// Prices `invoices` again where the history before them changes what they earn; answers what to
    /// record with them.
    func price(_ invoices: inout [PricedInvoice], rules cache: RuleCache) throws -> Writes {
        let programme = session.programme
        let tiers = TierStore(connection: connection, programmeId: programme, requestId: "import", now: session.now)
        let scheme = try tiers.scheme()
        let limitStore = ImportLimitStore(connection: connection, programme: programme)
        let limits = try limitStore.lock()
        guard scheme != nil || !limits.isEmpty else { return Writes() }
        let customers = Array(Set(invoices.map(\.customerId)))
        let tierHistory = ImportTierStore(connection: connection, programme: programme)
        var states = try scheme == nil ? [:] : tierHistory.changes(customerIds: customers)
        var budgetLeft = limits.compactMapValues(\.budgetLeft)
        var used: [CapUse: Int64] = [:]
        let capped = Dictionary(uniqueKeysWithValues: limits.values.filter { $0.cap != nil }.map { ($0.id, $0) })
        for grant in try limitStore.grants(promotionIds: Array(capped.keys), customerIds: customers) {
            guard let limit = capped[grant.promotionId] else { continue }
            used[CapUse(promotion: limit.id, customer: grant.customerId, period: limit.periodStart(grant.at)), default: 0] +=
                grant.granted
        }
        let settings = session.settings
        var earned: [Int64: [(date: Date, amount: Decimal)]] = [:]
        var writes = Writes(scheme: scheme)
        let order = invoices.indices.sorted {
            (invoices[$0].invoicedAt, invoices[$0].line) < (invoices[$1].invoicedAt, invoices[$1].line)
        }
        for i in order {
            var invoice = invoices[i]
            let (pricing, date, customer) = (invoice.pricing, invoice.invoicedAt, invoice.customerId)
            var rules = pricing.rules
            let held = states[customer]?.last { $0.since <= date }
            // A claim earns at the base rate, as `accrue` has it.
            if let scheme, !pricing.moderation { rules.tier = scheme.applied(holding: held?.code) }
            var earning = rules.earn(pricing.lines, segment: pricing.segment, channels: settings.channels)
            var grants: [PromotionGrant] = []
            if invoice.status != .notEligible {
                var allowances: [String: PromotionAllowance] = [:]
                for code in Set(earning.lines.flatMap(\.promotions)) {
                    guard let limit = limits[code] else { continue }
                    let use = CapUse(promotion: limit.id, customer: customer, period: limit.periodStart(date))
                    allowances[code] = PromotionAllowance(
                        budgetLeft: budgetLeft[code], capLeft: limit.cap.map { $0 - used[use, default: 0] })
                }
                if !allowances.isEmpty {
                    (earning, grants) = rules.earn(
                        pricing.lines, segment: pricing.segment, channels: settings.channels, within: allowances)
                    for grant in grants {
                        let limit = limits[grant.promotion]!
                        budgetLeft[grant.promotion]? -= grant.granted
                        used[CapUse(promotion: limit.id, customer: customer, period: limit.periodStart(date)), default: 0] +=
                            grant.granted
                        writes.grants.append(
                            ImportGrant(
                                promotionId: limit.id, customerId: customer, invoiceNumber: invoice.number, asked: grant.extra,
                                granted: grant.granted, at: date))
                    }
                }
            }
            let applied = Set(earning.lines.flatMap(\.promotions))
            invoice.points = invoice.status == .notEligible ? 0 : earning.points
            invoice.lines = try JSONCoding.string(zip(pricing.lines, earning.lines).map { StoredLine(line: $0, earning: $1) })
            invoice.rule =
                grants.isEmpty
                ? try cache.json(rules, applied: applied, settings)
                : try PromotionGrant.rule(AccrualRule.json(rules, applied: applied, settings), grants).text
            if let scheme, invoice.status == .accrued {
                earned[customer, default: []].append((date, Self.qualifying(scheme.basis, invoice)))
                let batch = earned[customer]!
                let up = try TierPolicy.upgrade(scheme, held, now: date) { window in
                    // The history up to the invoice's date: what was recorded, and what this batch brought.
                    let until = min(window.until, date)
                    let recorded = try tiers.qualifying(
                        customerId: customer, scheme.basis, TierWindow(from: window.from, until: until))
                    return batch.reduce(recorded) { $1.date >= window.from && $1.date <= until ? $0 + $1.amount : $0 }
                }
                if let up {
                    writes.changes.append(
                        (
                            TierChange(
                                customerId: customer, from: scheme.rank(held?.code), to: up.to, reason: .qualified,
                                qualifying: up.qualifying, invoiceNumber: invoice.number, source: "import"),
                            date, invoice.origin
                        ))
                    states[customer, default: []].append(
                        TierState(code: scheme.tier(up.to)?.code, since: date, direction: "upgrade"))
                }
            }
            invoices[i] = invoice
        }
        return writes
    }

    /// Records the grants and tier changes of the invoices the batch recorded: the changes dated by the
    /// invoice that crossed, their notices withheld (`invoice_too_old`) where its points' would be.
    func record(_ writes: Writes, inserted: Set<String>) throws {
        try ImportLimitStore(connection: connection, programme: session.programme).record(
            writes.grants.filter { inserted.contains($0.invoiceNumber) })
        guard let scheme = writes.scheme else { return }
        for (change, at, origin) in writes.changes where inserted.contains(change.invoiceNumber ?? "") {
            try TierStore(connection: connection, programmeId: session.programme, requestId: origin, now: at).append(
                change, scheme: scheme,
                withheld: session.settings.tooOldForNotice(at, now: session.now) ? "invoice_too_old" : nil)
        }
    }

    /// What an accrued invoice adds to its member's qualifying total, as `TierStore.qualifying` counts
    /// a recorded one: its points, or the money its lines paid (nothing returned yet).
    private static func qualifying(_ basis: TierBasis, _ invoice: PricedInvoice) -> Decimal {
        switch basis {
        case .points: Decimal(Int(invoice.points))
        case .spend: invoice.pricing.lines.reduce(0) { $0 + $1.amount - ($1.paidWithPoints ?? 0) }
        }
    }
}
