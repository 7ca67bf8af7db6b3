package import FoundationEssentials
import PuntosCore
import PuntosRuntime

/// A hold named by its voucher number or by its order's number (then the order's latest hold).
package struct HoldReference: Sendable, Equatable {
    package var voucher: String?
    package var order: String?

    package init(voucher: String?, order: String?) throws {
        switch (voucher, order) {
        case (let voucher?, nil): self.voucher = try Validate.text(voucher, field: "voucher_number", maxLength: 32)
        case (nil, let order?): self.order = try Validate.text(order, field: "order_number", maxLength: 64)
        default:
            throw FunctionError.badInput(
                .invalidValue, field: "voucher_number", "give exactly one of voucher_number and order_number")
        }
    }

    /// The field a refusal about this hold names.
    package var field: String { voucher != nil ? "voucher_number" : "order_number" }
}

/// What a commit may do with a hold, decided before anything is written.
package enum HoldDecision {
    /// Refuses a hold that is no longer open, or whose time is up.
    package static func requireOpen(_ hold: HoldRow, now: Date) throws {
        try requireOpen(status: hold.status, expiresAt: hold.expiresAt, now: now)
    }

    package static func requireOpen(status: HoldStatus, expiresAt: Date, now: Date) throws {
        guard status == .open else {
            throw FunctionError.refused(.holdIs(status), field: "voucher_number", "the hold is \(status.words)")
        }
        guard expiresAt > now else {
            throw FunctionError.refused(.holdTimedOut, field: "voucher_number", "the hold timed out and its points went back")
        }
    }

    /// The points a commit spends: those asked (all of the hold without), at most the hold, cut to
    /// the order share of the final amount when given, and at least the programme's minimum.
    package static func commitPoints(
        requested: Int64?, orderAmount: Decimal?, hold: HoldRow, policy: RedemptionPolicy
    ) throws -> Int64 {
        try commitPoints(requested: requested, orderAmount: orderAmount, held: hold.points, policy: policy)
    }

    package static func commitPoints(
        requested: Int64?, orderAmount: Decimal?, held: Int64, policy: RedemptionPolicy
    ) throws -> Int64 {
        var points = requested ?? held
        if points > held {
            throw FunctionError.refused(.exceedsHold, field: "points", "the hold is for \(held) points")
        }
        if let orderAmount {
            points = min(points, policy.maxPoints(orderAmount: orderAmount))
        }
        if points < max(policy.minimum, 1) {
            throw FunctionError.refused(
                .belowMinimum, field: "points", "at least \(policy.minimum) points must be redeemed; release the hold instead")
        }
        return points
    }
}
