import Yams

extension Recipe {
    static let pruneKeys = ["criterion", "granularity", "scope", "allocation", "protect", "layers", "include",
                            "exclude",
                            "keep_first_last",
                            "sparsity", "schedule", "rate", "agp_frequency", "agp_ramp", "calibration_batches", "structured"]

    /// The `prune:` section.
    mutating func readPrune(_ node: Node) throws {
        let m = try RecipeReader.mapping(node, "prune", allowed: Self.pruneKeys)
        var s = settings
        if let n = m["criterion"] { s.criterion = try RecipeReader.option(n, "prune.criterion") }
        if let n = m["granularity"] { s.granularity = try RecipeReader.option(n, "prune.granularity") }
        if let n = m["scope"] { s.scope = try RecipeReader.option(n, "prune.scope") as ScopeChoice }
        if let n = m["allocation"] {
            let name = try RecipeReader.string(n, "prune.allocation")
            do { _ = try AllocationRule(named: name) } catch {
                throw RecipeError(line: n.mark?.line, message: "\(error)")
            }
            s.allocation = name
        }
        if let n = m["schedule"] { s.schedule = try RecipeReader.option(n, "prune.schedule") }
        if let n = m["protect"] { s.protect = try RecipeReader.fraction(n, "prune.protect", allowOne: true) }
        if let n = m["sparsity"] { s.sparsity = try RecipeReader.fraction(n, "prune.sparsity", allowOne: false) }
        if let n = m["layers"] {
            for (k, v) in try RecipeReader.mapping(n, "prune.layers", allowed: nil) {
                s.layers[k] = try RecipeReader.fraction(v, "prune.layers.\(k)", allowOne: false)
                patternLines[k] = v.mark?.line
            }
        }
        for key in ["include", "exclude"] {
            guard let n = m[key] else { continue }
            let list = try RecipeReader.strings(n, "prune.\(key)")
            for (item, line) in list { patternLines[item] = line }
            if key == "include" { s.include = list.map(\.0) } else { s.exclude = list.map(\.0) }
        }
        if let n = m["keep_first_last"] { s.keepFirstLast = try RecipeReader.bool(n, "prune.keep_first_last") }
        if let n = m["rate"] {
            s.rate = try RecipeReader.fraction(n, "prune.rate", allowOne: false)
            guard s.rate > 0 else { throw RecipeError(line: n.mark?.line, message: "prune.rate must be in (0, 1)") }
        }
        if let n = m["agp_frequency"] { s.agpFrequency = try RecipeReader.int(n, "prune.agp_frequency", min: 1) }
        if let n = m["agp_ramp"] { s.agpRamp = try RecipeReader.fraction(n, "prune.agp_ramp", allowOne: true) }
        if let n = m["calibration_batches"] { s.calibrationBatches = try RecipeReader.int(n,
                "prune.calibration_batches", min: 1) }
        if let n = m["structured"] { s.structured = try Self.readStructured(n) }
        if let n = m["sparsity"], case .nOfM(let nn, let mm) = s.granularity, let sp = s.sparsity,
           abs(sp - (1 - Double(nn) / Double(mm))) > 1e-9 {
            throw RecipeError(line: n.mark?.line,
                              message: "the \(nn):\(mm) granularity fixes sparsity at \(1 - Double(nn) / Double(mm)), not \(sp)")
        }
        settings = s
    }

    /// The `prune.structured:` section.
    static func readStructured(_ node: Node) throws -> StructuredSettings {
        let m = try RecipeReader.mapping(node, "prune.structured", allowed: [
            "target", "ratio", "importance", "aggregation", "minimum_kept", "remove_blocks", "round_to", "reconstruct",
            "search", "search_population", "search_generations", "recalibrate_bn", "latency_engine", "latency_batch",
            "layer_or_filter", "latency_table", "dcp_stage_epochs",
        ])
        var st = StructuredSettings()
        if let v = m["target"] { st.target = try RecipeReader.option(v, "prune.structured.target") }
        if let v = m["importance"] { st.importance = try RecipeReader.option(v, "prune.structured.importance") }
        if let v = m["aggregation"] { st.aggregation = try RecipeReader.option(v, "prune.structured.aggregation") }
        if let v = m["ratio"] { st.ratio = try RecipeReader.fraction(v, "prune.structured.ratio", allowOne: true) }
        if let v = m["remove_blocks"] { st.removeBlocks = try RecipeReader.int(v, "prune.structured.remove_blocks",
                                                                               min: 0) }
        if let v = m["latency_table"] { st.latencyTable = try RecipeReader.string(v, "prune.structured.latency_table") }
        if let v = m["layer_or_filter"] {
            let name = try RecipeReader.string(v, "prune.structured.layer_or_filter").lowercased()
            guard name == "cka" else {
                throw RecipeError(line: v.mark?.line, message: "prune.structured.layer_or_filter: the choice is made "
                                  + "by cka (the only one), got \(name)")
            }
            st.layerOrFilter = true
        }
        if let v = m["round_to"] { st.roundTo = try RecipeReader.int(v, "prune.structured.round_to", min: 1) }
        if let v = m["dcp_stage_epochs"] {
            st.dcpStageEpochs = try RecipeReader.int(v, "prune.structured.dcp_stage_epochs", min: 0)
        }
        if let v = m["reconstruct"] { st.reconstruction = try readReconstruction(v) }
        if let v = m["search"] { st.search = try RecipeReader.string(v, "prune.structured.search").lowercased() }
        if let v = m["search_population"] {
            st.searchPopulation = try RecipeReader.int(v, "prune.structured.search_population", min: 2)
        }
        if let v = m["search_generations"] {
            st.searchGenerations = try RecipeReader.int(v, "prune.structured.search_generations", min: 1)
        }
        if let v = m["recalibrate_bn"] {
            st.recalibrationBatches = try RecipeReader.int(v, "prune.structured.recalibrate_bn", min: 0)
        }
        if let v = m["latency_engine"] {
            st.latencyEngine = try RecipeReader.string(v, "prune.structured.latency_engine").lowercased()
        }
        if let v = m["latency_batch"] {
            st.latencyBatch = try RecipeReader.int(v, "prune.structured.latency_batch", min: 1)
        }
        if let v = m["minimum_kept"] {
            st.minimumKept = try RecipeReader.fraction(v, "prune.structured.minimum_kept", allowOne: true)
        }
        do { try st.validate() } catch {
            throw RecipeError(line: node.mark?.line, message: "prune.structured: \(error)")
        }
        return st
    }

    /// `prune.structured.reconstruct`: the name of a ``ChannelReconstruction``.
    static func readReconstruction(_ node: Node) throws -> String {
        let name = try RecipeReader.string(node, "prune.structured.reconstruct")
        do { return try ChannelReconstructions.named(name).name } catch {
            throw RecipeError(line: node.mark?.line, message: "prune.structured.reconstruct: \(error)")
        }
    }
}
