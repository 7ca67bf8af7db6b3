import FoundationEssentials
import PuntosPostgres

/// Behind API Gateway's webhook authorizer, which cannot see the body: the caller signs the
/// `X-Puntos-Content-SHA256` header (the `v2=` scheme: `TS.METHOD.PATH?QUERY.HEXSHA256(BODY)`), the
/// authorizer checks that signature and passes the digest on in its context
/// (`requestContext.authorizer.lambda.content_sha256`), and the function checks here that the body it
/// received has that digest, before anything else reads it.
///
/// On when `PUNTOS_BODY_DIGEST=authorizer` (deploy.yaml sets it for every function). A request that
/// did not go through the authorizer (a public route; `puntos up`, which checks the whole body itself)
/// has no authorizer context and is left alone.
enum BodyDigest {
    static let enabled = Environment.process["PUNTOS_BODY_DIGEST"] == "authorizer"

    /// The 401 answer for a request whose body is not the one the caller signed; nil when it is.
    static func refusal(
        for request: APIGatewayV2Request, requestId: String, enabled: Bool = BodyDigest.enabled
    ) -> APIGatewayV2Response? {
        guard enabled, let authorizer = request.requestContext.authorizer?.lambda else { return nil }
        guard let expected = authorizer["content_sha256"]?.stringValue?.lowercased(), expected.count == 64 else {
            return unauthorized("the authorizer passed no body digest (sign with v2= and X-Puntos-Content-SHA256)", requestId)
        }
        guard let body = try? request.bodyData() ?? Data() else {
            return unauthorized("the body is not base64", requestId)
        }
        guard SHA256Digest.hash(body).hexString == expected else {
            return unauthorized("the body's SHA-256 is not the signed X-Puntos-Content-SHA256", requestId)
        }
        return nil
    }

    private static func unauthorized(_ message: String, _ requestId: String) -> APIGatewayV2Response {
        let error = JSONValue.object([
            "error": .object([
                "code": .string("body_digest_mismatch"), "kind": .string("unauthorized"), "message": .string(message),
            ])
        ])
        return APIGatewayV2Response(
            statusCode: 401, json: (try? JSONCoding.encode(error)) ?? Data(), requestId: requestId)
    }
}
