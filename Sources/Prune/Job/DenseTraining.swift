/// Dense training as `prune train` does it by default (Adam, cosine schedule), for jobs and
/// benchmarks that need a trained built-in model first. With checkpoints, a stop request (SIGTERM)
/// saves the batch reached and ends the training with ``TrainingStopped`` naming the checkpoint.
public enum DenseTraining {
    /// `checkpoints` saves each epoch and, when resuming, restores the last one first.
    public static func train(model name: String, data: LabeledImages, epochs: Int, seed: UInt64, learningRate: Float,
                             batchSize: Int, log: any JobLog = SilentLog(),
                             checkpoints: TrainingCheckpoints? = nil) throws -> Sequential {
        let net = try ModelZoo.make(name, seed: seed)
        let optimizer = Adam(net.parameters().map(\.parameter), learningRate: learningRate)
        let loop = TrainingLoop(epochs: epochs, batchSize: batchSize, seed: seed,
                                normalization: (ImageDataSource.mean, ImageDataSource.std))
        let schedule = CosineLR(base: learningRate, totalSteps: loop.totalSteps(examples: data.count))
        let start = try checkpoints?.start(model: net, optimizer: optimizer, log: log) ?? TrainingPosition()
        let stopped: ((TrainingPosition) throws -> Void)? = checkpoints?.path == nil ? nil : { position in
            log.endProgress()
            try checkpoints?.save(at: position, model: net, optimizer: optimizer)
        }
        do {
            _ = try StopRequest.deferringSignals(if: stopped != nil) {
                try run(loop, net, name: name, data: data, optimizer: optimizer, schedule: schedule, start: start,
                        log: log, checkpoints: checkpoints, stopped: stopped)
            }
        } catch var stop as TrainingStopped {
            stop.checkpoint = checkpoints?.path
            throw stop
        }
        return net
    }

    /// The loop with its progress lines and per-epoch checkpoints.
    static func run(_ loop: TrainingLoop, _ net: Sequential, name: String, data: LabeledImages, optimizer: Adam,
                    schedule: CosineLR, start: TrainingPosition, log: any JobLog, checkpoints: TrainingCheckpoints?,
                    stopped: ((TrainingPosition) throws -> Void)?) throws -> [EpochResult] {
        let epochs = loop.epochs
        return try loop.run(net, data: data, optimizer: optimizer, schedule: schedule, start: start, progress: { p in
            log.progress(String(format: "training %@: epoch %d/%d  batch %d/%d  loss %.4f", name, p.epoch + 1, p.epochs,
                                p.batch, p.batches, p.loss))
        }, epochDone: { epoch, r in
            log.endProgress()
            log.info(String(format: "training %@: epoch %d/%d  loss %.4f  train acc %.2f%%", name, epoch + 1, epochs,
                            r.loss, r.trainAccuracy * 100))
            try checkpoints?.save(epochsDone: epoch + 1, model: net, optimizer: optimizer)
        }, stopped: stopped)
    }
}
