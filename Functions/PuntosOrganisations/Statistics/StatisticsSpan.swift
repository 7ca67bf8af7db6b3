import PuntosRuntime

/// The days and periods a statistics request covers, validated: `from` and `to` are calendar days
/// (YYYY-MM-DD, in the programme's time zone), both included, at most `maxDays` apart; `period` is
/// how the rows are cut.
struct StatisticsSpan: Equatable {
    static let maxDays = 1_100
    static let periods = ["day", "week", "month", "year"]

    var from: String
    var to: String
    var period: String

    init(from: String, to: String, period: String?) throws {
        let first = try Self.day(from, field: "from")
        let last = try Self.day(to, field: "to")
        guard last >= first else { throw FunctionError.badInput(.invalidValue, field: "to", "to must not be before from") }
        guard last - first < Self.maxDays else {
            throw FunctionError.badInput(.invalidValue, field: "to", "from and to must be at most \(Self.maxDays) days apart")
        }
        let period = period ?? "month"
        guard Self.periods.contains(period) else {
            throw FunctionError.badInput(.invalidValue, field: "period", "period must be one of: day, week, month, year")
        }
        self.from = from
        self.to = to
        self.period = period
    }

    /// A calendar day as YYYY-MM-DD, as a day number (days since 1970-01-01); anything else is refused.
    static func day(_ text: String, field: String) throws -> Int {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.utf8.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1900...9999).contains(year), (1...12).contains(month), (1...daysIn(month, of: year)).contains(day)
        else {
            throw FunctionError.badInput(.invalidValue, field: field, "\(field) must be a calendar day as YYYY-MM-DD")
        }
        return daysFromCivil(year: year, month: month, day: day)
    }

    static func daysIn(_ month: Int, of year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Howard Hinnant's days_from_civil: the proleptic Gregorian day number.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
