import PrunePruning
import PruneNN

extension PruningGroup {
    /// The group as criteria see it: producers by their prunable weight, normalizations by their scale.
    public func view() throws -> ChannelGroupView {
        let producers = try self.producers.map { member -> ChannelGroupView.Producer in
            guard let weighted = member.layer as? any PrunableWeightLayer else {
                throw StructuredPruningError.invalid("\(member.path) produces channels of group \(id) but exposes no "
                                                     + "prunable weight (conform it to PrunableWeightLayer)")
            }
            return .init(target: PruningTarget(layer: weighted, at: member.path), rowsPerChannel: max(member.expansion,
                    1))
        }
        let normalizers = followers.compactMap { member -> PruningTarget? in
            guard member.layer.channelTransform == .normalization, let scale = member.layer.channelScale else { return nil }
            let name = member.layer.parameters().first { $0.parameter === scale }?.path ?? "weight"
            return PruningTarget(path: member.path.isEmpty ? name : member.path + "." + name, layerPath: member.path,
                                 parameter: scale, layer: member.layer)
        }
        return ChannelGroupView(id: id, channels: channels, producers: producers, normalizers: normalizers,
                                consumers: weightedConsumers())
    }

    /// The consumers with a weight (Linear, Conv2d), where the group's channels sit in their input.
    func weightedConsumers() -> [ChannelGroupView.Consumer] {
        consumers.compactMap { member in
            guard let weighted = member.layer as? any PrunableWeightLayer else { return nil }
            let first = member.fixedBefore + member.before.reduce(0) { $0 + $1.channels }
            return .init(target: PruningTarget(layer: weighted, at: member.path), firstChannel: first,
                         expansion: member.expansion)
        }
    }
}

extension DependencyGraph {
    /// The prunable weights of every group's producers and weighted consumers (what calibration
    /// measures for the criteria).
    public func weightTargets() throws -> [PruningTarget] {
        var seen = Set<ObjectIdentifier>()
        var out: [PruningTarget] = []
        for g in groups {
            let view = try g.view()
            for t in view.producers.map(\.target) + view.consumers.map(\.target)
            where seen.insert(ObjectIdentifier(t.parameter)).inserted {
                out.append(t)
            }
        }
        return out
    }
}
