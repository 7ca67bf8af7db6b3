package import FoundationEssentials
import PuntosRuntime

/// A customer's birth date, `YYYY-MM-DD`: a real calendar day, from 1900, not after today (UTC,
/// allowing the day that has begun somewhere). Stored in `customers.birth_date`.
package struct BirthDate: Sendable, Hashable, CustomStringConvertible {
    package let year: Int
    package let month: Int
    package let day: Int

    /// The date as typed; anything but a past calendar day is refused naming `field`.
    package static func parse(_ text: String, field: String, now: Date = Date()) throws -> BirthDate {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else {
            throw FunctionError.badInput(.invalidValue, field: field, "\(field) must be a date such as 1990-04-27")
        }
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) else {
            throw FunctionError.badInput(.invalidValue, field: field, "\(field) is not a day of the calendar")
        }
        let date = BirthDate(year: year, month: month, day: day)
        guard year >= 1900 else {
            throw FunctionError.badInput(.invalidValue, field: field, "\(field) must not be before 1900")
        }
        // Tomorrow in UTC is already today east of it.
        guard date.description <= Self.utcDay(now.addingTimeInterval(86_400)) else {
            throw FunctionError.badInput(.invalidValue, field: field, "\(field) must not be in the future")
        }
        return date
    }

    package static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func utcDay(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return BirthDate(year: c.year!, month: c.month!, day: c.day!).description
    }

    package var description: String {
        func pad(_ n: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(n).count)) + String(n) }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }
}
