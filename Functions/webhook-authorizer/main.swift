import PuntosAuthorizer

/// API Gateway's Lambda authorizer for the Puntos HTTP API: checks `X-Puntos-*` signatures (see
/// `WebhookAuthorizer`) against the replay table in PostgreSQL that `puntos up` uses.
AuthorizerMain.run()
