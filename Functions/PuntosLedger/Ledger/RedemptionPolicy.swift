package import FoundationEssentials
import PuntosCore
import PuntosRuntime

/// The programme's limits on spending points, checked before any write.
package struct RedemptionPolicy: Sendable, Equatable {
    package var minimum: Int64
    package var pointValue: Decimal
    package var maxOrderShare: Decimal

    package init(minimum: Int64, pointValue: Decimal, maxOrderShare: Decimal) {
        self.minimum = minimum
        self.pointValue = pointValue
        self.maxOrderShare = maxOrderShare
    }

    /// The money value of `points`, exact.
    package func value(_ points: Int64) -> Decimal { Decimal(points) * pointValue }

    /// The most points an order of `amount` may be paid with.
    package func maxPoints(orderAmount amount: Decimal) -> Int64 {
        Rounding.down.points(amount * maxOrderShare / pointValue)
    }

    /// Refuses with `below_minimum`, `exceeds_order_share` or `insufficient_points`.
    package func check(points: Int64, orderAmount: Decimal, available: Int64) throws {
        if points < minimum {
            throw FunctionError.refused(.belowMinimum, field: "points", "at least \(minimum) points must be redeemed at once")
        }
        let cap = maxPoints(orderAmount: orderAmount)
        if points > cap {
            throw FunctionError.refused(
                .exceedsOrderShare, field: "points",
                "at most \(cap) points may pay for this order (\(maxOrderShare * 100)% of \(orderAmount))")
        }
        if points > available {
            throw FunctionError.refused(
                .insufficientPoints, field: "points", "the card has \(max(available, 0)) points available")
        }
    }
}
