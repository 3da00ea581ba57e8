extension DependencyGraph {
    /// A space of `C` channels regrouped into `C / factor` channels of `factor` consecutive old
    /// channels each (grouped-query attention: query heads grouped by the key/value head they share,
    /// Ainslie et al. 2023, "GQA"): its members move to the new space with their expansions multiplied,
    /// and the old space is left fixed and empty. Nil when the space cannot be regrouped (a
    /// concatenation, fixed channels, a count not divisible, or members placed in a concatenation).
    func coarsened(_ space: Space, by factor: Int) -> Space? {
        let r = space.root
        guard factor > 1, r.parts == nil, !r.fixed, r.group.channels % factor == 0,
              r.group.members.allSatisfy({ $0.before.isEmpty && $0.after.isEmpty && $0.fixedBefore == 0
                  && $0.fixedAfter == 0 }) else { return nil }
        let coarse = newSpace(channels: r.group.channels / factor)
        for m in r.group.members {
            add(coarse, GroupMember(path: m.path, layer: m.layer, role: m.role, expansion: m.expansion * factor))
        }
        r.group.members = []
        r.fixed = true
        for (path, regrouping) in outRegroupings where regrouping.space.root === r {
            outRegroupings[path] = (coarse, regrouping.expansion * factor)
        }
        for (path, segments) in segmentOutputs {
            segmentOutputs[path] = segments.map { $0.space.root === r ? (coarse, $0.expansion * factor) : $0 }
        }
        return coarse
    }
}
