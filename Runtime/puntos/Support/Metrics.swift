import Foundation
import Synchronization

/// Counters, gauges and latency histograms in Prometheus's text format, written by hand (no extra
/// package), behind one lock.
final class Metrics: Sendable {
    static let buckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    private struct Histogram { var counts: [Int]; var sum: Double; var count: Int }
    /// Every series by metric name, then by its rendered labels.
    private struct Series {
        var counters: [String: [String: Double]] = [:]
        var histograms: [String: [String: Histogram]] = [:]
        var gauges: [String: [String: Double]] = [:]
    }
    private let series = Mutex(Series())

    /// `a="1",b="2"`: the labels sorted by name, each value escaped as the text format wants (backslash,
    /// double quote and newline). Called on every request, so a value with nothing to escape is used as it is.
    static func labels(_ labels: [String: String]) -> String {
        labels.keys.sorted().map { key in "\(key)=\"\(escaped(labels[key]!))\"" }.joined(separator: ",")
    }

    static func escaped(_ value: String) -> String {
        let special: (UInt8) -> Bool = { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") }
        guard value.utf8.contains(where: special) else { return value }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.utf8.count + 8)
        for byte in value.utf8 {
            if special(byte) { bytes.append(UInt8(ascii: "\\")) }
            bytes.append(byte == UInt8(ascii: "\n") ? UInt8(ascii: "n") : byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    func increment(_ name: String, _ labels: [String: String] = [:], by amount: Double = 1) {
        let key = Self.labels(labels)
        series.withLock { $0.counters[name, default: [:]][key, default: 0] += amount }
    }

    func set(_ name: String, _ labels: [String: String] = [:], _ value: Double) {
        let key = Self.labels(labels)
        series.withLock { $0.gauges[name, default: [:]][key] = value }
    }

    func observe(_ name: String, _ labels: [String: String], seconds: Double) {
        let key = Self.labels(labels)
        series.withLock { series in
            var histogram =
                series.histograms[name]?[key]
                ?? Histogram(counts: Array(repeating: 0, count: Self.buckets.count), sum: 0, count: 0)
            for (index, bound) in Self.buckets.enumerated() where seconds <= bound { histogram.counts[index] += 1 }
            histogram.sum += seconds
            histogram.count += 1
            series.histograms[name, default: [:]][key] = histogram
        }
    }

    /// The exposition text (format 0.0.4).
    func render() -> String {
        // A copy taken under the lock, rendered outside it.
        let (counters, gauges, histograms) = series.withLock { ($0.counters, $0.gauges, $0.histograms) }
        var text = ""
        for name in counters.keys.sorted() {
            text += "# TYPE \(name) counter\n"
            for (labels, value) in counters[name]!.sorted(by: { $0.key < $1.key }) {
                text += "\(name)\(labels.isEmpty ? "" : "{\(labels)}") \(format(value))\n"
            }
        }
        for name in gauges.keys.sorted() {
            text += "# TYPE \(name) gauge\n"
            for (labels, value) in gauges[name]!.sorted(by: { $0.key < $1.key }) {
                text += "\(name)\(labels.isEmpty ? "" : "{\(labels)}") \(format(value))\n"
            }
        }
        for name in histograms.keys.sorted() {
            text += "# TYPE \(name) histogram\n"
            for (labels, histogram) in histograms[name]!.sorted(by: { $0.key < $1.key }) {
                let prefix = labels.isEmpty ? "" : labels + ","
                for (index, bound) in Self.buckets.enumerated() {
                    text += "\(name)_bucket{\(prefix)le=\"\(bound)\"} \(histogram.counts[index])\n"
                }
                text += "\(name)_bucket{\(prefix)le=\"+Inf\"} \(histogram.count)\n"
                text += "\(name)_sum\(labels.isEmpty ? "" : "{\(labels)}") \(histogram.sum)\n"
                text += "\(name)_count\(labels.isEmpty ? "" : "{\(labels)}") \(histogram.count)\n"
            }
        }
        return text
    }

    private func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
