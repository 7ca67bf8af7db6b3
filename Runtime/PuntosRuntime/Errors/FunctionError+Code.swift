extension FunctionError {
    /// Every machine-readable error code Puntos answers with: the functions' and `puntos`' own. A code
    /// is a case here or it does not compile; the README's error-code table lists exactly these
    /// (ErrorCatalogueTests checks both ways). Codes are stable API: add cases, never rename one.
    ///
    /// The 401 codes of a refused signature are `AuthenticationFailure.code` (PuntosWebhooks), and the
    /// AWS Invoke API's own exception names (`ResourceNotFoundException`, ...) are AWS's vocabulary.
    public enum Code: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
        // The event as a whole (400).
        case invalidJSON = "invalid_json"
        case invalidUTF8 = "invalid_utf8"
        case unreadableInput = "unreadable_input"
        case invalidEnvelope = "invalid_envelope"
        case invalidBody = "invalid_body"
        case eventTooLarge = "event_too_large"
        case unknownRoute = "unknown_route"
        case notScheduled = "not_scheduled"
        case pathParameterMismatch = "path_parameter_mismatch"
        case kindNotAllowed = "kind_not_allowed"

        // One field (400): the error's `field` names it.
        case missingField = "missing_field"
        case unknownField = "unknown_field"
        case wrongType = "wrong_type"
        case unknownKind = "unknown_kind"
        case invalidValue = "invalid_value"
        case invalidText = "invalid_text"
        case invalidCardNumber = "invalid_card_number"
        case invalidEmail = "invalid_email"
        case invalidPhone = "invalid_phone"
        case invalidCurrency = "invalid_currency"
        case unknownCurrency = "unknown_currency"
        case invalidCursor = "invalid_cursor"
        case invalidLookup = "invalid_lookup"
        case invalidSubscriber = "invalid_subscriber"
        case invalidToken = "invalid_token"
        case duplicateSKU = "duplicate_sku"
        case invalidWebhookSecrets = "invalid_webhook_secrets"
        case missingWebhookSecrets = "missing_webhook_secrets"
        case invalidCouponCode = "invalid_coupon_code"
        case invalidReferralCode = "invalid_referral_code"
        case cardNumberNotAllowed = "card_number_not_allowed"

        // Not found (404).
        case cardNotFound = "card_not_found"
        case customerNotFound = "customer_not_found"
        case programmeNotFound = "programme_not_found"
        case invoiceNotFound = "invoice_not_found"
        case orderNotFound = "order_not_found"
        case holdNotFound = "hold_not_found"
        case noticeNotFound = "notice_not_found"
        case subscriptionNotFound = "subscription_not_found"
        case memberNotFound = "member_not_found"
        case rewardNotFound = "reward_not_found"
        case couponNotFound = "coupon_not_found"
        case organisationNotFound = "organisation_not_found"
        case referralCodeNotFound = "referral_code_not_found"
        case actionNotConfigured = "action_not_configured"
        case payoutNotFound = "payout_not_found"

        // Contradicts an earlier event (409).
        case idempotencyConflict = "idempotency_conflict"
        case invoiceExists = "invoice_exists"
        case promotionExists = "promotion_exists"
        case customerMismatch = "customer_mismatch"
        case mergeIntoItself = "merge_into_itself"
        case memberMerged = "member_merged"
        case memberErased = "member_erased"
        case mergeAcrossProgrammes = "merge_across_programmes"
        case memberBalanceNegative = "member_balance_negative"
        case mergeOrganisationAccount = "merge_organisation_account"
        case alreadyMember = "already_member"
        case payoutSettled = "payout_settled"
        case payoutInFlight = "payout_in_flight"

        // Refused by a business rule (422).
        case cardTaken = "card_taken"
        case cardReplaced = "card_replaced"
        case cardBlocked = "card_blocked"
        case customerHasCard = "customer_has_card"
        case insufficientPoints = "insufficient_points"
        case belowMinimum = "below_minimum"
        case exceedsOrderShare = "exceeds_order_share"
        case exceedsHold = "exceeds_hold"
        case holdTimedOut = "hold_timed_out"
        case holdCommitted = "hold_committed"
        case holdReleased = "hold_released"
        case orderHasHold = "order_has_hold"
        case notPendingModeration = "not_pending_moderation"
        case priceUnknown = "price_unknown"
        case tokenExpired = "token_expired"
        case currencyInUse = "currency_in_use"
        case regionDisabled = "region_disabled"
        case rewardSoldOut = "reward_sold_out"
        case rewardLimitReached = "reward_limit_reached"
        case rewardNotOffered = "reward_not_offered"
        case couponUsed = "coupon_used"
        case couponExpired = "coupon_expired"
        case couponNotApplicable = "coupon_not_applicable"
        case couponNotCombinable = "coupon_not_combinable"
        case couponNotUsed = "coupon_not_used"
        case excludedByOtherProgramme = "excluded_by_other_programme"
        case roleNotAllowed = "role_not_allowed"
        case pointsModeFixed = "points_mode_fixed"
        case payoutNotApproved = "payout_not_approved"
        case notPayoutProvider = "not_payout_provider"

        // Try again later (503).
        case contention
        case databaseUnavailable = "database_unavailable"

        // The deployment (500).
        case notConfigured = "not_configured"
        case databaseMisconfigured = "database_misconfigured"
        case internalError = "internal_error"

        // Answered by `puntos` itself, before or around a function.
        case noRoute = "no_route"
        case methodNotAllowed = "method_not_allowed"
        case bodyNotAllowed = "body_not_allowed"
        case bodyTooLarge = "body_too_large"
        case bodyTimeout = "body_timeout"
        case invalidContentLength = "invalid_content_length"
        case forbidden
        case unknownQueue = "unknown_queue"
        case functionUnavailable = "function_unavailable"
        case functionError = "function_error"
        case functionCrashed = "function_crashed"
        case functionTimedOut = "function_timed_out"
        case functionBusy = "function_busy"
        case shuttingDown = "shutting_down"

        /// The code as answered (`invalid_value`), also in logs and string interpolation.
        public var description: String { rawValue }

        /// The refusal for using a card in `status` (`blocked`, `replaced`): `card_<status>`.
        public static func cardIs(_ status: String) -> Code { Code(rawValue: "card_\(status)") ?? .internalError }

        /// The refusal for acting on a hold that is no longer open (`committed`, `released`, `timed_out`).
        public static func holdIs(_ status: String) -> Code { Code(rawValue: "hold_\(status)") ?? .internalError }
    }
}
