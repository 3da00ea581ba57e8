import Foundation

/// Writes files so that readers see either the old file or the complete new one, never a part.
///
/// Outputs go only to regular files or new paths (a device, a directory, a FIFO or a socket is
/// refused), the temporary file lives beside the destination and is removed on failure and on
/// SIGINT/SIGTERM (see ``TemporaryFiles``).
public enum AtomicFile {
    /// Whether two paths name the same file (after resolving `.`, `..` and relative parts), so a
    /// command can refuse to write its output over its input.
    public static func isSamePath(_ a: String, _ b: String) -> Bool {
        URL(fileURLWithPath: a).standardizedFileURL == URL(fileURLWithPath: b).standardizedFileURL
    }

    /// Checks, before any work, that `path` can take an output: it is new or a regular file, its name
    /// fits the file system's limits, and its folder exists and is writable. `folder` allows an
    /// existing directory (outputs that are folders, like a Hugging Face checkpoint).
    public static func checkDestination(_ path: String, folder: Bool = false) throws {
        let shown = PathText.short(path)
        let name = URL(fileURLWithPath: path).lastPathComponent
        guard !path.isEmpty else { throw ModelIOError(file: "--out", "the output path is empty") }
        guard name.utf8.count <= 255, path.utf8.count < 4096 else {
            throw ModelIOError(file: shown, "the output name is \(name.utf8.count) bytes and the path "
                               + "\(path.utf8.count) bytes; file systems allow 255 and 4,095")
        }
        if let kind = FileKind.of(path), kind != .regular, !(folder && kind == .directory) {
            throw ModelIOError(file: shown, "is \(kind.description), not a regular file; Prune writes outputs "
                               + "only to regular files or new paths")
        }
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard FileKind.of(dir) == .directory else {
            throw ModelIOError(file: shown, "the output folder \(PathText.short(dir)) does not exist")
        }
        guard access(dir, W_OK) == 0 else {
            throw ModelIOError(file: shown, "the output folder \(PathText.short(dir)) is not writable")
        }
    }

    /// Writes `data` to a temporary file in the destination's folder, flushes it, and renames it
    /// over `path`. On any failure the temporary file is removed and `path` is untouched.
    public static func write(_ data: Data, to path: String) throws {
        try write(to: path) { try $0.write(contentsOf: data) }
    }

    /// Like ``write(_:to:)`` for a file written in pieces: `fill` writes them to the temporary file's
    /// handle, so a large file never has to be held in memory whole.
    public static func write(to path: String, fill: (FileHandle) throws -> Void) throws {
        try checkDestination(path)
        let url = URL(fileURLWithPath: path)
        let tmp = temporaryPath(beside: url)
        TemporaryFiles.shared.add(tmp)
        defer { TemporaryFiles.shared.remove(tmp) }
        guard FileManager.default.createFile(atPath: tmp, contents: nil),
              let handle = FileHandle(forWritingAtPath: tmp) else {
            throw ModelIOError(file: PathText.short(path), "cannot create a temporary file beside it (errno \(errno))")
        }
        do {
            try fill(handle)
            try handle.synchronize()
            try handle.close()
            if rename(tmp, path) != 0 {
                throw ModelIOError(file: PathText.short(path),
                                   "cannot move the finished file into place (errno \(errno))")
            }
        } catch {
            try? handle.close()
            unlink(tmp)
            if let e = error as? ModelIOError { throw e }
            throw ModelIOError(file: PathText.short(path), "write failed: \(error.localizedDescription)")
        }
    }

    /// Builds a folder under a temporary name beside `path` (`fill` writes its files), then replaces
    /// whatever is at `path` with it. On any failure the temporary folder is removed and `path` is
    /// untouched. Callers check the destination first; errors name `display` (default `path`).
    public static func replaceFolder(at path: String, display: String? = nil, fill: (String) throws -> Void) throws {
        let fm = FileManager.default
        let tmp = temporaryPath(beside: URL(fileURLWithPath: path))
        TemporaryFiles.shared.add(tmp)
        defer { TemporaryFiles.shared.remove(tmp) }
        do {
            try fm.createDirectory(atPath: tmp, withIntermediateDirectories: false)
            try fill(tmp)
            if fm.fileExists(atPath: path) { try fm.removeItem(atPath: path) }
            guard rename(tmp, path) == 0 else {
                throw ModelIOError(file: display ?? path, "cannot move the finished folder into place (errno \(errno))")
            }
        } catch {
            try? fm.removeItem(atPath: tmp)
            throw error
        }
    }

    /// A hidden, unique name in the destination's folder for the file being written.
    public static func temporaryPath(beside url: URL) -> String {
        let dir = url.deletingLastPathComponent().path
        return dir + "/.\(url.lastPathComponent.prefix(100)).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }
}

/// What a path names on disk, from `lstat` (a symbolic link is followed by `stat`).
public enum FileKind: Equatable, Sendable {
    case regular, directory, device, fifo, socket, other

    /// The kind of the file at `path`, or nil when there is none.
    public static func of(_ path: String) -> FileKind? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        case S_IFCHR, S_IFBLK: return .device
        case S_IFIFO: return .fifo
        case S_IFSOCK: return .socket
        default: return .other
        }
    }

    public var description: String {
        switch self {
        case .regular: "a regular file"
        case .directory: "a directory"
        case .device: "a device"
        case .fifo: "a FIFO"
        case .socket: "a socket"
        case .other: "not a regular file"
        }
    }
}

/// Paths as they appear in error messages: long ones are cut in the middle, so an absurd name
/// gives a one-line error.
public enum PathText {
    public static func short(_ path: String, limit: Int = 160) -> String {
        guard path.count > limit else { return path }
        return String(path.prefix(limit / 2)) + "…(\(path.count) characters)…" + String(path.suffix(limit / 2 - 20))
    }
}
