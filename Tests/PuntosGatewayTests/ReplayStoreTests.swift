import Foundation
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import PuntosWebhooks
import Testing

/// The replay table on the real test database: one claim wins, across connections and re-encodings.
@Suite struct ReplayStoreTests {
    static let verifier = WebhookVerifier(specification: "pos=s3cret")

    func signedRequest(signature: String, timestamp: String, body: [UInt8]) -> SignedRequest {
        SignedRequest(
            caller: "pos", timestamp: timestamp, signature: signature, method: "POST", target: "/redemptions", body: body)
    }

    @Test func aSignedRequestIsAcceptedOnceWhateverItsHexCase() throws {
        let first = try TestDatabase.make(), second = try TestDatabase.make()
        defer { first.close(); second.close() }
        let now = Date()
        let timestamp = String(Int(now.timeIntervalSince1970))
        let body = Array(TestDatabase.unique("replay").utf8)
        let signature = SignedMessage.sign(
            scheme: .v1, secret: Array("s3cret".utf8), timestamp: timestamp, method: "POST", target: "/redemptions",
            body: body
        ).headerValue
        let upper = "v1=" + signature.dropFirst(3).uppercased()
        let mixed =
            "v1="
            + signature.dropFirst(3).enumerated().map { $0.offset % 2 == 0 ? $0.element.uppercased() : String($0.element) }
            .joined()
        func claim(_ signature: String, on database: Database) throws -> Bool {
            let result = try database.withConnection {
                try Self.verifier.verifyAndClaim(
                    self.signedRequest(signature: signature, timestamp: timestamp, body: body), now: now, on: $0)
            }
            switch result {
            case .success: return true
            case .failure(let failure):
                #expect(failure == .replayed)
                return false
            }
        }
        #expect(try claim(signature, on: first))
        // The same request again: on the same connection, on another (another instance), re-encoded.
        #expect(try !claim(signature, on: first))
        #expect(try !claim(signature, on: second))
        #expect(try !claim(upper, on: second))
        #expect(try !claim(mixed, on: first))
        let rows = try first.withConnection {
            try $0.query(
                "SELECT count(*) AS n FROM webhook_replays WHERE caller = 'pos' AND signed_at = to_timestamp(\(Int64(timestamp)!)) AND mac = decode(\(String(signature.dropFirst(3))), 'hex')"
            ).one().decode("n", as: Int.self)
        }
        #expect(rows == 1)
    }

    @Test func concurrentClaimsOfOneMACHaveOneWinner() async throws {
        let mac = Array(SecureRandom.bytes(32))
        let signedAt = Int64(Date().timeIntervalSince1970)
        let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let database = try TestDatabase.make()
                    defer { database.close() }
                    return try database.withConnection {
                        try ReplayStore.claim(caller: "race", mac: mac, signedAt: signedAt, expiresAt: signedAt + 600, on: $0)
                    }
                }
            }
            var wins = 0
            for try await won in group where won { wins += 1 }
            return wins
        }
        #expect(wins == 1)
    }

    @Test func theSweepDeletesOnlyExpiredRecords() throws {
        let database = try TestDatabase.make()
        defer { database.close() }
        let caller = TestDatabase.unique("sweep")
        let old = Array(SecureRandom.bytes(32)), fresh = Array(SecureRandom.bytes(32))
        let now = Int64(Date().timeIntervalSince1970)
        try database.withConnection { connection in
            #expect(try ReplayStore.claim(caller: caller, mac: old, signedAt: now - 1000, expiresAt: now - 400, on: connection))
            #expect(try ReplayStore.claim(caller: caller, mac: fresh, signedAt: now, expiresAt: now + 600, on: connection))
            #expect(try ReplayStore.sweep(now: Date(timeIntervalSince1970: TimeInterval(now)), on: connection) >= 1)
            let left = try connection.query("SELECT count(*) AS n FROM webhook_replays WHERE caller = \(caller)").one()
                .decode("n", as: Int.self)
            #expect(left == 1)
            // The expired one may be claimed again (its timestamp is stale anyway); the fresh one not.
            #expect(try ReplayStore.claim(caller: caller, mac: old, signedAt: now - 1000, expiresAt: now - 400, on: connection))
            #expect(try !ReplayStore.claim(caller: caller, mac: fresh, signedAt: now, expiresAt: now + 600, on: connection))
        }
    }
}
