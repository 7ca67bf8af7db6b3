import Foundation
import PuntosTestSupport
import Testing

/// The `member-data` executable run as an administrator's script or the HTTP route would run it.
@Suite struct MemberDataProcessTests {
    @Test func exportEraseAndRepeatThroughTheExecutable() throws {
        let tag = UUID().uuidString.lowercased().prefix(10)
        let email = "process.\(tag)@example.com"
        let issue = try FunctionProcess.run(
            "register-card",
            input: Data(
                #"{"kind":"issue","customer":{"external_id":"MDP-\#(tag)","email":"\#(email)","name":"Proc \#(tag)"}}"#.utf8))
        #expect(issue.exitCode == 0, "\(issue.stderrText)")
        let customer = try #require((issue.json?["customer"] as? [String: Any])?["id"] as? Int)

        let export = try FunctionProcess.run("member-data", input: Data(#"{"kind":"export","email":"\#(email)"}"#.utf8))
        #expect(export.exitCode == 0, "\(export.stderrText)")
        let member = try #require(export.json?["member"] as? [String: Any])
        #expect((member["customer"] as? [String: Any])?["email"] as? String == email)
        #expect((member["cards"] as? [Any])?.count == 1)

        let erase = try FunctionProcess.run(
            "member-data", input: Data(#"{"kind":"erase","external_id":"MDP-\#(tag)","reason":"asked by the member"}"#.utf8))
        #expect(erase.exitCode == 0, "\(erase.stderrText)")
        let summary = try #require(erase.json?["erasure"] as? [String: Any])
        #expect(summary["customer_id"] as? Int == customer)
        #expect(summary["cards_blocked"] as? Int == 1)
        // A repeat answers the same, byte for byte.
        let again = try FunctionProcess.run("member-data", input: Data(#"{"kind":"erase","email":"\#(email)"}"#.utf8))
        #expect(again.exitCode == 0, "\(again.stderrText)")
        #expect(again.stdout == erase.stdout)
        // The export now holds no e-mail.
        let after = try FunctionProcess.run("member-data", input: Data(#"{"kind":"export","customer_id":\#(customer)}"#.utf8))
        #expect(after.exitCode == 0)
        #expect(!after.stdoutText.contains(email))
        #expect(!after.stdoutText.contains("MDP-\(tag)"))
    }

    @Test func refusalsExitWithTheirCodes() throws {
        let unknown = try FunctionProcess.run(
            "member-data", input: Data(#"{"kind":"erase","email":"nobody-\#(UUID().uuidString)@example.com"}"#.utf8))
        #expect(unknown.exitCode == 69)
        #expect((unknown.error?["code"] as? String) == "member_not_found")
        #expect((unknown.error?["field"] as? String) == "email")
        let none = try FunctionProcess.run("member-data", input: Data(#"{"kind":"erase"}"#.utf8))
        #expect(none.exitCode == 65)
        #expect((none.error?["code"] as? String) == "invalid_lookup")
        let badEmail = try FunctionProcess.run("member-data", input: Data(#"{"kind":"export","email":"not-an-address"}"#.utf8))
        #expect(badEmail.exitCode == 65)
        #expect((badEmail.error?["field"] as? String) == "email")
        let kind = try FunctionProcess.run("member-data", input: Data(#"{"kind":"forget","customer_id":1}"#.utf8))
        #expect(kind.exitCode == 65)
        #expect((kind.error?["field"] as? String) == "kind")
        let extra = try FunctionProcess.run("member-data", input: Data(#"{"kind":"export","customer_id":1,"surplus":true}"#.utf8))
        #expect(extra.exitCode == 65)
    }

    /// Over HTTP, as API Gateway hands it: the route decides the kind, 404 for an unknown member.
    @Test func anAPIGatewayRequestOnTheEraseRoute() throws {
        let body = #"{"external_id":"nobody-\#(UUID().uuidString)"}"#
        let request: [String: Any] = [
            "version": "2.0", "routeKey": "POST /members/erase", "rawPath": "/members/erase",
            "requestContext": ["requestId": "r-1", "http": ["method": "POST", "path": "/members/erase"]],
            "body": body, "isBase64Encoded": false,
        ]
        let outcome = try FunctionProcess.run("member-data", input: try JSONSerialization.data(withJSONObject: request))
        #expect(outcome.exitCode == 0, "\(outcome.stderrText)")
        #expect(outcome.json?["statusCode"] as? Int == 404)
        let export: [String: Any] = [
            "version": "2.0", "routeKey": "POST /members/export", "rawPath": "/members/export",
            "requestContext": ["requestId": "r-2", "http": ["method": "POST", "path": "/members/export"]],
            "body": #"{"kind":"erase","external_id":"x"}"#, "isBase64Encoded": false,
        ]
        let widened = try FunctionProcess.run("member-data", input: try JSONSerialization.data(withJSONObject: export))
        #expect(widened.json?["statusCode"] as? Int == 400)
    }
}
