import Foundation
import PuntosCards
import PuntosCore
import PuntosLedger
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

/// Earning from actions and referrals (`configure` is ProgrammeTests'): members with contacts and birth dates, the sweeps.
extension LedgerFixture {
    func registerCard(_ body: String, now: Date = Date()) throws -> CardView {
        try RegisterCard().handle(try EventDecoding.decode(RegisterCardEvent.self, from: json(body)), context: context(now))
    }

    func sweep(_ kind: String, now: Date) throws -> EarnSweepResult {
        try EarnSweep().handle(
            try EventDecoding.decode(EarnSweepEvent.self, from: json(#"{"kind":"\#(kind)"}"#)), context: context(now))
    }

    /// The action `action` done by `card`, under `key`.
    func act(_ card: String, _ action: String, key: String = TestDatabase.unique("act"), now: Date = Date()) throws
        -> AccrueResult
    {
        try accrue(#"{"kind":"action","idempotency_key":"\#(key)","card_number":"\#(card)","action":"\#(action)"}"#, now: now)
    }

    /// A new member issued a virtual card with the `customer` JSON given (and `referral_code`), who
    /// accepted the agreement 30 days ago.
    func member(_ customer: String, referralCode: String? = nil) throws -> CardView {
        let code = referralCode.map { #","referral_code":"\#($0)""# } ?? ""
        let view = try registerCard(#"{"kind":"issue","customer":\#(customer)\#(code)}"#)
        let at = Timestamp.format(Date().addingTimeInterval(-30 * 86_400))
        _ = try registerCard(
            #"{"kind":"accept_agreement","card_number":"\#(view.card.number)","version":"v1","accepted_at":"\#(at)"}"#)
        return view
    }

    func referralCode(of card: String) throws -> String {
        try #require(try registerCard(#"{"kind":"referral_code","card_number":"\#(card)"}"#).referralCode)
    }

    func setTimeZone(_ zone: String) throws {
        try database.withConnection { try $0.query("UPDATE programmes SET time_zone = \(zone) WHERE id = \(programme)") }
    }

    /// The referrals recorded in the programme, oldest first: status and reason.
    func referrals() throws -> [(status: String, reason: String?)] {
        try database.withConnection { connection in
            try connection.query("SELECT status, reason FROM referrals WHERE programme_id = \(programme) ORDER BY id").map {
                (status: try $0.decode("status", as: String.self), reason: try $0.decodeIfPresent("reason", as: String.self))
            }
        }
    }
}
