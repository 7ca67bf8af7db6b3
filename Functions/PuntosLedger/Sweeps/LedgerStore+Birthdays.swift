import FoundationEssentials
import PuntosCore
import PuntosPostgres
import PuntosRuntime

extension LedgerStore {
    /// The members whose birthday is today in the programme's time zone (29 February's on the 28th in
    /// other years), with an active card (and the agreement, where the programme requires it), not yet
    /// credited the birthday this year.
    func birthdaysDue(limit: Int) throws -> [Int64] {
        let today = try actions.programmeDay(now, timeZone: settings.programme.timeZone)
        let parts = today.split(separator: "-").compactMap { Int($0) }
        let (year, month, day) = (parts[0], parts[1], parts[2])
        let days = month == 2 && day == 28 && BirthDate.daysIn(month: 2, year: year) == 28 ? [28, 29] : [day]
        return try connection.query(
            """
            SELECT u.id FROM customers u
            WHERE u.programme_id = \(programmeId) AND u.birth_date IS NOT NULL
              AND extract(month FROM u.birth_date) = \(month) AND extract(day FROM u.birth_date) = ANY (\(days)::int[])
              AND EXISTS (SELECT 1 FROM cards c WHERE c.customer_id = u.id AND c.status = 'active')
              AND (NOT \(settings.programme.agreementRequired) OR puntos_agreement_from(u.id) IS NOT NULL)
              AND NOT EXISTS (SELECT 1 FROM action_credits a
                              WHERE a.programme_id = \(programmeId) AND a.customer_id = u.id AND a.action = 'birthday'
                                AND a.period_key = \(String(year)))
            ORDER BY u.id LIMIT \(limit)
            """
        ).map { try $0.decode("id") }
    }
}
