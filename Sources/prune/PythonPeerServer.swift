import Foundation

/// A peer benchmark script kept running in its own process, answering requests: one line written to its
/// stdin, one JSON object read back from its stdout. It first prints one JSON object when it is ready (read
/// by `init`); the process ends when its stdin is closed (`close`, or when the server is released). Nil
/// from `init` or `request` means the peer could not run or stopped (python3 or its packages missing).
final class PythonPeerServer {
    private let process = Process()
    private let input = Pipe(), output = Pipe()
    private var pending = Data()
    /// The object the peer printed when it was ready.
    private(set) var greeting: [String: Any] = [:]

    init?(_ arguments: [String], python: String = "python3") {
        // A peer that exits makes the next write fail with EPIPE rather than end this process (SIGPIPE).
        signal(SIGPIPE, SIG_IGN)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python] + arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil, let ready = nextObject() else { return nil }
        greeting = ready
    }

    deinit { close() }

    /// Sends `line` and returns the object the peer answers with.
    func request(_ line: String) -> [String: Any]? {
        guard process.isRunning else { return nil }
        do { try input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8)) } catch { return nil }
        return nextObject()
    }

    /// Closes the peer's stdin and waits for it to exit.
    func close() {
        guard process.isRunning else { return }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// The next line of the peer's stdout as a JSON object (nil at its end or on a line that is not one).
    private func nextObject() -> [String: Any]? {
        while pending.firstIndex(of: UInt8(ascii: "\n")) == nil {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { return nil }
            pending.append(chunk)
        }
        let end = pending.firstIndex(of: UInt8(ascii: "\n"))!
        let line = pending[pending.startIndex..<end]
        pending = Data(pending[(end + 1)...])
        return (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any]
    }
}
