import Foundation
import PuntosAlerts
import PuntosCore
import PuntosDelivery
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

/// What members are told about their alerts: the price drop, restock and confirmation notices that
/// real subscribe, price and stock events write, rendered in every shipped locale, say the product,
/// the prices and quantity, and leave no payload key unrendered.
@Suite struct AlertMessageTests {
    @Test func everyAlertNoticeShowsItsFactsAndNoKeyIsLeftUnrendered() throws {
        let f = try AlertsFixture()
        let ana = try f.customer("Ana", locale: "es")
        _ = try f.subscribe(
            #"{"kind":"price","subscriber":{"customer_id":\#(ana)},"store":"web","sku":"KET-1","product_name":"Kettle","currency":"USD","target_price":"45","current_price":"49.90"}"#
        )
        _ = try f.subscribe(
            #"{"kind":"stock","subscriber":{"customer_id":\#(ana)},"store":"web","sku":"MUG-2","product_name":"Mug"}"#)
        _ = try f.stock("MUG-2", 0)
        _ = try f.subscribe(#"{"kind":"stock","subscriber":{"email":"guest@example.com"},"store":"web","sku":"MUG-2"}"#)
        #expect(
            try f.prices([
                .init(sku: "KET-1", price: Decimal(string: "39.90")!, name: "Electric kettle", url: "https://shop.example/k")
            ])
            .notices == 1)
        #expect(try f.stock("MUG-2", 7).notices == 1)

        let notices: [(kind: String, payload: [String: JSONValue])] = try f.database.withConnection { connection in
            try connection.query(
                "SELECT kind, payload::text AS payload FROM notices WHERE programme_id = \(f.programme) ORDER BY id"
            ).map { row in
                let text: String = try row.decode("payload")
                guard case .object(let payload) = try JSONCoding.decoder().decode(JSONValue.self, from: Data(text.utf8)) else {
                    throw TestDatabase.Missing(description: "a notice payload is not an object")
                }
                return (try row.decode("kind"), payload)
            }
        }
        #expect(Set(notices.map(\.kind)) == ["alert_confirm", "price_drop", "back_in_stock"], "\(notices.map(\.kind))")
        for notice in notices {
            PayloadCoverage.expectEveryKeyAccountedFor(notice.kind, notice.payload)
            for locale in MessageTemplates.locales {
                let text = PayloadCoverage.message(notice.kind, notice.payload, locale: locale)
                #expect(
                    !["News about your account", "Novedades de tu cuenta", "Новости вашего счёта"].contains { text.contains($0) },
                    "\(notice.kind) has no template")
                switch notice.kind {
                case "price_drop":
                    for fact in ["Electric kettle (KET-1)", "39.90 USD", "49.90 USD", "45.00 USD", "https://shop.example/k"] {
                        #expect(text.contains(fact), "\(locale): \(text) lacks \(fact)")
                    }
                case "back_in_stock":
                    #expect(text.contains("Mug (MUG-2)") && text.contains(" 7 "), "\(locale): \(text)")
                default:
                    #expect(text.contains("MUG-2") && text.contains("https://shop.example/alerts/confirm?token="), "\(text)")
                }
            }
        }
    }

    /// The check itself fails for a payload that gains a key its message neither shows nor excludes.
    @Test func aKeyNobodyRendersOrExcludesIsCaught() {
        withKnownIssue("a payload key neither shown nor listed as not for the member") {
            PayloadCoverage.expectEveryKeyAccountedFor(
                "back_in_stock", ["sku": .string("MUG-2"), "quantity": .number(7), "colour": .string("red")])
        }
        PayloadCoverage.expectEveryKeyAccountedFor("back_in_stock", ["sku": .string("MUG-2"), "quantity": .number(7)])
    }
}
