/// The problems a GGUF file can have, each named in one line (``ModelIOError`` carries the file).
enum GGUFProblem {
    static func truncated(at offset: Int, need: Int, what: String) -> String {
        "truncated: \(what) at byte \(offset) needs \(need) bytes past the end of the file"
    }
}
