import ArgumentParser
import Foundation
import Logging
import PuntosPostgres
import PuntosRuntime

/// `puntos enqueue QUEUE FILE`: puts a message (a JSON object) or many (a JSON array) on a queue.
struct Enqueue: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Put a message (a JSON file; an array puts one message per element) on a queue of deploy.yaml.")

    @Argument(help: "The queue's logical id in deploy.yaml, e.g. AccrueQueue.") var queue: String
    @Argument(help: "The message file; - for standard input.") var file: String = "-"
    @Option(help: "The SAM template.") var template = "deploy.yaml"

    func run() throws {
        JSONLogHandler.bootstrap(function: "puntos")
        let logger = Logger(label: "puntos.enqueue")
        let loaded = try Template.load(path: template)
        guard let queue = loaded.queue(named: queue) else {
            throw ValidationError(
                "no queue \(queue) in \(template); queues: \(loaded.queues.keys.sorted().joined(separator: ", "))")
        }
        let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
        let value = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        let items = (value as? [Any]) ?? [value]
        let bodies = try items.map {
            String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.fragmentsAllowed]), as: UTF8.self)
        }
        let database = Database(configuration: .fromEnvironment(applicationName: "puntos enqueue"), logger: logger)
        defer { database.close() }
        var ids: [String] = []
        for chunk in stride(from: 0, to: bodies.count, by: 10_000) {
            ids += try QueueStore.enqueue(
                database, queue: queue.logicalId, bodies: Array(bodies[chunk..<min(chunk + 10_000, bodies.count)]))
        }
        if ids.count == 1 { print(ids[0]) } else { print("\(ids.count) messages enqueued on \(queue.logicalId)") }
    }
}
