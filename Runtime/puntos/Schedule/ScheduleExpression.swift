import Foundation

/// EventBridge schedule expressions: `rate(5 minutes)` and `cron(Minutes Hours Day-of-month Month
/// Day-of-week Year)` in UTC, with `*`, `?`, lists, ranges and steps (not `L`, `W` or `#`).
/// `rate(N seconds)` is a local extension for tests; AWS's minimum is one minute.
enum ScheduleExpression: Sendable, Equatable {
    case rate(seconds: Int)
    case cron(minutes: Set<Int>, hours: Set<Int>, days: Set<Int>?, months: Set<Int>, weekdays: Set<Int>?, years: Set<Int>?)

    init(_ text: String) throws(TemplateError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("rate("), trimmed.hasSuffix(")") {
            let parts = trimmed.dropFirst(5).dropLast().split(separator: " ")
            guard parts.count == 2, let value = Int(parts[0]), value > 0 else {
                throw TemplateError("bad rate expression: \(text)")
            }
            let unit: Int
            switch parts[1] {
            case "second", "seconds": unit = 1
            case "minute", "minutes": unit = 60
            case "hour", "hours": unit = 3600
            case "day", "days": unit = 86400
            default: throw TemplateError("bad rate unit in \(text)")
            }
            self = .rate(seconds: value * unit)
        } else if trimmed.hasPrefix("cron("), trimmed.hasSuffix(")") {
            let fields = trimmed.dropFirst(5).dropLast().split(separator: " ").map(String.init)
            guard fields.count == 6 else { throw TemplateError("cron needs 6 fields (min hour day month weekday year): \(text)") }
            let months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
            let weekdays = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
            func field(_ value: String, _ range: ClosedRange<Int>, names: [String] = [], nameBase: Int = 1) throws(TemplateError)
                -> Set<Int>?
            {
                if value == "?" { return nil }
                var result: Set<Int> = []
                for item in value.split(separator: ",") {
                    var stepText: Substring = "1"
                    var rangeText = item
                    if let slash = item.firstIndex(of: "/") {
                        rangeText = item[..<slash]
                        stepText = item[item.index(after: slash)...]
                    }
                    func number(_ text: Substring) throws(TemplateError) -> Int {
                        if let index = names.firstIndex(of: text.uppercased()) { return index + nameBase }
                        guard let number = Int(text), range.contains(number) else {
                            throw TemplateError("bad cron field \(value) in \(text)")
                        }
                        return number
                    }
                    guard let step = Int(stepText), step > 0 else { throw TemplateError("bad cron step in \(text)") }
                    let lower: Int, upper: Int
                    if rangeText == "*" {
                        (lower, upper) = (range.lowerBound, range.upperBound)
                    } else if let dash = rangeText.firstIndex(of: "-") {
                        (lower, upper) = (try number(rangeText[..<dash]), try number(rangeText[rangeText.index(after: dash)...]))
                    } else {
                        lower = try number(rangeText)
                        upper = item.contains("/") ? range.upperBound : lower
                    }
                    guard lower <= upper else { throw TemplateError("bad cron range in \(text)") }
                    result.formUnion(stride(from: lower, through: upper, by: step))
                }
                return result
            }
            guard let minutes = try field(fields[0], 0...59), let hours = try field(fields[1], 0...23),
                let monthSet = try field(fields[3], 1...12, names: months)
            else {
                throw TemplateError("? is only for day-of-month or day-of-week: \(text)")
            }
            let days = try field(fields[2], 1...31)
            let weekdaySet = try field(fields[4], 1...7, names: weekdays)
            guard (days == nil) != (weekdaySet == nil) else {
                throw TemplateError("cron needs ? in exactly one of day-of-month and day-of-week: \(text)")
            }
            self = .cron(
                minutes: minutes, hours: hours, days: days, months: monthSet, weekdays: weekdaySet,
                years: fields[5] == "*" ? nil : try field(fields[5], 1970...2199))
        } else {
            throw TemplateError("a schedule is rate(...) or cron(...): \(text)")
        }
    }

    /// The first firing time strictly after `date`. Rates are aligned on the Unix epoch, so that every
    /// puntos process sharing a database agrees on the ticks.
    func next(after date: Date) -> Date? {
        switch self {
        case .rate(let seconds):
            let now = date.timeIntervalSince1970
            return Date(timeIntervalSince1970: (floor(now / Double(seconds)) + 1) * Double(seconds))
        case .cron(let minutes, let hours, let days, let months, let weekdays, let years):
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            var candidate = Date(timeIntervalSince1970: (floor(date.timeIntervalSince1970 / 60) + 1) * 60)
            for _ in 0..<(366 * 24 * 60 * 5) {
                let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: candidate)
                let dayMatches = days.map { $0.contains(parts.day!) } ?? weekdays!.contains(parts.weekday!)
                if let years, !years.contains(parts.year!) || !months.contains(parts.month!) || !dayMatches {
                    candidate = calendar.startOfDay(for: candidate).addingTimeInterval(86400)
                    continue
                }
                if !months.contains(parts.month!) || !dayMatches {
                    candidate = calendar.startOfDay(for: candidate).addingTimeInterval(86400)
                    continue
                }
                if !hours.contains(parts.hour!) {
                    candidate = Date(timeIntervalSince1970: (floor(candidate.timeIntervalSince1970 / 3600) + 1) * 3600)
                    continue
                }
                if minutes.contains(parts.minute!) { return candidate }
                candidate.addTimeInterval(60)
            }
            return nil
        }
    }
}
