import FoundationEssentials
package import PuntosCore
package import PuntosRuntime

/// How `deliver` reaches people, read from the environment. Every key, its type and default:
/// - `PUNTOS_SMTP_URL` (URL, none): `smtp://host:587` (STARTTLS when offered) or `smtps://host:465`;
///   `PUNTOS_SMTP_USERNAME`, `PUNTOS_SMTP_PASSWORD` (optional login); `PUNTOS_SMTP_REQUIRE_TLS` (`1` to refuse plain text).
/// - `PUNTOS_MAIL_FROM` (String, `Puntos <noreply@puntos.invalid>`): the From header; its address is the envelope sender.
/// - `PUNTOS_SMS_URL` (URL, none): the SMS provider's endpoint, sent a POST with `PUNTOS_SMS_BODY`
///   (JSON template, default `{"to":"{{to}}","text":"{{text}}"}`; `{{to}}`, `{{text}}` are JSON-escaped)
///   and `PUNTOS_SMS_AUTHORIZATION` (optional `Authorization` header value).
/// - `PUNTOS_WEBHOOK_URL` (URL, none) and `PUNTOS_WEBHOOK_SECRET` (`whsec_<base64>` or text): signed webhooks.
/// - `PUNTOS_DAILY_CAP` (Int, 10): marketing messages (price drops, restocks) per recipient, kind and
///   channel in 24 hours, for a kind the programme sets no cap for (`DailyCap`); transactional never capped.
/// - `PUNTOS_SMS_QUIET_HOURS` (`HH:MM-HH:MM`, `21:00-08:00`; `off` for none), in the customer's time zone,
///   else `PUNTOS_DEFAULT_TIME_ZONE` (IANA name, `UTC`).
/// - `PUNTOS_RETRY_BASE_S` (60), `PUNTOS_RETRY_MAX_S` (21600), `PUNTOS_RETRY_ATTEMPTS` (8): the retry policy.
/// - `PUNTOS_DELIVER_BATCH` (Int, 200): notices claimed at once; `PUNTOS_DELIVER_MAX` (Int, 5000) per run.
/// Links use `AlertsConfiguration` (`PUNTOS_PUBLIC_URL`, `PUNTOS_SIGNING_SECRET`); payouts `PayoutProvider` (`PUNTOS_PAYOUT_*`).
package struct DeliveryConfiguration: Sendable {
    package var smtp: SMTPConfiguration?
    package var mailFrom = "Puntos <noreply@puntos.invalid>"
    package var smsURL: String?
    package var smsBodyTemplate = #"{"to":"{{to}}","text":"{{text}}"}"#
    package var smsAuthorization: String?
    package var webhookURL: String?
    package var webhookSecret: String?
    package var dailyCap = 10
    package var quietHours: QuietHours? = QuietHours(start: 21 * 60, end: 8 * 60)
    package var defaultTimeZone = "UTC"
    package var retry = RetryPolicy()
    package var batchSize = 200
    package var maxPerRun = 5000
    package var links = AlertsConfiguration()
    /// The payout provider (`PUNTOS_PAYOUT_*`, see `PayoutProvider`).
    package var payouts = PayoutProvider()

    package init() {}

    package static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> DeliveryConfiguration
    {
        func value(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
        var configuration = DeliveryConfiguration()
        if let url = value("PUNTOS_SMTP_URL") {
            configuration.smtp = SMTPConfiguration(
                url: url, username: value("PUNTOS_SMTP_USERNAME"), password: value("PUNTOS_SMTP_PASSWORD"),
                requireTLS: value("PUNTOS_SMTP_REQUIRE_TLS") == "1")
        }
        if let from = value("PUNTOS_MAIL_FROM") { configuration.mailFrom = from }
        configuration.smsURL = value("PUNTOS_SMS_URL")
        if let body = value("PUNTOS_SMS_BODY") { configuration.smsBodyTemplate = body }
        configuration.smsAuthorization = value("PUNTOS_SMS_AUTHORIZATION")
        configuration.webhookURL = value("PUNTOS_WEBHOOK_URL")
        configuration.webhookSecret = value("PUNTOS_WEBHOOK_SECRET")
        if let cap = value("PUNTOS_DAILY_CAP").flatMap(Int.init), cap >= 0 { configuration.dailyCap = cap }
        if let quiet = value("PUNTOS_SMS_QUIET_HOURS") {
            configuration.quietHours = quiet == "off" ? nil : QuietHours.parse(quiet)
        }
        if let zone = value("PUNTOS_DEFAULT_TIME_ZONE") { configuration.defaultTimeZone = zone }
        if let base = value("PUNTOS_RETRY_BASE_S").flatMap(Double.init), base > 0 { configuration.retry.baseSeconds = base }
        if let max = value("PUNTOS_RETRY_MAX_S").flatMap(Double.init), max > 0 { configuration.retry.maxSeconds = max }
        if let attempts = value("PUNTOS_RETRY_ATTEMPTS").flatMap(Int.init), attempts > 0 {
            configuration.retry.maxAttempts = attempts
        }
        if let batch = value("PUNTOS_DELIVER_BATCH").flatMap(Int.init), batch > 0 { configuration.batchSize = min(batch, 5000) }
        if let max = value("PUNTOS_DELIVER_MAX").flatMap(Int.init), max > 0 { configuration.maxPerRun = max }
        configuration.links = .fromEnvironment(environment)
        configuration.payouts = .fromEnvironment(environment)
        return configuration
    }

    /// The bare address of `mailFrom` (`a@b` of `Name <a@b>`), the envelope sender.
    package var envelopeFrom: String {
        guard let open = mailFrom.lastIndex(of: "<"), let close = mailFrom.lastIndex(of: ">"), open < close else {
            return mailFrom.trimmingSpaces
        }
        return String(mailFrom[mailFrom.index(after: open)..<close])
    }

    package var mailDomain: String { envelopeFrom.split(separator: "@").last.map(String.init) ?? "puntos.invalid" }

    /// Whether a channel can be used at all.
    package func isConfigured(_ channel: DeliveryChannel) -> Bool {
        switch channel {
        case .email: smtp != nil
        case .sms: smsURL != nil
        case .webhook: webhookURL != nil && webhookSecret != nil
        }
    }
}
