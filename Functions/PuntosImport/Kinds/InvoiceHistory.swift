import Foundation
import PuntosCore
import PuntosLedger
import PuntosPostgres
import PuntosRuntime

/// The earning rules that depend on what came before an invoice, decided for a batch under its account
/// locks, in date order (then the file's): the tier the member (or the pool) held on the invoice's
/// date, after the period-end reviews the sweep would have made since its last change (`ImportTiers.review`),
/// which multiplies what it earns, and the upgrade it brings (`TierPolicy.upgrade`, counting the
/// history up to its date: what was recorded before and what the batch brought so far); and what the
/// budgets and per-customer caps of limited promotions still leave (`EarningRules.earn(within:)`). A
/// programme with neither (and no pools) reads its limits once per batch and does nothing more.
struct InvoiceHistory {
    let connection: PostgresConnection
    let session: ImportSession

    /// What a batch's pricing decided to record once its invoices are in: the grants on limited
    /// promotions and the tier changes, each with the invoice it is recorded with (an upgrade's own
    /// invoice; for a review, the invoice it was replayed before).
    struct Writes {
        var scheme: TierScheme?
        var grants: [ImportGrant] = []
        var changes: [(change: TierChange, at: Date, origin: String, invoice: String)] = []
    }

    /// Prices `invoices` again where the history before them changes what they earn; answers what to
    /// record with them.
    func price(_ invoices: inout [PricedInvoice], rules cache: RuleCache) throws -> Writes {
        let programme = session.programme
        let store = TierStore(connection: connection, programmeId: programme, requestId: "import", now: session.now)
        let scheme = session.settings.hasTiers ? try store.scheme() : nil
        let customers = Array(Set(invoices.map(\.customerId)))
        var limits = try ImportLimits(ImportLimitStore(connection: connection, programme: programme), customers: customers)
        guard scheme != nil || !limits.isEmpty else { return Writes() }
        var tiers = try scheme.map {
            try ImportTiers(
                scheme: $0, store: store, history: ImportTierStore(connection: connection, programme: programme),
                customers: customers)
        }
        let channels = session.settings.channels
        var writes = Writes(scheme: scheme)
        let order = invoices.indices.sorted {
            (invoices[$0].invoicedAt, invoices[$0].line) < (invoices[$1].invoicedAt, invoices[$1].line)
        }
        for i in order {
            var invoice = invoices[i]
            let (pricing, date, customer) = (invoice.pricing, invoice.invoicedAt, invoice.customerId)
            var rules = pricing.rules
            for review in try tiers?.review(customer, before: date) ?? [] {
                writes.changes.append((review.change, review.at, invoice.origin, invoice.number))
            }
            // A claim earns at the base rate, as `accrue` has it.
            if let tiers, !pricing.moderation {
                rules.tier = tiers.scheme.applied(holding: tiers.held(customer, on: date)?.code)
            }
            var earning = rules.earn(pricing.lines, segment: pricing.segment, channels: channels)
            var grants: [PromotionGrant] = []
            let allowances =
                invoice.status == .notEligible
                ? [:] : limits.allowances(Set(earning.lines.flatMap(\.promotions)), customer: customer, on: date)
            if !allowances.isEmpty {
                (earning, grants) = rules.earn(pricing.lines, segment: pricing.segment, channels: channels, within: allowances)
                writes.grants += limits.take(grants, customer: customer, invoiceNumber: invoice.number, on: date)
            }
            let applied = Set(earning.lines.flatMap(\.promotions))
            invoice.points = invoice.status == .notEligible ? 0 : earning.points
            invoice.lines = try JSONCoding.string(zip(pricing.lines, earning.lines).map { StoredLine(line: $0, earning: $1) })
            invoice.rule =
                grants.isEmpty
                ? try cache.json(rules, applied: applied, session.settings)
                : try PromotionGrant.rule(AccrualRule.json(rules, applied: applied, session.settings), grants).text
            if invoice.status == .accrued, let basis = tiers?.scheme.basis,
                let change = try tiers?.qualify(
                    customer, adding: Self.qualifying(basis, invoice), on: date, invoiceNumber: invoice.number)
            {
                writes.changes.append((change, date, invoice.origin, invoice.number))
            }
            invoices[i] = invoice
        }
        return writes
    }

    /// Records the grants and tier changes of the invoices the batch recorded: an upgrade dated by the
    /// invoice that crossed, a review by when the sweep would have decided it (so a rerun, which skips
    /// the recorded invoices and finds the review in the member's history, records neither again), their
    /// notices withheld (`invoice_too_old`) where the points' of an invoice that day would be.
    func record(_ writes: Writes, inserted: Set<String>) throws {
        try ImportLimitStore(connection: connection, programme: session.programme).record(
            writes.grants.filter { inserted.contains($0.invoiceNumber) })
        guard let scheme = writes.scheme else { return }
        for (change, at, origin, invoice) in writes.changes where inserted.contains(invoice) {
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
