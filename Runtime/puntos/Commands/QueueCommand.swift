import ArgumentParser
import Foundation
import Logging
import PuntosPostgres
import PuntosRuntime

/// `puntos queue`: depth, in-flight, delayed and dead messages per queue; lists and replays dead letters.
struct QueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue", abstract: "Show the queues of deploy.yaml; list or replay dead letters.")

    @Option(help: "The SAM template.") var template = "deploy.yaml"
    @Option(help: "List the dead letters of this queue.") var dead: String?
    @Option(help: "Move the dead letters of this queue back into it.") var replay: String?
    @Option(help: "With --replay: only this message id.") var message: String?

    func run() throws {
        JSONLogHandler.bootstrap(function: "puntos")
        let logger = Logger(label: "puntos.queue")
        let loaded = try Template.load(path: template)
        let database = Database(configuration: .fromEnvironment(applicationName: "puntos queue"), logger: logger)
        defer { database.close() }
        if let name = replay {
            guard let queue = loaded.queue(named: name) else { throw ValidationError("no queue \(name) in \(template)") }
            print(
                "\(try QueueStore.replay(database, queue: queue.logicalId, messageId: message)) dead letters replayed on \(queue.logicalId)"
            )
            return
        }
        if let name = dead {
            guard let queue = loaded.queue(named: name) else { throw ValidationError("no queue \(name) in \(template)") }
            for letter in try QueueStore.deadLetters(database, queue: queue.logicalId, limit: 100) {
                print(
                    "\(letter.messageId)  receives=\(letter.receiveCount)  died=\(letter.diedAt)  error=\(letter.lastError ?? "")  \(letter.body.prefix(120))"
                )
            }
            return
        }
        let pad = { (text: String, width: Int) in text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        print(pad("QUEUE", 24) + pad("READY", 9) + pad("IN-FLIGHT", 11) + pad("DELAYED", 9) + pad("DEAD", 7) + "OLDEST(s)")
        for row in try QueueStore.stats(database, queues: loaded.queues.keys.sorted()) {
            print(
                pad(row.queue, 24) + pad(String(row.ready), 9) + pad(String(row.inFlight), 11) + pad(String(row.delayed), 9)
                    + pad(String(row.dead), 7) + String(format: "%.1f", row.oldestReadySeconds))
        }
    }
}
