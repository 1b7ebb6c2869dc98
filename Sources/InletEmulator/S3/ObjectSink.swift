/// Where the Firehose emulator delivers objects.
public protocol ObjectSink: Sendable { func putObject(bucket: String, key: String, body: [UInt8], contentType: String) async throws }
