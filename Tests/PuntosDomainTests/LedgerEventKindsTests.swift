import Foundation
import PuntosLedger
import PuntosRuntime
import Testing

/// The ledger's events decode through their kinds tables: the list of kinds, the decoder and the
/// `unknown_kind` error come from one declaration per event.
@Suite struct LedgerEventKindsTests {
    func error<Event: Decodable>(_ type: Event.Type, _ json: String) -> FunctionError? {
        do {
            _ = try EventDecoding.decode(type, from: Data(json.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test func eachEventListsItsKindsInTheOrderDeclared() {
        #expect(AccrueEvent.kinds == ["invoice", "approve", "reject", "return", "cancel", "adjust", "action"])
        #expect(
            RedeemEvent.kinds == [
                "hold", "commit", "release", "redeem", "payout", "approve_payout", "reject_payout", "payout_result",
            ])
        #expect(BalanceEvent.kinds == ["balance", "statement", "forecast", "liability"])
        #expect(
            ConfigureEvent.kinds == [
                "programme", "settings", "promotion", "segment", "segment_rules", "exclusions", "tiers", "action", "referrals",
            ])
        #expect(ExpireEvent.kinds == ["sweep"])
        #expect(EarnSweepEvent.kinds == ["birthdays", "referrals"])
    }

    @Test func anUnknownKindNamesTheKindsThereAre() {
        let accrue = error(AccrueEvent.self, #"{"kind":"refund"}"#)
        #expect(accrue?.code == .unknownKind)
        #expect(accrue?.field == "kind")
        #expect(
            accrue?.message
                == #"kind "refund" is not an accrue event; expected one of: invoice, approve, reject, return, cancel, adjust, action"#
        )
        let redeem = error(RedeemEvent.self, #"{"kind":"spend"}"#)
        #expect(
            redeem?.message
                == #"kind "spend" is not a redeem event; expected one of: hold, commit, release, redeem, payout, approve_payout, reject_payout, payout_result"#
        )
        let expire = error(ExpireEvent.self, #"{"kind":"purge"}"#)
        #expect(expire?.code == .unknownKind)
        #expect(expire?.message == #"kind "purge" is not an expire event; expected sweep"#)
        #expect(error(ExpireEvent.self, #"{"kind":"purge","limt":5}"#)?.code == .unknownField)
    }

    @Test func kindIsRequiredUnlessTheTableHasADefault() throws {
        #expect(error(BalanceEvent.self, #"{"card_number":"7789000000000010"}"#)?.code == .missingField)
        let sweep = try EventDecoding.decode(ExpireEvent.self, from: Data(#"{"limit":5}"#.utf8))
        #expect(sweep.kind == "sweep")
        #expect(sweep.limit == 5)
    }

    @Test func eachKindRefusesTheFieldsItDoesNotKnow() throws {
        let wrong = error(RedeemEvent.self, #"{"kind":"release","voucher_number":"V1","points":5}"#)
        #expect(wrong?.code == .unknownField)
        #expect(wrong?.field == "points")
        guard
            case .reject(let moderation) = try EventDecoding.decode(
                AccrueEvent.self, from: Data(#"{"kind":"reject","invoice_number":"F-1"}"#.utf8))
        else {
            Issue.record("not a reject event")
            return
        }
        #expect(moderation.invoiceNumber == "F-1")
    }

    /// A sweep's answer stored before tiers existed still answers its replay (read with no tier changes).
    @Test func aSweepAnswerStoredBeforeTiersStillDecodes() throws {
        let stored = #"{"activated":5,"expired":2,"customers":3,"holds_released":1,"notices_written":0}"#
        let result = try JSONCoding.decoder().decode(ExpireResult.self, from: Data(stored.utf8))
        #expect((result.activated, result.expired, result.customers, result.holdsReleased) == (5, 2, 3, 1))
        #expect(result.tierChanges == 0)
        #expect(throws: DecodingError.self) {
            try JSONCoding.decoder().decode(ExpireResult.self, from: Data(#"{"activated":5}"#.utf8))
        }
    }
}
