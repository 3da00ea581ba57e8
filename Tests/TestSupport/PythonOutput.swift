import Foundation

/// What `python3 -c script arguments…` prints on standard output; its standard error goes to the test
/// log. The output is read before waiting, so a long one cannot fill the pipe and block the script.
/// A non-zero exit is a ``PeerFailure``.
public func pythonOutput(_ script: String, arguments: [String] = []) throws -> String {
    let p = Process(), out = Pipe()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script] + arguments
    p.standardOutput = out
    try p.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        throw PeerFailure(message: "python3 exited with status \(p.terminationStatus) running: \(script.prefix(200))")
    }
    return text
}
