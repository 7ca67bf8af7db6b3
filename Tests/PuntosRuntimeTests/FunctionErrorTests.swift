import Foundation
import PuntosPostgres
import PuntosRuntime
import Testing

@Suite struct FunctionErrorTests {
    @Test(arguments: [
        (FunctionError.Kind.badInput, Int32(65), 400),
        (.notFound, 69, 404),
        (.conflict, 69, 409),
        (.refused, 69, 422),
        (.temporary, 75, 503),
        (.bug, 70, 500),
    ])
    func kindDecidesExitCodeAndStatus(_ kind: FunctionError.Kind, _ exitCode: Int32, _ status: Int) {
        let error = FunctionError(kind, code: .invalidValue, message: "m")
        #expect(error.exitCode == exitCode)
        #expect(error.httpStatus == status)
    }

    @Test func encodesAsOneErrorObject() throws {
        let error = FunctionError.badInput(.missingField, field: "customer.email", "customer.email is required")
        let object = try JSONSerialization.jsonObject(with: JSONCoding.encode(error)) as? [String: Any]
        let body = try #require(object?["error"] as? [String: Any])
        #expect(body["code"] as? String == "missing_field")
        #expect(body["field"] as? String == "customer.email")
        #expect(body["message"] as? String == "customer.email is required")
        #expect(try JSONCoding.decoder().decode(FunctionError.self, from: JSONCoding.encode(error)) == error)
    }

    @Test func databaseOutagesAreTemporaryAndBugsRevealNoValues() {
        let refused = PostgresError(code: .connectionFailed, message: "cannot connect")
        #expect(FunctionError(converting: refused).kind == .temporary)
        #expect(FunctionError(converting: refused).exitCode == 75)
        let busy = PostgresError(code: .server, sqlState: .serializationFailure, message: "could not serialize")
        #expect(FunctionError(converting: busy).kind == .temporary)
        let violation = PostgresError(
            code: .server, sqlState: .checkViolation, message: "violates check",
            detail: "Failing row contains (secret@example.com)")
        let converted = FunctionError(converting: violation)
        #expect(converted.kind == .bug)
        #expect(!converted.message.contains("secret@example.com"))
        #expect(!violation.debugDescription.contains("secret@example.com"))
        struct Strange: Error {}
        #expect(FunctionError(converting: Strange()).exitCode == 70)
    }
}
