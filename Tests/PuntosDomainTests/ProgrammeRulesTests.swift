import Foundation
import PuntosCore
import PuntosLedger
import PuntosRuntime
import Testing

/// Programme rules without a database: the region switch, the checks on a programme's own fields and
/// on a segment's rules.
@Suite struct ProgrammeRulesTests {
    @Test func theRegionSwitchAllowsOnlyTheRegionsNamed() {
        #expect(RegionSwitch.allows(nil, regions: nil))
        #expect(RegionSwitch.allows("tver", regions: nil))
        #expect(RegionSwitch.allows("moscow", regions: ["moscow", "kazan"]))
        #expect(!RegionSwitch.allows("tver", regions: ["moscow", "kazan"]))
        #expect(!RegionSwitch.allows(nil, regions: ["moscow"]))
        let refused = refusal { try RegionSwitch.requireOn("tver", regions: ["moscow"]) }
        #expect(refused?.code == .regionDisabled && refused?.kind == .refused && refused?.field == "region")
        #expect(refusal { try RegionSwitch.requireOn("moscow", regions: ["moscow"]) } == nil)
    }

    func settings(_ json: String) throws -> ConfigureEvent.Settings {
        guard case .programme(let e) = try EventDecoding.decode(ConfigureEvent.self, from: Data(json.utf8)) else {
            throw FunctionError.bug("not a programme event")
        }
        return e
    }

    @Test func aProgrammesOwnFieldsAreCheckedByName() throws {
        let ok = try ProgrammeValidation.check(
            try settings(
                #"{"kind":"programme","name":"  Rigla ","currency":"RUB","default_country_code":"7","locale":"ru-RU","time_zone":"America/Argentina/Buenos_Aires","card_prefix":"2700","card_length":13}"#
            ))
        #expect(ok.name == "Rigla")
        for (json, field) in [
            (#"{"kind":"programme","currency":"RUBL"}"#, "currency"),
            (#"{"kind":"programme","default_country_code":"1234"}"#, "default_country_code"),
            (#"{"kind":"programme","time_zone":"../etc/passwd"}"#, "time_zone"),
            (#"{"kind":"programme","time_zone":"Europe/Moscow "}"#, "time_zone"),
            (#"{"kind":"programme","card_prefix":"123456789"}"#, "card_prefix"),
            (#"{"kind":"programme","card_length":11}"#, "card_length"),
        ] {
            let error = refusal { _ = try ProgrammeValidation.check(try settings(json)) }
            #expect(error?.kind == .badInput && error?.field == field, "\(json)")
        }
    }

    @Test func aSegmentsRulesAreCheckedAndItsPromotionsListedOnce() throws {
        func rules(_ json: String) throws -> SegmentRule {
            guard case .segmentRules(let e) = try EventDecoding.decode(ConfigureEvent.self, from: Data(json.utf8)) else {
                throw FunctionError.bug("not a segment_rules event")
            }
            return try ProgrammeValidation.segmentRules(e)
        }
        let rule = try rules(#"{"kind":"segment_rules","segment":"restaurants","point_value":0.5,"promotions":["B","A","B"]}"#)
        #expect(rule.promotions == ["A", "B"] && rule.pointValue == Decimal(string: "0.5") && rule.minRedemption == nil)
        for (json, field) in [
            (#"{"kind":"segment_rules","segment":"Wine Shops"}"#, "segment"),
            (#"{"kind":"segment_rules","segment":"x","point_value":0}"#, "point_value"),
            (#"{"kind":"segment_rules","segment":"x","point_value":0.0000001}"#, "point_value"),
            (#"{"kind":"segment_rules","segment":"x","max_order_share":1.5}"#, "max_order_share"),
            (#"{"kind":"segment_rules","segment":"x","min_redemption":-1}"#, "min_redemption"),
            (#"{"kind":"segment_rules","segment":"x","promotions":["ok","not ok"]}"#, "promotions[1]"),
        ] {
            let error = refusal { _ = try rules(json) }
            #expect(error?.kind == .badInput && error?.field == field, "\(json)")
        }
    }
}
