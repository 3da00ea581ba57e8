import Foundation
import PruneNN

extension StructureCandidatePool {
    /// Per block, the kept unit count moved to the nearest multiple of `roundTo` (units removed or
    /// restored by score).
    func roundedUnits(_ taken: [StructureCandidate]) -> [StructureCandidate] {
        guard roundTo > 1 else { return taken }
        var out = taken.filter { $0.kind != .unit }
        let gone = Set(taken.filter { $0.kind == .block }.map(\.block))
        for b in shapes.indices where !gone.contains(b) {
            let width = shapes[b].intermediateSize
            let removed = taken.filter { $0.kind == .unit && $0.block == b }.count
            let kept = width - removed
            let rounded = max(roundTo, Int((Double(kept) / Double(roundTo)).rounded()) * roundTo)
            out += lowest(.unit, block: b, count: max(0, min(width - rounded, removable(.unit, block: b))))
        }
        return out
    }

    /// The `count` lowest-scored candidates of `kind` in block `b` (query slots in order).
    func lowest(_ kind: StructureCandidate.Kind, block b: Int, count: Int) -> [StructureCandidate] {
        let list = (candidates[kind] ?? []).filter { $0.block == b }
        if kind == .querySlot { return Array(list.prefix(count)) }
        return Array(list.sorted { ($0.score, $0.index) < ($1.score, $1.index) }.prefix(count))
    }

    /// The same number of each kind in every block: the totals of `chosen` spread evenly, the last
    /// kind raised until `target` is met; each block removes its own lowest-scored structures.
    func uniform(like chosen: [StructureCandidate], kinds: [StructureCandidate.Kind],
                 target: Int) -> [StructureCandidate] {
        let blocks = shapes.count
        var perBlock: [StructureCandidate.Kind: Int] = [:]
        for kind in kinds.dropLast() {
            perBlock[kind] = Int((Double(chosen.filter { $0.kind == kind }.count) / Double(blocks)).rounded())
        }
        func build() -> [StructureCandidate] {
            kinds.flatMap { kind in
                (0..<blocks).flatMap { b in
                    lowest(kind, block: b, count: min(perBlock[kind] ?? 0, removable(kind, block: b)))
                }
            }
        }
        guard let last = kinds.last else { return [] }
        let step = last == .unit ? max(roundTo, 1) : 1
        var count = 0
        perBlock[last] = 0
        while build().reduce(0, { $0 + $1.cost }) < target,
              (0..<blocks).contains(where: { count < removable(last, block: $0) }) {
            count += step
            perBlock[last] = count
        }
        return build()
    }

    /// The plan that removes `chosen`.
    func plan(removing chosen: [StructureCandidate]) -> LlamaStructurePlan {
        var groups: [[KeptHeadGroup]] = [], units: [[Int]] = []
        for (b, s) in shapes.enumerated() {
            let mine = chosen.filter { $0.block == b }
            let goneGroups = Set(mine.filter { $0.kind == .group }.map(\.index))
            let slots = mine.filter { $0.kind == .querySlot }.count
            groups.append((0..<s.keyValueHeadCount).filter { !goneGroups.contains($0) }.map { g in
                KeptHeadGroup(keyValueHead: g, queryHeads: headOrder[b][g].dropFirst(slots).sorted())
            })
            let goneUnits = Set(mine.filter { $0.kind == .unit }.map(\.index))
            units.append((0..<s.intermediateSize).filter { !goneUnits.contains($0) })
        }
        return LlamaStructurePlan(removedBlocks: chosen.filter { $0.kind == .block }.map(\.block).sorted(),
                                  keptGroups: groups, keptUnits: units)
    }
}

extension StructureCandidatePool {
    /// The removals that leave `queryHeads` query heads in every block: whole groups go (each group
    /// keeps its query heads) or query heads go from every group alike. Counts the grouped-query
    /// structure cannot take are one error naming the block and the counts it allows.
    func keeping(queryHeads n: Int, wholeGroups: Bool) throws -> [StructureCandidate] {
        var out: [StructureCandidate] = []
        for (b, s) in shapes.enumerated() {
            let groups = s.keyValueHeadCount, size = s.headCount / max(groups, 1)
            let step = wholeGroups ? size : groups
            guard n >= step, n <= s.headCount, n % step == 0 else {
                let allowed = stride(from: step, through: s.headCount,
                                     by: step).map(String.init).joined(separator: ", ")
                let how = wholeGroups ? "whole groups of \(size)" : "the same number from each of the \(groups) groups"
                throw OneShotError.invalid("block \(b) has \(groups) key/value groups of \(size) query heads: "
                                           + "keeping \(n) query heads would leave a group empty or the groups "
                                           + "uneven; removing \(how) allows keeping \(allowed)")
            }
            let kind: StructureCandidate.Kind = wholeGroups ? .group : .querySlot
            out += lowest(kind, block: b, count: wholeGroups ? groups - n / size : size - n / groups)
        }
        return out
    }
}
