import Foundation

/// Writes files so that readers see either the old file or the complete new one, never a part.
public enum AtomicFile {
    /// Whether two paths name the same file (after resolving `.`, `..` and relative parts), so a
    /// command can refuse to write its output over its input.
    public static func isSamePath(_ a: String, _ b: String) -> Bool {
        URL(fileURLWithPath: a).standardizedFileURL == URL(fileURLWithPath: b).standardizedFileURL
    }

    /// Writes `data` to a temporary file in the destination's folder, flushes it, and renames it
    /// over `path`. On any failure the temporary file is removed and `path` is untouched.
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw ModelIOError(file: path, "folder \(dir) does not exist")
        }
        let tmp = dir + "/.\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard FileManager.default.createFile(atPath: tmp,
                                             contents: nil) , let handle = FileHandle(forWritingAtPath: tmp) else {
            throw ModelIOError(file: path, "cannot create a file in \(dir) (permissions?)")
        }
        do {
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
            if rename(tmp, path) != 0 {
                throw ModelIOError(file: path, "cannot move the finished file into place (errno \(errno))")
            }
        } catch {
            try? handle.close()
            unlink(tmp)
            if let e = error as? ModelIOError { throw e }
            throw ModelIOError(file: path, "write failed: \(error.localizedDescription)")
        }
    }
}
