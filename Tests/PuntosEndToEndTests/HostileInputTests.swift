import Foundation
import PuntosPostgres
import PuntosTestSupport
import Testing

/// Input that once crashed a function (exit 70) is refused as bad input (65, the field named) or
/// answered as the business answer (69), and writes nothing.
@Suite struct HostileInputTests {
    /// `e` and a combining acute accent: one `Character`, two code points (what PostgreSQL counts).
    static func combining(_ count: Int) -> String { String(repeating: "e\u{301}", count: count) }

    func expectRefused(
        _ function: String, _ object: [String: Any], exit: Int32 = 65, code: String, field: String,
        environment: [String: String] = StoryTests.environment, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let input = try JSONSerialization.data(withJSONObject: object)
        let outcome = try FunctionProcess.run(function, input: input, environment: environment)
        #expect(outcome.exitCode == exit, "\(function): \(outcome.stderrText)", sourceLocation: sourceLocation)
        #expect(outcome.error?["code"] as? String == code, "\(outcome.stderrText)", sourceLocation: sourceLocation)
        #expect(outcome.error?["field"] as? String == field, "\(outcome.stderrText)", sourceLocation: sourceLocation)
        #expect(outcome.stdout.isEmpty, sourceLocation: sourceLocation)
    }

    func count(_ sql: SQL) throws -> Int {
        try TestDatabase.make().withConnection { try $0.query(sql).one().decode("n") }
    }

    /// Finding 7: limits count code points, as the CHECKs do, in every field that has one.
    @Test func lengthsAreCountedAsTheDatabaseCountsThem() throws {
        let marker = TestDatabase.unique("L")
        let key = Self.combining(200)  // 200 Characters, 400 code points: over 255
        try expectRefused(
            "register-card", ["kind": "issue", "idempotency_key": key, "customer": ["external_id": marker]],
            code: "invalid_value", field: "idempotency_key")
        try expectRefused(
            "accrue",
            [
                "kind": "invoice", "external_id": marker, "number": Self.combining(40), "date": "2026-03-02T15:30:00Z",
                "currency": "USD", "lines": [["sku": "A", "quantity": 1, "amount": 1]],
            ], code: "invalid_value", field: "number")
        try expectRefused(
            "subscribe",
            ["kind": "stock", "subscriber": ["external_id": marker], "store": "web", "sku": Self.combining(100)],
            code: "invalid_value", field: "sku")
        try expectRefused(
            "subscribe",
            [
                "kind": "stock", "subscriber": ["external_id": marker], "store": "web", "sku": "S",
                "product_name": Self.combining(150),
            ], code: "invalid_value", field: "product_name")
        try expectRefused(
            "register-card", ["kind": "block", "card_number": "7789000000000036", "reason": Self.combining(300)],
            code: "invalid_value", field: "reason")
        // Under the limit in code points, the same text is accepted and stored whole.
        let accepted = try FunctionProcess.run(
            "register-card",
            input: try JSONSerialization.data(withJSONObject: [
                "kind": "issue", "idempotency_key": Self.combining(100) + marker,
                "customer": ["external_id": marker, "name": Self.combining(100)],
            ]))
        #expect(accepted.exitCode == 0, "\(accepted.stderrText)")
        #expect(try count("SELECT count(*)::int AS n FROM customers WHERE external_id = \(marker) AND length(name) = 200") == 1)
    }

