import FoundationEssentials
import PuntosPostgres

/// An organisation's figures, by member and period, in one set-based statement.
///
/// - Whose: the pool's account (all of it) for a pooled organisation, and each approved member's own
///   account for what happened (by business date) from their approval on; a member is who the card
///   of the invoice, hold or entry belongs to (a pool's entries name the member's card).
/// - Sales: invoices accrued or not eligible (claims waiting or rejected are not sales), by invoice
///   day, each line's amount less its returned share.
/// - Points earned: accruals, less returns' reversals; spent: redemptions (direct, committed holds,
///   rewards), less what cancelled orders gave back. By the entry's business day.
/// - Days in the programme's time zone; a period starts on its first day (weeks on Monday).
struct StatisticsStore {
    let connection: PostgresConnection
    let programmeId: String

    func figures(organisationId: Int64, poolCustomerId: Int64?, timeZone: String, span: StatisticsSpan) throws
        -> (rows: [StatisticsRow], totals: StatisticsFigures)
    {
        let rows = try connection.query(
            """
            WITH p AS (
                SELECT \(programmeId)::text AS programme, \(organisationId)::bigint AS organisation,
                       \(poolCustomerId)::bigint AS pool, \(timeZone)::text AS tz, \(span.period)::text AS unit,
                       \(span.from)::date AS first_day, \(span.to)::date AS last_day),
            accounts AS (
                SELECT p.pool AS customer_id, '-infinity'::timestamptz AS since FROM p WHERE p.pool IS NOT NULL
                UNION ALL
                SELECT m.customer_id, m.decided_at FROM p JOIN organisation_members m ON m.organisation_id = p.organisation
                WHERE m.status = 'approved'),
            sales AS (
                SELECT c.customer_id AS member, (i.invoiced_at AT TIME ZONE p.tz)::date AS day,
                       (SELECT coalesce(sum(round((l->>'amount')::numeric
                                   * ((l->>'quantity')::numeric - coalesce((l->>'returned')::numeric, 0))
                                   / nullif((l->>'quantity')::numeric, 0), 2)), 0)
                        FROM jsonb_array_elements(i.lines) AS l) AS sales,
                       0::bigint AS earned, 0::bigint AS spent
                FROM p CROSS JOIN accounts a
                JOIN invoices i ON i.customer_id = a.customer_id AND i.invoiced_at >= a.since AND i.programme_id = p.programme
                JOIN cards c ON c.number = i.card_number
                WHERE i.status IN ('accrued', 'not_eligible')),
            points AS (
                SELECT coalesce(hc.customer_id, ic.customer_id, vc.customer_id, ec.customer_id) AS member,
                       (coalesce(e.business_at, e.at) AT TIME ZONE p.tz)::date AS day, 0::numeric AS sales,
                       CASE WHEN e.kind = 'accrual' OR (e.kind = 'reversal' AND e.voucher_number IS NULL AND e.invoice_number IS NOT NULL)
                            THEN e.available_delta + e.pending_delta ELSE 0 END AS earned,
                       CASE WHEN e.kind = 'redemption' THEN -(e.available_delta + e.held_delta)
                            WHEN e.kind = 'reversal' AND e.voucher_number IS NOT NULL THEN -e.available_delta ELSE 0 END AS spent
                FROM p CROSS JOIN accounts a
                JOIN ledger_entries e ON e.customer_id = a.customer_id AND coalesce(e.business_at, e.at) >= a.since
                LEFT JOIN holds h ON h.id = e.hold_id
                LEFT JOIN invoices i ON i.programme_id = e.programme_id AND i.number = e.invoice_number
                LEFT JOIN holds v ON v.voucher_number = e.voucher_number
                LEFT JOIN cards hc ON hc.number = h.card_number
                LEFT JOIN cards ic ON ic.number = i.card_number
                LEFT JOIN cards vc ON vc.number = v.card_number
                LEFT JOIN cards ec ON ec.number = e.card_number
                WHERE e.kind IN ('accrual', 'redemption', 'reversal')),
            cut AS (
                SELECT r.member, date_trunc(p.unit, r.day::timestamp)::date AS period, r.sales, r.earned, r.spent
                FROM p CROSS JOIN (SELECT * FROM sales UNION ALL SELECT * FROM points) r
                WHERE r.day BETWEEN p.first_day AND p.last_day)
            SELECT GROUPING(cut.member) AS total, to_char(cut.period, 'YYYY-MM-DD') AS period, u.external_id,
                   puntos_current_card(cut.member) AS card_number, coalesce(sum(cut.sales), 0) AS sales,
                   coalesce(sum(cut.earned), 0)::bigint AS earned, coalesce(sum(cut.spent), 0)::bigint AS spent
            FROM cut LEFT JOIN customers u ON u.id = cut.member
            GROUP BY GROUPING SETS ((cut.period, cut.member, u.external_id), ())
            ORDER BY total, cut.period, u.external_id NULLS LAST, cut.member
            """)
        var result: [StatisticsRow] = []
        var totals = StatisticsFigures(sales: 0, pointsEarned: 0, pointsSpent: 0)
        for row in rows {
            let figures = StatisticsFigures(
                sales: try row.decode("sales"), pointsEarned: try row.decode("earned"), pointsSpent: try row.decode("spent"))
            let total: Int = try row.decode("total")
            if total == 1 {
                totals = figures
            } else {
                result.append(
                    StatisticsRow(
                        period: try row.decode("period"), cardNumber: try row.decodeIfPresent("card_number"),
                        externalId: try row.decodeIfPresent("external_id"), sales: figures.sales,
                        pointsEarned: figures.pointsEarned, pointsSpent: figures.pointsSpent))
            }
        }
        return (result, totals)
    }
}
