import Foundation
import PuntosRuntime

/// Webhook authentication: each caller signs its requests with its own secret.
///
///     X-Puntos-Caller:    pos
///     X-Puntos-Timestamp: 1763840000                  (Unix seconds)
///     X-Puntos-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<METHOD>.<path?query>.<body>")>
///
/// Refused (401): a missing header, an unknown caller, a timestamp more than five minutes away, a wrong
/// signature (compared in constant time), or a signature already seen within the window (a replay;
/// GET and HEAD are exempt: reading twice changes nothing, and two identical reads in one second are legitimate).
///
/// `@unchecked Sendable`: `seen` is only touched under `lock`.
final class WebhookAuthenticator: @unchecked Sendable {
    static let window: TimeInterval = 300
    private let secrets: [String: Data]
    private let lock = NSLock()
    private var seen: [String: TimeInterval] = [:]
    private var insertsSincePrune = 0

    /// `pos=secret1,erp=secret2` (the template's `WebhookSecrets` parameter).
    init(secrets specification: String) {
        var secrets: [String: Data] = [:]
        for pair in specification.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            secrets[parts[0].trimmingCharacters(in: .whitespaces)] = Data(parts[1].trimmingCharacters(in: .whitespaces).utf8)
        }
        self.secrets = secrets
    }

    var callers: [String] { secrets.keys.sorted() }

    static func message(timestamp: String, method: String, target: String, body: Data) -> Data {
        Data("\(timestamp).\(method).\(target).".utf8) + body
    }

    /// The caller's name, or why the request is refused.
    func authenticate(
        caller: String?, timestamp: String?, signature: String?, method: String, target: String, body: Data,
        now: Date = Date()
    ) -> Result<String, AuthenticationFailure> {
        guard let caller, let timestamp, let signature else { return .failure(.missing) }
        guard let secret = secrets[caller] else { return .failure(.unknownCaller) }
        guard let seconds = TimeInterval(timestamp), abs(now.timeIntervalSince1970 - seconds) <= Self.window else {
            return .failure(.stale)
        }
        guard signature.hasPrefix("v1="), let given = Data(hex: String(signature.dropFirst(3))),
            HMACSHA256.isValid(
                given, for: Self.message(timestamp: timestamp, method: method, target: target, body: body), key: secret)
        else { return .failure(.wrongSignature) }
        if method == "GET" || method == "HEAD" { return .success(caller) }
        let replayKey = caller + ":" + signature
        let fresh: Bool = lock.withLock {
            let current = now.timeIntervalSince1970
            insertsSincePrune += 1
            if insertsSincePrune >= 10_000 {
                seen = seen.filter { $0.value > current }
                insertsSincePrune = 0
            }
            if let until = seen[replayKey], until > current { return false }
            seen[replayKey] = seconds + Self.window + 1
            return true
        }
        return fresh ? .success(caller) : .failure(.replayed)
    }
}

enum AuthenticationFailure: Error, Equatable {
    case missing, unknownCaller, stale, wrongSignature, replayed

    var code: String {
        switch self {
        case .missing: "signature_missing"
        case .unknownCaller: "unknown_caller"
        case .stale: "stale_timestamp"
        case .wrongSignature: "wrong_signature"
        case .replayed: "replayed_request"
        }
    }

    var message: String {
        switch self {
        case .missing: "sign the request: X-Puntos-Caller, X-Puntos-Timestamp and X-Puntos-Signature are required"
        case .unknownCaller: "the caller named in X-Puntos-Caller has no secret here"
        case .stale: "X-Puntos-Timestamp is more than five minutes from now"
        case .wrongSignature: "the signature does not match the request"
        case .replayed: "this signed request was already received"
        }
    }
}

extension Data {
    init?(hex: String) {
        guard hex.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(hex.count / 2)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.init(bytes)
    }
}
