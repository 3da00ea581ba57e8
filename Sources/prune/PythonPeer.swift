import Foundation

/// A peer benchmark script run with python3 in its own process: each line it prints on stdout is one
/// JSON object. An empty result means the peer could not run (python3 or its packages missing).
enum PythonPeer {
    /// Runs `python arguments…` and parses the JSON lines it printed (a run that fails part-way keeps
    /// the lines printed before).
    static func objects(_ arguments: [String], python: String = "python3") -> [[String: Any]] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python] + arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return [] }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}
