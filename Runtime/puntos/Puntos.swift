import ArgumentParser

/// `puntos`: the local runtime. Runs the bundle on one machine.
@main
struct Puntos: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The Puntos local runtime: serve deploy.yaml, migrate the database, invoke functions, inspect queues.",
        subcommands: [
            Up.self, Migrate.self, Invoke.self, Enqueue.self, QueueCommand.self, ReportCommand.self, ExportCommand.self,
            ImportCommand.self,
        ])
}