    /// Finding 8: NUL cannot be stored in text; it is refused in any field, with the field named.
    @Test func aNULCharacterIsRefusedInEveryField() throws {
        let marker = TestDatabase.unique("N")
        try expectRefused(
            "register-card",
            ["kind": "issue", "idempotency_key": "k-\(marker)", "customer": ["external_id": marker, "name": "Ana\u{0}"]],
            code: "invalid_value", field: "customer.name")
        try expectRefused(
            "register-card", ["kind": "issue", "idempotency_key": "k\u{0}-\(marker)", "customer": ["external_id": marker]],
            code: "invalid_value", field: "idempotency_key")
        try expectRefused(
            "notify-price-drop",
            ["store": "web", "currency": "USD", "items": [["sku": "A", "price": "1.00"], ["sku": "B\u{0}", "price": "2.00"]]],
            code: "invalid_value", field: "items[1].sku")
        try expectRefused(
            "accrue", ["kind": "approve", "invoice_number": "X\u{0}", "reason": "r"], code: "invalid_value",
            field: "invoice_number")
        #expect(try count("SELECT count(*)::int AS n FROM customers WHERE external_id = \(marker)") == 0)
        #expect(try count("SELECT count(*)::int AS n FROM idempotency_keys WHERE key LIKE \("%" + marker)") == 0)
        // An escaped backslash before u0000 is plain text, not NUL: it is accepted.
        let plain = try FunctionProcess.run(
            "register-card", input: Data(#"{"kind":"issue","customer":{"external_id":"\#(marker)","name":"a\\u0000b"}}"#.utf8))
        #expect(plain.exitCode == 0, "\(plain.stderrText)")
    }

    /// Finding 9: an unknown programme is `programme_not_found` (69) with or without a key.
    @Test func anUnknownProgrammeIsNotFoundWithOrWithoutAKey() throws {
        let marker = TestDatabase.unique("P")
        let programme = "nope-\(marker.suffix(8))"
        let events: [(String, [String: Any])] = [
            ("register-card", ["kind": "issue", "programme": programme, "customer": ["external_id": marker]]),
            (
                "accrue",
                [
                    "kind": "adjust", "programme": programme, "external_id": marker, "points": 5, "reason": "r",
                ]
            ),
            (
                "redeem",
                [
                    "kind": "redeem", "programme": programme, "external_id": marker, "points": 5, "order_number": "O-1",
                    "order_amount": 10,
                ]
            ),
            ("configure", ["kind": "settings", "programme": programme, "hold_minutes": 15]),
            (
                "subscribe",
                ["kind": "stock", "programme": programme, "subscriber": ["external_id": marker], "store": "w", "sku": "s"]
            ),
            ("notify-stock", ["kind": "stock", "programme": programme, "store": "w", "sku": "s", "quantity": 1]),
            ("notify-price-drop", ["programme": programme, "store": "w", "currency": "USD", "sku": "s", "price": "1.00"]),
        ]
        for (function, event) in events {
            // An adjustment needs its key; every other event is tried both ways.
            for key in function == "accrue" ? ["k-\(marker)"] : [nil, "k-\(marker)"] {
                var object = event
                if let key { object["idempotency_key"] = key }
                try expectRefused(function, object, exit: 69, code: "programme_not_found", field: "programme")
            }
        }
        #expect(try count("SELECT count(*)::int AS n FROM idempotency_keys WHERE key = \("k-" + marker)") == 0)
    }

    /// Finding 10: a missing signing secret is a configuration error naming the variable (78), not a bug.
    @Test func aMissingSigningSecretIsAConfigurationError() throws {
        let without = ["PUNTOS_SIGNING_SECRET": ""]
        let marker = TestDatabase.unique("S")
        try expectRefused(
            "subscribe",
            ["kind": "stock", "subscriber": ["email": "\(marker.lowercased())@example.com"], "store": "web", "sku": "MUG-2"],
            exit: 78, code: "not_configured", field: "PUNTOS_SIGNING_SECRET", environment: without)
        try expectRefused(
            "deliver", ["kind": "run", "limit": 1], exit: 78, code: "not_configured", field: "PUNTOS_SIGNING_SECRET",
            environment: without)
        #expect(
            try count("SELECT count(*)::int AS n FROM alert_subscriptions WHERE email = \(marker.lowercased() + "@example.com")")
                == 0)
    }

    /// Found by schemathesis against `puntos up`: the most negative 64-bit adjustment crashed `accrue`
    /// (`abs` overflowed), and more decimals than a column keeps failed its CHECK (500). Both are bad input.
    @Test func extremeNumbersAreBadInput() throws {
        let marker = TestDatabase.unique("X")
        try expectRefused(
            "accrue",
            [
                "kind": "adjust", "idempotency_key": "k-\(marker)", "external_id": marker, "points": Int64.min,
                "reason": "r",
            ], code: "invalid_value", field: "points")
        try expectRefused(
            "configure", ["kind": "settings", "idempotency_key": "k1-\(marker)", "point_value": 0.0000001],
            code: "invalid_value", field: "point_value")
        try expectRefused(
            "configure", ["kind": "settings", "idempotency_key": "k2-\(marker)", "max_order_share": 0.00001],
            code: "invalid_value", field: "max_order_share")
        try expectRefused(
            "configure",
            [
                "kind": "promotion", "idempotency_key": "k3-\(marker)", "code": "P-\(marker.suffix(8))", "target": "brand",
                "value": "Acme", "multiplier": 1.00001, "starts_at": "2026-01-01T00:00:00Z", "ends_at": "2027-01-01T00:00:00Z",
            ], code: "invalid_value", field: "multiplier")
        #expect(try count("SELECT count(*)::int AS n FROM idempotency_keys WHERE key LIKE \("%-" + marker)") == 0)
    }
}
