import InletEmulator
import InletWarehouse
import Logging

/// The warehouse side of `inlet local`: the SQLite warehouse under the data directory and its
/// two pipes, `EVENTS_PIPE` (the data bucket into `RAW_EVENTS`) and `ERRORS_PIPE` (the error
/// bucket's `errors/` into `RAW_ERRORS`), notified by the S3 store as objects are written.
/// The store holds the pipes weakly: they load for as long as this value (or the
/// ``LocalCloud`` holding it) is kept, and the database closes when it is released.
public struct LocalWarehouse: Sendable {
    /// The warehouse.
    public let warehouse: Warehouse
    /// The pipes, events first.
    public let pipes: [Snowpipe]

    /// The database file.
    public var path: String { warehouse.path }

    /// Opens the warehouse at `options.warehousePath`, declares the pipes over `store`,
    /// registers them as the store's object-created observers, and starts them: each queues the
    /// files its stage already holds and has not loaded (a refresh).
    public static func open(
        options: LocalCloudOptions, store: LocalS3Store, logger: Logger = Logger(label: "inlet.snowpipe")
    ) async throws(LocalCloudError) -> LocalWarehouse {
        let warehouse: Warehouse
        do {
            warehouse = try Warehouse(path: options.warehousePath)
        } catch {
            throw LocalCloudError(code: .warehouseFailed, message: "\(error)")
        }
        let stage = LocalS3Stage(store: store)
        let pipes = options.pipes.map { Snowpipe(definition: $0, warehouse: warehouse, stage: stage, logger: logger) }
        for pipe in pipes {
            // Weakly: the pipe reads the store, so a strong observer would keep both (and the
            // warehouse's database) alive for ever.
            await store.onObjectCreated { [weak pipe] bucket, key in pipe?.notify(bucket: bucket, key: key) }
            do {
                try await pipe.start()
            } catch {
                throw LocalCloudError(code: .warehouseFailed, message: "the pipe \(pipe.definition.name) cannot start: \(error)")
            }
        }
        return LocalWarehouse(warehouse: warehouse, pipes: pipes)
    }

    /// Returns once every pipe has loaded what it was notified of before the call.
    public func waitUntilLoaded() async {
        for pipe in pipes { await pipe.waitUntilIdle() }
    }

    /// Stops the pipes after their current file.
    public func stop() async {
        for pipe in pipes { await pipe.stop() }
    }
}

extension LocalCloudOptions {
    /// `<data-dir>/warehouse/inlet.db`.
    public var warehousePath: String { Warehouse.path(dataDirectory: dataDirectory) }

    /// `EVENTS_PIPE` on the data bucket and `ERRORS_PIPE` on the error bucket's `errors/` (the
    /// function's default error prefix).
    public var pipes: [PipeDefinition] {
        [.events(bucket: dataBucket), .errors(bucket: errorBucket)]
    }
}

/// A pipe's stage on the emulator's S3 store.
public struct LocalS3Stage: StageStore {
    /// The store.
    public let store: LocalS3Store

    /// A stage reading `store`.
    public init(store: LocalS3Store) {
        self.store = store
    }

    /// Every object under `prefix`, from one reading of the bucket's folder.
    public func list(bucket: String, prefix: String) async throws -> [StagedObjectInfo] {
        try await store.listObjects(bucket: bucket, prefix: prefix).map(Self.info)
    }

    /// The object, or nil when it is gone.
    public func read(bucket: String, key: String) async throws -> StagedObject? {
        do {
            let (info, body) = try await store.getObject(bucket: bucket, key: key)
            return StagedObject(info: Self.info(info), body: body)
        } catch {
            if error.code == "NoSuchKey" { return nil }
            throw error
        }
    }

    static func info(_ object: S3ObjectInfo) -> StagedObjectInfo {
        StagedObjectInfo(
            key: object.key, size: object.size, lastModifiedMillis: object.lastModifiedMilliseconds,
            contentKey: object.etag.filter { $0 != "\"" })
    }
}

/// A pipe's stage read straight from `<data-dir>/s3`, without opening the store, so it works
/// whether or not `inlet local` is running on the same data directory (`inlet pipe`).
public struct DataDirectoryStage: StageStore {
    /// The data directory.
    public let dataDirectory: String

    /// A stage reading `<dataDirectory>/s3`.
    public init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
    }

    /// Every object under `prefix` (none when the bucket does not exist yet).
    public func list(bucket: String, prefix: String) async throws -> [StagedObjectInfo] {
        let objects: [S3ObjectInfo]
        do {
            objects = try LocalS3Store.listObjects(dataDirectory: dataDirectory, bucket: bucket, prefix: prefix)
        } catch {
            if error.code == "NoSuchBucket" { return [] }
            throw error
        }
        return objects.map(LocalS3Stage.info)
    }

    /// The object, or nil when it is gone.
    public func read(bucket: String, key: String) async throws -> StagedObject? {
        guard let (info, body) = try LocalS3Store.readObject(dataDirectory: dataDirectory, bucket: bucket, key: key)
        else { return nil }
        return StagedObject(info: LocalS3Stage.info(info), body: body)
    }
}
