import ArgumentParser

/// `puntos`: the local runtime. Runs the bundle on one machine.
@main
struct Puntos: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The Puntos local runtime: migrate the database, invoke functions.",
        subcommands: [Migrate.self, Invoke.self])
}
