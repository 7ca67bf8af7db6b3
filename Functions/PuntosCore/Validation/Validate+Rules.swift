package import FoundationEssentials
import PuntosRuntime

/// Rules more than one function checks, each written once.
extension Validate {
    /// The most points one event may move either way: spend, hold, correct or require.
    package static let pointsLimit: Int64 = 100_000_000

    /// How far ahead of the server's clock a client's timestamp may be and still count as "now".
    package static let clockTolerance: TimeInterval = 300

    /// Points to spend or hold: 1 to the limit.
    package static func points(_ points: Int64, field: String = "points") throws {
        guard (1...pointsLimit).contains(points) else {
            throw FunctionError.badInput(.invalidValue, field: field, "\(field) must be 1 to \(pointsLimit)")
        }
    }

    /// A manual correction: non-zero, at most the limit either way.
    package static func pointsCorrection(_ points: Int64, field: String = "points") throws {
        guard points != 0, (-pointsLimit...pointsLimit).contains(points) else {
            throw FunctionError.badInput(
                .invalidValue, field: field, "\(field) must be non-zero and at most \(pointsLimit) either way")
        }
    }

    /// A threshold in points: 0 to the limit.
    package static func pointsThreshold(_ points: Int64, field: String) throws {
        guard (0...pointsLimit).contains(points) else {
            throw FunctionError.badInput(.invalidValue, field: field, "\(field) must be 0 to \(pointsLimit)")
        }
    }

    /// A moment that has happened: not in the future, allowing `clockTolerance` for the sender's clock.
    package static func notInFuture(_ date: Date, field: String, now: Date) throws {
        guard date <= now.addingTimeInterval(clockTolerance) else {
            throw FunctionError.badInput(.invalidValue, field: field, "\(field) must not be in the future")
        }
    }
}
