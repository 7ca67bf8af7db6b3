package import FoundationEssentials
package import PuntosPostgres

/// The `promotions` of one programme: dated, never edited.
package struct PromotionStore {
    package let connection: PostgresConnection
    package let programmeId: String

    package init(connection: PostgresConnection, programmeId: String) {
        self.connection = connection
        self.programmeId = programmeId
    }

    /// Adds a promotion; false when the programme already has one with this code.
    package func insert(_ promotion: Promotion, startsAt: Date, endsAt: Date) throws -> Bool {
        try !connection.query(
            """
            INSERT INTO promotions (programme_id, code, target, value, multiplier, bonus_per_unit, starts_at, ends_at)
            VALUES (\(programmeId), \(promotion.code), \(promotion.target), \(promotion.value), \(promotion.multiplier),
                    \(promotion.bonusPerUnit), \(startsAt), \(endsAt))
            ON CONFLICT (programme_id, code) DO NOTHING RETURNING id
            """
        ).isEmpty
    }

    /// The promotions dated to cover `date`, by code.
    package func inForce(at date: Date) throws -> [Promotion] {
        try connection.query(
            """
            SELECT code, target, value, multiplier, bonus_per_unit FROM promotions
            WHERE programme_id = \(programmeId) AND starts_at <= \(date) AND ends_at > \(date) ORDER BY code
            """
        ).map { row in
            Promotion(
                code: try row.decode("code"), target: try row.decode("target"), value: try row.decode("value"),
                multiplier: try row.decode("multiplier"), bonusPerUnit: try row.decode("bonus_per_unit"))
        }
    }
}

extension PromotionStore {
    /// Every promotion of the programme with its dates, for pricing many invoices of many dates at once.
    package func calendar() throws -> PromotionCalendar {
        PromotionCalendar(
            try connection.query(
                """
                SELECT code, target, value, multiplier, bonus_per_unit, starts_at, ends_at FROM promotions
                WHERE programme_id = \(programmeId) ORDER BY code
                """
            ).map { row in
                PromotionCalendar.Dated(
                    promotion: Promotion(
                        code: try row.decode("code"), target: try row.decode("target"), value: try row.decode("value"),
                        multiplier: try row.decode("multiplier"), bonusPerUnit: try row.decode("bonus_per_unit")),
                    startsAt: try row.decode("starts_at"), endsAt: try row.decode("ends_at"))
            })
    }
}
