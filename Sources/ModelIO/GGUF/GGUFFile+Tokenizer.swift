import PruneNN

extension GGUFFile {
    /// The byte-level BPE tokenizer described by the file's `tokenizer.ggml.*` metadata: tokens,
    /// merges, token types (control and user-defined tokens are special), the pre-tokenizer named
    /// by `tokenizer.ggml.pre`, BOS/EOS ids and `add_bos_token`.
    public func tokenizer() throws -> ByteLevelBPETokenizer {
        let model = self["tokenizer.ggml.model"]?.string ?? "(none)"
        guard model == "gpt2" else {
            throw ModelIOError(file: path,
                               "tokenizer type \(model) is not supported (Prune reads byte-level BPE, gpt2)")
        }
        let preName = self["tokenizer.ggml.pre"]?.string ?? "default"
        guard let pre = PreTokenizers.named(preName) else {
            throw ModelIOError(file: path, "pre-tokenizer \(preName) is not supported (supported: "
                               + PreTokenizers.names.joined(separator: ", ") + ")")
        }
        guard let tokens = self["tokenizer.ggml.tokens"]?.array?.compactMap(\.string), !tokens.isEmpty,
              let merges = self["tokenizer.ggml.merges"]?.array?.compactMap(\.string) else {
            throw ModelIOError(file: path, "tokenizer.ggml.tokens or tokenizer.ggml.merges is missing")
        }
        let types = self["tokenizer.ggml.token_type"]?.array?.compactMap(\.int) ?? []
        let special = zip(tokens, types).filter { $0.1 == 3 || $0.1 == 4 }.map(\.0)
        do {
            return try ByteLevelBPETokenizer(tokens: tokens, merges: merges, specialTokens: special, preTokenizer: pre,
                                             bos: self["tokenizer.ggml.bos_token_id"]?.int,
                                             eos: self["tokenizer.ggml.eos_token_id"]?.int,
                                             addsBOS: self["tokenizer.ggml.add_bos_token"]?.bool ?? false)
        } catch let e as TokenizerError {
            throw ModelIOError(file: path, "\(e)")
        }
    }
}
