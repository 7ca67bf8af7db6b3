import Foundation
import Hummingbird
import NIOCore

/// A request context that knows who is calling (the invoke endpoint answers loopback callers only),
/// the request's id, and, once `SignatureMiddleware` has checked it, who signed the request.
struct GatewayContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?
    /// The connection, so that an answer given before the body was read can stop reading it.
    let channel: any Channel
    /// The caller's `X-Request-Id` when it is a sane token, else a fresh one (`RequestLogMiddleware`).
    var requestId: String
    /// The verified caller and the digest of the body it signed, as API Gateway's authorizer passes
    /// them on; nil on a public route.
    var authorizer: Authorizer?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        channel = source.channel
        requestId = UUID().uuidString.lowercased()
    }

    /// The route the request matched, as metrics and logs name it (`POST /cards`, `invoke`, `/healthz`).
    var route: String {
        get { coreContext.endpointPath.value ?? "unmatched" }
        nonmutating set { coreContext.endpointPath.value = newValue }
    }
}

/// What the webhook authorizer learnt: the caller, and the SHA-256 (hex) of the body that was checked.
struct Authorizer: Sendable, Equatable {
    let caller: String
    let contentSHA256: String
}
