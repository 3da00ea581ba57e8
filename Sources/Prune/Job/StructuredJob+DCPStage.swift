import Foundation

extension StructuredJob {
    /// DCP's stage-wise step before the channels are chosen (`--dcp-stage-epochs`): the dense model trained
    /// with an auxiliary classifier on the input of every layer that reads a prunable group
    /// (``AuxiliaryLossTraining``), at the fine-tuning learning rate; its summary.
    func dcpStageTraining(_ net: any Module) throws -> String {
        let graph = try DependencyGraph(tracing: net, example: Tensor.zeros([1] + dataset.exampleShape))
        let consumers = Set(graph.groups.flatMap { $0.consumers.map(\.path) })
        let points = net.namedModules().map(\.path).filter { consumers.contains($0) }
        var options = settings.fineTuning
        options.epochs = structured.dcpStageEpochs
        options.batchSize = batchSize
        let training = AuxiliaryLossTraining(points: points, options: options, classes: dataset.train.classes)
        let start = Date()
        let losses = try training.run(net, data: dataset.train, normalization: dataset.normalization) { e, loss in
            log.progress(String(format: "DCP stage training: epoch %d/%d  loss %.4f", e, options.epochs, loss))
        }
        log.endProgress()
        let text = String(format: "%d epoch(s), auxiliary losses at %@; combined loss per epoch %@; %.0f s",
                          options.epochs, points.joined(separator: ", "),
                          losses.map { String(format: "%.4f", $0) }.joined(separator: " → "),
                          Date().timeIntervalSince(start))
        log.info("DCP stage training: " + text)
        return text
    }
}
