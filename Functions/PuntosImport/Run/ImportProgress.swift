import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Progress on standard error: a bar redrawn in place on a terminal (records done, rate, time left
/// from the share of the file read), a plain line every few seconds otherwise (a log, a pipe).
final class ImportProgress {
    private let started = Date()
    private var lastShown = Date.distantPast
    private let terminal = isatty(2) == 1
    private let quiet: Bool

    init(quiet: Bool) { self.quiet = quiet }

    func update(records: Int, bytesRead: Int64, size: Int64, final: Bool = false) {
        guard !quiet else { return }
        let now = Date()
        guard final || now.timeIntervalSince(lastShown) >= (terminal ? 0.2 : 5) else { return }
        lastShown = now
        let elapsed = max(now.timeIntervalSince(started), 0.001)
        let rate = Double(records) / elapsed
        let share = size > 0 ? min(Double(bytesRead) / Double(size), 1) : 1
        let left = share > 0 ? elapsed * (1 - share) / share : 0
        let figures = "\(records) records, \(Int(rate)) /s, \(Self.duration(left)) left"
        if terminal {
            let width = 30
            let filled = Int(share * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            let percent = Int(share * 100)
            FileHandle.standardError.write(Data("\r[\(bar)] \(percent)% \(figures)   \(final ? "\n" : "")".utf8))
        } else {
            FileHandle.standardError.write(Data("puntos import: \(figures)\n".utf8))
        }
    }

    var elapsed: Double { Date().timeIntervalSince(started) }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return whole >= 3600
            ? "\(whole / 3600)h\(whole % 3600 / 60)m" : whole >= 60 ? "\(whole / 60)m\(whole % 60)s" : "\(whole)s"
    }
}
