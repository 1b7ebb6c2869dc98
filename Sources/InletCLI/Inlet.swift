import ArgumentParser

/// The `inlet` command: local tools around the ingest pipeline.
@main
struct Inlet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inlet",
        abstract: "Turn HTTP POSTs of JSON events into queryable rows: validate, enrich, deliver.",
        subcommands: [
            ValidateCommand.self, BenchCommand.self, LocalCommand.self, SendCommand.self, QueryCommand.self,
            PipeCommand.self, DemoCommand.self,
        ])
}
