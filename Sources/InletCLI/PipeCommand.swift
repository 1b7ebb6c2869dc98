import ArgumentParser
import InletLocal
import InletWarehouse

/// `inlet pipe status|refresh|pause|resume`: the local pipes, from their data directory.
struct PipeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipe",
        abstract: "Show, refresh, pause or resume the local Snowpipes (EVENTS_PIPE, ERRORS_PIPE) of a data directory.",
        subcommands: [PipeStatusCommand.self, PipeRefreshCommand.self, PipePauseCommand.self, PipeResumeCommand.self])
}

/// The options both subcommands share.
struct PipeOptions: ParsableArguments {
    @Argument(help: "One pipe (default: every pipe).")
    var pipe: String?

    @Option(name: .customLong("data-dir"), help: "The data directory of inlet local.")
    var dataDir: String = "./.inlet"

    /// The warehouse, and the pipes asked for: those inlet local declared, or its defaults.
    func open() async throws -> (Warehouse, [Snowpipe]) {
        try requireDataDirectory(dataDir)
        do {
            let warehouse = try Warehouse(path: Warehouse.path(dataDirectory: dataDir))
            var definitions = try await warehouse.pipes()
            if definitions.isEmpty { definitions = LocalCloudOptions(dataDirectory: dataDir).pipes }
            if let pipe {
                definitions = definitions.filter { $0.name.uppercased() == pipe.uppercased() }
                guard !definitions.isEmpty else {
                    throw CLIError("there is no pipe '\(pipe)' in \(warehouse.path); the pipes are EVENTS_PIPE and ERRORS_PIPE")
                }
            }
            let stage = DataDirectoryStage(dataDirectory: dataDir)
            return (warehouse, definitions.map { Snowpipe(definition: $0, warehouse: warehouse, stage: stage) })
        } catch let error as WarehouseError {
            throw CLIError("\(error)")
        }
    }
}

/// `inlet pipe status [PIPE]`: SYSTEM$PIPE_STATUS's JSON.
struct PipeStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print SYSTEM$PIPE_STATUS's JSON for each pipe (one pipe: the JSON alone).",
        discussion: """
            pendingFileCount counts the stage's files (last 7 days) that are not in the pipe's
            load history yet: queued in a running inlet local, or waiting for a refresh.
            """)

    @OptionGroup var options: PipeOptions

    func run() async throws {
        let (_, pipes) = try await options.open()
        for pipe in pipes {
            let status: PipeStatus
            do {
                status = try await pipe.statusFromStage()
            } catch {
                throw CLIError("\(error)")
            }
            print(options.pipe == nil ? "\(pipe.definition.name) \(status.json)" : status.json)
        }
    }
}

/// `inlet pipe refresh [PIPE]`: ALTER PIPE … REFRESH, run here.
struct PipeRefreshCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh",
        abstract: "Load the stage's files that the pipe has not loaded (ALTER PIPE … REFRESH), and print each one's outcome.",
        discussion: """
            Works on the data directory's files, whether or not inlet local is running on it: a
            file is recorded as loaded in the same transaction as its rows, so two processes never
            load it twice. Like Snowflake's, it looks at files modified in the last 7 days.
            """)

    @OptionGroup var options: PipeOptions

    func run() async throws {
        let (warehouse, pipes) = try await options.open()
        for pipe in pipes {
            let queued: [String]
            do {
                queued = try await pipe.start()
            } catch {
                throw CLIError("\(error)")
            }
            await pipe.waitUntilIdle()
            await pipe.stop()
            let name = pipe.definition.name
            print("\(name): \(queued.count) file\(queued.count == 1 ? "" : "s") queued from \(pipe.definition.stageLocation)")
            let history = (try? await warehouse.copyHistory(pipe: name)) ?? []
            for key in queued {
                guard let entry = history.first(where: { $0.fileName == key }) else {
                    print("  \(key)  not loaded: \((await pipe.status()).error ?? "see the log")")
                    continue
                }
                var line = "  \(key)  \(entry.status.rawValue), \(entry.rowCount) of \(entry.rowParsed) rows"
                if let message = entry.firstErrorMessage {
                    line += "; first error at line \(entry.firstErrorLineNumber ?? 0): \(message)"
                }
                print(line)
            }
        }
    }
}

/// `inlet pipe pause [PIPE]`: ALTER PIPE … SET PIPE_EXECUTION_PAUSED = TRUE.
struct PipePauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause the pipe (ALTER PIPE … SET PIPE_EXECUTION_PAUSED = TRUE): files queue in the stage but are not loaded.",
        discussion: """
            The state is kept in the warehouse: an inlet local started on the data directory
            afterwards runs the pipe paused (one already running keeps its state until it
            restarts). Delivered files wait in s3://BUCKET until inlet pipe resume and a restart
            or an inlet pipe refresh.
            """)

    @OptionGroup var options: PipeOptions

    func run() async throws { try await setExecutionPaused(true, options) }
}

/// `inlet pipe resume [PIPE]`: ALTER PIPE … SET PIPE_EXECUTION_PAUSED = FALSE.
struct PipeResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume a paused pipe (ALTER PIPE … SET PIPE_EXECUTION_PAUSED = FALSE).",
        discussion: """
            The files that queued while it was paused load at the next start of inlet local, or
            now with inlet pipe refresh.
            """)

    @OptionGroup var options: PipeOptions

    func run() async throws { try await setExecutionPaused(false, options) }
}

/// Records each asked-for pipe's execution state (declaring the pipe first, so that the
/// state holds for a data directory inlet local has not run on yet), and prints it.
private func setExecutionPaused(_ paused: Bool, _ options: PipeOptions) async throws {
    let (warehouse, pipes) = try await options.open()
    for pipe in pipes {
        do {
            try await warehouse.define(pipe.definition)
            try await warehouse.setPaused(pipe: pipe.definition.name, paused)
        } catch {
            throw CLIError("\(error)")
        }
        print("\(pipe.definition.name) \(paused ? "PAUSED" : "RUNNING")")
    }
}
